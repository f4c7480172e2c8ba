// The CPU kernels of BatchNorm2d and LayerNorm (docs/training.md section 4, core/normalization.h): one table per ISA
// (norm_<isa>.cpp instantiates norm_impl.h). norm_op.cpp splits the work into (group, chunk) units over the threads
// and adds the chunk sums in order, so the bits never depend on the split.
#pragma once

#include <cstdint>

#include "../backend/ops.h"
#include "reprokit/reprokit.h"

namespace rk::cpu {

// Which per-element values a unit sums (all canonical chunk sums over the group's elements j ascending).
enum class NormSum : int32_t {
    kX = 0,          // x
    kCenteredSq = 1, // d·d, d = x − mean
    kBackward = 2,   // the training backward's two terms (core::norm_backward_terms)
};

struct NormKernels {
    const char* name;
    // The chunk sum(s) of `what` over elements [chunk·2048, min(chunk·2048 + 2048, M)) of group g (mean and invstd
    // of the group where `what` needs them) into out[0] (and out[1]).
    void (*chunk_sums)(const backend::NormArgs& a, NormSum what, int64_t g, int64_t chunk, float mean, float invstd,
                       float* out);
    // The elementwise output (y or dx) of elements [j0, j1) of group g, from the group's constants c (their layout:
    // core/normalization.h, kNormConstants), by core::norm_output.
    void (*apply)(const backend::NormArgs& a, int64_t g, int64_t j0, int64_t j1, const float* c);
    // LayerNorm's dγ and dβ partial sums: the chunk of rows [chunk·2048, ...) for columns [col0, col1), each column's
    // chunk sum into dgamma_part[col − col0] and dbeta_part[col − col0].
    void (*ln_column_chunk)(const backend::NormArgs& a, int64_t chunk, int64_t col0, int64_t col1, float* dgamma_part,
                            float* dbeta_part);
};

const NormKernels& norm_kernels_scalar();
#if defined(RK_HAVE_X86_KERNELS)
const NormKernels& norm_kernels_avx2();
const NormKernels& norm_kernels_avx512();
#endif
#if defined(RK_HAVE_NEON_KERNELS)
const NormKernels& norm_kernels_neon();
#endif
// The kernels of an ISA (scalar for RK_ISA_SCALAR and for ISAs this build has no kernels for).
const NormKernels& norm_kernels(rk_isa isa);

}  // namespace rk::cpu
