// BatchNorm2d / LayerNorm kernels, avx512: 16 lanes, the 16 lane sums in one register.
#include <immintrin.h>

#include "lanes_avx512.h"
#include "norm_impl.h"

namespace rk::cpu {
namespace {

// Local to this file, so that every template instantiated for it keeps this file's ISA flags.
struct NormIsa : Avx512Lanes {
    // Non-temporal stores of 64-byte-aligned vectors for large outputs.
    static constexpr bool kStreamStores = true;
    static constexpr uintptr_t kStreamAlign = 64;
    static void stream_store(float* p, __m512 v) { _mm512_stream_ps(p, v); }
    static void stream_fence() { _mm_sfence(); }
};

}  // namespace

const NormKernels& norm_kernels_avx512() {
    static const NormKernels table = NormRows<NormIsa>::table("avx512");
    return table;
}

}  // namespace rk::cpu
