// Builds an ISA's elementwise kernel table (elementwise_kernels.h) from an ISA description I: the lanes interface
// (core/lanes_scalar.h) plus kStreamStores, kStreamAlign, stream_store(float*, f32) and stream_fence() (non-temporal
// stores to kStreamAlign-aligned addresses; kStreamStores false: never called). Included only by elementwise_<isa>.cpp,
// each with its ISA's compiler flags; I must be a type of that file's anonymous namespace, so that no function
// instantiated here is shared with a file compiled for another ISA.
#pragma once

#include "activation_impl.h"
#include "elementwise_kernels.h"
#include "optimizer_impl.h"

namespace rk::cpu {

template <class I>
ElementwiseKernels elementwise_table(const char* name) {
    return ElementwiseKernels{name, ActivationKernels<I>::forward, ActivationKernels<I>::backward,
                              OptimizerKernels<I>::first_nonfinite, OptimizerKernels<I>::sgd,
                              OptimizerKernels<I>::adam};
}

}  // namespace rk::cpu
