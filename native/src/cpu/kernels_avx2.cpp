// AVX2 kernels: 8 lanes. This file supplies only what is specific to AVX2: 8 Philox blocks per step
// with their transposition into stream order, and the lane shuffles of word pairs; all arithmetic
// comes from the core templates through Avx2Lanes.
#include <immintrin.h>

#include <cstring>

#include "kernel_table_impl.h"
#include "lanes_avx2.h"

namespace rk::cpu {
namespace {

struct Avx2Isa : Avx2Lanes {
    static constexpr uint32_t kPhiloxBlocks = 8;

    static void gen(uint64_t block_lo, uint64_t block_hi, const uint32_t key[2], __m256i v[4]) {
        const __m256i iota = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
        __m256i c0 = _mm256_add_epi32(usplat(static_cast<uint32_t>(block_lo)), iota);
        __m256i c1 = usplat(static_cast<uint32_t>(block_lo >> 32));
        __m256i c2 = usplat(static_cast<uint32_t>(block_hi));
        __m256i c3 = usplat(static_cast<uint32_t>(block_hi >> 32));
        core::philox4x32_rounds<Avx2Lanes>(c0, c1, c2, c3, key[0], key[1], core::kPhiloxDefaultRounds);
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

    static void deinterleave(__m256i a, __m256i b, __m256i& even, __m256i& odd) {
        const __m256 fa = _mm256_castsi256_ps(a), fb = _mm256_castsi256_ps(b);
        // Per 128-bit half: (a0 a2 b0 b2 | a4 a6 b4 b6); then 64-bit units reordered 0, 2, 1, 3.
        const __m256 e = _mm256_shuffle_ps(fa, fb, _MM_SHUFFLE(2, 0, 2, 0));
        const __m256 o = _mm256_shuffle_ps(fa, fb, _MM_SHUFFLE(3, 1, 3, 1));
        even = _mm256_permute4x64_epi64(_mm256_castps_si256(e), _MM_SHUFFLE(3, 1, 2, 0));
        odd = _mm256_permute4x64_epi64(_mm256_castps_si256(o), _MM_SHUFFLE(3, 1, 2, 0));
    }

    static void store_interleaved(float* dst, __m256 x, __m256 y) {
        const __m256 lo = _mm256_unpacklo_ps(x, y);  // x0 y0 x1 y1 | x4 y4 x5 y5
        const __m256 hi = _mm256_unpackhi_ps(x, y);  // x2 y2 x3 y3 | x6 y6 x7 y7
        _mm256_storeu_ps(dst, _mm256_permute2f128_ps(lo, hi, 0x20));
        _mm256_storeu_ps(dst + 8, _mm256_permute2f128_ps(lo, hi, 0x31));
    }

    static uint32_t mask_bits(__m256 m) { return static_cast<uint32_t>(_mm256_movemask_ps(m)); }

    // Lane k set iff bit k of `bits` is (higher bits ignored).
    static __m256 mask_from_bits(uint32_t bits) {
        const __m256i lane_bit = _mm256_setr_epi32(1, 2, 4, 8, 16, 32, 64, 128);
        const __m256i b = _mm256_and_si256(_mm256_set1_epi32(static_cast<int>(bits)), lane_bit);
        return _mm256_castsi256_ps(_mm256_cmpeq_epi32(b, lane_bit));
    }
    // Lane k set iff p[k] != 0.
    static __m256 mask_from_bytes(const uint8_t* p) {
        uint64_t eight;
        std::memcpy(&eight, p, 8);
        const __m256i w = _mm256_cvtepu8_epi32(_mm_cvtsi64_si128(static_cast<long long>(eight)));
        return mnot(_mm256_castsi256_ps(_mm256_cmpeq_epi32(w, _mm256_setzero_si256())));
    }

    // Non-temporal stores of 32-byte-aligned vectors, for outputs too large to stay in cache.
    static constexpr bool kStreamStores = true;
    static constexpr uintptr_t kStreamAlign = 32;
    static void stream_store(float* p, __m256 a) { _mm256_stream_ps(p, a); }
    static void stream_fence() { _mm_sfence(); }

    // Spreads the 8 mask bits to 8 bytes (bit k -> byte k) with three shift-and-mask steps.
    static void store_mask_bytes(uint8_t* dst, __m256 m) {
        uint64_t x = mask_bits(m);
        x = (x | (x << 28)) & 0x0000000F0000000Full;
        x = (x | (x << 14)) & 0x0003000300030003ull;
        x = (x | (x << 7)) & 0x0101010101010101ull;
        std::memcpy(dst, &x, 8);
    }
};

}  // namespace

const KernelTable& kernels_avx2() {
    static const KernelTable table = IsaKernels<Avx2Isa>::table("avx2");
    return table;
}

}  // namespace rk::cpu
