// Runs a planned conv2d pass on the CPU: operand preparation in the workspace and the split of work units over the
// context's threads (conv2d_run.cpp).
#pragma once

#include "../core/conv2d.h"
#include "conv2d_kernels.h"
#include "conv2d_plan.h"
#include "thread_pool.h"

namespace rk::cpu {

// Runs a pass. `workspace` is 64-byte aligned and holds plan.floats floats (or is null when plan.floats == 0).
void conv_run_forward(const ConvKernels& k, ThreadPool& pool, const core::ConvGeometry& g, const ConvPlan& plan,
                      const float* x, const float* w, const float* bias, float* y, float* workspace);
void conv_run_backward_data(const ConvKernels& k, ThreadPool& pool, const core::ConvGeometry& g, const ConvPlan& plan,
                            const float* dy, const float* w, float* dx, float* workspace);
void conv_run_backward_weights(const ConvKernels& k, ThreadPool& pool, const core::ConvGeometry& g,
                               const ConvPlan& plan, const float* x, const float* dy, float* dw, float* dbias,
                               float* workspace);

}  // namespace rk::cpu
