// BatchNorm2d / LayerNorm kernels, scalar: one lane, 16 scalar lane sums (the portable path; every other ISA matches it bit for bit).
#include "../core/lanes_scalar.h"
#include "norm_impl.h"

namespace rk::cpu {
namespace {

// Local to this file, so that every template instantiated for it keeps this file's ISA flags.
struct NormIsa : core::ScalarLanes {};

}  // namespace

const NormKernels& norm_kernels_scalar() {
    static const NormKernels table = NormRows<NormIsa>::table("scalar");
    return table;
}

}  // namespace rk::cpu
