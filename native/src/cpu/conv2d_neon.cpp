// Conv2d kernels, ARM64 NEON: 4 lanes. Only the ISA description lives here (tile shapes, partial loads and stores,
// masks, the 4 x 4 transpose); every kernel comes from conv2d_impl.h and all arithmetic goes through NeonLanes, whose
// ffma is vfmaq_f32 (one rounding) and whose fmul / fadd are separate vmulq_f32 / vaddq_f32 (not contracted:
// -ffp-contract=off), so each lane runs the scalar path's operation sequence.
#include <arm_neon.h>

#include <algorithm>

#include "conv2d_impl.h"
#include "lanes_neon.h"

namespace rk::cpu {
namespace {

struct NeonConvIsa : NeonLanes {
    // 32 vector registers: GEMM 6 x 4 = 24 accumulators + 4 B vectors + 1 broadcast; row path 4 x 4 + 4 + 1; complex
    // products 2 x 4 x 2 accumulators + 2 x 4 B vectors + 2 broadcasts.
    static constexpr int kGemmMR = 6, kGemmNV = 4, kRowMR = 4, kRowNV = 4, kCplxMR = 2, kCplxNV = 4;

    static uint32x4_t lanes_in(int lo, int hi) {
        const int32_t idx_values[4] = {0, 1, 2, 3};
        const int32x4_t idx = vld1q_s32(idx_values);
        return vandq_u32(vcgeq_s32(idx, vdupq_n_s32(lo)), vcltq_s32(idx, vdupq_n_s32(hi)));
    }
    // No masked loads or stores in NEON: lanes are moved one by one, so memory outside [lo, hi) is never touched.
    static float32x4_t load_range(const float* p, int lo, int hi) {
        float tmp[4] = {0.0f, 0.0f, 0.0f, 0.0f};
        for (int l = std::max(lo, 0); l < std::min(hi, 4); ++l) tmp[l] = p[l];
        return vld1q_f32(tmp);
    }
    static void store_n(float* p, float32x4_t v, int n) {
        if (n >= 4) {
            vst1q_f32(p, v);
            return;
        }
        if (n >= 2) vst1_f32(p, vget_low_f32(v));
        if (n == 1) vst1q_lane_f32(p, v, 0);
        if (n == 3) vst1q_lane_f32(p + 2, v, 2);
    }
    static uint32x4_t range_mask(int lo, int hi) { return lanes_in(lo, hi); }
    static uint32x4_t bits_mask(uint32_t bits) {
        const uint32_t bit_values[4] = {1, 2, 4, 8};
        return vtstq_u32(vdupq_n_u32(bits), vld1q_u32(bit_values));
    }
    static float32x4_t fma_masked(uint32x4_t m, float32x4_t a, float32x4_t b, float32x4_t c) {
        return vbslq_f32(m, vfmaq_f32(c, a, b), c);
    }
    // dst[j * ldd + i] = src[i * lds + j] for i, j < 4.
    static void transpose(const float* src, int64_t lds, float* dst, int64_t ldd) {
        const float32x4_t r0 = vld1q_f32(src), r1 = vld1q_f32(src + lds);
        const float32x4_t r2 = vld1q_f32(src + 2 * lds), r3 = vld1q_f32(src + 3 * lds);
        // t0 = (r0[0] r1[0] r0[2] r1[2]), t1 = (r0[1] r1[1] r0[3] r1[3]); t2, t3 likewise for rows 2, 3. The 64-bit
        // halves are then paired as integers (a permutation: no value passes through a float operation).
        const uint64x2_t t0 = vreinterpretq_u64_f32(vtrn1q_f32(r0, r1)), t1 = vreinterpretq_u64_f32(vtrn2q_f32(r0, r1));
        const uint64x2_t t2 = vreinterpretq_u64_f32(vtrn1q_f32(r2, r3)), t3 = vreinterpretq_u64_f32(vtrn2q_f32(r2, r3));
        vst1q_f32(dst, vreinterpretq_f32_u64(vtrn1q_u64(t0, t2)));
        vst1q_f32(dst + ldd, vreinterpretq_f32_u64(vtrn1q_u64(t1, t3)));
        vst1q_f32(dst + 2 * ldd, vreinterpretq_f32_u64(vtrn2q_u64(t0, t2)));
        vst1q_f32(dst + 3 * ldd, vreinterpretq_f32_u64(vtrn2q_u64(t1, t3)));
    }
};

}  // namespace

const ConvKernels& conv_kernels_neon() {
    static const ConvKernels table = make_conv_kernels<NeonConvIsa>("neon");
    return table;
}

}  // namespace rk::cpu
