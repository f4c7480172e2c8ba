// Pooling kernels, AVX-512: 16 lanes.
#include <immintrin.h>

#include "lanes_avx512.h"
#include "pool2d_impl.h"

namespace rk::cpu {
namespace {

struct Avx512PoolIsa : Avx512Lanes {
    // Stride 1: one load; stride 2: p[0..15] and p[15..30], the even elements picked by one two-source permute
    // (no float beyond p[30] is read); others: a gather.
    static __m512 load_strided(const float* p, int64_t s) {
        if (s == 1) return _mm512_loadu_ps(p);
        if (s == 2) {
            const __m512i pick = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 17, 19, 21, 23, 25, 27, 29, 31);
            return _mm512_permutex2var_ps(_mm512_loadu_ps(p), pick, _mm512_loadu_ps(p + 15));
        }
        const __m512i idx = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                               _mm512_set1_epi32(static_cast<int>(s)));
        return _mm512_i32gather_ps(idx, p, 4);
    }
    static void store_index64(int64_t* dst, __m512i v) {
        _mm512_storeu_si512(dst, _mm512_cvtepu32_epi64(_mm512_castsi512_si256(v)));
        _mm512_storeu_si512(dst + 8, _mm512_cvtepu32_epi64(_mm512_extracti64x4_epi64(v, 1)));
    }
    static __mmask16 eq_index64(const int64_t* p, int64_t target) {
        const __m512i t = _mm512_set1_epi64(target);
        const __mmask8 a = _mm512_cmpeq_epi64_mask(_mm512_loadu_si512(p), t);
        const __mmask8 b = _mm512_cmpeq_epi64_mask(_mm512_loadu_si512(p + 8), t);
        return static_cast<__mmask16>(a | (static_cast<unsigned>(b) << 8));
    }
};

}  // namespace

const PoolKernels& pool_kernels_avx512() {
    static const PoolKernels table = PoolRows<Avx512PoolIsa>::table("avx512");
    return table;
}

}  // namespace rk::cpu
