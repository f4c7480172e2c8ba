// Activations (docs/training.md section 2), written once over a lanes type: ReLU, LeakyReLU, GELU (erf form) and GELU
// (tanh form), forward y = f(x) and backward dx = f'(x) dy. Every float operation is the doc's, in its order: the
// products left to right as written, an fma where the doc writes fma, erf / exp / tanh from portable_math.h. The
// backward recomputes the forward's intermediate values (t, e; u, v, h) from x, operation for operation.
#pragma once

#include <cstdint>

#include "lanes_scalar.h"
#include "portable_math.h"
#include "rk_platform.h"

namespace rk::core {

// = rk_activation.
enum class ActivationKind : int32_t { kRelu = 0, kLeakyRelu = 1, kGelu = 2, kGeluTanh = 3 };

// The float32 constants of docs/training.md section 2.
constexpr float kGeluC1 = 0x1.6a09e6p-1f;  // 1/sqrt(2)
constexpr float kGeluC2 = 0x1.988454p-2f;  // 1/sqrt(2 pi)
constexpr float kGeluC3 = 0x1.6e4e26p-5f;  // 0.044715
constexpr float kGeluC4 = 0x1.988454p-1f;  // sqrt(2/pi)
constexpr float kGeluC5 = 0x1.12ba9ep-3f;  // 0.134145 (= 3 * 0.044715 in decimal)

// ReLU: x > 0 or NaN keeps x (dy); everything else, -0 included, gives +0.
template <class L>
RK_HD typename L::mask relu_passes(typename L::f32 x) {
    return L::mor(L::fgt(x, L::fsplat(0.0f)), L::fisnan(x));
}
template <class L>
RK_HD typename L::f32 relu_forward(typename L::f32 x) {
    return L::fselect(relu_passes<L>(x), x, L::fsplat(0.0f));
}
template <class L>
RK_HD typename L::f32 relu_backward(typename L::f32 x, typename L::f32 dy) {
    return L::fselect(relu_passes<L>(x), dy, L::fsplat(0.0f));
}

// LeakyReLU(s): x > 0 ? x : x * s; backward x > 0 ? dy : dy * s (a NaN x takes the second branch).
template <class L>
RK_HD typename L::f32 leaky_relu_forward(typename L::f32 x, float s) {
    return L::fselect(L::fgt(x, L::fsplat(0.0f)), x, L::fmul(x, L::fsplat(s)));
}
template <class L>
RK_HD typename L::f32 leaky_relu_backward(typename L::f32 x, typename L::f32 dy, float s) {
    return L::fselect(L::fgt(x, L::fsplat(0.0f)), dy, L::fmul(dy, L::fsplat(s)));
}

// GELU, erf form: t = x * c1; e = erf(t); y = (x * 0.5) * (1 + e). In two halves (gelu_first: t and erf's first
// half; gelu_forward_second, gelu_backward_second: the rest), so that a backend can overlap the second half of one
// vector with the first half of the next; gelu_forward and gelu_backward are the one after the other.
template <class L>
RK_HD void gelu_first(typename L::f32 x, typename L::f32& t, typename L::f32& central, typename L::f32& pt) {
    t = L::fmul(x, L::fsplat(kGeluC1));
    math_detail::erf_first<L>(t, central, pt);
}
template <class L>
RK_HD typename L::f32 gelu_forward_second(typename L::f32 x, typename L::f32 t, typename L::f32 central,
                                          typename L::f32 pt) {
    const typename L::f32 e = math_detail::erf_second<L>(t, central, pt);
    return L::fmul(L::fmul(x, L::fsplat(0.5f)), L::fadd(L::fsplat(1.0f), e));
}
// cdf = 0.5 * (1 + e); p = exp((x * x) * -0.5) * c2; dx = dy * fma(x, p, cdf).
template <class L>
RK_HD typename L::f32 gelu_backward_second(typename L::f32 x, typename L::f32 dy, typename L::f32 t,
                                           typename L::f32 central, typename L::f32 pt) {
    using F = typename L::f32;
    const F e = math_detail::erf_second<L>(t, central, pt);
    const F cdf = L::fmul(L::fsplat(0.5f), L::fadd(L::fsplat(1.0f), e));
    // exp's argument is <= 0; where every lane's is in rk_expf_normal's domain (|x| <= 13.19, the common case), that
    // function gives rk_expf's bits at about half the cost (a uniform branch: the result is the same either way).
    const F q = L::fmul(L::fmul(x, x), L::fsplat(-0.5f));
    const F ex = L::mall(L::fge(q, L::fsplat(kExpNormalMin))) ? rk_expf_normal<L>(q) : rk_expf<L>(q);
    const F p = L::fmul(ex, L::fsplat(kGeluC2));
    return L::fmul(dy, L::ffma(x, p, cdf));
}
template <class L>
RK_HD typename L::f32 gelu_forward(typename L::f32 x) {
    typename L::f32 t, central, pt;
    gelu_first<L>(x, t, central, pt);
    return gelu_forward_second<L>(x, t, central, pt);
}
template <class L>
RK_HD typename L::f32 gelu_backward(typename L::f32 x, typename L::f32 dy) {
    typename L::f32 t, central, pt;
    gelu_first<L>(x, t, central, pt);
    return gelu_backward_second<L>(x, dy, t, central, pt);
}

// GELU, tanh form: u = x * x; v = fma(c3, u * x, x); h = tanh(c4 * v).
template <class L>
RK_HD typename L::f32 gelu_tanh_h(typename L::f32 x, typename L::f32 u) {
    const typename L::f32 v = L::ffma(L::fsplat(kGeluC3), L::fmul(u, x), x);
    return rk_tanhf<L>(L::fmul(L::fsplat(kGeluC4), v));
}
// y = (x * 0.5) * (1 + h).
template <class L>
RK_HD typename L::f32 gelu_tanh_forward(typename L::f32 x) {
    const typename L::f32 h = gelu_tanh_h<L>(x, L::fmul(x, x));
    return L::fmul(L::fmul(x, L::fsplat(0.5f)), L::fadd(L::fsplat(1.0f), h));
}
// l = x * 0.5; s = fma(-h, h, 1); d = c4 * fma(c5, u, 1); dx = dy * fma(l * s, d, 0.5 * (1 + h)).
template <class L>
RK_HD typename L::f32 gelu_tanh_backward(typename L::f32 x, typename L::f32 dy) {
    using F = typename L::f32;
    const F one = L::fsplat(1.0f);
    const F u = L::fmul(x, x);
    const F h = gelu_tanh_h<L>(x, u);
    const F l = L::fmul(x, L::fsplat(0.5f));
    const F s = L::ffma(L::fneg(h), h, one);
    const F d = L::fmul(L::fsplat(kGeluC4), L::ffma(L::fsplat(kGeluC5), u, one));
    return L::fmul(dy, L::ffma(L::fmul(l, s), d, L::fmul(L::fsplat(0.5f), L::fadd(one, h))));
}

// One activation by kind (a uniform branch: every lane takes the same one). negative_slope is LeakyReLU's s.
template <class L>
RK_HD typename L::f32 activation_forward(ActivationKind kind, float negative_slope, typename L::f32 x) {
    switch (kind) {
        case ActivationKind::kRelu: return relu_forward<L>(x);
        case ActivationKind::kLeakyRelu: return leaky_relu_forward<L>(x, negative_slope);
        case ActivationKind::kGelu: return gelu_forward<L>(x);
        default: return gelu_tanh_forward<L>(x);
    }
}
template <class L>
RK_HD typename L::f32 activation_backward(ActivationKind kind, float negative_slope, typename L::f32 x,
                                          typename L::f32 dy) {
    switch (kind) {
        case ActivationKind::kRelu: return relu_backward<L>(x, dy);
        case ActivationKind::kLeakyRelu: return leaky_relu_backward<L>(x, dy, negative_slope);
        case ActivationKind::kGelu: return gelu_backward<L>(x, dy);
        default: return gelu_tanh_backward<L>(x, dy);
    }
}

}  // namespace rk::core
