// The interface between libreprokit (which loads the plugin at run time) and libreprokit_cuda: one table of C
// function pointers, fetched through the single exported symbol rk_cuda_plugin_get. Both sides are built from
// the same tree; the interface version and the library version string must match or the core refuses the
// plugin. Statuses are rk_status values; a failing call fills PluginError's message.
#pragma once

#include <cstdint>

#include "cuda_ops.h"

namespace rk::cuda {

constexpr uint32_t kPluginInterfaceVersion = 1;

struct PluginError {
    int32_t status;
    char message[512];
};

struct DeviceInfo {
    char name[256];
    int32_t major, minor;        // compute capability
    int32_t sm_count;
    int32_t driver_version;      // CUDA driver API version (e.g. 12040)
    int32_t runtime_version;     // the plugin's CUDA runtime (e.g. 11080)
    int32_t pad;
    int64_t total_memory;        // bytes
};

enum class CopyKind : int32_t { kHostToDevice = 0, kDeviceToHost = 1, kDeviceToDevice = 2 };

struct PluginApi {
    uint32_t interface_version;
    uint32_t struct_size;
    const char* library_version;  // RK_VERSION as the plugin was built
    const char* architectures;    // the compiled architectures, e.g. "70-real;75-real;...;90"
    int32_t (*device_count)(int32_t* count, PluginError* err);
    int32_t (*device_info)(int32_t device, DeviceInfo* info, PluginError* err);
    int32_t (*context_create)(int32_t device, void** ctx, PluginError* err);
    void (*context_destroy)(void* ctx);  // never called from a finalizer thread by the bindings
    int32_t (*set_stream)(void* ctx, void* stream, PluginError* err);
    int32_t (*synchronize)(void* ctx, PluginError* err);
    int32_t (*allocate)(void* ctx, uint64_t bytes, void** out, PluginError* err);
    int32_t (*release)(void* ctx, void* p, PluginError* err);
    int32_t (*copy)(void* ctx, void* dst, const void* src, uint64_t bytes, CopyKind kind, int32_t async, PluginError* err);
    // RK_STATUS_OK when p is device (or managed) memory usable by the context's device; `name` is the argument.
    int32_t (*check_device_pointer)(void* ctx, const void* p, const char* name, PluginError* err);
    int32_t (*fill)(void* ctx, const FillArgs* args, PluginError* err);
    int32_t (*permutation)(void* ctx, const PermutationArgs* args, PluginError* err);
    int32_t (*dropout)(void* ctx, const DropoutArgs* args, PluginError* err);
    // Synchronous: on a row error, *failed_row is the first failing row and *failed_status its status; else -1.
    int32_t (*sample)(void* ctx, const SampleArgs* args, int64_t* failed_row, SampleRowStatus* failed_status,
                      PluginError* err);
    int32_t (*conv)(void* ctx, const ConvArgs* args, PluginError* err);
};

using PluginGetFn = const PluginApi* (*)(uint32_t interface_version);
constexpr const char* kPluginEntryPoint = "rk_cuda_plugin_get";

}  // namespace rk::cuda
