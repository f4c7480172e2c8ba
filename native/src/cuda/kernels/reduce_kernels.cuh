// The canonical sum on the device (docs/training.md section 0, core/canonical_sum.h), for one block of
// kReduceThreads = 256 threads: thread t is lane t % 16 of chunk slot t / 16, so a block works on 16 chunks of 2048
// elements at a time. Each thread adds its lane's elements in ascending order from +0 (the core's lane chain); the 16
// lanes of a chunk, which are 16 consecutive threads of one warp, are combined by xor shuffles over 8, 4, 2 and 1
// lanes: lane l < 8 gets p[l] + p[l + 8], then lane l < 4 t[l] + t[l + 4], ... -- the core's tree, addition being
// commutative bit for bit; thread 0 then adds the chunk sums in chunk order. No atomic and no order that depends on
// scheduling, so the bits are the CPU's whatever the launch.
#pragma once

#include "../../core/canonical_sum.h"
#include "../../core/lanes_scalar.h"
#include "device_compat.cuh"

namespace rk::cuda {

constexpr unsigned kReduceThreads = 256;  // 16 chunk slots x 16 lanes
constexpr unsigned kReduceSlots = kReduceThreads / core::kSumLanes;

// sum(get(0), ..., get(n - 1)) by the block (every thread must call it; blockDim.x == kReduceThreads). The result is
// returned to every thread. `smem` holds kReduceSlots + 1 floats.
template <class Get>
__device__ float block_canonical_sum(int64_t n, Get get, float* smem) {
    using S = core::ScalarLanes;
    const unsigned lane = threadIdx.x % core::kSumLanes, slot = threadIdx.x / core::kSumLanes;
    core::SumTotal total;
    for (int64_t base = 0; base < n; base += int64_t{kReduceSlots} * core::kSumChunk) {
        const int64_t c = base + int64_t{slot} * core::kSumChunk;
        const int64_t m = c < n ? (n - c < core::kSumChunk ? n - c : core::kSumChunk) : 0;
        float p = 0.0f;
        for (int64_t i = lane; i < m; i += core::kSumLanes) p = S::fadd(p, get(c + i));
        p = S::fadd(p, __shfl_xor_sync(0xFFFFFFFFu, p, 8));
        p = S::fadd(p, __shfl_xor_sync(0xFFFFFFFFu, p, 4));
        p = S::fadd(p, __shfl_xor_sync(0xFFFFFFFFu, p, 2));
        p = S::fadd(p, __shfl_xor_sync(0xFFFFFFFFu, p, 1));
        if (lane == 0) smem[slot] = p;
        __syncthreads();
        if (threadIdx.x == 0)
            for (unsigned k = 0; k < kReduceSlots && base + int64_t{k} * core::kSumChunk < n; ++k) total.add(smem[k]);
        __syncthreads();
    }
    if (threadIdx.x == 0) smem[kReduceSlots] = total.total;
    __syncthreads();
    const float result = smem[kReduceSlots];
    __syncthreads();  // smem may be reused after this
    return result;
}

}  // namespace rk::cuda
