// The context object behind the opaque rk_context handle, and the registry of live handles that
// lets every entry point reject a destroyed or foreign handle instead of dereferencing it.
// A context is a CPU context (ISA kernels + thread pool) or a CUDA context (the plugin's context for
// one device); entry points branch on `device` right after validation.
#pragma once

#include <memory>

#include "../cpu/kernels.h"
#include "../cpu/thread_pool.h"
#include "reprokit/reprokit.h"

namespace rk::cuda {
struct PluginApi;
}

struct rk_context {
    rk_device_kind device = RK_DEVICE_CPU;
    // CPU contexts
    rk_isa isa = RK_ISA_SCALAR;
    const rk::cpu::KernelTable* kernels = nullptr;
    std::unique_ptr<rk::cpu::ThreadPool> pool;
    // CUDA contexts
    int32_t device_index = 0;
    const rk::cuda::PluginApi* cuda = nullptr;
    void* cuda_context = nullptr;
};

namespace rk::api {

// RK_STATUS_OK if `context` is a live handle, else a recorded error naming `function`.
rk_status check_context(const char* function, const rk_context* context);

// Adds / removes a handle from the registry of live contexts (context_api.cpp).
void register_context(const rk_context* context);
bool unregister_context(const rk_context* context);

}  // namespace rk::api
