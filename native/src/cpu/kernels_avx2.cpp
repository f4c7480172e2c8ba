// AVX2 kernels: 8 Philox blocks per step, one per 32-bit lane. Arithmetic comes from the core
// templates; this file supplies 8-lane operations and the transposition into stream order.
#include <immintrin.h>

#include "../core/philox.h"
#include "../core/uniform.h"
#include "kernels.h"
#include "philox_fill.h"

namespace rk::cpu {
namespace {

struct Avx2Ops {
    using vec = __m256i;
    using fvec = __m256;
    static void mulhilo(__m256i a, uint32_t m, __m256i& hi, __m256i& lo) {
        const __m256i mv = _mm256_set1_epi32(static_cast<int>(m));
        const __m256i even = _mm256_mul_epu32(a, mv);
        const __m256i odd = _mm256_mul_epu32(_mm256_srli_epi64(a, 32), mv);
        hi = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
        lo = _mm256_mullo_epi32(a, mv);
    }
    static __m256i bxor(__m256i a, __m256i b) { return _mm256_xor_si256(a, b); }
    static __m256i splat(uint32_t k) { return _mm256_set1_epi32(static_cast<int>(k)); }
    // AVX2 has no unsigned conversion: hi16 * 2^16 and lo16 are exact floats, so their sum is the
    // correctly rounded value of w (one rounding), exactly like a direct conversion.
    static __m256 u32_to_f32(__m256i w) {
        const __m256 hi = _mm256_cvtepi32_ps(_mm256_srli_epi32(w, 16));
        const __m256 lo = _mm256_cvtepi32_ps(_mm256_and_si256(w, _mm256_set1_epi32(0xFFFF)));
        return _mm256_add_ps(_mm256_mul_ps(hi, _mm256_set1_ps(65536.0f)), lo);
    }
    static __m256 fmul(__m256 a, __m256 b) { return _mm256_mul_ps(a, b); }
    static __m256 fadd(__m256 a, __m256 b) { return _mm256_add_ps(a, b); }
    static __m256 fsplat(float a) { return _mm256_set1_ps(a); }
};

struct Avx2Philox {
    static constexpr uint32_t kLanes = 8;
    using vec = __m256i;
    static void gen(uint64_t block_lo, uint64_t block_hi, const uint32_t key[2], __m256i v[4]) {
        const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        __m256i c0 = _mm256_add_epi32(_mm256_set1_epi32(static_cast<int>(static_cast<uint32_t>(block_lo))), iota);
        __m256i c1 = _mm256_set1_epi32(static_cast<int>(static_cast<uint32_t>(block_lo >> 32)));
        __m256i c2 = _mm256_set1_epi32(static_cast<int>(static_cast<uint32_t>(block_hi)));
        __m256i c3 = _mm256_set1_epi32(static_cast<int>(static_cast<uint32_t>(block_hi >> 32)));
        core::philox4x32_rounds<Avx2Ops>(c0, c1, c2, c3, key[0], key[1], core::kPhiloxDefaultRounds);
        const __m256i t0 = _mm256_unpacklo_epi32(c0, c1);
        const __m256i t1 = _mm256_unpackhi_epi32(c0, c1);
        const __m256i t2 = _mm256_unpacklo_epi32(c2, c3);
        const __m256i t3 = _mm256_unpackhi_epi32(c2, c3);
        const __m256i a = _mm256_unpacklo_epi64(t0, t2);  // blocks 0, 4
        const __m256i b = _mm256_unpackhi_epi64(t0, t2);  // blocks 1, 5
        const __m256i c = _mm256_unpacklo_epi64(t1, t3);  // blocks 2, 6
        const __m256i d = _mm256_unpackhi_epi64(t1, t3);  // blocks 3, 7
        v[0] = _mm256_permute2x128_si256(a, b, 0x20);  // 0, 1
        v[1] = _mm256_permute2x128_si256(c, d, 0x20);  // 2, 3
        v[2] = _mm256_permute2x128_si256(a, b, 0x31);  // 4, 5
        v[3] = _mm256_permute2x128_si256(c, d, 0x31);  // 6, 7
    }
};

struct U32Sink {
    using out_t = uint32_t;
    static uint32_t scalar(uint32_t w) { return w; }
    static void store(uint32_t* dst, const __m256i v[4]) {
        for (int q = 0; q < 4; ++q) _mm256_storeu_si256(reinterpret_cast<__m256i*>(dst + 8 * q), v[q]);
    }
};

struct UniformSink {
    using out_t = float;
    static float scalar(uint32_t w) { return core::uniform_from_word(w); }
    static void store(float* dst, const __m256i v[4]) {
        for (int q = 0; q < 4; ++q) _mm256_storeu_ps(dst + 8 * q, core::u32_to_uniform<Avx2Ops>(v[q]));
    }
};

void fill_u32(const core::PhiloxStream& s, uint64_t first, uint32_t* out, uint64_t n) {
    fill_stream<Avx2Philox, U32Sink>(s, first, out, n);
}
void fill_uniform(const core::PhiloxStream& s, uint64_t first, float* out, uint64_t n) {
    fill_stream<Avx2Philox, UniformSink>(s, first, out, n);
}

}  // namespace

const KernelTable& kernels_avx2() {
    static const KernelTable table{"avx2", fill_u32, fill_uniform};
    return table;
}

}  // namespace rk::cpu
