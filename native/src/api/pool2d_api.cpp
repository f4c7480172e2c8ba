// Pooling (C API, docs/training.md section 3): descriptor validation (backend/pool2d_rules.h), the indices' rules
// (max: optional in the forward, required by the backward; average: none), null, overlap and memory checks, then the
// context's backend.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "../backend/pool2d_rules.h"
#include "context.h"
#include "errors.h"
#include "overlap.h"

using namespace rk::api;
using rk::core::PoolGeometry;

namespace {

uint64_t fbytes(int64_t count) { return static_cast<uint64_t>(count) * sizeof(float); }
uint64_t ibytes(int64_t count) { return static_cast<uint64_t>(count) * sizeof(int64_t); }

rk_status load_geometry(const char* fn, const rk_pool2d_desc* desc, PoolGeometry& g) {
    if (rk_status s = check_not_null(fn, "desc", desc); s != RK_STATUS_OK) return s;
    rk_status status = RK_STATUS_OK;
    const std::string why = rk::backend::pool_geometry(*desc, g, status);
    if (!why.empty()) return fail(status, std::string(fn) + ": " + why);
    return RK_STATUS_OK;
}

using Named = std::pair<const char*, const void*>;

// Null checks of `required`, overlaps of `written` with `all`, the context's memory of `data`, then the backend.
rk_status run_pool(const char* fn, rk_context* context, const rk::backend::PoolArgs& a,
                   std::initializer_list<Named> required, std::initializer_list<Region> written,
                   std::initializer_list<Region> all, std::initializer_list<Named> data) {
    for (const auto& [name, p] : required)
        if (rk_status s = check_not_null(fn, name, p); s != RK_STATUS_OK) return s;
    const std::vector<Region> outputs(written), regions(all);
    if (rk_status s = check_overlaps(fn, outputs, regions); s != RK_STATUS_OK) return s;
    for (const auto& [name, p] : data)
        if (rk_status s = check_data(fn, context, name, p); s != RK_STATUS_OK) return s;
    return run_op(fn, [&](rk::backend::OpError& e) { return context->ops->pool(context->impl, &a, &e); });
}

// The layout by reference: it is the caller's raw value, read only through enum_value (copying an out-of-range enum
// is undefined behaviour, which UBSan reports).
rk_status global_geometry(const char* fn, const rk_conv_layout& layout, int64_t n, int64_t c, int64_t h, int64_t w,
                          PoolGeometry& g) {
    rk_status status = RK_STATUS_OK;
    const std::string why = rk::backend::global_pool_geometry(enum_value(layout), n, c, h, w, g, status);
    if (!why.empty()) return fail(status, std::string(fn) + ": " + why);
    return RK_STATUS_OK;
}

}  // namespace

extern "C" RK_API rk_status rk_pool2d_output_shape(const rk_pool2d_desc* desc, int64_t* out_h, int64_t* out_w) {
    static const char* fn = "rk_pool2d_output_shape";
    return guarded(fn, [&]() -> rk_status {
        PoolGeometry g;
        if (rk_status s = load_geometry(fn, desc, g); s != RK_STATUS_OK) return s;
        if (out_h) *out_h = g.p;
        if (out_w) *out_w = g.q;
        return ok();
    });
}

extern "C" RK_API rk_status rk_pool2d_forward(rk_context* context, const rk_pool2d_desc* desc, const float* x, float* y,
                                              int64_t* indices) {
    static const char* fn = "rk_pool2d_forward";
    return guarded(fn, [&]() -> rk_status {
        if (rk_status s = check_context(fn, context); s != RK_STATUS_OK) return s;
        PoolGeometry g;
        if (rk_status s = load_geometry(fn, desc, g); s != RK_STATUS_OK) return s;
        if (g.mode != rk::core::PoolMode::kMax && indices != nullptr)
            return fail(RK_STATUS_INVALID_ARGUMENT,
                        std::string(fn) + ": 'indices' must be null for RK_POOL_AVG (average pooling has no indices)");
        rk::backend::PoolArgs a{};
        a.g = g;
        a.in = x;
        a.out = y;
        a.indices_out = indices;
        const Region rx{"x", x, fbytes(g.x_count())}, ry{"y", y, fbytes(g.y_count())},
            ri{"indices", indices, indices ? ibytes(g.y_count()) : 0};
        return run_pool(fn, context, a, {{"x", x}, {"y", y}}, {ry, ri}, {rx, ry, ri},
                        {{"x", x}, {"y", y}, {"indices", indices}});
    });
}

extern "C" RK_API rk_status rk_pool2d_backward(rk_context* context, const rk_pool2d_desc* desc, const float* dy,
                                               const int64_t* indices, float* dx) {
    static const char* fn = "rk_pool2d_backward";
    return guarded(fn, [&]() -> rk_status {
        if (rk_status s = check_context(fn, context); s != RK_STATUS_OK) return s;
        PoolGeometry g;
        if (rk_status s = load_geometry(fn, desc, g); s != RK_STATUS_OK) return s;
        const bool max = g.mode == rk::core::PoolMode::kMax;
        if (!max && indices != nullptr)
            return fail(RK_STATUS_INVALID_ARGUMENT,
                        std::string(fn) + ": 'indices' must be null for RK_POOL_AVG (average pooling has no indices)");
        if (max)
            if (rk_status s = check_not_null(fn, "indices", indices); s != RK_STATUS_OK) return s;
        rk::backend::PoolArgs a{};
        a.backward = 1;
        a.g = g;
        a.in = dy;
        a.indices_in = indices;
        a.out = dx;
        const Region rdy{"dy", dy, fbytes(g.y_count())}, rdx{"dx", dx, fbytes(g.x_count())},
            ri{"indices", indices, indices ? ibytes(g.y_count()) : 0};
        return run_pool(fn, context, a, {{"dy", dy}, {"dx", dx}}, {rdx}, {rdy, ri, rdx},
                        {{"dy", dy}, {"indices", indices}, {"dx", dx}});
    });
}

extern "C" RK_API rk_status rk_global_avg_pool2d_forward(rk_context* context, rk_conv_layout layout, int64_t n,
                                                         int64_t c, int64_t h, int64_t w, const float* x, float* y) {
    static const char* fn = "rk_global_avg_pool2d_forward";
    return guarded(fn, [&]() -> rk_status {
        if (rk_status s = check_context(fn, context); s != RK_STATUS_OK) return s;
        PoolGeometry g;
        if (rk_status s = global_geometry(fn, layout, n, c, h, w, g); s != RK_STATUS_OK) return s;
        rk::backend::PoolArgs a{};
        a.g = g;
        a.in = x;
        a.out = y;
        const Region rx{"x", x, fbytes(g.x_count())}, ry{"y", y, fbytes(g.y_count())};
        return run_pool(fn, context, a, {{"x", x}, {"y", y}}, {ry}, {rx, ry}, {{"x", x}, {"y", y}});
    });
}

extern "C" RK_API rk_status rk_global_avg_pool2d_backward(rk_context* context, rk_conv_layout layout, int64_t n,
                                                          int64_t c, int64_t h, int64_t w, const float* dy, float* dx) {
    static const char* fn = "rk_global_avg_pool2d_backward";
    return guarded(fn, [&]() -> rk_status {
        if (rk_status s = check_context(fn, context); s != RK_STATUS_OK) return s;
        PoolGeometry g;
        if (rk_status s = global_geometry(fn, layout, n, c, h, w, g); s != RK_STATUS_OK) return s;
        rk::backend::PoolArgs a{};
        a.backward = 1;
        a.g = g;
        a.in = dy;
        a.out = dx;
        const Region rdy{"dy", dy, fbytes(g.y_count())}, rdx{"dx", dx, fbytes(g.x_count())};
        return run_pool(fn, context, a, {{"dy", dy}, {"dx", dx}}, {rdx}, {rdy, rdx}, {{"dy", dy}, {"dx", dx}});
    });
}
