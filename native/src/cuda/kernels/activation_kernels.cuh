// Activations on the device (docs/training.md section 2): one grid-stride kernel per kind and pass, each element
// through the core's function on one lane, so every thread computes exactly what the CPU computes for that element,
// however the launch is shaped. y may be x and dx may be dy: each thread reads its element before it writes it.
#pragma once

#include "../../backend/ops.h"
#include "../../core/activation.h"
#include "../../core/lanes_scalar.h"
#include "device_compat.cuh"

namespace rk::cuda {

using backend::ActivationArgs;
using L1 = core::ScalarLanes;  // one GPU thread = one lane of the core's templates

__global__ void relu_forward_kernel(ActivationArgs a) {
    for (uint64_t i = global_thread(); i < a.count; i += grid_threads()) a.out[i] = core::relu_forward<L1>(a.x[i]);
}
__global__ void leaky_relu_forward_kernel(ActivationArgs a) {
    for (uint64_t i = global_thread(); i < a.count; i += grid_threads())
        a.out[i] = core::leaky_relu_forward<L1>(a.x[i], a.negative_slope);
}
__global__ void gelu_forward_kernel(ActivationArgs a) {
    for (uint64_t i = global_thread(); i < a.count; i += grid_threads()) a.out[i] = core::gelu_forward<L1>(a.x[i]);
}
__global__ void gelu_tanh_forward_kernel(ActivationArgs a) {
    for (uint64_t i = global_thread(); i < a.count; i += grid_threads())
        a.out[i] = core::gelu_tanh_forward<L1>(a.x[i]);
}
__global__ void relu_backward_kernel(ActivationArgs a) {
    for (uint64_t i = global_thread(); i < a.count; i += grid_threads())
        a.out[i] = core::relu_backward<L1>(a.x[i], a.dy[i]);
}
__global__ void leaky_relu_backward_kernel(ActivationArgs a) {
    for (uint64_t i = global_thread(); i < a.count; i += grid_threads())
        a.out[i] = core::leaky_relu_backward<L1>(a.x[i], a.dy[i], a.negative_slope);
}
__global__ void gelu_backward_kernel(ActivationArgs a) {
    for (uint64_t i = global_thread(); i < a.count; i += grid_threads())
        a.out[i] = core::gelu_backward<L1>(a.x[i], a.dy[i]);
}
__global__ void gelu_tanh_backward_kernel(ActivationArgs a) {
    for (uint64_t i = global_thread(); i < a.count; i += grid_threads())
        a.out[i] = core::gelu_tanh_backward<L1>(a.x[i], a.dy[i]);
}

inline void launch_activation(const ActivationArgs& a, cudaStream_t stream) {
    if (a.count == 0) return;
    const dim3 grid = grid_for(a.count);
    using core::ActivationKind;
    if (!a.backward) {
        switch (a.kind) {
            case ActivationKind::kRelu: RK_LAUNCH(relu_forward_kernel, grid, kBlockThreads, stream)(a); break;
            case ActivationKind::kLeakyRelu: RK_LAUNCH(leaky_relu_forward_kernel, grid, kBlockThreads, stream)(a); break;
            case ActivationKind::kGelu: RK_LAUNCH(gelu_forward_kernel, grid, kBlockThreads, stream)(a); break;
            case ActivationKind::kGeluTanh: RK_LAUNCH(gelu_tanh_forward_kernel, grid, kBlockThreads, stream)(a); break;
        }
    } else {
        switch (a.kind) {
            case ActivationKind::kRelu: RK_LAUNCH(relu_backward_kernel, grid, kBlockThreads, stream)(a); break;
            case ActivationKind::kLeakyRelu: RK_LAUNCH(leaky_relu_backward_kernel, grid, kBlockThreads, stream)(a); break;
            case ActivationKind::kGelu: RK_LAUNCH(gelu_backward_kernel, grid, kBlockThreads, stream)(a); break;
            case ActivationKind::kGeluTanh: RK_LAUNCH(gelu_tanh_backward_kernel, grid, kBlockThreads, stream)(a); break;
        }
    }
}

}  // namespace rk::cuda
