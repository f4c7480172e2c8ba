// Contexts (C API): the registry of live handles, CPU context creation, destruction and description, and the helpers
// every entry point uses to call a context's backend. CUDA contexts are created in cuda_plugin.cpp.
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>

#include "../cpu/cpu_backend.h"
#include "../cpu/cpu_features.h"
#include "context.h"
#include "errors.h"

namespace rk::api {
namespace {

constexpr int kMaxThreads = 1024;

std::mutex g_live_mutex;
std::unordered_set<const rk_context*>& live_contexts() {
    static auto* live = new std::unordered_set<const rk_context*>();  // never destroyed: safe at exit
    return *live;
}

// Resolves RK_ISA_AUTO through the RK_ISA environment variable, then the best ISA. `requested` is the caller's
// value as an integer (enum_value): it may be any int.
rk_status resolve_isa(int32_t requested, rk_isa& out) {
    static const char* fn = "rk_cpu_context_create";
    if (requested == RK_ISA_AUTO) {
        const char* env = std::getenv("RK_ISA");
        if (env == nullptr || *env == '\0' || std::strcmp(env, "auto") == 0) {
            out = rk::cpu::best_isa();
            return RK_STATUS_OK;
        }
        const rk_isa named[] = {RK_ISA_SCALAR, RK_ISA_AVX2, RK_ISA_AVX512, RK_ISA_NEON};
        requested = RK_ISA_AUTO;
        for (rk_isa isa : named)
            if (std::strcmp(env, rk_isa_name(isa)) == 0) requested = static_cast<int32_t>(isa);
        if (requested == RK_ISA_AUTO)
            return fail(RK_STATUS_INVALID_ARGUMENT, std::string(fn) + ": environment variable RK_ISA='" + env +
                                                        "' is not one of auto, scalar, avx2, avx512, neon");
    }
    if (requested < RK_ISA_SCALAR || requested > RK_ISA_NEON)
        return fail(RK_STATUS_INVALID_ARGUMENT,
                    std::string(fn) + ": isa " + std::to_string(requested) + " is not a valid rk_isa");
    const auto isa = static_cast<rk_isa>(requested);
    if (!rk::cpu::isa_supported(isa) || !rk::cpu::isa_built(isa))
        return fail(RK_STATUS_UNSUPPORTED, std::string(fn) + ": ISA '" + rk_isa_name(isa) +
                                               "' is not supported on this CPU or build (detected: " +
                                               rk::cpu::cpu_description() + ")");
    out = isa;
    return RK_STATUS_OK;
}

// Resolves 0 threads through RK_NUM_THREADS, then the hardware thread count.
rk_status resolve_threads(int32_t requested, int& out) {
    static const char* fn = "rk_cpu_context_create";
    if (requested < 0)
        return fail(RK_STATUS_INVALID_ARGUMENT,
                    std::string(fn) + ": num_threads is negative (" + std::to_string(requested) + ")");
    if (requested > kMaxThreads)
        return fail(RK_STATUS_INVALID_ARGUMENT, std::string(fn) + ": num_threads " + std::to_string(requested) +
                                                    " exceeds the maximum of " + std::to_string(kMaxThreads));
    if (requested > 0) {
        out = requested;
        return RK_STATUS_OK;
    }
    if (const char* env = std::getenv("RK_NUM_THREADS"); env != nullptr && *env != '\0') {
        char* end = nullptr;
        const long v = std::strtol(env, &end, 10);
        if (*end != '\0' || v < 1 || v > kMaxThreads)
            return fail(RK_STATUS_INVALID_ARGUMENT, std::string(fn) + ": environment variable RK_NUM_THREADS='" +
                                                        env + "' is not an integer in [1, " +
                                                        std::to_string(kMaxThreads) + "]");
        out = static_cast<int>(v);
        return RK_STATUS_OK;
    }
    const unsigned hw = std::thread::hardware_concurrency();
    out = hw == 0 ? 1 : static_cast<int>(hw > static_cast<unsigned>(kMaxThreads) ? kMaxThreads : hw);
    return RK_STATUS_OK;
}

bool unregister_context(const rk_context* context) {
    std::lock_guard<std::mutex> lock(g_live_mutex);
    return live_contexts().erase(context) != 0;
}

}  // namespace

rk_context* register_context(const rk::backend::Ops& ops, void* impl) {
    auto context = std::make_unique<rk_context>();
    context->ops = &ops;
    context->impl = impl;
    std::lock_guard<std::mutex> lock(g_live_mutex);
    live_contexts().insert(context.get());
    return context.release();
}

rk_status check_context(const char* function, const rk_context* context) {
    if (context == nullptr) return fail(RK_STATUS_NULL_POINTER, std::string(function) + ": argument 'context' is null");
    std::lock_guard<std::mutex> lock(g_live_mutex);
    if (live_contexts().count(context) == 0)
        return fail(RK_STATUS_INVALID_HANDLE,
                    std::string(function) + ": 'context' is not a live context (destroyed, or never created)");
    return RK_STATUS_OK;
}

rk_status op_fail(const char* function, int32_t status, const rk::backend::OpError& err) {
    const rk_status s = status > RK_STATUS_OK && status <= RK_STATUS_INTERNAL ? static_cast<rk_status>(status)
                                                                              : RK_STATUS_INTERNAL;
    return fail(s, std::string(function) + ": " + std::string(err.message, strnlen(err.message, sizeof err.message)));
}

rk_status check_data(const char* function, rk_context* context, const char* name, const void* p) {
    if (p == nullptr) return RK_STATUS_OK;
    rk::backend::OpError err{};
    const int32_t s = context->ops->check_data(context->impl, p, name, &err);
    return s == RK_STATUS_OK ? RK_STATUS_OK : op_fail(function, s, err);
}

rk::backend::ContextDescription describe(const rk_context* context) {
    rk::backend::ContextDescription d{};
    context->ops->describe(context->impl, &d);
    return d;
}

}  // namespace rk::api

using namespace rk::api;

extern "C" RK_API rk_status rk_cpu_context_create(const rk_cpu_context_options* options, rk_context** out_context) {
    static const char* fn = "rk_cpu_context_create";
    return guarded(fn, [&]() -> rk_status {
        if (rk_status s = check_not_null(fn, "out_context", out_context); s != RK_STATUS_OK) return s;
        *out_context = nullptr;
        rk_cpu_context_options opts{};
        opts.struct_size = sizeof(opts);
        if (options != nullptr) {
            if (options->struct_size < sizeof(rk_cpu_context_options))
                return fail(RK_STATUS_INVALID_ARGUMENT,
                            std::string(fn) + ": options->struct_size is " + std::to_string(options->struct_size) +
                                ", expected at least " + std::to_string(sizeof(rk_cpu_context_options)));
            opts = *options;
        }
        rk_isa isa = RK_ISA_SCALAR;
        if (rk_status s = resolve_isa(enum_value(opts.isa), isa); s != RK_STATUS_OK) return s;
        int threads = 1;
        if (rk_status s = resolve_threads(opts.num_threads, threads); s != RK_STATUS_OK) return s;

        std::unique_ptr<rk::cpu::CpuBackend> backend(rk::cpu::create_backend(isa, threads));
        *out_context = register_context(rk::cpu::cpu_ops(), backend.get());
        backend.release();  // owned by the context now
        return ok();
    });
}

extern "C" RK_API rk_status rk_context_destroy(rk_context* context) {
    static const char* fn = "rk_context_destroy";
    return guarded(fn, [&]() -> rk_status {
        if (context == nullptr) return ok();
        if (!unregister_context(context))
            return fail(RK_STATUS_INVALID_HANDLE,
                        std::string(fn) + ": 'context' is not a live context (already destroyed?)");
        context->ops->destroy(context->impl);
        delete context;
        return ok();
    });
}

extern "C" RK_API rk_status rk_context_get_info(const rk_context* context, rk_context_info* info) {
    static const char* fn = "rk_context_get_info";
    return guarded(fn, [&]() -> rk_status {
        if (rk_status s = check_context(fn, context); s != RK_STATUS_OK) return s;
        if (rk_status s = check_not_null(fn, "info", info); s != RK_STATUS_OK) return s;
        if (info->struct_size < sizeof(rk_context_info))
            return fail(RK_STATUS_INVALID_ARGUMENT, std::string(fn) + ": info->struct_size is " +
                                                        std::to_string(info->struct_size) + ", expected at least " +
                                                        std::to_string(sizeof(rk_context_info)));
        const rk::backend::ContextDescription d = describe(context);
        info->device_kind = d.device;
        info->device_index = d.device_index;
        info->isa = d.isa;
        info->num_threads = d.num_threads;
        return ok();
    });
}
