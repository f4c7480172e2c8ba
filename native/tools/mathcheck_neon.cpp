// ARM64 NEON instantiation of the mathcheck batch loop.
#include "cpu/lanes_neon.h"
#include "mathcheck_batch.h"

namespace rk::mathcheck {

void batch_neon(Fn fn, const float* in, float* out, std::size_t n) { batch<cpu::NeonLanes>(fn, in, out, n); }

}  // namespace rk::mathcheck
