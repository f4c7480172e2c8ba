// The common path of every stream-fill entry point (C API): validate the context, stream, count, parameters and
// buffer, then hand the fill to the context's backend.
#pragma once

#include <cstdint>

#include "../backend/ops.h"
#include "context.h"
#include "errors.h"

namespace rk::api {

inline core::PhiloxStream to_core(const rk_philox_stream& s) { return {s.seed, s.subsequence, s.offset}; }

// `check_params()` runs after the pointer and count checks and returns a status (RK_STATUS_OK to go on);
// `fill_args()` then gives the fill's kind and per-call constants (the rest is filled in here).
template <class T, class CheckParams, class FillArgs>
rk_status run_fill(const char* fn, rk_context* context, const rk_philox_stream* stream, T* out, int64_t count,
                   CheckParams check_params, FillArgs fill_args) {
    return guarded(fn, [&]() -> rk_status {
        if (rk_status s = check_context(fn, context); s != RK_STATUS_OK) return s;
        if (rk_status s = check_not_null(fn, "stream", stream); s != RK_STATUS_OK) return s;
        if (rk_status s = check_count(fn, "count", count, sizeof(T)); s != RK_STATUS_OK) return s;
        if (rk_status s = check_params(); s != RK_STATUS_OK) return s;
        if (count == 0) return ok();
        if (rk_status s = check_not_null(fn, "out", out); s != RK_STATUS_OK) return s;
        if (rk_status s = check_data(fn, context, "out", out); s != RK_STATUS_OK) return s;
        backend::FillArgs a = fill_args();
        a.stream = to_core(*stream);
        a.out = out;
        a.count = static_cast<uint64_t>(count);
        return run_op(fn, [&](backend::OpError& e) { return context->ops->fill(context->impl, &a, &e); });
    });
}

inline rk_status no_params() { return RK_STATUS_OK; }

// The FillArgs of a fill kind (parameters zero).
inline backend::FillArgs fill_of(backend::FillKind kind) {
    backend::FillArgs a{};
    a.kind = kind;
    return a;
}

}  // namespace rk::api
