// Pooling kernels, scalar: one lane (the portable path; every other ISA matches it bit for bit).
#include "../core/lanes_scalar.h"
#include "pool2d_impl.h"

namespace rk::cpu {
namespace {

struct ScalarPoolIsa : core::ScalarLanes {
    static float load_strided(const float* p, int64_t) { return *p; }
    static void store_index64(int64_t* dst, uint32_t v) { *dst = static_cast<int64_t>(v); }
    static bool eq_index64(const int64_t* p, int64_t target) { return *p == target; }
};

}  // namespace

const PoolKernels& pool_kernels_scalar() {
    static const PoolKernels table = PoolRows<ScalarPoolIsa>::table("scalar");
    return table;
}

}  // namespace rk::cpu
