// ARM64 NEON instantiations of the portable-math tests: the same C-style entry points as the x86 files
// (portable_math_lanes.h), called by test_portable_math.cpp.
#include "../tools/mathcheck_batch.h"
#include "cpu/lanes_neon.h"
#include "portable_math_lanes.h"

namespace rk::test {

void math_batch_neon(mathcheck::Fn fn, const float* in, float* out, std::size_t n) {
    mathcheck::batch<cpu::NeonLanes>(fn, in, out, n);
}

void sincospi_neon(const float* in, float* s, float* c, std::size_t n) { eval_sincospi<cpu::NeonLanes>(in, s, c, n); }

void lane_ops_neon(const uint32_t* a, const uint32_t* b, const uint32_t* c, const float* rn, uint32_t* out,
                   std::size_t n) {
    eval_lane_ops<cpu::NeonLanes>(a, b, c, rn, out, n);
}

}  // namespace rk::test
