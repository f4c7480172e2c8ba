// Golden cases of the training operations (docs/training.md).
#include <algorithm>
#include <cmath>
#include <vector>

#include "golden_support.h"

namespace rk::verify {

// Linear: a batch across the 256-row reduction chunk, odd feature counts; forward with and without bias, backward
// data, backward weights with the bias gradient.
rk_status linear(rk_context* c, std::vector<uint8_t>& out) {
    const int64_t batch = 300, in = 37, outf = 19;
    std::vector<float> x, w(static_cast<size_t>(outf * in)), b(static_cast<size_t>(outf)), dy(static_cast<size_t>(batch * outf));
    RK_TRY(hostile_data(c, batch * in, x));
    for (float& v : x)
        if (!std::isfinite(v)) v = -0.75f;  // finite, so that not every output is NaN
    const rk_philox_stream s{0x11, 4, 0};
    RK_TRY(staged(c, [&](Staging& st) { return rk_philox_fill_normal(c, &s, 0.0f, 0.2f, st.out(w), outf * in); }));
    RK_TRY(staged(c, [&](Staging& st) { return rk_philox_fill_uniform_range(c, &s, -1.0f, 1.0f, st.out(b), outf); }));
    RK_TRY(staged(c, [&](Staging& st) { return rk_philox_fill_normal(c, &s, 0.0f, 1.0f, st.out(dy), batch * outf); }));
    std::vector<float> y(static_cast<size_t>(batch * outf)), dx(x.size()), dw(w.size()), db(b.size());
    RK_TRY(staged(c, [&](Staging& st) {
        return rk_linear_forward(c, batch, in, outf, st.in(x), st.in(w), st.in(b), st.out(y));
    }));
    append(out, y);
    RK_TRY(staged(c, [&](Staging& st) {
        return rk_linear_forward(c, batch, in, outf, st.in(x), st.in(w), nullptr, st.out(y));
    }));
    append(out, y);
    RK_TRY(staged(c, [&](Staging& st) { return rk_linear_backward_data(c, batch, in, outf, st.in(dy), st.in(w), st.out(dx)); }));
    append(out, dx);
    RK_TRY(staged(c, [&](Staging& st) {
        return rk_linear_backward_weights(c, batch, in, outf, st.in(x), st.in(dy), st.out(dw), st.out(db));
    }));
    append(out, dw);
    append(out, db);
    return RK_STATUS_OK;
}

// Activations: every kind, forward and backward, on hostile values (NaN, infinities, signed zeros, subnormals,
// extremes) with a length that leaves a tail on every vector width; LeakyReLU with slope 0.01.
rk_status activations(rk_context* c, std::vector<uint8_t>& out) {
    const int64_t n = 1037;
    std::vector<float> x, dy(static_cast<size_t>(n)), y(static_cast<size_t>(n)), dx(static_cast<size_t>(n));
    RK_TRY(hostile_data(c, n, x));
    for (size_t i = 0; i < x.size(); i += 5) x[i] = x[i] * 0.25f;  // also the range where GELU curves (|x| < 3)
    const rk_philox_stream s{0x12, 4, 0};
    RK_TRY(staged(c, [&](Staging& st) { return rk_philox_fill_normal(c, &s, 0.0f, 1.0f, st.out(dy), n); }));
    for (const rk_activation kind : {RK_ACTIVATION_RELU, RK_ACTIVATION_LEAKY_RELU, RK_ACTIVATION_GELU,
                                     RK_ACTIVATION_GELU_TANH}) {
        RK_TRY(staged(c, [&](Staging& st) { return rk_activation_forward(c, kind, 0.01f, st.in(x), st.out(y), n); }));
        append(out, y);
        RK_TRY(staged(c, [&](Staging& st) {
            return rk_activation_backward(c, kind, 0.01f, st.in(x), st.in(dy), st.out(dx), n);
        }));
        append(out, dx);
    }
    return RK_STATUS_OK;
}

// Optimizers: three tensors (one empty, sizes that leave vector tails and cross a 64-element piece); SGD with
// momentum, dampening and weight decay, then Nesterov and maximize, three steps each; then Adam and AdamW with weight
// decay, three steps each. Hostile finite parameters and gradients (the state must stay finite).
rk_status optimizers(rk_context* c, std::vector<uint8_t>& out) {
    const int64_t counts[3] = {301, 0, 77};
    std::vector<float> p[3], g[3], m[3], v[3];
    for (int i = 0; i < 3; ++i) {
        const int64_t n = counts[i];
        if (n > 0) {
            RK_TRY(hostile_data(c, n, p[i]));
            RK_TRY(hostile_data(c, n, g[i]));
        }
        for (auto* vec : {&p[i], &g[i]})
            for (float& f : *vec)
                if (!std::isfinite(f) || std::fabs(f) > 1e30f) f = -0.75f;
        std::reverse(g[i].begin(), g[i].end());
        m[i].assign(static_cast<size_t>(n), 0.0f);
        v[i].assign(static_cast<size_t>(n), 0.0f);
    }
    const auto emit = [&] {
        for (int i = 0; i < 3; ++i) {
            append(out, p[i]);
            append(out, m[i]);
            append(out, v[i]);
        }
    };
    // Pointer arrays of one call (the empty tensor's pointers are null).
    const auto step = [&](auto call) {
        return staged(c, [&](Staging& st) {
            float *pp[3] = {}, *mp[3] = {}, *vp[3] = {};
            const float* gp[3] = {};
            for (int i = 0; i < 3; ++i)
                if (counts[i] > 0) pp[i] = st.out(p[i]), gp[i] = st.in(g[i]), mp[i] = st.out(m[i]), vp[i] = st.out(v[i]);
            return call(pp, gp, mp, vp);
        });
    };
    rk_sgd_hyperparams sh{};
    sh.struct_size = sizeof sh;
    sh.lr = 0.1, sh.momentum = 0.9, sh.dampening = 0.1, sh.weight_decay = 1e-2;
    for (int k = 0; k < 6; ++k) {
        if (k == 3) sh.dampening = 0.0, sh.nesterov = 1, sh.maximize = 1;
        const int32_t first = k == 0 ? 1 : 0;
        RK_TRY(step([&](float** pp, const float** gp, float** mp, float**) {
            return rk_sgd_step(c, &sh, first, 3, pp, gp, mp, counts);
        }));
        emit();
    }
    for (int i = 0; i < 3; ++i) std::fill(m[i].begin(), m[i].end(), 0.0f);
    for (int32_t decoupled : {0, 1}) {
        rk_adam_hyperparams ah{};
        ah.struct_size = sizeof ah;
        ah.lr = 1e-3, ah.beta1 = 0.9, ah.beta2 = 0.999, ah.eps = 1e-8, ah.weight_decay = 0.01;
        ah.decoupled_weight_decay = decoupled;
        for (int64_t t = 1; t <= 3; ++t) {
            RK_TRY(step([&](float** pp, const float** gp, float** mp, float** vp) {
                return rk_adam_step(c, &ah, t, 3, pp, gp, mp, vp, counts);
            }));
            emit();
        }
    }
    return RK_STATUS_OK;
}

}  // namespace rk::verify
