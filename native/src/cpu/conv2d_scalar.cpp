// Conv2d kernels, scalar: one lane (the portable path; every other ISA matches it bit for bit).
#include "../core/lanes_scalar.h"
#include "conv2d_impl.h"

namespace rk::cpu {
namespace {

struct ScalarConvIsa : core::ScalarLanes {
    static constexpr int kGemmMR = 4, kGemmNV = 4, kRowMR = 4, kRowNV = 4, kCplxMR = 2, kCplxNV = 2;
    static float load_range(const float* p, int lo, int hi) { return (lo <= 0 && 0 < hi) ? p[0] : 0.0f; }
    static void store_n(float* p, float v, int n) {
        if (n > 0) *p = v;
    }
    static bool range_mask(int lo, int hi) { return lo <= 0 && 0 < hi; }
    static bool bits_mask(uint32_t bits) { return (bits & 1u) != 0; }
    static float fma_masked(bool m, float a, float b, float c) { return m ? ffma(a, b, c) : c; }
    static void transpose(const float* src, int64_t, float* dst, int64_t) { *dst = *src; }
};

}  // namespace

const ConvKernels& conv_kernels_scalar() {
    static const ConvKernels table = make_conv_kernels<ScalarConvIsa>("scalar");
    return table;
}

}  // namespace rk::cpu
