// Conv2d on the device (docs/conv.md): every algorithm and pass computes the core's canonical functions.
//   direct forward, backward data, backward weights, bias gradient: one thread per output element runs the
//     core's reference FMA chain (core/conv2d.h);
//   implicit GEMM forward: a SIMT GEMM (64 output channels x 64 output positions per block, 4 x 4 per thread, the
//     reduction c', r, s staged through shared memory 16 taps at a time) in which each accumulator still takes its
//     output's chain in the canonical order, so the bits equal the direct chain's;
//   Winograd F(2x2,3x3) / F(4x4,3x3) and FFT 16x16: one thread per (image, channel, tile) runs the core's tile
//     function (transforms, channel accumulation in c' order, inverse transform, bias).
#pragma once

#include "../../core/conv2d.h"
#include "../../core/lanes_scalar.h"
#include "../../backend/ops.h"
#include "../../core/int_math.h"
#include "device_compat.cuh"

namespace rk::cuda {

using backend::ConvArgs;

// Logical (n, k, p, q) of output element `i` in NCHW order.
__device__ inline void conv_unflatten(int64_t i, int64_t d1, int64_t d2, int64_t d3, int64_t& a, int64_t& b,
                                      int64_t& c, int64_t& d) {
    d = i % d3;
    c = (i / d3) % d2;
    b = (i / (d3 * d2)) % d1;
    a = i / (d3 * d2 * d1);
}

__global__ void conv_forward_direct_kernel(ConvArgs a) {
    const core::ConvGeometry& g = a.g;
    const int64_t total = g.y_count();
    for (int64_t i = static_cast<int64_t>(global_thread()); i < total; i += static_cast<int64_t>(grid_threads())) {
        int64_t n, k, p, q;
        conv_unflatten(i, g.k, g.p, g.q, n, k, p, q);
        a.out0[g.y_index(n, k, p, q)] = core::conv_forward_ref(g, a.in0, a.in1, a.bias, n, k, p, q);
    }
}

// Implicit GEMM, SIMT tiles: a block of 16 x 16 threads computes 64 output channels x 64 output positions of one
// group, each thread a 4 x 4 register tile (channels ty + 16 i, positions tx + 16 j: neighbouring threads touch
// neighbouring positions, so loads and stores coalesce). The reduction over taps t = (c' * R + r) * S + s runs in
// chunks of 16 staged through shared memory; every accumulator takes its taps in ascending order, one fma each,
// so each output is exactly the direct chain (core::conv_forward_ref).
constexpr int kIgTile = 64, kIgTaps = 16, kIgMicro = 4;

__global__ void __launch_bounds__(256) conv_forward_igemm_kernel(ConvArgs a) {
    __shared__ float w_tile[kIgTaps][kIgTile + 1];  // [tap][channel]
    __shared__ float x_tile[kIgTaps][kIgTile + 1];  // [tap][position]
    const core::ConvGeometry& g = a.g;
    const int tx = static_cast<int>(threadIdx.x), ty = static_cast<int>(threadIdx.y), tid = ty * 16 + tx;
    const int64_t positions = g.n * g.p * g.q, taps = g.cg * g.r * g.s;
    for (int64_t group = blockIdx.z; group < g.groups; group += gridDim.z)
    for (int64_t k0 = static_cast<int64_t>(blockIdx.y) * kIgTile; k0 < g.kg; k0 += static_cast<int64_t>(gridDim.y) * kIgTile) {
        for (int64_t pos0 = static_cast<int64_t>(blockIdx.x) * kIgTile; pos0 < positions;
             pos0 += static_cast<int64_t>(gridDim.x) * kIgTile) {
            float acc[kIgMicro][kIgMicro];
            for (int i = 0; i < kIgMicro; ++i)
                for (int j = 0; j < kIgMicro; ++j) acc[i][j] = 0.0f;
            for (int64_t t0 = 0; t0 < taps; t0 += kIgTaps) {
                for (int e = tid; e < kIgTaps * kIgTile; e += 256) {
                    {  // weights are KCRS: a channel's taps are contiguous
                        const int t = e % kIgTaps, k = e / kIgTaps;
                        const int64_t kk = k0 + k, tt = t0 + t;
                        w_tile[t][k] = (kk < g.kg && tt < taps) ? a.in1[(group * g.kg + kk) * taps + tt] : 0.0f;
                    }
                    {  // x~ of tap t0 + t at position pos0 + p
                        const int p = e % kIgTile, t = e / kIgTile;
                        const int64_t tt = t0 + t, pos = pos0 + p;
                        float v = 0.0f;
                        if (tt < taps && pos < positions) {
                            const int64_t ci = tt / (g.r * g.s), r = (tt / g.s) % g.r, s = tt % g.s;
                            const int64_t n = pos / (g.p * g.q), op = (pos / g.q) % g.p, oq = pos % g.q;
                            v = core::conv_padded_x(g, a.in0, n, group * g.cg + ci, op * g.sh - g.pt + r * g.dh,
                                                    oq * g.sw - g.pl + s * g.dw);
                        }
                        x_tile[t][p] = v;
                    }
                }
                __syncthreads();
                const int64_t steps = taps - t0 < kIgTaps ? taps - t0 : kIgTaps;
                for (int t = 0; t < steps; ++t) {
                    float xv[kIgMicro], wv[kIgMicro];
                    for (int j = 0; j < kIgMicro; ++j) xv[j] = x_tile[t][tx + 16 * j];
                    for (int i = 0; i < kIgMicro; ++i) wv[i] = w_tile[t][ty + 16 * i];
                    for (int i = 0; i < kIgMicro; ++i)
                        for (int j = 0; j < kIgMicro; ++j) acc[i][j] = core::ScalarLanes::ffma(xv[j], wv[i], acc[i][j]);
                }
                __syncthreads();
            }
            for (int i = 0; i < kIgMicro; ++i)
                for (int j = 0; j < kIgMicro; ++j) {
                    const int64_t k = k0 + ty + 16 * i, pos = pos0 + tx + 16 * j;
                    if (k >= g.kg || pos >= positions) continue;
                    const int64_t ok = group * g.kg + k;
                    const int64_t n = pos / (g.p * g.q), op = (pos / g.q) % g.p, oq = pos % g.q;
                    a.out0[g.y_index(n, ok, op, oq)] = a.bias ? core::ScalarLanes::fadd(acc[i][j], a.bias[ok]) : acc[i][j];
                }
        }
    }
}

// One thread per (n, k, tile): the core's Winograd tile, outputs past P x Q discarded.
template <class W>
__global__ void conv_forward_winograd_kernel(ConvArgs a) {
    using Tile = W;
    constexpr int M = Tile::kM;
    const core::ConvGeometry& g = a.g;
    const int64_t tp = core::ceil_div(g.p, M), tq = core::ceil_div(g.q, M), total = g.n * g.k * tp * tq;
    for (int64_t i = static_cast<int64_t>(global_thread()); i < total; i += static_cast<int64_t>(grid_threads())) {
        int64_t n, k, ti, tj;
        conv_unflatten(i, g.k, tp, tq, n, k, ti, tj);
        float out[M * M];
        core::winograd_forward_tile_ref<Tile>(g, a.in0, a.in1, a.bias, n, k, ti, tj, out);
        for (int u = 0; u < M; ++u)
            for (int v = 0; v < M; ++v) {
                const int64_t p = ti * M + u, q = tj * M + v;
                if (p < g.p && q < g.q) a.out0[g.y_index(n, k, p, q)] = out[u * M + v];
            }
    }
}

__global__ void conv_forward_fft_kernel(ConvArgs a) {
    const core::ConvGeometry& g = a.g;
    const int64_t mh = 17 - g.r, mw = 17 - g.s;
    const int64_t tp = core::ceil_div(g.p, mh), tq = core::ceil_div(g.q, mw), total = g.n * g.k * tp * tq;
    for (int64_t i = static_cast<int64_t>(global_thread()); i < total; i += static_cast<int64_t>(grid_threads())) {
        int64_t n, k, ti, tj;
        conv_unflatten(i, g.k, tp, tq, n, k, ti, tj);
        float out[256];
        core::fft_forward_tile_ref(g, a.in0, a.in1, a.bias, n, k, ti, tj, out);
        for (int64_t u = 0; u < mh; ++u)
            for (int64_t v = 0; v < mw; ++v) {
                const int64_t p = ti * mh + u, q = tj * mw + v;
                if (p < g.p && q < g.q) a.out0[g.y_index(n, k, p, q)] = out[u * 16 + v];
            }
    }
}

__global__ void conv_backward_data_kernel(ConvArgs a) {
    const core::ConvGeometry& g = a.g;
    const int64_t total = g.x_count();
    for (int64_t i = static_cast<int64_t>(global_thread()); i < total; i += static_cast<int64_t>(grid_threads())) {
        int64_t n, c, h, w;
        conv_unflatten(i, g.c, g.h, g.w, n, c, h, w);
        a.out0[g.x_index(n, c, h, w)] = core::conv_backward_data_ref(g, a.in0, a.in1, n, c, h, w);
    }
}

// dw (thread per weight) and, when asked, dbias (thread per output channel), each the core's chunked chain.
__global__ void conv_backward_weights_kernel(ConvArgs a) {
    const core::ConvGeometry& g = a.g;
    const int64_t weights = g.w_count(), total = weights + (a.out1 ? g.k : 0);
    for (int64_t i = static_cast<int64_t>(global_thread()); i < total; i += static_cast<int64_t>(grid_threads())) {
        if (i < weights) {
            int64_t k, ci, r, s;
            conv_unflatten(i, g.cg, g.r, g.s, k, ci, r, s);
            a.out0[i] = core::conv_backward_weights_ref(g, a.in0, a.in1, k, ci, r, s);
        } else {
            a.out1[i - weights] = core::conv_backward_bias_ref(g, a.in1, i - weights);
        }
    }
}

// The forward algorithms' launches; the backward passes are the direct canonical functions (RK_CONV_DIRECT).
inline void launch_conv_forward(const ConvArgs& a, cudaStream_t stream) {
    const core::ConvGeometry& g = a.g;
    switch (a.algorithm) {
        case RK_CONV_IMPLICIT_GEMM: {
            const uint64_t pos_tiles = core::ceil_div(static_cast<uint64_t>(g.n * g.p * g.q), kIgTile);
            const uint64_t k_tiles = core::ceil_div(static_cast<uint64_t>(g.kg), kIgTile);
            const dim3 grid(static_cast<unsigned>(pos_tiles < kMaxBlocks ? pos_tiles : kMaxBlocks),
                            static_cast<unsigned>(k_tiles < 65535 ? k_tiles : 65535),
                            static_cast<unsigned>(g.groups < 65535 ? g.groups : 65535));
            RK_LAUNCH(conv_forward_igemm_kernel, grid, dim3(16, 16), stream)(a);
            break;
        }
        case RK_CONV_WINOGRAD_2X3: {
            const uint64_t tiles = static_cast<uint64_t>(g.n * g.k * core::ceil_div(g.p, 2) * core::ceil_div(g.q, 2));
            RK_LAUNCH(conv_forward_winograd_kernel<core::WinogradF2<core::ScalarLanes>>, grid_for(tiles, 128), 128, stream)(a);
            break;
        }
        case RK_CONV_WINOGRAD_4X3: {
            const uint64_t tiles = static_cast<uint64_t>(g.n * g.k * core::ceil_div(g.p, 4) * core::ceil_div(g.q, 4));
            RK_LAUNCH(conv_forward_winograd_kernel<core::WinogradF4<core::ScalarLanes>>, grid_for(tiles, 128), 128, stream)(a);
            break;
        }
        case RK_CONV_FFT: {
            const int64_t mh = 17 - g.r, mw = 17 - g.s;  // outputs per 16 x 16 FFT tile
            const uint64_t tiles = static_cast<uint64_t>(g.n * g.k * core::ceil_div(g.p, mh) * core::ceil_div(g.q, mw));
            RK_LAUNCH(conv_forward_fft_kernel, grid_for(tiles, 64), 64, stream)(a);
            break;
        }
        default:  // RK_CONV_DIRECT
            RK_LAUNCH(conv_forward_direct_kernel, grid_for(static_cast<uint64_t>(g.y_count())), kBlockThreads, stream)(a);
            break;
    }
}

inline void launch_conv(const ConvArgs& a, cudaStream_t stream) {
    const core::ConvGeometry& g = a.g;
    switch (a.pass) {
        case RK_CONV_PASS_FORWARD: launch_conv_forward(a, stream); break;
        case RK_CONV_PASS_BACKWARD_DATA:
            RK_LAUNCH(conv_backward_data_kernel, grid_for(static_cast<uint64_t>(g.x_count())), kBlockThreads, stream)(a);
            break;
        case RK_CONV_PASS_BACKWARD_WEIGHTS:
            RK_LAUNCH(conv_backward_weights_kernel, grid_for(static_cast<uint64_t>(g.w_count() + (a.out1 ? g.k : 0))),
                      kBlockThreads, stream)(a);
            break;
    }
}

}  // namespace rk::cuda
