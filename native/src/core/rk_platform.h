// Portability macros for the single-source core: every function here compiles as host C++ and as
// CUDA device code (nvcc 11.8, C++17 at most).
#pragma once

#if defined(__CUDACC__)
#  define RK_HD __host__ __device__ __forceinline__
#else
#  define RK_HD inline
#endif
