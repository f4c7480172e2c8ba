// Cross-entropy on the device (docs/training.md section 5): a target check (the first bad row and the count of rows
// not ignored, by integer atomics: exact in any order), then one block of 256 threads per row: the maximum (a block
// max, exact in any order; core::cross_entropy_max), the canonical sums of exp(x - m) and, with label smoothing, of x
// (block_canonical_sum), the core's loss or gradient. The reductions sum and mean add the row losses with one more
// block canonical sum. Every float operation is the core's, so the bits are the CPU's.
#pragma once

#include "../../backend/ops.h"
#include "../../core/cross_entropy.h"
#include "../../core/lanes_scalar.h"
#include "device_compat.cuh"
#include "reduce_kernels.cuh"

namespace rk::cuda {

// status[0]: the first bad row (kNoBadRow when none), status[1]: rows not ignored. Both start as the launcher sets them.
constexpr long long kNoBadRow = 0x7FFFFFFFFFFFFFFFll;

struct CrossEntropyDeviceArgs {
    backend::CrossEntropyArgs a;
    long long* status;  // device: 2 entries
    float* row_loss;    // device scratch, batch entries (forward with reduction sum or mean)
    int64_t count;      // rows not ignored (known before the rows run)
};

__global__ void cross_entropy_check_kernel(CrossEntropyDeviceArgs d) {
    const backend::CrossEntropyArgs& a = d.a;
    long long bad = kNoBadRow;
    unsigned long long counted = 0;
    for (uint64_t r = global_thread(); r < static_cast<uint64_t>(a.batch); r += grid_threads()) {
        const int64_t t = a.targets[r];
        if (!core::cross_entropy_target_ok(t, a.classes, a.ignore_index)) {
            bad = static_cast<long long>(r);  // r ascends per thread: its first bad row
            break;
        }
        counted += t != a.ignore_index ? 1 : 0;
    }
    if (bad != kNoBadRow) atomicMin(&d.status[0], bad);
    if (counted != 0) atomicAdd(reinterpret_cast<unsigned long long*>(&d.status[1]), counted);
}

// The row's maximum m (every thread gets it): per thread, then per warp by xor shuffles, then over the warps; max is
// exact in any order (core::cross_entropy_max makes a zero maximum +0). `smem` holds kReduceSlots + 1 >= 2 * 8 floats.
__device__ inline float cross_entropy_block_max(const float* x, int64_t classes, float* smem) {
    using S = core::ScalarLanes;
    float largest = S::as_f32(0xFF800000u);
    bool nan = false;
    for (int64_t i = threadIdx.x; i < classes; i += blockDim.x) core::cross_entropy_max_step<S>(x[i], largest, nan);
    int any = nan ? 1 : 0;
    for (int dist = 16; dist > 0; dist /= 2) {
        const float other = __shfl_xor_sync(0xFFFFFFFFu, largest, dist);
        largest = other > largest ? other : largest;
        any |= __shfl_xor_sync(0xFFFFFFFFu, any, dist);
    }
    const unsigned warps = blockDim.x / 32;
    if (threadIdx.x % 32 == 0) {
        smem[threadIdx.x / 32] = largest;
        smem[warps + threadIdx.x / 32] = any != 0 ? 1.0f : 0.0f;
    }
    __syncthreads();
    float m = smem[0];
    bool any_nan = smem[warps] != 0.0f;
    for (int64_t w = 1; w < static_cast<int64_t>(warps); ++w) {
        m = smem[w] > m ? smem[w] : m;
        any_nan = any_nan || smem[warps + w] != 0.0f;
    }
    __syncthreads();  // smem is reused next
    return core::cross_entropy_max(m, any_nan);
}

__global__ void __launch_bounds__(256) cross_entropy_forward_kernel(CrossEntropyDeviceArgs d) {
    __shared__ float smem[kReduceSlots + 1];
    const backend::CrossEntropyArgs& a = d.a;
    const bool none = a.reduction == backend::LossReduction::kNone;
    for (int64_t row = blockIdx.x; row < a.batch; row += gridDim.x) {
        const int64_t t = a.targets[row];
        float* dst = none ? a.out + row : d.row_loss + row;
        if (t == a.ignore_index) {
            if (threadIdx.x == 0) *dst = 0.0f;
            continue;
        }
        const float* x = a.logits + row * a.classes;
        const float m = cross_entropy_block_max(x, a.classes, smem);
        const float s = block_canonical_sum(
            a.classes, [&](int64_t i) { return core::cross_entropy_exp<core::ScalarLanes>(x[i], m); }, smem);
        const float sum_x = a.constants.eps > 0.0f ? block_canonical_sum(a.classes, [&](int64_t i) { return x[i]; }, smem) : 0.0f;
        if (threadIdx.x == 0) *dst = core::cross_entropy_loss(core::cross_entropy_lse(m, s), x[t], sum_x, a.constants);
    }
}

// Reductions sum and mean: one block adds the row losses (canonical sum) and writes loss[0]. Written as a grid-stride
// loop over its single job, so that any grid covers it (blocks past the first have nothing to do).
__global__ void __launch_bounds__(256) cross_entropy_reduce_kernel(CrossEntropyDeviceArgs d) {
    __shared__ float smem[kReduceSlots + 1];
    const backend::CrossEntropyArgs& a = d.a;
    for (int64_t job = blockIdx.x; job < 1; job += gridDim.x) {
        const float total = block_canonical_sum(a.batch, [&](int64_t i) { return d.row_loss[i]; }, smem);
        if (threadIdx.x == 0)
            a.out[0] = a.reduction == backend::LossReduction::kMean ? core::cross_entropy_mean(total, d.count) : total;
    }
}

__global__ void __launch_bounds__(256) cross_entropy_backward_kernel(CrossEntropyDeviceArgs d) {
    __shared__ float smem[kReduceSlots + 1];
    const backend::CrossEntropyArgs& a = d.a;
    const bool none = a.reduction == backend::LossReduction::kNone;
    const float g_all = none ? 0.0f : core::cross_entropy_scale(a.dloss[0], a.reduction == backend::LossReduction::kMean, d.count);
    for (int64_t row = blockIdx.x; row < a.batch; row += gridDim.x) {
        const int64_t t = a.targets[row];
        float* dx = a.out + row * a.classes;
        if (t == a.ignore_index) {
            for (int64_t i = threadIdx.x; i < a.classes; i += blockDim.x) dx[i] = 0.0f;
            continue;
        }
        const float* x = a.logits + row * a.classes;
        const float g = none ? a.dloss[row] : g_all;
        const float m = cross_entropy_block_max(x, a.classes, smem);
        const float s = block_canonical_sum(
            a.classes, [&](int64_t i) { return core::cross_entropy_exp<core::ScalarLanes>(x[i], m); }, smem);
        for (int64_t i = threadIdx.x; i < a.classes; i += blockDim.x) {
            const float e = core::cross_entropy_exp<core::ScalarLanes>(x[i], m);
            dx[i] = i == t ? core::cross_entropy_grad_target(e, s, a.constants, g)
                           : core::cross_entropy_grad<core::ScalarLanes>(e, s, a.constants.eps_over_c, g);
        }
    }
}

inline unsigned cross_entropy_blocks(int64_t batch) {
    return static_cast<unsigned>(batch < static_cast<int64_t>(kMaxBlocks) ? (batch < 1 ? 1 : batch) : kMaxBlocks);
}

// The target check; the caller has set status[0] = kNoBadRow and status[1] = 0.
inline void launch_cross_entropy_check(const CrossEntropyDeviceArgs& d, cudaStream_t stream) {
    if (d.a.batch == 0) return;
    RK_LAUNCH(cross_entropy_check_kernel, grid_for(static_cast<uint64_t>(d.a.batch)), kBlockThreads, stream)(d);
}

// The rows (and the reduction), after a check that found no bad target; d.count is the check's count.
inline void launch_cross_entropy(const CrossEntropyDeviceArgs& d, cudaStream_t stream) {
    if (d.a.backward) {
        if (d.a.batch > 0)
            RK_LAUNCH(cross_entropy_backward_kernel, dim3(cross_entropy_blocks(d.a.batch)), dim3(kReduceThreads), stream)(d);
        return;
    }
    if (d.a.batch > 0)
        RK_LAUNCH(cross_entropy_forward_kernel, dim3(cross_entropy_blocks(d.a.batch)), dim3(kReduceThreads), stream)(d);
    if (d.a.reduction != backend::LossReduction::kNone)
        RK_LAUNCH(cross_entropy_reduce_kernel, dim3(1), dim3(kReduceThreads), stream)(d);
}

}  // namespace rk::cuda
