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

// Normalization: BatchNorm2d with channels whose 2,600 positions span planes and chunks (every pass, affine, running
// statistics), and LayerNorm with 2,100-wide rows (two chunks each; forward and backward with dγ, dβ). Inputs are
// hostile values made finite, so that statistics stay finite but subnormals and signed zeros pass through.
rk_status normalization(rk_context* c, std::vector<uint8_t>& out) {
    const int64_t n = 4, ch = 3, h = 25, w = 26, e = n * ch * h * w;
    std::vector<float> x, dy(static_cast<size_t>(e)), gamma(static_cast<size_t>(ch)), beta(gamma.size()),
        rm(gamma.size(), 0.25f), rv(gamma.size(), 2.0f);
    RK_TRY(hostile_data(c, e, x));
    for (float& v : x)
        if (!std::isfinite(v) || std::fabs(v) > 1e6f) v = -0.75f;
    const rk_philox_stream s{0x12, 5, 0};
    RK_TRY(staged(c, [&](Staging& st) { return rk_philox_fill_normal(c, &s, 0.0f, 1.0f, st.out(dy), e); }));
    RK_TRY(staged(c, [&](Staging& st) { return rk_philox_fill_normal(c, &s, 1.0f, 0.2f, st.out(gamma), ch); }));
    RK_TRY(staged(c, [&](Staging& st) { return rk_philox_fill_uniform_range(c, &s, -1.0f, 1.0f, st.out(beta), ch); }));
    std::vector<float> y(x.size()), mean(gamma.size()), invstd(gamma.size()), dx(x.size()), dg(gamma.size()),
        db(gamma.size());
    RK_TRY(staged(c, [&](Staging& st) {
        return rk_batchnorm2d_forward_training(c, n, ch, h, w, 1e-5f, 0.1f, st.in(x), st.in(gamma), st.in(beta),
                                               st.out(y), st.out(mean), st.out(invstd), st.out(rm), st.out(rv));
    }));
    for (const auto* v : {&y, &mean, &invstd, &rm, &rv}) append(out, *v);
    RK_TRY(staged(c, [&](Staging& st) {
        return rk_batchnorm2d_backward_training(c, n, ch, h, w, st.in(x), st.in(dy), st.in(gamma), st.in(mean),
                                                st.in(invstd), st.out(dx), st.out(dg), st.out(db));
    }));
    for (const auto* v : {&dx, &dg, &db}) append(out, *v);
    RK_TRY(staged(c, [&](Staging& st) {
        return rk_batchnorm2d_forward_inference(c, n, ch, h, w, 1e-5f, st.in(x), nullptr, st.in(beta), st.in(rm),
                                                st.in(rv), st.out(y));
    }));
    append(out, y);
    RK_TRY(staged(c, [&](Staging& st) {
        return rk_batchnorm2d_backward_inference(c, n, ch, h, w, 1e-5f, st.in(dy), st.in(gamma), st.in(rv), st.out(dx));
    }));
    append(out, dx);
    const int64_t rows = 3, d = 2100;  // 6,300 of the 7,800 values
    std::vector<float> lg(static_cast<size_t>(d)), lb(lg.size()), ly(static_cast<size_t>(rows * d)), lm(3), li(3),
        ldx(ly.size()), ldg(lg.size()), ldb(lg.size());
    RK_TRY(staged(c, [&](Staging& st) { return rk_philox_fill_normal(c, &s, 1.0f, 0.1f, st.out(lg), d); }));
    RK_TRY(staged(c, [&](Staging& st) { return rk_philox_fill_normal(c, &s, 0.0f, 0.1f, st.out(lb), d); }));
    RK_TRY(staged(c, [&](Staging& st) {
        return rk_layernorm_forward(c, rows, d, 1e-5f, st.in(x), st.in(lg), st.in(lb), st.out(ly), st.out(lm), st.out(li));
    }));
    for (const auto* v : {&ly, &lm, &li}) append(out, *v);
    RK_TRY(staged(c, [&](Staging& st) {
        return rk_layernorm_backward(c, rows, d, st.in(x), st.in(dy), st.in(lg), st.in(lm), st.in(li), st.out(ldx),
                                     st.out(ldg), st.out(ldb));
    }));
    for (const auto* v : {&ldx, &ldg, &ldb}) append(out, *v);
    return RK_STATUS_OK;
}

// Cross-entropy: rows longer than a chunk of the canonical sum (2048) with a vector tail, hostile logits (a NaN row,
// infinities, extremes) with reduction none, finite logits with sum and mean, label smoothing, ignored rows; every
// backward.
rk_status cross_entropy(rk_context* c, std::vector<uint8_t>& out) {
    const int64_t batch = 37, classes = 2100, ignore = -100;
    std::vector<float> x, finite;
    RK_TRY(hostile_data(c, batch * classes, x));
    finite = x;
    for (float& v : finite)
        if (!std::isfinite(v) || std::fabs(v) > 1e4f) v = -0.75f;
    std::vector<int64_t> t(static_cast<size_t>(batch));
    for (int64_t r = 0; r < batch; ++r) t[static_cast<size_t>(r)] = r % 5 == 3 ? ignore : (r * 761) % classes;
    std::vector<float> dloss(static_cast<size_t>(batch));
    const rk_philox_stream s{0x12, 0, 0};
    RK_TRY(staged(c, [&](Staging& st) { return rk_philox_fill_normal(c, &s, 0.0f, 1.0f, st.out(dloss), batch); }));
    std::vector<float> rows(static_cast<size_t>(batch)), one(1), dx(x.size());
    for (const float eps : {0.0f, 0.1f}) {
        RK_TRY(staged(c, [&](Staging& st) {
            return rk_cross_entropy_forward(c, batch, classes, st.in(x), st.in(t), ignore, eps, RK_REDUCTION_NONE, st.out(rows));
        }));
        append(out, rows);
        RK_TRY(staged(c, [&](Staging& st) {
            return rk_cross_entropy_backward(c, batch, classes, st.in(x), st.in(t), ignore, eps, RK_REDUCTION_NONE,
                                             st.in(dloss), st.out(dx));
        }));
        append(out, dx);
        for (const rk_loss_reduction reduction : {RK_REDUCTION_SUM, RK_REDUCTION_MEAN}) {
            RK_TRY(staged(c, [&](Staging& st) {
                return rk_cross_entropy_forward(c, batch, classes, st.in(finite), st.in(t), ignore, eps, reduction,
                                                st.out(one));
            }));
            append(out, one);
            RK_TRY(staged(c, [&](Staging& st) {
                return rk_cross_entropy_backward(c, batch, classes, st.in(finite), st.in(t), ignore, eps, reduction,
                                                 st.in(dloss), st.out(dx));
            }));
            append(out, dx);
        }
    }
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

namespace {

rk_pool2d_desc pool_desc(rk_pool_mode mode, rk_conv_layout layout, int64_t n, int64_t ch, int64_t h, int64_t w, int32_t k,
                         int32_t stride, int32_t pad, int32_t dilation, int32_t ceil_mode, int32_t include_pad,
                         int32_t divisor) {
    rk_pool2d_desc d{};
    d.struct_size = sizeof d;
    d.mode = mode;
    d.layout = layout;
    d.n = n;
    d.c = ch;
    d.h = h;
    d.w = w;
    d.kernel_h = k;
    d.kernel_w = k + 1;
    d.stride_h = stride;
    d.stride_w = stride;
    d.pad_h = pad;
    d.pad_w = pad;
    d.dilation_h = d.dilation_w = dilation;
    d.ceil_mode = ceil_mode;
    d.count_include_pad = include_pad;
    d.divisor_override = divisor;
    return d;
}

// Forward (with indices for max), forward without indices, backward of one descriptor on hostile data.
rk_status pool_case(rk_context* c, const rk_pool2d_desc& d, uint64_t seed, std::vector<uint8_t>& out) {
    int64_t p = 0, q = 0;
    RK_TRY(rk_pool2d_output_shape(&d, &p, &q));
    std::vector<float> x, y(static_cast<size_t>(d.n * d.c * p * q)), dy(y.size());
    RK_TRY(hostile_data(c, d.n * d.c * d.h * d.w, x));
    for (size_t i = 3; i < x.size(); i += 5) x[i] = std::round(x[i] * 0.1f);  // ties
    const rk_philox_stream s{seed, 0, 0};
    RK_TRY(staged(c, [&](Staging& st) { return rk_philox_fill_normal(c, &s, 0.0f, 1.0f, st.out(dy), static_cast<int64_t>(dy.size())); }));
    const bool max = d.mode == RK_POOL_MAX;
    std::vector<int64_t> indices(max ? y.size() : 0);
    std::vector<float> dx(x.size());
    RK_TRY(staged(c, [&](Staging& st) { return rk_pool2d_forward(c, &d, st.in(x), st.out(y), max ? st.out(indices) : nullptr); }));
    append(out, y);
    append(out, indices);
    RK_TRY(staged(c, [&](Staging& st) { return rk_pool2d_forward(c, &d, st.in(x), st.out(y), nullptr); }));
    append(out, y);
    RK_TRY(staged(c, [&](Staging& st) {
        return rk_pool2d_backward(c, &d, st.in(dy), max ? st.in(indices) : nullptr, st.out(dx));
    }));
    append(out, dx);
    return RK_STATUS_OK;
}

}  // namespace

// MaxPool2d: overlapping windows (backward sums), dilation, ceil_mode, padding; both layouts, channel tails.
rk_status max_pool2d(rk_context* c, std::vector<uint8_t>& out) {
    RK_TRY(pool_case(c, pool_desc(RK_POOL_MAX, RK_LAYOUT_NCHW, 2, 3, 13, 37, 3, 2, 1, 2, 1, 0, 0), 0x21, out));
    RK_TRY(pool_case(c, pool_desc(RK_POOL_MAX, RK_LAYOUT_NCHW, 1, 2, 9, 41, 3, 1, 1, 1, 0, 0, 0), 0x22, out));
    RK_TRY(pool_case(c, pool_desc(RK_POOL_MAX, RK_LAYOUT_NHWC, 2, 19, 9, 10, 3, 1, 1, 1, 0, 0, 0), 0x23, out));
    return RK_STATUS_OK;
}

// AvgPool2d: count_include_pad both ways, divisor_override, ceil_mode (a window in the padding), both layouts.
rk_status avg_pool2d(rk_context* c, std::vector<uint8_t>& out) {
    RK_TRY(pool_case(c, pool_desc(RK_POOL_AVG, RK_LAYOUT_NCHW, 2, 3, 13, 37, 3, 2, 1, 1, 1, 1, 0), 0x31, out));
    RK_TRY(pool_case(c, pool_desc(RK_POOL_AVG, RK_LAYOUT_NCHW, 1, 2, 9, 41, 3, 1, 1, 1, 1, 0, 0), 0x32, out));
    RK_TRY(pool_case(c, pool_desc(RK_POOL_AVG, RK_LAYOUT_NHWC, 2, 19, 9, 10, 3, 2, 1, 1, 0, 0, 7), 0x33, out));
    return RK_STATUS_OK;
}

// Global average pooling: planes longer than a chunk of the canonical sum, NHWC channel blocks and tails.
rk_status global_avg_pool2d(rk_context* c, std::vector<uint8_t>& out) {
    const struct {
        rk_conv_layout layout;
        int64_t n, ch, h, w;
    } shapes[] = {{RK_LAYOUT_NCHW, 2, 3, 50, 47}, {RK_LAYOUT_NHWC, 2, 67, 7, 9}, {RK_LAYOUT_NHWC, 1, 5, 46, 46}};
    for (const auto& z : shapes) {
        std::vector<float> x, y(static_cast<size_t>(z.n * z.ch)), dx;
        RK_TRY(hostile_data(c, z.n * z.ch * z.h * z.w, x));
        dx.resize(x.size());
        RK_TRY(staged(c, [&](Staging& st) {
            return rk_global_avg_pool2d_forward(c, z.layout, z.n, z.ch, z.h, z.w, st.in(x), st.out(y));
        }));
        append(out, y);
        for (float& v : y)
            if (!std::isfinite(v)) v = 0.5f;
        RK_TRY(staged(c, [&](Staging& st) {
            return rk_global_avg_pool2d_backward(c, z.layout, z.n, z.ch, z.h, z.w, st.in(y), st.out(dx));
        }));
        append(out, dx);
    }
    return RK_STATUS_OK;
}

}  // namespace rk::verify
