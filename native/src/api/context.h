// The context object behind the opaque rk_context handle, and the registry of live handles that
// lets every entry point reject a destroyed or foreign handle instead of dereferencing it.
#pragma once

#include <memory>

#include "../cpu/kernels.h"
#include "../cpu/thread_pool.h"
#include "reprokit/reprokit.h"

struct rk_context {
    rk_isa isa;
    const rk::cpu::KernelTable* kernels;
    std::unique_ptr<rk::cpu::ThreadPool> pool;
};

namespace rk::api {

// RK_STATUS_OK if `context` is a live handle, else a recorded error naming `function`.
rk_status check_context(const char* function, const rk_context* context);

}  // namespace rk::api
