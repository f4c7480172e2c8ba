// The canonical sum and the cross-entropy rows for one ISA, written once over a lanes type L (core/lanes_scalar.h).
// Include only from the loss_<isa>.cpp files, which compile it with their ISA's flags.
//
// A row is processed in three passes over its C logits, chunk by chunk (core/canonical_sum.h's SumLanes<L>: the 16
// lane sums of a chunk in 16 / W registers): (1) the maximum (and, with label smoothing, the canonical sum of x);
// (2) e = exp(x - m) and the canonical sum s (the backward stores e in dx); (3) the backward only: dx = (e / s - q) g.
// A chunk's tail (fewer than 16 elements) goes through a 16-float buffer padded with -Inf for the maximum and with +0
// for the sums, which changes neither. Every float operation is the core's.
#pragma once

#include <cstdint>
#include <cstring>

#include "../core/canonical_sum.h"
#include "../core/cross_entropy.h"
#include "loss_kernels.h"

namespace rk::cpu {

template <class L>
struct LossRows {
    using f32 = typename L::f32;
    using mask = typename L::mask;
    static constexpr int W = L::kWidth;
    static constexpr int R = core::kSumLanes / W;  // registers per 16 elements
    static constexpr int64_t kChunk = core::kSumChunk;

    static float minus_inf() { return core::ScalarLanes::as_f32(0xFF800000u); }

    // m (the row's maximum, core::cross_entropy_max) and, when want_sum, the canonical sum of x.
    static void max_and_sum(const float* x, int64_t classes, bool want_sum, float& m, float& sum_x) {
        f32 mx[R];
        mask nan[R];
        for (int j = 0; j < R; ++j) {
            mx[j] = L::fsplat(minus_inf());
            nan[j] = L::fisnan(L::fsplat(0.0f));  // all false
        }
        core::SumTotal total;
        for (int64_t c = 0; c < classes; c += kChunk) {
            const int64_t n = classes - c < kChunk ? classes - c : kChunk;
            const float* v = x + c;
            core::SumLanes<L> s;
            s.zero();
            int64_t i = 0;
            for (; i + core::kSumLanes <= n; i += core::kSumLanes) {
                f32 e[R];
                for (int j = 0; j < R; ++j) {
                    e[j] = L::fload(v + i + j * W);
                    core::cross_entropy_max_step<L>(e[j], mx[j], nan[j]);
                }
                if (want_sum) s.add(e);
            }
            if (i < n) {
                alignas(64) float pad[core::kSumLanes];
                for (int l = 0; l < core::kSumLanes; ++l) pad[l] = l < n - i ? v[i + l] : minus_inf();
                for (int j = 0; j < R; ++j) core::cross_entropy_max_step<L>(L::fload(pad + j * W), mx[j], nan[j]);
                if (want_sum) core::sum_lanes_add_tail(s, v + i, n - i);
            }
            if (want_sum) total.add(s.finish());
        }
        alignas(64) float lanes[core::kSumLanes], nans[core::kSumLanes];
        for (int j = 0; j < R; ++j) {
            L::fstore(lanes + j * W, mx[j]);
            L::fstore(nans + j * W, L::fselect(nan[j], L::fsplat(1.0f), L::fsplat(0.0f)));
        }
        float largest = minus_inf();
        bool any_nan = false;
        for (int l = 0; l < core::kSumLanes; ++l) {
            if (lanes[l] > largest) largest = lanes[l];
            any_nan = any_nan || nans[l] != 0.0f;
        }
        m = core::cross_entropy_max(largest, any_nan);
        sum_x = total.total;
    }

    // s = sum(exp(x - m)); e_out (or null) receives every e.
    static float exp_sum(const float* x, int64_t classes, float m, float* e_out) {
        const f32 mv = L::fsplat(m);
        core::SumTotal total;
        for (int64_t c = 0; c < classes; c += kChunk) {
            const int64_t n = classes - c < kChunk ? classes - c : kChunk;
            const float* v = x + c;
            core::SumLanes<L> s;
            s.zero();
            int64_t i = 0;
            for (; i + core::kSumLanes <= n; i += core::kSumLanes) {
                f32 e[R];
                for (int j = 0; j < R; ++j) {
                    e[j] = core::cross_entropy_exp<L>(L::fload(v + i + j * W), mv);
                    if (e_out) L::fstore(e_out + c + i + j * W, e[j]);
                }
                s.add(e);
            }
            if (i < n) {
                alignas(64) float pad[core::kSumLanes];
                for (int l = 0; l < core::kSumLanes; ++l) pad[l] = l < n - i ? v[i + l] : 0.0f;
                for (int j = 0; j < R; ++j) L::fstore(pad + j * W, core::cross_entropy_exp<L>(L::fload(pad + j * W), mv));
                for (int l = 0; l < core::kSumLanes; ++l) {
                    if (l >= n - i) pad[l] = 0.0f;  // lanes past the row add +0
                    else if (e_out) e_out[c + i + l] = pad[l];
                }
                s.load_add(pad);
            }
            total.add(s.finish());
        }
        return total.total;
    }

    static void forward_rows(const backend::CrossEntropyArgs& a, int64_t begin, int64_t end, float* row_loss) {
        const core::CrossEntropyConstants& k = a.constants;
        const bool smoothing = k.eps > 0.0f;
        for (int64_t r = begin; r < end; ++r) {
            const int64_t t = a.targets[r];
            if (t == a.ignore_index) {
                row_loss[r] = 0.0f;
                continue;
            }
            const float* x = a.logits + r * a.classes;
            float m, sum_x;
            max_and_sum(x, a.classes, smoothing, m, sum_x);
            const float s = exp_sum(x, a.classes, m, nullptr);
            row_loss[r] = core::cross_entropy_loss(core::cross_entropy_lse(m, s), x[t], sum_x, k);
        }
    }

    static void backward_rows(const backend::CrossEntropyArgs& a, int64_t begin, int64_t end, bool per_row, float g) {
        const core::CrossEntropyConstants& k = a.constants;
        for (int64_t r = begin; r < end; ++r) {
            const int64_t t = a.targets[r];
            float* dx = a.out + r * a.classes;
            if (t == a.ignore_index) {
                std::memset(dx, 0, static_cast<size_t>(a.classes) * sizeof(float));  // +0
                continue;
            }
            const float* x = a.logits + r * a.classes;
            const float gr = per_row ? a.dloss[r] : g;
            float m, unused;
            max_and_sum(x, a.classes, false, m, unused);
            const float s = exp_sum(x, a.classes, m, dx);  // dx holds e
            const float e_t = dx[t];
            const f32 sv = L::fsplat(s), qv = L::fsplat(k.eps_over_c), gv = L::fsplat(gr);
            int64_t i = 0;
            for (; i + W <= a.classes; i += W)
                L::fstore(dx + i, core::cross_entropy_grad<L>(L::fload(dx + i), sv, qv, gv));
            for (; i < a.classes; ++i)
                dx[i] = core::cross_entropy_grad<core::ScalarLanes>(dx[i], s, k.eps_over_c, gr);
            dx[t] = core::cross_entropy_grad_target(e_t, s, k, gr);
        }
    }

    static float canonical_sum(const float* v, int64_t n) { return core::canonical_sum_lanes<L>(v, n); }

    static LossKernels table(const char* name) { return LossKernels{name, canonical_sum, forward_rows, backward_rows}; }
};

}  // namespace rk::cpu
