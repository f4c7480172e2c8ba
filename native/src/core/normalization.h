// Normalization (docs/training.md section 4): BatchNorm2d over the (n, h, w) positions of each channel and LayerNorm
// over each row's last dimension, written once as "a group of M elements normalized by its own mean and variance".
//
//   BatchNorm2d, NCHW [N][C][H][W]: group g = channel, M = N·H·W, element j = n·H·W + hw at n·C·H·W + g·H·W + hw;
//                                   γ, β indexed by the group.
//   LayerNorm, [R][D]:               group g = row,     M = D,     element j at g·D + j; γ, β indexed by j.
//
// Every long sum is the canonical sum (core/canonical_sum.h) over j ascending; M enters divisions as the float nearest
// to it. Each function below is one line of the spec, in its order of operations; the backends compute the sums
// (chunk by chunk, in parallel) and call these for everything else.
#pragma once

#include <cstdint>

#include "lanes_scalar.h"
#include "rk_platform.h"

namespace rk::core {

enum class NormKind : int32_t { kBatchNorm2d = 0, kLayerNorm = 1 };
enum class NormPass : int32_t { kForwardTraining = 0, kForwardEval = 1, kBackwardTraining = 2, kBackwardEval = 3 };

struct NormGeometry {
    NormKind kind;
    int64_t groups;  // BN: channels C; LN: rows R
    int64_t outer;   // BN: N; LN: 1
    int64_t inner;   // BN: H·W; LN: D

    RK_HD int64_t group_size() const { return outer * inner; }  // M
    RK_HD int64_t elements() const { return groups * outer * inner; }
    // Offset of element j of group g.
    RK_HD int64_t offset(int64_t g, int64_t j) const {
        return (j / inner) * groups * inner + g * inner + j % inner;
    }
    // Index of γ and β for element j of group g.
    RK_HD int64_t affine_index(int64_t g, int64_t j) const { return kind == NormKind::kBatchNorm2d ? g : j; }
    // Number of γ / β values.
    RK_HD int64_t affine_count() const { return kind == NormKind::kBatchNorm2d ? groups : inner; }
};

RK_HD NormGeometry batchnorm2d_geometry(int64_t n, int64_t c, int64_t h, int64_t w) {
    return {NormKind::kBatchNorm2d, c, n, h * w};
}
RK_HD NormGeometry layernorm_geometry(int64_t rows, int64_t d) { return {NormKind::kLayerNorm, rows, 1, d}; }

// M as a float divisor (the nearest float; exact below 2^24).
RK_HD float norm_count(int64_t m) { return static_cast<float>(m); }

// mean = sum(x) / M.
RK_HD float norm_mean(float sum_x, int64_t m) { return ScalarLanes::fdiv(sum_x, norm_count(m)); }

// invstd = 1 / sqrt(sum(d·d) / M + ε).
RK_HD float norm_invstd(float sum_dd, int64_t m, float eps) {
    using S = ScalarLanes;
    return S::fdiv(1.0f, S::fsqrt(S::fadd(S::fdiv(sum_dd, norm_count(m)), eps)));
}

// Running statistics (PyTorch's momentum convention, unbiased variance; M >= 2):
// k = (float)(1 − (double)m); rm = fma(m, mean, k·rm); rv = fma(m, sum(d·d) / (M − 1), k·rv).
RK_HD void norm_running_update(float momentum, float mean, float sum_dd, int64_t m, float& running_mean,
                                      float& running_var) {
    using S = ScalarLanes;
    const float k = static_cast<float>(1.0 - static_cast<double>(momentum));
    running_mean = S::ffma(momentum, mean, S::fmul(k, running_mean));
    running_var = S::ffma(momentum, S::fdiv(sum_dd, norm_count(m - 1)), S::fmul(k, running_var));
}

// The per-element functions below are templates over a lanes type L (lanes_scalar.h): called with floats they are the
// scalar functions (L = ScalarLanes, the default), and SIMD backends call them with their lanes, so every backend runs
// the same operations. Per-group values (mean, invstd, the constants c) enter them splatted.

// d = x − mean (the element of the second sum, d·d, and of the forward).
template <class L = ScalarLanes>
RK_HD typename L::f32 norm_centered(typename L::f32 x, typename L::f32 mean) { return L::fsub(x, mean); }
template <class L = ScalarLanes>
RK_HD typename L::f32 norm_square(typename L::f32 d) { return L::fmul(d, d); }

// BatchNorm2d training forward per channel: a = invstd·γ (γ absent: invstd); y = fma(d, a, β) (β absent: +0).
RK_HD float bn_scale(float invstd, const float* gamma, int64_t g) {
    return gamma ? ScalarLanes::fmul(invstd, gamma[g]) : invstd;
}
template <class L = ScalarLanes>
RK_HD typename L::f32 bn_forward(typename L::f32 x, typename L::f32 mean, typename L::f32 a, typename L::f32 beta) {
    return L::ffma(norm_centered<L>(x, mean), a, beta);
}

// BatchNorm2d evaluation per channel: a = γ·(1 / sqrt(rv + ε)) (γ absent: 1 / sqrt(rv + ε)); y = fma(x − rm, a, β).
RK_HD float bn_eval_scale(float running_var, float eps, const float* gamma, int64_t g) {
    using S = ScalarLanes;
    const float r = S::fdiv(1.0f, S::fsqrt(S::fadd(running_var, eps)));
    return gamma ? S::fmul(gamma[g], r) : r;
}

// x̂ = (x − mean)·invstd.
template <class L = ScalarLanes>
RK_HD typename L::f32 norm_xhat(typename L::f32 x, typename L::f32 mean, typename L::f32 invstd) {
    return L::fmul(norm_centered<L>(x, mean), invstd);
}

// BatchNorm2d training backward per element, from the channel's sums dβ = sum(dy), dγ = sum(dy·x̂):
// dx = (dy − fma(x̂, dγ / M, dβ / M))·(γ·invstd) (γ absent: invstd). The callers pass dγ/M, dβ/M and γ·invstd.
template <class L = ScalarLanes>
RK_HD typename L::f32 bn_backward(typename L::f32 dy, typename L::f32 xhat, typename L::f32 dgamma_m,
                                  typename L::f32 dbeta_m, typename L::f32 scale) {
    return L::fmul(L::fsub(dy, L::ffma(xhat, dgamma_m, dbeta_m)), scale);
}

// LayerNorm forward per element: y = fma(x̂, γ, β) (γ absent: 1; β absent: +0).
template <class L = ScalarLanes>
RK_HD typename L::f32 ln_forward(typename L::f32 x, typename L::f32 mean, typename L::f32 invstd, typename L::f32 gamma,
                                 typename L::f32 beta) {
    return L::ffma(norm_xhat<L>(x, mean, invstd), gamma, beta);
}

// LayerNorm backward per element: g = dy·γ (γ absent: dy); with c₁ = sum(g) / D, c₂ = sum(g·x̂) / D of the row,
// dx = (g − fma(x̂, c₂, c₁))·invstd.
template <class L = ScalarLanes>
RK_HD typename L::f32 ln_g_of(typename L::f32 dy, typename L::f32 gamma) { return L::fmul(dy, gamma); }
RK_HD float ln_g(float dy, const float* gamma, int64_t j) { return gamma ? ln_g_of(dy, gamma[j]) : dy; }
template <class L = ScalarLanes>
RK_HD typename L::f32 ln_backward(typename L::f32 g, typename L::f32 xhat, typename L::f32 c1, typename L::f32 c2,
                                  typename L::f32 invstd) {
    return L::fmul(L::fsub(g, L::ffma(xhat, c2, c1)), invstd);
}

// ---- A group's constants for the elementwise pass (the layout the backends' apply steps read) -----------------------
// c[0] c[1] c[2] c[3] c[4]:
//   forward training  BN: mean, a = invstd·γ      LN: mean, invstd
//   forward eval      BN: running mean, a = γ / sqrt(rv + ε)
//   backward training BN: mean, invstd, dγ/M, dβ/M, γ·invstd     LN: mean, invstd, c₁ = sum(g)/D, c₂ = sum(g·x̂)/D
//   backward eval     BN: -, -, -, -, γ / sqrt(rv + ε)
constexpr int kNormConstants = 5;

RK_HD void norm_forward_constants(const NormGeometry& g, int64_t group, float mean, float invstd,
                                         const float* gamma, float* c) {
    c[0] = mean;
    c[1] = g.kind == NormKind::kBatchNorm2d ? bn_scale(invstd, gamma, group) : invstd;
}

RK_HD void bn_eval_constants(int64_t group, float running_mean, float running_var, float eps,
                                    const float* gamma, float* c) {
    c[0] = running_mean;
    c[1] = c[4] = bn_eval_scale(running_var, eps, gamma, group);
}

// sum0, sum1: BN dβ = sum(dy), dγ = sum(dy·x̂); LN sum(g), sum(g·x̂).
RK_HD void norm_backward_constants(const NormGeometry& g, int64_t group, float mean, float invstd, float sum0,
                                          float sum1, const float* gamma, float* c) {
    const int64_t m = g.group_size();
    c[0] = mean;
    c[1] = invstd;
    if (g.kind == NormKind::kBatchNorm2d) {
        c[2] = norm_mean(sum1, m);  // dγ / M
        c[3] = norm_mean(sum0, m);  // dβ / M
        c[4] = bn_scale(invstd, gamma, group);
    } else {
        c[2] = norm_mean(sum0, m);  // c₁
        c[3] = norm_mean(sum1, m);  // c₂
    }
}

// One output (y or dx) from the element's inputs x, dy, its affine values and the group's constants c (splatted), for
// a fixed pass and kind: LayerNorm's γ and β of the element (gamma = 1, beta = +0 where absent; has_gamma: dx uses
// g = dy·γ, else g = dy), BatchNorm's β of the group (+0 where absent; its γ is in c).
template <NormPass P, NormKind K, class L = ScalarLanes>
RK_HD typename L::f32 norm_output_of(typename L::f32 x, typename L::f32 dy, bool has_gamma, typename L::f32 gamma,
                                     typename L::f32 beta, const typename L::f32* c) {
    if constexpr (P == NormPass::kForwardTraining || P == NormPass::kForwardEval) {
        if constexpr (K == NormKind::kBatchNorm2d)
            return bn_forward<L>(x, c[0], c[1], beta);
        else
            return ln_forward<L>(x, c[0], c[1], gamma, beta);
    } else if constexpr (P == NormPass::kBackwardTraining) {
        if constexpr (K == NormKind::kBatchNorm2d)
            return bn_backward<L>(dy, norm_xhat<L>(x, c[0], c[1]), c[2], c[3], c[4]);
        else
            return ln_backward<L>(has_gamma ? ln_g_of<L>(dy, gamma) : dy, norm_xhat<L>(x, c[0], c[1]), c[2], c[3], c[1]);
    } else {  // kBackwardEval
        return L::fmul(dy, c[4]);
    }
}

template <NormPass P, NormKind K>
RK_HD float norm_output_fixed(int64_t group, int64_t j, float x, float dy, const float* gamma, const float* beta,
                              const float* c) {
    const bool bn = K == NormKind::kBatchNorm2d;
    const float g = gamma && !bn ? gamma[j] : 1.0f;
    const float b = beta ? beta[bn ? group : j] : 0.0f;
    return norm_output_of<P, K>(x, dy, gamma != nullptr, g, b, c);
}

// One output element (y or dx) of element j of group `group` from the group's constants c: x and dy are the element's
// input values (whichever the pass reads), gamma and beta the affine arrays (or null).
RK_HD float norm_output(NormPass pass, NormKind kind, int64_t group, int64_t j, float x, float dy,
                        const float* gamma, const float* beta, const float* c) {
    const bool bn = kind == NormKind::kBatchNorm2d;
    switch (pass) {
        case NormPass::kForwardTraining:
        case NormPass::kForwardEval:
            return bn ? norm_output_fixed<NormPass::kForwardTraining, NormKind::kBatchNorm2d>(group, j, x, dy, gamma, beta, c)
                      : norm_output_fixed<NormPass::kForwardTraining, NormKind::kLayerNorm>(group, j, x, dy, gamma, beta, c);
        case NormPass::kBackwardTraining:
            return bn ? norm_output_fixed<NormPass::kBackwardTraining, NormKind::kBatchNorm2d>(group, j, x, dy, gamma, beta, c)
                      : norm_output_fixed<NormPass::kBackwardTraining, NormKind::kLayerNorm>(group, j, x, dy, gamma, beta, c);
        default:  // kBackwardEval
            return norm_output_fixed<NormPass::kBackwardEval, NormKind::kBatchNorm2d>(group, j, x, dy, gamma, beta, c);
    }
}

// v·x̂ with x̂ = (x − mean)·invstd: the second term of every backward sum (BN dγ = sum(dy·x̂), LN c₂ = sum(g·x̂)/D,
// LN dγ[i] = sum over rows of dy·x̂).
template <class L = ScalarLanes>
RK_HD typename L::f32 times_xhat(typename L::f32 v, typename L::f32 x, typename L::f32 mean, typename L::f32 invstd) {
    return L::fmul(v, norm_xhat<L>(x, mean, invstd));
}

// The two terms element j of group `group` adds to the training backward's group sums: BatchNorm dy and dy·x̂ (dβ,
// dγ), LayerNorm g and g·x̂ with g = dy·γ (c₁·D, c₂·D).
RK_HD void norm_backward_terms(NormKind kind, int64_t j, float x, float dy, const float* gamma, float mean,
                               float invstd, float* t) {
    t[0] = kind == NormKind::kBatchNorm2d ? dy : ln_g(dy, gamma, j);
    t[1] = times_xhat(t[0], x, mean, invstd);
}

}  // namespace rk::core
