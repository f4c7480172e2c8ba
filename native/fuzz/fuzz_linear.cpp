// Fuzz harness: linear layers (rk_linear_forward / backward_data / backward_weights) with sizes from 1 up to and
// past the limits (0, negative, 2^40, products that overflow), null and overlapping buffers, and small problems run
// for real with values that break arithmetic (NaN, infinities, subnormals).
// Invariants: the status contract; every pass gives the same bits on every context and call; each pass equals
// conv2d 1x1 on NCHW [N, IN, 1, 1] (its definition); a row of y equals that row computed alone (batch invariance).
#include "fuzz_common.h"

using namespace rkfuzz;

namespace {

constexpr int64_t kMaxMacs = 40000;  // problems larger than this are only validated, not run

rk_conv2d_desc as_conv(int64_t batch, int64_t in_features, int64_t out_features) {
    rk_conv2d_desc d{};
    d.struct_size = sizeof d;
    d.layout = RK_LAYOUT_NCHW;
    d.n = batch;
    d.c = in_features;
    d.h = d.w = 1;
    d.k = out_features;
    d.r = d.s = 1;
    d.stride_h = d.stride_w = d.dilation_h = d.dilation_w = d.groups = 1;
    return d;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    Input in(data, size);
    const uint8_t mode = in.u8();
    const bool huge = mode < 48;
    const int64_t batch = fuzz_dimension(in, huge && in.flag(), 40), nin = fuzz_dimension(in, huge && in.flag(), 40),
                  nout = fuzz_dimension(in, huge && in.flag(), 40);
    const bool small = batch >= 1 && nin >= 1 && nout >= 1 && batch <= 40 && nin <= 40 && nout <= 40;
    rk_context* ref = contexts()[0];
    if (!small) {
        // Sizes the API must refuse (or accept without touching memory it was not given: every pointer is null, so
        // an accepted size would fail on the null check). Never a crash, never an unknown status.
        const rk_status s = rk_linear_forward(ref, batch, nin, nout, nullptr, nullptr, nullptr, nullptr);
        FUZZ_CHECK(s != RK_STATUS_OK, "rk_linear_forward accepted null buffers");
        status_ok(s, "rk_linear_forward");
        status_ok(rk_linear_backward_data(ref, batch, nin, nout, nullptr, nullptr, nullptr), "rk_linear_backward_data");
        status_ok(rk_linear_backward_weights(ref, batch, nin, nout, nullptr, nullptr, nullptr, nullptr),
                  "rk_linear_backward_weights");
        return 0;
    }
    if (batch * nin * nout > kMaxMacs) return 0;
    const size_t nx = static_cast<size_t>(batch * nin), nw = static_cast<size_t>(nout * nin), ny = static_cast<size_t>(batch * nout);
    Buffer<float> x(nx), w(nw), b(static_cast<size_t>(nout)), dy(ny);
    for (size_t i = 0; i < nx; ++i) x.data()[i] = in.f32_tame();
    for (size_t i = 0; i < nw; ++i) w.data()[i] = in.f32_tame();
    for (size_t i = 0; i < static_cast<size_t>(nout); ++i) b.data()[i] = in.f32_tame();
    for (size_t i = 0; i < ny; ++i) dy.data()[i] = in.f32_tame();
    const bool with_bias = in.flag();
    // Overlap and null checks: an output overlapping an input is refused by name, before anything is written.
    if (mode % 7 == 0) {
        Buffer<float> shared(nx + ny);
        const rk_status s = rk_linear_forward(ref, batch, nin, nout, shared.data(), w.data(), nullptr, shared.data() + nx - 1);
        FUZZ_CHECK(!status_ok(s, "rk_linear_forward") && s == RK_STATUS_INVALID_ARGUMENT, "an overlapping y was accepted");
        FUZZ_CHECK(!status_ok(rk_linear_backward_weights(ref, batch, nin, nout, x.data(), dy.data(), nullptr, b.data()),
                              "rk_linear_backward_weights"),
                   "a null dw was accepted");
        return 0;
    }
    // The reference: conv2d 1x1 on the scalar context.
    const rk_conv2d_desc d = as_conv(batch, nin, nout);
    Buffer<float> ry(ny), rdx(nx), rdw(nw), rdb(static_cast<size_t>(nout));
    FUZZ_CHECK(status_ok(rk_conv2d_forward(ref, &d, RK_CONV_DIRECT, x.data(), w.data(), with_bias ? b.data() : nullptr,
                                           ry.data(), nullptr, 0, nullptr),
                         "rk_conv2d_forward"),
               "conv2d 1x1 refused a valid problem");
    FUZZ_CHECK(status_ok(rk_conv2d_backward_data(ref, &d, dy.data(), w.data(), rdx.data(), nullptr, 0), "rk_conv2d_backward_data"),
               "conv2d backward data refused a valid problem");
    FUZZ_CHECK(status_ok(rk_conv2d_backward_weights(ref, &d, x.data(), dy.data(), rdw.data(), rdb.data(), nullptr, 0),
                         "rk_conv2d_backward_weights"),
               "conv2d backward weights refused a valid problem");
    for (rk_context* c : contexts()) {
        Buffer<float> y(ny), dx(nx), dw(nw), db(static_cast<size_t>(nout));
        FUZZ_CHECK(status_ok(rk_linear_forward(c, batch, nin, nout, x.data(), w.data(), with_bias ? b.data() : nullptr, y.data()),
                             "rk_linear_forward"),
                   "rk_linear_forward refused a valid problem");
        FUZZ_CHECK(status_ok(rk_linear_backward_data(c, batch, nin, nout, dy.data(), w.data(), dx.data()), "rk_linear_backward_data"),
                   "rk_linear_backward_data refused a valid problem");
        FUZZ_CHECK(status_ok(rk_linear_backward_weights(c, batch, nin, nout, x.data(), dy.data(), dw.data(), db.data()),
                             "rk_linear_backward_weights"),
                   "rk_linear_backward_weights refused a valid problem");
        FUZZ_CHECK(same_bits(y.data(), ry.data(), ny), "linear forward differs from conv2d 1x1");
        FUZZ_CHECK(same_bits(dx.data(), rdx.data(), nx), "linear backward data differs from conv2d 1x1");
        FUZZ_CHECK(same_bits(dw.data(), rdw.data(), nw), "linear backward weights differs from conv2d 1x1");
        FUZZ_CHECK(same_bits(db.data(), rdb.data(), static_cast<size_t>(nout)), "linear bias gradient differs from conv2d 1x1");
    }
    // Batch invariance: the last row alone.
    Buffer<float> y1(static_cast<size_t>(nout));
    FUZZ_CHECK(status_ok(rk_linear_forward(ref, 1, nin, nout, x.data() + (batch - 1) * nin, w.data(),
                                           with_bias ? b.data() : nullptr, y1.data()),
                         "rk_linear_forward"),
               "a single row was refused");
    FUZZ_CHECK(same_bits(y1.data(), ry.data() + (batch - 1) * nout, static_cast<size_t>(nout)), "a row depends on its batch");
    return 0;
}
