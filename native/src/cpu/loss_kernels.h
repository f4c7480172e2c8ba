// The CPU kernels of the canonical sum and the cross-entropy loss (docs/training.md sections 0 and 5): one table per
// ISA (loss_<isa>.cpp instantiates loss_impl.h), all computing the core's canonical functions. loss_op.cpp splits the
// rows over the context's threads.
#pragma once

#include <cstdint>

#include "../backend/ops.h"
#include "reprokit/reprokit.h"

namespace rk::cpu {

struct LossKernels {
    const char* name;
    // sum(v[0, n)), the canonical sum (core/canonical_sum.h).
    float (*canonical_sum)(const float* v, int64_t n);
    // Forward of rows [begin, end) (targets already validated): row r's loss into row_loss[r] (+0 when ignored).
    void (*forward_rows)(const backend::CrossEntropyArgs& a, int64_t begin, int64_t end, float* row_loss);
    // Backward of rows [begin, end) into a.out: g = a.dloss[r] when per_row, else the call's scale g.
    void (*backward_rows)(const backend::CrossEntropyArgs& a, int64_t begin, int64_t end, bool per_row, float g);
};

const LossKernels& loss_kernels_scalar();
#if defined(RK_HAVE_X86_KERNELS)
const LossKernels& loss_kernels_avx2();
const LossKernels& loss_kernels_avx512();
#endif
#if defined(RK_HAVE_NEON_KERNELS)
const LossKernels& loss_kernels_neon();
#endif
// The kernels of an ISA (scalar for RK_ISA_SCALAR and for ISAs this build has no kernels for).
const LossKernels& loss_kernels(rk_isa isa);

}  // namespace rk::cpu
