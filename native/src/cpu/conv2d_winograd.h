// Conv2d kernels: Winograd F(2 x 2, 3 x 3) and F(4 x 4, 3 x 3) forward, and their weight transforms. The transforms
// themselves (one fixed operation sequence per element) are core/conv2d.h's; here they run with vector lanes over
// channels, and the channel products are GEMM tiles of conv2d_tiles.h.
#pragma once

#include <algorithm>
#include <cstdint>

#include "conv2d_tiles.h"

namespace rk::cpu {

template <class I>
struct ConvWinograd : ConvTiles<I> {
    using Tiles = ConvTiles<I>;
    using typename Tiles::f32;
    using Tiles::W;
    using Tiles::kCStore;
    using Tiles::bias_lanes;
    using Tiles::store_channels;
    using Tiles::store_cols_nchw;

    // ---- Winograd F(m x m, 3 x 3) -----------------------------------------------------------------------------------
    // Units: (n, block of tiles_per_unit tiles in (tp, tq) order). Per unit: input transforms (lanes over channels),
    // the channel products (GEMM over c' per transformed element; depthwise: one fma), output transforms (lanes over
    // output channels).
    template <class WT>
    static void forward_winograd(const ConvKernelArgs& A, int64_t begin, int64_t end) {
        const core::ConvGeometry& g = A.g;
        const ConvPlan& pl = A.plan;
        constexpr int M = WT::kM, AL = WT::kAlpha, X = AL * AL;
        constexpr int MR = I::kGemmMR, NV = I::kGemmNV;
        const bool dwise = g.depthwise();
        const int64_t tb = A.tiles_per_unit, cp = pl.cp, kgp = pl.kgp;
        const int64_t mcols = dwise ? pl.kp : g.groups * kgp, ntiles_img = pl.tiles_p * pl.tiles_q;
        const int64_t kvecs = core::ceil_div(g.kg, W);
        ConvScratch vmem(static_cast<size_t>(X * tb * cp) * sizeof(float));
        ConvScratch mmem(static_cast<size_t>(X * tb * mcols) * sizeof(float));
        float* V = vmem.floats();
        float* Mb = mmem.floats();
        const float* arow[MR];
        for (int64_t u = begin; u < end; ++u) {
            const int64_t n = u / A.units_per_image, blk = u % A.units_per_image;
            const int64_t t0 = blk * tb, nt = std::min(tb, ntiles_img - t0);
            for (int64_t ti = 0; ti < nt; ++ti) {
                const int64_t tile = t0 + ti, tp = tile / pl.tiles_q, tq = tile % pl.tiles_q;
                const float* src = A.xt + ((n * pl.hp + tp * M) * pl.wp + tq * M) * cp;
                for (int64_t cv = 0; cv < cp; cv += W) {
                    f32 d[X], v[X];
                    for (int i = 0; i < AL; ++i)
                        for (int j = 0; j < AL; ++j) d[i * AL + j] = I::fload(src + (i * pl.wp + j) * cp + cv);
                    core::winograd_input_2d<WT, I>(d, v);
                    for (int xi = 0; xi < X; ++xi) I::fstore(V + (xi * tb + ti) * cp + cv, v[xi]);
                }
            }
            if (dwise) {
                for (int64_t xi = 0; xi < X; ++xi)
                    for (int64_t ti = 0; ti < nt; ++ti)
                        for (int64_t kv = 0; kv < mcols; kv += W)
                            I::fstore(Mb + (xi * tb + ti) * mcols + kv,
                                      I::ffma(I::fload(A.u + xi * pl.kp + kv), I::fload(V + (xi * tb + ti) * cp + kv),
                                              I::fsplat(0.0f)));
            } else {
                for (int64_t xi = 0; xi < X; ++xi)
                    for (int64_t grp = 0; grp < g.groups; ++grp)
                        for (int64_t kv0 = 0; kv0 < kvecs; kv0 += NV) {
                            const int nv = static_cast<int>(std::min<int64_t>(NV, kvecs - kv0));
                            const float* b = A.u + (xi * g.groups + grp) * g.cg * kgp + kv0 * W;
                            for (int64_t ti0 = 0; ti0 < nt; ti0 += MR) {
                                const int mr = static_cast<int>(std::min<int64_t>(MR, nt - ti0));
                                for (int i = 0; i < mr; ++i) arow[i] = V + (xi * tb + ti0 + i) * cp + grp * g.cg;
                                Tiles::template gemm_tile_for<false, false>(mr, nv)(
                                    g.cg, arow, nullptr, b, nullptr, kgp,
                                    Mb + (xi * tb + ti0) * mcols + grp * kgp + kv0 * W, mcols, kCStore);
                            }
                        }
            }
            // Runs of tiles side by side in one tile row: NCHW stores each output row of a run (up to W columns)
            // with one transpose and one vector store per channel.
            constexpr int kRun = W >= M ? W / M : 1;
            for (int64_t ti = 0; ti < nt;) {
                const int64_t tile = t0 + ti, p0 = (tile / pl.tiles_q) * M, q0 = (tile % pl.tiles_q) * M;
                const int64_t run = (!g.nhwc && W >= M)
                                        ? std::min<int64_t>({kRun, pl.tiles_q - tile % pl.tiles_q, nt - ti})
                                        : 1;
                for (int64_t grp = 0; grp < (dwise ? 1 : g.groups); ++grp) {
                    const int64_t kcount = dwise ? g.k : g.kg;
                    for (int64_t kq = 0; kq < kcount; kq += W) {
                        const int64_t cnt = std::min<int64_t>(W, kcount - kq);
                        const int64_t col = (dwise ? 0 : grp * kgp) + kq, k0 = grp * g.kg + kq;
                        const f32 bv = A.bias ? bias_lanes(A, k0, cnt) : I::fsplat(0.0f);
                        f32 ys[kRun][M * M];
                        for (int64_t t = 0; t < run; ++t) {
                            f32 m[X];
                            for (int xi = 0; xi < X; ++xi) m[xi] = I::fload(Mb + (xi * tb + ti + t) * mcols + col);
                            core::winograd_output_2d<WT, I>(m, ys[t]);
                            if (A.bias)
                                for (int e = 0; e < M * M; ++e) ys[t][e] = I::fadd(ys[t][e], bv);
                        }
                        for (int a = 0; a < M && p0 + a < g.p; ++a) {
                            if (run > 1 || (!g.nhwc && W >= M)) {
                                f32 row[W];
                                const int64_t ncols = std::min<int64_t>(run * M, g.q - q0);
                                for (int64_t b = 0; b < ncols; ++b) row[b] = ys[b / M][a * M + b % M];
                                store_cols_nchw(A, n, k0, cnt, p0 + a, q0, ncols, row);
                            } else {
                                for (int b = 0; b < M && q0 + b < g.q; ++b)
                                    store_channels(A, n, k0, cnt, p0 + a, q0 + b, ys[0][a * M + b]);
                            }
                        }
                    }
                }
                ti += run;
            }
        }
    }

    // Weight transforms U = G g G^T with lanes over output channels. Layout [xi][g][c'][kgp] (depthwise: [xi][kp]).
    // Units: (g, c', block of kConvLanePad channels k') (depthwise: blocks of channels); padding lanes are 0.
    template <class WT>
    static void winograd_weights(const ConvKernelArgs& A, float* U, int64_t begin, int64_t end) {
        const core::ConvGeometry& g = A.g;
        constexpr int AL = WT::kAlpha, X = AL * AL, NVV = static_cast<int>(kConvLanePad) / W;
        const bool dwise = g.depthwise();
        const int64_t kgp = A.plan.kgp, kp = A.plan.kp, kblocks = dwise ? kp / kConvLanePad : kgp / kConvLanePad;
        alignas(64) float tmp[W];
        for (int64_t u = begin; u < end; ++u) {
            const int64_t kb = u % kblocks, pair = u / kblocks;
            const int64_t grp = dwise ? 0 : pair / g.cg, ci = dwise ? 0 : pair % g.cg;
            for (int vv = 0; vv < NVV; ++vv) {
                const int64_t kq0 = kb * kConvLanePad + vv * W;
                f32 gw[9], uw[X];
                for (int e = 0; e < 9; ++e) {
                    for (int l = 0; l < W; ++l) {
                        const int64_t kq = kq0 + l;
                        const bool in = dwise ? kq < g.k : kq < g.kg;
                        tmp[l] = in ? A.w[g.w_index(dwise ? kq : grp * g.kg + kq, ci, e / 3, e % 3)] : 0.0f;
                    }
                    gw[e] = I::fload(tmp);
                }
                core::winograd_weight_2d<WT, I>(gw, uw);
                for (int xi = 0; xi < X; ++xi)
                    I::fstore(dwise ? U + xi * kp + kq0 : U + ((xi * g.groups + grp) * g.cg + ci) * kgp + kq0, uw[xi]);
            }
        }
    }
    static void winograd2_weights(const ConvKernelArgs& A, float* U, int64_t b, int64_t e) {
        winograd_weights<core::WinogradF2<I>>(A, U, b, e);
    }
    static void winograd4_weights(const ConvKernelArgs& A, float* U, int64_t b, int64_t e) {
        winograd_weights<core::WinogradF4<I>>(A, U, b, e);
    }

    static void forward_winograd2(const ConvKernelArgs& A, int64_t b, int64_t e) {
        forward_winograd<core::WinogradF2<I>>(A, b, e);
    }
    static void forward_winograd4(const ConvKernelArgs& A, int64_t b, int64_t e) {
        forward_winograd<core::WinogradF4<I>>(A, b, e);
    }
};

}  // namespace rk::cpu
