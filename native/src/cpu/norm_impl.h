// BatchNorm2d / LayerNorm kernels for one ISA, over a lanes type L. Include only from the norm_<isa>.cpp files, which
// compile it with their ISA's flags.
//
// A chunk that is one contiguous run (always for LayerNorm; for BatchNorm when no plane boundary falls inside it) has
// its values computed in registers and added straight to the 16 lane sums (core::SumLanes<L>, 16 / W registers);
// a chunk spanning several (n, c) planes goes through a 2048-float buffer and core::canonical_chunk_sum_lanes<L>.
// Every per-element value and output is the core's function (core/normalization.h), instantiated with L, so scalar
// and SIMD builds give the same bits.
#pragma once

#include <cstdint>

#include "../core/canonical_sum.h"
#include "../core/normalization.h"
#include "cpu_inline.h"
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

    using F = typename L::f32;
    static constexpr int W = L::kWidth;
    static constexpr int kRegs = core::kSumLanes / W;  // registers per 16 elements

    // The terms of 16 consecutive elements of one run at x, dy (and LayerNorm's γ at gamma_j, or null) into e0[kRegs]
    // (and e1): x; d·d; the training backward's two terms (core::norm_backward_terms, as lanes).
    template <NormSum What>
    RK_CPU_INLINE static void terms16(bool bn, const float* x, const float* dy, const float* gamma_j, F mean, F invstd,
                                      F* e0, F* e1) {
        for (int r = 0; r < kRegs; ++r) {
            const F xv = L::fload(x + r * W);
            if constexpr (What == NormSum::kX) {
                e0[r] = xv;
            } else if constexpr (What == NormSum::kCenteredSq) {
                e0[r] = core::norm_square<L>(core::norm_centered<L>(xv, mean));
            } else {
                const F dv = L::fload(dy + r * W);
                const F t0 = !bn && gamma_j ? core::ln_g_of<L>(dv, L::fload(gamma_j + r * W)) : dv;
                e0[r] = t0;
                e1[r] = core::times_xhat<L>(t0, xv, mean, invstd);
            }
        }
    }

    // A chunk that is one contiguous run (x, dy at its first element; gamma_j LayerNorm's γ there, or null): the terms
    // are computed in registers and added to the 16 lane sums directly; the tail's missing lanes add +0.
    template <NormSum What>
    static void contiguous_sums(bool bn, const float* x, const float* dy, const float* gamma_j, int64_t m, float mean,
                                float invstd, float* out) {
        const F mv = L::fsplat(mean), iv = L::fsplat(invstd);
        core::SumLanes<L> s0, s1;
        s0.zero();
        s1.zero();
        F e0[kRegs], e1[kRegs];
        int64_t i = 0;
        for (; i + core::kSumLanes <= m; i += core::kSumLanes) {
            // The data one chunk length further on (the next chunk or the next LayerNorm row, usually next to be
            // read), one line per step: this chunk's elementwise pass then overlaps those reads.
            __builtin_prefetch(x + i + m);
            if (dy) __builtin_prefetch(dy + i + m);
            terms16<What>(bn, x + i, dy ? dy + i : nullptr, gamma_j ? gamma_j + i : nullptr, mv, iv, e0, e1);
            s0.add(e0);
            if constexpr (What == NormSum::kBackward) s1.add(e1);
        }
        if (i < m) {
            alignas(64) float bx[core::kSumLanes] = {}, bdy[core::kSumLanes] = {}, bg[core::kSumLanes] = {};
            alignas(64) float t0[core::kSumLanes], t1[core::kSumLanes];
            for (int64_t k = 0; k < m - i; ++k) {
                bx[k] = x[i + k];
                if (dy) bdy[k] = dy[i + k];
                if (gamma_j) bg[k] = gamma_j[i + k];
            }
            terms16<What>(bn, bx, bdy, gamma_j ? bg : nullptr, mv, iv, e0, e1);
            for (int r = 0; r < kRegs; ++r) {
                L::fstore(t0 + r * W, e0[r]);
                if constexpr (What == NormSum::kBackward) L::fstore(t1 + r * W, e1[r]);
            }
            core::sum_lanes_add_tail(s0, t0, m - i);
            if constexpr (What == NormSum::kBackward) core::sum_lanes_add_tail(s1, t1, m - i);
        }
        out[0] = s0.finish();
        if constexpr (What == NormSum::kBackward) out[1] = s1.finish();
    }

    static void chunk_sums(const backend::NormArgs& a, NormSum what, int64_t group, int64_t chunk, float mean,
                           float invstd, float* out) {
        const int64_t j0 = chunk * kChunk, m = a.g.group_size() - j0 < kChunk ? a.g.group_size() - j0 : kChunk;
        const bool bn = a.g.kind == core::NormKind::kBatchNorm2d;
        if (j0 % a.g.inner + m <= a.g.inner) {  // one run: no plane boundary inside the chunk
            const int64_t off = a.g.offset(group, j0);
            const float* x = a.x + off;
            const float* gamma_j = !bn && a.gamma ? a.gamma + j0 : nullptr;
            switch (what) {
                case NormSum::kX: return contiguous_sums<NormSum::kX>(bn, x, nullptr, nullptr, m, mean, invstd, out);
                case NormSum::kCenteredSq:
                    return contiguous_sums<NormSum::kCenteredSq>(bn, x, nullptr, nullptr, m, mean, invstd, out);
                case NormSum::kBackward:
                    return contiguous_sums<NormSum::kBackward>(bn, x, a.dy + off, gamma_j, m, mean, invstd, out);
            }
        }
        alignas(64) float v0[kChunk];
        alignas(64) float v1[kChunk];
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

    // Outputs of at least this many elements (1 MiB) get non-temporal stores where the ISA has them (as the
    // activations do): a plain store of a line far out of cache first reads it.
    static constexpr int64_t kStreamMin = int64_t{1} << 18;
    static constexpr bool has_stream_stores() {
        if constexpr (requires { L::kStreamStores; })
            return L::kStreamStores;
        else
            return false;
    }

    // The elementwise step with the pass and the kind as constants: core::norm_output_of on whole vectors of each run,
    // a run's head (before the first aligned output, when streaming) and tail through one vector of zero-padded lanes
    // (x, dy or γ absent: those inputs are +0 / unused).
    template <core::NormPass P, core::NormKind K>
    static void apply_fixed(const backend::NormArgs& a, int64_t group, int64_t j0, int64_t j1, const float* c) {
        constexpr bool bn = K == core::NormKind::kBatchNorm2d;
        F cv[core::kNormConstants];
        for (int i = 0; i < core::kNormConstants; ++i) cv[i] = L::fsplat(c[i]);
        const bool has_gamma = a.gamma != nullptr;
        const F one = L::fsplat(1.0f), zero = L::fsplat(0.0f);
        const F bn_beta = L::fsplat(bn && a.beta ? a.beta[group] : 0.0f);
        const float* lg = !bn && a.gamma ? a.gamma : nullptr;
        const float* lb = !bn && a.beta ? a.beta : nullptr;
        bool streamed = false;
        runs(a.g, group, j0, j1, [&](int64_t j, int64_t off, int64_t n) {
            const float* x = a.x ? a.x + off : nullptr;
            const float* dy = a.dy ? a.dy + off : nullptr;
            float* out = a.out + off;
            const auto one_vector = [&](const float* xp, const float* dyp, const float* gp, const float* bp) {
                return core::norm_output_of<P, K, L>(xp ? L::fload(xp) : zero, dyp ? L::fload(dyp) : zero, has_gamma,
                                                     gp ? L::fload(gp) : one, bn ? bn_beta : (bp ? L::fload(bp) : zero),
                                                     cv);
            };
            const auto partial = [&](int64_t k, int64_t len) {  // len < W elements from k
                alignas(64) float bx[W] = {}, bdy[W] = {}, bg[W] = {}, bb[W] = {}, bo[W];
                for (int64_t i = 0; i < len; ++i) {
                    if (x) bx[i] = x[k + i];
                    if (dy) bdy[i] = dy[k + i];
                    if (lg) bg[i] = lg[j + k + i];
                    if (lb) bb[i] = lb[j + k + i];
                }
                L::fstore(bo, one_vector(x ? bx : nullptr, dy ? bdy : nullptr, lg ? bg : nullptr, lb ? bb : nullptr));
                for (int64_t i = 0; i < len; ++i) out[k + i] = bo[i];
            };
            const auto at = [&](int64_t k) {
                return one_vector(x ? x + k : nullptr, dy ? dy + k : nullptr, lg ? lg + j + k : nullptr,
                                  lb ? lb + j + k : nullptr);
            };
            int64_t k = 0;
            if constexpr (has_stream_stores()) {
                const auto addr = reinterpret_cast<uintptr_t>(out);
                if (a.g.elements() >= kStreamMin && addr % sizeof(float) == 0) {
                    int64_t head = static_cast<int64_t>((L::kStreamAlign - addr % L::kStreamAlign) % L::kStreamAlign /
                                                        sizeof(float));
                    if (head > n) head = n;
                    if (head > 0) partial(0, head);
                    for (k = head; k + W <= n; k += W) L::stream_store(out + k, at(k));
                    streamed = true;
                }
            }
            for (; k + W <= n; k += W) L::fstore(out + k, at(k));
            if (k < n) partial(k, n - k);
        });
        if constexpr (has_stream_stores())
            if (streamed) L::stream_fence();
    }

    template <core::NormKind K>
    static void apply_kind(const backend::NormArgs& a, int64_t group, int64_t j0, int64_t j1, const float* c) {
        using core::NormPass;
        switch (a.pass) {
            case NormPass::kForwardTraining:
            case NormPass::kForwardEval: return apply_fixed<NormPass::kForwardTraining, K>(a, group, j0, j1, c);
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
