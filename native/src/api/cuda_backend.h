// The CUDA side of the C API: loading the plugin (libreprokit_cuda.so) at run time, and the helpers every
// entry point uses on a CUDA context (device-pointer checks, plugin errors as recorded statuses).
#pragma once

#include <string>

#include "../cuda/plugin_interface.h"
#include "context.h"
#include "errors.h"

namespace rk::api {

// The plugin's table, or null with the reason in `why` (no plugin file, wrong version, ...). Loaded once.
const rk::cuda::PluginApi* cuda_plugin(std::string& why);

// Records a failed plugin call (status and message, prefixed with `function`) and returns the status.
rk_status cuda_fail(const char* function, int32_t status, const rk::cuda::PluginError& err);

// RK_STATUS_OK if `p` is device memory usable by the CUDA context (null pointers are checked elsewhere).
rk_status check_device_buffer(const char* function, rk_context* context, const char* name, const void* p);

// Runs `call(PluginError&)` (a plugin function) and converts its result.
template <class Call>
rk_status cuda_run(const char* function, Call call) {
    rk::cuda::PluginError err{};
    const int32_t s = call(err);
    return s == RK_STATUS_OK ? ok() : cuda_fail(function, s, err);
}

// Releases a CUDA context's plugin state (rk_context_destroy).
void cuda_context_release(rk_context& context);

}  // namespace rk::api
