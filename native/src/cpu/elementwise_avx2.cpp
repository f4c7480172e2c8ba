// The elementwise kernels on AVX2 (8 lanes; compiled with -mavx2 -mfma): the lanes of lanes_avx2.h and non-temporal
// stores of 32-byte-aligned vectors.
#include <immintrin.h>

#include "elementwise_table_impl.h"
#include "lanes_avx2.h"

namespace rk::cpu {
namespace {

struct Avx2Elementwise : Avx2Lanes {
    static constexpr bool kStreamStores = true;
    static constexpr uintptr_t kStreamAlign = 32;
    static void stream_store(float* p, __m256 a) { _mm256_stream_ps(p, a); }
    static void stream_fence() { _mm_sfence(); }
};

}  // namespace

const ElementwiseKernels& elementwise_kernels_avx2() {
    static const ElementwiseKernels table = elementwise_table<Avx2Elementwise>("avx2");
    return table;
}

}  // namespace rk::cpu
