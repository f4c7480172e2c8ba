// Conv2d (C API): descriptor validation and algorithm resolution (Auto, support: backend/conv2d_rules.h), the
// workspace the context's backend needs, null, workspace and overlap checks, then the backend. docs/conv.md defines
// every result.
#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>
#include <vector>

#include "../backend/conv2d_rules.h"
#include "../cpu/conv2d_plan.h"
#include "context.h"
#include "errors.h"
#include "conv_call.h"
#include "overlap.h"
#include "testing.h"

using namespace rk::api;
using rk::core::ConvGeometry;

namespace {

rk_status load_geometry(const char* fn, const rk_conv2d_desc* desc, ConvGeometry& g) {
    if (rk_status s = check_not_null(fn, "desc", desc); s != RK_STATUS_OK) return s;
    rk_status status = RK_STATUS_OK;
    const std::string why = rk::backend::conv_geometry(*desc, g, status);
    if (!why.empty()) return fail(status, std::string(fn) + ": " + why);
    return RK_STATUS_OK;
}

// Resolves `requested` for `pass` (Auto by the documented rule; backward passes report RK_CONV_DIRECT). Both come
// as the caller's integers (enum_value): they may be any int.
rk_status resolve(const char* fn, const ConvGeometry& g, int32_t pass_value, int32_t requested_value,
                  rk_conv_algorithm& out) {
    if (pass_value < RK_CONV_PASS_FORWARD || pass_value > RK_CONV_PASS_BACKWARD_WEIGHTS)
        return fail(RK_STATUS_INVALID_ARGUMENT,
                    std::string(fn) + ": pass " + std::to_string(pass_value) + " is not a valid rk_conv_pass");
    if (requested_value < RK_CONV_AUTO || requested_value > RK_CONV_FFT)
        return fail(RK_STATUS_INVALID_ARGUMENT, std::string(fn) + ": algorithm " + std::to_string(requested_value) +
                                                    " is not a valid rk_conv_algorithm");
    const auto pass = static_cast<rk_conv_pass>(pass_value);
    const auto requested = static_cast<rk_conv_algorithm>(requested_value);
    if (requested == RK_CONV_AUTO) {
        out = pass == RK_CONV_PASS_FORWARD ? rk::backend::conv_auto(g) : RK_CONV_DIRECT;
        return RK_STATUS_OK;
    }
    const std::string why = rk::backend::conv_unsupported_reason(g, pass, requested);
    if (!why.empty()) return fail(RK_STATUS_UNSUPPORTED, std::string(fn) + ": " + why);
    out = pass == RK_CONV_PASS_FORWARD ? requested : RK_CONV_DIRECT;
    return RK_STATUS_OK;
}

}  // namespace

extern "C" RK_API rk_status rk_conv2d_output_shape(const rk_conv2d_desc* desc, int64_t* out_p, int64_t* out_q) {
    static const char* fn = "rk_conv2d_output_shape";
    return guarded(fn, [&]() -> rk_status {
        ConvGeometry g;
        if (rk_status s = load_geometry(fn, desc, g); s != RK_STATUS_OK) return s;
        if (out_p) *out_p = g.p;
        if (out_q) *out_q = g.q;
        return ok();
    });
}

// No context: the workspace reported is the CPU backend's (a CUDA context needs none, and accepts any).
extern "C" RK_API rk_status rk_conv2d_query(const rk_conv2d_desc* desc, rk_conv_pass pass,
                                            rk_conv_algorithm requested, rk_conv_algorithm* out_chosen,
                                            int64_t* out_workspace_bytes) {
    static const char* fn = "rk_conv2d_query";
    return guarded(fn, [&]() -> rk_status {
        ConvGeometry g;
        if (rk_status s = load_geometry(fn, desc, g); s != RK_STATUS_OK) return s;
        rk_conv_algorithm algo;
        if (rk_status s = resolve(fn, g, enum_value(pass), enum_value(requested), algo); s != RK_STATUS_OK) return s;
        const int64_t bytes = rk::cpu::conv_workspace_bytes(g, pass, algo);
        if (bytes < 0)
            return fail(RK_STATUS_SIZE_OVERFLOW, std::string(fn) + ": the workspace of " +
                                                     rk::backend::conv_algorithm_name(algo) +
                                                     " for this shape exceeds the addressable size");
        if (out_chosen) *out_chosen = algo;
        if (out_workspace_bytes) *out_workspace_bytes = bytes;
        return ok();
    });
}

extern "C" RK_API rk_status rk_conv2d_forward(rk_context* context, const rk_conv2d_desc* desc,
                                              rk_conv_algorithm algorithm, const float* x, const float* w,
                                              const float* bias, float* y, void* workspace, int64_t workspace_bytes,
                                              rk_conv_algorithm* out_chosen) {
    static const char* fn = "rk_conv2d_forward";
    return guarded(fn, [&]() -> rk_status {
        if (rk_status s = check_context(fn, context); s != RK_STATUS_OK) return s;
        ConvGeometry g;
        if (rk_status s = load_geometry(fn, desc, g); s != RK_STATUS_OK) return s;
        rk_conv_algorithm algo;
        if (rk_status s = resolve(fn, g, RK_CONV_PASS_FORWARD, enum_value(algorithm), algo); s != RK_STATUS_OK)
            return s;
        rk::backend::ConvArgs a = conv_args(RK_CONV_PASS_FORWARD, algo, g, workspace);
        a.in0 = x;
        a.in1 = w;
        a.bias = bias;
        a.out0 = y;
        const Region rx{"x", x, fbytes(g.x_count())}, rw{"w", w, fbytes(g.w_count())},
            rb{"bias", bias, bias ? fbytes(g.k) : 0}, ry{"y", y, fbytes(g.y_count())};
        if (rk_status s = run_conv(fn, context, a, workspace_bytes, {{"x", x}, {"w", w}, {"y", y}}, {ry},
                                   {rx, rw, rb, ry}, {{"x", x}, {"w", w}, {"bias", bias}, {"y", y}});
            s != RK_STATUS_OK)
            return s;
        if (out_chosen) *out_chosen = algo;
        return ok();
    });
}

extern "C" RK_API rk_status rk_conv2d_backward_data(rk_context* context, const rk_conv2d_desc* desc, const float* dy,
                                                    const float* w, float* dx, void* workspace,
                                                    int64_t workspace_bytes) {
    static const char* fn = "rk_conv2d_backward_data";
    return guarded(fn, [&]() -> rk_status {
        if (rk_status s = check_context(fn, context); s != RK_STATUS_OK) return s;
        ConvGeometry g;
        if (rk_status s = load_geometry(fn, desc, g); s != RK_STATUS_OK) return s;
        rk::backend::ConvArgs a = conv_args(RK_CONV_PASS_BACKWARD_DATA, RK_CONV_DIRECT, g, workspace);
        a.in0 = dy;
        a.in1 = w;
        a.out0 = dx;
        const Region rdy{"dy", dy, fbytes(g.y_count())}, rw{"w", w, fbytes(g.w_count())},
            rdx{"dx", dx, fbytes(g.x_count())};
        return run_conv(fn, context, a, workspace_bytes, {{"dy", dy}, {"w", w}, {"dx", dx}}, {rdx}, {rdy, rw, rdx},
                        {{"dy", dy}, {"w", w}, {"dx", dx}});
    });
}

extern "C" RK_API rk_status rk_conv2d_backward_weights(rk_context* context, const rk_conv2d_desc* desc,
                                                       const float* x, const float* dy, float* dw, float* dbias,
                                                       void* workspace, int64_t workspace_bytes) {
    static const char* fn = "rk_conv2d_backward_weights";
    return guarded(fn, [&]() -> rk_status {
        if (rk_status s = check_context(fn, context); s != RK_STATUS_OK) return s;
        ConvGeometry g;
        if (rk_status s = load_geometry(fn, desc, g); s != RK_STATUS_OK) return s;
        rk::backend::ConvArgs a = conv_args(RK_CONV_PASS_BACKWARD_WEIGHTS, RK_CONV_DIRECT, g, workspace);
        a.in0 = x;
        a.in1 = dy;
        a.out0 = dw;
        a.out1 = dbias;
        const Region rx{"x", x, fbytes(g.x_count())}, rdy{"dy", dy, fbytes(g.y_count())},
            rdw{"dw", dw, fbytes(g.w_count())}, rdb{"dbias", dbias, dbias ? fbytes(g.k) : 0};
        return run_conv(fn, context, a, workspace_bytes, {{"x", x}, {"dy", dy}, {"dw", dw}}, {rdw, rdb},
                        {rx, rdy, rdw, rdb}, {{"x", x}, {"dy", dy}, {"dw", dw}, {"dbias", dbias}});
    });
}

extern "C" RK_API const char* rk_testing_conv2d_kernels(const rk_context* context) {
    if (check_context("rk_testing_conv2d_kernels", context) != RK_STATUS_OK) return nullptr;
    return describe(context).conv_kernels;
}
