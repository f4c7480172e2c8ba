// The elementwise kernels on AVX-512 (16 lanes; compiled with -mavx512f/dq/bw/vl): the lanes of lanes_avx512.h and
// non-temporal stores of 64-byte-aligned vectors.
#include <immintrin.h>

#include "elementwise_table_impl.h"
#include "lanes_avx512.h"

namespace rk::cpu {
namespace {

struct Avx512Elementwise : Avx512Lanes {
    static constexpr bool kStreamStores = true;
    static constexpr uintptr_t kStreamAlign = 64;
    static void stream_store(float* p, __m512 a) { _mm512_stream_ps(p, a); }
    static void stream_fence() { _mm_sfence(); }
};

}  // namespace

const ElementwiseKernels& elementwise_kernels_avx512() {
    static const ElementwiseKernels table = elementwise_table<Avx512Elementwise>("avx512");
    return table;
}

}  // namespace rk::cpu
