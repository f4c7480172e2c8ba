// BatchNorm2d / LayerNorm kernels for one ISA, over a lanes type L. Include only from the norm_<isa>.cpp files, which
// compile it with their ISA's flags.
//
// A chunk's values are computed into a 2048-float buffer (a BatchNorm chunk may span several (n, c) planes), then
// summed with core::canonical_chunk_sum_lanes<L> (the 16 lane sums in 16 / W registers). Every per-element value and
// output is the core's function (core/normalization.h), so scalar and SIMD builds give the same bits.
#pragma once

#include <cstdint>

#include "../core/canonical_sum.h"
#include "../core/normalization.h"
#include "norm_kernels.h"

namespace rk::cpu {

template <class L>
struct NormRows {
    using S = core::ScalarLanes;
    static constexpr int64_t kChunk = core::kSumChunk;

    // Calls f(j, offset, n) for the contiguous runs of elements [j0, j1) of group g (a run never crosses a plane).
    template <class F>
    static void runs(const core::NormGeometry& g, int64_t group, int64_t j0, int64_t j1, F f) {
        for (int64_t j = j0; j < j1;) {
            const int64_t i = j % g.inner;
            const int64_t n = g.inner - i < j1 - j ? g.inner - i : j1 - j;
            f(j, g.offset(group, j), n);
            j += n;
        }
    }

    static void chunk_sums(const backend::NormArgs& a, NormSum what, int64_t group, int64_t chunk, float mean,
                           float invstd, float* out) {
        alignas(64) float v0[kChunk];
        alignas(64) float v1[kChunk];
        const int64_t j0 = chunk * kChunk, m = a.g.group_size() - j0 < kChunk ? a.g.group_size() - j0 : kChunk;
        runs(a.g, group, j0, j0 + m, [&](int64_t j, int64_t off, int64_t n) {
            float* d0 = v0 + (j - j0);
            float* d1 = v1 + (j - j0);
            switch (what) {
                case NormSum::kX:
                    for (int64_t k = 0; k < n; ++k) d0[k] = a.x[off + k];
                    break;
                case NormSum::kCenteredSq:
                    for (int64_t k = 0; k < n; ++k) d0[k] = core::norm_square(core::norm_centered(a.x[off + k], mean));
                    break;
                case NormSum::kBackward:
                    for (int64_t k = 0; k < n; ++k) {
                        float t[2];
                        core::norm_backward_terms(a.g.kind, j + k, a.x[off + k], a.dy[off + k], a.gamma, mean, invstd, t);
                        d0[k] = t[0];
                        d1[k] = t[1];
                    }
                    break;
            }
        });
        out[0] = core::canonical_chunk_sum_lanes<L>(v0, m);
        if (what == NormSum::kBackward)
            out[1] = core::canonical_chunk_sum_lanes<L>(v1, m);
    }

    // The elementwise step with the pass and the kind as constants, so that norm_output's switch folds away on this
    // hot loop (the same single-source function the device calls with run-time values).
    template <core::NormPass P, core::NormKind K>
    static void apply_fixed(const backend::NormArgs& a, int64_t group, int64_t j0, int64_t j1, const float* c) {
        runs(a.g, group, j0, j1, [&](int64_t j, int64_t off, int64_t n) {
            for (int64_t k = 0; k < n; ++k)
                a.out[off + k] = core::norm_output(P, K, group, j + k, a.x ? a.x[off + k] : 0.0f,
                                                   a.dy ? a.dy[off + k] : 0.0f, a.gamma, a.beta, c);
        });
    }

    template <core::NormKind K>
    static void apply_kind(const backend::NormArgs& a, int64_t group, int64_t j0, int64_t j1, const float* c) {
        using core::NormPass;
        switch (a.pass) {
            case NormPass::kForwardTraining: return apply_fixed<NormPass::kForwardTraining, K>(a, group, j0, j1, c);
            case NormPass::kForwardEval: return apply_fixed<NormPass::kForwardEval, K>(a, group, j0, j1, c);
            case NormPass::kBackwardTraining: return apply_fixed<NormPass::kBackwardTraining, K>(a, group, j0, j1, c);
            case NormPass::kBackwardEval: return apply_fixed<NormPass::kBackwardEval, K>(a, group, j0, j1, c);
        }
    }

    static void apply(const backend::NormArgs& a, int64_t group, int64_t j0, int64_t j1, const float* c) {
        if (a.g.kind == core::NormKind::kBatchNorm2d)
            apply_kind<core::NormKind::kBatchNorm2d>(a, group, j0, j1, c);
        else
            apply_kind<core::NormKind::kLayerNorm>(a, group, j0, j1, c);
    }

    // Lane l of column i adds rows r0 + l, r0 + l + 16, ... ascending (the canonical chunk over rows), then the tree.
    static void ln_column_chunk(const backend::NormArgs& a, int64_t chunk, int64_t col0, int64_t col1,
                                float* dgamma_part, float* dbeta_part) {
        constexpr int64_t kCols = 64;
        const int64_t rows = a.g.groups, d = a.g.inner;
        const int64_t r0 = chunk * kChunk, r1 = rows - r0 < kChunk ? rows : r0 + kChunk;
        for (int64_t c0 = col0; c0 < col1; c0 += kCols) {
            const int64_t nc = col1 - c0 < kCols ? col1 - c0 : kCols;
            alignas(64) float pg[core::kSumLanes][kCols] = {};
            alignas(64) float pb[core::kSumLanes][kCols] = {};
            for (int64_t r = r0; r < r1; ++r) {
                const int l = static_cast<int>((r - r0) % core::kSumLanes);
                const float mean = a.mean[r], invstd = a.invstd[r];
                const float* dy = a.dy + r * d + c0;
                const float* x = a.x + r * d + c0;
                for (int64_t k = 0; k < nc; ++k) {
                    pg[l][k] = S::fadd(pg[l][k], core::times_xhat(dy[k], x[k], mean, invstd));
                    pb[l][k] = S::fadd(pb[l][k], dy[k]);
                }
            }
            for (int64_t k = 0; k < nc; ++k) {
                float lg[core::kSumLanes], lb[core::kSumLanes];
                for (int l = 0; l < core::kSumLanes; ++l) {
                    lg[l] = pg[l][k];
                    lb[l] = pb[l][k];
                }
                dgamma_part[c0 - col0 + k] = core::sum_lanes_tree(lg);
                dbeta_part[c0 - col0 + k] = core::sum_lanes_tree(lb);
            }
        }
    }

    static NormKernels table(const char* name) { return {name, chunk_sums, apply, ln_column_chunk}; }
};

}  // namespace rk::cpu
