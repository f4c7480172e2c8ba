// Memory of a context (C API): allocation, release, copies and waiting, on whatever the context's backend computes
// on (host memory for a CPU context, device memory for a CUDA context).
#include <string>

#include "context.h"
#include "errors.h"

using namespace rk::api;

extern "C" RK_API rk_status rk_context_synchronize(rk_context* context) {
    static const char* fn = "rk_context_synchronize";
    return guarded(fn, [&]() -> rk_status {
        if (rk_status s = check_context(fn, context); s != RK_STATUS_OK) return s;
        return run_op(fn, [&](rk::backend::OpError& e) { return context->ops->synchronize(context->impl, &e); });
    });
}

extern "C" RK_API rk_status rk_device_alloc(rk_context* context, int64_t bytes, void** out_pointer) {
    static const char* fn = "rk_device_alloc";
    return guarded(fn, [&]() -> rk_status {
        if (rk_status s = check_context(fn, context); s != RK_STATUS_OK) return s;
        if (rk_status s = check_not_null(fn, "out_pointer", out_pointer); s != RK_STATUS_OK) return s;
        *out_pointer = nullptr;
        if (rk_status s = check_count(fn, "bytes", bytes, 1); s != RK_STATUS_OK) return s;
        return run_op(fn, [&](rk::backend::OpError& e) {
            return context->ops->allocate(context->impl, static_cast<uint64_t>(bytes), out_pointer, &e);
        });
    });
}

extern "C" RK_API rk_status rk_device_free(rk_context* context, void* pointer) {
    static const char* fn = "rk_device_free";
    return guarded(fn, [&]() -> rk_status {
        if (rk_status s = check_context(fn, context); s != RK_STATUS_OK) return s;
        if (pointer == nullptr) return ok();
        return run_op(fn, [&](rk::backend::OpError& e) { return context->ops->release(context->impl, pointer, &e); });
    });
}

extern "C" RK_API rk_status rk_memcpy(rk_context* context, void* dst, const void* src, int64_t bytes, rk_copy_kind kind,
                                      int32_t async) {
    static const char* fn = "rk_memcpy";
    return guarded(fn, [&]() -> rk_status {
        if (rk_status s = check_context(fn, context); s != RK_STATUS_OK) return s;
        if (rk_status s = check_count(fn, "bytes", bytes, 1); s != RK_STATUS_OK) return s;
        const int32_t kind_value = enum_value(kind);  // any int from a C or C# caller
        if (kind_value < RK_COPY_HOST_TO_DEVICE || kind_value > RK_COPY_DEVICE_TO_DEVICE)
            return fail(RK_STATUS_INVALID_ARGUMENT, std::string(fn) + ": kind " + std::to_string(kind_value) +
                                                        " is not a valid rk_copy_kind");
        if (async != 0 && async != 1)
            return fail(RK_STATUS_INVALID_ARGUMENT, std::string(fn) + ": async must be 0 or 1 (got " + std::to_string(async) + ")");
        if (bytes == 0) return ok();
        if (rk_status s = check_not_null(fn, "dst", dst); s != RK_STATUS_OK) return s;
        if (rk_status s = check_not_null(fn, "src", src); s != RK_STATUS_OK) return s;
        if (kind != RK_COPY_HOST_TO_DEVICE)
            if (rk_status s = check_data(fn, context, "src", src); s != RK_STATUS_OK) return s;
        if (kind != RK_COPY_DEVICE_TO_HOST)
            if (rk_status s = check_data(fn, context, "dst", dst); s != RK_STATUS_OK) return s;
        return run_op(fn, [&](rk::backend::OpError& e) {
            return context->ops->copy(context->impl, dst, src, static_cast<uint64_t>(bytes),
                                      static_cast<rk::backend::CopyKind>(kind_value), async, &e);
        });
    });
}
