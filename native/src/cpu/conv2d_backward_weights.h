// Conv2d kernels: the weight and bias gradients, dw = sum over positions of dy x x~ and dbias = sum of dy, each output
// summed over the positions in chunks of kConvReductionChunk as core/conv2d.h defines it. Both read dy transposed
// (transpose_dy, here) so that lanes run over output channels: the GEMM path for dense and grouped convolutions, the
// depthwise path (lanes over channels, x from the NHWC copy of conv2d_tiles.h) for groups = C = K.
#pragma once

#include <algorithm>
#include <cstdint>

#include "conv2d_tiles.h"

namespace rk::cpu {

template <class I>
struct ConvBackwardWeights : ConvTiles<I> {
    using Tiles = ConvTiles<I>;
    using typename Tiles::f32;
    using Tiles::W;
    using Tiles::kCAdd;
    using Tiles::kCStore;
    using Tiles::copy_floats;

    // ---- Shared by both paths: dy transposed, and where each position's taps start in x~ ----------------------------
    // base[t] = offset of x~ at tap (0, 0) of position j0 + t, j = (n * P + p) * Q + q, in A's strides.
    static void position_bases(const ConvKernelArgs& A, int64_t j0, int64_t len, int64_t* base) {
        const core::ConvGeometry& g = A.g;
        int64_t n = j0 / (g.p * g.q), p = (j0 / g.q) % g.p, q = j0 % g.q;
        int64_t row = n * A.a_img + p * g.sh * A.a_row;
        for (int64_t t = 0; t < len; ++t) {
            base[t] = row + q * g.sw * A.a_col;
            if (++q == g.q) {
                q = 0;
                if (++p == g.p) {
                    p = 0;
                    ++n;
                }
                row = n * A.a_img + p * g.sh * A.a_row;
            }
        }
    }

    // dy transposed: dyt[j][col(k)], j = (n * P + p) * Q + q, col(k) = (k / Kg) * kgp + k % Kg (GEMM layout) or k
    // (depthwise layout, row length kp); padding columns are 0. Units: blocks of kConvTransposeRows positions.
    static void transpose_dy(const ConvKernelArgs& A, float* dyt, int64_t begin, int64_t end) {
        const core::ConvGeometry& g = A.g;
        const bool gemm = A.plan.path == ConvPath::kGemm;
        const int64_t ldt = gemm ? g.groups * A.plan.kgp : A.plan.kp, pq = g.p * g.q, npq = g.n * pq;
        auto column = [&](int64_t k) { return gemm ? (k / g.kg) * A.plan.kgp + k % g.kg : k; };
        for (int64_t u = begin; u < end; ++u) {
            const int64_t j0 = u * kConvTransposeRows, j1 = std::min(npq, j0 + kConvTransposeRows);
            copy_floats(dyt + j0 * ldt, nullptr, (j1 - j0) * ldt);
            if (g.nhwc) {
                for (int64_t j = j0; j < j1; ++j)
                    for (int64_t grp = 0; grp < g.groups; ++grp)
                        copy_floats(dyt + j * ldt + column(grp * g.kg), A.dy + j * g.k + grp * g.kg, g.kg);
                continue;
            }
            for (int64_t j = j0; j < j1;) {  // runs of positions within one image: dy[n][k][pq .. pq + run)
                const int64_t n = j / pq, pos = j % pq, run = std::min(j1 - j, pq - pos);
                const float* src = A.dy + n * g.k * pq + pos;
                float* dst = dyt + j * ldt;
                int64_t k0 = 0;
                for (; k0 < g.k; k0 += W) {
                    const int64_t kn = std::min<int64_t>(W, g.k - k0);
                    const bool whole = kn == W && column(k0 + W - 1) == column(k0) + W - 1;  // one group, contiguous
                    int64_t t = 0;
                    if (whole)
                        for (; t + W <= run; t += W)
                            I::transpose(src + k0 * pq + t, pq, dst + t * ldt + column(k0), ldt);
                    for (; t < run; ++t)
                        for (int64_t l = 0; l < kn; ++l) dst[t * ldt + column(k0 + l)] = src[(k0 + l) * pq + t];
                }
                j += run;
            }
        }
    }

    // ---- Backward weights, GEMM path: lanes over output channels ----------------------------------------------------
    // Units: (group, block of kConvPanel channels, block of taps_per_unit weight taps kk = (c', r, s)). Chunks of
    // kConvReductionChunk positions in order; each tile's chunk sum is added to its running total.
    static void backward_weights_gemm(const ConvKernelArgs& A, int64_t begin, int64_t end) {
        const core::ConvGeometry& g = A.g;
        constexpr int MR = I::kGemmMR, NV = I::kGemmNV, LDC = NV * W;
        constexpr int64_t kChunk = core::kConvReductionChunk;
        const int64_t pq = g.p * g.q, npq = g.n * pq, kblocks = A.plan.kgp / kConvPanel;
        const int64_t ldt = g.groups * A.plan.kgp;
        const int64_t max_tiles = core::ceil_div(A.taps_per_unit, MR);
        const int64_t max_kv = core::ceil_div(kConvPanel / W, NV);
        ConvScratch totals_mem(static_cast<size_t>(max_tiles * max_kv * MR * LDC) * sizeof(float));
        ConvScratch base_mem(static_cast<size_t>(kChunk) * sizeof(int64_t));
        float* totals = totals_mem.floats();
        int64_t* base = base_mem.ints();
        const float* arow[MR];
        for (int64_t u = begin; u < end; ++u) {
            const int64_t grp = u / (kblocks * A.tile_groups), kb64 = (u / A.tile_groups) % kblocks;
            const int64_t tgi = u % A.tile_groups;
            const int64_t kk0 = tgi * A.taps_per_unit, kk1 = std::min(A.ntaps, kk0 + A.taps_per_unit);
            const int64_t kvalid = std::min<int64_t>(kConvPanel, g.kg - kb64 * kConvPanel);
            const int64_t kvecs = core::ceil_div(kvalid, W), nkv = core::ceil_div(kvecs, NV);
            const int64_t ntiles = core::ceil_div(kk1 - kk0, MR);
            const float* abase = A.a + grp * g.cg * A.a_chan;
            for (int64_t j0 = 0; j0 < npq; j0 += kChunk) {
                const int64_t len = std::min(kChunk, npq - j0);
                position_bases(A, j0, len, base);
                for (int64_t kvb = 0; kvb < nkv; ++kvb) {
                    const int nv = static_cast<int>(std::min<int64_t>(NV, kvecs - kvb * NV));
                    const float* b = A.dyt + j0 * ldt + grp * A.plan.kgp + kb64 * kConvPanel + kvb * NV * W;
                    for (int64_t ti = 0; ti < ntiles; ++ti) {
                        const int64_t kkt = kk0 + ti * MR;
                        const int mr = static_cast<int>(std::min<int64_t>(MR, kk1 - kkt));
                        for (int i = 0; i < mr; ++i) arow[i] = abase + A.taps[kkt + i];
                        Tiles::template gemm_tile_for<true, false>(mr, nv)(len, arow, base, b, nullptr, ldt,
                                                                           totals + (ti * max_kv + kvb) * MR * LDC,
                                                                           LDC, j0 == 0 ? kCStore : kCAdd);
                    }
                }
            }
            for (int64_t ti = 0; ti < ntiles; ++ti) {
                const int64_t kkt = kk0 + ti * MR;
                const int64_t mr = std::min<int64_t>(MR, kk1 - kkt);
                for (int64_t l = 0; l < kvalid; ++l) {
                    const int64_t kvb = l / (NV * W), lane = l % (NV * W);
                    const int64_t k = grp * g.kg + kb64 * kConvPanel + l;
                    const float* tot = totals + (ti * max_kv + kvb) * MR * LDC + lane;
                    for (int64_t i = 0; i < mr; ++i) A.dw[k * A.ntaps + kkt + i] = tot[i * LDC];
                }
            }
        }
    }

    // ---- Backward weights, depthwise (C = K = groups): lanes over channels ------------------------------------------
    // Units: (block of kConvLanePad channels, block of kConvDwTaps taps (r, s)). xt is the padded NHWC copy.
    template <int NT>
    static void depthwise_chunk(const ConvKernelArgs& A, const int64_t* base, int64_t len, const float* dyt, int64_t t0,
                                int64_t ch0, float* totals, bool first) {
        constexpr int NVV = static_cast<int>(kConvLanePad) / W;
        f32 acc[NT][NVV];
        for (int i = 0; i < NT; ++i)
            for (int v = 0; v < NVV; ++v) acc[i][v] = I::fsplat(0.0f);
        const int64_t kp = A.plan.kp;
        for (int64_t t = 0; t < len; ++t) {
            const float* xb = A.xt + base[t] + ch0;
            for (int v = 0; v < NVV; ++v) {
                const f32 dv = I::fload(dyt + t * kp + ch0 + v * W);
                for (int i = 0; i < NT; ++i) acc[i][v] = I::ffma(dv, I::fload(xb + A.taps[t0 + i] + v * W), acc[i][v]);
            }
        }
        for (int i = 0; i < NT; ++i)
            for (int v = 0; v < NVV; ++v) {
                float* tp = totals + i * kConvLanePad + v * W;
                I::fstore(tp, first ? acc[i][v] : I::fadd(I::fload(tp), acc[i][v]));
            }
    }

    static void backward_weights_depthwise(const ConvKernelArgs& A, int64_t begin, int64_t end) {
        static constexpr auto chunk = tile_table<kConvDwTaps>([]<int NT> { return &depthwise_chunk<NT>; });
        const core::ConvGeometry& g = A.g;
        constexpr int64_t kChunk = core::kConvReductionChunk;
        const int64_t pq = g.p * g.q, npq = g.n * pq, rs = g.r * g.s;
        alignas(64) float totals[kConvDwTaps * kConvLanePad];
        int64_t base[kChunk];
        for (int64_t u = begin; u < end; ++u) {
            const int64_t ch0 = (u / A.tile_groups) * kConvLanePad, t0 = (u % A.tile_groups) * kConvDwTaps;
            const int nt = static_cast<int>(std::min<int64_t>(kConvDwTaps, rs - t0));
            for (int64_t j0 = 0; j0 < npq; j0 += kChunk) {
                const int64_t len = std::min(kChunk, npq - j0);
                position_bases(A, j0, len, base);
                chunk(nt)(A, base, len, A.dyt + j0 * A.plan.kp, t0, ch0, totals, j0 == 0);
            }
            for (int64_t l = 0; l < kConvLanePad && ch0 + l < g.k; ++l)
                for (int i = 0; i < nt; ++i) A.dw[(ch0 + l) * rs + t0 + i] = totals[i * kConvLanePad + l];
        }
    }

    // ---- Bias gradient from dy transposed: units = blocks of kConvLanePad columns -----------------------------------
    static void backward_bias_t(const ConvKernelArgs& A, int64_t begin, int64_t end) {
        const core::ConvGeometry& g = A.g;
        constexpr int NVV = static_cast<int>(kConvLanePad) / W;
        constexpr int64_t kChunk = core::kConvReductionChunk;
        const bool gemm = A.plan.path == ConvPath::kGemm;
        const int64_t ldt = gemm ? g.groups * A.plan.kgp : A.plan.kp, npq = g.n * g.p * g.q;
        for (int64_t u = begin; u < end; ++u) {
            const int64_t col0 = u * kConvLanePad;
            f32 total[NVV];
            for (int v = 0; v < NVV; ++v) total[v] = I::fsplat(0.0f);
            for (int64_t j0 = 0; j0 < npq; j0 += kChunk) {
                const int64_t j1 = std::min(npq, j0 + kChunk);
                f32 acc[NVV];
                for (int v = 0; v < NVV; ++v) acc[v] = I::fsplat(0.0f);
                for (int64_t j = j0; j < j1; ++j)
                    for (int v = 0; v < NVV; ++v) acc[v] = I::fadd(acc[v], I::fload(A.dyt + j * ldt + col0 + v * W));
                for (int v = 0; v < NVV; ++v) total[v] = j0 == 0 ? acc[v] : I::fadd(total[v], acc[v]);
            }
            alignas(64) float out[kConvLanePad];
            for (int v = 0; v < NVV; ++v) I::fstore(out + v * W, total[v]);
            for (int64_t l = 0; l < kConvLanePad; ++l) {
                const int64_t col = col0 + l;
                if (gemm) {
                    const int64_t grp = col / A.plan.kgp, kq = col % A.plan.kgp;
                    if (kq < g.kg) A.dbias[grp * g.kg + kq] = out[l];
                } else if (col < g.k) {
                    A.dbias[col] = out[l];
                }
            }
        }
    }
};

}  // namespace rk::cpu
