// The interface between libreprokit (which loads the plugin at run time) and libreprokit_cuda: one table fetched
// through the single exported symbol rk_cuda_plugin_get. It holds the device queries, context creation, and the
// operation table every backend implements (backend/ops.h), so a CUDA context is called exactly like a CPU context.
// Both sides are built from the same tree; the interface version and the library version string must match or the
// core refuses the plugin.
#pragma once

#include <cstdint>

#include "../backend/ops.h"

namespace rk::cuda {

constexpr uint32_t kPluginInterfaceVersion = 3;

struct DeviceInfo {
    char name[256];
    int32_t major, minor;        // compute capability
    int32_t sm_count;
    int32_t driver_version;      // CUDA driver API version (e.g. 12040)
    int32_t runtime_version;     // the plugin's CUDA runtime (e.g. 11080)
    int32_t pad;
    int64_t total_memory;        // bytes
};

struct PluginApi {
    uint32_t interface_version;
    uint32_t struct_size;
    const char* library_version;  // RK_VERSION as the plugin was built
    const char* architectures;    // the compiled architectures, e.g. "70-real;75-real;...;90"
    int32_t (*device_count)(int32_t* count, backend::OpError* err);
    int32_t (*device_info)(int32_t device, DeviceInfo* info, backend::OpError* err);
    // A context on `device` (validated against device_count by the plugin); its operations are `ops`.
    int32_t (*context_create)(int32_t device, void** impl, backend::OpError* err);
    backend::Ops ops;
};

using PluginGetFn = const PluginApi* (*)(uint32_t interface_version);
constexpr const char* kPluginEntryPoint = "rk_cuda_plugin_get";

}  // namespace rk::cuda
