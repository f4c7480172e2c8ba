// Optimizer steps on the device (docs/training.md section 6). The call's tensors are one index space cut into tiles of
// kOptimizerTile elements, each inside one tensor; a block takes tiles in a grid-stride loop, finds its tensor by a
// binary search of the tiles' table and runs the tile's elements through the core's update on one lane, so every
// element gets exactly the CPU's bits whatever the grid. One launch covers any number of tensors.
//
// The state check runs first, as its own launch: each thread stops at its first non-finite state element, and
// atomicMin keeps the smallest key 2 * (index in the call) + state, the first in (tensor, element, state) order
// whatever the schedule; the plugin reads it back before it launches the update.
#pragma once

#include "../../backend/ops.h"
#include "../../core/lanes_scalar.h"
#include "../../core/optimizer.h"
#include "device_compat.cuh"

namespace rk::cuda {

using L1 = core::ScalarLanes;  // one GPU thread = one lane of the core's templates

constexpr uint64_t kOptimizerTile = 4096;  // elements per tile (16 per thread of a 256-thread block)

// A tensor of the call (only those with elements) in device memory.
struct OptimizerDeviceTensor {
    float* param;
    const float* grad;
    float* state0;
    float* state1;
    uint64_t count;
    uint64_t first_tile;     // tiles before this tensor's
    uint64_t first_element;  // elements of the call before this tensor's
};

struct OptimizerDeviceArgs {
    backend::OptimizerKind kind;
    int32_t check_state0, check_state1;
    core::SgdConstants sgd;
    core::AdamConstants adam;
    const OptimizerDeviceTensor* tensors;  // device memory, tensor_count entries
    uint64_t tensor_count;
    uint64_t tiles;                        // ceil(count / kOptimizerTile) summed over the tensors
    unsigned long long* first_bad;         // device memory: the check's result (set to ~0 before it)
};

// The tensor that holds `tile`: the last one whose first_tile is <= tile.
__device__ inline const OptimizerDeviceTensor& tensor_of_tile(const OptimizerDeviceArgs& a, uint64_t tile) {
    uint64_t lo = 0, hi = a.tensor_count;  // tensors[lo].first_tile <= tile < tensors[hi].first_tile
    while (hi - lo > 1) {
        const uint64_t mid = lo + (hi - lo) / 2;
        if (a.tensors[mid].first_tile <= tile)
            lo = mid;
        else
            hi = mid;
    }
    return a.tensors[lo];
}

__device__ inline bool state_finite(float v) { return !core::nonfinite<L1>(v); }

__global__ void optimizer_check_kernel(OptimizerDeviceArgs a) {
    for (uint64_t tile = blockIdx.x; tile < a.tiles; tile += gridDim.x) {
        const OptimizerDeviceTensor& t = tensor_of_tile(a, tile);
        const uint64_t begin = (tile - t.first_tile) * kOptimizerTile;
        const uint64_t end = t.count - begin < kOptimizerTile ? t.count : begin + kOptimizerTile;
        for (uint64_t j = begin + threadIdx.x; j < end; j += blockDim.x) {
            const bool bad0 = a.check_state0 && !state_finite(t.state0[j]);
            const bool bad1 = a.check_state1 && !state_finite(t.state1[j]);
            if (bad0 || bad1) {
                // Later elements of this thread (this tile and its later tiles) have larger keys: it is done.
                atomicMin(a.first_bad, static_cast<unsigned long long>(2 * (t.first_element + j) + (bad0 ? 0 : 1)));
                return;
            }
        }
    }
}

__global__ void optimizer_update_kernel(OptimizerDeviceArgs a) {
    for (uint64_t tile = blockIdx.x; tile < a.tiles; tile += gridDim.x) {
        const OptimizerDeviceTensor& t = tensor_of_tile(a, tile);
        const uint64_t begin = (tile - t.first_tile) * kOptimizerTile;
        const uint64_t end = t.count - begin < kOptimizerTile ? t.count : begin + kOptimizerTile;
        for (uint64_t j = begin + threadIdx.x; j < end; j += blockDim.x) {
            float p = t.param[j];
            if (a.kind == backend::OptimizerKind::kSgd) {
                const bool momentum = a.sgd.has_momentum != 0;
                float b = momentum && !a.sgd.first_step ? t.state0[j] : 0.0f;
                core::sgd_update<L1>(a.sgd, p, t.grad[j], b);
                if (momentum) t.state0[j] = b;
            } else {
                float m = t.state0[j], v = t.state1[j];
                core::adam_update<L1>(a.adam, p, t.grad[j], m, v);
                t.state0[j] = m;
                t.state1[j] = v;
            }
            t.param[j] = p;
        }
    }
}

inline dim3 optimizer_grid(uint64_t tiles) {
    return dim3(static_cast<unsigned>(tiles < kMaxBlocks ? (tiles < 1 ? 1 : tiles) : kMaxBlocks));
}

inline void launch_optimizer_check(const OptimizerDeviceArgs& a, cudaStream_t stream) {
    if (a.tiles == 0) return;
    RK_LAUNCH(optimizer_check_kernel, optimizer_grid(a.tiles), kBlockThreads, stream)(a);
}

inline void launch_optimizer_update(const OptimizerDeviceArgs& a, cudaStream_t stream) {
    if (a.tiles == 0) return;
    RK_LAUNCH(optimizer_update_kernel, optimizer_grid(a.tiles), kBlockThreads, stream)(a);
}

// The host side of a call: the table of its tensors with elements (table and index hold tensor_count entries; index
// maps an entry back to the call's tensor); returns the entries, *tiles the call's tile count.
inline uint64_t optimizer_table(const backend::OptimizerArgs& a, OptimizerDeviceTensor* table, uint64_t* index,
                                uint64_t* tiles_out) {
    uint64_t n = 0, tiles = 0, elements = 0;
    for (uint64_t i = 0; i < a.tensor_count; ++i) {
        const backend::OptimizerTensor& t = a.tensors[i];
        if (t.count == 0) continue;
        table[n] = OptimizerDeviceTensor{t.param, t.grad, t.state0, t.state1, t.count, tiles, elements};
        index[n++] = i;
        tiles += (t.count + kOptimizerTile - 1) / kOptimizerTile;
        elements += t.count;
    }
    *tiles_out = tiles;
    return n;
}

}  // namespace rk::cuda
