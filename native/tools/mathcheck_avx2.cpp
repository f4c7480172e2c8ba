// AVX2 instantiation of the mathcheck batch loop (compiled with -mavx2 -mfma).
#include "cpu/lanes_avx2.h"
#include "mathcheck_batch.h"

namespace rk::mathcheck {

void batch_avx2(Fn fn, const float* in, float* out, std::size_t n) { batch<cpu::Avx2Lanes>(fn, in, out, n); }

}  // namespace rk::mathcheck
