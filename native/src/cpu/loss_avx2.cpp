// Canonical sum and cross-entropy kernels, AVX2 + FMA: 8 lanes, the 16 lane sums in two registers.
#include "lanes_avx2.h"
#include "loss_impl.h"

namespace rk::cpu {
namespace {

// Local to this file, so that every template instantiated for it keeps this file's ISA flags.
struct LossIsa : Avx2Lanes {};

}  // namespace

const LossKernels& loss_kernels_avx2() {
    static const LossKernels table = LossRows<LossIsa>::table("avx2");
    return table;
}

}  // namespace rk::cpu
