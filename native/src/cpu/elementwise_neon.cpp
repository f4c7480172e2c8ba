// The elementwise kernels on ARM64 NEON (4 lanes): the lanes of lanes_neon.h; plain stores.
#include <arm_neon.h>

#include "elementwise_table_impl.h"
#include "lanes_neon.h"

namespace rk::cpu {
namespace {

struct NeonElementwise : NeonLanes {
    static constexpr bool kStreamStores = false;
    static constexpr uintptr_t kStreamAlign = 16;
    static void stream_store(float* p, float32x4_t a) { vst1q_f32(p, a); }
    static void stream_fence() {}
};

}  // namespace

const ElementwiseKernels& elementwise_kernels_neon() {
    static const ElementwiseKernels table = elementwise_table<NeonElementwise>("neon");
    return table;
}

}  // namespace rk::cpu
