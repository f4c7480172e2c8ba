// BatchNorm2d / LayerNorm kernels, avx2: 8 lanes, the 16 lane sums in two registers.
#include "lanes_avx2.h"
#include "norm_impl.h"

namespace rk::cpu {
namespace {

// Local to this file, so that every template instantiated for it keeps this file's ISA flags.
struct NormIsa : Avx2Lanes {};

}  // namespace

const NormKernels& norm_kernels_avx2() {
    static const NormKernels table = NormRows<NormIsa>::table("avx2");
    return table;
}

}  // namespace rk::cpu
