// A test double of libreprokit_cuda: the same plugin interface (cuda/plugin_interface.h), with one emulated
// device whose "device memory" is host memory handed out by this plugin and whose kernels are the real kernel
// sources run by the SIMT emulation. Loaded through REPROKIT_CUDA_PLUGIN, it lets CI (no GPU) drive the whole
// CUDA path of the C API: context creation, device-pointer checks, dispatch of every operation, the golden
// suite's staging, and the errors for host pointers and foreign devices.
#include "simt_emulation.h"
// The kernels, after the emulation:
#include "cuda/kernels/activation_kernels.cuh"
#include "cuda/kernels/conv2d_kernels.cuh"
#include "cuda/kernels/dropout_kernels.cuh"
#include "cuda/kernels/fill_kernels.cuh"
#include "cuda/kernels/norm_kernels.cuh"
#include "cuda/kernels/loss_kernels.cuh"
#include "cuda/kernels/pool2d_kernels.cuh"
#include "cuda/kernels/optimizer_kernels.cuh"
#include "cuda/kernels/sampling_kernels.cuh"

#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <new>
#include <vector>

#include "cuda/plugin_interface.h"
#include "reprokit/reprokit.h"

namespace rk::cuda {
namespace {

#define RK_STR2(x) #x
#define RK_STR(x) RK_STR2(x)
constexpr const char* kVersion = RK_STR(RK_VERSION_MAJOR) "." RK_STR(RK_VERSION_MINOR) "." RK_STR(RK_VERSION_PATCH);

// The emulation runs one launch at a time.
std::mutex g_launch_mutex;

// Allocations of the emulated device: start -> size.
std::mutex g_alloc_mutex;
std::map<uintptr_t, size_t>& allocations() {
    static auto* m = new std::map<uintptr_t, size_t>();
    return *m;
}

int32_t set_error(backend::OpError* err, int32_t status, const char* what) {
    if (err) {
        err->status = status;
        std::snprintf(err->message, sizeof err->message, "%s", what);
    }
    return status;
}

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
};

int32_t device_count(int32_t* count, backend::OpError*) {
    *count = 1;
    return RK_STATUS_OK;
}

int32_t device_info(int32_t device, DeviceInfo* info, backend::OpError* err) {
    if (device != 0) return set_error(err, RK_STATUS_INVALID_ARGUMENT, "the emulated plugin has one device");
    std::memset(info, 0, sizeof *info);
    std::snprintf(info->name, sizeof info->name, "SIMT emulation on the CPU (test plugin)");
    info->sm_count = 1;
    info->total_memory = 1ll << 30;
    return RK_STATUS_OK;
}

int32_t context_create(int32_t device, void** out, backend::OpError* err) {
    if (device != 0) {
        char what[96];
        std::snprintf(what, sizeof what, "CUDA device %d does not exist (this machine has 1)", device);
        return set_error(err, RK_STATUS_INVALID_ARGUMENT, what);
    }
    *out = new Context();
    return RK_STATUS_OK;
}

void context_destroy(void* ctx) { delete static_cast<Context*>(ctx); }
void describe(void*, backend::ContextDescription* out) {
    out->device = RK_DEVICE_CUDA;
    out->device_index = 0;
    out->isa = RK_ISA_AUTO;
    out->num_threads = 0;
    out->conv_kernels = "cuda";
}
int32_t set_stream(void*, void*, backend::OpError*) { return RK_STATUS_OK; }
int32_t synchronize(void*, backend::OpError*) { return RK_STATUS_OK; }

int32_t allocate(void*, uint64_t bytes, void** out, backend::OpError* err) {
    void* p = ::operator new(bytes == 0 ? 1 : bytes, std::align_val_t{256}, std::nothrow);
    if (!p) return set_error(err, RK_STATUS_OUT_OF_MEMORY, "emulated device out of memory");
    std::lock_guard<std::mutex> lock(g_alloc_mutex);
    allocations()[reinterpret_cast<uintptr_t>(p)] = bytes;
    *out = p;
    return RK_STATUS_OK;
}

int32_t release(void*, void* p, backend::OpError* err) {
    std::lock_guard<std::mutex> lock(g_alloc_mutex);
    if (allocations().erase(reinterpret_cast<uintptr_t>(p)) == 0)
        return set_error(err, RK_STATUS_INVALID_ARGUMENT, "cudaFree: invalid argument (not an allocation of this device)");
    ::operator delete(p, std::align_val_t{256});
    return RK_STATUS_OK;
}

// Whether [p, p + 1) lies in an allocation of the emulated device.
bool is_device(const void* p) {
    std::lock_guard<std::mutex> lock(g_alloc_mutex);
    const auto addr = reinterpret_cast<uintptr_t>(p);
    auto it = allocations().upper_bound(addr);
    if (it == allocations().begin()) return false;
    --it;
    return addr < it->first + (it->second == 0 ? 1 : it->second);
}

int32_t check_data(void*, const void* p, const char* name, backend::OpError* err) {
    if (is_device(p)) return RK_STATUS_OK;
    char what[240];
    std::snprintf(what, sizeof what,
                  "'%s' is host memory, but a CUDA context takes device pointers (allocate with rk_device_alloc and "
                  "copy with rk_memcpy)",
                  name);
    return set_error(err, RK_STATUS_INVALID_ARGUMENT, what);
}

int32_t copy(void*, void* dst, const void* src, uint64_t bytes, CopyKind, int32_t, backend::OpError*) {
    std::memmove(dst, src, bytes);
    return RK_STATUS_OK;
}

template <class Launch>
int32_t run(Launch launch, backend::OpError* err) {
    std::lock_guard<std::mutex> lock(g_launch_mutex);
    try {
        launch();
    } catch (const std::exception& e) {
        return set_error(err, RK_STATUS_INTERNAL, e.what());
    }
    return RK_STATUS_OK;
}

int32_t fill(void*, const FillArgs* a, backend::OpError* err) { return run([&] { launch_fill(*a, nullptr); }, err); }
int32_t permutation(void*, const PermutationArgs* a, backend::OpError* err) {
    return run([&] { launch_permutation(*a, nullptr); }, err);
}
int32_t dropout(void*, const DropoutArgs* a, backend::OpError* err) { return run([&] { launch_dropout(*a, nullptr); }, err); }
int32_t conv_workspace(void*, const ConvArgs*, int64_t* bytes, backend::OpError*) {
    *bytes = 0;
    return RK_STATUS_OK;
}
int32_t conv(void*, const ConvArgs* a, backend::OpError* err) { return run([&] { launch_conv(*a, nullptr); }, err); }
int32_t normalization(void*, const backend::NormArgs* a, backend::OpError* err) {
    return run([&] { launch_normalization(*a, nullptr); }, err);
}

int32_t sample(void*, const SampleArgs* a, SampleFailure* failed, backend::OpError* err) {
    failed->row = -1;
    const size_t b = static_cast<size_t>(a->batch), blocks = sample_blocks(a->batch);
    std::vector<SampleRowStatus> status(b);
    std::vector<float> e(blocks * a->vocab);
    std::vector<uint64_t> w(blocks * a->vocab);
    const SampleDeviceArgs d{a->logits, a->batch, a->vocab, a->row_stride, a->params, a->streams, a->tokens,
                             a->probs, a->logprobs, a->kept_counts, status.data(), e.data(), w.data()};
    if (int32_t s = run([&] { launch_sample(d, nullptr); }, err); s != RK_STATUS_OK) return s;
    for (size_t r = 0; r < b; ++r)
        if (status[r].error != 0) {
            failed->row = static_cast<int64_t>(r);
            failed->status = status[r];
            break;
        }
    return RK_STATUS_OK;
}

// Cross-entropy as the real plugin runs it: the target check, then (no bad target) the rows and the reduction.
int32_t cross_entropy(void*, const backend::CrossEntropyArgs* a, backend::CrossEntropyFailure* failed,
                      backend::OpError* err) {
    failed->row = -1;
    long long status[2] = {kNoBadRow, 0};
    const bool reduce = !a->backward && a->reduction != backend::LossReduction::kNone;
    std::vector<float> rows(reduce ? static_cast<size_t>(a->batch) : 0);
    CrossEntropyDeviceArgs d{*a, status, rows.data(), 0};
    if (int32_t s = run([&] { launch_cross_entropy_check(d, nullptr); }, err); s != RK_STATUS_OK) return s;
    if (status[0] != kNoBadRow) {
        *failed = backend::CrossEntropyFailure{status[0], a->targets[status[0]]};
        return RK_STATUS_OK;
    }
    d.count = status[1];
    return run([&] { launch_cross_entropy(d, nullptr); }, err);
}
int32_t pool(void*, const backend::PoolArgs* a, backend::OpError* err) { return run([&] { launch_pool(*a, nullptr); }, err); }
int32_t activation(void*, const backend::ActivationArgs* a, backend::OpError* err) {
    return run([&] { launch_activation(*a, nullptr); }, err);
}

// As plugin.cu: the check, read back, then the update (the table in host memory, which the emulated device reads).
int32_t optimizer(void*, const backend::OptimizerArgs* a, backend::OptimizerFailure* failed, backend::OpError* err) {
    failed->tensor = -1;
    std::vector<OptimizerDeviceTensor> table(static_cast<size_t>(a->tensor_count));
    std::vector<uint64_t> index(table.size());
    unsigned long long bad = ~0ull;
    OptimizerDeviceArgs d{};
    d.kind = a->kind;
    d.check_state0 = a->check_state0;
    d.check_state1 = a->check_state1;
    d.sgd = a->sgd;
    d.adam = a->adam;
    d.tensor_count = optimizer_table(*a, table.data(), index.data(), &d.tiles);
    d.tensors = table.data();
    d.first_bad = &bad;
    if (d.check_state0 || d.check_state1) {
        if (int32_t s = run([&] { launch_optimizer_check(d, nullptr); }, err); s != RK_STATUS_OK) return s;
        if (bad != ~0ull) {
            const uint64_t global = bad / 2;
            uint64_t k = 0;
            while (k + 1 < d.tensor_count && table[k + 1].first_element <= global) ++k;
            const uint64_t element = global - table[k].first_element;
            failed->tensor = static_cast<int64_t>(index[k]);
            failed->element = static_cast<int64_t>(element);
            failed->state = static_cast<int32_t>(bad % 2);
            failed->value = (failed->state == 0 ? table[k].state0 : table[k].state1)[element];
            return RK_STATUS_OK;
        }
    }
    return run([&] { launch_optimizer_update(d, nullptr); }, err);
}

const PluginApi kApi = {
    kPluginInterfaceVersion, sizeof(PluginApi), kVersion, "simt-emulation", device_count, device_info, context_create,
    backend::Ops{context_destroy, describe, set_stream, synchronize, allocate, release, copy, check_data, fill,
                 permutation, dropout, sample, conv_workspace, conv, normalization, cross_entropy, pool,
                 activation, optimizer},
};

}  // namespace
}  // namespace rk::cuda

extern "C" __attribute__((visibility("default"))) const rk::cuda::PluginApi* rk_cuda_plugin_get(uint32_t interface_version) {
    return interface_version == rk::cuda::kPluginInterfaceVersion ? &rk::cuda::kApi : nullptr;
}
