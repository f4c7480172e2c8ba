// ARM64 NEON kernels: 4 lanes. This file supplies only what is specific to NEON: 4 Philox blocks per
// step with their transposition into stream order, and the lane shuffles of word pairs; all
// arithmetic comes from the core templates through NeonLanes.
#include <arm_neon.h>

#include <cstring>

#include "kernel_table_impl.h"
#include "lanes_neon.h"

namespace rk::cpu {
namespace {

struct NeonIsa : NeonLanes {
    static constexpr uint32_t kPhiloxBlocks = 4;

    static void gen(uint64_t block_lo, uint64_t block_hi, const uint32_t key[2], uint32x4_t v[4]) {
        const uint32_t iota_values[4] = {0, 1, 2, 3};
        uint32x4_t c0 = vaddq_u32(usplat(static_cast<uint32_t>(block_lo)), vld1q_u32(iota_values));
        uint32x4_t c1 = usplat(static_cast<uint32_t>(block_lo >> 32));
        uint32x4_t c2 = usplat(static_cast<uint32_t>(block_hi));
        uint32x4_t c3 = usplat(static_cast<uint32_t>(block_hi >> 32));
        core::philox4x32_rounds<NeonLanes>(c0, c1, c2, c3, key[0], key[1], core::kPhiloxDefaultRounds);
        // Lane j holds block j: a 4 x 4 transpose puts block q's four words in v[q].
        const uint32x4_t t0 = vtrn1q_u32(c0, c1), t1 = vtrn2q_u32(c0, c1);  // (b0w0 b0w1 b2w0 b2w1), (b1.. b3..)
        const uint32x4_t t2 = vtrn1q_u32(c2, c3), t3 = vtrn2q_u32(c2, c3);
        v[0] = vreinterpretq_u32_u64(vtrn1q_u64(vreinterpretq_u64_u32(t0), vreinterpretq_u64_u32(t2)));
        v[1] = vreinterpretq_u32_u64(vtrn1q_u64(vreinterpretq_u64_u32(t1), vreinterpretq_u64_u32(t3)));
        v[2] = vreinterpretq_u32_u64(vtrn2q_u64(vreinterpretq_u64_u32(t0), vreinterpretq_u64_u32(t2)));
        v[3] = vreinterpretq_u32_u64(vtrn2q_u64(vreinterpretq_u64_u32(t1), vreinterpretq_u64_u32(t3)));
    }

    static void deinterleave(uint32x4_t a, uint32x4_t b, uint32x4_t& even, uint32x4_t& odd) {
        even = vuzp1q_u32(a, b);
        odd = vuzp2q_u32(a, b);
    }

    static void store_interleaved(float* dst, float32x4_t x, float32x4_t y) {
        vst1q_f32(dst, vzip1q_f32(x, y));
        vst1q_f32(dst + 4, vzip2q_f32(x, y));
    }

    static void store_mask_bytes(uint8_t* dst, uint32x4_t m) {
        const uint32x4_t ones = vandq_u32(m, vdupq_n_u32(1));
        const uint16x4_t h = vmovn_u32(ones);
        const uint8x8_t b = vmovn_u16(vcombine_u16(h, h));
        vst1_lane_u32(reinterpret_cast<uint32_t*>(dst), vreinterpret_u32_u8(b), 0);
    }

    // Lane k set iff bit k of `bits` is (higher bits ignored).
    static uint32x4_t mask_from_bits(uint32_t bits) {
        const uint32_t weights[4] = {1, 2, 4, 8};
        return vtstq_u32(vdupq_n_u32(bits), vld1q_u32(weights));
    }
    // Lane k set iff p[k] != 0.
    static uint32x4_t mask_from_bytes(const uint8_t* p) {
        uint32_t four;
        std::memcpy(&four, p, 4);
        const uint8x8_t b = vreinterpret_u8_u32(vdup_n_u32(four));
        const uint32x4_t w = vmovl_u16(vget_low_u16(vmovl_u8(b)));
        return vtstq_u32(w, w);
    }
    static constexpr bool kStreamStores = false;
    static constexpr uintptr_t kStreamAlign = 16;
    static void stream_store(float* p, float32x4_t a) { vst1q_f32(p, a); }
    static void stream_fence() {}

    static uint32_t mask_bits(uint32x4_t m) {
        const uint32_t weights[4] = {1, 2, 4, 8};
        return vaddvq_u32(vandq_u32(m, vld1q_u32(weights)));
    }
};

}  // namespace

const KernelTable& kernels_neon() {
    static const KernelTable table = IsaKernels<NeonIsa>::table("neon");
    return table;
}

}  // namespace rk::cpu
