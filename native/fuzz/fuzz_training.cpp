// Fuzz harness: cross-entropy and 2-D pooling (docs/training.md sections 3 and 5). Sizes in and out of range,
// invalid descriptors, reductions and label smoothing, targets outside [0, classes), arbitrary (even foreign)
// max-pooling indices, hostile values. Invariants: the status invariant of every entry point; a refused call
// writes nothing (a bad target is found before any output is touched); an accepted call gives the same bits on
// every context (scalar x1, the best ISA x3, AVX2 x2).
#include "c_abi.h"
#include "fuzz_common.h"

using namespace rkfuzz;

namespace {

template <class T>
bool untouched(const Buffer<T>& b) {
    const auto* p = reinterpret_cast<const uint8_t*>(b.data());
    for (size_t i = 0; i < b.bytes(); ++i)
        if (p[i] != 0xA5) return false;
    return true;
}

void fill(Input& in, Buffer<float>& b, bool tame) {
    for (size_t i = 0; i < b.n; ++i) b.data()[i] = tame ? in.f32_tame() : in.f32();
}

void cross_entropy(Input& in) {
    const int64_t batch = in.range(0, 9);
    const int64_t classes = in.flag() ? in.range(2030, 2100) : in.range(-1, 40);
    const int64_t ignore = in.flag() ? -100 : in.range(-3, 5);
    const float eps = in.flag() ? 0.0f : in.f32();
    const auto reduction = static_cast<rk_loss_reduction>(in.range(0, 3));
    const size_t n = static_cast<size_t>(batch * std::max<int64_t>(classes, 0));
    Buffer<float> x(n), dloss(static_cast<size_t>(batch));
    fill(in, x, in.flag());
    fill(in, dloss, true);
    Buffer<int64_t> t(static_cast<size_t>(batch));
    for (size_t r = 0; r < t.n; ++r) {
        const uint8_t k = in.u8();
        t.data()[r] = k < 200 ? (classes > 0 ? static_cast<int64_t>(k) % classes : 0) : k < 230 ? ignore : in.range(-5, 50);
    }
    const size_t outs = reduction == RK_REDUCTION_NONE ? static_cast<size_t>(batch) : 1;
    Buffer<float> ref(outs), ref_dx(n);
    const auto& ctx = contexts();
    const bool fwd_ok =
        status_ok(rk_cross_entropy_forward(ctx[0], batch, classes, x.data(), t.data(), ignore, eps, reduction, ref.data()),
                  "rk_cross_entropy_forward");
    if (!fwd_ok) FUZZ_CHECK(untouched(ref), "a refused rk_cross_entropy_forward wrote its output");
    const bool bwd_ok = status_ok(rk_cross_entropy_backward(ctx[0], batch, classes, x.data(), t.data(), ignore, eps, reduction,
                                                            dloss.data(), ref_dx.data()),
                                  "rk_cross_entropy_backward");
    if (!bwd_ok) FUZZ_CHECK(untouched(ref_dx), "a refused rk_cross_entropy_backward wrote dlogits");
    FUZZ_CHECK(fwd_ok == bwd_ok, "forward and backward disagree about the arguments");
    for (size_t i = 1; i < ctx.size() && fwd_ok; ++i) {
        Buffer<float> got(outs), got_dx(n);
        FUZZ_CHECK(rk_cross_entropy_forward(ctx[i], batch, classes, x.data(), t.data(), ignore, eps, reduction, got.data()) ==
                       RK_STATUS_OK,
                   rk_last_error_message());
        FUZZ_CHECK(rk_cross_entropy_backward(ctx[i], batch, classes, x.data(), t.data(), ignore, eps, reduction, dloss.data(),
                                             got_dx.data()) == RK_STATUS_OK,
                   rk_last_error_message());
        FUZZ_CHECK(same_bits(got.data(), ref.data(), outs), "cross-entropy loss differs between contexts");
        FUZZ_CHECK(same_bits(got_dx.data(), ref_dx.data(), n), "cross-entropy gradient differs between contexts");
    }
}

void pool(Input& in) {
    rk_pool2d_desc d{};
    d.struct_size = in.range(0, 15) == 0 ? 8 : sizeof d;
    const int mode = static_cast<int>(in.range(0, 2)), layout = static_cast<int>(in.range(0, 2));
    rkfuzz_set_pool_mode_layout(&d, mode, layout);  // out-of-range values through C (c_abi.h)
    d.n = in.range(0, 3);
    d.c = in.range(1, 20);
    d.h = in.range(-1, 12);
    d.w = in.range(1, 40);
    d.kernel_h = static_cast<int32_t>(in.range(0, 5));
    d.kernel_w = static_cast<int32_t>(in.range(1, 6));
    d.stride_h = static_cast<int32_t>(in.range(0, 4));
    d.stride_w = static_cast<int32_t>(in.range(1, 4));
    d.pad_h = static_cast<int32_t>(in.range(-1, 3));
    d.pad_w = static_cast<int32_t>(in.range(0, 3));
    d.dilation_h = static_cast<int32_t>(in.range(0, 3));
    d.dilation_w = static_cast<int32_t>(in.range(1, 3));
    d.ceil_mode = in.flag();
    d.count_include_pad = in.flag();
    d.divisor_override = static_cast<int32_t>(in.range(-1, 4));
    int64_t p = 0, q = 0;
    const bool valid = status_ok(rk_pool2d_output_shape(&d, &p, &q), "rk_pool2d_output_shape");
    const auto& ctx = contexts();
    if (!valid) {
        Buffer<float> x(16), y(16);
        FUZZ_CHECK(!status_ok(rk_pool2d_forward(ctx[0], &d, x.data(), y.data(), nullptr), "rk_pool2d_forward"),
                   "rk_pool2d_forward accepts a descriptor rk_pool2d_output_shape refuses");
        FUZZ_CHECK(untouched(y), "a refused rk_pool2d_forward wrote y");
        return;
    }
    const size_t xn = static_cast<size_t>(d.n * d.c * d.h * d.w), yn = static_cast<size_t>(d.n * d.c * p * q);
    const bool max = mode == RK_POOL_MAX, with_indices = max && in.flag();
    Buffer<float> x(xn), dy(yn), y(yn), dx(xn);
    fill(in, x, in.flag());
    fill(in, dy, true);
    Buffer<int64_t> idx(max ? yn : 0);
    if (!status_ok(rk_pool2d_forward(ctx[0], &d, x.data(), y.data(), with_indices ? idx.data() : nullptr), "rk_pool2d_forward"))
        return;
    if (max && (!with_indices || in.flag()))  // foreign indices: anything, the backward must not care
        for (size_t i = 0; i < idx.n; ++i) idx.data()[i] = in.flag() ? static_cast<int64_t>(in.u64()) : in.range(-2, 500);
    FUZZ_CHECK(status_ok(rk_pool2d_backward(ctx[0], &d, dy.data(), max ? idx.data() : nullptr, dx.data()), "rk_pool2d_backward"),
               "rk_pool2d_backward refused what the forward accepted");
    for (size_t i = 1; i < ctx.size(); ++i) {
        Buffer<float> y2(yn), dx2(xn);
        Buffer<int64_t> idx2(with_indices ? yn : 0);
        FUZZ_CHECK(rk_pool2d_forward(ctx[i], &d, x.data(), y2.data(), with_indices ? idx2.data() : nullptr) == RK_STATUS_OK,
                   rk_last_error_message());
        FUZZ_CHECK(rk_pool2d_backward(ctx[i], &d, dy.data(), max ? idx.data() : nullptr, dx2.data()) == RK_STATUS_OK,
                   rk_last_error_message());
        FUZZ_CHECK(same_bits(y2.data(), y.data(), yn), "pooling output differs between contexts");
        FUZZ_CHECK(same_bits(dx2.data(), dx.data(), xn), "pooling gradient differs between contexts");
    }
}

void global_pool(Input& in) {
    const int layout = static_cast<int>(in.range(0, 2));  // passed through C (c_abi.h): 2 is out of range
    const int64_t n = in.range(-1, 3), c = in.range(0, 70), h = in.range(1, 50), w = in.range(1, 50);
    const size_t xn = static_cast<size_t>(std::max<int64_t>(n * c * h * w, 0)), yn = static_cast<size_t>(std::max<int64_t>(n * c, 0));
    Buffer<float> x(xn), y(yn), dx(xn);
    fill(in, x, in.flag());
    const auto& ctx = contexts();
    const bool ok = status_ok(rkfuzz_global_avg_pool2d_forward(ctx[0], layout, n, c, h, w, x.data(), y.data()), "rk_global_avg_pool2d_forward");
    if (!ok) {
        FUZZ_CHECK(untouched(y), "a refused rk_global_avg_pool2d_forward wrote y");
        return;
    }
    FUZZ_CHECK(status_ok(rkfuzz_global_avg_pool2d_backward(ctx[0], layout, n, c, h, w, y.data(), dx.data()), "rk_global_avg_pool2d_backward"),
               "the backward refused what the forward accepted");
    for (size_t i = 1; i < ctx.size(); ++i) {
        Buffer<float> y2(yn), dx2(xn);
        FUZZ_CHECK(rkfuzz_global_avg_pool2d_forward(ctx[i], layout, n, c, h, w, x.data(), y2.data()) == RK_STATUS_OK, rk_last_error_message());
        FUZZ_CHECK(rkfuzz_global_avg_pool2d_backward(ctx[i], layout, n, c, h, w, y.data(), dx2.data()) == RK_STATUS_OK, rk_last_error_message());
        FUZZ_CHECK(same_bits(y2.data(), y.data(), yn), "global average differs between contexts");
        FUZZ_CHECK(same_bits(dx2.data(), dx.data(), xn), "global average gradient differs between contexts");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    Input in(data, size);
    switch (in.u8() % 3) {
        case 0: cross_entropy(in); break;
        case 1: pool(in); break;
        default: global_pool(in); break;
    }
    return 0;
}
