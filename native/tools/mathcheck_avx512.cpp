// AVX-512 instantiation of the mathcheck batch loop (compiled with -mavx512f ... -mfma).
#include "cpu/lanes_avx512.h"
#include "mathcheck_batch.h"

namespace rk::mathcheck {

void batch_avx512(Fn fn, const float* in, float* out, std::size_t n) { batch<cpu::Avx512Lanes>(fn, in, out, n); }

}  // namespace rk::mathcheck
