// AVX-512 kernels: 16 lanes. This file supplies only what is specific to AVX-512: 16 Philox blocks
// per step with their transposition into stream order, and the lane shuffles of word pairs; all
// arithmetic comes from the core templates through Avx512Lanes.
#include <immintrin.h>

#include "kernel_table_impl.h"
#include "lanes_avx512.h"

namespace rk::cpu {
namespace {

struct Avx512Isa : Avx512Lanes {
    static constexpr uint32_t kPhiloxBlocks = 16;

    static void gen(uint64_t block_lo, uint64_t block_hi, const uint32_t key[2], __m512i v[4]) {
        const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        __m512i c0 = _mm512_add_epi32(usplat(static_cast<uint32_t>(block_lo)), iota);
        __m512i c1 = usplat(static_cast<uint32_t>(block_lo >> 32));
        __m512i c2 = usplat(static_cast<uint32_t>(block_hi));
        __m512i c3 = usplat(static_cast<uint32_t>(block_hi >> 32));
        core::philox4x32_rounds<Avx512Lanes>(c0, c1, c2, c3, key[0], key[1], core::kPhiloxDefaultRounds);
        // Lane j holds block j. Transpose so that v[q] holds blocks 4q .. 4q+3, words in order.
        const __m512i t0 = _mm512_unpacklo_epi32(c0, c1);
        const __m512i t1 = _mm512_unpackhi_epi32(c0, c1);
        const __m512i t2 = _mm512_unpacklo_epi32(c2, c3);
        const __m512i t3 = _mm512_unpackhi_epi32(c2, c3);
        const __m512i a = _mm512_unpacklo_epi64(t0, t2);  // blocks 0, 4, 8, 12 (one per 128-bit lane)
        const __m512i b = _mm512_unpackhi_epi64(t0, t2);  // blocks 1, 5, 9, 13
        const __m512i c = _mm512_unpacklo_epi64(t1, t3);  // blocks 2, 6, 10, 14
        const __m512i d = _mm512_unpackhi_epi64(t1, t3);  // blocks 3, 7, 11, 15
        const __m512i p = _mm512_shuffle_i32x4(a, b, 0x44);  // 0, 4, 1, 5
        const __m512i q = _mm512_shuffle_i32x4(c, d, 0x44);  // 2, 6, 3, 7
        const __m512i r = _mm512_shuffle_i32x4(a, b, 0xEE);  // 8, 12, 9, 13
        const __m512i s = _mm512_shuffle_i32x4(c, d, 0xEE);  // 10, 14, 11, 15
        v[0] = _mm512_shuffle_i32x4(p, q, 0x88);  // 0, 1, 2, 3
        v[1] = _mm512_shuffle_i32x4(p, q, 0xDD);  // 4, 5, 6, 7
        v[2] = _mm512_shuffle_i32x4(r, s, 0x88);  // 8, 9, 10, 11
        v[3] = _mm512_shuffle_i32x4(r, s, 0xDD);  // 12, 13, 14, 15
    }

    static void deinterleave(__m512i a, __m512i b, __m512i& even, __m512i& odd) {
        const __m512i even_idx = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        const __m512i odd_idx = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
        even = _mm512_permutex2var_epi32(a, even_idx, b);
        odd = _mm512_permutex2var_epi32(a, odd_idx, b);
    }

    static void store_interleaved(float* dst, __m512 x, __m512 y) {
        const __m512i lo_idx = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
        const __m512i hi_idx = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        _mm512_storeu_ps(dst, _mm512_permutex2var_ps(x, lo_idx, y));
        _mm512_storeu_ps(dst + 16, _mm512_permutex2var_ps(x, hi_idx, y));
    }

    static void store_mask_bytes(uint8_t* dst, __mmask16 m) {
        _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), _mm_maskz_set1_epi8(m, 1));
    }

    static uint32_t mask_bits(__mmask16 m) { return m; }
};

}  // namespace

const KernelTable& kernels_avx512() {
    static const KernelTable table = IsaKernels<Avx512Isa>::table("avx512");
    return table;
}

}  // namespace rk::cpu
