// Pooling kernels, ARM64 NEON: 4 lanes.
#include <arm_neon.h>

#include "lanes_neon.h"
#include "pool2d_impl.h"

namespace rk::cpu {
namespace {

struct NeonPoolIsa : NeonLanes {
    // Stride 1: one load; stride 2: p[0..3] and p[3..6] (p[4], p[6] rotated to the front), unzipped (no float beyond
    // p[6] is read); others: lane by lane.
    static float32x4_t load_strided(const float* p, int64_t s) {
        if (s == 1) return vld1q_f32(p);
        if (s == 2) {
            const float32x4_t b = vld1q_f32(p + 3);
            return vuzp1q_f32(vld1q_f32(p), vextq_f32(b, b, 1));
        }
        const float v[4] = {p[0], p[s], p[2 * s], p[3 * s]};
        return vld1q_f32(v);
    }
    static void store_index64(int64_t* dst, uint32x4_t v) {
        vst1q_s64(dst, vreinterpretq_s64_u64(vmovl_u32(vget_low_u32(v))));
        vst1q_s64(dst + 2, vreinterpretq_s64_u64(vmovl_high_u32(v)));
    }
    static uint32x4_t eq_index64(const int64_t* p, int64_t target) {
        const int64x2_t t = vdupq_n_s64(target);
        const uint64x2_t a = vceqq_s64(vld1q_s64(p), t), b = vceqq_s64(vld1q_s64(p + 2), t);
        return vcombine_u32(vmovn_u64(a), vmovn_u64(b));
    }
};

}  // namespace

const PoolKernels& pool_kernels_neon() {
    static const PoolKernels table = PoolRows<NeonPoolIsa>::table("neon");
    return table;
}

}  // namespace rk::cpu
