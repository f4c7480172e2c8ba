// Keyed random-access permutation of [0, N) (native/src/core/permutation.h, docs/permutation.md):
// bijection and inverse, large N, uniformity over keys (chi-square), independence across
// subsequences, and golden values of the definition.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "core/permutation.h"
#include "core/philox.h"

namespace {

using rk::core::Permutation;
using rk::core::permutation_apply;
using rk::core::permutation_init;
using rk::core::permutation_invert;

Permutation make(uint64_t n, uint64_t seed, uint64_t subsequence) {
    Permutation p;
    const bool ok = permutation_init(p, n, seed, subsequence);
    EXPECT_TRUE(ok) << "n " << n;
    return p;
}

// SplitMix64: sample indices for the large-N tests (test-only; not part of the definition).
uint64_t splitmix64(uint64_t& s) {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// Uniform in [0, n) for the samples (bias irrelevant here: n << 2^64 or n is a sample bound).
uint64_t sample_below(uint64_t& s, uint64_t n) { return splitmix64(s) % n; }

// Upper critical value of chi-square with `df` degrees of freedom at upper-tail probability alpha,
// by the Wilson-Hilferty approximation: chi2 ~ df * (1 - 2/(9 df) + z sqrt(2/(9 df)))^3, with z the
// standard normal upper quantile. Every chi-square test here uses alpha = 1e-6 (z = 4.753424): a
// correct implementation fails one of them with probability about 1e-6 per test, and since the
// tests are deterministic (fixed seeds), a pass is permanent.
constexpr double kZ_1e6 = 4.753424308822899;  // Phi^-1(1 - 1e-6)
double chi2_critical(double df, double z = kZ_1e6) {
    const double a = 2.0 / (9.0 * df);
    const double t = 1.0 - a + z * std::sqrt(a);
    return df * t * t * t;
}

// ---------------------------------------------------------------------------------------------
// Definition: an independent transcription of docs/permutation.md, checked against the header.

uint64_t reference_feistel(uint64_t n, uint64_t seed, uint64_t sub, uint64_t x, bool forward) {
    uint32_t h = 1;
    while (h < 32 && (uint64_t{1} << (2 * h)) < n) ++h;
    const uint64_t half_mask = (uint64_t{1} << h) - 1;
    const int rounds = h <= 3 ? 24 : 8;
    const uint32_t key[2] = {static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32)};
    auto f = [&](uint32_t r, uint64_t half) -> uint64_t {
        const uint32_t counter[4] = {static_cast<uint32_t>(half), 0x80500000u | (h << 8) | r,
                                     static_cast<uint32_t>(sub), static_cast<uint32_t>(sub >> 32)};
        return rk::core::philox4x32(counter, key, 10).w[0] & half_mask;
    };
    auto pass = [&](uint64_t v) {
        uint64_t l = v >> h, r = v & half_mask;
        if (forward) {
            for (uint32_t k = 0; k < static_cast<uint32_t>(rounds); ++k) {
                const uint64_t t = l ^ f(k, r);
                l = r;
                r = t;
            }
        } else {
            for (int k = rounds - 1; k >= 0; --k) {
                const uint64_t t = r ^ f(static_cast<uint32_t>(k), l);
                r = l;
                l = t;
            }
        }
        return (l << h) | r;
    };
    uint64_t y = pass(x);
    while (y >= n) y = pass(y);
    return y;
}

TEST(PermutationDefinition, InitRejectsZeroAndPicksSmallestEvenPowerDomain) {
    Permutation p;
    EXPECT_FALSE(permutation_init(p, 0, 1, 2));
    EXPECT_EQ(p.n, 0u);
    struct Case {
        uint64_t n;
        uint32_t h;
    };
    const Case cases[] = {{1, 1},
                          {2, 1},
                          {4, 1},
                          {5, 2},
                          {16, 2},
                          {17, 3},
                          {64, 3},
                          {65, 4},
                          {1000, 5},
                          {1024, 5},
                          {1025, 6},
                          {65536, 8},
                          {65537, 9},
                          {(1ull << 32) + 15, 17},
                          {1ull << 40, 20},
                          {1ull << 62, 31},
                          {(1ull << 62) + 3, 32},
                          {1ull << 63, 32},
                          {~0ull, 32}};
    for (const Case& c : cases) {
        ASSERT_TRUE(permutation_init(p, c.n, 7, 9));
        EXPECT_EQ(p.n, c.n);
        EXPECT_EQ(p.h, c.h) << "n " << c.n;
        EXPECT_EQ(p.mask, static_cast<uint32_t>((uint64_t{1} << c.h) - 1)) << "n " << c.n;
        EXPECT_EQ(p.rounds, c.h <= 3 ? 24u : 8u) << "n " << c.n;
    }
}

TEST(PermutationDefinition, MatchesIndependentTranscriptionOfTheDocs) {
    const uint64_t ns[] = {1, 2, 3, 10, 1000, 100003, (1ull << 32) + 15, 1ull << 40,
                           (1ull << 62) + 3, (1ull << 63) - 1, 1ull << 63, ~0ull};
    const uint64_t keys[][2] = {{0, 0}, {42, 1}, {0xFFFFFFFFFFFFFFFFull, 0xFFFFFFFFFFFFFFFFull}};
    uint64_t s = 1;
    for (uint64_t n : ns) {
        for (const auto& k : keys) {
            const Permutation p = make(n, k[0], k[1]);
            for (int t = 0; t < 20; ++t) {
                const uint64_t i = sample_below(s, n);
                EXPECT_EQ(permutation_apply(p, i), reference_feistel(n, k[0], k[1], i, true))
                    << "n " << n << " i " << i;
                EXPECT_EQ(permutation_invert(p, i), reference_feistel(n, k[0], k[1], i, false))
                    << "n " << n << " j " << i;
            }
        }
    }
}

TEST(PermutationDefinition, SizeOneIsIdentity) {
    for (uint64_t seed : {0ull, 1ull, 0xDEADBEEFull, ~0ull}) {
        const Permutation p = make(1, seed, seed * 3);
        EXPECT_EQ(permutation_apply(p, 0), 0u);
        EXPECT_EQ(permutation_invert(p, 0), 0u);
    }
}

// The values below are this definition's own output (printed once from permutation_apply), not an
// external reference: they pin the definition so that any change to it is caught.
TEST(PermutationGolden, FixedValues) {
    struct Golden {
        uint64_t n, seed, subsequence, i, expected;
    };
    const Golden golden[] = {
        {0x3ull, 0x5ull, 0x5ull, 0x2ull, 0x0ull},
        {0xaull, 0x0ull, 0x0ull, 0x0ull, 0x6ull},
        {0xaull, 0x0ull, 0x0ull, 0x9ull, 0x3ull},
        {0x32ull, 0x7bull, 0x1c8ull, 0x31ull, 0x2full},
        {0xc8ull, 0x9ull, 0x9ull, 0x64ull, 0xaull},
        {0x3e8ull, 0x2aull, 0x0ull, 0x0ull, 0x91ull},
        {0x3e8ull, 0x2aull, 0x1ull, 0x0ull, 0x383ull},
        {0x3e8ull, 0x2aull, 0x0ull, 0x3e7ull, 0xb0ull},
        {0x186a3ull, 0x123456789abcdefull, 0x7ull, 0x3039ull, 0x22c9ull},
        {0x10000000full, 0x1ull, 0x2ull, 0x3ull, 0x494407e3ull},
        {0x10000000full, 0x1ull, 0x2ull, 0x10000000eull, 0x629e9b2eull},
        {0x10000000000ull, 0xffffffffffffffffull, 0xffffffffffffffffull, 0x1cbe991a14ull,
         0x47de21a134ull},
        {0x8000000000000000ull, 0x7e8ull, 0x5ull, 0x0ull, 0x58ae3236d1c6b448ull},
        {0x7fffffffffffffffull, 0x7e8ull, 0x5ull, 0x7ffffffffffffffeull, 0x61db411daa7ef12dull},
        {0x4000000000000003ull, 0x7ull, 0x0ull, 0x2000000000000000ull, 0x388e358586589307ull},
        {0xffffffffffffffffull, 0xffffffffffffffffull, 0x0ull, 0xfffffffffffffffeull,
         0x1ca38dadf6b83233ull},
    };
    for (const Golden& g : golden) {
        const Permutation p = make(g.n, g.seed, g.subsequence);
        EXPECT_EQ(permutation_apply(p, g.i), g.expected)
            << "n " << g.n << " seed " << g.seed << " sub " << g.subsequence << " i " << g.i;
        EXPECT_EQ(permutation_invert(p, g.expected), g.i);
    }
    // Whole permutations: N = 10 (seed 0, subsequence 0) and N = 16 (seed 1, subsequence 0).
    const uint64_t p10[10] = {6, 1, 9, 0, 4, 2, 5, 8, 7, 3};
    const uint64_t p16[16] = {8, 12, 6, 0, 1, 4, 13, 2, 11, 10, 14, 3, 9, 15, 7, 5};
    const Permutation a = make(10, 0, 0), b = make(16, 1, 0);
    for (uint64_t i = 0; i < 10; ++i) EXPECT_EQ(permutation_apply(a, i), p10[i]) << "i " << i;
    for (uint64_t i = 0; i < 16; ++i) EXPECT_EQ(permutation_apply(b, i), p16[i]) << "i " << i;
}

// ---------------------------------------------------------------------------------------------
// Bijection and inverse.

TEST(PermutationBijection, ExhaustiveSmallAndMediumSizes) {
    const uint64_t ns[] = {1,  2,   3,   4,   5,   7,    8,    15,    16,    17,    31,
                           64, 97, 100, 127, 128, 1000, 4096, 65521, 65536, 100003};
    const uint64_t keys[][2] = {{0, 0},
                                {1, 0},
                                {0, 1},
                                {0x0123456789ABCDEFull, 0xFEDCBA9876543210ull},
                                {0xFFFFFFFFFFFFFFFFull, 0xFFFFFFFFFFFFFFFFull}};
    for (uint64_t n : ns) {
        for (const auto& k : keys) {
            const Permutation p = make(n, k[0], k[1]);
            std::vector<uint8_t> hit(static_cast<size_t>(n), 0);
            uint64_t bad = 0;
            for (uint64_t i = 0; i < n; ++i) {
                const uint64_t y = permutation_apply(p, i);
                if (y >= n) {
                    ++bad;
                    continue;
                }
                if (hit[y]++) ++bad;
                if (permutation_invert(p, y) != i) ++bad;
            }
            EXPECT_EQ(bad, 0u) << "n " << n << " seed " << k[0] << " sub " << k[1];
        }
    }
}

// Counts the Feistel passes apply(i) takes (the cycle-walk length, >= 1).
uint64_t walk_length(const Permutation& p, uint64_t i) {
    uint64_t steps = 1;
    uint64_t y = rk::core::permutation_feistel_forward(p, i);
    while (y >= p.n) {
        y = rk::core::permutation_feistel_forward(p, y);
        ++steps;
    }
    return steps;
}

TEST(PermutationBijection, LargeSizesSampledRoundTripAndShortWalks) {
    const uint64_t ns[] = {(1ull << 31) - 1, (1ull << 32) + 15, 1ull << 40, (1ull << 62) + 3,
                           (1ull << 63) - 1, 1ull << 63, ~0ull};
    const uint64_t keys[][2] = {{0, 0}, {0xC0FFEEull, 3}, {~0ull, ~0ull}};
    constexpr int kSamples = 3000;
    uint64_t s = 12345;
    for (uint64_t n : ns) {
        for (const auto& k : keys) {
            const Permutation p = make(n, k[0], k[1]);
            const double domain = std::ldexp(1.0, static_cast<int>(2 * p.h));
            const double ratio = domain / static_cast<double>(n);  // expected walk length
            uint64_t total_steps = 0, max_steps = 0;
            for (int t = 0; t < kSamples; ++t) {
                // Edges first, then random indices.
                const uint64_t i = t == 0 ? 0 : t == 1 ? n - 1 : sample_below(s, n);
                const uint64_t y = permutation_apply(p, i);
                ASSERT_LT(y, n) << "n " << n << " i " << i;
                ASSERT_EQ(permutation_invert(p, y), i) << "n " << n << " i " << i;
                const uint64_t j = sample_below(s, n);
                const uint64_t x = permutation_invert(p, j);
                ASSERT_LT(x, n);
                ASSERT_EQ(permutation_apply(p, x), j) << "n " << n << " j " << j;
                const uint64_t w = walk_length(p, i);
                total_steps += w;
                if (w > max_steps) max_steps = w;
            }
            const double mean = static_cast<double>(total_steps) / kSamples;
            // Under the PRP model the walk length is geometric with mean D/N <= 4 (variance
            // < 12); D/N + 1 is more than 15 standard errors above the mean for 3000 samples.
            EXPECT_LE(mean, ratio + 1.0) << "n " << n;
            EXPECT_LT(uint64_t{1} << (2 * p.h - 2), n) << "n " << n;  // D / 4 < N, exactly
            // P(one walk > 150 passes) <= (3/4)^150 ~ 2e-19.
            EXPECT_LE(max_steps, 150u) << "n " << n;
        }
    }
}

// Over the whole range the walks visit every domain element at most once: the total number of
// Feistel passes for all i in [0, N) is at most D, so the average is at most D/N < 4.
TEST(PermutationBijection, TotalWalkLengthBoundedByDomain) {
    for (uint64_t n : {5ull, 17ull, 1000ull, 1025ull, 65537ull}) {
        const Permutation p = make(n, 99, 1);
        const uint64_t domain = uint64_t{1} << (2 * p.h);
        uint64_t total = 0;
        for (uint64_t i = 0; i < n; ++i) total += walk_length(p, i);
        EXPECT_LE(total, domain) << "n " << n;
        EXPECT_LT(domain, 4 * n) << "n " << n;
    }
}

// ---------------------------------------------------------------------------------------------
// Uniformity over keys.
//
// For S independent uniformly random permutations of [0, N), the N x N table O[i][j] = #{keys with
// apply(i) = j} has E = S/N per cell, and the permutation-matrix constraints (each row and column
// of one permutation sums to 1) give Cov(vec O) = S/(N-1) * (I - J/N) (x) (I - J/N). Hence
// X = sum (O - E)^2 / E ~ N/(N-1) * chi2((N-1)^2) asymptotically (its mean is N(N-1), not
// (N-1)^2), and the test statistic is X * (N-1)/N against chi2 with (N-1)^2 degrees of freedom.
double permutation_table_statistic(const std::vector<uint64_t>& table, uint64_t n, uint64_t keys) {
    const double e = static_cast<double>(keys) / static_cast<double>(n);
    double x = 0.0;
    for (uint64_t c : table) {
        const double d = static_cast<double>(c) - e;
        x += d * d / e;
    }
    return x * static_cast<double>(n - 1) / static_cast<double>(n);
}

TEST(PermutationUniformity, PositionTableOverSeedsN10) {
    constexpr uint64_t kN = 10, kKeys = 20000;
    const double df = static_cast<double>((kN - 1) * (kN - 1));
    const double crit = chi2_critical(df);  // alpha = 1e-6: about 156.8 for 81 df
    // Vary the seed (subsequence 0), then the subsequence (seed fixed).
    for (int vary_subsequence = 0; vary_subsequence < 2; ++vary_subsequence) {
        std::vector<uint64_t> table(kN * kN, 0);
        for (uint64_t k = 0; k < kKeys; ++k) {
            const Permutation p =
                vary_subsequence ? make(kN, 0x5EED, k) : make(kN, k, 0);
            for (uint64_t i = 0; i < kN; ++i) ++table[i * kN + permutation_apply(p, i)];
        }
        const double stat = permutation_table_statistic(table, kN, kKeys);
        EXPECT_LT(stat, crit) << (vary_subsequence ? "over subsequences" : "over seeds")
                              << ": chi2 " << stat << " df " << df;
        // Not suspiciously perfect either (lower tail at 1e-6: z = -4.753424).
        EXPECT_GT(stat, chi2_critical(df, -kZ_1e6)) << "chi2 " << stat;
    }
}

// N = 5 (h = 2, where a Feistel network mixes slowest) with more keys. Sensitivity: with 8 rounds
// instead of 24 the statistic's expectation is about 16 + 11 per 100000 keys (measured at 1M keys),
// with 6 rounds about 16 + 190; the 1e-6 critical value for 16 df is about 59.2.
TEST(PermutationUniformity, PositionTableOverSeedsN5) {
    constexpr uint64_t kN = 5, kKeys = 100000;
    std::vector<uint64_t> table(kN * kN, 0);
    for (uint64_t k = 0; k < kKeys; ++k) {
        const Permutation p = make(kN, k, 3);
        for (uint64_t i = 0; i < kN; ++i) ++table[i * kN + permutation_apply(p, i)];
    }
    const double df = static_cast<double>((kN - 1) * (kN - 1));
    const double stat = permutation_table_statistic(table, kN, kKeys);
    EXPECT_LT(stat, chi2_critical(df)) << "chi2 " << stat << " df " << df;
    EXPECT_GT(stat, chi2_critical(df, -kZ_1e6)) << "chi2 " << stat << " df " << df;
}

TEST(PermutationUniformity, FirstElementPositionN1000) {
    constexpr uint64_t kN = 1000, kBuckets = 100, kKeys = 20000;
    std::vector<uint64_t> counts(kBuckets, 0);
    for (uint64_t k = 0; k < kKeys; ++k) {
        const Permutation p = make(kN, k, 11);
        ++counts[permutation_apply(p, 0) / (kN / kBuckets)];
    }
    const double e = static_cast<double>(kKeys) / kBuckets;
    double stat = 0.0;
    for (uint64_t c : counts) {
        const double d = static_cast<double>(c) - e;
        stat += d * d / e;
    }
    const double df = kBuckets - 1;
    // Critical value at alpha = 1e-6 for 99 df: about 181.1.
    EXPECT_LT(stat, chi2_critical(df)) << "chi2 " << stat << " df " << df;
}

// ---------------------------------------------------------------------------------------------
// Independence across subsequences.

TEST(PermutationIndependence, FixedPointsOfComposedSubsequences) {
    // Fixed points of p1^-1 o p0, i.e. i with p0(i) == p1(i): Poisson(1) for independent uniform
    // permutations. Over 100 pairs the total is about Poisson(100); [50, 160] has a false-positive
    // rate below 1e-6 on each side.
    constexpr uint64_t kN = 1000, kPairs = 100, kSeed = 0xABCDEF;
    uint64_t total = 0;
    for (uint64_t q = 0; q < kPairs; ++q) {
        const Permutation p0 = make(kN, kSeed, 2 * q), p1 = make(kN, kSeed, 2 * q + 1);
        uint64_t fixed = 0, fixed_via_inverse = 0;
        for (uint64_t i = 0; i < kN; ++i) {
            const uint64_t y = permutation_apply(p0, i);
            fixed += y == permutation_apply(p1, i);
            fixed_via_inverse += permutation_invert(p1, y) == i;
        }
        EXPECT_EQ(fixed, fixed_via_inverse);
        EXPECT_LT(fixed, kN) << "subsequences " << 2 * q << " and " << 2 * q + 1 << " coincide";
        EXPECT_LE(fixed, 12u) << "pair " << q;  // P(Poisson(1) > 12) ~ 1e-10
        total += fixed;
    }
    const double mean = static_cast<double>(total) / kPairs;
    EXPECT_GE(total, 50u) << "mean fixed points " << mean;
    EXPECT_LE(total, 160u) << "mean fixed points " << mean;
}

// Spearman's rank correlation of two sequences that are both permutations of [0, n):
// rho = 1 - 6 sum d^2 / (n (n^2 - 1)); standard deviation 1/sqrt(n - 1) under independence.
double spearman_of_permutations(const std::vector<uint64_t>& a, const std::vector<uint64_t>& b) {
    const double n = static_cast<double>(a.size());
    double sum = 0.0;
    for (size_t i = 0; i < a.size(); ++i) {
        const double d = static_cast<double>(a[i]) - static_cast<double>(b[i]);
        sum += d * d;
    }
    return 1.0 - 6.0 * sum / (n * (n * n - 1.0));
}

TEST(PermutationIndependence, SpearmanAcrossSubsequencesAndSeeds) {
    constexpr uint64_t kN = 10000;  // sd of rho under independence: 0.01; bound 0.05 = 5 sd
    auto image = [&](uint64_t seed, uint64_t sub) {
        const Permutation p = make(kN, seed, sub);
        std::vector<uint64_t> v(kN);
        for (uint64_t i = 0; i < kN; ++i) v[i] = permutation_apply(p, i);
        return v;
    };
    std::vector<uint64_t> identity(kN);
    for (uint64_t i = 0; i < kN; ++i) identity[i] = i;
    for (uint64_t seed : {0ull, 0x1234ull}) {
        const auto p0 = image(seed, 0), p1 = image(seed, 1), q = image(seed + 1, 0);
        EXPECT_NE(p0, p1);
        const double rho01 = spearman_of_permutations(p0, p1);
        const double rho_seed = spearman_of_permutations(p0, q);
        const double rho_id = spearman_of_permutations(p0, identity);
        EXPECT_LT(std::fabs(rho01), 0.05) << "seed " << seed << " subsequences 0/1";
        EXPECT_LT(std::fabs(rho_seed), 0.05) << "seeds " << seed << "/" << seed + 1;
        EXPECT_LT(std::fabs(rho_id), 0.05) << "seed " << seed << " vs identity";
    }
}

}  // namespace
