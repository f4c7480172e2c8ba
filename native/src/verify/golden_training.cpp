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

}  // namespace rk::verify
