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

#ifdef __cplusplus
}
#endif
