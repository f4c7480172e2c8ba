// Dropout (C API): validation (p, sizes, overlaps, mask formats) and the per-call constants (threshold, scale),
// then the context's backend.
#include <cmath>
#include <cstdint>
#include <string>

#include "../core/dropout.h"
#include "fill_entry.h"
#include "overlap.h"

using namespace rk::api;

namespace {

rk_status check_p(const char* fn, double p) {
    if (p >= 0.0 && p <= 1.0) return RK_STATUS_OK;
    return fail(RK_STATUS_INVALID_ARGUMENT, std::string(fn) + ": p must be in [0, 1] (got " + format_number(p) + ")");
}

uint64_t mask_size(rk_mask_format format, uint64_t count) {
    switch (format) {
        case RK_MASK_BYTES: return count;
        case RK_MASK_BITS: return (count + 31) / 32 * 4;
        default: return 0;
    }
}

// `format` is the caller's value as an integer (enum_value): it may be any int.
rk_status check_format(const char* fn, int32_t format, bool none_allowed) {
    if (format == RK_MASK_BYTES || format == RK_MASK_BITS || (none_allowed && format == RK_MASK_NONE))
        return RK_STATUS_OK;
    return fail(RK_STATUS_INVALID_ARGUMENT, std::string(fn) + ": mask_format " + std::to_string(format) +
                                                " is not " + (none_allowed ? "RK_MASK_NONE, " : "") +
                                                "RK_MASK_BYTES or RK_MASK_BITS");
}

struct Buffers {
    const float* in;
    float* out;
    void* mask;
};

// The checks every dropout entry point shares. in/out may be null only when count is 0 or (mask-only) unused.
// `format_value` is the caller's mask_format as an integer; on success `format` receives it as an rk_mask_format.
rk_status validate(const char* fn, rk_context* context, const rk_philox_stream* stream, double p,
                   uint64_t element_offset, int64_t count, int32_t format_value, bool none_allowed,
                   const Buffers& b, const char* in_name, const char* out_name, bool uses_stream,
                   rk_mask_format& format) {
    if (rk_status s = check_context(fn, context); s != RK_STATUS_OK) return s;
    if (uses_stream)
        if (rk_status s = check_not_null(fn, "stream", stream); s != RK_STATUS_OK) return s;
    if (rk_status s = check_p(fn, p); s != RK_STATUS_OK) return s;
    if (rk_status s = check_count(fn, "count", count, sizeof(float)); s != RK_STATUS_OK) return s;
    if (rk_status s = check_format(fn, format_value, none_allowed); s != RK_STATUS_OK) return s;
    format = static_cast<rk_mask_format>(format_value);
    if (element_offset > UINT64_MAX - static_cast<uint64_t>(count))
        return fail(RK_STATUS_SIZE_OVERFLOW, std::string(fn) + ": element_offset + count passes 2^64 - 1");
    if (count == 0) return RK_STATUS_OK;
    if (in_name)
        if (rk_status s = check_not_null(fn, in_name, b.in); s != RK_STATUS_OK) return s;
    if (out_name)
        if (rk_status s = check_not_null(fn, out_name, b.out); s != RK_STATUS_OK) return s;
    if (format != RK_MASK_NONE)
        if (rk_status s = check_not_null(fn, "mask", b.mask); s != RK_STATUS_OK) return s;
    const uint64_t bytes = static_cast<uint64_t>(count) * sizeof(float);
    if (b.in != b.out && overlaps({in_name, b.in, bytes}, {out_name, b.out, bytes}))
        return fail(RK_STATUS_INVALID_ARGUMENT, std::string(fn) + ": '" + in_name + "' and '" + out_name +
                                                    "' overlap without being the same buffer");
    const uint64_t mbytes = mask_size(format, static_cast<uint64_t>(count));
    if (overlaps({"mask", b.mask, mbytes}, {in_name, b.in, bytes}) || overlaps({"mask", b.mask, mbytes}, {out_name, b.out, bytes}))
        return fail(RK_STATUS_INVALID_ARGUMENT, std::string(fn) + ": 'mask' overlaps a data buffer");
    if (in_name)
        if (rk_status s = check_data(fn, context, in_name, b.in); s != RK_STATUS_OK) return s;
    if (out_name)
        if (rk_status s = check_data(fn, context, out_name, b.out); s != RK_STATUS_OK) return s;
    if (format != RK_MASK_NONE)
        if (rk_status s = check_data(fn, context, "mask", b.mask); s != RK_STATUS_OK) return s;
    return RK_STATUS_OK;
}

// Hands a validated dropout to the context's backend, with the per-call constants derived from p.
rk_status run_dropout(const char* fn, rk_context* context, rk::backend::DropoutMode mode, const rk_philox_stream* stream,
                      double p, uint64_t element_offset, const float* x, float* y, int64_t count, rk_mask_format format,
                      void* mask) {
    rk::backend::DropoutArgs a{};
    a.mode = mode;
    if (stream) a.stream = to_core(*stream);
    a.element_offset = element_offset;
    a.threshold = rk::core::dropout_threshold(p);
    a.scale = rk::core::dropout_scale(p);
    a.x = x;
    a.y = y;
    a.count = static_cast<uint64_t>(count);
    a.mask_format = static_cast<rk::backend::MaskFormat>(format);
    a.mask = mask;
    return run_op(fn, [&](rk::backend::OpError& e) { return context->ops->dropout(context->impl, &a, &e); });
}

}  // namespace

extern "C" RK_API rk_status rk_dropout_scale(double p, float* out_scale) {
    static const char* fn = "rk_dropout_scale";
    return guarded(fn, [&]() -> rk_status {
        if (rk_status s = check_not_null(fn, "out_scale", out_scale); s != RK_STATUS_OK) return s;
        if (rk_status s = check_p(fn, p); s != RK_STATUS_OK) return s;
        *out_scale = rk::core::dropout_scale(p);
        return ok();
    });
}

extern "C" RK_API rk_status rk_dropout_mask_bytes(rk_mask_format format, int64_t count, int64_t* out_bytes) {
    static const char* fn = "rk_dropout_mask_bytes";
    return guarded(fn, [&]() -> rk_status {
        if (rk_status s = check_not_null(fn, "out_bytes", out_bytes); s != RK_STATUS_OK) return s;
        const int32_t v = enum_value(format);
        if (rk_status s = check_format(fn, v, true); s != RK_STATUS_OK) return s;
        if (rk_status s = check_count(fn, "count", count, 1); s != RK_STATUS_OK) return s;
        *out_bytes = static_cast<int64_t>(mask_size(static_cast<rk_mask_format>(v), static_cast<uint64_t>(count)));
        return ok();
    });
}

extern "C" RK_API rk_status rk_dropout_forward(rk_context* context, const rk_philox_stream* stream, double p,
                                               uint64_t element_offset, const float* x, float* y, int64_t count,
                                               rk_mask_format mask_format, void* mask) {
    static const char* fn = "rk_dropout_forward";
    return guarded(fn, [&]() -> rk_status {
        rk_mask_format format = RK_MASK_NONE;
        if (rk_status s = validate(fn, context, stream, p, element_offset, count, enum_value(mask_format), true,
                                   {x, y, mask}, "x", "y", true, format);
            s != RK_STATUS_OK || count == 0)
            return s == RK_STATUS_OK ? ok() : s;
        return run_dropout(fn, context, rk::backend::DropoutMode::kForward, stream, p, element_offset, x, y, count, format,
                           mask);
    });
}

extern "C" RK_API rk_status rk_dropout_backward(rk_context* context, const rk_philox_stream* stream, double p,
                                                uint64_t element_offset, const float* dy, float* dx, int64_t count,
                                                rk_mask_format mask_format, const void* mask) {
    static const char* fn = "rk_dropout_backward";
    return guarded(fn, [&]() -> rk_status {
        const int32_t format_value = enum_value(mask_format);
        const bool regenerate = format_value == RK_MASK_NONE;
        rk_mask_format format = RK_MASK_NONE;
        if (rk_status s = validate(fn, context, stream, p, element_offset, count, format_value, true,
                                   {dy, dx, const_cast<void*>(mask)}, "dy", "dx", regenerate, format);
            s != RK_STATUS_OK || count == 0)
            return s == RK_STATUS_OK ? ok() : s;
        // Backward by regeneration is the forward of dy with no mask; from a stored mask, no random numbers.
        return run_dropout(fn, context, regenerate ? rk::backend::DropoutMode::kForward : rk::backend::DropoutMode::kApplyMask,
                           stream, p, element_offset, dy, dx, count, format, const_cast<void*>(mask));
    });
}

extern "C" RK_API rk_status rk_dropout_mask(rk_context* context, const rk_philox_stream* stream, double p,
                                            uint64_t element_offset, int64_t count, rk_mask_format mask_format,
                                            void* mask) {
    static const char* fn = "rk_dropout_mask";
    return guarded(fn, [&]() -> rk_status {
        rk_mask_format format = RK_MASK_NONE;
        if (rk_status s = validate(fn, context, stream, p, element_offset, count, enum_value(mask_format), false,
                                   {nullptr, nullptr, mask}, nullptr, nullptr, true, format);
            s != RK_STATUS_OK || count == 0)
            return s == RK_STATUS_OK ? ok() : s;
        return run_dropout(fn, context, rk::backend::DropoutMode::kForward, stream, p, element_offset, nullptr, nullptr,
                           count, format, mask);
    });
}
