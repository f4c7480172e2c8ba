// Activations (C API, docs/training.md section 2): the kind, the slope, the count, the buffers and their overlaps,
// then the context's backend.
#include <cmath>
#include <cstdint>
#include <string>

#include "context.h"
#include "errors.h"
#include "overlap.h"

using namespace rk::api;

namespace {

rk_status check_kind(const char* fn, int32_t kind, float negative_slope) {
    if (kind < RK_ACTIVATION_RELU || kind > RK_ACTIVATION_GELU_TANH)
        return fail(RK_STATUS_INVALID_ARGUMENT, std::string(fn) + ": kind " + std::to_string(kind) +
                                                    " is not a valid rk_activation");
    if (kind == RK_ACTIVATION_LEAKY_RELU && !std::isfinite(negative_slope))
        return fail(RK_STATUS_INVALID_ARGUMENT, std::string(fn) + ": negative_slope must be finite (got " +
                                                    format_number(negative_slope) + ")");
    return RK_STATUS_OK;
}

// The checks both passes share: the output may equal its input (y == x forward, dx == dy backward).
rk_status validate(const char* fn, rk_context* context, int32_t kind, float negative_slope, int64_t count,
                   const float* x, const float* dy, float* out, bool backward) {
    if (rk_status s = check_context(fn, context); s != RK_STATUS_OK) return s;
    if (rk_status s = check_kind(fn, kind, negative_slope); s != RK_STATUS_OK) return s;
    if (rk_status s = check_count(fn, "count", count, sizeof(float)); s != RK_STATUS_OK) return s;
    if (count == 0) return RK_STATUS_OK;
    const char* out_name = backward ? "dx" : "y";
    if (rk_status s = check_not_null(fn, "x", x); s != RK_STATUS_OK) return s;
    if (backward)
        if (rk_status s = check_not_null(fn, "dy", dy); s != RK_STATUS_OK) return s;
    if (rk_status s = check_not_null(fn, out_name, out); s != RK_STATUS_OK) return s;
    const uint64_t bytes = static_cast<uint64_t>(count) * sizeof(float);
    // In place is the output on its input exactly (y == x forward, dx == dy backward); any other overlap is refused.
    const Region rx{"x", x, bytes}, rdy{"dy", backward ? dy : nullptr, bytes}, rout{out_name, out, bytes};
    const Region& same = backward ? rdy : rx;
    if (out != same.p && overlaps(rout, same))
        return fail(RK_STATUS_INVALID_ARGUMENT, std::string(fn) + ": '" + same.name + "' and '" + out_name +
                                                    "' overlap without being the same buffer");
    if (backward && overlaps(rout, rx))
        return fail(RK_STATUS_INVALID_ARGUMENT, std::string(fn) + ": 'dx' overlaps 'x'");
    if (rk_status s = check_data(fn, context, "x", x); s != RK_STATUS_OK) return s;
    if (backward)
        if (rk_status s = check_data(fn, context, "dy", dy); s != RK_STATUS_OK) return s;
    return check_data(fn, context, out_name, out);
}

rk_status run(const char* fn, rk_context* context, int32_t kind, float negative_slope, const float* x,
              const float* dy, float* out, int64_t count, bool backward) {
    if (rk_status s = validate(fn, context, kind, negative_slope, count, x, dy, out, backward); s != RK_STATUS_OK)
        return s;
    if (count == 0) return ok();
    rk::backend::ActivationArgs a{};
    a.kind = static_cast<rk::core::ActivationKind>(kind);
    a.backward = backward ? 1 : 0;
    a.negative_slope = negative_slope;
    a.x = x;
    a.dy = dy;
    a.out = out;
    a.count = static_cast<uint64_t>(count);
    return run_op(fn, [&](rk::backend::OpError& e) { return context->ops->activation(context->impl, &a, &e); });
}

}  // namespace

extern "C" RK_API rk_status rk_activation_forward(rk_context* context, rk_activation kind, float negative_slope,
                                                  const float* x, float* y, int64_t count) {
    static const char* fn = "rk_activation_forward";
    return guarded(fn, [&]() -> rk_status {
        return run(fn, context, enum_value(kind), negative_slope, x, nullptr, y, count, false);
    });
}

extern "C" RK_API rk_status rk_activation_backward(rk_context* context, rk_activation kind, float negative_slope,
                                                   const float* x, const float* dy, float* dx, int64_t count) {
    static const char* fn = "rk_activation_backward";
    return guarded(fn, [&]() -> rk_status {
        return run(fn, context, enum_value(kind), negative_slope, x, dy, dx, count, true);
    });
}
