// The CUDA plugin (docs/cuda.md): loading libreprokit_cuda at run time, and the CUDA-only entry points of the C API
// (device queries, context creation, streams). A CUDA context is then called through the plugin's operation table
// like any other context.
#include "../cuda/plugin_interface.h"
#include "context.h"
#include "errors.h"

#if defined(_WIN32)
#  define WIN32_LEAN_AND_MEAN
#  include <windows.h>
#else
#  include <dlfcn.h>
#endif

#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <string>

using namespace rk::api;

namespace rk::api {
namespace {

// The platform's dynamic loader: the plugin file, the directory libreprokit was loaded from (the plugin sits next
// to it: build tree, NuGet runtimes/<rid>/native), open / symbol / close, and the last loader error.
#if defined(_WIN32)
constexpr const char* kPluginFile = "reprokit_cuda.dll";

std::string own_directory() {
    HMODULE self = nullptr;
    if (!GetModuleHandleExA(GET_MODULE_HANDLE_EX_FLAG_FROM_ADDRESS | GET_MODULE_HANDLE_EX_FLAG_UNCHANGED_REFCOUNT,
                            reinterpret_cast<LPCSTR>(&rk_abi_version), &self))
        return "";
    char path[MAX_PATH];
    const DWORD n = GetModuleFileNameA(self, path, MAX_PATH);
    std::string p(path, n);
    const size_t slash = p.find_last_of("\\/");
    return slash == std::string::npos ? "" : p.substr(0, slash + 1);
}
void* open_library(const std::string& path) { return reinterpret_cast<void*>(LoadLibraryA(path.c_str())); }
void* find_symbol(void* lib, const char* name) {
    return reinterpret_cast<void*>(GetProcAddress(static_cast<HMODULE>(lib), name));
}
void close_library(void* lib) { FreeLibrary(static_cast<HMODULE>(lib)); }
std::string loader_error() { return "Windows error " + std::to_string(GetLastError()); }
#else
constexpr const char* kPluginFile = "libreprokit_cuda.so";

std::string own_directory() {
    Dl_info info{};
    if (dladdr(reinterpret_cast<void*>(&rk_abi_version), &info) == 0 || info.dli_fname == nullptr) return "";
    std::string path = info.dli_fname;
    const size_t slash = path.find_last_of('/');
    return slash == std::string::npos ? "" : path.substr(0, slash + 1);
}
void* open_library(const std::string& path) { return dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL); }
void* find_symbol(void* lib, const char* name) { return dlsym(lib, name); }
void close_library(void* lib) { dlclose(lib); }
std::string loader_error() {
    const char* e = dlerror();
    return e ? e : "unknown error";
}
#endif

struct Loaded {
    const rk::cuda::PluginApi* api = nullptr;
    std::string why;
};

Loaded load() {
    Loaded out;
    const char* env = std::getenv("REPROKIT_CUDA_PLUGIN");
    const std::string path = env && *env ? std::string(env) : own_directory() + kPluginFile;
    void* handle = open_library(path);
    if (handle == nullptr) {
        out.why = "the CUDA plugin could not be loaded from '" + path + "' (" + loader_error() +
                  "); install the ReproKit.Cuda package or build with CUDA (REPROKIT_CUDA=ON), or set REPROKIT_CUDA_PLUGIN";
        return out;
    }
    auto get = reinterpret_cast<rk::cuda::PluginGetFn>(find_symbol(handle, rk::cuda::kPluginEntryPoint));
    const rk::cuda::PluginApi* api = get ? get(rk::cuda::kPluginInterfaceVersion) : nullptr;
    if (api == nullptr || api->struct_size < sizeof(rk::cuda::PluginApi)) {
        out.why = "'" + path + "' is not a CUDA plugin of this ReproKit version (plugin interface " +
                  std::to_string(rk::cuda::kPluginInterfaceVersion) + " expected)";
        close_library(handle);
        return out;
    }
    if (std::strcmp(api->library_version, rk_version_string()) != 0) {
        out.why = "the CUDA plugin '" + path + "' is version " + api->library_version + " but libreprokit is " +
                  rk_version_string() + "; install matching ReproKit and ReproKit.Cuda packages";
        close_library(handle);
        return out;
    }
    out.api = api;  // never unloaded: contexts may outlive any owner
    return out;
}

// The plugin's table, or null with the reason in `why` (no plugin file, wrong version, ...). Loaded once.
const rk::cuda::PluginApi* cuda_plugin(std::string& why) {
    static const Loaded loaded = load();
    why = loaded.why;
    return loaded.api;
}

rk_status require_plugin(const char* fn, const rk::cuda::PluginApi*& api) {
    std::string why;
    api = cuda_plugin(why);
    return api ? RK_STATUS_OK : fail(RK_STATUS_UNSUPPORTED, std::string(fn) + ": CUDA is not available: " + why);
}

}  // namespace
}  // namespace rk::api

using namespace rk::api;

extern "C" RK_API rk_status rk_cuda_device_count(int32_t* out_count) {
    static const char* fn = "rk_cuda_device_count";
    return guarded(fn, [&]() -> rk_status {
        if (rk_status s = check_not_null(fn, "out_count", out_count); s != RK_STATUS_OK) return s;
        *out_count = 0;
        const rk::cuda::PluginApi* api = nullptr;
        if (rk_status s = require_plugin(fn, api); s != RK_STATUS_OK) return s;
        return run_op(fn, [&](rk::backend::OpError& e) { return api->device_count(out_count, &e); });
    });
}

extern "C" RK_API rk_status rk_cuda_device_get_info(int32_t device, rk_cuda_device_info* info) {
    static const char* fn = "rk_cuda_device_get_info";
    return guarded(fn, [&]() -> rk_status {
        if (rk_status s = check_not_null(fn, "info", info); s != RK_STATUS_OK) return s;
        if (info->struct_size < sizeof(rk_cuda_device_info))
            return fail(RK_STATUS_INVALID_ARGUMENT, std::string(fn) + ": info->struct_size is " +
                                                        std::to_string(info->struct_size) + ", expected at least " +
                                                        std::to_string(sizeof(rk_cuda_device_info)));
        const rk::cuda::PluginApi* api = nullptr;
        if (rk_status s = require_plugin(fn, api); s != RK_STATUS_OK) return s;
        int32_t count = 0;
        if (rk_status s = run_op(fn, [&](rk::backend::OpError& e) { return api->device_count(&count, &e); });
            s != RK_STATUS_OK)
            return s;
        if (device < 0 || device >= count)
            return fail(count == 0 ? RK_STATUS_UNSUPPORTED : RK_STATUS_INVALID_ARGUMENT,
                        std::string(fn) + ": CUDA device " + std::to_string(device) + " does not exist (" +
                            std::to_string(count) + " present)");
        rk::cuda::DeviceInfo d{};
        if (rk_status s = run_op(fn, [&](rk::backend::OpError& e) { return api->device_info(device, &d, &e); });
            s != RK_STATUS_OK)
            return s;
        info->compute_major = d.major;
        info->compute_minor = d.minor;
        info->sm_count = d.sm_count;
        info->driver_version = d.driver_version;
        info->runtime_version = d.runtime_version;
        info->total_memory = d.total_memory;
        std::memset(info->name, 0, sizeof info->name);
        const size_t name_length = strnlen(d.name, sizeof d.name);
        std::memcpy(info->name, d.name, name_length < sizeof info->name ? name_length : sizeof info->name - 1);
        return ok();
    });
}

extern "C" RK_API rk_status rk_cuda_context_create(int32_t device, rk_context** out_context) {
    static const char* fn = "rk_cuda_context_create";
    return guarded(fn, [&]() -> rk_status {
        if (rk_status s = check_not_null(fn, "out_context", out_context); s != RK_STATUS_OK) return s;
        *out_context = nullptr;
        const rk::cuda::PluginApi* api = nullptr;
        if (rk_status s = require_plugin(fn, api); s != RK_STATUS_OK) return s;
        void* impl = nullptr;
        if (rk_status s = run_op(fn, [&](rk::backend::OpError& e) { return api->context_create(device, &impl, &e); });
            s != RK_STATUS_OK)
            return s;
        try {
            *out_context = register_context(api->ops, impl);
        } catch (...) {
            api->ops.destroy(impl);
            throw;
        }
        return ok();
    });
}

extern "C" RK_API rk_status rk_cuda_context_set_stream(rk_context* context, void* stream) {
    static const char* fn = "rk_cuda_context_set_stream";
    return guarded(fn, [&]() -> rk_status {
        if (rk_status s = check_context(fn, context); s != RK_STATUS_OK) return s;
        return run_op(fn, [&](rk::backend::OpError& e) { return context->ops->set_stream(context->impl, stream, &e); });
    });
}
