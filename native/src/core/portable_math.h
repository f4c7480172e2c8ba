// Portable float32 transcendentals: exp, log, sin(pi x), cos(pi x), erf, erfinv, tanh.
//
// Each function is one branch-free template over a lanes type (lanes_scalar.h describes the
// interface), built only from correctly rounded operations, so the scalar, AVX2, AVX-512 and CUDA
// instantiations return the same bits for every input, NaN results included (always the quiet NaN
// 0x7FC00000). docs/math.md gives the methods, the coefficients' origin and the measured errors;
// native/tools/mathcheck.cpp measures them over all 2^32 inputs.
#pragma once

#include <cstdint>

#include "lanes_scalar.h"
#include "rk_platform.h"

namespace rk::core {
namespace math_detail {

constexpr uint32_t kQuietNaN = 0x7FC00000u;
constexpr uint32_t kPosInf = 0x7F800000u;
constexpr uint32_t kSignBit = 0x80000000u;
constexpr float kPiHi = 0x1.921fb6p+1f;   // pi = kPiHi + kPiLo + O(2^-48)
constexpr float kPiLo = -0x1.777a5cp-24f;

// c0 + x*(c1 + x*(c2 + ...)), one fma per coefficient.
template <class L>
RK_HD typename L::f32 horner(typename L::f32, float c) {
    return L::fsplat(c);
}
// (Two named coefficients, so the one-coefficient overload is the only match for a single one: clang, nvcc's
// host compiler, finds the empty-pack form ambiguous otherwise.)
template <class L, class... Rest>
RK_HD typename L::f32 horner(typename L::f32 x, float c0, float c1, Rest... rest) {
    return L::ffma(horner<L>(x, c1, rest...), x, L::fsplat(c0));
}

// 2^k as a float for integer lanes k in [-126, 127].
template <class L>
RK_HD typename L::f32 pow2i(typename L::u32 k) {
    return L::as_f32(L::template shl<23>(L::uadd(k, L::usplat(127))));
}

template <class L>
RK_HD typename L::f32 fmax_(typename L::f32 a, typename L::f32 b) {
    return L::fselect(L::fgt(a, b), a, b);
}
template <class L>
RK_HD typename L::f32 fmin_(typename L::f32 a, typename L::f32 b) {
    return L::fselect(L::flt(a, b), a, b);
}

// Quadrant reduction shared by sinpi and cospi, on a = |x|: returns n with a = n/2 + r,
// |r| <= 1/4 (r is exact), together with s = sin(pi r) and c = cos(pi r).
template <class L>
RK_HD void sincospi_reduced(typename L::f32 a, typename L::u32& n, typename L::f32& s,
                            typename L::f32& c) {
    using F = typename L::f32;
    // Floats >= 2^24 are even integers: replace them (and Inf, NaN, selected later) by 0, which has
    // the same sine and cosine, so that 2a below fits in an int32.
    a = L::fselect(L::flt(a, L::fsplat(0x1p24f)), a, L::fsplat(0.0f));
    n = L::cvt_f32_i32_rn(L::fadd(a, a));
    // n/2 is within a factor 2 of a (or n = 0), so the subtraction is exact (Sterbenz).
    const F r = L::ffma(L::cvt_i32_f32(n), L::fsplat(-0.5f), a);
    const F z = L::fmul(r, r);
    const F zl = L::ffma(r, r, L::fneg(z));  // r^2 = z + zl exactly

    // sin(pi r) = r*pi_hi + [r*pi_lo + c1 r^3 + r^5 S(z)]: r*pi_hi and c1*r3 are exact inside their
    // fmas and r^3 = r3 + r3l up to a rounding of r*zl, so the bracket rounds once, at 2^-4 ulp.
    const float c1 = -0x1.4abbcep+2f;
    const F r3 = L::fmul(r, z);
    const F r3l = L::ffma(r, zl, L::ffma(r, z, L::fneg(r3)));
    const F sp = horner<L>(z, 0x1.466b78p+1f, -0x1.32adaap-1f, 0x1.443a98p-4f);
    const F bracket = L::ffma(L::fsplat(c1), r3, L::ffma(L::fmul(r3, z), sp,
                                                        L::ffma(L::fsplat(c1), r3l, L::fmul(r, L::fsplat(kPiLo)))));
    s = L::ffma(r, L::fsplat(kPiHi), bracket);

    // cos(pi r) = 1 + c0 z + z^2 C(z), c0 = -pi^2/2 = c0_hi + c0_lo. c0_hi z = p + pl exactly (fma)
    // and 1 + p = t + te exactly (Fast2Sum, |p| < 1), so the only large rounding is the final one.
    const float c0_hi = -0x1.3bd3ccp+2f, c0_lo = -0x1.37c8bcp-23f;
    const F p = L::fmul(L::fsplat(c0_hi), z);
    const F pl = L::ffma(L::fsplat(c0_hi), z, L::fneg(p));
    const F t = L::fadd(L::fsplat(1.0f), p);
    const F te = L::fadd(L::fsub(L::fsplat(1.0f), t), p);
    const F cp = horner<L>(z, 0x1.03c1e8p+2f, -0x1.55c9eap+0f, 0x1.dacf70p-3f);
    const F small = L::ffma(L::fmul(z, z), cp,
                            L::ffma(L::fsplat(c0_hi), zl, L::ffma(L::fsplat(c0_lo), z, pl)));
    c = L::fadd(t, L::fadd(te, small));
}

// sinpi(x) from the reduction of a = |x|: odd n swaps in the cosine, n & 2 flips the sign. Adding +0
// turns the -0 of even n with r = 0 into +0; the sign of x is applied last (sinpi is odd).
template <class L>
RK_HD typename L::f32 sinpi_from(typename L::f32 x, typename L::f32 a, typename L::u32 n, typename L::f32 s,
                                 typename L::f32 c) {
    using F = typename L::f32;
    using U = typename L::u32;
    const auto odd = L::ueq(L::uand(n, L::usplat(1)), L::usplat(1));
    const U flip = L::uand(L::template shl<30>(n), L::usplat(kSignBit));
    F y = L::fadd(L::as_f32(L::uxor(L::as_u32(L::fselect(odd, c, s)), flip)), L::fsplat(0.0f));

    // |x| < 2^-100: sin(pi x) = pi x far below an ulp, but x*pi_lo above would underflow; work on
    // X = |x| 2^64 instead. Normal results are then RN(pi X) 2^-64, exactly. Subnormal results
    // (pi X < 2^-62) must be rounded once, to the grid g = 2^-85 that 2^-149 becomes: T - C =
    // RN_g(X pi_hi) with C = 2^23 g, d = X pi_hi - (T - C) exactly, and since X pi_lo < 0 the true
    // pi X lies below the midpoint under T - C exactly when d + X pi_lo < -g/2.
    const F big = L::fmul(a, L::fsplat(0x1p64f));
    const F big_lo = L::fmul(big, L::fsplat(kPiLo));
    const F grid_c = L::fsplat(0x1p-62f);
    const F t = L::ffma(big, L::fsplat(kPiHi), grid_c);
    const F d = L::ffma(big, L::fsplat(kPiHi), L::fsub(grid_c, t));
    const F below = L::fselect(L::flt(L::fadd(d, big_lo), L::fsplat(-0x1p-86f)), L::fsplat(0x1p-85f),
                               L::fsplat(0.0f));
    const F sub = L::fsub(L::fsub(t, grid_c), below);
    F tiny = L::ffma(big, L::fsplat(kPiHi), big_lo);
    tiny = L::fmul(L::fselect(L::flt(tiny, grid_c), sub, tiny), L::fsplat(0x1p-64f));
    y = L::fselect(L::flt(a, L::fsplat(0x1p-100f)), tiny, y);

    y = L::as_f32(L::uxor(L::as_u32(y), L::uand(L::as_u32(x), L::usplat(kSignBit))));
    return L::fselect(L::flt(a, L::as_f32(L::usplat(kPosInf))), y, L::as_f32(L::usplat(kQuietNaN)));
}

// cospi(x) from the reduction of a = |x|: odd n swaps in the sine, (n + 1) & 2 flips the sign; +0 as
// in sinpi.
template <class L>
RK_HD typename L::f32 cospi_from(typename L::f32 a, typename L::u32 n, typename L::f32 s, typename L::f32 c) {
    using F = typename L::f32;
    using U = typename L::u32;
    const auto odd = L::ueq(L::uand(n, L::usplat(1)), L::usplat(1));
    const U flip = L::uand(L::template shl<30>(L::uadd(n, L::usplat(1))), L::usplat(kSignBit));
    const F y = L::fadd(L::as_f32(L::uxor(L::as_u32(L::fselect(odd, s, c)), flip)), L::fsplat(0.0f));
    return L::fselect(L::flt(a, L::as_f32(L::usplat(kPosInf))), y, L::as_f32(L::usplat(kQuietNaN)));
}

// rk_expf's reduction and polynomial on its clamped argument xc (below): k = round(xc / ln2), r + rl = xc - k ln2,
// the bracket `tail` and p = 1 + r + tail rounded once (the normal results' p, whose product with 2^k is e^x).
template <class L>
RK_HD void exp_parts(typename L::f32 xc, typename L::u32& k, typename L::f32& r, typename L::f32& tail,
                     typename L::f32& p) {
    using F = typename L::f32;
    // k = round(x / ln2) with the 1.5*2^23 shifter, whose low mantissa bits then hold k.
    const F shifter = L::fsplat(0x1.8p23f);
    const F kt = L::ffma(xc, L::fsplat(0x1.715476p+0f), shifter);
    const F kf = L::fsub(kt, shifter);
    k = L::usub(L::as_u32(kt), L::as_u32(shifter));

    // r + rl = x - k ln2, ln2 = ln2_hi + ln2_lo: x - k*ln2_hi is exact (a multiple of 2^-25 below
    // 1/2 in magnitude), rl is the rounding error of r.
    const F minus_ln2_lo = L::fsplat(0x1.05c610p-29f);
    const F rh = L::ffma(kf, L::fsplat(-0x1.62e430p-1f), xc);
    r = L::ffma(kf, minus_ln2_lo, rh);
    const F rl = L::ffma(kf, minus_ln2_lo, L::fsub(rh, r));

    // e^(r + rl) = 1 + r + [r^2/2 + r^3 Q(r) + rl (1 + r)], |r| <= ln2/2, with r^2 = r2 + r2l
    // exactly (fma): the bracket's own rounding errors stay below 2^-28 relative.
    const F r2 = L::fmul(r, r);
    const F r2l = L::ffma(r, r, L::fneg(r2));
    const F q = horner<L>(r, 0x1.555554p-3f, 0x1.5554e4p-5f, 0x1.1112dep-7f, 0x1.6d5210p-10f, 0x1.9e7a38p-13f);
    const F half = L::fsplat(0.5f);
    tail = L::ffma(half, r2, L::ffma(L::fmul(r2, r), q, L::ffma(half, r2l, L::ffma(rl, r, rl))));

    // Normal results: 1 + r = s + se exactly (Fast2Sum), so only the last addition rounds.
    const F one = L::fsplat(1.0f);
    const F s = L::fadd(one, r);
    const F se = L::fadd(L::fsub(one, s), r);
    p = L::fadd(s, L::fadd(se, tail));
}

}  // namespace math_detail

// e^x with gradual underflow: max error 0.559 ulp, 0.646 ulp for subnormal results (docs/math.md).
template <class L>
RK_HD typename L::f32 rk_expf(typename L::f32 x) {
    using F = typename L::f32;
    using U = typename L::u32;
    using namespace math_detail;
    // Beyond [-105, 90] the result is 0 or +Inf anyway; clamping keeps k small (NaN passes through).
    const F xc = fmin_<L>(fmax_<L>(x, L::fsplat(-105.0f)), L::fsplat(90.0f));
    U k;
    F r, tail, p;
    exp_parts<L>(xc, k, r, tail, p);

    // Subnormal results: round 1 + u straight to the result's grid g = 2^(-149-k) by adding and
    // removing C = 1.5*2^23*g, so that scaling by 2^k below is exact instead of a second rounding.
    // The result's binade is 2^(k-1) for u < 0, 2^k otherwise; kb = k - (u < 0) in [-149, -127]
    // selects this path. (For kb = -150 the result is 0 or 2^-149, which the plain path rounds right.)
    const F one = L::fsplat(1.0f);
    const F u = L::fadd(r, tail);
    const F grid_c = L::as_f32(L::uor(L::template shl<23>(L::usub(L::usplat(1), k)), L::usplat(0x400000u)));
    const F pg = L::fadd(one, L::fsub(L::fadd(grid_c, u), grid_c));
    const U kb = L::uadd(k, L::template sar<31>(L::as_u32(u)));
    p = L::fselect(L::ult(L::uadd(kb, L::usplat(149)), L::usplat(23)), pg, p);

    // y = p * 2^k in two steps, each factor a normal power of two: the first product is exact, the
    // second rounds only to overflow to +Inf (exactly when the true result does: p = 1 at k = 128)
    // and in the kb = -150 case; everywhere else it is exact.
    const U k1 = L::template sar<1>(k);
    F y = L::fmul(L::fmul(p, pow2i<L>(k1)), pow2i<L>(L::usub(k, k1)));
    return L::fselect(L::fisnan(x), L::as_f32(L::usplat(kQuietNaN)), y);
}

// rk_expf_normal's domain [kExpNormalMin, kExpNormalMax] (e^-87 = 2^-125.5 and e^88 = 2^126.96: normal results).
constexpr float kExpNormalMin = -87.0f;
constexpr float kExpNormalMax = 88.0f;

// rk_expf(x) for x in [kExpNormalMin, kExpNormalMax] only, bit for bit (checked for every float there by the
// PortableMath.ExpNormalRange test), at about half the cost: every result there is normal, so rk_expf's clamp, its
// subnormal rounding and its NaN select change nothing, and p * 2^k, exact in rk_expf's two steps, is exact in one
// (2^k is normal: k in [-126, 127]). Outside the domain the result is unspecified (no trap, no UB): callers whose
// argument may leave it select or branch to rk_expf.
template <class L>
RK_HD typename L::f32 rk_expf_normal(typename L::f32 x) {
    typename L::u32 k;
    typename L::f32 r, tail, p;
    math_detail::exp_parts<L>(x, k, r, tail, p);
    return L::fmul(p, math_detail::pow2i<L>(k));
}

// Natural logarithm: max error 0.613 ulp (docs/math.md).
template <class L>
RK_HD typename L::f32 rk_logf(typename L::f32 x) {
    using F = typename L::f32;
    using U = typename L::u32;
    using namespace math_detail;
    // Subnormals: scale by 2^23 first (exact) so that the exponent field is meaningful.
    const auto sub = L::flt(x, L::fsplat(0x1p-126f));
    const F xs = L::fselect(sub, L::fmul(x, L::fsplat(0x1p23f)), x);

    // x = 2^e * m with m in [sqrt(1/2), sqrt(2)): offsetting the bits by those of sqrt(1/2) makes
    // the exponent field step at the right place. f = m - 1 is exact.
    const U off = L::usplat(0x3F3504F3u);
    const U ix = L::usub(L::as_u32(xs), off);
    const U e = L::usub(L::template sar<23>(ix), L::uselect(sub, L::usplat(23), L::usplat(0)));
    const F m = L::as_f32(L::uadd(L::uand(ix, L::usplat(0x7FFFFFu)), off));
    const F f = L::fsub(m, L::fsplat(1.0f));
    const F ef = L::cvt_i32_f32(e);

    // log1p(f) = f - h + f h Q(f), h = f^2/2. h + hl = f^2/2 exactly; f - h = b + be exactly
    // (Fast2Sum, |h| < |f|).
    const F hf = L::fmul(L::fsplat(0.5f), f);
    const F h = L::fmul(hf, f);
    const F hl = L::ffma(hf, f, L::fneg(h));
    const F b = L::fsub(f, h);
    const F be = L::fsub(L::fsub(f, b), h);
    // e ln2 = a + e*ln2_lo: ln2_hi has 16 significant bits, so a = e*ln2_hi is exact, and a + b
    // = sum + sume exactly (Fast2Sum: |a| >= ln2_hi > |b| unless e = 0).
    const F a = L::fmul(ef, L::fsplat(0x1.62e4p-1f));
    const F sum = L::fadd(a, b);
    const F sume = L::fadd(L::fsub(a, sum), b);
    const F q = horner<L>(f, 0x1.555554p-1f, -0x1.ffffd0p-2f, 0x1.999ab2p-2f, -0x1.5564c6p-2f,
                          0x1.247a64p-2f, -0x1.fca4b8p-3f, 0x1.c6236cp-3f, -0x1.bec22ep-3f,
                          0x1.aa0db8p-3f, -0x1.c58598p-4f);
    const F lo = L::ffma(ef, L::fsplat(0x1.7f7d1cp-20f), L::fsub(be, hl));
    F y = L::fadd(sum, L::fadd(sume, L::ffma(L::fmul(f, h), q, lo)));

    y = L::fselect(L::feq(x, L::fsplat(0.0f)), L::as_f32(L::usplat(kPosInf | kSignBit)), y);
    y = L::fselect(L::feq(x, L::as_f32(L::usplat(kPosInf))), x, y);
    return L::fselect(L::fge(x, L::fsplat(0.0f)), y, L::as_f32(L::usplat(kQuietNaN)));
}

// sin(pi x): max error 0.566 ulp (docs/math.md); sinpi(n) = +0 for integers n >= 0, -0 for n < 0.
template <class L>
RK_HD typename L::f32 rk_sinpif(typename L::f32 x) {
    const typename L::f32 a = L::fabs_(x);
    typename L::u32 n;
    typename L::f32 s, c;
    math_detail::sincospi_reduced<L>(a, n, s, c);
    return math_detail::sinpi_from<L>(x, a, n, s, c);
}

// cos(pi x): max error 0.564 ulp (docs/math.md); cospi(n + 1/2) = +0 for integers n.
template <class L>
RK_HD typename L::f32 rk_cospif(typename L::f32 x) {
    const typename L::f32 a = L::fabs_(x);
    typename L::u32 n;
    typename L::f32 s, c;
    math_detail::sincospi_reduced<L>(a, n, s, c);
    return math_detail::cospi_from<L>(a, n, s, c);
}

// sinpi(x) and cospi(x) together, bit for bit the same as the two calls, at about the cost of one.
template <class L>
RK_HD void rk_sincospif(typename L::f32 x, typename L::f32& sin_out, typename L::f32& cos_out) {
    const typename L::f32 a = L::fabs_(x);
    typename L::u32 n;
    typename L::f32 s, c;
    math_detail::sincospi_reduced<L>(a, n, s, c);
    sin_out = math_detail::sinpi_from<L>(x, a, n, s, c);
    cos_out = math_detail::cospi_from<L>(a, n, s, c);
}

// erf in two halves, for backends that overlap the second half of one vector with the first half of the next (the
// two polynomials, then exp and the selections); rk_erff is the one after the other.
namespace math_detail {
// |x| < 0.921875: erf(x) = x + x Q(x^2), the leading x added exactly inside the fma (central). Otherwise
// erf(t) = 1 - exp(P(t - 1)), P ~ log(erfc(t)); t - 1 is exact for t in [0.5, 4]. Beyond 4 (and for Inf) the result
// rounds to 1, so t is clamped there (pt = P(t - 1)).
template <class L>
RK_HD void erf_first(typename L::f32 x, typename L::f32& central, typename L::f32& pt) {
    using F = typename L::f32;
    const F a = L::fabs_(x);
    const F qc = horner<L>(L::fmul(x, x), 0x1.06eba8p-3f, -0x1.812742p-2f, 0x1.ce2e24p-4f, -0x1.b8137cp-6f,
                           0x1.5501f4p-8f, -0x1.ac6256p-11f, 0x1.63f8a8p-14f);
    central = L::ffma(qc, x, x);
    const F t = fmin_<L>(a, L::fsplat(4.0f));
    pt = horner<L>(L::fsub(t, L::fsplat(1.0f)), -0x1.d97fc0p+0f, -0x1.51c9acp+1f, -0x1.afaa00p-1f, -0x1.55387ep-5f,
                   0x1.4e71c8p-7f, -0x1.10eba8p-9f, 0x1.0b2facp-12f);
}
template <class L>
RK_HD typename L::f32 erf_second(typename L::f32 x, typename L::f32 central, typename L::f32 pt) {
    using F = typename L::f32;
    // pt lies in [-18.2, -1.6] for t in [0.921875, 4] (the lanes that use it), inside rk_expf_normal's domain, where
    // it is rk_expf bit for bit.
    F tail = L::fsub(L::fsplat(1.0f), rk_expf_normal<L>(pt));
    tail = L::as_f32(L::uor(L::as_u32(tail), L::uand(L::as_u32(x), L::usplat(kSignBit))));
    const F y = L::fselect(L::flt(L::fabs_(x), L::fsplat(0.921875f)), central, tail);
    return L::fselect(L::fisnan(x), L::as_f32(L::usplat(kQuietNaN)), y);
}
}  // namespace math_detail

// erf(x): max error 0.971 ulp (docs/math.md).
template <class L>
RK_HD typename L::f32 rk_erff(typename L::f32 x) {
    typename L::f32 central, pt;
    math_detail::erf_first<L>(x, central, pt);
    return math_detail::erf_second<L>(x, central, pt);
}

// erfinv(x) on [-1, 1]: max error 1.981 ulp (docs/math.md); +-Inf at +-1, NaN outside.
template <class L>
RK_HD typename L::f32 rk_erfinvf(typename L::f32 x) {
    using F = typename L::f32;
    using namespace math_detail;
    const F a = L::fabs_(x);
    // w = -log(1 - x^2): t = 1 - x^2 rounded once by the fma, tl its rounding error (1 - t is
    // exact); log(t + tl) = log(t) + tl/t, and tl/t ~ tl wherever tl matters (t near 1).
    const F one = L::fsplat(1.0f);
    const F t = L::ffma(L::fneg(a), a, one);
    const F tl = L::ffma(L::fneg(a), a, L::fsub(one, t));
    const F w = L::fneg(L::fadd(rk_logf<L>(t), tl));
    // erfinv(x) = x p, p = c0 + v q(v) with v = w (w < 5) or v = sqrt(w) - 3 (exact subtraction).
    // c0 = c0_hi + c0_lo; x c0_hi is added exactly inside the final fma.
    const auto central = L::flt(w, L::fsplat(5.0f));
    const F qc = horner<L>(w, 0x1.db2a08p-3f, 0x1.7a6eb2p-7f, -0x1.31ff8ap-9f, -0x1.0ad96ap-13f,
                           0x1.74d616p-15f, 0x1.0dd2d2p-18f, -0x1.0a3a4ap-19f, 0x1.dc3caep-23f,
                           -0x1.2f249ap-27f);
    const F v = L::fsub(L::fsqrt(w), L::fsplat(3.0f));
    const F qt = horner<L>(v, 0x1.006dc8p+0f, 0x1.3583f2p-7f, -0x1.f4c3fap-8f, 0x1.74677ep-8f,
                           -0x1.d519c6p-9f, 0x1.89145cp-10f, -0x1.7be476p-14f, -0x1.525ba6p-12f,
                           0x1.20b03cp-13f);
    const F small = L::fselect(central, L::ffma(w, qc, L::fsplat(-0x1.c96212p-26f)),
                               L::ffma(v, qt, L::fsplat(-0x1.843b1ap-26f)));
    const F c0_hi = L::fselect(central, L::fsplat(0x1.c5bf8ap-1f), L::fsplat(0x1.6a9efcp+1f));
    F y = L::ffma(a, c0_hi, L::fmul(a, small));
    y = L::fselect(L::feq(a, one), L::as_f32(L::usplat(kPosInf)), y);
    y = L::as_f32(L::uor(L::as_u32(y), L::uand(L::as_u32(x), L::usplat(kSignBit))));
    return L::fselect(L::fle(a, one), y, L::as_f32(L::usplat(kQuietNaN)));
}

// tanh(x): max error 1.011 ulp (docs/math.md); odd, tanh(+-0) = +-0, tanh(+-Inf) = +-1.
template <class L>
RK_HD typename L::f32 rk_tanhf(typename L::f32 x) {
    using F = typename L::f32;
    using namespace math_detail;
    const F a = L::fabs_(x);
    // |x| < 0.75: tanh(x) = x + x s P(s), s = x^2 (P a minimax fit of (tanh(sqrt s) / sqrt s - 1) / s on
    // [0, 0.5625]); the leading x is added exactly inside the fma.
    const F s = L::fmul(x, x);
    const F r = L::fmul(s, horner<L>(s, -0x1.555556p-2f, 0x1.111102p-3f, -0x1.ba1528p-5f, 0x1.65c1e8p-6f,
                                     -0x1.1c94b0p-7f, 0x1.9500bap-9f, -0x1.6d2f14p-11f));
    const F central = L::ffma(r, x, x);
    // Otherwise tanh(a) = 1 - 2 / (e^(2a) + 1): 2a is exact, the quotient is at most 0.37, so its rounding errors
    // shrink in the difference; e^(2a) overflows to +Inf from a = 44.4 on, where the quotient is +0 and the result 1.
    const F one = L::fsplat(1.0f);
    const F q = L::fdiv(L::fsplat(2.0f), L::fadd(rk_expf<L>(L::fadd(a, a)), one));
    const F tail = L::fsub(one, q);
    // tanh is odd: the result takes x's sign (central has it already, but for -0, where the fma gives +0).
    F y = L::fselect(L::flt(a, L::fsplat(0.75f)), central, tail);
    y = L::as_f32(L::uor(L::as_u32(y), L::uand(L::as_u32(x), L::usplat(kSignBit))));
    return L::fselect(L::fisnan(x), L::as_f32(L::usplat(kQuietNaN)), y);
}

// Scalar entry points (host and device).
RK_HD float expf_portable(float x) { return rk_expf<ScalarLanes>(x); }
RK_HD float logf_portable(float x) { return rk_logf<ScalarLanes>(x); }
RK_HD float sinpif_portable(float x) { return rk_sinpif<ScalarLanes>(x); }
RK_HD float cospif_portable(float x) { return rk_cospif<ScalarLanes>(x); }
RK_HD void sincospif_portable(float x, float* sin_out, float* cos_out) {
    rk_sincospif<ScalarLanes>(x, *sin_out, *cos_out);
}
RK_HD float erff_portable(float x) { return rk_erff<ScalarLanes>(x); }
RK_HD float erfinvf_portable(float x) { return rk_erfinvf<ScalarLanes>(x); }
RK_HD float tanhf_portable(float x) { return rk_tanhf<ScalarLanes>(x); }

}  // namespace rk::core
