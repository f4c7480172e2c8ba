// Runs a planned conv2d pass on the CPU: operand preparation in the workspace and the split of work units over the
// context's threads (conv2d_run.cpp).
#pragma once

#include <algorithm>
#include <cmath>
#include <exception>
#include <mutex>

#include "../core/conv2d.h"
#include "conv2d_kernels.h"
#include "conv2d_plan.h"
#include "thread_pool.h"

namespace rk::cpu {

// Splits [0, units) over the pool (one piece per thread, at least one unit each), `work` being the whole range's work
// (about one per multiply-add or copied float: an estimate, which only decides whether the pool's threads wake,
// thread_pool.h); each piece runs under the canonical FP environment (parallel_for). An exception in a piece (an
// allocation failure in a kernel's scratch) is caught there and rethrown on the calling thread, so it never leaves a
// worker thread; the C API turns it into a status.
template <class Fn>
void run_units(ThreadPool& pool, int64_t units, double work, Fn fn) {
    if (units <= 0) return;
    std::mutex m;
    std::exception_ptr error;
    const double per_unit = std::ceil(std::min(work, 0x1p62) / static_cast<double>(units));
    parallel_for(pool, static_cast<uint64_t>(units), 1, 1, per_unit < 1 ? 1 : static_cast<uint64_t>(per_unit), [&](uint64_t b, uint64_t e) {
        try {
            fn(static_cast<int64_t>(b), static_cast<int64_t>(e));
        } catch (...) {
            std::lock_guard<std::mutex> lock(m);
            if (!error) error = std::current_exception();
        }
    });
    if (error) std::rethrow_exception(error);
}

// The multiply-adds of any pass, N K P Q (C / groups) R S (padding taps included), as a work estimate for run_units.
inline double conv_macs(const core::ConvGeometry& g) {
    return static_cast<double>(g.n) * static_cast<double>(g.k) * static_cast<double>(g.p) * static_cast<double>(g.q) *
           static_cast<double>(g.cg) * static_cast<double>(g.r) * static_cast<double>(g.s);
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
