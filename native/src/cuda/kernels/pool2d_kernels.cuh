// Pooling on the device (docs/training.md section 3): one thread per output (forward) or per input element (backward,
// the gather of the definition), each running the core's per-element function (core/pool2d.h) in either layout, so
// overlapping windows need no atomics and the bits are the CPU's. Global average pooling: one block per plane adds it
// with the block canonical sum (reduce_kernels.cuh); its backward is one thread per element.
#pragma once

#include "../../backend/ops.h"
#include "../../core/pool2d.h"
#include "device_compat.cuh"
#include "reduce_kernels.cuh"

namespace rk::cuda {

using backend::PoolArgs;

// Element i of a tensor [n][c][a][b] (NCHW) or [n][a][b][c] (NHWC) as (plane n * C + c, position a * B + b).
__device__ inline void pool_decode(const core::PoolGeometry& g, uint64_t i, int64_t rows, int64_t cols, int64_t& ni,
                                   int64_t& ci, int64_t& r, int64_t& col) {
    const int64_t e = static_cast<int64_t>(i);
    if (g.nhwc) {
        ci = e % g.c;
        const int64_t pos = e / g.c;
        col = pos % cols;
        r = pos / cols % rows;
        ni = pos / cols / rows;
    } else {
        col = e % cols;
        r = e / cols % rows;
        const int64_t plane = e / cols / rows;
        ni = plane / g.c;
        ci = plane % g.c;
    }
}

__global__ void pool_forward_kernel(PoolArgs a) {
    const core::PoolGeometry& g = a.g;
    const uint64_t total = static_cast<uint64_t>(g.y_count());
    for (uint64_t i = global_thread(); i < total; i += grid_threads()) {
        int64_t ni, ci, p, q;
        pool_decode(g, i, g.p, g.q, ni, ci, p, q);
        const float* plane = a.in + g.in_plane_offset(ni, ci);
        if (g.mode == core::PoolMode::kMax) {
            float y;
            int64_t index;
            core::max_pool_at(g, plane, g.elem_stride(), p, q, y, index);
            a.out[i] = y;
            if (a.indices_out) a.indices_out[i] = index;
        } else {
            a.out[i] = core::avg_pool_at(g, plane, g.elem_stride(), p, q);
        }
    }
}

__global__ void pool_backward_kernel(PoolArgs a) {
    const core::PoolGeometry& g = a.g;
    const uint64_t total = static_cast<uint64_t>(g.x_count());
    for (uint64_t i = global_thread(); i < total; i += grid_threads()) {
        int64_t ni, ci, h, w;
        pool_decode(g, i, g.h, g.w, ni, ci, h, w);
        const int64_t o = g.out_plane_offset(ni, ci);
        a.out[i] = g.mode == core::PoolMode::kMax
                       ? core::max_pool_backward_at(g, a.in + o, a.indices_in + o, g.elem_stride(), h, w)
                       : core::avg_pool_backward_at(g, a.in + o, g.elem_stride(), h, w);
    }
}

__global__ void __launch_bounds__(256) global_avg_pool_forward_kernel(PoolArgs a) {
    __shared__ float smem[kReduceSlots + 1];
    const core::PoolGeometry& g = a.g;
    const int64_t cs = g.elem_stride();
    for (int64_t plane = blockIdx.x; plane < g.planes(); plane += gridDim.x) {
        const float* x = a.in + g.in_plane_offset(plane / g.c, plane % g.c);
        const float s = block_canonical_sum(g.plane_in(), [&](int64_t i) { return x[i * cs]; }, smem);
        if (threadIdx.x == 0) a.out[plane] = core::global_avg_from_sum(g, s);
    }
}

__global__ void global_avg_pool_backward_kernel(PoolArgs a) {
    const core::PoolGeometry& g = a.g;
    const uint64_t total = static_cast<uint64_t>(g.x_count());
    for (uint64_t i = global_thread(); i < total; i += grid_threads()) {
        int64_t ni, ci, h, w;
        pool_decode(g, i, g.h, g.w, ni, ci, h, w);
        a.out[i] = core::global_avg_pool_grad(g, a.in[ni * g.c + ci]);
    }
}

inline void launch_pool(const PoolArgs& a, cudaStream_t stream) {
    const core::PoolGeometry& g = a.g;
    if (g.mode == core::PoolMode::kGlobalAvg) {
        if (a.backward) {
            RK_LAUNCH(global_avg_pool_backward_kernel, grid_for(static_cast<uint64_t>(g.x_count())), kBlockThreads, stream)(a);
        } else {
            const int64_t planes = g.planes();
            const unsigned blocks = static_cast<unsigned>(planes < static_cast<int64_t>(kMaxBlocks) ? planes : kMaxBlocks);
            RK_LAUNCH(global_avg_pool_forward_kernel, dim3(blocks), dim3(kReduceThreads), stream)(a);
        }
        return;
    }
    if (a.backward)
        RK_LAUNCH(pool_backward_kernel, grid_for(static_cast<uint64_t>(g.x_count())), kBlockThreads, stream)(a);
    else
        RK_LAUNCH(pool_forward_kernel, grid_for(static_cast<uint64_t>(g.y_count())), kBlockThreads, stream)(a);
}

}  // namespace rk::cuda
