// Activations on the CPU backend: independent pieces starting at multiples of 64 elements, each through the ISA's
// kernel (activation_impl.h).
#include "cpu_backend.h"
#include "elementwise_kernels.h"

namespace rk::cpu {
namespace {

constexpr uint64_t kMinElementsPerThread = 1u << 15;  // below this, threading costs more than it saves
// An element, for parallel_for's rule on waking threads (thread_pool.h).
constexpr uint64_t kWorkPerElement = kWorkPerMemoryElement;
constexpr uint64_t kPieceAlign = 64;

}  // namespace

int32_t activation(void* impl, const backend::ActivationArgs* args, backend::OpError*) {
    CpuBackend& b = *static_cast<CpuBackend*>(impl);
    const backend::ActivationArgs& a = *args;
    const ElementwiseKernels& k = elementwise_kernels(b.isa);
    parallel_for(b.pool, a.count, kMinElementsPerThread, kPieceAlign, kWorkPerElement, [&](uint64_t begin, uint64_t end) {
        if (a.backward)
            k.activation_backward(a.kind, a.negative_slope, a.x + begin, a.dy + begin, a.out + begin, end - begin, true);
        else
            k.activation_forward(a.kind, a.negative_slope, a.x + begin, a.out + begin, end - begin, true);
    });
    return RK_STATUS_OK;
}

}  // namespace rk::cpu
