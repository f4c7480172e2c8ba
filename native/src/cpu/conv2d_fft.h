// Conv2d kernels: FFT forward (16 x 16 tiles, core/conv2d.h's transforms and complex multiply-add) and its weight
// transform. Lanes run over channels; the per-bin channel products are complex register tiles (cgemm_tile), the
// complex counterpart of conv2d_tiles.h's gemm_tile.
#pragma once

#include <algorithm>
#include <cstdint>

#include "conv2d_tiles.h"

namespace rk::cpu {

template <class I>
struct ConvFft : ConvTiles<I> {
    using Tiles = ConvTiles<I>;
    using typename Tiles::f32;
    using Tiles::W;
    using Tiles::bias_lanes;
    using Tiles::store_channels;
    using Tiles::store_cols_nchw;

    // ---- FFT --------------------------------------------------------------------------------------------------------
    // Weights: V = conj(F(w padded to 16 x 16)), layout [bin][g][c'][re | im][kgp] (depthwise: [bin][re | im][kp]).
    // Units: (g, c', block of kConvLanePad channels k') (depthwise: blocks of channels).
    static void fft_weights(const ConvKernelArgs& A, float* V, int64_t begin, int64_t end) {
        const core::ConvGeometry& g = A.g;
        const bool dwise = g.depthwise();
        const int64_t kgp = A.plan.kgp, kp = A.plan.kp, kblocks = dwise ? kp / kConvLanePad : kgp / kConvLanePad;
        constexpr int NVV = static_cast<int>(kConvLanePad) / W;
        f32 patch[256], wr[core::kFftBins], wi[core::kFftBins];
        alignas(64) float tmp[W];
        for (int64_t u = begin; u < end; ++u) {
            const int64_t kb = u % kblocks, pair = u / kblocks;
            const int64_t grp = dwise ? 0 : pair / g.cg, ci = dwise ? 0 : pair % g.cg;
            for (int vv = 0; vv < NVV; ++vv) {
                const int64_t kq0 = kb * kConvLanePad + vv * W;  // channel within the group (depthwise: k)
                for (int e = 0; e < 256; ++e) {
                    const int i = e / 16, j = e % 16;
                    for (int l = 0; l < W; ++l) {
                        const int64_t kq = kq0 + l;
                        const bool in = i < g.r && j < g.s && (dwise ? kq < g.k : kq < g.kg);
                        tmp[l] = in ? A.w[g.w_index(dwise ? kq : grp * g.kg + kq, ci, i, j)] : 0.0f;
                    }
                    patch[e] = I::fload(tmp);
                }
                core::fft_forward_2d<I>(patch, wr, wi);
                for (int b = 0; b < core::kFftBins; ++b) {
                    float* dst = dwise ? V + b * 2 * kp + kq0 : V + ((b * g.groups + grp) * g.cg + ci) * 2 * kgp + kq0;
                    const int64_t imo = dwise ? kp : kgp;
                    I::fstore(dst, wr[b]);
                    I::fstore(dst + imo, I::fneg(wi[b]));
                }
            }
        }
    }

    // Complex products of MR rows of D (real parts ar[i], imaginary ai[i]) with NV vectors of V over c' in [0, nc):
    // accumulated from +0 by fft_cmac in order of c'; real parts to cr (rows of ldc), imaginary ones c_im_off after.
    template <int MR, int NV>
    static void cgemm_tile(int64_t nc, const float* const* ar, const float* const* ai, const float* b, int64_t ldb,
                           int64_t im_off, float* cr, int64_t ldc, int64_t c_im_off) {
        f32 accr[MR][NV], acci[MR][NV];
        for (int i = 0; i < MR; ++i)
            for (int v = 0; v < NV; ++v) accr[i][v] = acci[i][v] = I::fsplat(0.0f);
        for (int64_t t = 0; t < nc; ++t) {
            f32 br[NV], bi[NV];
            for (int v = 0; v < NV; ++v) {
                br[v] = I::fload(b + t * ldb + v * W);
                bi[v] = I::fload(b + t * ldb + im_off + v * W);
            }
            for (int i = 0; i < MR; ++i) {
                const f32 dr = I::fsplat(ar[i][t]), di = I::fsplat(ai[i][t]);
                for (int v = 0; v < NV; ++v) core::fft_cmac<I>(dr, di, br[v], bi[v], accr[i][v], acci[i][v]);
            }
        }
        for (int i = 0; i < MR; ++i)
            for (int v = 0; v < NV; ++v) {
                I::fstore(cr + i * ldc + v * W, accr[i][v]);
                I::fstore(cr + i * ldc + c_im_off + v * W, acci[i][v]);
            }
    }

    // Units: (n, block of tiles_per_unit tiles).
    static void forward_fft(const ConvKernelArgs& A, int64_t begin, int64_t end) {
        static constexpr auto cplx_tile =
            tile_table<I::kCplxMR, I::kCplxNV>([]<int MR, int NV> { return &cgemm_tile<MR, NV>; });
        const core::ConvGeometry& g = A.g;
        const ConvPlan& pl = A.plan;
        constexpr int B = core::kFftBins, MR = I::kCplxMR, NV = I::kCplxNV;
        const bool dwise = g.depthwise();
        const int64_t tb = A.tiles_per_unit, cp = pl.cp, kgp = pl.kgp, mh = pl.tile_h, mw = pl.tile_w;
        const int64_t mcols = dwise ? pl.kp : g.groups * kgp, ntiles_img = pl.tiles_p * pl.tiles_q;
        const int64_t kvecs = core::ceil_div(g.kg, W);
        ConvScratch dmem(static_cast<size_t>(B * tb * 2 * cp) * sizeof(float));
        ConvScratch zmem(static_cast<size_t>(B * tb * 2 * mcols) * sizeof(float));
        ConvScratch tmem(static_cast<size_t>(256 + 2 * B) * sizeof(f32));
        float* D = dmem.floats();
        float* Z = zmem.floats();
        f32* patch = reinterpret_cast<f32*>(tmem.floats());
        f32* fr = patch + 256;
        f32* fi = fr + B;
        const float* ar[MR];
        const float* ai[MR];
        for (int64_t u = begin; u < end; ++u) {
            const int64_t n = u / A.units_per_image, blk = u % A.units_per_image;
            const int64_t t0 = blk * tb, nt = std::min(tb, ntiles_img - t0);
            for (int64_t ti = 0; ti < nt; ++ti) {
                const int64_t tile = t0 + ti, tp = tile / pl.tiles_q, tq = tile % pl.tiles_q;
                const float* src = A.xt + ((n * pl.hp + tp * mh) * pl.wp + tq * mw) * cp;
                for (int64_t cv = 0; cv < cp; cv += W) {
                    for (int i = 0; i < 16; ++i)
                        for (int j = 0; j < 16; ++j) patch[i * 16 + j] = I::fload(src + (i * pl.wp + j) * cp + cv);
                    core::fft_forward_2d<I>(patch, fr, fi);
                    for (int b = 0; b < B; ++b) {
                        I::fstore(D + ((b * tb + ti) * 2) * cp + cv, fr[b]);
                        I::fstore(D + ((b * tb + ti) * 2 + 1) * cp + cv, fi[b]);
                    }
                }
            }
            if (dwise) {
                for (int64_t b = 0; b < B; ++b)
                    for (int64_t ti = 0; ti < nt; ++ti)
                        for (int64_t kv = 0; kv < mcols; kv += W) {
                            f32 re = I::fsplat(0.0f), im = I::fsplat(0.0f);
                            const float* d = D + ((b * tb + ti) * 2) * cp + kv;
                            const float* v = A.u + b * 2 * pl.kp + kv;
                            core::fft_cmac<I>(I::fload(d), I::fload(d + cp), I::fload(v), I::fload(v + pl.kp), re, im);
                            I::fstore(Z + ((b * tb + ti) * 2) * mcols + kv, re);
                            I::fstore(Z + ((b * tb + ti) * 2 + 1) * mcols + kv, im);
                        }
            } else {
                for (int64_t b = 0; b < B; ++b)
                    for (int64_t grp = 0; grp < g.groups; ++grp)
                        for (int64_t kv0 = 0; kv0 < kvecs; kv0 += NV) {
                            const int nv = static_cast<int>(std::min<int64_t>(NV, kvecs - kv0));
                            const float* wb = A.u + (b * g.groups + grp) * g.cg * 2 * kgp + kv0 * W;
                            for (int64_t ti0 = 0; ti0 < nt; ti0 += MR) {
                                const int mr = static_cast<int>(std::min<int64_t>(MR, nt - ti0));
                                for (int i = 0; i < mr; ++i) {
                                    ar[i] = D + ((b * tb + ti0 + i) * 2) * cp + grp * g.cg;
                                    ai[i] = ar[i] + cp;
                                }
                                cplx_tile(mr, nv)(g.cg, ar, ai, wb, 2 * kgp, kgp,
                                                  Z + ((b * tb + ti0) * 2) * mcols + grp * kgp + kv0 * W, 2 * mcols,
                                                  mcols);
                            }
                        }
            }
            for (int64_t ti = 0; ti < nt; ++ti) {
                const int64_t tile = t0 + ti, p0 = (tile / pl.tiles_q) * mh, q0 = (tile % pl.tiles_q) * mw;
                for (int64_t grp = 0; grp < (dwise ? 1 : g.groups); ++grp) {
                    const int64_t kcount = dwise ? g.k : g.kg;
                    for (int64_t kq = 0; kq < kcount; kq += W) {
                        const int64_t cnt = std::min<int64_t>(W, kcount - kq);
                        const int64_t col = (dwise ? 0 : grp * kgp) + kq, k0 = grp * g.kg + kq;
                        for (int b = 0; b < B; ++b) {
                            fr[b] = I::fload(Z + ((b * tb + ti) * 2) * mcols + col);
                            fi[b] = I::fload(Z + ((b * tb + ti) * 2 + 1) * mcols + col);
                        }
                        core::fft_inverse_2d<I>(fr, fi, patch);
                        const f32 bv = A.bias ? bias_lanes(A, k0, cnt) : I::fsplat(0.0f);
                        const f32 scale = I::fsplat(core::kFftScale);
                        for (int64_t a = 0; a < mh && p0 + a < g.p; ++a) {
                            f32 row[16];
                            const int64_t ncols = std::min<int64_t>(mw, g.q - q0);
                            for (int64_t b = 0; b < ncols; ++b) {
                                const f32 z = I::fmul(patch[a * 16 + b], scale);
                                row[b] = A.bias ? I::fadd(z, bv) : z;
                            }
                            if (g.nhwc) {
                                for (int64_t b = 0; b < ncols; ++b)
                                    store_channels(A, n, k0, cnt, p0 + a, q0 + b, row[b]);
                            } else {
                                for (int64_t b0 = 0; b0 < ncols; b0 += W)
                                    store_cols_nchw(A, n, k0, cnt, p0 + a, q0 + b0, std::min<int64_t>(W, ncols - b0),
                                                    row + b0);
                            }
                        }
                    }
                }
            }
        }
    }
};

}  // namespace rk::cpu
