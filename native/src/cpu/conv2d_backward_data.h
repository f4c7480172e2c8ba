// Conv2d kernels: the data gradient, dx = conv_transpose(dy, w), computed per input position as the canonical chain
// of core/conv2d.h over the taps that reach an output. The row path puts vector lanes on input columns (with a plane
// kernel for one input channel per group in NCHW, stride 1, and the NHWC depthwise kernels of conv2d_depthwise_nhwc.h);
// the GEMM path puts them on input channels, grouping positions whose valid taps are alike.
#pragma once

#include <algorithm>
#include <cstdint>

#include "conv2d_depthwise_nhwc.h"
#include "conv2d_tiles.h"

namespace rk::cpu {

template <class I>
struct ConvBackwardData : ConvTiles<I> {
    using Tiles = ConvTiles<I>;
    using typename Tiles::f32;
    using typename Tiles::mask;
    using Tiles::W;
    using Tiles::store_lanes;
    using Tiles::kMaxTiles;
    using Tiles::load_cols;
    using Tiles::store_row;

    // ---- Backward data, row path: lanes over input columns w --------------------------------------------------------
    // Channels c0 .. c0 + MR - 1 (one group), input row h, columns w = phase + stride_w * m for m = m0, m0 + 1, ...
    // (one lane each): all lanes of a phase reach outputs through the same taps s, at consecutive columns q. Taps that
    // reach no output are skipped per lane (masked FMA), exactly as the canonical function skips them.
    template <int MR, int NV>
    static void backward_data_row_tile(const ConvKernelArgs& A, int64_t n, int64_t grp, int64_t c0, int64_t h,
                                       int64_t phase, int64_t m0) {
        const core::ConvGeometry& g = A.g;
        f32 acc[MR][NV];
        for (int i = 0; i < MR; ++i)
            for (int v = 0; v < NV; ++v) acc[i][v] = I::fsplat(0.0f);
        const int64_t rs = g.r * g.s, crs = g.cg * rs, est = g.nhwc ? g.k : 1;
        const int64_t mcount = core::ceil_div(g.w - phase, g.sw);  // columns of this phase
        for (int64_t kq = 0; kq < g.kg; ++kq) {
            const int64_t k = grp * g.kg + kq;
            const float* wk = A.w + k * crs + (c0 - grp * g.cg) * rs;
            for (int64_t r = 0; r < g.r; ++r) {
                const int64_t p = core::conv_tap_target(h, g.pt, r, g.dh, g.sh, g.p);
                if (p < 0) continue;
                const float* row = A.dy + (g.nhwc ? (n * g.p + p) * g.q * g.k + k : ((n * g.k + k) * g.p + p) * g.q);
                for (int64_t s = 0; s < g.s; ++s) {
                    const int64_t a = phase + g.pl - s * g.dw;  // w + pl - s * dw = a + stride_w * m
                    if (((a % g.sw) + g.sw) % g.sw != 0) continue;
                    const int64_t qa = a / g.sw;  // q = qa + m
                    for (int v = 0; v < NV; ++v) {
                        const int64_t mv = m0 + v * W, qv = qa + mv;
                        const int64_t lo = std::clamp<int64_t>(-qv, 0, W);
                        const int64_t hi = std::clamp<int64_t>(std::min(g.q - qv, mcount - mv), 0, W);
                        if (lo >= hi) continue;
                        const bool full = lo == 0 && hi == W;
                        f32 dv;
                        if (est == 1)
                            dv = full ? I::fload(row + qv)
                                      : I::load_range(row + qv, static_cast<int>(lo), static_cast<int>(hi));
                        else
                            dv = load_cols(row, qv, 1, g.q, est);  // lanes outside [lo, hi) are masked below
                        const mask m = I::range_mask(static_cast<int>(lo), static_cast<int>(hi));
                        for (int i = 0; i < MR; ++i) {
                            const f32 wv = I::fsplat(wk[i * rs + r * g.s + s]);
                            acc[i][v] = full ? I::ffma(dv, wv, acc[i][v]) : I::fma_masked(m, dv, wv, acc[i][v]);
                        }
                    }
                }
            }
        }
        for (int i = 0; i < MR; ++i) {
            const int64_t c = c0 + i;
            for (int v = 0; v < NV; ++v) {
                const int64_t mv = m0 + v * W;
                const int64_t cnt = std::min<int64_t>(W, mcount - mv);
                if (cnt <= 0) break;
                const int64_t w0 = phase + g.sw * mv;
                if (!g.nhwc && g.sw == 1) {
                    float* dst = A.dx + ((n * g.c + c) * g.h + h) * g.w + w0;
                    store_lanes(dst, acc[i][v], cnt);
                } else {
                    alignas(64) float tmp[W];
                    I::fstore(tmp, acc[i][v]);
                    for (int64_t l = 0; l < cnt; ++l) {
                        const int64_t w = w0 + g.sw * l;
                        A.dx[g.nhwc ? ((n * g.h + h) * g.w + w) * g.c + c : ((n * g.c + c) * g.h + h) * g.w + w] =
                            tmp[l];
                    }
                }
            }
        }
    }

    // Units: (n, group, input row h); depthwise NHWC (conv_dw_nhwc): (n, h).
    static void backward_data_row(const ConvKernelArgs& A, int64_t begin, int64_t end) {
        const core::ConvGeometry& g = A.g;
        constexpr int64_t span = int64_t{I::kRowNV} * W;
        if (conv_dw_nhwc(g)) {
            ConvDepthwiseNhwc<I>::backward_data_rows(A, begin, end);
            return;
        }
        if (g.cg == 1 && !g.nhwc && g.sh == 1 && g.sw == 1) {
            static constexpr auto plane_kernel =
                tile_table<I::kRowNV>([]<int NV> { return &backward_data_dw_plane<NV>; });
            const int nv = static_cast<int>(std::min<int64_t>(I::kRowNV, core::ceil_div(g.w, W)));
            ConvScratch lohi(static_cast<size_t>(2 * g.s * I::kRowNV) * sizeof(int64_t));
            for (int64_t u = begin; u < end;) {  // units (n, group, h): the unit of row 0 does the whole plane
                const int64_t n = u / (g.groups * g.h), grp = (u / g.h) % g.groups, h = u % g.h;
                if (h != 0) {
                    u += g.h - h;
                    continue;
                }
                plane_kernel(nv)(A, n, grp, lohi.ints());
                u += g.h;
            }
            return;
        }
        static constexpr auto row_tile =
            tile_table<I::kRowMR, I::kRowNV>([]<int MR, int NV> { return &backward_data_row_tile<MR, NV>; });
        for (int64_t u = begin; u < end; ++u) {
            const int64_t n = u / (g.groups * g.h), grp = (u / g.h) % g.groups, h = u % g.h;
            for (int64_t ci = 0; ci < g.cg; ci += I::kRowMR) {
                const int mr = static_cast<int>(std::min<int64_t>(I::kRowMR, g.cg - ci));
                for (int64_t phase = 0; phase < std::min(g.sw, g.w); ++phase) {
                    const int64_t mcount = core::ceil_div(g.w - phase, g.sw);
                    for (int64_t m0 = 0; m0 < mcount; m0 += span) {
                        const int nv = static_cast<int>(std::min<int64_t>(I::kRowNV, core::ceil_div(mcount - m0, W)));
                        row_tile(mr, nv)(A, n, grp, grp * g.cg + ci, h, phase, m0);
                    }
                }
            }
        }
    }


    // ---- Backward data, row path with one input channel per group (cg = 1), NCHW, stride 1 x 1 ----------------------
    // Backward data, depthwise-style (Cg = 1), NCHW, stride 1 x 1: a whole input plane (n, c). Which lanes of each
    // column vector a tap s reaches (0 <= q < Q, w < W) is the same for every row, so it is computed once per plane;
    // rows p outside [0, P) are skipped, lanes outside by masked FMAs, exactly as the canonical function skips them.
    template <int NV>
    static void backward_data_dw_plane(const ConvKernelArgs& A, int64_t n, int64_t c, int64_t* lohi) {
        const core::ConvGeometry& g = A.g;
        const int64_t rs = g.r * g.s, pq = g.p * g.q;
        float* dxc = A.dx + (n * g.c + c) * g.h * g.w;
        for (int64_t w0 = 0; w0 < g.w; w0 += int64_t{NV} * W) {
            for (int64_t s = 0; s < g.s; ++s)
                for (int v = 0; v < NV; ++v) {
                    const int64_t qv = w0 + v * W + g.pl - s * g.dw;
                    lohi[2 * (s * NV + v)] = std::clamp<int64_t>(-qv, 0, W);
                    lohi[2 * (s * NV + v) + 1] = std::clamp<int64_t>(std::min(g.q - qv, g.w - w0 - v * W), 0, W);
                }
            for (int64_t h = 0; h < g.h; ++h) {
                f32 acc[NV];
                RK_CONV_UNROLL(4)
                for (int v = 0; v < NV; ++v) acc[v] = I::fsplat(0.0f);
                for (int64_t kq = 0; kq < g.kg; ++kq) {
                    const int64_t k = c * g.kg + kq;
                    const float* dyk = A.dy + (n * g.k + k) * pq;
                    const float* wk = A.w + k * rs;
                    for (int64_t r = 0; r < g.r; ++r) {
                        const int64_t p = h + g.pt - r * g.dh;
                        if (p < 0 || p >= g.p) continue;
                        const float* row = dyk + p * g.q + w0 + g.pl;
                        for (int64_t s = 0; s < g.s; ++s) {
                            const f32 wv = I::fsplat(wk[r * g.s + s]);
                            const float* src = row - s * g.dw;
                            RK_CONV_UNROLL(4)
                            for (int v = 0; v < NV; ++v) {
                                const int lo = static_cast<int>(lohi[2 * (s * NV + v)]);
                                const int hi = static_cast<int>(lohi[2 * (s * NV + v) + 1]);
                                if (lo == 0 && hi == W)
                                    acc[v] = I::ffma(I::fload(src + v * W), wv, acc[v]);
                                else if (lo < hi)
                                    acc[v] = I::fma_masked(I::range_mask(lo, hi), I::load_range(src + v * W, lo, hi),
                                                           wv, acc[v]);
                            }
                        }
                    }
                }
                RK_CONV_UNROLL(4)
                for (int v = 0; v < NV; ++v) {
                    const int64_t cnt = std::min<int64_t>(W, g.w - w0 - v * W);
                    if (cnt <= 0) break;
                    float* dst = dxc + h * g.w + w0 + v * W;
                    store_lanes(dst, acc[v], cnt);
                }
            }
        }
    }

    // ---- Backward data, GEMM path: lanes over input channels --------------------------------------------------------
    // Units: (n, block of A.rows_per_unit input rows). Input positions whose rows have the same valid taps r (a
    // row signature) and whose columns have the same valid taps s (a column signature) share one tap table over
    // (k', r, s) in canonical order that holds only the taps reaching an output; they are tiled together, across rows.
    // When a unit is a whole image (units_per_image == 1), the tables depend on the rows only, so the range's images
    // share them and their positions are tiled together too (small images fill tiles; each position's chain is its
    // own either way).
    static void backward_data_gemm(const ConvKernelArgs& A, int64_t begin, int64_t end) {
        const core::ConvGeometry& g = A.g;
        constexpr int MR = I::kGemmMR, NV = I::kGemmNV, LDC = NV * W;
        constexpr int64_t kTilePos = int64_t{kMaxTiles} * MR;
        const int64_t rs = g.r * g.s, nkk = g.kg * rs, cgp = A.plan.cgp, cvecs = core::ceil_div(g.cg, W);
        const int64_t rows_per_unit = A.rows_per_unit, units_per_image = A.units_per_image;
        // Scratch: tap tables (kb, boff), per-row valid taps (r, p) and signature ids, positions of one signature pair.
        ConvScratch scratch(static_cast<size_t>(2 * nkk + 2 * rows_per_unit * g.r + 2 * rows_per_unit + 3 * kTilePos) *
                            sizeof(int64_t));
        int64_t* kb = scratch.ints();
        int64_t* boff = kb + nkk;
        int64_t* rr = boff + nkk;                    // [row][R]: valid r
        int64_t* pp = rr + rows_per_unit * g.r;      // [row][R]: their output rows p
        int64_t* nrow = pp + rows_per_unit * g.r;    // [row]: number of valid r
        int64_t* rsig = nrow + rows_per_unit;        // [row]: representative row of its signature
        int64_t* pos_h = rsig + rows_per_unit;       // [position]: input row
        int64_t* pos_w = pos_h + kTilePos;           // [position]: input column
        int64_t* pos_n = pos_w + kTilePos;           // [position]: image
        alignas(64) float cbuf[kMaxTiles * MR * LDC];
        const float* arows[kMaxTiles * MR];
        int mrs[kMaxTiles];
        for (int64_t u = begin; u < end;) {
            const int64_t n0 = u / units_per_image, h0 = (u % units_per_image) * rows_per_unit;
            const int64_t nh = std::min(rows_per_unit, g.h - h0);
            const int64_t n1 = units_per_image == 1 ? end : n0 + 1;  // images [n0, n1) at rows [h0, h0 + nh)
            u = units_per_image == 1 ? end : u + 1;
            for (int64_t i = 0; i < nh; ++i) {
                int64_t cnt = 0;
                for (int64_t r = 0; r < g.r; ++r) {
                    const int64_t p = core::conv_tap_target(h0 + i, g.pt, r, g.dh, g.sh, g.p);
                    if (p < 0) continue;
                    rr[i * g.r + cnt] = r;
                    pp[i * g.r + cnt] = p;
                    ++cnt;
                }
                nrow[i] = cnt;
                rsig[i] = i;
                for (int64_t j = 0; j < i; ++j) {  // same valid r and the same relative p: same signature
                    if (rsig[j] != j || nrow[j] != cnt) continue;
                    bool same = true;
                    for (int64_t t = 0; t < cnt && same; ++t)
                        same = rr[j * g.r + t] == rr[i * g.r + t] &&
                               pp[j * g.r + t] - pp[j * g.r] == pp[i * g.r + t] - pp[i * g.r];
                    if (same) {
                        rsig[i] = j;
                        break;
                    }
                }
            }
            for (int64_t rep = 0; rep < nh; ++rep) {
                if (rsig[rep] != rep) continue;
                const int64_t nr = nrow[rep];
                const int64_t* rrr = rr + rep * g.r;
                const int64_t* rpp = pp + rep * g.r;
                for (int64_t sig = 0; sig < A.nsigs; ++sig) {
                    const int64_t* cols = A.sig_cols + A.sig_col_start[sig];
                    const int64_t ncols = A.sig_col_start[sig + 1] - A.sig_col_start[sig];
                    const int64_t* st = A.sig_taps + 2 * A.sig_start[sig];
                    const int64_t ns = A.sig_start[sig + 1] - A.sig_start[sig];
                    if (ncols == 0) continue;
                    int64_t e = 0;
                    for (int64_t kq = 0; kq < g.kg && nr > 0; ++kq)
                        for (int64_t ri = 0; ri < nr; ++ri)
                            for (int64_t si = 0; si < ns; ++si) {
                                kb[e] = kq * A.a_chan + (rpp[ri] - rpp[0]) * A.a_row + st[2 * si + 1] * A.a_col;
                                boff[e] = ((kq * g.r + rrr[ri]) * g.s + st[2 * si]) * cgp;
                                ++e;
                            }
                    // Positions (n, h, w) of this signature pair, image by image and row by row, in batches of kTilePos.
                    int64_t ni = n0, hi = rep, ci = 0;
                    for (;;) {
                        int64_t npos = 0;
                        while (npos < kTilePos && ni < n1) {
                            if (hi == nh) {
                                hi = rep;
                                ++ni;
                                continue;
                            }
                            if (rsig[hi] != rep) {
                                ++hi;
                                continue;
                            }
                            pos_n[npos] = ni;
                            pos_h[npos] = hi;
                            pos_w[npos] = cols[ci];
                            ++npos;
                            if (++ci == ncols) {
                                ci = 0;
                                ++hi;
                            }
                        }
                        if (npos == 0) break;
                        write_or_compute_dx(A, h0, e, kb, boff, npos, pos_n, pos_h, pos_w, pp, cbuf, arows, mrs, cgp, nkk,
                                            cvecs);
                    }
                }
            }
        }
    }

    static void write_or_compute_dx(const ConvKernelArgs& A, int64_t h0, int64_t ntaps, const int64_t* kb,
                                    const int64_t* boff, int64_t npos, const int64_t* pos_n, const int64_t* pos_h,
                                    const int64_t* pos_w, const int64_t* pp, float* cbuf, const float** arows, int* mrs,
                                    int64_t cgp, int64_t nkk, int64_t cvecs) {
        const core::ConvGeometry& g = A.g;
        constexpr int MR = I::kGemmMR, NV = I::kGemmNV, LDC = NV * W;
        auto dx_index = [&](int64_t i, int64_t cc) {
            const int64_t n = pos_n[i], h = h0 + pos_h[i], w = pos_w[i];
            return g.nhwc ? ((n * g.h + h) * g.w + w) * g.c + cc : ((n * g.c + cc) * g.h + h) * g.w + w;
        };
        if (ntaps == 0) {  // no tap reaches an output: dx = +0
            for (int64_t i = 0; i < npos; ++i)
                for (int64_t cc = 0; cc < g.c; ++cc) A.dx[dx_index(i, cc)] = 0.0f;
            return;
        }
        const int64_t ntiles = core::ceil_div(npos, MR);
        for (int64_t grp = 0; grp < g.groups; ++grp) {
            const float* abase = A.a + grp * g.kg * A.a_chan;
            for (int64_t t = 0; t < ntiles; ++t) {
                mrs[t] = static_cast<int>(std::min<int64_t>(MR, npos - t * MR));
                for (int i = 0; i < mrs[t]; ++i) {
                    const int64_t pi = t * MR + i;
                    arows[t * MR + i] =
                        abase + pos_n[pi] * A.a_img + pp[pos_h[pi] * g.r] * A.a_row + A.first_q[pos_w[pi]] * A.a_col;
                }
            }
            for (int64_t cv0 = 0; cv0 < cvecs; cv0 += NV) {
                const int nv = static_cast<int>(std::min<int64_t>(NV, cvecs - cv0));
                const float* b = A.panel + grp * nkk * cgp + cv0 * W;
                const int64_t clanes = std::min<int64_t>(nv * W, g.cg - cv0 * W);
                Tiles::template run_tiles<true, true>(ntiles, arows, mrs, nv, ntaps, kb, b, boff, 0, cbuf);
                const int64_t c0 = grp * g.cg + cv0 * W;
                if (g.nhwc) {
                    for (int64_t i = 0; i < npos; ++i) store_row(A.dx + dx_index(i, c0), cbuf + i * LDC, clanes);
                } else {
                    for (int64_t l = 0; l < clanes; ++l)
                        for (int64_t i = 0; i < npos; ++i) A.dx[dx_index(i, c0 + l)] = cbuf[i * LDC + l];
                }
            }
        }
    }

};

}  // namespace rk::cpu
