// Every distribution gives the scalar single-thread bits on every ISA and thread count, for sizes
// that are not multiples of any vector width; plus exact properties of each definition.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>

#include "core/distributions.h"
#include "core/permutation.h"
#include "core/philox_stream.h"
#include "test_helpers.h"

namespace {

__extension__ typedef unsigned __int128 u128;  // reference products in tests only

const int64_t kSizes[] = {1, 2, 3, 31, 32, 33, 1001, 4097, 140001};
const rk_philox_stream kStream{0x9E3779B97F4A7C15ull, 11, 3};

// Runs `fill` on a context for every (ISA, threads) and compares the bytes with scalar / 1 thread.
template <class T>
void expect_same_everywhere(const char* name, const std::function<rk_status(rk_context*, T*, int64_t)>& fill) {
    rk::test::Context reference(RK_ISA_SCALAR, 1);
    for (int64_t n : kSizes) {
        std::vector<T> expected(static_cast<size_t>(n));
        ASSERT_EQ(fill(reference.get(), expected.data(), n), RK_STATUS_OK) << rk_last_error_message();
        for (rk_isa isa : rk::test::supported_isas()) {
            for (int threads : {1, 2, 3, 7}) {
                rk::test::Context ctx(isa, threads);
                std::vector<T> got(static_cast<size_t>(n));
                ASSERT_EQ(fill(ctx.get(), got.data(), n), RK_STATUS_OK) << rk_last_error_message();
                ASSERT_EQ(std::memcmp(got.data(), expected.data(), sizeof(T) * got.size()), 0)
                    << name << " " << rk_isa_name(isa) << " threads " << threads << " n " << n;
            }
        }
    }
}

TEST(Distributions, IdenticalOnEveryIsaAndThreadCount) {
    expect_same_everywhere<float>("uniform_range", [](rk_context* c, float* o, int64_t n) {
        return rk_philox_fill_uniform_range(c, &kStream, -2.5f, 7.0f, o, n);
    });
    expect_same_everywhere<float>("normal", [](rk_context* c, float* o, int64_t n) {
        return rk_philox_fill_normal(c, &kStream, 1.0f, 3.0f, o, n);
    });
    expect_same_everywhere<float>("truncated_normal", [](rk_context* c, float* o, int64_t n) {
        return rk_philox_fill_truncated_normal(c, &kStream, 0.0f, 1.0f, -0.5f, 3.0f, o, n);
    });
    expect_same_everywhere<uint8_t>("bernoulli", [](rk_context* c, uint8_t* o, int64_t n) {
        return rk_philox_fill_bernoulli(c, &kStream, 0.125, o, n);
    });
    expect_same_everywhere<int64_t>("int64", [](rk_context* c, int64_t* o, int64_t n) {
        return rk_philox_fill_int64(c, &kStream, -1000, 1000000, o, n);
    });
    expect_same_everywhere<uint64_t>("permutation", [](rk_context* c, uint64_t* o, int64_t n) {
        return rk_permutation(c, 200003, 5, 6, 0, 17, o, n);
    });
}

TEST(Distributions, DefinitionsOnStreamWords) {
    rk::test::Context ctx(RK_ISA_SCALAR, 1);
    const int64_t n = 1001;
    const rk::core::PhiloxStream s{kStream.seed, kStream.subsequence, kStream.offset};
    std::vector<float> normal(n), uni(n);
    std::vector<uint8_t> bern(n);
    std::vector<int64_t> ints(n);
    ASSERT_EQ(rk_philox_fill_normal(ctx.get(), &kStream, 0.0f, 1.0f, normal.data(), n), RK_STATUS_OK);
    ASSERT_EQ(rk_philox_fill_uniform_range(ctx.get(), &kStream, -1.0f, 1.0f, uni.data(), n), RK_STATUS_OK);
    ASSERT_EQ(rk_philox_fill_bernoulli(ctx.get(), &kStream, 0.5, bern.data(), n), RK_STATUS_OK);
    ASSERT_EQ(rk_philox_fill_int64(ctx.get(), &kStream, 10, 20, ints.data(), n), RK_STATUS_OK);
    for (int64_t i = 0; i < n; ++i) {
        const uint32_t w = rk::core::stream_word(s, i);
        float z0, z1;
        rk::core::box_muller<rk::core::ScalarLanes>(rk::core::stream_word(s, i & ~1ll), rk::core::stream_word(s, i | 1),
                                                   0.0f, 1.0f, z0, z1);
        EXPECT_EQ(rk::test::float_bits(normal[i]), rk::test::float_bits(i % 2 == 0 ? z0 : z1)) << i;
        EXPECT_EQ(rk::test::float_bits(uni[i]), rk::test::float_bits(std::fma(rk::core::uniform_from_word(w), 2.0f, -1.0f)));
        EXPECT_EQ(bern[i], w < 0x80000000u ? 1 : 0);
        const uint64_t r = rk::core::stream_word(s, 2 * i) | (uint64_t(rk::core::stream_word(s, 2 * i + 1)) << 32);
        EXPECT_EQ(ints[i], 10 + static_cast<int64_t>((static_cast<u128>(r) * 10u) >> 64));
    }
}

TEST(Distributions, Mulhi64MatchesA128BitProduct) {
    const uint64_t v[] = {0, 1, 2, 0xFFFFFFFFull, 0x100000000ull, 0x123456789ABCDEFull, ~0ull, ~0ull - 1, 1ull << 63};
    for (uint64_t a : v)
        for (uint64_t b : v)
            EXPECT_EQ(rk::core::mulhi64(a, b), static_cast<uint64_t>((static_cast<u128>(a) * b) >> 64));
}

TEST(Distributions, BadParameters) {
    rk::test::Context ctx(RK_ISA_SCALAR, 1);
    float f[4];
    uint8_t b[4];
    int64_t i[4];
    uint64_t u[4];
    EXPECT_EQ(rk_philox_fill_uniform_range(ctx.get(), &kStream, 1.0f, 0.0f, f, 4), RK_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(rk_philox_fill_uniform_range(ctx.get(), &kStream, -3e38f, 3e38f, f, 4), RK_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(rk_philox_fill_normal(ctx.get(), &kStream, NAN, 1.0f, f, 4), RK_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(rk_philox_fill_normal(ctx.get(), &kStream, 0.0f, -1.0f, f, 4), RK_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(rk_philox_fill_truncated_normal(ctx.get(), &kStream, 0.0f, 1.0f, 2.0f, 1.0f, f, 4), RK_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(rk_philox_fill_truncated_normal(ctx.get(), &kStream, 0.0f, 1.0f, 40.0f, 41.0f, f, 4), RK_STATUS_INVALID_ARGUMENT);
    EXPECT_NE(std::string(rk_last_error_message()).find("no probability mass"), std::string::npos);
    EXPECT_EQ(rk_philox_fill_bernoulli(ctx.get(), &kStream, -0.1, b, 4), RK_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(rk_philox_fill_bernoulli(ctx.get(), &kStream, NAN, b, 4), RK_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(rk_philox_fill_int64(ctx.get(), &kStream, 3, 3, i, 4), RK_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(rk_philox_fill_normal(ctx.get(), &kStream, 0.0f, 1.0f, nullptr, 4), RK_STATUS_NULL_POINTER);
    EXPECT_EQ(rk_philox_fill_normal(ctx.get(), &kStream, 0.0f, 1.0f, f, -4), RK_STATUS_SIZE_OVERFLOW);
    EXPECT_EQ(rk_permutation(ctx.get(), 0, 1, 2, 0, 0, u, 1), RK_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(rk_permutation(ctx.get(), (1ull << 63) + 1, 1, 2, 0, 0, u, 1), RK_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(rk_permutation(ctx.get(), 10, 1, 2, 2, 0, u, 1), RK_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(rk_permutation(ctx.get(), 10, 1, 2, 0, 8, u, 3), RK_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(rk_permutation(nullptr, 10, 1, 2, 0, 0, u, 1), RK_STATUS_NULL_POINTER);
}

}  // namespace
