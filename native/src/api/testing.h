// Internal entry points for the native tests. Exported (RK_API) so that the test binary reaches them through the shared
// library on every platform, but declared only here: not in reprokit.h, not bound in C#, not part of the API or ABI.
#pragma once

#include "reprokit/reprokit.h"

#ifdef __cplusplus
extern "C" {
#endif

// Name of the conv kernel table ("scalar", "avx2", "avx512", "neon") that rk_conv2d_* calls on `context` run; null if
// `context` is not a live handle. Lets the tests check that an ISA never falls back to another ISA's conv kernels
// silently (a fallback gives the same bits, so the bitwise tests alone cannot see it).
RK_API const char* rk_testing_conv2d_kernels(const rk_context* context);

// The canonical sum (docs/training.md section 0) of v[0, n) by the CPU kernels of `isa` (not RK_ISA_AUTO), which the
// loss and pooling kernels use, into *out. RK_STATUS_UNSUPPORTED when this CPU or build lacks the ISA.
RK_API rk_status rk_testing_canonical_sum(rk_isa isa, const float* v, int64_t n, float* out);

// rk_sha256 by the portable C++ code whatever the CPU (same arguments, checks and output): the reference the native tests,
// the fuzz harness and reprokit_sha256_bench compare rk_sha256's hardware path with.
RK_API rk_status rk_testing_sha256_portable(const void* data, int64_t bytes, char* sha256, int64_t capacity);

// The path rk_sha256 takes on this machine: "x86-sha" (SHA extensions), "armv8-sha2" or "portable".
RK_API const char* rk_testing_sha256_implementation(void);

#ifdef __cplusplus
}
#endif
