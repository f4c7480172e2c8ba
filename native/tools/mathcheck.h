// Shared declarations of reprokit_mathcheck: the functions under test, and one batch entry point per
// ISA that evaluates them through that ISA's lanes type.
#pragma once

#include <cstddef>

namespace rk::mathcheck {

enum Fn { kExp, kLog, kSinpi, kCospi, kErf, kErfinv, kTanh, kNumFns };

// out[i] = fn(in[i]) for i < n, computed kWidth lanes at a time (the tail through a padded block).
void batch_scalar(Fn fn, const float* in, float* out, std::size_t n);
#if defined(RK_HAVE_X86_KERNELS)
void batch_avx2(Fn fn, const float* in, float* out, std::size_t n);
void batch_avx512(Fn fn, const float* in, float* out, std::size_t n);
#endif
#if defined(RK_HAVE_NEON_KERNELS)
void batch_neon(Fn fn, const float* in, float* out, std::size_t n);
#endif

}  // namespace rk::mathcheck
