// BatchNorm2d / LayerNorm kernels (docs/training.md section 4; the arithmetic is core/normalization.h's). One block
// per group (grid-stride over groups): the block computes the group's canonical sums — 16 chunks at a time, thread t
// summing lane t % 16 of chunk t / 16 in ascending order, thread 0 adding each chunk's lane tree and the chunk sums
// in chunk order — then every thread writes outputs from the group's constants. LayerNorm's dγ / dβ are column sums
// over the rows: one thread per column, lanes and chunks as the canonical sum defines them.
#pragma once

#include "../../backend/ops.h"
#include "../../core/canonical_sum.h"
#include "../../core/normalization.h"
#include "device_compat.cuh"

namespace rk::cuda {

using backend::NormArgs;

constexpr unsigned kNormThreads = 256;
constexpr int kNormChunksAtOnce = kNormThreads / core::kSumLanes;  // 16

// The canonical sums over j in [0, m) of the kWidth values value(j, v) writes; every thread receives the totals.
template <int kWidth, class Value>
__device__ void norm_block_sums(int64_t m, Value value, float* out) {
    __shared__ float lanes[kWidth][kNormThreads];
    __shared__ float totals[kWidth];
    const int t = static_cast<int>(threadIdx.x);
    core::SumTotal total[kWidth];
    for (int64_t base = 0; base < m; base += kNormChunksAtOnce * core::kSumChunk) {
        float p[kWidth];
        for (int w = 0; w < kWidth; ++w) p[w] = 0.0f;
        const int64_t start = base + (t / core::kSumLanes) * core::kSumChunk;
        const int64_t end = m - start < core::kSumChunk ? m : start + core::kSumChunk;
        for (int64_t j = start + t % core::kSumLanes; j < end; j += core::kSumLanes) {
            float v[kWidth];
            value(j, v);
            for (int w = 0; w < kWidth; ++w) p[w] = core::ScalarLanes::fadd(p[w], v[w]);
        }
        for (int w = 0; w < kWidth; ++w) lanes[w][t] = p[w];
        __syncthreads();
        if (t == 0)
            for (int c = 0; c < kNormChunksAtOnce && base + c * core::kSumChunk < m; ++c)
                for (int w = 0; w < kWidth; ++w) total[w].add(core::sum_lanes_tree(&lanes[w][c * core::kSumLanes]));
        __syncthreads();
    }
    if (t == 0)
        for (int w = 0; w < kWidth; ++w) totals[w] = total[w].total;
    __syncthreads();
    for (int w = 0; w < kWidth; ++w) out[w] = totals[w];
    __syncthreads();
}

__global__ void __launch_bounds__(kNormThreads) norm_groups_kernel(NormArgs a) {
    const int64_t m = a.g.group_size();
    const bool bn = a.g.kind == core::NormKind::kBatchNorm2d;
    for (int64_t g = blockIdx.x; g < a.g.groups; g += gridDim.x) {
        float c[core::kNormConstants] = {};
        if (a.pass == core::NormPass::kForwardTraining) {
            float s;
            norm_block_sums<1>(m, [&](int64_t j, float* v) { v[0] = a.x[a.g.offset(g, j)]; }, &s);
            const float mean = core::norm_mean(s, m);
            norm_block_sums<1>(m, [&](int64_t j, float* v) {
                v[0] = core::norm_square(core::norm_centered(a.x[a.g.offset(g, j)], mean));
            }, &s);
            const float invstd = core::norm_invstd(s, m, a.eps);
            if (threadIdx.x == 0) {
                a.mean[g] = mean;
                a.invstd[g] = invstd;
                if (a.running_mean) core::norm_running_update(a.momentum, mean, s, m, a.running_mean[g], a.running_var[g]);
            }
            core::norm_forward_constants(a.g, g, mean, invstd, a.gamma, c);
        } else if (a.pass == core::NormPass::kBackwardTraining) {
            const float mean = a.mean[g], invstd = a.invstd[g];
            float s[2];
            norm_block_sums<2>(m, [&](int64_t j, float* v) {
                const int64_t off = a.g.offset(g, j);
                core::norm_backward_terms(a.g.kind, j, a.x[off], a.dy[off], a.gamma, mean, invstd, v);
            }, s);
            core::norm_backward_constants(a.g, g, mean, invstd, s[0], s[1], a.gamma, c);
            if (bn && threadIdx.x == 0) {
                if (a.dbeta) a.dbeta[g] = s[0];
                if (a.dgamma) a.dgamma[g] = s[1];
            }
        } else {
            core::bn_eval_constants(g, a.running_mean[g], a.running_var[g], a.eps, a.gamma, c);
        }
        for (int64_t j = threadIdx.x; j < m; j += blockDim.x) {
            const int64_t off = a.g.offset(g, j);
            a.out[off] = core::norm_output(a.pass, a.g.kind, g, j, a.x ? a.x[off] : 0.0f, a.dy ? a.dy[off] : 0.0f,
                                           a.gamma, a.beta, c);
        }
    }
}

// LayerNorm dγ[i], dβ[i]: column i's canonical sums over the rows.
__global__ void __launch_bounds__(kBlockThreads) ln_affine_kernel(NormArgs a) {
    const int64_t rows = a.g.groups, d = a.g.inner;
    for (uint64_t i = global_thread(); i < static_cast<uint64_t>(d); i += grid_threads()) {
        core::SumTotal tg, tb;
        for (int64_t r0 = 0; r0 < rows; r0 += core::kSumChunk) {
            float pg[core::kSumLanes] = {}, pb[core::kSumLanes] = {};
            const int64_t r1 = rows - r0 < core::kSumChunk ? rows : r0 + core::kSumChunk;
            for (int64_t r = r0; r < r1; ++r) {
                const int l = static_cast<int>((r - r0) % core::kSumLanes);
                const float dy = a.dy[r * d + i];
                pg[l] = core::ScalarLanes::fadd(pg[l], core::times_xhat(dy, a.x[r * d + i], a.mean[r], a.invstd[r]));
                pb[l] = core::ScalarLanes::fadd(pb[l], dy);
            }
            tg.add(core::sum_lanes_tree(pg));
            tb.add(core::sum_lanes_tree(pb));
        }
        if (a.dgamma) a.dgamma[i] = tg.total;
        if (a.dbeta) a.dbeta[i] = tb.total;
    }
}

inline dim3 norm_grid(int64_t groups) {
    return dim3(static_cast<unsigned>(groups < static_cast<int64_t>(kMaxBlocks) ? groups : kMaxBlocks));
}

inline void launch_normalization(const NormArgs& a, cudaStream_t stream) {
    if (a.g.elements() == 0) return;
    RK_LAUNCH(norm_groups_kernel, norm_grid(a.g.groups), kNormThreads, stream)(a);
    if (a.g.kind == core::NormKind::kLayerNorm && a.pass == core::NormPass::kBackwardTraining && (a.dgamma || a.dbeta))
        RK_LAUNCH(ln_affine_kernel, grid_for(static_cast<uint64_t>(a.g.inner)), kBlockThreads, stream)(a);
}

}  // namespace rk::cuda
