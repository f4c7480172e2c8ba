// The lane interface of core/lanes_scalar.h on ARM64 NEON: 4 float / uint32 lanes, masks as
// all-ones / all-zero uint32 lanes. Every operation is the correctly rounded IEEE one (AArch64
// Advanced SIMD rounds to nearest with FPCR as CanonicalFpEnv sets it), so each lane computes what
// ScalarLanes computes.
#pragma once

#include <arm_neon.h>

#include <cstdint>

namespace rk::cpu {

struct NeonLanes {
    using f32 = float32x4_t;
    using u32 = uint32x4_t;
    using mask = uint32x4_t;
    using vec = uint32x4_t;
    using fvec = float32x4_t;
    static constexpr int kWidth = 4;

    static f32 fsplat(float a) { return vdupq_n_f32(a); }
    static f32 fadd(f32 a, f32 b) { return vaddq_f32(a, b); }
    static f32 fsub(f32 a, f32 b) { return vsubq_f32(a, b); }
    static f32 fmul(f32 a, f32 b) { return vmulq_f32(a, b); }
    static f32 fdiv(f32 a, f32 b) { return vdivq_f32(a, b); }
    static f32 ffma(f32 a, f32 b, f32 c) { return vfmaq_f32(c, a, b); }  // c + a * b, one rounding
    static f32 fsqrt(f32 a) { return vsqrtq_f32(a); }
    static f32 fabs_(f32 a) { return as_f32(vandq_u32(as_u32(a), usplat(0x7FFFFFFFu))); }
    static f32 fneg(f32 a) { return as_f32(veorq_u32(as_u32(a), usplat(0x80000000u))); }

    static mask flt(f32 a, f32 b) { return vcltq_f32(a, b); }
    static mask fle(f32 a, f32 b) { return vcleq_f32(a, b); }
    static mask feq(f32 a, f32 b) { return vceqq_f32(a, b); }
    static mask fgt(f32 a, f32 b) { return vcgtq_f32(a, b); }
    static mask fge(f32 a, f32 b) { return vcgeq_f32(a, b); }
    static mask fisnan(f32 a) { return vmvnq_u32(vceqq_f32(a, a)); }

    static f32 fselect(mask m, f32 a, f32 b) { return vbslq_f32(m, a, b); }
    static u32 uselect(mask m, u32 a, u32 b) { return vbslq_u32(m, a, b); }
    static mask mand(mask a, mask b) { return vandq_u32(a, b); }
    static mask mor(mask a, mask b) { return vorrq_u32(a, b); }
    static mask mnot(mask a) { return vmvnq_u32(a); }
    static bool mall(mask a) { return vminvq_u32(a) != 0; }

    static u32 as_u32(f32 a) { return vreinterpretq_u32_f32(a); }
    static f32 as_f32(u32 a) { return vreinterpretq_f32_u32(a); }

    static u32 usplat(uint32_t a) { return vdupq_n_u32(a); }
    static u32 uadd(u32 a, u32 b) { return vaddq_u32(a, b); }
    static u32 usub(u32 a, u32 b) { return vsubq_u32(a, b); }
    static u32 uand(u32 a, u32 b) { return vandq_u32(a, b); }
    static u32 uor(u32 a, u32 b) { return vorrq_u32(a, b); }
    static u32 uxor(u32 a, u32 b) { return veorq_u32(a, b); }
    template <int N>
    static u32 shl(u32 a) {
        if constexpr (N == 0) return a; else return vshlq_n_u32(a, N);
    }
    template <int N>
    static u32 shr(u32 a) {
        if constexpr (N == 0) return a; else return vshrq_n_u32(a, N);
    }
    template <int N>
    static u32 sar(u32 a) {
        if constexpr (N == 0) return a;
        else return vreinterpretq_u32_s32(vshrq_n_s32(vreinterpretq_s32_u32(a), N));
    }
    static mask ueq(u32 a, u32 b) { return vceqq_u32(a, b); }
    static mask ult(u32 a, u32 b) { return vcltq_u32(a, b); }
    static mask ilt(u32 a, u32 b) { return vcltq_s32(vreinterpretq_s32_u32(a), vreinterpretq_s32_u32(b)); }

    static f32 cvt_i32_f32(u32 a) { return vcvtq_f32_s32(vreinterpretq_s32_u32(a)); }
    static f32 cvt_u32_f32(u32 a) { return vcvtq_f32_u32(a); }
    static u32 cvt_f32_i32_rn(f32 a) { return vreinterpretq_u32_s32(vcvtnq_s32_f32(a)); }  // ties to even

    static f32 fload(const float* p) { return vld1q_f32(p); }
    static void fstore(float* p, f32 a) { vst1q_f32(p, a); }
    static u32 uload(const uint32_t* p) { return vld1q_u32(p); }
    static void ustore(uint32_t* p, u32 a) { vst1q_u32(p, a); }

    // Names used by the Philox and uniform templates.
    static void mulhilo(u32 a, uint32_t m, u32& hi, u32& lo) {
        const uint32x2_t mv = vdup_n_u32(m);
        const uint64x2_t p_lo = vmull_u32(vget_low_u32(a), mv);   // lanes 0, 1
        const uint64x2_t p_hi = vmull_high_u32(a, vdupq_n_u32(m)); // lanes 2, 3
        hi = vuzp2q_u32(vreinterpretq_u32_u64(p_lo), vreinterpretq_u32_u64(p_hi));
        lo = vuzp1q_u32(vreinterpretq_u32_u64(p_lo), vreinterpretq_u32_u64(p_hi));
    }
    static u32 bxor(u32 a, u32 b) { return uxor(a, b); }
    static u32 splat(uint32_t a) { return usplat(a); }
    static f32 u32_to_f32(u32 a) { return cvt_u32_f32(a); }
};

}  // namespace rk::cpu
