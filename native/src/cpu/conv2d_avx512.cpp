// Conv2d kernels, AVX-512: 16 lanes.
#include <immintrin.h>

#include "conv2d_impl.h"
#include "lanes_avx512.h"

namespace rk::cpu {
namespace {

struct Avx512ConvIsa : Avx512Lanes {
    static constexpr int kGemmMR = 6, kGemmNV = 4, kRowMR = 6, kRowNV = 4, kCplxMR = 2, kCplxNV = 4;
    static __mmask16 lanes_in(int lo, int hi) {
        return static_cast<__mmask16>(((1u << hi) - 1u) & ~((1u << lo) - 1u));
    }
    static __m512 load_range(const float* p, int lo, int hi) { return _mm512_maskz_loadu_ps(lanes_in(lo, hi), p); }
    static void store_n(float* p, __m512 v, int n) { _mm512_mask_storeu_ps(p, lanes_in(0, n), v); }
    static __mmask16 range_mask(int lo, int hi) { return lanes_in(lo, hi); }
    static __mmask16 bits_mask(uint32_t bits) { return static_cast<__mmask16>(bits); }
    static __m512 fma_masked(__mmask16 m, __m512 a, __m512 b, __m512 c) { return _mm512_mask3_fmadd_ps(a, b, c, m); }
    // dst[j * ldd + i] = src[i * lds + j] for i, j < 16. (GCC 12 flags the _mm512_undefined_* passthroughs inside its
    // own unpack / shuffle intrinsics as uninitialized; the warning is off for this function only.)
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#endif
    static void transpose(const float* src, int64_t lds, float* dst, int64_t ldd) {
        __m512 r[16], t[16];
        for (int i = 0; i < 16; ++i) r[i] = _mm512_loadu_ps(src + i * lds);
        for (int i = 0; i < 8; ++i) {
            t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
            t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
        }
        for (int i = 0; i < 4; ++i) {
            const __m512d a = _mm512_castps_pd(t[4 * i]), b = _mm512_castps_pd(t[4 * i + 1]);
            const __m512d c = _mm512_castps_pd(t[4 * i + 2]), d = _mm512_castps_pd(t[4 * i + 3]);
            r[4 * i] = _mm512_castpd_ps(_mm512_unpacklo_pd(a, c));
            r[4 * i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(a, c));
            r[4 * i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(b, d));
            r[4 * i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(b, d));
        }
        // r[4 * i + k], 128-bit lane L: rows 4i .. 4i + 3 of column 4L + k.
        for (int k = 0; k < 4; ++k) {
            const __m512 a = _mm512_shuffle_f32x4(r[k], r[4 + k], 0x88), b = _mm512_shuffle_f32x4(r[k], r[4 + k], 0xDD);
            const __m512 c = _mm512_shuffle_f32x4(r[8 + k], r[12 + k], 0x88);
            const __m512 d = _mm512_shuffle_f32x4(r[8 + k], r[12 + k], 0xDD);
            _mm512_storeu_ps(dst + k * ldd, _mm512_shuffle_f32x4(a, c, 0x88));
            _mm512_storeu_ps(dst + (8 + k) * ldd, _mm512_shuffle_f32x4(a, c, 0xDD));
            _mm512_storeu_ps(dst + (4 + k) * ldd, _mm512_shuffle_f32x4(b, d, 0x88));
            _mm512_storeu_ps(dst + (12 + k) * ldd, _mm512_shuffle_f32x4(b, d, 0xDD));
        }
    }
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif
};

}  // namespace

const ConvKernels& conv_kernels_avx512() {
    static const ConvKernels table = make_conv_kernels<Avx512ConvIsa>("avx512");
    return table;
}

}  // namespace rk::cpu
