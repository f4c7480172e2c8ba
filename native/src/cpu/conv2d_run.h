// Runs a planned conv2d pass on the CPU: operand preparation in the workspace and the split of work units over the
// context's threads (conv2d_run.cpp).
#pragma once

#include <exception>
#include <mutex>

#include "../core/conv2d.h"
#include "conv2d_kernels.h"
#include "conv2d_plan.h"
#include "thread_pool.h"

namespace rk::cpu {

// Splits [0, units) over the pool; each piece runs under the canonical FP environment (parallel_for). An exception
// in a piece (an allocation failure in a kernel's scratch) is caught there and rethrown on the calling thread, so it
// never leaves a worker thread; the C API turns it into a status.
template <class Fn>
void run_units(ThreadPool& pool, int64_t units, Fn fn) {
    if (units <= 0) return;
    std::mutex m;
    std::exception_ptr error;
    parallel_for(pool, static_cast<uint64_t>(units), 1, 1, [&](uint64_t b, uint64_t e) {
        try {
            fn(static_cast<int64_t>(b), static_cast<int64_t>(e));
        } catch (...) {
            std::lock_guard<std::mutex> lock(m);
            if (!error) error = std::current_exception();
        }
    });
    if (error) std::rethrow_exception(error);
}

// Runs a pass. `workspace` is 64-byte aligned and holds plan.floats floats (or is null when plan.floats == 0).
void conv_run_forward(const ConvKernels& k, ThreadPool& pool, const core::ConvGeometry& g, const ConvPlan& plan,
                      const float* x, const float* w, const float* bias, float* y, float* workspace);
void conv_run_backward_data(const ConvKernels& k, ThreadPool& pool, const core::ConvGeometry& g, const ConvPlan& plan,
                            const float* dy, const float* w, float* dx, float* workspace);
void conv_run_backward_weights(const ConvKernels& k, ThreadPool& pool, const core::ConvGeometry& g,
                               const ConvPlan& plan, const float* x, const float* dy, float* dw, float* dbias,
                               float* workspace);
// The pointwise path (conv2d_pointwise.cpp) of any pass: in0, in1 are (x, w), (dy, w) or (x, dy); out0, out1 are y,
// dx or (dw, dbias); bias is the forward's.
void conv_run_pointwise(const ConvKernels& k, ThreadPool& pool, const core::ConvGeometry& g, rk_conv_pass pass,
                        const float* in0, const float* in1, const float* bias, float* out0, float* out1);

}  // namespace rk::cpu
