// Cross-entropy with class indices (docs/training.md section 5): fused log-softmax + negative log-likelihood, written
// once for every backend. A row r of logits x[0, C) with target t:
//
//   m   = max(x) + 0          (the largest logit, a zero maximum as +0; NaN if any x is NaN)
//   e_i = exp(x_i - m)        (ReproKit's portable exp)
//   s   = sum(e)              (the canonical sum, core/canonical_sum.h)
//   lse = m + log(s)          (portable log)
//   nll = lse - x_t
//   loss = nll                                   when eps = 0,
//        = fma(k, nll, eps * (lse - sum(x) / C)) when eps > 0 (sum(x) canonical, k = (float)(1 - (double)eps)).
//   An ignored row (t == ignore_index) has loss +0.
//   Backward with scale g (dloss, dloss / count or dloss[r]): dx_i = (e_i / s - q_i) * g with q_i = eps / C and
//   q_t = eps / C + k; an ignored row has dx = +0.
// C in these formulas is the float (float)C; count (rows not ignored) enters as (float)count.
//
// A row's results depend only on that row: the batch sum over rows (reductions sum and mean) is a canonical sum too.
#pragma once

#include <cstdint>

#include "canonical_sum.h"
#include "lanes_scalar.h"
#include "portable_math.h"
#include "rk_platform.h"

namespace rk::core {

// The per-call constants, computed once by the C API.
struct CrossEntropyConstants {
    float eps;         // label smoothing in [0, 1]
    float k;           // (float)(1 - (double)eps)
    float eps_over_c;  // eps / (float)C
    float classes_f;   // (float)C
};

inline CrossEntropyConstants cross_entropy_constants(float eps, int64_t classes) {
    CrossEntropyConstants c;
    c.eps = eps;
    c.k = static_cast<float>(1.0 - static_cast<double>(eps));
    c.classes_f = static_cast<float>(classes);
    c.eps_over_c = eps / c.classes_f;
    return c;
}

// Whether a target is valid: in [0, C) or ignore_index.
RK_HD bool cross_entropy_target_ok(int64_t t, int64_t classes, int64_t ignore_index) {
    return t == ignore_index || (t >= 0 && t < classes);
}

// The running maximum of a row: lanes keep the largest non-NaN value seen (starting at -Inf) and whether a NaN was
// seen; cross_entropy_max combines them. Max is exact and order-free; only the sign of a zero maximum could depend on
// the order, and + 0 makes it +0.
template <class L>
RK_HD void cross_entropy_max_step(typename L::f32 v, typename L::f32& mx, typename L::mask& nan) {
    mx = L::fselect(L::fgt(v, mx), v, mx);
    nan = L::mor(nan, L::fisnan(v));
}
RK_HD float cross_entropy_max(float largest, bool any_nan) {
    return any_nan ? ScalarLanes::as_f32(0x7FC00000u) : ScalarLanes::fadd(largest, 0.0f);
}

// e = exp(x - m), lanes.
template <class L>
RK_HD typename L::f32 cross_entropy_exp(typename L::f32 x, typename L::f32 m) {
    return rk_expf<L>(L::fsub(x, m));
}

// lse = m + log(s).
RK_HD float cross_entropy_lse(float m, float s) { return ScalarLanes::fadd(m, logf_portable(s)); }

// A row's loss from lse, its target logit and (eps > 0 only) the canonical sum of its logits.
RK_HD float cross_entropy_loss(float lse, float x_t, float sum_x, const CrossEntropyConstants& c) {
    using S = ScalarLanes;
    const float nll = S::fsub(lse, x_t);
    if (!(c.eps > 0.0f)) return nll;
    return S::ffma(c.k, nll, S::fmul(c.eps, S::fsub(lse, S::fdiv(sum_x, c.classes_f))));
}

// The reductions' finish: mean = sum / (float)count (NaN when count is 0, as 0 / 0).
RK_HD float cross_entropy_mean(float sum, int64_t count) { return ScalarLanes::fdiv(sum, static_cast<float>(count)); }

// The backward's scale: g = dloss (sum, and none with dloss[r]) or dloss / (float)count (mean).
RK_HD float cross_entropy_scale(float dloss, bool mean, int64_t count) {
    return mean ? ScalarLanes::fdiv(dloss, static_cast<float>(count)) : dloss;
}

// dx_i = (e_i / s - eps / C) * g for i != t, lanes.
template <class L>
RK_HD typename L::f32 cross_entropy_grad(typename L::f32 e, typename L::f32 s, typename L::f32 eps_over_c,
                                         typename L::f32 g) {
    return L::fmul(L::fsub(L::fdiv(e, s), eps_over_c), g);
}
// dx_t = (e_t / s - (eps / C + k)) * g.
RK_HD float cross_entropy_grad_target(float e, float s, const CrossEntropyConstants& c, float g) {
    using S = ScalarLanes;
    return S::fmul(S::fsub(S::fdiv(e, s), S::fadd(c.eps_over_c, c.k)), g);
}

// ---- Scalar references of a whole row (tests, and the device's per-row finish) -------------------------------------

// The forward of one row, scalar: the definition above, line by line.
RK_HD float cross_entropy_row_ref(const float* x, int64_t classes, int64_t t, int64_t ignore_index,
                                   const CrossEntropyConstants& c) {
    if (t == ignore_index) return 0.0f;
    float largest = ScalarLanes::as_f32(0xFF800000u);  // -Inf
    bool nan = false;
    for (int64_t i = 0; i < classes; ++i) cross_entropy_max_step<ScalarLanes>(x[i], largest, nan);
    const float m = cross_entropy_max(largest, nan);
    const float s = canonical_sum(classes, [&](int64_t i) { return cross_entropy_exp<ScalarLanes>(x[i], m); });
    const float sum_x = c.eps > 0.0f ? canonical_sum(classes, [&](int64_t i) { return x[i]; }) : 0.0f;
    return cross_entropy_loss(cross_entropy_lse(m, s), x[t], sum_x, c);
}

// The backward of one row, scalar.
RK_HD void cross_entropy_row_backward_ref(const float* x, int64_t classes, int64_t t, int64_t ignore_index,
                                           const CrossEntropyConstants& c, float g, float* dx) {
    if (t == ignore_index) {
        for (int64_t i = 0; i < classes; ++i) dx[i] = 0.0f;
        return;
    }
    float largest = ScalarLanes::as_f32(0xFF800000u);
    bool nan = false;
    for (int64_t i = 0; i < classes; ++i) cross_entropy_max_step<ScalarLanes>(x[i], largest, nan);
    const float m = cross_entropy_max(largest, nan);
    const float s = canonical_sum(classes, [&](int64_t i) { return cross_entropy_exp<ScalarLanes>(x[i], m); });
    for (int64_t i = 0; i < classes; ++i) {
        const float e = cross_entropy_exp<ScalarLanes>(x[i], m);
        dx[i] = i == t ? cross_entropy_grad_target(e, s, c, g) : cross_entropy_grad<ScalarLanes>(e, s, c.eps_over_c, g);
    }
}

}  // namespace rk::core
