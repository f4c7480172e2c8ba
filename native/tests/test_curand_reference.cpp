// cuRAND device-API reference records (curand_init state, curand, curand4, skipahead,
// skipahead_sequence, _curand_uniform) reproduced by ReproKit's random-access streams on every ISA.
#include <gtest/gtest.h>

#include "core/philox_stream.h"
#include "core/uniform.h"
#include "test_helpers.h"
#include "test_vectors.h"

namespace {

using rk::test::CurandRecord;

std::vector<CurandRecord> records_of(const std::string& type) {
    std::vector<CurandRecord> out;
    for (auto& r : rk::test::load_curand_records())
        if (r.type == type) out.push_back(r);
    return out;
}

rk_philox_stream stream(uint64_t seed, uint64_t sub, uint64_t off) { return {seed, sub, off}; }

TEST(CurandReference, InitStateMatchesStreamCursor) {
    const auto records = records_of("INIT");
    ASSERT_GE(records.size(), 10u);
    for (const auto& r : records) {
        ASSERT_EQ(r.fields.size(), 26u) << r.line;
        const rk::core::PhiloxStream s{r.fields[0], r.fields[1], r.fields[2]};
        const auto c = rk::core::stream_cursor(s, 0);
        uint32_t counter[4], key[2];
        rk::core::cursor_counter(c, counter);
        rk::core::stream_key(s, key);
        for (int i = 0; i < 4; ++i) EXPECT_EQ(counter[i], r.fields[3 + i]) << r.line;
        EXPECT_EQ(key[0], r.fields[7]) << r.line;
        EXPECT_EQ(key[1], r.fields[8]) << r.line;
        EXPECT_EQ(c.lane, r.fields[9]) << r.line;
    }
}

TEST(CurandReference, InitWordsAndUniformsOnEveryIsaAndThreadCount) {
    const auto records = records_of("INIT");
    for (rk_isa isa : rk::test::supported_isas()) {
        for (int threads : {1, 3}) {
            rk::test::Context ctx(isa, threads);
            for (const auto& r : records) {
                const auto s = stream(r.fields[0], r.fields[1], r.fields[2]);
                const auto words = rk::test::fill_u32(ctx.get(), s, 8);
                const auto uni = rk::test::fill_uniform(ctx.get(), s, 8);
                for (int i = 0; i < 8; ++i) {
                    EXPECT_EQ(words[i], r.fields[10 + i]) << rk_isa_name(isa) << " word " << i << ": " << r.line;
                    EXPECT_EQ(rk::test::float_bits(uni[i]), r.fields[18 + i])
                        << rk_isa_name(isa) << " uniform " << i << ": " << r.line;
                }
            }
        }
    }
}

TEST(CurandReference, Curand4Records) {
    const auto records = records_of("C4");
    ASSERT_GE(records.size(), 10u);
    rk::test::Context ctx(RK_ISA_SCALAR, 1);
    for (const auto& r : records) {
        ASSERT_EQ(r.fields.size(), 7u) << r.line;
        const auto words = rk::test::fill_u32(ctx.get(), stream(r.fields[0], r.fields[1], r.fields[2]), 4);
        for (int i = 0; i < 4; ++i) EXPECT_EQ(words[i], r.fields[3 + i]) << r.line;
    }
}

// init, ndraw x curand(), skipahead(nskip), 4 x curand()  ==  words at offset + ndraw + nskip.
TEST(CurandReference, SkipaheadRecords) {
    const auto records = records_of("SKIP");
    ASSERT_GE(records.size(), 10u);
    for (rk_isa isa : rk::test::supported_isas()) {
        rk::test::Context ctx(isa, 1);
        for (const auto& r : records) {
            ASSERT_EQ(r.fields.size(), 9u) << r.line;
            const uint64_t seed = r.fields[0], sub = r.fields[1], off = r.fields[2];
            const uint64_t skipped = r.fields[3] + r.fields[4];
            const auto words = rk::test::fill_u32(ctx.get(), stream(seed, sub, off + skipped), 4);
            for (int i = 0; i < 4; ++i) EXPECT_EQ(words[i], r.fields[5 + i]) << r.line;
            // The same words as elements (ndraw + nskip ..) of a fill from the original offset.
            for (int i = 0; i < 4; ++i)
                EXPECT_EQ(rk::core::stream_word({seed, sub, off}, skipped + i), r.fields[5 + i]) << r.line;
        }
    }
}

// init, skipahead_sequence(nseq), 4 x curand()  ==  words of subsequence + nseq (mod 2^64).
TEST(CurandReference, SkipaheadSequenceRecords) {
    const auto records = records_of("SKIPSEQ");
    ASSERT_GE(records.size(), 10u);
    rk::test::Context ctx(RK_ISA_SCALAR, 1);
    for (const auto& r : records) {
        ASSERT_EQ(r.fields.size(), 8u) << r.line;
        const auto words =
            rk::test::fill_u32(ctx.get(), stream(r.fields[0], r.fields[1] + r.fields[3], r.fields[2]), 4);
        for (int i = 0; i < 4; ++i) EXPECT_EQ(words[i], r.fields[4 + i]) << r.line;
    }
}

TEST(CurandReference, UniformConversionRecords) {
    const auto records = records_of("UCONV");
    ASSERT_GE(records.size(), 10u);
    for (const auto& r : records) {
        ASSERT_EQ(r.fields.size(), 2u) << r.line;
        const float u = rk::core::uniform_from_word(static_cast<uint32_t>(r.fields[0]));
        EXPECT_EQ(rk::test::float_bits(u), r.fields[1]) << r.line;
        const uint32_t word = static_cast<uint32_t>(r.fields[0]);
        float api = 0;
        ASSERT_EQ(rk_uniform_from_words(&word, &api, 1), RK_STATUS_OK);
        EXPECT_EQ(rk::test::float_bits(api), r.fields[1]) << r.line;
        EXPECT_GT(u, 0.0f);
        EXPECT_LE(u, 1.0f);
    }
}

}  // namespace
