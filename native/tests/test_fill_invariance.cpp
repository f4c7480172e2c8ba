// Element i of a fill is a pure function of (stream, i): every ISA and thread count, every size
// (including sizes that are not multiples of any vector width) and offsets next to 32-bit and
// 64-bit counter carries give exactly core::stream_word / core::uniform_from_word.
#include <gtest/gtest.h>

#include "core/philox_stream.h"
#include "core/uniform.h"
#include "test_helpers.h"

namespace {

const int64_t kSizes[] = {0, 1, 3, 4, 5, 17, 63, 64, 65, 129, 1000, 4099, 300007};
const uint64_t kOffsets[] = {
    0, 1, 2, 3, 5, 1001,
    (0xFFFFFFFFull - 5) * 4 + 1,  // the low counter word carries into the next one mid-fill
    0xFFFFFFFFFFFFFFFFull - 6,    // the word position passes 2^64: the block counter carries into its high half
};

TEST(FillInvariance, EveryIsaThreadCountSizeAndOffsetMatchesTheCore) {
    for (rk_isa isa : rk::test::supported_isas()) {
        for (int threads : {1, 2, 3, 7}) {
            rk::test::Context ctx(isa, threads);
            for (uint64_t offset : kOffsets) {
                const rk::core::PhiloxStream s{0x243F6A8885A308D3ull, 0x13198A2E03707344ull, offset};
                for (int64_t n : kSizes) {
                    const auto words = rk::test::fill_u32(ctx.get(), {s.seed, s.subsequence, s.offset}, n);
                    const auto uni = rk::test::fill_uniform(ctx.get(), {s.seed, s.subsequence, s.offset}, n);
                    for (int64_t i = 0; i < n; ++i) {
                        const uint32_t w = rk::core::stream_word(s, static_cast<uint64_t>(i));
                        ASSERT_EQ(words[i], w) << rk_isa_name(isa) << " threads " << threads << " offset "
                                               << offset << " n " << n << " i " << i;
                        ASSERT_EQ(rk::test::float_bits(uni[i]),
                                  rk::test::float_bits(rk::core::uniform_from_word(w)))
                            << rk_isa_name(isa) << " threads " << threads << " offset " << offset << " i " << i;
                    }
                }
            }
        }
    }
}

TEST(FillInvariance, AShardEqualsTheSliceOfTheWholeFill) {
    rk::test::Context ctx(RK_ISA_SCALAR, 1);
    const rk_philox_stream whole{7, 3, 11};
    const auto all = rk::test::fill_u32(ctx.get(), whole, 1000);
    for (uint64_t start : {0u, 1u, 2u, 3u, 4u, 13u, 500u}) {
        for (rk_isa isa : rk::test::supported_isas()) {
            rk::test::Context c2(isa, 2);
            const auto shard = rk::test::fill_u32(c2.get(), {7, 3, 11 + start}, 300);
            for (size_t i = 0; i < shard.size(); ++i) ASSERT_EQ(shard[i], all[start + i]) << start << " " << i;
        }
    }
}

TEST(FillInvariance, UniformRangeIsZeroExclusiveOneInclusive) {
    // Extreme words: the smallest gives 2^-33, the largest rounds to exactly 1.
    EXPECT_EQ(rk::core::uniform_from_word(0u), 0x1p-33f);
    EXPECT_EQ(rk::core::uniform_from_word(0xFFFFFFFFu), 1.0f);
    rk::test::Context ctx(rk::test::supported_isas().back(), 2);
    const auto uni = rk::test::fill_uniform(ctx.get(), {1, 2, 3}, 1 << 18);
    for (float u : uni) {
        ASSERT_GT(u, 0.0f);
        ASSERT_LE(u, 1.0f);
    }
}

}  // namespace
