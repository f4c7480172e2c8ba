// Linear (C API, docs/training.md section 1): the sizes, then the 1x1 convolution a linear layer is defined to be
// (core/linear.h), run through the context's conv operation like any convolution.
#include <cstdint>
#include <string>

#include "../core/int_math.h"
#include "../core/linear.h"
#include "context.h"
#include "conv_call.h"
#include "errors.h"

using namespace rk::api;
using rk::core::ConvGeometry;

namespace {

constexpr int64_t kMaxSize = int64_t{1} << 40;  // as conv2d's sizes

// batch, in_features and out_features in [1, 2^40], and x, w and y addressable; the geometry of the 1x1 convolution.
rk_status linear_geometry(const char* fn, int64_t batch, int64_t in_features, int64_t out_features, ConvGeometry& g) {
    const std::pair<const char*, int64_t> sizes[] = {
        {"batch", batch}, {"in_features", in_features}, {"out_features", out_features}};
    for (const auto& [name, v] : sizes) {
        if (v < 0)
            return fail(RK_STATUS_SIZE_OVERFLOW, std::string(fn) + ": " + name + " is negative (" + std::to_string(v) + ")");
        if (v == 0) return fail(RK_STATUS_INVALID_ARGUMENT, std::string(fn) + ": " + name + " must be at least 1 (got 0)");
        if (v > kMaxSize)
            return fail(RK_STATUS_SIZE_OVERFLOW,
                        std::string(fn) + ": " + name + " (" + std::to_string(v) + ") exceeds 2^40");
    }
    const std::pair<const char*, int64_t> counts[] = {
        {"x (batch * in_features)", rk::core::size_product({batch, in_features})},
        {"w (out_features * in_features)", rk::core::size_product({out_features, in_features})},
        {"y (batch * out_features)", rk::core::size_product({batch, out_features})}};
    for (const auto& [name, v] : counts)
        if (v < 0)
            return fail(RK_STATUS_SIZE_OVERFLOW,
                        std::string(fn) + ": the element count of " + name + " exceeds the addressable size");
    g = rk::core::linear_geometry(batch, in_features, out_features);
    return RK_STATUS_OK;
}

}  // namespace

extern "C" RK_API rk_status rk_linear_forward(rk_context* context, int64_t batch, int64_t in_features,
                                              int64_t out_features, const float* x, const float* w, const float* bias,
                                              float* y) {
    static const char* fn = "rk_linear_forward";
    return guarded(fn, [&]() -> rk_status {
        if (rk_status s = check_context(fn, context); s != RK_STATUS_OK) return s;
        ConvGeometry g;
        if (rk_status s = linear_geometry(fn, batch, in_features, out_features, g); s != RK_STATUS_OK) return s;
        // Implicit GEMM: the direct canonical function (identical bits), by the backend's GEMM paths.
        rk::backend::ConvArgs a = conv_args(RK_CONV_PASS_FORWARD, RK_CONV_IMPLICIT_GEMM, g, nullptr);
        a.in0 = x;
        a.in1 = w;
        a.bias = bias;
        a.out0 = y;
        const Region rx{"x", x, fbytes(g.x_count())}, rw{"w", w, fbytes(g.w_count())},
            rb{"bias", bias, bias ? fbytes(g.k) : 0}, ry{"y", y, fbytes(g.y_count())};
        return run_conv(fn, context, a, 0, {{"x", x}, {"w", w}, {"y", y}}, {ry}, {rx, rw, rb, ry},
                        {{"x", x}, {"w", w}, {"bias", bias}, {"y", y}});
    });
}

extern "C" RK_API rk_status rk_linear_backward_data(rk_context* context, int64_t batch, int64_t in_features,
                                                    int64_t out_features, const float* dy, const float* w, float* dx) {
    static const char* fn = "rk_linear_backward_data";
    return guarded(fn, [&]() -> rk_status {
        if (rk_status s = check_context(fn, context); s != RK_STATUS_OK) return s;
        ConvGeometry g;
        if (rk_status s = linear_geometry(fn, batch, in_features, out_features, g); s != RK_STATUS_OK) return s;
        rk::backend::ConvArgs a = conv_args(RK_CONV_PASS_BACKWARD_DATA, RK_CONV_DIRECT, g, nullptr);
        a.in0 = dy;
        a.in1 = w;
        a.out0 = dx;
        const Region rdy{"dy", dy, fbytes(g.y_count())}, rw{"w", w, fbytes(g.w_count())},
            rdx{"dx", dx, fbytes(g.x_count())};
        return run_conv(fn, context, a, 0, {{"dy", dy}, {"w", w}, {"dx", dx}}, {rdx}, {rdy, rw, rdx},
                        {{"dy", dy}, {"w", w}, {"dx", dx}});
    });
}

extern "C" RK_API rk_status rk_linear_backward_weights(rk_context* context, int64_t batch, int64_t in_features,
                                                       int64_t out_features, const float* x, const float* dy,
                                                       float* dw, float* dbias) {
    static const char* fn = "rk_linear_backward_weights";
    return guarded(fn, [&]() -> rk_status {
        if (rk_status s = check_context(fn, context); s != RK_STATUS_OK) return s;
        ConvGeometry g;
        if (rk_status s = linear_geometry(fn, batch, in_features, out_features, g); s != RK_STATUS_OK) return s;
        rk::backend::ConvArgs a = conv_args(RK_CONV_PASS_BACKWARD_WEIGHTS, RK_CONV_DIRECT, g, nullptr);
        a.in0 = x;
        a.in1 = dy;
        a.out0 = dw;
        a.out1 = dbias;
        const Region rx{"x", x, fbytes(g.x_count())}, rdy{"dy", dy, fbytes(g.y_count())},
            rdw{"dw", dw, fbytes(g.w_count())}, rdb{"dbias", dbias, dbias ? fbytes(g.k) : 0};
        return run_conv(fn, context, a, 0, {{"x", x}, {"dy", dy}, {"dw", dw}}, {rdw, rdb}, {rx, rdy, rdw, rdb},
                        {{"x", x}, {"dy", dy}, {"dw", dw}, {"dbias", dbias}});
    });
}
