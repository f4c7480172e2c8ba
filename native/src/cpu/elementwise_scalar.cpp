// The elementwise kernels on the scalar path: the portable reference (every other ISA must match it bit for bit).
#include "elementwise_table_impl.h"

namespace rk::cpu {
namespace {

struct ScalarElementwise : core::ScalarLanes {
    static constexpr bool kStreamStores = false;
    [[maybe_unused]] static constexpr uintptr_t kStreamAlign = sizeof(float);  // unused: kStreamStores is false
    static void stream_store(float* p, float a) { *p = a; }
    static void stream_fence() {}
};

}  // namespace

const ElementwiseKernels& elementwise_kernels_scalar() {
    static const ElementwiseKernels table = elementwise_table<ScalarElementwise>("scalar");
    return table;
}

}  // namespace rk::cpu
