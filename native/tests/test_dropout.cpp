// Dropout: the mask is a pure function of (stream, global element index) on every ISA, thread count
// and shard; forward, backward from stored masks and backward by regeneration agree bit for bit.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "core/dropout.h"
#include "core/philox_stream.h"
#include "test_helpers.h"

namespace {

const rk_philox_stream kStream{0xD1CE, 4, 9};
const int64_t kSizes[] = {1, 31, 32, 33, 100, 4097, 140003};
const double kProbabilities[] = {0.0, 0.1, 0.5, 0.9, 1e-10, 1.0 - 1e-10, 1.0};

std::vector<float> data(int64_t n) {
    std::vector<float> x(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) x[i] = static_cast<float>(i % 97) * 0.25f - 12.0f;
    if (n > 3) {
        x[1] = NAN;      // a dropped NaN becomes +0
        x[2] = -0.0f;    // a dropped -0 becomes +0
        x[3] = 1e-40f;   // subnormals are kept exactly (times scale)
    }
    return x;
}

TEST(Dropout, MaskAndOutputFollowTheDefinitionOnEveryBackend) {
    const rk::core::PhiloxStream s{kStream.seed, kStream.subsequence, kStream.offset};
    for (double p : kProbabilities) {
        const uint64_t t = rk::core::dropout_threshold(p);
        float scale = 0;
        ASSERT_EQ(rk_dropout_scale(p, &scale), RK_STATUS_OK);
        EXPECT_EQ(scale, static_cast<float>(1.0 / (1.0 - p)));
        for (int64_t n : kSizes) {
            const uint64_t element_offset = 5;
            const std::vector<float> x = data(n);
            for (rk_isa isa : rk::test::supported_isas()) {
                for (int threads : {1, 3}) {
                    rk::test::Context ctx(isa, threads);
                    std::vector<float> y(n);
                    std::vector<uint8_t> bytes(n, 7);
                    std::vector<uint32_t> bits((n + 31) / 32, 0xDEADBEEF);
                    ASSERT_EQ(rk_dropout_forward(ctx.get(), &kStream, p, element_offset, x.data(), y.data(), n,
                                                 RK_MASK_BYTES, bytes.data()),
                              RK_STATUS_OK);
                    ASSERT_EQ(rk_dropout_mask(ctx.get(), &kStream, p, element_offset, n, RK_MASK_BITS, bits.data()),
                              RK_STATUS_OK);
                    for (int64_t i = 0; i < n; ++i) {
                        const bool keep = rk::core::stream_word(s, element_offset + i) >= t;
                        ASSERT_EQ(bytes[i], keep ? 1 : 0) << rk_isa_name(isa) << " p " << p << " i " << i;
                        ASSERT_EQ((bits[i / 32] >> (i % 32)) & 1u, keep ? 1u : 0u) << rk_isa_name(isa) << " i " << i;
                        const float expected = keep ? x[i] * scale : 0.0f;
                        if (std::isnan(expected)) {
                            ASSERT_TRUE(std::isnan(y[i]));
                        } else {
                            ASSERT_EQ(rk::test::float_bits(y[i]), rk::test::float_bits(expected))
                                << rk_isa_name(isa) << " p " << p << " i " << i;
                        }
                    }
                    if (n % 32 != 0) {
                        EXPECT_EQ(bits.back() >> (n % 32), 0u) << "unused bits of the last word are 0";
                    }
                }
            }
        }
    }
}

TEST(Dropout, ShardsGetTheirSliceOfTheWholeMask) {
    rk::test::Context ctx(rk::test::supported_isas().back(), 2);
    const int64_t n = 10000;
    std::vector<uint8_t> whole(n);
    ASSERT_EQ(rk_dropout_mask(ctx.get(), &kStream, 0.3, 0, n, RK_MASK_BYTES, whole.data()), RK_STATUS_OK);
    std::vector<uint32_t> whole_bits((n + 31) / 32);
    ASSERT_EQ(rk_dropout_mask(ctx.get(), &kStream, 0.3, 0, n, RK_MASK_BITS, whole_bits.data()), RK_STATUS_OK);
    for (int64_t start : {1, 7, 32, 33, 4096, 9999}) {
        const int64_t len = std::min<int64_t>(777, n - start);
        std::vector<uint8_t> shard(len);
        ASSERT_EQ(rk_dropout_mask(ctx.get(), &kStream, 0.3, start, len, RK_MASK_BYTES, shard.data()), RK_STATUS_OK);
        EXPECT_EQ(std::memcmp(shard.data(), whole.data() + start, len), 0) << start;
        if (start % 32 == 0) {
            std::vector<uint32_t> bits((len + 31) / 32);
            ASSERT_EQ(rk_dropout_mask(ctx.get(), &kStream, 0.3, start, len, RK_MASK_BITS, bits.data()), RK_STATUS_OK);
            for (int64_t i = 0; i < len; ++i)
                ASSERT_EQ((bits[i / 32] >> (i % 32)) & 1u, (whole_bits[(start + i) / 32] >> ((start + i) % 32)) & 1u);
        }
    }
}

TEST(Dropout, BackwardFromMasksAndByRegenerationAgree) {
    for (rk_isa isa : rk::test::supported_isas()) {
        rk::test::Context ctx(isa, 2);
        const int64_t n = 70001;
        const std::vector<float> dy = data(n);
        std::vector<float> y(n), regen(n), from_bytes(n), from_bits(n);
        std::vector<uint8_t> bytes(n);
        std::vector<uint32_t> bits((n + 31) / 32);
        ASSERT_EQ(rk_dropout_forward(ctx.get(), &kStream, 0.25, 3, dy.data(), y.data(), n, RK_MASK_BYTES, bytes.data()), RK_STATUS_OK);
        ASSERT_EQ(rk_dropout_mask(ctx.get(), &kStream, 0.25, 3, n, RK_MASK_BITS, bits.data()), RK_STATUS_OK);
        ASSERT_EQ(rk_dropout_backward(ctx.get(), &kStream, 0.25, 3, dy.data(), regen.data(), n, RK_MASK_NONE, nullptr), RK_STATUS_OK);
        ASSERT_EQ(rk_dropout_backward(ctx.get(), nullptr, 0.25, 3, dy.data(), from_bytes.data(), n, RK_MASK_BYTES, bytes.data()), RK_STATUS_OK);
        ASSERT_EQ(rk_dropout_backward(ctx.get(), nullptr, 0.25, 3, dy.data(), from_bits.data(), n, RK_MASK_BITS, bits.data()), RK_STATUS_OK);
        for (int64_t i = 0; i < n; ++i) {
            ASSERT_EQ(rk::test::float_bits(regen[i]), rk::test::float_bits(y[i])) << i;
            ASSERT_EQ(rk::test::float_bits(from_bytes[i]), rk::test::float_bits(y[i])) << i;
            ASSERT_EQ(rk::test::float_bits(from_bits[i]), rk::test::float_bits(y[i])) << i;
        }
        // In place gives the same.
        std::vector<float> inplace = dy;
        ASSERT_EQ(rk_dropout_forward(ctx.get(), &kStream, 0.25, 3, inplace.data(), inplace.data(), n, RK_MASK_NONE, nullptr), RK_STATUS_OK);
        EXPECT_EQ(std::memcmp(inplace.data(), y.data(), n * sizeof(float)), 0);
    }
}

// Large buffers: x is prefetched, the 64-bit keep words are read at any shift from the Philox blocks,
// and the backward from a stored mask takes the non-temporal-store path when dx can be aligned (after a
// scalar head): every combination of y alignment, stream lane, mask format and counter carry must still
// give the definition.
TEST(Dropout, LargeMisalignedBuffersAndCounterCarriesFollowTheDefinition) {
    // Two threads, each piece at least the kernels' stream-store size: the forward and the backward then
    // both use non-temporal stores after a head of elements up to the first aligned one.
    const int64_t n = (int64_t{1} << 21) + 1000 + 37;
    const double p = 0.3;
    const uint64_t t = rk::core::dropout_threshold(p);
    float scale = 0;
    ASSERT_EQ(rk_dropout_scale(p, &scale), RK_STATUS_OK);
    const std::vector<float> x = data(n);
    // 64-byte-aligned storage, used at float offsets 0, 1, 5 and 15 (every y alignment class that matters).
    std::vector<float> storage(static_cast<size_t>(n) + 64);
    float* const aligned = reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(storage.data()) + 63) & ~uintptr_t{63});
    const rk_philox_stream streams[] = {
        {0xD1CE, 4, 9},                                  // lane 1
        {77, 0, 0},                                      // lane 0
        {5, 1, (0xFFFFFFFFull - 5) * 4 + 2},             // the low counter word carries after 5 blocks
        {6, ~0ull, 0xFFFFFFFFFFFFFFFFull - 300003},      // the word position passes 2^64 mid-array
    };
    for (const rk_philox_stream& st : streams) {
        const rk::core::PhiloxStream cs{st.seed, st.subsequence, st.offset};
        const uint64_t element_offset = 3;
        std::vector<uint8_t> keep(n);
        for (int64_t i = 0; i < n; ++i) keep[i] = rk::core::stream_word(cs, element_offset + i) >= t;
        for (rk_isa isa : rk::test::supported_isas()) {
            rk::test::Context ctx(isa, 2);
            for (int shift : {0, 1, 5, 15}) {
                float* y = aligned + shift;
                const auto check_y = [&](const char* what) {
                    for (int64_t i = 0; i < n; ++i) {
                        const float expected = keep[i] ? x[i] * scale : 0.0f;
                        if (std::isnan(expected)) {
                            ASSERT_TRUE(std::isnan(y[i])) << what << " i " << i;
                        } else {
                            ASSERT_EQ(rk::test::float_bits(y[i]), rk::test::float_bits(expected))
                                << what << " " << rk_isa_name(isa) << " shift " << shift << " offset " << st.offset
                                << " i " << i;
                        }
                    }
                };
                std::fill(y, y + n, 7.0f);
                ASSERT_EQ(rk_dropout_forward(ctx.get(), &st, p, element_offset, x.data(), y, n, RK_MASK_NONE, nullptr),
                          RK_STATUS_OK);
                check_y("forward");
                std::vector<uint8_t> bytes(n, 9);
                std::vector<uint32_t> bits((n + 31) / 32, 0xDEADBEEF);
                std::fill(y, y + n, 7.0f);
                ASSERT_EQ(rk_dropout_forward(ctx.get(), &st, p, element_offset, x.data(), y, n, RK_MASK_BYTES,
                                             bytes.data()),
                          RK_STATUS_OK);
                check_y("forward+bytes");
                ASSERT_EQ(std::memcmp(bytes.data(), keep.data(), n), 0) << rk_isa_name(isa) << " shift " << shift;
                std::fill(y, y + n, 7.0f);
                ASSERT_EQ(rk_dropout_forward(ctx.get(), &st, p, element_offset, x.data(), y, n, RK_MASK_BITS,
                                             bits.data()),
                          RK_STATUS_OK);
                check_y("forward+bits");
                for (int64_t i = 0; i < n; ++i)
                    ASSERT_EQ((bits[i / 32] >> (i % 32)) & 1u, keep[i]) << rk_isa_name(isa) << " i " << i;
                EXPECT_EQ(bits.back() >> (n % 32), 0u);
                std::fill(y, y + n, 7.0f);
                ASSERT_EQ(rk_dropout_backward(ctx.get(), nullptr, p, element_offset, x.data(), y, n, RK_MASK_BYTES,
                                              bytes.data()),
                          RK_STATUS_OK);
                check_y("backward from bytes");
                std::fill(y, y + n, 7.0f);
                ASSERT_EQ(rk_dropout_backward(ctx.get(), nullptr, p, element_offset, x.data(), y, n, RK_MASK_BITS,
                                              bits.data()),
                          RK_STATUS_OK);
                check_y("backward from bits");
                std::copy(x.begin(), x.end(), y);
                ASSERT_EQ(rk_dropout_backward(ctx.get(), &st, p, element_offset, y, y, n, RK_MASK_NONE, nullptr),
                          RK_STATUS_OK);
                check_y("backward regenerated, in place");
            }
        }
    }
}

TEST(Dropout, KeepFractionIsBinomialAndNeighboursAreIndependent) {
    rk::test::Context ctx(rk::test::supported_isas().back(), 2);
    const int64_t n = 1 << 22;
    std::vector<uint8_t> m(n);
    ASSERT_EQ(rk_dropout_mask(ctx.get(), &kStream, 0.3, 0, n, RK_MASK_BYTES, m.data()), RK_STATUS_OK);
    double kept = 0, both = 0;
    for (int64_t i = 0; i < n; ++i) {
        kept += m[i];
        if (i + 1 < n) both += m[i] & m[i + 1];
    }
    const double q = 0.7, sd = std::sqrt(n * q * (1 - q));
    EXPECT_LT(std::abs(kept - n * q), 6 * sd) << "keep fraction " << kept / n;
    // P(both neighbours kept) = q^2 if independent.
    const double pairs = n - 1, sd2 = std::sqrt(pairs * q * q * (1 - q * q));
    EXPECT_LT(std::abs(both - pairs * q * q), 6 * sd2) << "pairs kept " << both / pairs;
}

TEST(Dropout, BadArguments) {
    rk::test::Context ctx(RK_ISA_SCALAR, 1);
    std::vector<float> x(64), y(64);
    std::vector<uint8_t> mask(64);
    auto msg = [] { return std::string(rk_last_error_message()); };
    EXPECT_EQ(rk_dropout_forward(ctx.get(), &kStream, NAN, 0, x.data(), y.data(), 64, RK_MASK_NONE, nullptr), RK_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(rk_dropout_forward(ctx.get(), &kStream, -0.5, 0, x.data(), y.data(), 64, RK_MASK_NONE, nullptr), RK_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(rk_dropout_forward(ctx.get(), &kStream, 1.5, 0, x.data(), y.data(), 64, RK_MASK_NONE, nullptr), RK_STATUS_INVALID_ARGUMENT);
    EXPECT_NE(msg().find("p must be in [0, 1]"), std::string::npos);
    EXPECT_EQ(rk_dropout_forward(ctx.get(), &kStream, 0.5, 0, x.data(), x.data() + 1, 63, RK_MASK_NONE, nullptr), RK_STATUS_INVALID_ARGUMENT);
    EXPECT_NE(msg().find("overlap"), std::string::npos);
    EXPECT_EQ(rk_dropout_forward(ctx.get(), &kStream, 0.5, 0, x.data(), y.data(), 64, RK_MASK_BYTES, nullptr), RK_STATUS_NULL_POINTER);
    EXPECT_EQ(rk_dropout_forward(ctx.get(), &kStream, 0.5, 0, x.data(), y.data(), 64, static_cast<rk_mask_format>(9), mask.data()), RK_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(rk_dropout_forward(ctx.get(), &kStream, 0.5, 0, x.data(), y.data(), 64, RK_MASK_BYTES, reinterpret_cast<uint8_t*>(y.data())), RK_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(rk_dropout_forward(ctx.get(), &kStream, 0.5, UINT64_MAX - 10, x.data(), y.data(), 64, RK_MASK_NONE, nullptr), RK_STATUS_SIZE_OVERFLOW);
    EXPECT_EQ(rk_dropout_forward(ctx.get(), nullptr, 0.5, 0, x.data(), y.data(), 64, RK_MASK_NONE, nullptr), RK_STATUS_NULL_POINTER);
    EXPECT_EQ(rk_dropout_forward(ctx.get(), &kStream, 0.5, 0, nullptr, y.data(), 64, RK_MASK_NONE, nullptr), RK_STATUS_NULL_POINTER);
    EXPECT_EQ(rk_dropout_forward(ctx.get(), &kStream, 0.5, 0, x.data(), y.data(), -1, RK_MASK_NONE, nullptr), RK_STATUS_SIZE_OVERFLOW);
    EXPECT_EQ(rk_dropout_backward(ctx.get(), nullptr, 0.5, 0, x.data(), y.data(), 64, RK_MASK_NONE, nullptr), RK_STATUS_NULL_POINTER);
    EXPECT_EQ(rk_dropout_mask(ctx.get(), &kStream, 0.5, 0, 64, RK_MASK_NONE, mask.data()), RK_STATUS_INVALID_ARGUMENT);
    int64_t bytes = 0;
    ASSERT_EQ(rk_dropout_mask_bytes(RK_MASK_BITS, 33, &bytes), RK_STATUS_OK);
    EXPECT_EQ(bytes, 8);
    ASSERT_EQ(rk_dropout_mask_bytes(RK_MASK_BYTES, 33, &bytes), RK_STATUS_OK);
    EXPECT_EQ(bytes, 33);
    EXPECT_EQ(rk_dropout_scale(2.0, nullptr), RK_STATUS_NULL_POINTER);
    float scale;
    ASSERT_EQ(rk_dropout_scale(1.0, &scale), RK_STATUS_OK);
    EXPECT_TRUE(std::isinf(scale));
}

}  // namespace
