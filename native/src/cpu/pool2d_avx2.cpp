// Pooling kernels, AVX2 + FMA: 8 lanes.
#include <immintrin.h>

#include "lanes_avx2.h"
#include "pool2d_impl.h"

namespace rk::cpu {
namespace {

struct Avx2PoolIsa : Avx2Lanes {
    // Stride 1: one load; stride 2: p[0..7] and p[7..14] with the even elements permuted into place; others: a gather.
    static __m256 load_strided(const float* p, int64_t s) {
        if (s == 1) return _mm256_loadu_ps(p);
        if (s == 2) {
            const __m256 lo = _mm256_permutevar8x32_ps(_mm256_loadu_ps(p), _mm256_setr_epi32(0, 2, 4, 6, 0, 0, 0, 0));
            const __m256 hi = _mm256_permutevar8x32_ps(_mm256_loadu_ps(p + 7), _mm256_setr_epi32(0, 0, 0, 0, 1, 3, 5, 7));
            return _mm256_blend_ps(lo, hi, 0xF0);
        }
        const __m256i idx = _mm256_mullo_epi32(_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7), _mm256_set1_epi32(static_cast<int>(s)));
        return _mm256_i32gather_ps(p, idx, 4);
    }
    static void store_index64(int64_t* dst, __m256i v) {
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst), _mm256_cvtepu32_epi64(_mm256_castsi256_si128(v)));
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + 4), _mm256_cvtepu32_epi64(_mm256_extracti128_si256(v, 1)));
    }
    // Two compares of four 64-bit lanes; the 64-bit masks narrowed to 32-bit lanes in order.
    static __m256 eq_index64(const int64_t* p, int64_t target) {
        const __m256i t = _mm256_set1_epi64x(target);
        const __m256i a = _mm256_cmpeq_epi64(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)), t);
        const __m256i b = _mm256_cmpeq_epi64(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 4)), t);
        const __m256i odd = _mm256_setr_epi32(0, 2, 4, 6, 1, 3, 5, 7);
        const __m256i pa = _mm256_permutevar8x32_epi32(a, odd), pb = _mm256_permutevar8x32_epi32(b, odd);
        return _mm256_castsi256_ps(_mm256_permute2x128_si256(pa, pb, 0x20));
    }
};

}  // namespace

const PoolKernels& pool_kernels_avx2() {
    static const PoolKernels table = PoolRows<Avx2PoolIsa>::table("avx2");
    return table;
}

}  // namespace rk::cpu
