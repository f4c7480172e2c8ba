// Token sampling (docs/sampling.md): the arithmetic of one row, written once.
//
// A row of logits l[0, V) with temperature T, top_k, top_p, min_p and its own stream is processed as
//   s_i = l_i / T (float32 division; -Inf bans a token),
//   top-k: keep s_i >= the k-th largest s (ties kept),
//   e_i = exp(s_i - m) with m the largest s and ReproKit's rk_expf, w_i = floor(e_i * 2^43) (exact),
//   top-p: rank by (w desc, index asc), keep a token iff the mass ranked above it is < p * W (exact),
//   min-p: keep e_i >= min_p (exact float / double comparison),
//   draw: R = floor(U * W' / 2^64) with U = word(1) * 2^32 + word(0), token = the smallest index whose
//         cumulative kept weight (index order) exceeds R.
// Everything after the exponential is integer arithmetic, so it is the same on every backend whatever
// the order of its sums. This header holds the per-element lane templates and the scalar pieces (host
// and device); the CPU row driver is cpu/sampling_impl.h.
#pragma once

#include <cstdint>
#include <cstring>

#include "distributions.h"
#include "lanes_scalar.h"
#include "philox_stream.h"
#include "portable_math.h"
#include "rk_platform.h"

namespace rk::core {

constexpr uint32_t kSampleMaxVocab = 1u << 21;  // exclusive: V * 2^43 < 2^64
constexpr int kSampleWeightBits = 43;           // w = floor(e * 2^43); e = 1 gives 2^43
constexpr uint32_t kSampleBlock = 256;          // elements per exact partial mass (dense rows)
constexpr uint32_t kSampleRadixBuckets = 4 * 1040;  // histogram entries (weighted_threshold uses 2048)

struct SampleParams {
    float temperature;
    int32_t top_k;
    double top_p;
    double min_p;
};

enum class SampleError : int32_t {
    kNone = 0,
    kBadLogit,        // logits[index] is NaN or +Inf
    kNoFiniteLogit,   // every logit is -Inf
    kScaledOverflow,  // logits[index] / T is +Inf (a finite logit, T too small)
    kNoFiniteScaled,  // every finite logit / T is -Inf
};

struct SampleResult {
    int32_t token;
    float prob;
    float logprob;
    int32_t kept;
    SampleError error;
    int64_t error_index;  // the offending index for kBadLogit / kScaledOverflow, else -1
};

// Working memory for one row of at most `vocab` tokens (sample_scratch_layout gives the sizes); the
// caller allocates it once per worker and reuses it for every row.
struct SampleScratch {
    uint32_t* idx;     // vocab: token indices of a candidate list, ascending
    float* val;        // vocab: the list's l, then e values; the top-k filter's buffer
    float* dense;      // vocab: e of every token (dense rows); the top-k filter's copies (top-k rows)
    uint64_t* w;       // vocab: the list's weights
    uint64_t* wbuf;    // vocab: radix buckets being refined; per-block tie counts of dense rows
    uint64_t* blocks;  // ceil(vocab / kSampleBlock): exact (kept) mass of each block of a dense row
    uint64_t* hist;    // kSampleRadixBuckets
};

// Bytes of scratch for rows of up to `vocab` tokens, and the carving of one buffer into a SampleScratch.
RK_HD uint64_t sample_scratch_bytes(uint32_t vocab) {
    const uint64_t v = vocab, blocks = (v + kSampleBlock - 1) / kSampleBlock;
    return v * (4 + 4 + 4) + v * 8 * 2 + blocks * 8 + kSampleRadixBuckets * 8 + 64 * 8;
}
inline SampleScratch sample_scratch_carve(void* buffer, uint32_t vocab) {
    auto take = [p = reinterpret_cast<uintptr_t>(buffer)](uint64_t bytes) mutable {
        p = (p + 63) & ~uintptr_t{63};
        const uintptr_t at = p;
        p += bytes;
        return at;
    };
    const uint64_t v = vocab, blocks = (v + kSampleBlock - 1) / kSampleBlock;
    SampleScratch s;
    s.w = reinterpret_cast<uint64_t*>(take(v * 8));
    s.wbuf = reinterpret_cast<uint64_t*>(take(v * 8));
    s.blocks = reinterpret_cast<uint64_t*>(take(blocks * 8));
    s.hist = reinterpret_cast<uint64_t*>(take(kSampleRadixBuckets * 8));
    s.idx = reinterpret_cast<uint32_t*>(take(v * 4));
    s.val = reinterpret_cast<float*>(take(v * 4));
    s.dense = reinterpret_cast<float*>(take(v * 4));
    return s;
}

// ---- Scalar definitions --------------------------------------------------------------------------

RK_HD uint32_t float_bits(float f) { return ScalarLanes::as_u32(f); }
RK_HD float bits_float(uint32_t u) { return ScalarLanes::as_f32(u); }

// The greedy rule: T == 0 or top_k == 1.
RK_HD bool sample_is_greedy(const SampleParams& p) { return p.temperature == 0.0f || p.top_k == 1; }

// w = floor(e * 2^43) for e in [0, 1]: the product is exact in float, the conversion truncates.
RK_HD uint64_t sample_weight(float e) { return static_cast<uint64_t>(e * 0x1p43f); }

// An order-preserving, injective 31-bit key of a weight: the bits of (float)w, which is exact because
// w < 2^23 or w = e * 2^43 is itself a float.
RK_HD uint32_t sample_weight_key(uint64_t w) { return float_bits(static_cast<float>(w)); }
RK_HD uint64_t sample_weight_of_key(uint32_t key) { return static_cast<uint64_t>(bits_float(key)); }

// An order-preserving map of floats (NaN aside) to uint32, and back.
RK_HD uint32_t float_order_key(float f) {
    const uint32_t b = float_bits(f);
    return (b & 0x80000000u) ? ~b : b | 0x80000000u;
}
RK_HD float float_from_order_key(uint32_t k) { return bits_float((k & 0x80000000u) ? k & 0x7FFFFFFFu : ~k); }

// The smallest finite float l with l / T >= t / T, for finite t and T > 0: since l -> l / T (rounded) is
// monotone, l / T >= t / T <=> l >= it. Found by bisection on the order keys (at most 32 divisions).
RK_HD float lowest_logit_with_same_scale(float t, float temperature) {
    const float target = t / temperature;
    uint32_t lo = float_order_key(-3.40282347e38f), hi = float_order_key(t);
    if (float_from_order_key(lo) / temperature >= target) return float_from_order_key(lo);
    while (hi - lo > 1) {  // invariant: lo fails, hi passes
        const uint32_t mid = lo + (hi - lo) / 2;
        if (float_from_order_key(mid) / temperature >= target) hi = mid;
        else lo = mid;
    }
    return float_from_order_key(hi);
}

// The smallest float f >= x (x >= 0 finite): e >= x <=> e >= f for every float e.
RK_HD float float_at_least(double x) {
    float f = static_cast<float>(x);
    if (static_cast<double>(f) < x) f = bits_float(float_bits(f) + 1);
    return f;
}

// The 128-bit product a * b as (hi, lo).
RK_HD void mul64x64(uint64_t a, uint64_t b, uint64_t& hi, uint64_t& lo) {
    hi = mulhi64(a, b);
    lo = a * b;
}

// P = ceil(p * W) exactly, for p in (0, 1] and W < 2^64: with p = M * 2^-E (M < 2^53 an integer), the
// 128-bit product M * W shifted right by E, rounded up. The top-p rule "mass above < p * W" is then the
// integer test "mass above < P".
RK_HD uint64_t top_p_mass(double p, uint64_t total) {
    uint64_t bits;
    std::memcpy(&bits, &p, sizeof bits);
    const uint32_t exp_field = static_cast<uint32_t>(bits >> 52) & 0x7FFu;
    const uint64_t frac = bits & ((uint64_t{1} << 52) - 1);
    const uint64_t m = exp_field == 0 ? frac : frac | (uint64_t{1} << 52);
    const uint32_t e = exp_field == 0 ? 1074u : 1075u - exp_field;  // >= 52 for p <= 1
    uint64_t hi, lo;
    mul64x64(m, total, hi, lo);
    if (hi == 0 && lo == 0) return 0;
    if (e >= 128) return 1;
    uint64_t q;
    bool rest;
    if (e >= 64) {
        const uint32_t sh = e - 64;
        q = sh == 0 ? hi : hi >> sh;
        rest = lo != 0 || (sh != 0 && (hi << (64 - sh)) != 0);
    } else {  // 52 <= e < 64: the quotient fits in 64 bits because p <= 1
        q = (lo >> e) | (hi << (64 - e));
        rest = (lo << (64 - e)) != 0;
    }
    return q + (rest ? 1 : 0);
}

// Top-p ties: with A = mass of the weights above the crossing weight v (A < P), the number of tokens of
// weight v kept (in index order) is ceil((P - A) / v).
RK_HD uint64_t top_p_ties_kept(uint64_t p_mass, uint64_t above, uint64_t v) {
    const uint64_t need = p_mass - above;
    return need / v + (need % v != 0 ? 1 : 0);
}

// U = word(1) * 2^32 + word(0), words counted from the stream's offset.
RK_HD uint64_t sample_draw_word(const PhiloxStream& s) {
    const StreamCursor c = stream_cursor(s, 0);
    const Philox4x32Block b = stream_block(s, c);
    const uint32_t w0 = b.w[c.lane];
    const uint32_t w1 = c.lane < 3 ? b.w[c.lane + 1] : stream_word(s, 1);
    return (static_cast<uint64_t>(w1) << 32) | w0;
}

// R = floor(U * W' / 2^64) in [0, W').
RK_HD uint64_t sample_draw_target(uint64_t u, uint64_t kept_mass) { return mulhi64(u, kept_mass); }

// The outputs of a drawn token of weight w out of the kept mass W': probability (float)(w / W') from
// binary64 (both conversions and the quotient rounded to nearest), log-probability rk_logf of that float.
RK_HD float sample_prob(uint64_t w, uint64_t kept_mass) {
    return static_cast<float>(static_cast<double>(w) / static_cast<double>(kept_mass));
}
RK_HD float sample_logprob(float prob) { return rk_logf<ScalarLanes>(prob); }

// The largest weight value v with (sum of w_i >= v) >= target, for 1 <= target <= sum of w (the top-p
// crossing weight), by an MSB-first radix selection on sample_weight_key with weight-mass histograms:
// digits of 11, 11 and 9 bits, each level scanning only the previous level's bucket. O(n) for any input.
// `hist` holds kSampleRadixBuckets entries, `buf` n entries (it may not alias w).
RK_HD uint64_t weighted_threshold(const uint64_t* w, uint32_t n, uint64_t target, uint64_t* hist, uint64_t* buf) {
    constexpr uint32_t kShift[3] = {20, 9, 0};
    constexpr uint32_t kMask[3] = {0x7FF, 0x7FF, 0x1FF};
    const uint64_t* src = w;
    uint32_t prefix = 0;
    for (int level = 0; level < 3; ++level) {
        const uint32_t shift = kShift[level], mask = kMask[level];
        for (uint32_t d = 0; d <= mask; ++d) hist[d] = 0;
        for (uint32_t i = 0; i < n; ++i) hist[(sample_weight_key(src[i]) >> shift) & mask] += src[i];
        // The bucket where the mass counted from the top first reaches the target.
        uint64_t above = 0;
        uint32_t d = mask;
        while (above + hist[d] < target) above += hist[d--];
        target -= above;
        prefix |= d << shift;
        if (level < 2) {
            uint32_t m = 0;
            for (uint32_t i = 0; i < n; ++i)
                if (((sample_weight_key(src[i]) >> shift) & mask) == d) buf[m++] = src[i];
            src = buf;
            n = m;
        }
    }
    return sample_weight_of_key(prefix);
}

// ---- Lane templates (the per-element arithmetic of the vector passes) ------------------------------

// s = l / T.
template <class L>
RK_HD typename L::f32 sample_scale(typename L::f32 logit, typename L::f32 temperature) {
    return L::fdiv(logit, temperature);
}

// e = exp(s - m) with ReproKit's exp; s = -Inf gives 0.
template <class L>
RK_HD typename L::f32 sample_exp(typename L::f32 s, typename L::f32 m) {
    return rk_expf<L>(L::fsub(s, m));
}

// e = rk_expf(max(s - m, -40)), for s <= m: the same bits as sample_exp wherever s - m >= -40, so wherever
// the weight can be positive (e >= 2^-43 needs s - m > -29.9), and a value below 2^-43 (weight 0) elsewhere.
// Dense rows only use e through its weight and comparisons with values >= 2^-43, so either gives the same
// result; this one is rk_expf's normal-result path alone (portable_math.h, followed step by step): for
// -40 <= x <= 0, k >= -58, so rk_expf's subnormal branch is never taken, its two-step scaling p 2^k1 2^(k-k1)
// is exact and equals the single product p 2^k, and x is never NaN. (Test: Sampling.WeightedExpIsRkExpf.)
template <class L>
RK_HD typename L::f32 sample_exp_weighted(typename L::f32 s, typename L::f32 m) {
    using F = typename L::f32;
    using U = typename L::u32;
    const F x = L::fsub(s, m);
    const F xc = L::fselect(L::fgt(x, L::fsplat(-40.0f)), x, L::fsplat(-40.0f));
    const F shifter = L::fsplat(0x1.8p23f);
    const F kt = L::ffma(xc, L::fsplat(0x1.715476p+0f), shifter);
    const F kf = L::fsub(kt, shifter);
    const U k = L::usub(L::as_u32(kt), L::as_u32(shifter));
    const F minus_ln2_lo = L::fsplat(0x1.05c610p-29f);
    const F rh = L::ffma(kf, L::fsplat(-0x1.62e430p-1f), xc);
    const F r = L::ffma(kf, minus_ln2_lo, rh);
    const F rl = L::ffma(kf, minus_ln2_lo, L::fsub(rh, r));
    const F r2 = L::fmul(r, r);
    const F r2l = L::ffma(r, r, L::fneg(r2));
    const F q = math_detail::horner<L>(r, 0x1.555554p-3f, 0x1.5554e4p-5f, 0x1.1112dep-7f, 0x1.6d5210p-10f,
                                       0x1.9e7a38p-13f);
    const F half = L::fsplat(0.5f);
    const F tail = L::ffma(half, r2, L::ffma(L::fmul(r2, r), q, L::ffma(half, r2l, L::ffma(rl, r, rl))));
    const F one = L::fsplat(1.0f);
    const F sum = L::fadd(one, r);
    const F se = L::fadd(L::fsub(one, sum), r);
    const F p = L::fadd(sum, L::fadd(se, tail));
    return L::fmul(p, math_detail::pow2i<L>(k));
}

// floor(x) for 0 <= x < 2^23 as an integer lane, and as a float.
template <class L>
RK_HD typename L::u32 sample_floor(typename L::f32 x, typename L::f32& as_float) {
    const typename L::u32 r = L::cvt_f32_i32_rn(x);
    const typename L::f32 rf = L::cvt_i32_f32(r);
    const auto over = L::fgt(rf, x);
    as_float = L::fselect(over, L::fsub(rf, L::fsplat(1.0f)), rf);
    return L::usub(r, L::uselect(over, L::usplat(1), L::usplat(0)));
}

// w = floor(e * 2^43) = hi * 2^22 + lo with hi = floor(e * 2^21) <= 2^21 and lo < 2^22, in 32-bit lanes:
// e * 2^43 - hi * 2^22 is exact (it keeps only low bits of e * 2^43's significand).
template <class L>
RK_HD void sample_weight_parts(typename L::f32 e, typename L::u32& hi, typename L::u32& lo) {
    typename L::f32 hi_f, lo_f;
    hi = sample_floor<L>(L::fmul(e, L::fsplat(0x1p21f)), hi_f);
    const typename L::f32 rest = L::fsub(L::fmul(e, L::fsplat(0x1p43f)), L::fmul(hi_f, L::fsplat(0x1p22f)));
    lo = sample_floor<L>(rest, lo_f);
}

}  // namespace rk::core
