// libreprokit_cuda: the CUDA backend, loaded by libreprokit at run time (api/cuda_plugin.cpp). It implements the
// operation interface (backend/ops.h) and owns what touches the CUDA runtime: devices, contexts (device + stream +
// scratch), memory, copies and launches. The kernels and their launch shapes live in kernels/*.cuh, shared with the
// SIMT emulation tests; the arithmetic lives in the core. Arguments are validated by the C API before a call gets here.
#include <cuda_runtime.h>

#include <cstdio>
#include <cstring>
#include <new>

#include "kernels/activation_kernels.cuh"
#include "kernels/conv2d_kernels.cuh"
#include "kernels/dropout_kernels.cuh"
#include "kernels/fill_kernels.cuh"
#include "kernels/norm_kernels.cuh"
#include "kernels/loss_kernels.cuh"
#include "kernels/pool2d_kernels.cuh"
#include "kernels/optimizer_kernels.cuh"
#include "kernels/sampling_kernels.cuh"
#include "plugin_interface.h"
#include "reprokit/reprokit.h"

#ifndef RK_CUDA_ARCHITECTURES
#  define RK_CUDA_ARCHITECTURES "unknown"
#endif

namespace rk::cuda {
namespace {

#define RK_STR2(x) #x
#define RK_STR(x) RK_STR2(x)
constexpr const char* kVersion = RK_STR(RK_VERSION_MAJOR) "." RK_STR(RK_VERSION_MINOR) "." RK_STR(RK_VERSION_PATCH);

int32_t set_error(backend::OpError* err, int32_t status, const char* what, cudaError_t e = cudaSuccess) {
    if (err) {
        err->status = status;
        if (e != cudaSuccess)
            std::snprintf(err->message, sizeof err->message, "%s: %s (%s, CUDA error %d)", what, cudaGetErrorString(e),
                          cudaGetErrorName(e), static_cast<int>(e));
        else
            std::snprintf(err->message, sizeof err->message, "%s", what);
    }
    return status;
}

// The rk_status of a CUDA runtime error.
int32_t status_of(cudaError_t e) {
    switch (e) {
        case cudaErrorNoDevice:
        case cudaErrorInsufficientDriver:
        case cudaErrorNoKernelImageForDevice:
        case cudaErrorUnsupportedPtxVersion:
        case cudaErrorSystemDriverMismatch:
        case cudaErrorCompatNotSupportedOnDevice: return RK_STATUS_UNSUPPORTED;
        case cudaErrorMemoryAllocation: return RK_STATUS_OUT_OF_MEMORY;
        case cudaErrorInvalidDevice:
        case cudaErrorInvalidValue:
        case cudaErrorInvalidDevicePointer:
        case cudaErrorInvalidResourceHandle: return RK_STATUS_INVALID_ARGUMENT;
        default: return RK_STATUS_INTERNAL;
    }
}

#define RK_CUDA_TRY(call, what)                                                   \
    do {                                                                          \
        const cudaError_t _e = (call);                                            \
        if (_e != cudaSuccess) return set_error(err, status_of(_e), (what), _e);  \
    } while (0)

using backend::ConvArgs;
using backend::CopyKind;
using backend::DropoutArgs;
using backend::FillArgs;
using backend::PermutationArgs;
using backend::SampleArgs;
using backend::SampleFailure;
using backend::SampleRowStatus;

struct Context {
    int device = 0;
    cudaStream_t stream = nullptr;  // the caller's stream, or the legacy default stream
    void* scratch = nullptr;        // grows on demand; used in stream order only
    size_t scratch_bytes = 0;
};

Context* ctx_of(void* c) { return static_cast<Context*>(c); }

int32_t activate(Context* c, backend::OpError* err) {
    RK_CUDA_TRY(cudaSetDevice(c->device), "cudaSetDevice");
    return RK_STATUS_OK;
}

// Launch errors (bad configuration, no kernel image for this GPU) surface here; execution errors surface at the
// next synchronising call.
int32_t after_launch(backend::OpError* err, const char* what) {
    RK_CUDA_TRY(cudaGetLastError(), what);
    return RK_STATUS_OK;
}

int32_t device_count(int32_t* count, backend::OpError* err) {
    int n = 0;
    const cudaError_t e = cudaGetDeviceCount(&n);
    if (e == cudaErrorNoDevice) {
        cudaGetLastError();
        *count = 0;
        return RK_STATUS_OK;
    }
    if (e != cudaSuccess) {
        cudaGetLastError();
        return set_error(err, status_of(e), "cudaGetDeviceCount (is the NVIDIA driver installed and loaded?)", e);
    }
    *count = n;
    return RK_STATUS_OK;
}

int32_t device_info(int32_t device, DeviceInfo* info, backend::OpError* err) {
    cudaDeviceProp prop{};
    RK_CUDA_TRY(cudaGetDeviceProperties(&prop, device), "cudaGetDeviceProperties");
    std::memset(info, 0, sizeof *info);
    std::snprintf(info->name, sizeof info->name, "%s", prop.name);
    info->major = prop.major;
    info->minor = prop.minor;
    info->sm_count = prop.multiProcessorCount;
    info->total_memory = static_cast<int64_t>(prop.totalGlobalMem);
    RK_CUDA_TRY(cudaDriverGetVersion(&info->driver_version), "cudaDriverGetVersion");
    RK_CUDA_TRY(cudaRuntimeGetVersion(&info->runtime_version), "cudaRuntimeGetVersion");
    return RK_STATUS_OK;
}

int32_t context_create(int32_t device, void** out, backend::OpError* err) {
    int n = 0;
    if (int32_t s = device_count(&n, err); s != RK_STATUS_OK) return s;
    if (n == 0) return set_error(err, RK_STATUS_UNSUPPORTED, "no CUDA device is present (cudaGetDeviceCount: 0)");
    if (device < 0 || device >= n) {
        char what[128];
        std::snprintf(what, sizeof what, "CUDA device %d does not exist (this machine has %d)", device, n);
        return set_error(err, RK_STATUS_INVALID_ARGUMENT, what);
    }
    RK_CUDA_TRY(cudaSetDevice(device), "cudaSetDevice");
    RK_CUDA_TRY(cudaFree(nullptr), "initialising the CUDA context");  // creates the primary context now
    Context* c = new (std::nothrow) Context();
    if (!c) return set_error(err, RK_STATUS_OUT_OF_MEMORY, "out of host memory");
    c->device = device;
    *out = c;
    return RK_STATUS_OK;
}

void context_destroy(void* ctx) {
    Context* c = ctx_of(ctx);
    if (!c) return;
    if (c->scratch && cudaSetDevice(c->device) == cudaSuccess) {
        cudaStreamSynchronize(c->stream);
        cudaFree(c->scratch);
    }
    delete c;
}

void describe(void* ctx, backend::ContextDescription* out) {
    out->device = RK_DEVICE_CUDA;
    out->device_index = ctx_of(ctx)->device;
    out->isa = RK_ISA_AUTO;
    out->num_threads = 0;
    out->conv_kernels = "cuda";
}

int32_t set_stream(void* ctx, void* stream, backend::OpError* err) {
    Context* c = ctx_of(ctx);
    if (int32_t s = activate(c, err); s != RK_STATUS_OK) return s;
    // The scratch is used in stream order: finish the old stream's work before another stream may reuse it.
    RK_CUDA_TRY(cudaStreamSynchronize(c->stream), "cudaStreamSynchronize (previous stream)");
    c->stream = static_cast<cudaStream_t>(stream);
    return RK_STATUS_OK;
}

int32_t synchronize(void* ctx, backend::OpError* err) {
    Context* c = ctx_of(ctx);
    if (int32_t s = activate(c, err); s != RK_STATUS_OK) return s;
    RK_CUDA_TRY(cudaStreamSynchronize(c->stream), "cudaStreamSynchronize");
    return RK_STATUS_OK;
}

int32_t allocate(void* ctx, uint64_t bytes, void** out, backend::OpError* err) {
    Context* c = ctx_of(ctx);
    if (int32_t s = activate(c, err); s != RK_STATUS_OK) return s;
    *out = nullptr;
    const cudaError_t e = cudaMalloc(out, bytes == 0 ? 1 : bytes);
    if (e != cudaSuccess) {
        cudaGetLastError();
        char what[160];
        std::snprintf(what, sizeof what, "cudaMalloc of %llu bytes on device %d", static_cast<unsigned long long>(bytes),
                      c->device);
        return set_error(err, status_of(e), what, e);
    }
    return RK_STATUS_OK;
}

int32_t release(void* ctx, void* p, backend::OpError* err) {
    Context* c = ctx_of(ctx);
    if (int32_t s = activate(c, err); s != RK_STATUS_OK) return s;
    RK_CUDA_TRY(cudaFree(p), "cudaFree");
    return RK_STATUS_OK;
}

int32_t copy(void* ctx, void* dst, const void* src, uint64_t bytes, CopyKind kind, int32_t async, backend::OpError* err) {
    Context* c = ctx_of(ctx);
    if (int32_t s = activate(c, err); s != RK_STATUS_OK) return s;
    const cudaMemcpyKind k = kind == CopyKind::kHostToDevice   ? cudaMemcpyHostToDevice
                             : kind == CopyKind::kDeviceToHost ? cudaMemcpyDeviceToHost
                                                               : cudaMemcpyDeviceToDevice;
    RK_CUDA_TRY(cudaMemcpyAsync(dst, src, bytes, k, c->stream), "cudaMemcpyAsync");
    if (!async) RK_CUDA_TRY(cudaStreamSynchronize(c->stream), "cudaStreamSynchronize after a copy");
    return RK_STATUS_OK;
}

int32_t check_data(void* ctx, const void* p, const char* name, backend::OpError* err) {
    Context* c = ctx_of(ctx);
    cudaPointerAttributes attr{};
    const cudaError_t e = cudaPointerGetAttributes(&attr, p);
    if (e != cudaSuccess) {
        cudaGetLastError();
        char what[200];
        std::snprintf(what, sizeof what, "'%s' is not a pointer CUDA knows", name);
        return set_error(err, RK_STATUS_INVALID_ARGUMENT, what, e);
    }
    char what[240];
    if (attr.type == cudaMemoryTypeManaged) return RK_STATUS_OK;
    if (attr.type != cudaMemoryTypeDevice) {
        std::snprintf(what, sizeof what,
                      "'%s' is host memory, but a CUDA context takes device pointers (allocate with rk_device_alloc "
                      "and copy with rk_memcpy_to_device)",
                      name);
        return set_error(err, RK_STATUS_INVALID_ARGUMENT, what);
    }
    if (attr.device != c->device) {
        std::snprintf(what, sizeof what, "'%s' is memory of CUDA device %d, but the context uses device %d", name,
                      attr.device, c->device);
        return set_error(err, RK_STATUS_INVALID_ARGUMENT, what);
    }
    return RK_STATUS_OK;
}

int32_t ensure_scratch(Context* c, size_t bytes, backend::OpError* err) {
    if (bytes <= c->scratch_bytes) return RK_STATUS_OK;
    RK_CUDA_TRY(cudaStreamSynchronize(c->stream), "cudaStreamSynchronize before growing the scratch");
    if (c->scratch) cudaFree(c->scratch);
    c->scratch = nullptr;
    c->scratch_bytes = 0;
    RK_CUDA_TRY(cudaMalloc(&c->scratch, bytes), "cudaMalloc (scratch)");
    c->scratch_bytes = bytes;
    return RK_STATUS_OK;
}

int32_t fill(void* ctx, const FillArgs* a, backend::OpError* err) {
    Context* c = ctx_of(ctx);
    if (int32_t s = activate(c, err); s != RK_STATUS_OK) return s;
    launch_fill(*a, c->stream);
    return after_launch(err, "launching the fill kernel");
}

int32_t permutation(void* ctx, const PermutationArgs* a, backend::OpError* err) {
    Context* c = ctx_of(ctx);
    if (int32_t s = activate(c, err); s != RK_STATUS_OK) return s;
    launch_permutation(*a, c->stream);
    return after_launch(err, "launching the permutation kernel");
}

int32_t dropout(void* ctx, const DropoutArgs* a, backend::OpError* err) {
    Context* c = ctx_of(ctx);
    if (int32_t s = activate(c, err); s != RK_STATUS_OK) return s;
    launch_dropout(*a, c->stream);
    return after_launch(err, "launching the dropout kernel");
}

int32_t conv_workspace(void*, const ConvArgs*, int64_t* bytes, backend::OpError*) {
    *bytes = 0;  // the device kernels need none
    return RK_STATUS_OK;
}

int32_t conv(void* ctx, const ConvArgs* a, backend::OpError* err) {
    Context* c = ctx_of(ctx);
    if (int32_t s = activate(c, err); s != RK_STATUS_OK) return s;
    launch_conv(*a, c->stream);
    return after_launch(err, "launching the conv2d kernel");
}

int32_t normalization(void* ctx, const backend::NormArgs* a, backend::OpError* err) {
    Context* c = ctx_of(ctx);
    if (int32_t s = activate(c, err); s != RK_STATUS_OK) return s;
    launch_normalization(*a, c->stream);
    return after_launch(err, "launching the normalization kernels");
}

size_t align_up(size_t v) { return (v + 255) / 256 * 256; }

int32_t sample(void* ctx, const SampleArgs* a, SampleFailure* failed, backend::OpError* err) {
    Context* c = ctx_of(ctx);
    failed->row = -1;
    if (int32_t s = activate(c, err); s != RK_STATUS_OK) return s;
    const size_t b = static_cast<size_t>(a->batch);
    const size_t params_at = 0, streams_at = align_up(params_at + b * sizeof(core::SampleParams)),
                 status_at = align_up(streams_at + b * sizeof(core::PhiloxStream)),
                 e_at = align_up(status_at + b * sizeof(SampleRowStatus)),
                 w_at = align_up(e_at + static_cast<size_t>(sample_blocks(a->batch)) * a->vocab * sizeof(float)),
                 end = w_at + static_cast<size_t>(sample_blocks(a->batch)) * a->vocab * sizeof(uint64_t);
    if (int32_t s = ensure_scratch(c, end, err); s != RK_STATUS_OK) return s;
    char* base = static_cast<char*>(c->scratch);
    RK_CUDA_TRY(cudaMemcpyAsync(base + params_at, a->params, b * sizeof(core::SampleParams), cudaMemcpyHostToDevice,
                                c->stream),
                "copying the sampling parameters");
    RK_CUDA_TRY(cudaMemcpyAsync(base + streams_at, a->streams, b * sizeof(core::PhiloxStream), cudaMemcpyHostToDevice,
                                c->stream),
                "copying the streams");
    SampleDeviceArgs d{a->logits,
                       a->batch,
                       a->vocab,
                       a->row_stride,
                       reinterpret_cast<const core::SampleParams*>(base + params_at),
                       reinterpret_cast<const core::PhiloxStream*>(base + streams_at),
                       a->tokens,
                       a->probs,
                       a->logprobs,
                       a->kept_counts,
                       reinterpret_cast<SampleRowStatus*>(base + status_at),
                       reinterpret_cast<float*>(base + e_at),
                       reinterpret_cast<uint64_t*>(base + w_at)};
    launch_sample(d, c->stream);
    if (int32_t s = after_launch(err, "launching the sampling kernel"); s != RK_STATUS_OK) return s;
    SampleRowStatus* host = new (std::nothrow) SampleRowStatus[b];
    if (!host) return set_error(err, RK_STATUS_OUT_OF_MEMORY, "out of host memory");
    cudaError_t e = cudaMemcpyAsync(host, base + status_at, b * sizeof(SampleRowStatus), cudaMemcpyDeviceToHost, c->stream);
    if (e == cudaSuccess) e = cudaStreamSynchronize(c->stream);
    if (e == cudaSuccess)
        for (size_t r = 0; r < b; ++r)
            if (host[r].error != 0) {
                failed->row = static_cast<int64_t>(r);
                failed->status = host[r];
                break;
            }
    delete[] host;
    if (e != cudaSuccess) return set_error(err, status_of(e), "running the sampling kernel", e);
    return RK_STATUS_OK;
}

// Cross-entropy: the target check (status copied back; the call waits for it so that a bad target is reported before
// anything is written), then the rows. Scratch: the status, then the row losses of a reduction.
int32_t cross_entropy(void* ctx, const backend::CrossEntropyArgs* a, backend::CrossEntropyFailure* failed,
                      backend::OpError* err) {
    Context* c = ctx_of(ctx);
    failed->row = -1;
    if (int32_t s = activate(c, err); s != RK_STATUS_OK) return s;
    const bool reduce = !a->backward && a->reduction != backend::LossReduction::kNone;
    const size_t status_at = 0, rows_at = align_up(2 * sizeof(long long)),
                 end = rows_at + (reduce ? static_cast<size_t>(a->batch) * sizeof(float) : 0);
    if (int32_t s = ensure_scratch(c, end, err); s != RK_STATUS_OK) return s;
    char* base = static_cast<char*>(c->scratch);
    CrossEntropyDeviceArgs d{*a, reinterpret_cast<long long*>(base + status_at), reinterpret_cast<float*>(base + rows_at), 0};
    long long status[2] = {kNoBadRow, 0};
    RK_CUDA_TRY(cudaMemcpyAsync(d.status, status, sizeof status, cudaMemcpyHostToDevice, c->stream),
                "copying the target check's status");
    launch_cross_entropy_check(d, c->stream);
    if (int32_t s = after_launch(err, "launching the cross-entropy target check"); s != RK_STATUS_OK) return s;
    RK_CUDA_TRY(cudaMemcpyAsync(status, d.status, sizeof status, cudaMemcpyDeviceToHost, c->stream),
                "copying the target check's status back");
    RK_CUDA_TRY(cudaStreamSynchronize(c->stream), "running the cross-entropy target check");
    if (status[0] != kNoBadRow) {
        int64_t target = 0;
        RK_CUDA_TRY(cudaMemcpyAsync(&target, a->targets + status[0], sizeof target, cudaMemcpyDeviceToHost, c->stream),
                    "reading the bad target");
        RK_CUDA_TRY(cudaStreamSynchronize(c->stream), "reading the bad target");
        *failed = backend::CrossEntropyFailure{status[0], target};
        return RK_STATUS_OK;
    }
    d.count = status[1];
    launch_cross_entropy(d, c->stream);
    return after_launch(err, "launching the cross-entropy kernel");
}

int32_t pool(void* ctx, const backend::PoolArgs* a, backend::OpError* err) {
    Context* c = ctx_of(ctx);
    if (int32_t s = activate(c, err); s != RK_STATUS_OK) return s;
    launch_pool(*a, c->stream);
    return after_launch(err, "launching the pooling kernel");
}

int32_t activation(void* ctx, const backend::ActivationArgs* a, backend::OpError* err) {
    Context* c = ctx_of(ctx);
    if (int32_t s = activate(c, err); s != RK_STATUS_OK) return s;
    launch_activation(*a, c->stream);
    return after_launch(err, "launching the activation kernel");
}

// The tensor table goes to the scratch with the check's result after it; the check is read back (the call waits for
// it) before the update is queued.
int32_t optimizer(void* ctx, const backend::OptimizerArgs* a, backend::OptimizerFailure* failed, backend::OpError* err) {
    Context* c = ctx_of(ctx);
    failed->tensor = -1;
    if (int32_t s = activate(c, err); s != RK_STATUS_OK) return s;
    const size_t n = static_cast<size_t>(a->tensor_count);
    OptimizerDeviceTensor* table = new (std::nothrow) OptimizerDeviceTensor[n];
    uint64_t* index = new (std::nothrow) uint64_t[n];
    if (!table || !index) {
        delete[] table;
        delete[] index;
        return set_error(err, RK_STATUS_OUT_OF_MEMORY, "out of host memory");
    }
    OptimizerDeviceArgs d{};
    d.kind = a->kind;
    d.check_state0 = a->check_state0;
    d.check_state1 = a->check_state1;
    d.sgd = a->sgd;
    d.adam = a->adam;
    d.tensor_count = optimizer_table(*a, table, index, &d.tiles);
    const size_t table_bytes = align_up(static_cast<size_t>(d.tensor_count) * sizeof(OptimizerDeviceTensor));
    int32_t s = ensure_scratch(c, table_bytes + sizeof(unsigned long long), err);
    cudaError_t e = cudaSuccess;
    char* base = static_cast<char*>(c->scratch);
    if (s == RK_STATUS_OK) {
        d.tensors = reinterpret_cast<const OptimizerDeviceTensor*>(base);
        d.first_bad = reinterpret_cast<unsigned long long*>(base + table_bytes);
        e = cudaMemcpyAsync(base, table, static_cast<size_t>(d.tensor_count) * sizeof(OptimizerDeviceTensor),
                            cudaMemcpyHostToDevice, c->stream);
    }
    unsigned long long bad = ~0ull;
    if (s == RK_STATUS_OK && e == cudaSuccess && (d.check_state0 || d.check_state1)) {
        e = cudaMemsetAsync(d.first_bad, 0xFF, sizeof bad, c->stream);
        if (e == cudaSuccess) {
            launch_optimizer_check(d, c->stream);
            e = cudaGetLastError();
        }
        if (e == cudaSuccess) e = cudaMemcpyAsync(&bad, d.first_bad, sizeof bad, cudaMemcpyDeviceToHost, c->stream);
        if (e == cudaSuccess) e = cudaStreamSynchronize(c->stream);
        if (e == cudaSuccess && bad != ~0ull) {
            // The entry whose elements hold the key's element (entries are in the call's order).
            const uint64_t global = bad / 2;
            uint64_t k = 0;
            while (k + 1 < d.tensor_count && table[k + 1].first_element <= global) ++k;
            const uint64_t element = global - table[k].first_element;
            failed->tensor = static_cast<int64_t>(index[k]);
            failed->element = static_cast<int64_t>(element);
            failed->state = static_cast<int32_t>(bad % 2);
            const float* p = (failed->state == 0 ? table[k].state0 : table[k].state1) + element;
            e = cudaMemcpy(&failed->value, p, sizeof(float), cudaMemcpyDeviceToHost);
        }
    }
    delete[] table;
    delete[] index;
    if (s != RK_STATUS_OK) return s;
    if (e != cudaSuccess) return set_error(err, status_of(e), "running the optimizer's state check", e);
    if (failed->tensor >= 0) return RK_STATUS_OK;
    launch_optimizer_update(d, c->stream);
    return after_launch(err, "launching the optimizer kernel");
}

const PluginApi kApi = {
    kPluginInterfaceVersion,
    sizeof(PluginApi),
    kVersion,
    RK_CUDA_ARCHITECTURES,
    device_count,
    device_info,
    context_create,
    backend::Ops{context_destroy, describe, set_stream, synchronize, allocate, release, copy, check_data, fill,
                 permutation, dropout, sample, conv_workspace, conv, normalization, cross_entropy, pool,
                 activation, optimizer},
};

}  // namespace
}  // namespace rk::cuda

#if defined(_WIN32)
#  define RK_PLUGIN_EXPORT __declspec(dllexport)
#else
#  define RK_PLUGIN_EXPORT __attribute__((visibility("default")))
#endif

extern "C" RK_PLUGIN_EXPORT const rk::cuda::PluginApi* rk_cuda_plugin_get(uint32_t interface_version) {
    return interface_version == rk::cuda::kPluginInterfaceVersion ? &rk::cuda::kApi : nullptr;
}
