// The lane interface of native/src/core/lanes_scalar.h on 8 AVX2 lanes. Include only from files
// compiled with -mavx2 -mfma. Masks are __m256 lanes of all ones or all zeros.
#pragma once

#include <immintrin.h>

#include <cstdint>

namespace rk::cpu {

struct Avx2Lanes {
    using f32 = __m256;
    using u32 = __m256i;
    using mask = __m256;
    using vec = __m256i;
    using fvec = __m256;
    static constexpr int kWidth = 8;

    static f32 fsplat(float a) { return _mm256_set1_ps(a); }
    static f32 fadd(f32 a, f32 b) { return _mm256_add_ps(a, b); }
    static f32 fsub(f32 a, f32 b) { return _mm256_sub_ps(a, b); }
    static f32 fmul(f32 a, f32 b) { return _mm256_mul_ps(a, b); }
    static f32 fdiv(f32 a, f32 b) { return _mm256_div_ps(a, b); }
    static f32 ffma(f32 a, f32 b, f32 c) { return _mm256_fmadd_ps(a, b, c); }
    static f32 fsqrt(f32 a) { return _mm256_sqrt_ps(a); }
    static f32 fabs_(f32 a) { return _mm256_and_ps(a, as_f32(usplat(0x7FFFFFFFu))); }
    static f32 fneg(f32 a) { return _mm256_xor_ps(a, as_f32(usplat(0x80000000u))); }

    // Ordered, non-signalling predicates: false on NaN, like the scalar operators.
    static mask flt(f32 a, f32 b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
    static mask fle(f32 a, f32 b) { return _mm256_cmp_ps(a, b, _CMP_LE_OQ); }
    static mask feq(f32 a, f32 b) { return _mm256_cmp_ps(a, b, _CMP_EQ_OQ); }
    static mask fgt(f32 a, f32 b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
    static mask fge(f32 a, f32 b) { return _mm256_cmp_ps(a, b, _CMP_GE_OQ); }
    static mask fisnan(f32 a) { return _mm256_cmp_ps(a, a, _CMP_UNORD_Q); }

    static f32 fselect(mask m, f32 a, f32 b) { return _mm256_blendv_ps(b, a, m); }
    static u32 uselect(mask m, u32 a, u32 b) {
        return _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(b), _mm256_castsi256_ps(a), m));
    }
    static mask mand(mask a, mask b) { return _mm256_and_ps(a, b); }
    static mask mor(mask a, mask b) { return _mm256_or_ps(a, b); }
    static mask mnot(mask a) { return _mm256_xor_ps(a, as_f32(usplat(0xFFFFFFFFu))); }
    static bool mall(mask a) { return _mm256_movemask_ps(a) == 0xFF; }

    static u32 as_u32(f32 a) { return _mm256_castps_si256(a); }
    static f32 as_f32(u32 a) { return _mm256_castsi256_ps(a); }

    static u32 usplat(uint32_t a) { return _mm256_set1_epi32(static_cast<int>(a)); }
    static u32 uadd(u32 a, u32 b) { return _mm256_add_epi32(a, b); }
    static u32 usub(u32 a, u32 b) { return _mm256_sub_epi32(a, b); }
    static u32 uand(u32 a, u32 b) { return _mm256_and_si256(a, b); }
    static u32 uor(u32 a, u32 b) { return _mm256_or_si256(a, b); }
    static u32 uxor(u32 a, u32 b) { return _mm256_xor_si256(a, b); }
    template <int N>
    static u32 shl(u32 a) { return _mm256_slli_epi32(a, N); }
    template <int N>
    static u32 shr(u32 a) { return _mm256_srli_epi32(a, N); }
    template <int N>
    static u32 sar(u32 a) { return _mm256_srai_epi32(a, N); }
    static mask ueq(u32 a, u32 b) { return _mm256_castsi256_ps(_mm256_cmpeq_epi32(a, b)); }
    // No unsigned compare in AVX2: flipping the sign bits maps unsigned order onto signed order.
    static mask ult(u32 a, u32 b) {
        const u32 s = usplat(0x80000000u);
        return ilt(uxor(a, s), uxor(b, s));
    }
    static mask ilt(u32 a, u32 b) { return _mm256_castsi256_ps(_mm256_cmpgt_epi32(b, a)); }

    static f32 cvt_i32_f32(u32 a) { return _mm256_cvtepi32_ps(a); }
    // No unsigned conversion either: hi16 * 2^16 and lo16 are exact floats, so their sum is the
    // correctly rounded value of w (one rounding), exactly like a direct conversion.
    static f32 cvt_u32_f32(u32 a) {
        const f32 hi = _mm256_cvtepi32_ps(_mm256_srli_epi32(a, 16));
        const f32 lo = _mm256_cvtepi32_ps(_mm256_and_si256(a, usplat(0xFFFFu)));
        return _mm256_add_ps(_mm256_mul_ps(hi, fsplat(65536.0f)), lo);
    }
    static u32 cvt_f32_i32_rn(f32 a) { return _mm256_cvtps_epi32(a); }  // MXCSR: round to nearest

    static f32 fload(const float* p) { return _mm256_loadu_ps(p); }
    static void fstore(float* p, f32 a) { _mm256_storeu_ps(p, a); }
    static u32 uload(const uint32_t* p) { return _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)); }
    static void ustore(uint32_t* p, u32 a) { _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), a); }

    // Even lanes' 64-bit products come from one _mm256_mul_epu32, odd lanes' from a second one on the
    // operands shifted down by 32; the high halves are blended back into lane order.
    static void mulhilo(u32 a, uint32_t m, u32& hi, u32& lo) {
        const u32 mv = usplat(m);
        const u32 even = _mm256_mul_epu32(a, mv);
        const u32 odd = _mm256_mul_epu32(_mm256_srli_epi64(a, 32), mv);
        hi = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
        // The low halves of the same products: cheaper than a separate 32-bit multiply (vpmulld).
        lo = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
    }
    static u32 bxor(u32 a, u32 b) { return uxor(a, b); }
    static u32 splat(uint32_t a) { return usplat(a); }
    static f32 u32_to_f32(u32 a) { return cvt_u32_f32(a); }
};

}  // namespace rk::cpu
