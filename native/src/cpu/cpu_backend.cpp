// The CPU backend's context, memory functions and operation table (cpu_backend.h). Host memory is the CPU context's
// "device" memory: allocation is 64-byte aligned, copies are memmove, there is no stream to set or wait for.
#include "cpu_backend.h"

#include <cstdio>
#include <cstring>
#include <new>

namespace rk::cpu {
namespace {

CpuBackend& of(void* impl) { return *static_cast<CpuBackend*>(impl); }

const KernelTable* kernels_for(rk_isa isa) {
    switch (isa) {
        case RK_ISA_SCALAR: return &kernels_scalar();
#if defined(RK_HAVE_X86_KERNELS)
        case RK_ISA_AVX2: return &kernels_avx2();
        case RK_ISA_AVX512: return &kernels_avx512();
#endif
#if defined(RK_HAVE_NEON_KERNELS)
        case RK_ISA_NEON: return &kernels_neon();
#endif
        default: return nullptr;
    }
}

void destroy(void* impl) { delete static_cast<CpuBackend*>(impl); }

void describe(void* impl, backend::ContextDescription* out) {
    const CpuBackend& b = of(impl);
    out->device = RK_DEVICE_CPU;
    out->device_index = 0;
    out->isa = b.isa;
    out->num_threads = b.pool.size();
    out->conv_kernels = b.conv.name;
}

int32_t set_stream(void*, void*, backend::OpError* err) {
    return op_error(err, RK_STATUS_INVALID_ARGUMENT, "'context' is a CPU context, not a CUDA context");
}

int32_t synchronize(void*, backend::OpError*) { return RK_STATUS_OK; }  // CPU calls return when they are done

int32_t allocate(void*, uint64_t bytes, void** out, backend::OpError* err) {
    const uint64_t rounded = (bytes + 63) / 64 * 64;
    *out = ::operator new(rounded == 0 ? 64 : rounded, std::align_val_t{64}, std::nothrow);
    if (*out != nullptr) return RK_STATUS_OK;
    char what[96];
    std::snprintf(what, sizeof what, "out of memory allocating %llu bytes", static_cast<unsigned long long>(bytes));
    return op_error(err, RK_STATUS_OUT_OF_MEMORY, what);
}

int32_t release(void*, void* p, backend::OpError*) {
    ::operator delete(p, std::align_val_t{64});
    return RK_STATUS_OK;
}

int32_t copy(void*, void* dst, const void* src, uint64_t bytes, backend::CopyKind, int32_t, backend::OpError*) {
    std::memmove(dst, src, static_cast<size_t>(bytes));
    return RK_STATUS_OK;
}

int32_t check_data(void*, const void*, const char*, backend::OpError*) { return RK_STATUS_OK; }  // any host memory

const backend::Ops kOps = {destroy,  describe,    set_stream, synchronize,    allocate, release, copy, check_data,
                           fill,     permutation, dropout,    sample,         conv_workspace,    conv,
                           normalization, cross_entropy, pooling, activation, optimizer};

}  // namespace

bool isa_built(rk_isa isa) { return kernels_for(isa) != nullptr; }

CpuBackend* create_backend(rk_isa isa, int threads) {
    return new CpuBackend(isa, *kernels_for(isa), conv_kernels(isa), threads);
}

const backend::Ops& cpu_ops() { return kOps; }

int32_t op_error(backend::OpError* err, int32_t status, const char* message) {
    err->status = status;
    std::snprintf(err->message, sizeof err->message, "%s", message);
    return status;
}

}  // namespace rk::cpu
