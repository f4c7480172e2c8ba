// Canonical sum and cross-entropy kernels, ARM64 NEON: 4 lanes, the 16 lane sums in four registers.
#include "lanes_neon.h"
#include "loss_impl.h"

namespace rk::cpu {
namespace {

// Local to this file, so that every template instantiated for it keeps this file's ISA flags.
struct LossIsa : NeonLanes {};

}  // namespace

const LossKernels& loss_kernels_neon() {
    static const LossKernels table = LossRows<LossIsa>::table("neon");
    return table;
}

}  // namespace rk::cpu
