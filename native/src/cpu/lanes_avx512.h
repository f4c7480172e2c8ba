// The lane interface of native/src/core/lanes_scalar.h on 16 AVX-512 lanes. Include only from files
// compiled with -mavx512f -mavx512dq -mavx512bw -mavx512vl -mfma. Masks are __mmask16.
#pragma once

#include <immintrin.h>

#include <cstdint>

namespace rk::cpu {

struct Avx512Lanes {
    using f32 = __m512;
    using u32 = __m512i;
    using mask = __mmask16;
    using vec = __m512i;
    using fvec = __m512;
    static constexpr int kWidth = 16;

    static f32 fsplat(float a) { return _mm512_set1_ps(a); }
    static f32 fadd(f32 a, f32 b) { return _mm512_add_ps(a, b); }
    static f32 fsub(f32 a, f32 b) { return _mm512_sub_ps(a, b); }
    static f32 fmul(f32 a, f32 b) { return _mm512_mul_ps(a, b); }
    static f32 fdiv(f32 a, f32 b) { return _mm512_div_ps(a, b); }
    static f32 ffma(f32 a, f32 b, f32 c) { return _mm512_fmadd_ps(a, b, c); }
    static f32 fsqrt(f32 a) { return _mm512_sqrt_ps(a); }
    static f32 fabs_(f32 a) { return as_f32(_mm512_and_si512(as_u32(a), usplat(0x7FFFFFFFu))); }
    static f32 fneg(f32 a) { return as_f32(_mm512_xor_si512(as_u32(a), usplat(0x80000000u))); }

    // Ordered, non-signalling predicates: false on NaN, like the scalar operators.
    static mask flt(f32 a, f32 b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
    static mask fle(f32 a, f32 b) { return _mm512_cmp_ps_mask(a, b, _CMP_LE_OQ); }
    static mask feq(f32 a, f32 b) { return _mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ); }
    static mask fgt(f32 a, f32 b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
    static mask fge(f32 a, f32 b) { return _mm512_cmp_ps_mask(a, b, _CMP_GE_OQ); }
    static mask fisnan(f32 a) { return _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q); }

    static f32 fselect(mask m, f32 a, f32 b) { return _mm512_mask_blend_ps(m, b, a); }
    static u32 uselect(mask m, u32 a, u32 b) { return _mm512_mask_blend_epi32(m, b, a); }
    static mask mand(mask a, mask b) { return static_cast<mask>(a & b); }
    static mask mor(mask a, mask b) { return static_cast<mask>(a | b); }
    static mask mnot(mask a) { return static_cast<mask>(~a); }
    static bool mall(mask a) { return a == 0xFFFF; }

    static u32 as_u32(f32 a) { return _mm512_castps_si512(a); }
    static f32 as_f32(u32 a) { return _mm512_castsi512_ps(a); }

    static u32 usplat(uint32_t a) { return _mm512_set1_epi32(static_cast<int>(a)); }
    static u32 uadd(u32 a, u32 b) { return _mm512_add_epi32(a, b); }
    static u32 usub(u32 a, u32 b) { return _mm512_sub_epi32(a, b); }
    static u32 uand(u32 a, u32 b) { return _mm512_and_si512(a, b); }
    static u32 uor(u32 a, u32 b) { return _mm512_or_si512(a, b); }
    static u32 uxor(u32 a, u32 b) { return _mm512_xor_si512(a, b); }
    template <int N>
    static u32 shl(u32 a) { return _mm512_slli_epi32(a, N); }
    template <int N>
    static u32 shr(u32 a) { return _mm512_srli_epi32(a, N); }
    template <int N>
    static u32 sar(u32 a) { return _mm512_srai_epi32(a, N); }
    static mask ueq(u32 a, u32 b) { return _mm512_cmpeq_epi32_mask(a, b); }
    static mask ult(u32 a, u32 b) { return _mm512_cmplt_epu32_mask(a, b); }
    static mask ilt(u32 a, u32 b) { return _mm512_cmplt_epi32_mask(a, b); }

    static f32 cvt_i32_f32(u32 a) { return _mm512_cvtepi32_ps(a); }
    static f32 cvt_u32_f32(u32 a) { return _mm512_cvtepu32_ps(a); }
    static u32 cvt_f32_i32_rn(f32 a) { return _mm512_cvtps_epi32(a); }  // MXCSR: round to nearest

    static f32 fload(const float* p) { return _mm512_loadu_ps(p); }
    static void fstore(float* p, f32 a) { _mm512_storeu_ps(p, a); }
    static u32 uload(const uint32_t* p) { return _mm512_loadu_si512(p); }
    static void ustore(uint32_t* p, u32 a) { _mm512_storeu_si512(p, a); }

    // Even lanes' 64-bit products come from one _mm512_mul_epu32, odd lanes' from a second one on the
    // operands shifted down by 32; the high halves are blended back into lane order.
    static void mulhilo(u32 a, uint32_t m, u32& hi, u32& lo) {
        const u32 mv = usplat(m);
        const u32 even = _mm512_mul_epu32(a, mv);
        const u32 odd = _mm512_mul_epu32(_mm512_srli_epi64(a, 32), mv);
        hi = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(even, 32), odd);
        // The low halves of the same products: cheaper than a separate 32-bit multiply (vpmulld).
        lo = _mm512_mask_blend_epi32(0xAAAA, even, _mm512_slli_epi64(odd, 32));
    }
    static u32 bxor(u32 a, u32 b) { return uxor(a, b); }
    static u32 splat(uint32_t a) { return usplat(a); }
    static f32 u32_to_f32(u32 a) { return cvt_u32_f32(a); }
};

}  // namespace rk::cpu
