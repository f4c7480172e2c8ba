// AVX-512 instantiations of the portable-math tests (compiled with -mavx512f -mavx512dq -mavx512bw
// -mavx512vl -mfma): C-style entry points only (portable_math_lanes.h says why);
// test_portable_math.cpp calls them where the CPU can.
#include "../tools/mathcheck_batch.h"
#include "cpu/lanes_avx512.h"
#include "portable_math_lanes.h"

namespace rk::test {

void math_batch_avx512(mathcheck::Fn fn, const float* in, float* out, std::size_t n) {
    mathcheck::batch<cpu::Avx512Lanes>(fn, in, out, n);
}

void sincospi_avx512(const float* in, float* s, float* c, std::size_t n) {
    eval_sincospi<cpu::Avx512Lanes>(in, s, c, n);
}

void lane_ops_avx512(const uint32_t* a, const uint32_t* b, const uint32_t* c, const float* rn, uint32_t* out,
                     std::size_t n) {
    eval_lane_ops<cpu::Avx512Lanes>(a, b, c, rn, out, n);
}

}  // namespace rk::test
