// Golden cases of the training operations (docs/training.md).
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

}  // namespace rk::verify
