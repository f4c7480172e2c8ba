// The common path of every stream fill at the C API: validate the context, stream, count and buffer,
// then run the kernel over independent pieces of [0, count) on the context's threads.
#pragma once

#include <cstdint>

#include "../cpu/thread_pool.h"
#include "context.h"
#include "cuda_backend.h"
#include "errors.h"

namespace rk::api {

constexpr uint64_t kMinElementsPerThread = 1u << 16;  // below this, threading costs more than it saves
constexpr uint64_t kPieceAlign = 64;                 // pieces start at multiples of 64 (even: word pairs stay whole)

inline core::PhiloxStream to_core(const rk_philox_stream& s) { return {s.seed, s.subsequence, s.offset}; }

// `check_params` runs after the pointer and count checks and returns a status (RK_STATUS_OK to go on).
// `kernel(stream, first, out + first, n)` computes elements [first, first + n) on a CPU context; on a CUDA
// context `cuda_args()` gives the fill's kind and parameters and the plugin runs it.
template <class T, class CheckParams, class Kernel, class CudaArgs>
rk_status run_fill(const char* fn, rk_context* context, const rk_philox_stream* stream, T* out, int64_t count,
                   CheckParams check_params, Kernel kernel, CudaArgs cuda_args) {
    return guarded(fn, [&]() -> rk_status {
        if (rk_status s = check_context(fn, context); s != RK_STATUS_OK) return s;
        if (rk_status s = check_not_null(fn, "stream", stream); s != RK_STATUS_OK) return s;
        if (rk_status s = check_count(fn, "count", count, sizeof(T)); s != RK_STATUS_OK) return s;
        if (rk_status s = check_params(); s != RK_STATUS_OK) return s;
        if (count == 0) return ok();
        if (rk_status s = check_not_null(fn, "out", out); s != RK_STATUS_OK) return s;
        const core::PhiloxStream st = to_core(*stream);
        if (context->device == RK_DEVICE_CUDA) {
            if (rk_status s = check_device_buffer(fn, context, "out", out); s != RK_STATUS_OK) return s;
            rk::cuda::FillArgs a = cuda_args();
            a.stream = st;
            a.out = out;
            a.count = static_cast<uint64_t>(count);
            return cuda_run(fn, [&](rk::cuda::PluginError& e) { return context->cuda->fill(context->cuda_context, &a, &e); });
        }
        cpu::parallel_for(*context->pool, static_cast<uint64_t>(count), kMinElementsPerThread, kPieceAlign,
                          [&](uint64_t begin, uint64_t end) { kernel(st, begin, out + begin, end - begin); });
        return ok();
    });
}

inline rk_status no_params() { return RK_STATUS_OK; }

}  // namespace rk::api

namespace rk::api {
// The FillArgs of a fill kind without parameters.
inline rk::cuda::FillArgs cuda_fill(rk::cuda::FillKind kind) {
    rk::cuda::FillArgs a{};
    a.kind = kind;
    return a;
}
}  // namespace rk::api
