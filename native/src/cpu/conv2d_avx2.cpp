// Conv2d kernels, AVX2 + FMA: 8 lanes.
#include <immintrin.h>

#include "conv2d_impl.h"
#include "lanes_avx2.h"

namespace rk::cpu {
namespace {

struct Avx2ConvIsa : Avx2Lanes {
    static constexpr int kGemmMR = 6, kGemmNV = 2, kRowMR = 4, kRowNV = 2, kCplxMR = 2, kCplxNV = 2;
    static __m256i lanes_in(int lo, int hi) {
        const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        return _mm256_andnot_si256(_mm256_cmpgt_epi32(_mm256_set1_epi32(lo), idx),
                                   _mm256_cmpgt_epi32(_mm256_set1_epi32(hi), idx));
    }
    static __m256 load_range(const float* p, int lo, int hi) { return _mm256_maskload_ps(p, lanes_in(lo, hi)); }
    static void store_n(float* p, __m256 v, int n) { _mm256_maskstore_ps(p, lanes_in(0, n), v); }
    static __m256 range_mask(int lo, int hi) { return _mm256_castsi256_ps(lanes_in(lo, hi)); }
    static __m256 bits_mask(uint32_t bits) {
        const __m256i idx = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        const __m256i b = _mm256_and_si256(_mm256_srlv_epi32(_mm256_set1_epi32(static_cast<int>(bits)), idx),
                                           _mm256_set1_epi32(1));
        return _mm256_castsi256_ps(_mm256_cmpeq_epi32(b, _mm256_set1_epi32(1)));
    }
    static __m256 fma_masked(__m256 m, __m256 a, __m256 b, __m256 c) {
        return _mm256_blendv_ps(c, _mm256_fmadd_ps(a, b, c), m);
    }
    // dst[j * ldd + i] = src[i * lds + j] for i, j < 8.
    static void transpose(const float* src, int64_t lds, float* dst, int64_t ldd) {
        __m256 r[8], t[8];
        for (int i = 0; i < 8; ++i) r[i] = _mm256_loadu_ps(src + i * lds);
        for (int i = 0; i < 4; ++i) {
            t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
            t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
        }
        for (int i = 0; i < 2; ++i) {
            r[4 * i] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
            r[4 * i + 1] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);
            r[4 * i + 2] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
            r[4 * i + 3] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
        }
        for (int k = 0; k < 4; ++k) {
            _mm256_storeu_ps(dst + k * ldd, _mm256_permute2f128_ps(r[k], r[4 + k], 0x20));
            _mm256_storeu_ps(dst + (4 + k) * ldd, _mm256_permute2f128_ps(r[k], r[4 + k], 0x31));
        }
    }
};

}  // namespace

const ConvKernels& conv_kernels_avx2() {
    static const ConvKernels table = make_conv_kernels<Avx2ConvIsa>("avx2");
    return table;
}

}  // namespace rk::cpu
