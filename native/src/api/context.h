// The context object behind the opaque rk_context handle: one backend's operation table (backend/ops.h) and that
// backend's context. Entry points validate their arguments, then call the table; none branches on the device.
// The registry of live handles lets every entry point reject a destroyed or foreign handle instead of
// dereferencing it.
#pragma once

#include "../backend/ops.h"
#include "errors.h"
#include "reprokit/reprokit.h"

struct rk_context {
    const rk::backend::Ops* ops = nullptr;
    void* impl = nullptr;  // the backend's context (rk::cpu::CpuBackend, or the CUDA plugin's)
};

namespace rk::api {

// RK_STATUS_OK if `context` is a live handle, else a recorded error naming `function`.
rk_status check_context(const char* function, const rk_context* context);

// A new registered handle over a backend context (which it then owns).
rk_context* register_context(const rk::backend::Ops& ops, void* impl);

// Records a failed backend call (its status and message, prefixed with `function`) and returns the status.
rk_status op_fail(const char* function, int32_t status, const rk::backend::OpError& err);

// Runs `call(OpError&)` (a backend function) and converts its result.
template <class Call>
rk_status run_op(const char* function, Call call) {
    rk::backend::OpError err{};
    const int32_t s = call(err);
    return s == RK_STATUS_OK ? ok() : op_fail(function, s, err);
}

// RK_STATUS_OK if `p` is null (checked elsewhere) or memory the context computes on (device memory of its device for
// a CUDA context, any host memory for a CPU context); `name` is the argument, for the message.
rk_status check_data(const char* function, rk_context* context, const char* name, const void* p);

// The context's description (device, ISA, threads, conv kernel set).
rk::backend::ContextDescription describe(const rk_context* context);

}  // namespace rk::api
