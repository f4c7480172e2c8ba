// What kernel sources need from CUDA, in one place: under nvcc the real thing; in the SIMT emulation
// used by the tests (native/tests/simt/simt_emulation.h, included before this header) the same names
// run the kernels on the CPU. Kernel files include only this header and the core.
//
// Kernels are written once in native/src/cuda/kernels/*.cuh and compiled twice: by nvcc into the
// plugin (native/src/cuda/plugin.cu) and by the host compiler into the emulation tests, so the code
// that runs in CI without a GPU is the code that runs on the GPU.
#pragma once

#include <cstdint>

#if defined(__CUDACC__)
#  include <cuda_runtime.h>
// RK_LAUNCH(kernel, grid, block, stream)(args...): a kernel launch on a stream.
#  define RK_LAUNCH(kernel, grid, block, stream) kernel<<<(grid), (block), 0, (stream)>>>
#elif !defined(RK_SIMT_EMULATION)
#  error "kernel sources compile with nvcc, or on the host after native/tests/simt/simt_emulation.h"
#endif

namespace rk::cuda {

// Threads per block of the one-dimensional kernels; the emulation runs the same shapes.
constexpr unsigned kBlockThreads = 256;
// Grid-stride kernels launch at most this many blocks (the loop covers the rest).
constexpr uint64_t kMaxBlocks = 4096;

inline dim3 grid_for(uint64_t work_items, unsigned threads = kBlockThreads) {
    const uint64_t blocks = (work_items + threads - 1) / threads;
    return dim3(static_cast<unsigned>(blocks < 1 ? 1 : (blocks > kMaxBlocks ? kMaxBlocks : blocks)));
}

// The global index and the grid-stride step of a one-dimensional launch.
__device__ inline uint64_t global_thread() {
    return static_cast<uint64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
}
__device__ inline uint64_t grid_threads() { return static_cast<uint64_t>(gridDim.x) * blockDim.x; }

}  // namespace rk::cuda
