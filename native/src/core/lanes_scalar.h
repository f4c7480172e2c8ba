// The lane interface: what every single-source template in native/src/core computes with.
//
// A "lanes" type L is a struct of static functions over W parallel 32-bit lanes (W = 1 here, 8 for
// AVX2, 16 for AVX-512, one CUDA thread on the device). A template written once against L executes
// the same sequence of correctly rounded operations in every lane on every backend, so the results
// are the same bits everywhere. Lane code is branch-free: compute both sides, then select.
//
// Types
//   f32    float lanes
//   u32    32-bit integer lanes; signed or unsigned is a property of the operation, not the type
//   mask   per-lane boolean (bool here, __m256 all-ones/zero lanes on AVX2, __mmask16 on AVX-512)
//   kWidth number of lanes
// Float arithmetic (IEEE binary32, round to nearest even, subnormals kept)
//   fsplat(float) fadd fsub fmul fdiv fsqrt fabs_ fneg
//   ffma(a, b, c) = a*b + c with one rounding
// Comparisons (ordered: false when either operand is NaN), giving mask
//   flt fle feq fgt fge; fisnan(a)
// Selection and masks
//   fselect(m, a, b), uselect(m, a, b): a where m is set, else b
//   mand mor mnot
//   mall(m): true when every lane of m is set (for a uniform branch between two computations that give the same
//            bits where both apply, never for a lane-dependent result)
// Bit casts
//   as_u32(f32) -> u32, as_f32(u32) -> f32
// Integer arithmetic (modulo 2^32)
//   usplat(uint32_t) uadd usub uand uor uxor
//   shl<N>, shr<N> (logical), sar<N> (arithmetic, on the signed view), 0 <= N < 32
//   ueq, ult (unsigned less), ilt (signed less), giving mask
// Conversions
//   cvt_i32_f32(u32)    signed int -> float, round to nearest
//   cvt_u32_f32(u32)    unsigned int -> float, round to nearest
//   cvt_f32_i32_rn(f32) float -> signed int, round to nearest even; only for values that fit in
//                       int32 (NaN and out-of-range inputs are undefined; callers select them away)
// Memory (unaligned)
//   fload(const float*) fstore(float*, f32) uload(const uint32_t*) ustore(uint32_t*, u32)
// Names kept for the Philox and uniform templates (philox.h, uniform.h)
//   vec (= u32), fvec (= f32), mulhilo(a, m, hi, lo): the 64-bit product a*m split in halves,
//   bxor (= uxor), splat (= usplat), u32_to_f32 (= cvt_u32_f32)
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#include "rk_platform.h"

namespace rk::core {

// a*b + c rounded once to float, from double arithmetic alone: the product of two floats is exact in double, the
// sum's rounding error is exact by TwoSum, and the sum rounded to odd (the last bit set when inexact) keeps enough
// bits that converting it to float rounds as the exact value would (Boldo & Melquiond, "Emulation of FMA and
// correctly rounded sums", 2008). For C libraries whose fmaf is not correctly rounded: MinGW-w64's (Debian 12,
// mingw-w64 10) is wrong on about 8 % of cancelling inputs, which changed the scalar backend's bits on Windows.
// Needs round-to-nearest (CanonicalFpEnv) and no x87 arithmetic (x86-64 uses SSE2).
inline float fmaf_by_round_to_odd(float a, float b, float c) {
    const double p = static_cast<double>(a) * static_cast<double>(b);
    double s = p + static_cast<double>(c);
    // Finite inputs never overflow here (|a*b| < 2^256), so a non-finite sum means an infinite or NaN input, whose
    // result the double arithmetic already gives.
    if (!(s - s == 0.0)) return static_cast<float>(s);
    const double bp = s - p;
    const double err = (p - (s - bp)) + (static_cast<double>(c) - bp);
    if (err != 0.0) {
        uint64_t bits;
        std::memcpy(&bits, &s, sizeof bits);
        // Inexact with an even last bit: the exact value lies between s and its odd neighbour on err's side.
        if ((bits & 1u) == 0) bits += (err > 0.0) == (s > 0.0) ? 1 : static_cast<uint64_t>(-1);
        std::memcpy(&s, &bits, sizeof bits);
    }
    return static_cast<float>(s);
}

struct ScalarLanes {
    using f32 = float;
    using u32 = uint32_t;
    using mask = bool;
    using vec = uint32_t;
    using fvec = float;
    static constexpr int kWidth = 1;

    RK_HD static f32 fsplat(float a) { return a; }
#if defined(__CUDA_ARCH__)
    // Device code names the correctly rounded intrinsics: the compiler never fuses or approximates them,
    // whatever -fmad / -prec-div / -prec-sqrt say.
    RK_HD static f32 fadd(f32 a, f32 b) { return __fadd_rn(a, b); }
    RK_HD static f32 fsub(f32 a, f32 b) { return __fsub_rn(a, b); }
    RK_HD static f32 fmul(f32 a, f32 b) { return __fmul_rn(a, b); }
    RK_HD static f32 fdiv(f32 a, f32 b) { return __fdiv_rn(a, b); }
    RK_HD static f32 ffma(f32 a, f32 b, f32 c) { return __fmaf_rn(a, b, c); }
    RK_HD static f32 fsqrt(f32 a) { return __fsqrt_rn(a); }
#else
    RK_HD static f32 fadd(f32 a, f32 b) { return a + b; }
    RK_HD static f32 fsub(f32 a, f32 b) { return a - b; }
    RK_HD static f32 fmul(f32 a, f32 b) { return a * b; }
    RK_HD static f32 fdiv(f32 a, f32 b) { return a / b; }
#  if defined(__MINGW32__)
    RK_HD static f32 ffma(f32 a, f32 b, f32 c) { return fmaf_by_round_to_odd(a, b, c); }  // MinGW's fmaf is wrong
#  else
    RK_HD static f32 ffma(f32 a, f32 b, f32 c) { return std::fma(a, b, c); }
#  endif
    RK_HD static f32 fsqrt(f32 a) { return std::sqrt(a); }
#endif
    // Sign-bit operations, so that NaN payloads and signs match the SIMD and/xor versions.
    RK_HD static f32 fabs_(f32 a) { return as_f32(as_u32(a) & 0x7FFFFFFFu); }
    RK_HD static f32 fneg(f32 a) { return as_f32(as_u32(a) ^ 0x80000000u); }

    RK_HD static mask flt(f32 a, f32 b) { return a < b; }
    RK_HD static mask fle(f32 a, f32 b) { return a <= b; }
    RK_HD static mask feq(f32 a, f32 b) { return a == b; }
    RK_HD static mask fgt(f32 a, f32 b) { return a > b; }
    RK_HD static mask fge(f32 a, f32 b) { return a >= b; }
    RK_HD static mask fisnan(f32 a) { return a != a; }

    RK_HD static f32 fselect(mask m, f32 a, f32 b) { return m ? a : b; }
    RK_HD static u32 uselect(mask m, u32 a, u32 b) { return m ? a : b; }
    RK_HD static mask mand(mask a, mask b) { return a && b; }
    RK_HD static mask mor(mask a, mask b) { return a || b; }
    RK_HD static mask mnot(mask a) { return !a; }
    RK_HD static bool mall(mask a) { return a; }

    RK_HD static u32 as_u32(f32 a) {
#if defined(__CUDA_ARCH__)
        return __float_as_uint(a);
#else
        u32 u;
        std::memcpy(&u, &a, sizeof u);
        return u;
#endif
    }
    RK_HD static f32 as_f32(u32 a) {
#if defined(__CUDA_ARCH__)
        return __uint_as_float(a);
#else
        f32 f;
        std::memcpy(&f, &a, sizeof f);
        return f;
#endif
    }

    RK_HD static u32 usplat(uint32_t a) { return a; }
    RK_HD static u32 uadd(u32 a, u32 b) { return a + b; }
    RK_HD static u32 usub(u32 a, u32 b) { return a - b; }
    RK_HD static u32 uand(u32 a, u32 b) { return a & b; }
    RK_HD static u32 uor(u32 a, u32 b) { return a | b; }
    RK_HD static u32 uxor(u32 a, u32 b) { return a ^ b; }
    template <int N>
    RK_HD static u32 shl(u32 a) { return a << N; }
    template <int N>
    RK_HD static u32 shr(u32 a) { return a >> N; }
    template <int N>
    RK_HD static u32 sar(u32 a) { return static_cast<u32>(static_cast<int32_t>(a) >> N); }
    RK_HD static mask ueq(u32 a, u32 b) { return a == b; }
    RK_HD static mask ult(u32 a, u32 b) { return a < b; }
    RK_HD static mask ilt(u32 a, u32 b) { return static_cast<int32_t>(a) < static_cast<int32_t>(b); }

    RK_HD static f32 cvt_i32_f32(u32 a) { return static_cast<float>(static_cast<int32_t>(a)); }
    RK_HD static f32 cvt_u32_f32(u32 a) { return static_cast<float>(a); }
    RK_HD static u32 cvt_f32_i32_rn(f32 a) {
        // Below 2^23, adding and removing 2^23 rounds |a| to an integer (ties to even) in the current
        // rounding mode, like cvtps2dq; at or above 2^23 every float is already an integer.
        const f32 m = fabs_(a);
        const f32 r = m < 0x1p23f ? (m + 0x1p23f) - 0x1p23f : m;
        return static_cast<u32>(static_cast<int32_t>(as_f32(as_u32(r) | (as_u32(a) & 0x80000000u))));
    }

    RK_HD static f32 fload(const float* p) { return *p; }
    RK_HD static void fstore(float* p, f32 a) { *p = a; }
    RK_HD static u32 uload(const uint32_t* p) { return *p; }
    RK_HD static void ustore(uint32_t* p, u32 a) { *p = a; }

    RK_HD static void mulhilo(u32 a, uint32_t m, u32& hi, u32& lo) {
        const uint64_t p = static_cast<uint64_t>(a) * m;
        hi = static_cast<u32>(p >> 32);
        lo = static_cast<u32>(p);
    }
    RK_HD static u32 bxor(u32 a, u32 b) { return a ^ b; }
    RK_HD static u32 splat(uint32_t a) { return a; }
    RK_HD static f32 u32_to_f32(u32 a) { return cvt_u32_f32(a); }
};

}  // namespace rk::core
