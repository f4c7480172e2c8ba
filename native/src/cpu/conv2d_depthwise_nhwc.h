// Conv2d kernels: depthwise convolution (groups = C = K) in NHWC, lanes over channels, as the row path of both the
// forward pass and the data gradient. The two passes share one block kernel, since they differ only in which operand a
// tap reads and in how a tap's bounds are tested; conv2d_forward.h and conv2d_backward_data.h call in here.
#pragma once

#include <algorithm>
#include <cstdint>

#include "conv2d_tiles.h"

namespace rk::cpu {

template <class I>
struct ConvDepthwiseNhwc : ConvTiles<I> {
    using Tiles = ConvTiles<I>;
    using typename Tiles::f32;
    using Tiles::W;
    using Tiles::store_lanes;

    // Channel vectors per block (one accumulator each).
    static constexpr int kBlockVecs = 8;

    // The row paths' entry points (named, so that callers need no ::template).
    static void forward_rows(const ConvKernelArgs& A, int64_t begin, int64_t end) {
        dw_nhwc_rows<true>(A, begin, end);
    }
    static void backward_data_rows(const ConvKernelArgs& A, int64_t begin, int64_t end) {
        dw_nhwc_rows<false>(A, begin, end);
    }

    // Units (n, output row p) (forward) or (n, input row h) (backward data); the weights are transposed once per call.
    template <bool kFwd>
    static void dw_nhwc_rows(const ConvKernelArgs& A, int64_t begin, int64_t end) {
        const core::ConvGeometry& g = A.g;
        const int64_t nrows = kFwd ? g.p : g.h;
        ConvScratch wt_mem(static_cast<size_t>(g.r * g.s * A.plan.kp) * sizeof(float));
        dw_transpose_weights(A, wt_mem.floats());
        for (int64_t u = begin; u < end; ++u) dw_nhwc_row<kFwd>(A, wt_mem.floats(), u / nrows, u % nrows);
    }

    // NB vectors of channels c0 .. c0 + ccount - 1 at once. Forward (kFwd): output (n, i = p, j = q); padded taps
    // enter as +0 vectors. Backward data: input (n, i = h, j = w); a tap reaches an output or not for every lane alike,
    // so skipped taps are skipped for the whole block. wt: weights transposed to [r * S + s][kp].
    template <int NB, bool kFwd>
    static void dw_nhwc_block(const ConvKernelArgs& A, const float* wt, int64_t n, int64_t i, int64_t j, int64_t c0,
                              int64_t ccount) {
        const core::ConvGeometry& g = A.g;
        const int64_t kp = A.plan.kp;
        f32 acc[NB];
        RK_CONV_UNROLL(8)
        for (int v = 0; v < NB; ++v) acc[v] = I::fsplat(0.0f);
        for (int64_t r = 0; r < g.r; ++r) {
            int64_t row;
            bool row_ok;
            if (kFwd) {
                row = i * g.sh - g.pt + r * g.dh;
                row_ok = row >= 0 && row < g.h;
            } else {
                row = core::conv_tap_target(i, g.pt, r, g.dh, g.sh, g.p);
                if (row < 0) continue;
                row_ok = true;
            }
            for (int64_t s = 0; s < g.s; ++s) {
                int64_t col;
                bool ok;
                const float* src;
                if (kFwd) {
                    col = j * g.sw - g.pl + s * g.dw;
                    ok = row_ok && col >= 0 && col < g.w;
                    src = ok ? A.x + ((n * g.h + row) * g.w + col) * g.c + c0 : nullptr;
                } else {
                    col = core::conv_tap_target(j, g.pl, s, g.dw, g.sw, g.q);
                    if (col < 0) continue;
                    ok = true;
                    src = A.dy + ((n * g.p + row) * g.q + col) * g.k + c0;
                }
                const float* wr = wt + (r * g.s + s) * kp + c0;
                RK_CONV_UNROLL(8)
                for (int v = 0; v < NB; ++v) {
                    const int64_t m = std::min<int64_t>(W, ccount - v * W);
                    f32 xv = I::fsplat(0.0f);
                    if (ok) xv = m == W ? I::fload(src + v * W) : I::load_range(src + v * W, 0, static_cast<int>(m));
                    acc[v] = I::ffma(xv, I::fload(wr + v * W), acc[v]);
                }
            }
        }
        float* dst = kFwd ? A.y + ((n * g.p + i) * g.q + j) * g.k + c0 : A.dx + ((n * g.h + i) * g.w + j) * g.c + c0;
        RK_CONV_UNROLL(8)
        for (int v = 0; v < NB; ++v) {
            const int64_t m = std::min<int64_t>(W, ccount - v * W);
            f32 val = acc[v];
            if (kFwd && A.bias)
                val = I::fadd(val, m == W ? I::fload(A.bias + c0 + v * W)
                                          : I::load_range(A.bias + c0 + v * W, 0, static_cast<int>(m)));
            store_lanes(dst + v * W, val, m);
        }
    }

    // One output row p (forward) or input row h (backward data) of a depthwise NHWC convolution.
    template <bool kFwd>
    static void dw_nhwc_row(const ConvKernelArgs& A, const float* wt, int64_t n, int64_t i) {
        const core::ConvGeometry& g = A.g;
        static constexpr auto block = tile_table<kBlockVecs>([]<int NB> { return &dw_nhwc_block<NB, kFwd>; });
        // Whole blocks of span channels, then a partial one if C is not a multiple of span. Both kernels are picked
        // once per row, not per block: a block is one pixel's work, small enough that a table load per block showed
        // (a few percent). The select keeps the call indirect, as it was, so the block kernels are not inlined here.
        constexpr int64_t span = int64_t{kBlockVecs} * W;
        const int64_t tail = g.c % span;
        const auto whole = block(kBlockVecs);
        const auto partial = tail != 0 ? block(static_cast<int>(core::ceil_div(tail, W))) : whole;
        const int64_t cols = kFwd ? g.q : g.w;
        for (int64_t j = 0; j < cols; ++j)
            for (int64_t c0 = 0; c0 < g.c; c0 += span) {
                const int64_t ccount = std::min<int64_t>(span, g.c - c0);
                (ccount == span ? whole : partial)(A, wt, n, i, j, c0, ccount);
            }
    }

    // Weights transposed to [r * S + s][kp] (0 past K) for the depthwise NHWC kernels.
    static void dw_transpose_weights(const ConvKernelArgs& A, float* wt) {
        const core::ConvGeometry& g = A.g;
        for (int64_t t = 0; t < g.r * g.s; ++t)
            for (int64_t k = 0; k < A.plan.kp; ++k) wt[t * A.plan.kp + k] = k < g.k ? A.w[k * g.r * g.s + t] : 0.0f;
    }
};

}  // namespace rk::cpu
