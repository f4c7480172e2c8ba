// Canonical sum and cross-entropy kernels, scalar: one lane, 16 scalar lane sums (the portable path; every other ISA matches it bit for bit).
#include "../core/lanes_scalar.h"
#include "loss_impl.h"

namespace rk::cpu {
namespace {

// Local to this file, so that every template instantiated for it keeps this file's ISA flags.
struct LossIsa : core::ScalarLanes {};

}  // namespace

const LossKernels& loss_kernels_scalar() {
    static const LossKernels table = LossRows<LossIsa>::table("scalar");
    return table;
}

}  // namespace rk::cpu
