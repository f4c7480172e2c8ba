// The CPU pooling kernels (docs/training.md section 3): one table per ISA (pool2d_<isa>.cpp instantiates
// pool2d_impl.h), all computing the core's canonical functions (core/pool2d.h). pool2d_op.cpp prepares the tables
// below on the calling thread and splits the units over the context's threads; units are independent outputs.
#pragma once

#include <cstdint>

#include "../backend/ops.h"
#include "reprokit/reprokit.h"

namespace rk::cpu {

struct PoolKernelArgs {
    const backend::PoolArgs* a;
    // Backward: the outputs along the width whose window contains column w are col_list[col_start[w] ..
    // col_start[w + 1]) in ascending order (core::pool_windows_containing); null when the table would be too large,
    // and the kernels enumerate them per element instead.
    const int64_t* col_start;
    const int64_t* col_list;
    // NCHW max-pooling backward whose windows do not overlap: owner[h * W + w] = p * Q + q of the one window that
    // contains (h, w), or -1 (H * W entries); null otherwise. When set, the backward's units are planes.
    const int64_t* owner;
    // Average pooling: the extents of every output row (P entries) and column (Q entries).
    const core::AvgExtent* avg_rows;
    const core::AvgExtent* avg_cols;
    // Global average pooling backward: dy[n][c] / (float)(h * w) for every plane.
    const float* global_grad;
};

// Each kernel computes units [begin, end) of its pass:
//   forward          NCHW: (plane, output row p), plane * P + p (the kernel may number them p * planes + plane);
//                    NHWC: (n, p), n * P + p
//   backward         NCHW: (plane, input row h), plane * H + h, or planes when owner is set;  NHWC: (n, h), n * H + h
//   global_forward   NCHW: planes;  NHWC: (n, block of kGlobalChannelBlock channels), n * blocks + block
//   global_backward  NCHW: planes;  NHWC: images n
struct PoolKernels {
    const char* name;
    void (*forward)(const PoolKernelArgs&, int64_t begin, int64_t end);
    void (*backward)(const PoolKernelArgs&, int64_t begin, int64_t end);
    void (*global_forward)(const PoolKernelArgs&, int64_t begin, int64_t end);
    void (*global_backward)(const PoolKernelArgs&, int64_t begin, int64_t end);
};

constexpr int64_t kGlobalChannelBlock = 64;

const PoolKernels& pool_kernels_scalar();
#if defined(RK_HAVE_X86_KERNELS)
const PoolKernels& pool_kernels_avx2();
const PoolKernels& pool_kernels_avx512();
#endif
#if defined(RK_HAVE_NEON_KERNELS)
const PoolKernels& pool_kernels_neon();
#endif
// The kernels of an ISA (scalar for RK_ISA_SCALAR and for ISAs this build has no kernels for).
const PoolKernels& pool_kernels(rk_isa isa);

}  // namespace rk::cpu
