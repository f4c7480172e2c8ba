// Conv2d kernels: the forward pass's direct paths, y = conv(x, w) + bias. The row path puts vector lanes on output
// columns (with a plane kernel for one input channel per output channel in NCHW, and the NHWC depthwise kernels of
// conv2d_depthwise_nhwc.h); the GEMM path puts them on output channels over the packed weight panel. Winograd and FFT
// are in conv2d_winograd.h and conv2d_fft.h.
#pragma once

#include <algorithm>
#include <cstdint>

#include "conv2d_depthwise_nhwc.h"
#include "conv2d_tiles.h"

namespace rk::cpu {

template <class I>
struct ConvForward : ConvTiles<I> {
    using Tiles = ConvTiles<I>;
    using typename Tiles::f32;
    using Tiles::W;
    using Tiles::store_lanes;
    using Tiles::add_bias_rows;
    using Tiles::copy_floats;
    using Tiles::kMaxTiles;
    using Tiles::load_cols;
    using Tiles::store_row;
    using Tiles::store_transposed;

    // ---- Forward, row path: lanes over output columns q -------------------------------------------------------------
    // Channels k0 .. k0 + MR - 1 (one group), output row p, columns q0 .. q0 + NV * W - 1.
    template <int MR, int NV>
    static void forward_row_tile(const ConvKernelArgs& A, int64_t n, int64_t grp, int64_t k0, int64_t p, int64_t q0) {
        const core::ConvGeometry& g = A.g;
        f32 acc[MR][NV];
        for (int i = 0; i < MR; ++i)
            for (int v = 0; v < NV; ++v) acc[i][v] = I::fsplat(0.0f);
        const int64_t rs = g.r * g.s, crs = g.cg * rs, est = g.nhwc ? g.c : 1;
        const float* wk = A.w + k0 * crs;
        for (int64_t ci = 0; ci < g.cg; ++ci) {
            const int64_t c = grp * g.cg + ci;
            for (int64_t r = 0; r < g.r; ++r) {
                const int64_t h = p * g.sh - g.pt + r * g.dh;
                const bool row_in = h >= 0 && h < g.h;
                const float* row = nullptr;
                if (row_in) row = A.x + (g.nhwc ? (n * g.h + h) * g.w * g.c + c : ((n * g.c + c) * g.h + h) * g.w);
                for (int64_t s = 0; s < g.s; ++s) {
                    const int64_t col0 = q0 * g.sw - g.pl + s * g.dw;
                    f32 xv[NV];
                    for (int v = 0; v < NV; ++v)
                        xv[v] = row_in ? load_cols(row, col0 + v * W * g.sw, g.sw, g.w, est) : I::fsplat(0.0f);
                    const int64_t widx = (ci * g.r + r) * g.s + s;
                    for (int i = 0; i < MR; ++i) {
                        const f32 wv = I::fsplat(wk[i * crs + widx]);
                        for (int v = 0; v < NV; ++v) acc[i][v] = I::ffma(xv[v], wv, acc[i][v]);
                    }
                }
            }
        }
        for (int i = 0; i < MR; ++i) {
            const int64_t k = k0 + i;
            for (int v = 0; v < NV; ++v) {
                const int64_t qv = q0 + v * W;
                const int64_t cnt = std::min<int64_t>(W, g.q - qv);
                if (cnt <= 0) break;
                const f32 val = A.bias ? I::fadd(acc[i][v], I::fsplat(A.bias[k])) : acc[i][v];
                if (!g.nhwc) {
                    float* dst = A.y + ((n * g.k + k) * g.p + p) * g.q + qv;
                    store_lanes(dst, val, cnt);
                } else {
                    alignas(64) float tmp[W];
                    I::fstore(tmp, val);
                    for (int64_t l = 0; l < cnt; ++l) A.y[((n * g.p + p) * g.q + qv + l) * g.k + k] = tmp[l];
                }
            }
        }
    }

    // Units: (n, group, output row p); depthwise NHWC (conv_dw_nhwc): (n, p).
    static void forward_row(const ConvKernelArgs& A, int64_t begin, int64_t end) {
        const core::ConvGeometry& g = A.g;
        constexpr int64_t span = int64_t{I::kRowNV} * W;
        if (conv_dw_nhwc(g)) {
            ConvDepthwiseNhwc<I>::forward_rows(A, begin, end);
            return;
        }
        if (g.cg == 1 && !g.nhwc && g.sw == 1) {
            static constexpr auto plane_kernel =
                tile_table<I::kRowNV>([]<int NV> { return &forward_dw_plane<NV>; });
            const int nv = static_cast<int>(std::min<int64_t>(I::kRowNV, core::ceil_div(g.q, W)));
            const int64_t slack = int64_t{I::kRowNV} * W + g.s * g.dw;
            ConvScratch plane((static_cast<size_t>((g.h + g.pt + g.pb) * (g.w + g.pl + g.pr) + slack)) * sizeof(float));
            for (int64_t u = begin; u < end;) {  // units (n, group, p): the unit of row 0 does the whole plane
                const int64_t n = u / (g.groups * g.p), grp = (u / g.p) % g.groups, p = u % g.p;
                if (p != 0) {
                    u += g.p - p;
                    continue;
                }
                pad_plane(A, n, grp, plane.floats(), slack);
                for (int64_t kq = 0; kq < g.kg; ++kq) plane_kernel(nv)(A, n, grp * g.kg + kq, plane.floats());
                u += g.p;
            }
            return;
        }
        static constexpr auto row_tile =
            tile_table<I::kRowMR, I::kRowNV>([]<int MR, int NV> { return &forward_row_tile<MR, NV>; });
        for (int64_t u = begin; u < end; ++u) {
            const int64_t n = u / (g.groups * g.p), grp = (u / g.p) % g.groups, p = u % g.p;
            for (int64_t kq = 0; kq < g.kg; kq += I::kRowMR) {
                const int mr = static_cast<int>(std::min<int64_t>(I::kRowMR, g.kg - kq));
                for (int64_t q0 = 0; q0 < g.q; q0 += span) {
                    const int nv = static_cast<int>(std::min<int64_t>(I::kRowNV, core::ceil_div(g.q - q0, W)));
                    row_tile(mr, nv)(A, n, grp, grp * g.kg + kq, p, q0);
                }
            }
        }
    }

    // ---- Forward, row path with one input channel per output channel (cg = 1), NCHW, stride_w 1 ---------------------
    // A whole output plane (n, k) from its input channel copied into a zero-padded scratch plane xp (hp x wp, plus
    // slack for the last vector), so that every tap is a plain load: padded taps read +0 and take part in the chain.
    template <int PR, int NV>
    static void forward_dw_rows(const ConvKernelArgs& A, const float* xp, int64_t wp, const float* wk, float* yk,
                                int64_t p, int64_t q0, f32 bv) {
        const core::ConvGeometry& g = A.g;
        f32 acc[PR][NV];
        RK_CONV_UNROLL(8)
        for (int j = 0; j < PR; ++j)
            RK_CONV_UNROLL(4)
            for (int v = 0; v < NV; ++v) acc[j][v] = I::fsplat(0.0f);
        const float* base = xp + p * g.sh * wp + q0;
        const int64_t rstep = g.sh * wp;
        for (int64_t r = 0; r < g.r; ++r) {
            const float* row = base + r * g.dh * wp;
            for (int64_t s = 0; s < g.s; ++s) {
                const f32 wv = I::fsplat(wk[r * g.s + s]);
                const float* src = row + s * g.dw;
                RK_CONV_UNROLL(8)
                for (int j = 0; j < PR; ++j)
                    RK_CONV_UNROLL(4)
                    for (int v = 0; v < NV; ++v) acc[j][v] = I::ffma(I::fload(src + j * rstep + v * W), wv, acc[j][v]);
            }
        }
        RK_CONV_UNROLL(8)
        for (int j = 0; j < PR; ++j)
            RK_CONV_UNROLL(4)
            for (int v = 0; v < NV; ++v) {
                const int64_t cnt = std::min<int64_t>(W, g.q - q0 - v * W);
                if (cnt <= 0) break;
                const f32 val = A.bias ? I::fadd(acc[j][v], bv) : acc[j][v];
                float* dst = yk + (p + j) * g.q + q0 + v * W;
                store_lanes(dst, val, cnt);
            }
    }

    template <int NV>
    static void forward_dw_plane(const ConvKernelArgs& A, int64_t n, int64_t k, float* xp) {
        const core::ConvGeometry& g = A.g;
        const int64_t wp = g.w + g.pl + g.pr;
        const float* wk = A.w + k * g.r * g.s;
        float* yk = A.y + (n * g.k + k) * g.p * g.q;
        const f32 bv = I::fsplat(A.bias ? A.bias[k] : 0.0f);
        for (int64_t q0 = 0; q0 < g.q; q0 += int64_t{NV} * W) {
            int64_t p = 0;
            for (; p + 4 <= g.p; p += 4) forward_dw_rows<4, NV>(A, xp, wp, wk, yk, p, q0, bv);
            for (; p < g.p; ++p) forward_dw_rows<1, NV>(A, xp, wp, wk, yk, p, q0, bv);
        }
    }

    // Copies channel c of image n into the zero-padded plane xp (hp x wp, then slack zeros).
    static void pad_plane(const ConvKernelArgs& A, int64_t n, int64_t c, float* xp, int64_t slack) {
        const core::ConvGeometry& g = A.g;
        const int64_t hp = g.h + g.pt + g.pb, wp = g.w + g.pl + g.pr;
        const float* src = A.x + (n * g.c + c) * g.h * g.w;
        copy_floats(xp, nullptr, g.pt * wp + g.pl);
        for (int64_t h = 0; h < g.h; ++h) {
            float* d = xp + (g.pt + h) * wp + g.pl;
            copy_floats(d, src + h * g.w, g.w);
            copy_floats(d + g.w, nullptr, h + 1 < g.h ? g.pr + g.pl : g.pr);
        }
        copy_floats(xp + (g.pt + g.h) * wp, nullptr, (hp - g.pt - g.h) * wp + slack);
    }

    // ---- Forward, GEMM path: lanes over output channels -------------------------------------------------------------
    // Units: (n, block of positions_per_unit output positions in (p, q) order).
    static void forward_gemm(const ConvKernelArgs& A, int64_t begin, int64_t end) {
        const core::ConvGeometry& g = A.g;
        constexpr int MR = I::kGemmMR, NV = I::kGemmNV, LDC = NV * W;
        const int64_t pq = g.p * g.q, kvecs = core::ceil_div(g.kg, W), kgp = A.plan.kgp;
        alignas(64) float cbuf[kMaxTiles * MR * LDC];
        const float* arows[kMaxTiles * MR];
        int mrs[kMaxTiles];
        for (int64_t u = begin; u < end; ++u) {
            const int64_t n = u / A.units_per_image, blk = u % A.units_per_image;
            const int64_t pos0 = blk * A.positions_per_unit, pos1 = std::min(pq, pos0 + A.positions_per_unit);
            const int64_t ntiles = core::ceil_div(pos1 - pos0, MR);
            for (int64_t grp = 0; grp < g.groups; ++grp) {
                const float* abase = A.a + n * A.a_img + grp * g.cg * A.a_chan;
                for (int64_t t = 0; t < ntiles; ++t) {
                    mrs[t] = static_cast<int>(std::min<int64_t>(MR, pos1 - pos0 - t * MR));
                    for (int i = 0; i < mrs[t]; ++i) {
                        const int64_t pos = pos0 + t * MR + i, p = pos / g.q, q = pos % g.q;
                        arows[t * MR + i] = abase + p * g.sh * A.a_row + q * g.sw * A.a_col;
                    }
                }
                for (int64_t kv0 = 0; kv0 < kvecs; kv0 += NV) {
                    const int nv = static_cast<int>(std::min<int64_t>(NV, kvecs - kv0));
                    const float* b = A.panel + grp * A.ntaps * kgp + kv0 * W;
                    Tiles::template run_tiles<true, false>(ntiles, arows, mrs, nv, A.ntaps, A.taps, b, nullptr, kgp,
                                                           cbuf);
                    // cbuf is [position][LDC] for the unit's positions (tiles are consecutive).
                    const int64_t klanes = std::min<int64_t>(nv * W, g.kg - kv0 * W), npos = pos1 - pos0;
                    const int64_t k0 = grp * g.kg + kv0 * W;
                    if (A.bias) add_bias_rows(cbuf, LDC, npos, A.bias + k0, klanes);
                    if (!g.nhwc) {
                        store_transposed(cbuf, LDC, npos, klanes, A.y + (n * g.k + k0) * pq + pos0, pq);
                    } else {
                        for (int64_t i = 0; i < npos; ++i)
                            store_row(A.y + (n * pq + pos0 + i) * g.k + k0, cbuf + i * LDC, klanes);
                    }
                }
            }
        }
    }
};

}  // namespace rk::cpu
