// Per-element functions of the distributions (docs/spec.md section 4), written once over a lanes type
// L (core/lanes_scalar.h documents the interface) so that scalar, SIMD and CUDA code run the same
// operations per element. Each takes the element's stream words and the call's parameters.
#pragma once

#include <cstdint>

#include "portable_math.h"
#include "rk_platform.h"
#include "uniform.h"

namespace rk::core {

// Uniform in [low, low + span]: fma(u, span, low), span = high - low rounded once by the caller.
template <class L>
RK_HD typename L::f32 uniform_range(typename L::u32 w, typename L::f32 low, typename L::f32 span) {
    return L::ffma(u32_to_uniform<L>(w), span, low);
}

// Box-Muller on one word pair: r = sqrt(-2 log u1), z0 = mean + std * (r cospi(2 u2)),
// z1 = mean + std * (r sinpi(2 u2)), with u1, u2 the curand_uniform values of w0, w1 (both in (0, 1],
// so the log is finite) and each "mean + std * t" a single fma.
template <class L>
RK_HD void box_muller(typename L::u32 w0, typename L::u32 w1, typename L::f32 mean, typename L::f32 stddev,
                      typename L::f32& z0, typename L::f32& z1) {
    const typename L::f32 u1 = u32_to_uniform<L>(w0);
    const typename L::f32 u2 = u32_to_uniform<L>(w1);
    const typename L::f32 r = L::fsqrt(L::fmul(L::fsplat(-2.0f), rk_logf<L>(u1)));
    const typename L::f32 t = L::fadd(u2, u2);  // 2 * u2, exact
    typename L::f32 s, c;
    rk_sincospif<L>(t, s, c);  // the bits of rk_sinpif and rk_cospif, sharing one reduction
    z0 = L::ffma(stddev, L::fmul(r, c), mean);
    z1 = L::ffma(stddev, L::fmul(r, s), mean);
}

// Truncated normal by inverse CDF, as torch.nn.init.trunc_normal_: x uniform in [erf(alpha / sqrt 2),
// erf(beta / sqrt 2)], then mean + std sqrt(2) erfinv(x), clamped to [a, b].
struct TruncatedNormalParams {
    float low;    // erf((a - mean) / std / sqrt 2)
    float span;   // erf((b - mean) / std / sqrt 2) - low
    float scale;  // std * sqrt 2
    float mean;
    float a;
    float b;
};

constexpr float kSqrt2 = 1.41421353816986083984375f;           // sqrt(2) rounded to float
constexpr float kInvSqrt2 = 0.707106769084930419921875f;       // 1 / sqrt(2) rounded to float

// Computed once per call on the host, with the portable scalar erf: the same constants on every backend.
inline TruncatedNormalParams truncated_normal_params(float mean, float stddev, float a, float b) {
    TruncatedNormalParams p;
    const float lo = erff_portable(((a - mean) / stddev) * kInvSqrt2);
    const float hi = erff_portable(((b - mean) / stddev) * kInvSqrt2);
    p.low = lo;
    p.span = hi - lo;
    p.scale = stddev * kSqrt2;
    p.mean = mean;
    p.a = a;
    p.b = b;
    return p;
}

template <class L>
RK_HD typename L::f32 truncated_normal(typename L::u32 w, const TruncatedNormalParams& p) {
    const typename L::f32 x = uniform_range<L>(w, L::fsplat(p.low), L::fsplat(p.span));
    const typename L::f32 v = L::ffma(rk_erfinvf<L>(x), L::fsplat(p.scale), L::fsplat(p.mean));
    // clamp: x may reach +-1 exactly, where erfinv is +-Inf; the clamp maps those to the bounds.
    const typename L::f32 lo = L::fsplat(p.a), hi = L::fsplat(p.b);
    const typename L::f32 above = L::fselect(L::flt(v, lo), lo, v);
    return L::fselect(L::fgt(above, hi), hi, above);
}

// Bernoulli threshold floor(p * 2^32) (exact: p * 2^32 is exact in double, floor is exact).
RK_HD uint64_t bernoulli_threshold(double p) { return static_cast<uint64_t>(p * 4294967296.0); }

// 1 iff w < threshold; threshold == 2^32 means always.
RK_HD uint8_t bernoulli(uint32_t w, uint64_t threshold) { return static_cast<uint64_t>(w) < threshold ? 1 : 0; }

// High 64 bits of a 64 x 64-bit product, from 32-bit partial products (portable, exact).
RK_HD uint64_t mulhi64(uint64_t a, uint64_t b) {
    const uint64_t a_lo = a & 0xFFFFFFFFu, a_hi = a >> 32, b_lo = b & 0xFFFFFFFFu, b_hi = b >> 32;
    const uint64_t lo_lo = a_lo * b_lo, hi_lo = a_hi * b_lo, lo_hi = a_lo * b_hi, hi_hi = a_hi * b_hi;
    const uint64_t cross = (lo_lo >> 32) + (hi_lo & 0xFFFFFFFFu) + lo_hi;
    return hi_hi + (hi_lo >> 32) + (cross >> 32);
}

// Integer in [low, low + span): low + floor(r * span / 2^64), r = w0 | w1 << 32 (Lemire, no rejection).
RK_HD int64_t int_range(uint32_t w0, uint32_t w1, int64_t low, uint64_t span) {
    const uint64_t r = static_cast<uint64_t>(w0) | (static_cast<uint64_t>(w1) << 32);
    return static_cast<int64_t>(static_cast<uint64_t>(low) + mulhi64(r, span));
}

}  // namespace rk::core
