// Optimizer steps (docs/training.md section 6), written once over a lanes type: SGD (momentum, dampening, weight
// decay, Nesterov, maximize) and Adam / AdamW. Elements are independent; every float operation is the doc's, in its
// order. The scalars derived from the binary64 hyperparameters are computed once per call on the host, in binary64
// with one rounding to float32 each (sgd_constants, adam_constants), and reach every backend in these structs.
#pragma once

#include <cmath>
#include <cstdint>

#include "lanes_scalar.h"
#include "rk_platform.h"

namespace rk::core {

// SGD's per-call constants (docs/training.md section 6).
struct SgdConstants {
    float neg_lr;               // -(float)lr
    float momentum;             // (float)momentum
    float dampening_factor;     // (float)(1 - dampening), rounded once from binary64
    float weight_decay;         // (float)weight_decay
    int32_t has_weight_decay;   // weight_decay != 0 (the binary64 value)
    int32_t has_momentum;       // momentum != 0 (the binary64 value): momentum buffers exist
    int32_t nesterov;
    int32_t maximize;
    int32_t first_step;         // b = g: the buffers are written, not read
};

// Adam's / AdamW's per-call constants.
struct AdamConstants {
    float neg_step;             // -(float)(lr / (1 - beta1^t))
    float r;                    // (float)sqrt(1 - beta2^t)
    float one_minus_beta1;      // (float)(1 - beta1)
    float one_minus_beta2;      // (float)(1 - beta2)
    float beta2;                // (float)beta2
    float eps;                  // (float)eps
    float weight_decay;         // (float)weight_decay (Adam: g = fma(weight_decay, p, g))
    float decay;                // (float)(1 - lr * weight_decay) (AdamW: p = p * decay)
    int32_t has_weight_decay;   // weight_decay != 0 (the binary64 value)
    int32_t decoupled;          // AdamW
    int32_t maximize;
    int32_t pad;
};

// beta^t by binary exponentiation: r = 1, b = beta; while t > 0 { if t is odd: r = r * b; t = t / 2; b = b * b }. A
// fixed sequence of correctly rounded binary64 products for each t (never pow(), whose rounding libraries differ on).
inline double binary_power(double beta, uint64_t t) {
    double r = 1.0, b = beta;
    while (t != 0) {
        if ((t & 1u) != 0) r = r * b;
        t >>= 1;
        b = b * b;
    }
    return r;
}

// The constants of one SGD call from validated hyperparameters (binary64, as PyTorch's Python floats).
inline SgdConstants sgd_constants(double lr, double momentum, double dampening, double weight_decay, bool nesterov,
                                  bool maximize, bool first_step) {
    SgdConstants c{};
    c.neg_lr = -static_cast<float>(lr);
    c.momentum = static_cast<float>(momentum);
    c.dampening_factor = static_cast<float>(1.0 - dampening);
    c.weight_decay = static_cast<float>(weight_decay);
    c.has_weight_decay = weight_decay != 0.0;
    c.has_momentum = momentum != 0.0;
    c.nesterov = nesterov;
    c.maximize = maximize;
    c.first_step = first_step;
    return c;
}

// The constants of one Adam / AdamW call for step t >= 1 (bias corrections 1 - beta^t in binary64).
inline AdamConstants adam_constants(double lr, double beta1, double beta2, double eps, double weight_decay,
                                    bool decoupled, bool maximize, uint64_t t) {
    const double bc1 = 1.0 - binary_power(beta1, t);
    const double bc2 = 1.0 - binary_power(beta2, t);
    AdamConstants c{};
    c.neg_step = -static_cast<float>(lr / bc1);
    c.r = static_cast<float>(std::sqrt(bc2));
    c.one_minus_beta1 = static_cast<float>(1.0 - beta1);
    c.one_minus_beta2 = static_cast<float>(1.0 - beta2);
    c.beta2 = static_cast<float>(beta2);
    c.eps = static_cast<float>(eps);
    c.weight_decay = static_cast<float>(weight_decay);
    const double lr_decay = lr * weight_decay;
    c.decay = static_cast<float>(1.0 - lr_decay);
    c.has_weight_decay = weight_decay != 0.0;
    c.decoupled = decoupled;
    c.maximize = maximize;
    return c;
}

// One SGD step of p (and of the momentum buffer b when there is momentum) from grad.
template <class L>
RK_HD void sgd_update(const SgdConstants& c, typename L::f32& p, typename L::f32 grad, typename L::f32& b) {
    using F = typename L::f32;
    F g = c.maximize ? L::fneg(grad) : grad;
    if (c.has_weight_decay) g = L::ffma(L::fsplat(c.weight_decay), p, g);
    if (c.has_momentum) {
        b = c.first_step ? g : L::ffma(b, L::fsplat(c.momentum), L::fmul(g, L::fsplat(c.dampening_factor)));
        g = c.nesterov ? L::ffma(L::fsplat(c.momentum), b, g) : b;
    }
    p = L::ffma(L::fsplat(c.neg_lr), g, p);
}

// One Adam / AdamW step of p, m and v from grad.
template <class L>
RK_HD void adam_update(const AdamConstants& c, typename L::f32& p, typename L::f32 grad, typename L::f32& m,
                       typename L::f32& v) {
    using F = typename L::f32;
    F g = c.maximize ? L::fneg(grad) : grad;
    if (c.has_weight_decay) {
        if (c.decoupled)
            p = L::fmul(p, L::fsplat(c.decay));
        else
            g = L::ffma(L::fsplat(c.weight_decay), p, g);
    }
    m = L::ffma(L::fsplat(c.one_minus_beta1), L::fsub(g, m), m);
    v = L::ffma(L::fmul(L::fsplat(c.one_minus_beta2), g), g, L::fmul(v, L::fsplat(c.beta2)));
    const F denom = L::fadd(L::fdiv(L::fsqrt(v), L::fsplat(c.r)), L::fsplat(c.eps));
    p = L::ffma(L::fsplat(c.neg_step), L::fdiv(m, denom), p);
}

// Lanes holding NaN or +-Inf (the optimizer state must be finite).
template <class L>
RK_HD typename L::mask nonfinite(typename L::f32 x) {
    return L::mnot(L::flt(L::fabs_(x), L::as_f32(L::usplat(0x7F800000u))));
}

}  // namespace rk::core
