// Token sampling (docs/sampling.md): a row's outputs are a function of its logits, parameters and stream
// only (batch position, batch size, neighbours, ISA and thread count change nothing), they follow the
// integer definition exactly (checked against a sorting-based re-implementation of the spec steps and,
// on the kept set, against Hugging Face's warpers in float64), draws follow the processed distribution,
// and every bad input is rejected with a message naming the row.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "core/philox_stream.h"
#include "core/portable_math.h"
#include "core/sampling.h"
#include "cpu/kernel_table_impl.h"
#include "test_helpers.h"

namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();

rk_sampling_params params(float t, int32_t k = 0, double p = 1.0, double min_p = 0.0) {
    return rk_sampling_params{t, k, p, min_p};
}

struct Outputs {
    std::vector<int32_t> tokens, kept;
    std::vector<float> probs, logprobs;
    bool operator==(const Outputs& o) const {
        if (tokens != o.tokens || kept != o.kept || probs.size() != o.probs.size()) return false;
        for (size_t i = 0; i < probs.size(); ++i)
            if (rk::test::float_bits(probs[i]) != rk::test::float_bits(o.probs[i]) ||
                rk::test::float_bits(logprobs[i]) != rk::test::float_bits(o.logprobs[i]))
                return false;
        return true;
    }
};

Outputs sample(rk_context* ctx, const float* logits, int64_t batch, int64_t vocab, int64_t stride,
               const rk_sampling_params* p, const rk_philox_stream* s) {
    Outputs o;
    o.tokens.assign(batch, -7);
    o.kept.assign(batch, -7);
    o.probs.assign(batch, -7.0f);
    o.logprobs.assign(batch, -7.0f);
    const rk_status st = rk_sample(ctx, logits, batch, vocab, stride, p, s, o.tokens.data(), o.probs.data(),
                                   o.logprobs.data(), o.kept.data());
    EXPECT_EQ(st, RK_STATUS_OK) << rk_last_error_message();
    return o;
}

// ---- The exact integer definition, written plainly: sort, prefix masses, 128-bit compares. ----------

__extension__ typedef unsigned __int128 u128;  // GCC / Clang: the test's independent 128-bit arithmetic

struct Reference {
    int32_t token = -1;
    float prob = 0, logprob = 0;
    int32_t kept = 0;
    std::vector<uint32_t> kept_set;      // ascending
    std::vector<uint64_t> kept_weights;  // of kept_set
    uint64_t kept_mass = 0;
};

// mass_above < p * W exactly, with p = M * 2^-E from frexp.
bool below_top_p(uint64_t mass_above, double p, uint64_t total) {
    int ex;
    const double f = std::frexp(p, &ex);
    const uint64_t m = static_cast<uint64_t>(std::ldexp(f, 53));
    const int e = 53 - ex;  // p = m * 2^-e
    if (mass_above == 0) return true;
    const u128 rhs = static_cast<u128>(m) * total;
    if (e >= 117) return false;  // mass_above * 2^e >= 2^117 > m * W
    if (e <= 64) return (static_cast<u128>(mass_above) << e) < rhs;
    // x * 2^64 < y  <=>  x < ceil(y / 2^64)
    const u128 x = static_cast<u128>(mass_above) << (e - 64);
    const u128 ceil_y = (rhs >> 64) + ((rhs & ~uint64_t{0}) != 0 ? 1 : 0);
    return x < ceil_y;
}

Reference reference(const float* l, uint32_t vocab, const rk_sampling_params& p, const rk_philox_stream& st) {
    Reference r;
    if (p.temperature == 0.0f || p.top_k == 1) {
        uint32_t best = 0;
        for (uint32_t i = 1; i < vocab; ++i)
            if (l[i] > l[best]) best = i;
        r.token = static_cast<int32_t>(best);
        r.prob = 1.0f;
        r.logprob = 0.0f;
        r.kept = 1;
        r.kept_set = {best};
        return r;
    }
    std::vector<float> s(vocab);
    std::vector<uint32_t> finite;
    for (uint32_t i = 0; i < vocab; ++i) {
        s[i] = l[i] / p.temperature;
        if (s[i] != -kInf) finite.push_back(i);
    }
    // top-k
    std::vector<uint32_t> keep = finite;
    if (p.top_k > 0 && static_cast<uint32_t>(p.top_k) < vocab && finite.size() >= static_cast<size_t>(p.top_k)) {
        std::vector<float> sorted;
        for (uint32_t i : finite) sorted.push_back(s[i]);
        std::sort(sorted.begin(), sorted.end(), std::greater<float>());
        const float t = sorted[p.top_k - 1];
        keep.clear();
        for (uint32_t i : finite)
            if (s[i] >= t) keep.push_back(i);
    }
    float m = -kInf;
    for (uint32_t i : keep) m = std::max(m, s[i]);
    std::vector<float> e(vocab, 0.0f);
    std::vector<uint64_t> w(vocab, 0);
    uint64_t total = 0;
    for (uint32_t i : keep) {
        e[i] = rk::core::expf_portable(s[i] - m);
        w[i] = static_cast<uint64_t>(static_cast<double>(e[i]) * 8796093022208.0);  // 2^43
        total += w[i];
    }
    // top-p over the rank order (w desc, index asc)
    std::vector<bool> in(vocab, false);
    for (uint32_t i : keep) in[i] = true;
    if (p.top_p < 1.0) {
        std::vector<uint32_t> rank = keep;
        std::sort(rank.begin(), rank.end(), [&](uint32_t a, uint32_t b) { return w[a] != w[b] ? w[a] > w[b] : a < b; });
        uint64_t above = 0;
        for (uint32_t i : rank) {
            in[i] = below_top_p(above, p.top_p, total);
            above += w[i];
        }
    }
    for (uint32_t i : keep)
        if (in[i] && (p.min_p == 0.0 || static_cast<double>(e[i]) >= p.min_p) && w[i] > 0) {
            r.kept_set.push_back(i);
            r.kept_weights.push_back(w[i]);
            r.kept_mass += w[i];
        }
    const rk::core::PhiloxStream ps{st.seed, st.subsequence, st.offset};
    const uint64_t u = (static_cast<uint64_t>(rk::core::stream_word(ps, 1)) << 32) | rk::core::stream_word(ps, 0);
    const uint64_t target = static_cast<uint64_t>((static_cast<u128>(u) * r.kept_mass) >> 64);
    uint64_t cum = 0;
    for (size_t j = 0; j < r.kept_set.size(); ++j) {
        cum += r.kept_weights[j];
        if (cum > target) {
            r.token = static_cast<int32_t>(r.kept_set[j]);
            r.prob = static_cast<float>(static_cast<double>(r.kept_weights[j]) / static_cast<double>(r.kept_mass));
            break;
        }
    }
    r.logprob = rk::core::logf_portable(r.prob);
    r.kept = static_cast<int32_t>(r.kept_set.size());
    return r;
}

// The scalar row driver run directly, reporting its final kept set (SampleRow::run's kept_mask).
struct Driver {
    std::vector<unsigned char> buffer;
    rk::core::SampleResult run(const float* l, uint32_t vocab, const rk_sampling_params& q, const rk_philox_stream& st,
                               std::vector<uint32_t>& kept_set) {
        buffer.assign(rk::core::sample_scratch_bytes(vocab), 0);
        const rk::core::SampleScratch sc = rk::core::sample_scratch_carve(buffer.data(), vocab);
        const rk::core::SampleParams p{q.temperature, q.top_k, q.top_p, q.min_p};
        std::vector<uint8_t> mask(vocab, 0);
        rk::core::SampleResult res;
        rk::cpu::SampleRow<rk::cpu::ScalarIsa>::run(l, vocab, p, rk::core::PhiloxStream{st.seed, st.subsequence, st.offset},
                                                   sc, res, mask.data());
        kept_set.clear();
        for (uint32_t i = 0; i < vocab; ++i)
            if (mask[i]) kept_set.push_back(i);
        return res;
    }
};

// ---- Row generators, including the worst cases -----------------------------------------------------

enum class Shape { kNormal, kWide, kFlat, kFewValues, kAscending, kDescending, kMostlyBanned, kHuge, kPeaked, kNoisyFlat };
constexpr Shape kShapes[] = {Shape::kNormal,    Shape::kWide,         Shape::kFlat, Shape::kFewValues, Shape::kAscending,
                             Shape::kDescending, Shape::kMostlyBanned, Shape::kHuge, Shape::kPeaked,    Shape::kNoisyFlat};

std::vector<float> make_row(std::mt19937_64& g, uint32_t vocab, Shape shape) {
    std::normal_distribution<float> n01(0.0f, 1.0f);
    std::uniform_real_distribution<float> u01(0.0f, 1.0f);
    std::vector<float> l(vocab);
    for (uint32_t i = 0; i < vocab; ++i) {
        switch (shape) {
            case Shape::kNormal: l[i] = 2.0f * n01(g); break;
            case Shape::kWide: l[i] = 40.0f * n01(g); break;  // most weights underflow to 0
            case Shape::kFlat: l[i] = 1.5f; break;
            case Shape::kFewValues: l[i] = static_cast<float>(g() % 4) * 0.5f; break;  // many exact ties
            case Shape::kAscending: l[i] = static_cast<float>(i) * 1e-3f; break;
            case Shape::kDescending: l[i] = -static_cast<float>(i) * 1e-3f; break;
            case Shape::kMostlyBanned: l[i] = u01(g) < 0.97f ? -kInf : 3.0f * n01(g); break;
            case Shape::kHuge: l[i] = 1e30f * n01(g); break;
            case Shape::kPeaked: l[i] = i % 97 == 5 ? 12.0f + n01(g) : n01(g); break;
            case Shape::kNoisyFlat: l[i] = 1e-3f * n01(g); break;  // nucleus of nearly V tokens
        }
    }
    if (shape == Shape::kMostlyBanned) l[g() % vocab] = 0.25f;  // at least one finite logit
    return l;
}

rk_sampling_params random_params(std::mt19937_64& g, uint32_t vocab) {
    const float temps[] = {1.0f, 0.7f, 1.3f, 0.05f, 4.0f, 1e-3f, 2.5f};
    const double ps[] = {1.0, 0.9, 0.5, 0.95, 1e-9, 0.999999, 5e-324, 0.9999999999999999, 0.3, 1.0};
    const double mins[] = {0.0, 0.0, 0.05, 0.5, 1e-30, 0.999, 1e-7, 0.0};
    rk_sampling_params p{};
    p.temperature = temps[g() % 7];
    switch (g() % 8) {
        case 0: case 1: p.top_k = 0; break;
        case 2: p.top_k = 2; break;
        case 3: p.top_k = 50; break;
        case 4: p.top_k = static_cast<int32_t>(vocab > 1 ? vocab - 1 : 1); break;
        case 5: p.top_k = static_cast<int32_t>(vocab + g() % 3); break;
        case 6: p.top_k = static_cast<int32_t>(1 + g() % vocab); break;
        default: p.top_k = static_cast<int32_t>(2 + g() % 7); break;
    }
    p.top_p = ps[g() % 10];
    p.min_p = mins[g() % 8];
    return p;
}

void expect_matches_reference(const float* l, uint32_t vocab, const rk_sampling_params& p, const rk_philox_stream& s,
                              int32_t token, float prob, float logprob, int32_t kept, const std::string& what) {
    const Reference ref = reference(l, vocab, p, s);
    EXPECT_EQ(token, ref.token) << what;
    EXPECT_EQ(rk::test::float_bits(prob), rk::test::float_bits(ref.prob)) << what;
    EXPECT_EQ(rk::test::float_bits(logprob), rk::test::float_bits(ref.logprob)) << what;
    EXPECT_EQ(kept, ref.kept) << what;
}

// ---- (c) The definition, exactly --------------------------------------------------------------------

TEST(Sampling, MatchesTheIntegerDefinitionOnRandomAndWorstCaseRows) {
    std::mt19937_64 g(0x5A3E);
    Driver driver;
    rk::test::Context ctx(rk::test::supported_isas().back(), 2);
    const uint32_t sizes[] = {1, 2, 3, 7, 16, 17, 100, 255, 256, 257, 1000, 4099, 40000};
    int rows = 0;
    for (uint32_t vocab : sizes) {
        for (Shape shape : kShapes) {
            const int reps = vocab >= 4099 ? 3 : 8;
            for (int rep = 0; rep < reps; ++rep) {
                const std::vector<float> l = make_row(g, vocab, shape);
                const rk_sampling_params p = random_params(g, vocab);
                const rk_philox_stream s{g(), g(), g()};
                const std::string what = "vocab " + std::to_string(vocab) + " shape " + std::to_string(int(shape)) +
                                         " T " + std::to_string(p.temperature) + " k " + std::to_string(p.top_k) +
                                         " p " + std::to_string(p.top_p) + " min_p " + std::to_string(p.min_p);
                std::vector<uint32_t> kept_set;
                const rk::core::SampleResult res = driver.run(l.data(), vocab, p, s, kept_set);
                ASSERT_EQ(res.error, rk::core::SampleError::kNone) << what;
                const Reference ref = reference(l.data(), vocab, p, s);
                ASSERT_EQ(kept_set, ref.kept_set) << what;
                expect_matches_reference(l.data(), vocab, p, s, res.token, res.prob, res.logprob, res.kept, what);
                const Outputs o = sample(ctx.get(), l.data(), 1, vocab, vocab, &p, &s);
                expect_matches_reference(l.data(), vocab, p, s, o.tokens[0], o.probs[0], o.logprobs[0], o.kept[0], what);
                ++rows;
            }
        }
    }
    EXPECT_GT(rows, 800);
}

// Every way the driver finds the k-th largest logit (group maxima for k <= 64 on rows up to 2^17, the
// threshold filter up to V/16 (giving up on adversarial orders), radix selection beyond) and both kept-set
// forms (list, dense) give the definition's kept set and outputs.
TEST(Sampling, EveryTopKPathFollowsTheDefinition) {
    std::mt19937_64 g(0x70C);
    Driver driver;
    for (uint32_t vocab : {4099u, 40000u, 140000u}) {
        const uint32_t ks[] = {2, 50, 64, 65, 100, 500, vocab / 16, vocab / 16 + 1, vocab / 2, vocab - 1};
        for (uint32_t k : ks) {
            for (Shape shape : {Shape::kNormal, Shape::kAscending, Shape::kDescending, Shape::kFlat, Shape::kFewValues,
                                Shape::kMostlyBanned}) {
                const std::vector<float> l = make_row(g, vocab, shape);
                const rk_sampling_params p = params(g() % 2 ? 0.7f : 1.5f, static_cast<int32_t>(k), g() % 2 ? 1.0 : 0.9,
                                                    g() % 3 ? 0.0 : 0.02);
                const rk_philox_stream s{g(), 1, 2};
                std::vector<uint32_t> kept_set;
                const rk::core::SampleResult res = driver.run(l.data(), vocab, p, s, kept_set);
                const std::string what = "vocab " + std::to_string(vocab) + " k " + std::to_string(k) + " shape " +
                                         std::to_string(int(shape));
                ASSERT_EQ(res.error, rk::core::SampleError::kNone) << what;
                const Reference ref = reference(l.data(), vocab, p, s);
                ASSERT_EQ(kept_set, ref.kept_set) << what;
                expect_matches_reference(l.data(), vocab, p, s, res.token, res.prob, res.logprob, res.kept, what);
            }
        }
    }
}

// Dense top-p from a bracket (sampling_dense.h): the exponential pass checks an estimated range of e for the
// crossing value and the selection runs over that range only; a wrong estimate (adversarial rows: the sampled
// vectors unlike the rest, nuclei below 2^-20, huge ties) falls back to the radix selection. Both outcomes follow
// the definition, on the scalar driver (kept set) and on every ISA through the API, with and without min-p and
// with a large top-k (the dense path with a threshold).
TEST(Sampling, DenseTopPFromABracketFollowsTheDefinition) {
    std::mt19937_64 g(0xB7AC);
    Driver driver;
    using Dense = rk::cpu::SampleDense<rk::cpu::ScalarIsa>;
    std::vector<std::unique_ptr<rk::test::Context>> ctxs;
    for (rk_isa isa : rk::test::supported_isas()) ctxs.push_back(std::make_unique<rk::test::Context>(isa, 1));
    int inside = 0, outside = 0;
    for (uint32_t vocab : {Dense::kBracketMinVocab, 32000u, 70001u}) {
        for (int kind = 0; kind < 12; ++kind) {
            std::normal_distribution<float> n01(0.0f, 1.0f);
            std::vector<float> l(vocab);
            const float scale = kind == 0 ? 3.0f : kind == 1 ? 1.0f : kind == 2 ? 6.0f : 0.3f;
            for (uint32_t i = 0; i < vocab; ++i) l[i] = scale * n01(g);
            const uint32_t stride = std::max(1u, vocab / Dense::kBracketSample);  // the scalar driver's sample
            switch (kind) {
                case 4: for (uint32_t i = 0; i < vocab; i += stride) l[i] = -6.0f; break;  // sample below the rest
                case 5: for (uint32_t i = 0; i < vocab; i += stride) l[i] = 9.0f; break;   // sample above the rest
                case 6: for (float& x : l) x = 2.0f; break;                                  // flat: one weight
                case 7: for (float& x : l) x = static_cast<float>(g() % 4); break;           // four weights
                case 8: for (float& x : l) x *= 15.0f; break;                                // nucleus below 2^-20
                case 9: l[g() % vocab] = 40.0f; break;                                       // one dominant token
                case 10: for (uint32_t i = 0; i < vocab; ++i) l[i] = static_cast<float>(i % 1000) * 1e-2f; break;
                case 11: for (uint32_t i = 0; i < vocab; ++i) if (i % 3) l[i] = -kInf; break;
                default: break;
            }
            for (double p : {0.95, 0.9, 0.5, 0.99, 0.999999, 1e-9}) {
                const float t = kind % 2 ? 1.0f : 0.8f;
                const rk_sampling_params q = params(t, g() % 4 == 0 ? static_cast<int32_t>(vocab / 2) : 0, p,
                                                    g() % 3 == 0 ? 0.002 : 0.0);
                const rk_philox_stream st{g(), g(), g()};
                const std::string what = "vocab " + std::to_string(vocab) + " kind " + std::to_string(kind) + " p " +
                                         std::to_string(p) + " k " + std::to_string(q.top_k) + " min_p " +
                                         std::to_string(q.min_p);
                // Which way the scalar driver goes (no top-k: keep_from = -Inf).
                if (q.top_k == 0) {
                    std::vector<unsigned char> buf(rk::core::sample_scratch_bytes(vocab));
                    const rk::core::SampleScratch sc = rk::core::sample_scratch_carve(buf.data(), vocab);
                    float lmax = -kInf;
                    for (float x : l) lmax = std::max(lmax, x);
                    const float m = lmax / t;
                    uint64_t total = 0;
                    uint32_t positive = 0;
                    Dense::exp_dense(l.data(), vocab, t, m, -kInf, sc.dense, sc.blocks, total, positive);
                    const uint64_t target = rk::core::top_p_mass(p, total);
                    float lo = 0, hi = 0;
                    if (Dense::estimate_bracket(sc.dense, vocab, total, target, sc.hist, lo, hi)) {
                        Dense::BracketSums sums;
                        Dense::bracket_pass(sc.dense, vocab, lo, hi, sc.idx, sc.blocks, sums);
                        uint64_t list_mass = 0;
                        for (uint32_t j = 0; j < sums.n; ++j) list_mass += rk::core::sample_weight(sc.dense[sc.idx[j]]);
                        (sums.mass_hi < target && sums.mass_hi + list_mass >= target ? inside : outside)++;
                    } else {
                        ++outside;
                    }
                }
                std::vector<uint32_t> kept_set;
                const rk::core::SampleResult res = driver.run(l.data(), vocab, q, st, kept_set);
                ASSERT_EQ(res.error, rk::core::SampleError::kNone) << what;
                const Reference ref = reference(l.data(), vocab, q, st);
                ASSERT_EQ(kept_set, ref.kept_set) << what;
                expect_matches_reference(l.data(), vocab, q, st, res.token, res.prob, res.logprob, res.kept, what);
                for (const auto& ctx : ctxs) {
                    const Outputs o = sample(ctx->get(), l.data(), 1, vocab, vocab, &q, &st);
                    expect_matches_reference(l.data(), vocab, q, st, o.tokens[0], o.probs[0], o.logprobs[0], o.kept[0],
                                             what);
                }
            }
        }
    }
    // Both ways are taken, the bracket on most rows.
    EXPECT_GT(inside, 60);
    EXPECT_GT(outside, 15);
}

// Dense rows compute e with core::sample_exp_weighted, rk_expf's normal-result path: bit for bit rk_expf for
// every s - m in [-40, 0] (a sweep of every 61st float, and every float of [-30, -29], where weights end), and a
// weight-0 value below (as rk_expf's).
TEST(Sampling, WeightedExpIsRkExpf) {
    using L = rk::core::ScalarLanes;
    auto check = [](uint32_t b) {
        float x;
        std::memcpy(&x, &b, 4);
        const float a = rk::core::sample_exp<L>(x, 0.0f), c = rk::core::sample_exp_weighted<L>(x, 0.0f);
        if (x >= -40.0f) return rk::test::float_bits(a) == rk::test::float_bits(c);
        return c < 0x1p-43f && rk::core::sample_weight(a) == 0;
    };
    uint64_t bad = 0;
    for (uint32_t b = 0x80000000u; b <= 0xC2200000u; b += 61) bad += !check(b);           // -0 .. -40
    for (uint32_t b = 0xC1E80000u; b <= 0xC1F00000u; ++b) bad += !check(b);               // -29 .. -30
    for (uint32_t b = 0xC2200001u; b < 0xFF800000u; b += 4099) bad += !check(b);          // below -40
    for (uint32_t b : {0xC2200000u, 0xC21FFFFFu, 0xC2200001u, 0xFF7FFFFFu, 0xFF800000u}) bad += !check(b);
    EXPECT_EQ(bad, 0u);
    // s and m apart: the subtraction is the same float32 one.
    std::mt19937_64 g(5);
    std::normal_distribution<float> n(0.0f, 8.0f);
    for (int i = 0; i < 100000; ++i) {
        const float s = n(g), m = std::max(s, n(g));
        const float a = rk::core::sample_exp<L>(s, m), c = rk::core::sample_exp_weighted<L>(s, m);
        if (s - m >= -40.0f) ASSERT_EQ(rk::test::float_bits(a), rk::test::float_bits(c)) << s << " " << m;
        else ASSERT_LT(c, 0x1p-43f);
    }
}

TEST(Sampling, ExtremeTopPAndMinPValues) {
    // p just below 1 keeps every token of positive weight; subnormal and tiny p keep only the top token;
    // p = 1 - 2^-53 with a mass beyond 2^53 exercises the exact 128-bit comparison.
    std::mt19937_64 g(7);
    rk::test::Context ctx(RK_ISA_SCALAR, 1);
    for (uint32_t vocab : {5u, 1000u, 70000u}) {
        for (double p : {0.9999999999999999, 5e-324, 1e-300, 0x1p-60, 0.5, 0.5000000000000001, 0.4999999999999999}) {
            for (Shape shape : {Shape::kFlat, Shape::kFewValues, Shape::kNormal}) {
                const std::vector<float> l = make_row(g, vocab, shape);
                const rk_sampling_params q = params(1.0f, 0, p, 0.0);
                const rk_philox_stream s{1, 2, g()};
                const Outputs o = sample(ctx.get(), l.data(), 1, vocab, vocab, &q, &s);
                expect_matches_reference(l.data(), vocab, q, s, o.tokens[0], o.probs[0], o.logprobs[0], o.kept[0],
                                         "p " + std::to_string(p));
                if (shape == Shape::kFlat) {
                    // All weights 2^43: ceil(p * V) tokens (the first ones) are kept.
                    const double expect = std::ceil(p * vocab);
                    EXPECT_EQ(o.kept[0], static_cast<int32_t>(std::max(1.0, expect))) << p;
                    EXPECT_LT(o.tokens[0], o.kept[0]) << "ties are kept in index order";
                }
            }
        }
    }
    // The largest vocabulary: W = (2^21 - 1) * 2^43 < 2^64.
    const uint32_t vmax = rk::core::kSampleMaxVocab - 1;
    std::vector<float> flat(vmax, 0.0f);
    for (double p : {1.0, 0.5, 0.9999999999999999}) {
        const rk_sampling_params q = params(1.0f, 0, p, 0.0);
        const rk_philox_stream s{3, 4, 5};
        const Outputs o = sample(ctx.get(), flat.data(), 1, vmax, vmax, &q, &s);
        expect_matches_reference(flat.data(), vmax, q, s, o.tokens[0], o.probs[0], o.logprobs[0], o.kept[0], "vmax");
    }
}

// Hugging Face's TopK / TopP / MinP warpers in float64 on the float32 scaled logits agree on the kept set
// wherever no boundary lies within rounding distance (the integer weights and the float32 exp move
// masses by ~1e-7 relative).
TEST(Sampling, KeptSetMatchesHuggingFaceWarpersInFloat64) {
    std::mt19937_64 g(0xF00D);
    Driver driver;
    int compared = 0, total = 0;
    for (int rep = 0; rep < 600; ++rep) {
        const uint32_t vocab = 1 + static_cast<uint32_t>(g() % 3000);
        const Shape shape = kShapes[g() % 10];
        if (shape == Shape::kHuge) continue;
        const std::vector<float> l = make_row(g, vocab, shape);
        const double ps[] = {1.0, 0.9, 0.5, 0.95, 0.3};
        const double mins[] = {0.0, 0.05, 0.2};
        const int32_t ks[] = {0, 5, 50, 300};
        const rk_sampling_params p = params(g() % 2 ? 1.0f : 0.8f, ks[g() % 4], ps[g() % 5], mins[g() % 3]);
        if (p.top_k == 1) continue;
        ++total;
        // float64 warpers
        std::vector<double> s(vocab);
        for (uint32_t i = 0; i < vocab; ++i) s[i] = static_cast<double>(l[i] / p.temperature);
        std::vector<bool> alive(vocab);
        for (uint32_t i = 0; i < vocab; ++i) alive[i] = s[i] != -INFINITY;
        bool ambiguous = false;
        if (p.top_k > 0 && static_cast<uint32_t>(p.top_k) < vocab) {  // TopKLogitsWarper: remove s < k-th largest
            std::vector<double> sorted = s;
            std::sort(sorted.begin(), sorted.end(), std::greater<double>());
            const double kth = sorted[p.top_k - 1];
            for (uint32_t i = 0; i < vocab; ++i) alive[i] = alive[i] && s[i] >= kth;
        }
        double mx = -INFINITY;
        for (uint32_t i = 0; i < vocab; ++i)
            if (alive[i]) mx = std::max(mx, s[i]);
        std::vector<double> prob(vocab, 0.0);
        double z = 0;
        for (uint32_t i = 0; i < vocab; ++i)
            if (alive[i]) z += prob[i] = std::exp(s[i] - mx);
        for (double& q : prob) q /= z;
        if (p.top_p < 1.0) {  // TopPLogitsWarper: ascending sort, remove cumulative <= 1 - p
            std::vector<uint32_t> order;
            for (uint32_t i = 0; i < vocab; ++i)
                if (alive[i]) order.push_back(i);
            std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) { return prob[a] != prob[b] ? prob[a] < prob[b] : a > b; });
            double cum = 0;
            for (size_t j = 0; j + 1 < order.size(); ++j) {  // the top token is always kept (min_tokens_to_keep = 1)
                const double before = cum;
                cum += prob[order[j]];
                if (std::abs(cum - (1.0 - p.top_p)) < 1e-6) ambiguous = true;
                // The token that straddles the boundary: a near-tie with a rank neighbour can rank either way in
                // float32 weights and in float64 probabilities (the row generator's libm differs between machines).
                if (before <= 1.0 - p.top_p + 1e-6 && cum >= 1.0 - p.top_p - 1e-6) {
                    const double q = prob[order[j]];
                    if ((j > 0 && std::abs(prob[order[j - 1]] - q) <= 1e-6 * q) ||
                        std::abs(prob[order[j + 1]] - q) <= 1e-6 * q)
                        ambiguous = true;
                }
                if (cum <= 1.0 - p.top_p) alive[order[j]] = false;
            }
        }
        if (p.min_p > 0.0) {  // MinPLogitsWarper on the renormalised survivors
            double top = 0;
            for (uint32_t i = 0; i < vocab; ++i)
                if (alive[i]) top = std::max(top, prob[i]);
            for (uint32_t i = 0; i < vocab; ++i) {
                if (!alive[i]) continue;
                if (std::abs(prob[i] - p.min_p * top) < 1e-6 * top) ambiguous = true;
                alive[i] = prob[i] >= p.min_p * top;
            }
        }
        // Tokens whose weight floor(e * 2^43) is 0 are never kept by the definition; e = exp(s - max).
        std::vector<uint32_t> hf;
        for (uint32_t i = 0; i < vocab; ++i) {
            const double wi = std::exp(s[i] - mx) * 8796093022208.0;
            if (alive[i] && wi >= 2.0) hf.push_back(i);
            else if (alive[i] && wi > 0.5) ambiguous = true;
        }
        if (ambiguous) continue;
        std::vector<uint32_t> kept;
        const rk_philox_stream st{9, 9, static_cast<uint64_t>(rep)};
        const rk::core::SampleResult res = driver.run(l.data(), vocab, p, st, kept);
        ASSERT_EQ(res.error, rk::core::SampleError::kNone);
        EXPECT_EQ(kept, hf) << "rep " << rep << " vocab " << vocab << " shape " << int(shape) << " k " << p.top_k
                            << " p " << p.top_p << " min_p " << p.min_p;
        ++compared;
    }
    EXPECT_GT(compared, total * 3 / 4) << "too many rows had a boundary within rounding distance";
}

// ---- (a) Batch invariance and (b) every backend ----------------------------------------------------

struct Batch {
    uint32_t vocab, stride;
    std::vector<float> logits;
    std::vector<rk_sampling_params> params;
    std::vector<rk_philox_stream> streams;
};

Batch make_batch(std::mt19937_64& g, uint32_t vocab, uint32_t rows) {
    Batch b{vocab, vocab + 3, {}, {}, {}};
    b.logits.assign(static_cast<size_t>(rows) * b.stride, NAN);  // the padding is never read
    for (uint32_t r = 0; r < rows; ++r) {
        const std::vector<float> l = make_row(g, vocab, kShapes[g() % 10]);
        std::copy(l.begin(), l.end(), b.logits.begin() + static_cast<size_t>(r) * b.stride);
        rk_sampling_params p = random_params(g, vocab);
        if (p.temperature < 1e-2f) p.temperature = 0.5f;  // keep 1e30 logits finite after scaling
        if (r % 11 == 3) p.temperature = 0.0f;
        b.params.push_back(p);
        b.streams.push_back(rk_philox_stream{g(), g() % 5, g()});
    }
    return b;
}

TEST(Sampling, RowsDoNotDependOnTheBatch) {
    std::mt19937_64 g(42);
    rk::test::Context ctx(rk::test::supported_isas().back(), 3);
    for (uint32_t vocab : {1u, 33u, 5000u}) {
        const uint32_t rows = 24;
        Batch b = make_batch(g, vocab, rows);
        const Outputs whole = sample(ctx.get(), b.logits.data(), rows, vocab, b.stride, b.params.data(), b.streams.data());
        for (uint32_t r = 0; r < rows; ++r) {
            // Alone.
            const Outputs alone = sample(ctx.get(), &b.logits[static_cast<size_t>(r) * b.stride], 1, vocab, vocab,
                                         &b.params[r], &b.streams[r]);
            EXPECT_EQ(alone.tokens[0], whole.tokens[r]) << r;
            EXPECT_EQ(rk::test::float_bits(alone.probs[0]), rk::test::float_bits(whole.probs[r])) << r;
            EXPECT_EQ(rk::test::float_bits(alone.logprobs[0]), rk::test::float_bits(whole.logprobs[r])) << r;
            EXPECT_EQ(alone.kept[0], whole.kept[r]) << r;
        }
        // Reordered (reversed) and in sub-batches of every size: the same per-row outputs.
        Batch rev = b;
        for (uint32_t r = 0; r < rows; ++r) {
            std::copy_n(&b.logits[static_cast<size_t>(r) * b.stride], b.stride,
                        &rev.logits[static_cast<size_t>(rows - 1 - r) * b.stride]);
            rev.params[rows - 1 - r] = b.params[r];
            rev.streams[rows - 1 - r] = b.streams[r];
        }
        const Outputs reversed = sample(ctx.get(), rev.logits.data(), rows, vocab, b.stride, rev.params.data(), rev.streams.data());
        for (uint32_t r = 0; r < rows; ++r) {
            EXPECT_EQ(reversed.tokens[rows - 1 - r], whole.tokens[r]);
            EXPECT_EQ(reversed.kept[rows - 1 - r], whole.kept[r]);
            EXPECT_EQ(rk::test::float_bits(reversed.probs[rows - 1 - r]), rk::test::float_bits(whole.probs[r]));
        }
        for (uint32_t size : {2u, 5u, 7u, 23u})
            for (uint32_t start = 0; start + size <= rows; start += size) {
                const Outputs part = sample(ctx.get(), &b.logits[static_cast<size_t>(start) * b.stride], size, vocab,
                                            b.stride, &b.params[start], &b.streams[start]);
                for (uint32_t r = 0; r < size; ++r) {
                    EXPECT_EQ(part.tokens[r], whole.tokens[start + r]);
                    EXPECT_EQ(part.kept[r], whole.kept[start + r]);
                    EXPECT_EQ(rk::test::float_bits(part.logprobs[r]), rk::test::float_bits(whole.logprobs[start + r]));
                }
            }
    }
}

TEST(Sampling, EveryIsaAndThreadCountGivesTheSameBits) {
    std::mt19937_64 g(1234);
    for (uint32_t vocab : {1u, 15u, 16u, 17u, 63u, 64u, 65u, 300u, 4096u, 32007u, 140001u}) {
        const uint32_t rows = vocab > 100000 ? 5 : vocab > 10000 ? 9 : 40;
        Batch b = make_batch(g, vocab, rows);
        rk::test::Context base_ctx(RK_ISA_SCALAR, 1);
        const Outputs base = sample(base_ctx.get(), b.logits.data(), rows, vocab, b.stride, b.params.data(), b.streams.data());
        for (uint32_t r = 0; r < rows; ++r)
            expect_matches_reference(&b.logits[static_cast<size_t>(r) * b.stride], vocab, b.params[r], b.streams[r],
                                     base.tokens[r], base.probs[r], base.logprobs[r], base.kept[r],
                                     "row " + std::to_string(r));
        for (rk_isa isa : rk::test::supported_isas())
            for (int threads : {1, 2, 3, 7}) {
                rk::test::Context ctx(isa, threads);
                const Outputs o = sample(ctx.get(), b.logits.data(), rows, vocab, b.stride, b.params.data(), b.streams.data());
                EXPECT_TRUE(o == base) << rk_isa_name(isa) << " threads " << threads << " vocab " << vocab;
            }
    }
}

// ---- (d) Statistics ------------------------------------------------------------------------------

// Upper chi-square quantile by Wilson-Hilferty at z = 6 (P(Z > 6) ~ 1e-9): a correct implementation
// fails one of these checks with probability ~1e-9 for the fixed seeds below (the draws are deterministic).
double chi2_bound(int df) {
    const double a = 2.0 / (9.0 * df);
    return df * std::pow(1.0 - a + 6.0 * std::sqrt(a), 3.0);
}

TEST(Sampling, DrawFrequenciesFollowTheProcessedDistribution) {
    const float logits[] = {1.0f, 2.5f, -0.5f, 2.5f, 0.0f, -kInf, 3.0f, 1.7f, -2.0f, 0.9f, 2.2f, -1.0f};
    const uint32_t vocab = 12;
    const rk_sampling_params sets[] = {params(1.0f), params(0.7f, 5), params(1.0f, 0, 0.8), params(1.3f, 0, 1.0, 0.2),
                                       params(0.9f, 8, 0.9, 0.05)};
    const uint32_t draws = 200000;
    rk::test::Context ctx(rk::test::supported_isas().back(), 2);
    std::vector<float> many(static_cast<size_t>(draws) * vocab);
    for (uint32_t r = 0; r < draws; ++r) std::copy_n(logits, vocab, &many[static_cast<size_t>(r) * vocab]);
    int set_index = 0;
    for (const rk_sampling_params& p : sets) {
        std::vector<rk_sampling_params> ps(draws, p);
        std::vector<rk_philox_stream> ss(draws);
        for (uint32_t r = 0; r < draws; ++r) ss[r] = rk_philox_stream{0xC0FFEE, static_cast<uint64_t>(set_index), 2ull * r};
        const Outputs o = sample(ctx.get(), many.data(), draws, vocab, vocab, ps.data(), ss.data());
        const Reference ref = reference(logits, vocab, p, ss[0]);
        std::vector<double> count(vocab, 0.0);
        for (int32_t t : o.tokens) count[t] += 1;
        double chi2 = 0, seen = 0;
        for (size_t j = 0; j < ref.kept_set.size(); ++j) {
            const double expect = draws * static_cast<double>(ref.kept_weights[j]) / static_cast<double>(ref.kept_mass);
            const double c = count[ref.kept_set[j]];
            chi2 += (c - expect) * (c - expect) / expect;
            seen += c;
        }
        EXPECT_EQ(seen, draws) << "a token outside the kept set was drawn (set " << set_index << ")";
        const int df = static_cast<int>(ref.kept_set.size()) - 1;
        if (df > 0) {
            EXPECT_LT(chi2, chi2_bound(df)) << "set " << set_index << " df " << df;
        }
        ++set_index;
    }
}

// ---- (e) Greedy ---------------------------------------------------------------------------------

TEST(Sampling, GreedyIsTheFirstMaximalLogit) {
    rk::test::Context ctx(rk::test::supported_isas().back(), 1);
    std::vector<float> l(1000, -kInf);
    l[10] = 3.0f;
    l[400] = 3.0f;  // a tie: the smaller index wins
    l[999] = 2.0f;
    l[20] = -0.0f;
    for (const rk_sampling_params& p : {params(0.0f), params(0.0f, 50, 0.5, 0.3), params(0.7f, 1), params(1e-30f, 1)}) {
        for (uint64_t offset : {0ull, 1ull, 77ull}) {
            const rk_philox_stream s{1, 2, offset};
            const Outputs o = sample(ctx.get(), l.data(), 1, 1000, 1000, &p, &s);
            EXPECT_EQ(o.tokens[0], 10);
            EXPECT_EQ(o.probs[0], 1.0f);
            EXPECT_EQ(rk::test::float_bits(o.logprobs[0]), 0u);
            EXPECT_EQ(o.kept[0], 1);
        }
    }
    // +0 and -0 are equal maxima; a maximum in the vector tail; a single token.
    std::vector<float> z = {-1.0f, -0.0f, 0.0f, -3.0f};
    for (rk_isa isa : rk::test::supported_isas()) {
        rk::test::Context c(isa, 1);
        const rk_sampling_params p = params(0.0f);
        const rk_philox_stream s{};
        EXPECT_EQ(sample(c.get(), z.data(), 1, 4, 4, &p, &s).tokens[0], 1);
        std::vector<float> tail(37, 0.5f);
        tail[36] = 0.75f;
        EXPECT_EQ(sample(c.get(), tail.data(), 1, 37, 37, &p, &s).tokens[0], 36);
        tail[35] = 0.75f;
        EXPECT_EQ(sample(c.get(), tail.data(), 1, 37, 37, &p, &s).tokens[0], 35);
        tail[3] = 0.75f;
        EXPECT_EQ(sample(c.get(), tail.data(), 1, 37, 37, &p, &s).tokens[0], 3);
        const float one = -5.0f;
        EXPECT_EQ(sample(c.get(), &one, 1, 1, 1, &p, &s).tokens[0], 0);
    }
    // A non-greedy row of one token is that token with probability 1.
    const float one = 2.0f;
    const rk_sampling_params p = params(1.0f, 0, 0.5, 0.5);
    const rk_philox_stream s{5, 5, 5};
    const Outputs o = sample(ctx.get(), &one, 1, 1, 1, &p, &s);
    EXPECT_EQ(o.tokens[0], 0);
    EXPECT_EQ(o.probs[0], 1.0f);
    EXPECT_EQ(o.logprobs[0], 0.0f);
    EXPECT_EQ(o.kept[0], 1);
}

// ---- (f) Bad inputs -----------------------------------------------------------------------------

TEST(Sampling, BadInputsAreRejectedNamingTheRow) {
    rk::test::Context ctx(RK_ISA_SCALAR, 2);
    auto msg = [] { return std::string(rk_last_error_message()); };
    const uint32_t vocab = 40, rows = 4;
    std::vector<float> l(rows * vocab, 0.5f);
    std::vector<rk_sampling_params> p(rows, params(1.0f, 5, 0.9, 0.0));
    std::vector<rk_philox_stream> s(rows, rk_philox_stream{1, 2, 3});
    std::vector<int32_t> tok(rows);
    auto run = [&](int64_t batch = 4, int64_t v = 40, int64_t stride = 40) {
        return rk_sample(ctx.get(), l.data(), batch, v, stride, p.data(), s.data(), tok.data(), nullptr, nullptr, nullptr);
    };
    ASSERT_EQ(run(), RK_STATUS_OK) << msg();

    for (float bad : {NAN, kInf}) {
        l[2 * vocab + 17] = bad;
        EXPECT_EQ(run(), RK_STATUS_INVALID_ARGUMENT);
        EXPECT_NE(msg().find("row 2"), std::string::npos) << msg();
        EXPECT_NE(msg().find("logits[2][17]"), std::string::npos) << msg();
        EXPECT_NE(msg().find(std::isnan(bad) ? "NaN" : "+Inf"), std::string::npos) << msg();
        p[2].temperature = 0.0f;  // greedy rows are validated too
        EXPECT_EQ(run(), RK_STATUS_INVALID_ARGUMENT);
        EXPECT_NE(msg().find("logits[2][17]"), std::string::npos) << msg();
        p[2].temperature = 1.0f;
        l[1 * vocab + 39] = bad;  // the first failing row is reported, whatever the threads
        EXPECT_EQ(run(), RK_STATUS_INVALID_ARGUMENT);
        EXPECT_NE(msg().find("row 1: logits[1][39]"), std::string::npos) << msg();
        l[2 * vocab + 17] = 0.5f;
        l[1 * vocab + 39] = 0.5f;
    }
    std::fill(l.begin() + 3 * vocab, l.begin() + 4 * vocab, -kInf);
    EXPECT_EQ(run(), RK_STATUS_INVALID_ARGUMENT);
    EXPECT_NE(msg().find("row 3: no finite logit"), std::string::npos) << msg();
    p[3].temperature = 0.0f;
    EXPECT_EQ(run(), RK_STATUS_INVALID_ARGUMENT);
    EXPECT_NE(msg().find("row 3: no finite logit"), std::string::npos) << msg();
    p[3].temperature = 1.0f;
    std::fill(l.begin() + 3 * vocab, l.begin() + 4 * vocab, 0.5f);
    // A finite logit whose quotient by T overflows.
    l[0 * vocab + 9] = 1e30f;
    p[0].temperature = 1e-10f;
    EXPECT_EQ(run(), RK_STATUS_INVALID_ARGUMENT);
    EXPECT_NE(msg().find("row 0: logits[0][9] / temperature overflows"), std::string::npos) << msg();
    p[0].top_k = 0;
    EXPECT_EQ(run(), RK_STATUS_INVALID_ARGUMENT);
    l[0 * vocab + 9] = 0.5f;
    std::fill(l.begin(), l.begin() + vocab, -1e30f);
    EXPECT_EQ(run(), RK_STATUS_INVALID_ARGUMENT);
    EXPECT_NE(msg().find("row 0: every finite logit / temperature overflows to -Inf"), std::string::npos) << msg();
    std::fill(l.begin(), l.begin() + vocab, 0.5f);
    p[0] = params(1.0f, 5, 0.9, 0.0);
    ASSERT_EQ(run(), RK_STATUS_OK) << msg();

    // Parameters.
    struct BadParam {
        rk_sampling_params p;
        const char* name;
    };
    const BadParam bads[] = {{params(-1.0f), "temperature"},        {params(NAN), "temperature"},
                             {params(kInf), "temperature"},         {params(1.0f, -1), "top_k"},
                             {params(1.0f, 0, 0.0), "top_p"},       {params(1.0f, 0, -0.1), "top_p"},
                             {params(1.0f, 0, 1.5), "top_p"},       {params(1.0f, 0, NAN), "top_p"},
                             {params(1.0f, 0, 1.0, -0.1), "min_p"}, {params(1.0f, 0, 1.0, 1.0), "min_p"},
                             {params(1.0f, 0, 1.0, NAN), "min_p"}};
    for (const BadParam& b : bads) {
        p[3] = b.p;
        EXPECT_EQ(run(), RK_STATUS_INVALID_ARGUMENT) << b.name;
        EXPECT_NE(msg().find("row 3: params[3]." + std::string(b.name)), std::string::npos) << msg();
    }
    p[3] = params(1.0f, 5, 0.9, 0.0);

    // Sizes.
    EXPECT_EQ(run(4, 0, 40), RK_STATUS_INVALID_ARGUMENT);
    EXPECT_NE(msg().find("vocab"), std::string::npos);
    EXPECT_EQ(run(0, 0, 40), RK_STATUS_INVALID_ARGUMENT) << "vocab is validated even for an empty batch";
    EXPECT_EQ(run(4, int64_t{1} << 21, int64_t{1} << 21), RK_STATUS_INVALID_ARGUMENT);
    EXPECT_NE(msg().find("[1, 2^21)"), std::string::npos);
    EXPECT_EQ(run(4, -1, 40), RK_STATUS_SIZE_OVERFLOW);
    EXPECT_EQ(run(4, 40, 39), RK_STATUS_INVALID_ARGUMENT);
    EXPECT_NE(msg().find("row_stride"), std::string::npos);
    EXPECT_EQ(run(-1), RK_STATUS_SIZE_OVERFLOW);
    EXPECT_NE(msg().find("batch"), std::string::npos);
    EXPECT_EQ(run(int64_t{1} << 40, 40, int64_t{1} << 40), RK_STATUS_SIZE_OVERFLOW);
    EXPECT_EQ(run(0), RK_STATUS_OK);
    EXPECT_EQ(rk_sample(ctx.get(), nullptr, 0, 40, 40, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr), RK_STATUS_OK)
        << "an empty batch with null buffers is a no-op";

    // Pointers.
    EXPECT_EQ(rk_sample(ctx.get(), nullptr, 4, 40, 40, p.data(), s.data(), tok.data(), nullptr, nullptr, nullptr), RK_STATUS_NULL_POINTER);
    EXPECT_NE(msg().find("logits"), std::string::npos);
    EXPECT_EQ(rk_sample(ctx.get(), l.data(), 4, 40, 40, nullptr, s.data(), tok.data(), nullptr, nullptr, nullptr), RK_STATUS_NULL_POINTER);
    EXPECT_NE(msg().find("params"), std::string::npos);
    EXPECT_EQ(rk_sample(ctx.get(), l.data(), 4, 40, 40, p.data(), nullptr, tok.data(), nullptr, nullptr, nullptr), RK_STATUS_NULL_POINTER);
    EXPECT_NE(msg().find("streams"), std::string::npos);
    EXPECT_EQ(rk_sample(ctx.get(), l.data(), 4, 40, 40, p.data(), s.data(), nullptr, nullptr, nullptr, nullptr), RK_STATUS_NULL_POINTER);
    EXPECT_NE(msg().find("tokens"), std::string::npos);
    EXPECT_EQ(rk_sample(nullptr, l.data(), 4, 40, 40, p.data(), s.data(), tok.data(), nullptr, nullptr, nullptr), RK_STATUS_NULL_POINTER);
    EXPECT_NE(msg().find("rk_sample"), std::string::npos);

    // Outputs that share memory with another argument (the result would depend on the order of the writes).
    std::vector<float> f(rows * 3);
    std::vector<int32_t> counts(rows);
    struct Overlap {
        int32_t* tokens;
        float* probs;
        float* logprobs;
        int32_t* kept;
        const char* first;
        const char* second;
    };
    const Overlap overlaps[] = {
        {reinterpret_cast<int32_t*>(l.data() + 3 * vocab + 38), nullptr, nullptr, nullptr, "tokens", "logits"},
        {tok.data(), f.data(), f.data() + rows - 1, nullptr, "probs", "logprobs"},
        {tok.data(), f.data(), nullptr, reinterpret_cast<int32_t*>(f.data() + 3), "probs", "kept_counts"},
        {tok.data(), reinterpret_cast<float*>(tok.data() + 1), nullptr, nullptr, "tokens", "probs"},
        {tok.data(), nullptr, nullptr, reinterpret_cast<int32_t*>(p.data()), "kept_counts", "params"},
        {tok.data(), nullptr, reinterpret_cast<float*>(s.data() + 1), nullptr, "logprobs", "streams"},
    };
    for (const Overlap& o : overlaps) {
        EXPECT_EQ(rk_sample(ctx.get(), l.data(), 4, 40, 40, p.data(), s.data(), o.tokens, o.probs, o.logprobs, o.kept),
                  RK_STATUS_INVALID_ARGUMENT)
            << o.first << " / " << o.second;
        EXPECT_NE(msg().find(std::string("'") + o.first + "' overlaps '" + o.second + "'"), std::string::npos) << msg();
    }
    // Adjacent, not overlapping: fine.
    EXPECT_EQ(rk_sample(ctx.get(), l.data(), 4, 40, 40, p.data(), s.data(), tok.data(), f.data(), f.data() + rows,
                        counts.data()),
              RK_STATUS_OK)
        << msg();
}

// ---- (g) Golden values ----------------------------------------------------------------------------

// These are the definition's outputs for fixed inputs (computed once by this implementation, checked
// against the reference above); any change here is a change of the canonical function.
TEST(Sampling, GoldenValues) {
    const float logits[] = {0.1f, 2.0f, -1.0f, 1.5f, 2.0f, -kInf, 0.7f, -0.3f, 1.9f, 0.0f};
    struct Golden {
        rk_sampling_params p;
        rk_philox_stream s;
        int32_t token;
        uint32_t prob_bits, logprob_bits;
        int32_t kept;
    };
    const Golden golden[] = {
        {params(1.0f), {1, 0, 0}, 8, 0x3E5B9F4F, 0xBFC51063, 9},
        {params(0.7f, 3), {2, 0, 0}, 4, 0x3EB2976D, 0xBF86D007, 3},
        {params(1.0f, 0, 0.8), {3, 1, 2}, 3, 0x3E30E109, 0xBFE0C4CB, 4},
        {params(1.5f, 0, 1.0, 0.3), {4, 0, 7}, 8, 0x3E6B3B95, 0xBFBC4655, 5},
        {params(0.5f, 4, 0.9, 0.05), {5, 9, 1}, 4, 0x3EA0AC1C, 0xBF9458BA, 4},
        {params(2.0f), {0xDEADBEEFCAFEull, 3, 0xFFFFFFFFFFFFFFFEull}, 1, 0x3E389F45, 0xBFDB48D8, 9},
        {params(0.0f), {6, 0, 0}, 1, 0x3F800000, 0x00000000, 1},
        {params(1.0f, 0, 0.95), {7, 8, 0xFFFFFFFFFFFFFFFFull}, 8, 0x3E63B8AA, 0xBFC06DBE, 7},  // word 1 lies past offset 2^64 - 1
    };
    for (rk_isa isa : rk::test::supported_isas()) {
        rk::test::Context ctx(isa, 1);
        for (const Golden& gv : golden) {
            const Outputs o = sample(ctx.get(), logits, 1, 10, 10, &gv.p, &gv.s);
            EXPECT_EQ(o.tokens[0], gv.token);
            EXPECT_EQ(rk::test::float_bits(o.probs[0]), gv.prob_bits);
            EXPECT_EQ(rk::test::float_bits(o.logprobs[0]), gv.logprob_bits);
            EXPECT_EQ(o.kept[0], gv.kept);
            expect_matches_reference(logits, 10, gv.p, gv.s, o.tokens[0], o.probs[0], o.logprobs[0], o.kept[0], "golden");
        }
    }
}

// The log-probability is rk_logf of the float probability: within 2^-24 + 1 ulp of log(w / W') in float64.
TEST(Sampling, LogProbabilityAccuracy) {
    std::mt19937_64 g(99);
    rk::test::Context ctx(RK_ISA_SCALAR, 1);
    double worst = 0;
    for (int rep = 0; rep < 2000; ++rep) {
        const uint32_t vocab = 2 + static_cast<uint32_t>(g() % 200);
        const std::vector<float> l = make_row(g, vocab, rep % 2 ? Shape::kNormal : Shape::kPeaked);
        const rk_sampling_params p = params(1.0f, 0, rep % 3 ? 1.0 : 0.9);
        const rk_philox_stream s{11, 12, g()};
        const Outputs o = sample(ctx.get(), l.data(), 1, vocab, vocab, &p, &s);
        const Reference ref = reference(l.data(), vocab, p, s);
        ASSERT_EQ(o.tokens[0], ref.token);
        double wj = 0;
        for (size_t j = 0; j < ref.kept_set.size(); ++j)
            if (static_cast<int32_t>(ref.kept_set[j]) == ref.token) wj = static_cast<double>(ref.kept_weights[j]);
        const double exact = std::log(wj / static_cast<double>(ref.kept_mass));
        const double err = std::abs(o.logprobs[0] - exact);
        const double ulp = std::ldexp(1.0, std::ilogb(std::max(std::abs(exact), 1e-30)) - 23);
        EXPECT_LE(err, 1.01 * 0x1p-24 + ulp) << exact;
        worst = std::max(worst, err);
    }
    RecordProperty("worst_abs_error", std::to_string(worst));
}

}  // namespace
