// BatchNorm2d / LayerNorm kernels, neon: 4 lanes, the 16 lane sums in four registers.
#include "lanes_neon.h"
#include "norm_impl.h"

namespace rk::cpu {
namespace {

// Local to this file, so that every template instantiated for it keeps this file's ISA flags.
struct NormIsa : NeonLanes {};

}  // namespace

const NormKernels& norm_kernels_neon() {
    static const NormKernels table = NormRows<NormIsa>::table("neon");
    return table;
}

}  // namespace rk::cpu
