// BatchNorm2d / LayerNorm kernels, avx2: 8 lanes, the 16 lane sums in two registers.
#include <immintrin.h>

#include "lanes_avx2.h"
#include "norm_impl.h"

namespace rk::cpu {
namespace {

// Local to this file, so that every template instantiated for it keeps this file's ISA flags.
struct NormIsa : Avx2Lanes {
    // Non-temporal stores of 32-byte-aligned vectors for large outputs.
    static constexpr bool kStreamStores = true;
    static constexpr uintptr_t kStreamAlign = 32;
    static void stream_store(float* p, __m256 v) { _mm256_stream_ps(p, v); }
    static void stream_fence() { _mm_sfence(); }
};

}  // namespace

const NormKernels& norm_kernels_avx2() {
    static const NormKernels table = NormRows<NormIsa>::table("avx2");
    return table;
}

}  // namespace rk::cpu
