// The CPU backend: a context (one ISA's kernel tables and a thread pool) and its implementation of the operation
// interface (backend/ops.h). Each operation has one file that owns its scheduling (how its independent outputs are
// split over the pool): fill_op.cpp (fills, permutations), dropout_op.cpp, sampling_op.cpp, conv2d_op.cpp; the
// context, memory and the table are in cpu_backend.cpp. The C API creates contexts here and calls only the table.
#pragma once

#include <cstdint>

#include "../backend/ops.h"
#include "conv2d_kernels.h"
#include "kernels.h"
#include "norm_kernels.h"
#include "loss_kernels.h"
#include "pool2d_kernels.h"
#include "reprokit/reprokit.h"
#include "thread_pool.h"

namespace rk::cpu {

struct CpuBackend {
    CpuBackend(rk_isa isa_, const KernelTable& kernels_, const ConvKernels& conv_, int threads)
        : isa(isa_), kernels(kernels_), conv(conv_), pool(threads) {}

    const rk_isa isa;
    const KernelTable& kernels;
    const ConvKernels& conv;
    ThreadPool pool;
    const NormKernels& norm{norm_kernels(isa)};  // BatchNorm2d, LayerNorm
    const LossKernels& loss{loss_kernels(isa)};        // canonical sum, cross-entropy rows
    const PoolKernels& pooling{pool_kernels(isa)};     // pooling
};

// Whether this build has kernels for `isa` (the CPU may still lack it: cpu_features.h).
bool isa_built(rk_isa isa);

// A new CPU backend context for a supported ISA (isa_supported and isa_built) and 1 or more threads.
CpuBackend* create_backend(rk_isa isa, int threads);

// The CPU backend's table; its `impl` is a CpuBackend*.
const backend::Ops& cpu_ops();

// The operations (one file each); the signatures of backend::Ops.
int32_t fill(void* impl, const backend::FillArgs* args, backend::OpError* err);
int32_t permutation(void* impl, const backend::PermutationArgs* args, backend::OpError* err);
int32_t dropout(void* impl, const backend::DropoutArgs* args, backend::OpError* err);
int32_t sample(void* impl, const backend::SampleArgs* args, backend::SampleFailure* failed, backend::OpError* err);
int32_t conv_workspace(void* impl, const backend::ConvArgs* args, int64_t* bytes, backend::OpError* err);
int32_t conv(void* impl, const backend::ConvArgs* args, backend::OpError* err);
int32_t normalization(void* impl, const backend::NormArgs* args, backend::OpError* err);
int32_t cross_entropy(void* impl, const backend::CrossEntropyArgs* args, backend::CrossEntropyFailure* failed,
                      backend::OpError* err);
int32_t pooling(void* impl, const backend::PoolArgs* args, backend::OpError* err);
int32_t activation(void* impl, const backend::ActivationArgs* args, backend::OpError* err);  // activation_op.cpp
int32_t optimizer(void* impl, const backend::OptimizerArgs* args, backend::OptimizerFailure* failed,
                  backend::OpError* err);  // optimizer_op.cpp

// Records a failure in *err and returns `status` (messages are truncated to fit).
int32_t op_error(backend::OpError* err, int32_t status, const char* message);

}  // namespace rk::cpu
