// AVX-512 kernels: 16 Philox blocks per step, one per 32-bit lane. The arithmetic is the core's
// (philox4x32_rounds, u32_to_uniform) instantiated with 16-lane ops; this file only supplies the
// lane operations and the transposition into stream order.
#include <immintrin.h>

#include "../core/philox.h"
#include "../core/uniform.h"
#include "kernels.h"
#include "philox_fill.h"

namespace rk::cpu {
namespace {

struct Avx512Ops {
    using vec = __m512i;
    using fvec = __m512;
    static void mulhilo(__m512i a, uint32_t m, __m512i& hi, __m512i& lo) {
        const __m512i mv = _mm512_set1_epi32(static_cast<int>(m));
        const __m512i even = _mm512_mul_epu32(a, mv);  // 64-bit products of lanes 0, 2, ...
        const __m512i odd = _mm512_mul_epu32(_mm512_srli_epi64(a, 32), mv);
        hi = _mm512_mask_blend_epi32(0xAAAA, _mm512_srli_epi64(even, 32), odd);
        lo = _mm512_mullo_epi32(a, mv);
    }
    static __m512i bxor(__m512i a, __m512i b) { return _mm512_xor_si512(a, b); }
    static __m512i splat(uint32_t k) { return _mm512_set1_epi32(static_cast<int>(k)); }
    static __m512 u32_to_f32(__m512i w) { return _mm512_cvtepu32_ps(w); }  // round to nearest
    static __m512 fmul(__m512 a, __m512 b) { return _mm512_mul_ps(a, b); }
    static __m512 fadd(__m512 a, __m512 b) { return _mm512_add_ps(a, b); }
    static __m512 fsplat(float a) { return _mm512_set1_ps(a); }
};

struct Avx512Philox {
    static constexpr uint32_t kLanes = 16;
    using vec = __m512i;
    static void gen(uint64_t block_lo, uint64_t block_hi, const uint32_t key[2], __m512i v[4]) {
        const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
        __m512i c0 = _mm512_add_epi32(_mm512_set1_epi32(static_cast<int>(static_cast<uint32_t>(block_lo))), iota);
        __m512i c1 = _mm512_set1_epi32(static_cast<int>(static_cast<uint32_t>(block_lo >> 32)));
        __m512i c2 = _mm512_set1_epi32(static_cast<int>(static_cast<uint32_t>(block_hi)));
        __m512i c3 = _mm512_set1_epi32(static_cast<int>(static_cast<uint32_t>(block_hi >> 32)));
        core::philox4x32_rounds<Avx512Ops>(c0, c1, c2, c3, key[0], key[1], core::kPhiloxDefaultRounds);
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
};

struct U32Sink {
    using out_t = uint32_t;
    static uint32_t scalar(uint32_t w) { return w; }
    static void store(uint32_t* dst, const __m512i v[4]) {
        for (int q = 0; q < 4; ++q) _mm512_storeu_si512(dst + 16 * q, v[q]);
    }
};

struct UniformSink {
    using out_t = float;
    static float scalar(uint32_t w) { return core::uniform_from_word(w); }
    static void store(float* dst, const __m512i v[4]) {
        for (int q = 0; q < 4; ++q) _mm512_storeu_ps(dst + 16 * q, core::u32_to_uniform<Avx512Ops>(v[q]));
    }
};

void fill_u32(const core::PhiloxStream& s, uint64_t first, uint32_t* out, uint64_t n) {
    fill_stream<Avx512Philox, U32Sink>(s, first, out, n);
}
void fill_uniform(const core::PhiloxStream& s, uint64_t first, float* out, uint64_t n) {
    fill_stream<Avx512Philox, UniformSink>(s, first, out, n);
}

}  // namespace

const KernelTable& kernels_avx512() {
    static const KernelTable table{"avx512", fill_u32, fill_uniform};
    return table;
}

}  // namespace rk::cpu
