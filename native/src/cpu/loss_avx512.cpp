// Canonical sum and cross-entropy kernels, AVX-512: 16 lanes, the 16 lane sums in one register.
#include "lanes_avx512.h"
#include "loss_impl.h"

namespace rk::cpu {
namespace {

// Local to this file, so that every template instantiated for it keeps this file's ISA flags.
struct LossIsa : Avx512Lanes {};

}  // namespace

const LossKernels& loss_kernels_avx512() {
    static const LossKernels table = LossRows<LossIsa>::table("avx512");
    return table;
}

}  // namespace rk::cpu
