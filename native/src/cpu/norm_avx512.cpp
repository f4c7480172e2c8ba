// BatchNorm2d / LayerNorm kernels, avx512: 16 lanes, the 16 lane sums in one register.
#include "lanes_avx512.h"
#include "norm_impl.h"

namespace rk::cpu {
namespace {

// Local to this file, so that every template instantiated for it keeps this file's ISA flags.
struct NormIsa : Avx512Lanes {};

}  // namespace

const NormKernels& norm_kernels_avx512() {
    static const NormKernels table = NormRows<NormIsa>::table("avx512");
    return table;
}

}  // namespace rk::cpu
