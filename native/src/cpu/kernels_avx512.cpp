// AVX-512 kernels: 16 lanes. This file supplies only what is specific to AVX-512: 16 Philox blocks
// per step (32 for dropout's keep bits) with their transposition into stream order, and the lane
// shuffles of word pairs; all arithmetic comes from the core templates through Avx512Lanes and
// Wide64Ops.
#include <immintrin.h>

#include "kernel_table_impl.h"
#include "lanes_avx512.h"

namespace rk::cpu {
namespace {

// Philox ops on one block per 64-bit lane, the value in the low 32 bits and anything in the high 32
// bits: vpmuludq reads only the low halves, so hi = product >> 32 is clean and lo = the product
// itself (its low half is the low word). The same core round (philox4x32_round) runs on these lanes.
struct Wide64Ops {
    using vec = __m512i;
    static void mulhilo(vec a, uint32_t m, vec& hi, vec& lo) {
        const vec p = _mm512_mul_epu32(a, _mm512_set1_epi32(static_cast<int>(m)));
        hi = _mm512_srli_epi64(p, 32);
        lo = p;
    }
    static vec bxor(vec a, vec b) { return _mm512_xor_si512(a, b); }
    static vec splat(uint32_t k) { return _mm512_set1_epi32(static_cast<int>(k)); }
};

struct Avx512Isa : Avx512Lanes {
    static constexpr uint32_t kPhiloxBlocks = 16;

    // Sets of 8 blocks, one block per 64-bit lane with its word in the low 32 bits (the high halves are
    // don't-care): vpmuludq then gives a block's whole 64-bit product, so a round needs no shuffles to
    // split and rejoin even and odd lanes (see Wide64Ops). v[2h], v[2h + 1] = the words of set h's
    // blocks 8h .. 8h+3 and 8h+4 .. 8h+7, in stream order.
    template <int N>
    RK_CPU_INLINE static void gen_sets(uint64_t block_lo, uint64_t block_hi, const uint32_t key[2], __m512i* v) {
        const __m512i iota = _mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7);
        // Low counter words of the blocks; the caller guarantees they do not wrap.
        const __m512i base = _mm512_add_epi64(_mm512_set1_epi64(static_cast<uint32_t>(block_lo)), iota);
        __m512i c[N][4];
        for (int h = 0; h < N; ++h) {
            c[h][0] = _mm512_add_epi64(base, _mm512_set1_epi64(8 * h));
            c[h][1] = usplat(static_cast<uint32_t>(block_lo >> 32));
            c[h][2] = usplat(static_cast<uint32_t>(block_hi));
            c[h][3] = usplat(static_cast<uint32_t>(block_hi >> 32));
        }
        core::philox4x32_rounds_sets<Wide64Ops, N>(c, key[0], key[1], core::kPhiloxDefaultRounds);
        // Words 0 and 1 (2 and 3) of each block side by side, then the blocks in order.
        const __m512i pair = _mm512_setr_epi32(0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30);
        const __m512i low4 = _mm512_setr_epi64(0, 8, 1, 9, 2, 10, 3, 11);
        const __m512i high4 = _mm512_setr_epi64(4, 12, 5, 13, 6, 14, 7, 15);
        for (int h = 0; h < N; ++h) {
            const __m512i w01 = _mm512_permutex2var_epi32(c[h][0], pair, c[h][1]);
            const __m512i w23 = _mm512_permutex2var_epi32(c[h][2], pair, c[h][3]);
            v[2 * h] = _mm512_permutex2var_epi64(w01, low4, w23);
            v[2 * h + 1] = _mm512_permutex2var_epi64(w01, high4, w23);
        }
    }

    RK_CPU_INLINE static void gen(uint64_t block_lo, uint64_t block_hi, const uint32_t key[2], __m512i v[4]) {
        gen_sets<2>(block_lo, block_hi, key, v);
    }

    // Dropout's generator: 32 blocks, so that four multiply chains overlap (about 9 % faster than 16).
    static constexpr uint32_t kWideBlocks = 32;
    RK_CPU_INLINE static void gen_wide(uint64_t block_lo, uint64_t block_hi, const uint32_t key[2], __m512i v[8]) {
        gen_sets<4>(block_lo, block_hi, key, v);
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

    // Token sampling's exact weight sums (sampling_dense.h, MassAcc): w = floor(e 2^43) for e in [0, 1] is the
    // truncating conversion of the exact product e 2^43 < 2^44 to a 64-bit integer, summed in 64-bit lanes.
    struct SampleMassAcc {
        __m512i sum = _mm512_setzero_si512();
        uint64_t cnt = 0;
        void add(__m512 e, __mmask16 sel) {
            const __m512 x = _mm512_mul_ps(e, _mm512_set1_ps(0x1p43f));
            sum = _mm512_mask_add_epi64(sum, static_cast<__mmask8>(sel), sum,
                                        _mm512_cvttps_epu64(_mm512_castps512_ps256(x)));
            sum = _mm512_mask_add_epi64(sum, static_cast<__mmask8>(sel >> 8), sum,
                                        _mm512_cvttps_epu64(_mm512_extractf32x8_ps(x, 1)));
            cnt += popcount16(sel);
        }
        uint64_t mass() const { return static_cast<uint64_t>(_mm512_reduce_add_epi64(sum)); }
        uint64_t count() const { return cnt; }
    };
    static uint32_t popcount16(__mmask16 m) {
#if defined(_MSC_VER) && !defined(__clang__)
        return static_cast<uint32_t>(__popcnt(m));
#else
        return static_cast<uint32_t>(__builtin_popcount(m));
#endif
    }
    // The lanes of v selected by m, stored contiguously at dst (16 values are written); their number. (A compress
    // to a register and a plain store: the compress straight to memory is microcoded on AMD.)
    static uint32_t compress_store_u32(uint32_t* dst, __mmask16 m, __m512i v) {
        _mm512_storeu_si512(dst, _mm512_maskz_compress_epi32(m, v));
        return popcount16(m);
    }
    static __mmask16 mask_from_bits(uint32_t bits) { return _cvtu32_mask16(bits); }  // lanes 0..15 = bits 0..15
    static __mmask16 mask_from_bytes(const uint8_t* p) {                          // lane k = (p[k] != 0)
        const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
        return _mm_test_epi8_mask(b, b);
    }

    // Non-temporal stores of 64-byte-aligned vectors, for outputs too large to stay in cache.
    static constexpr bool kStreamStores = true;
    static constexpr uintptr_t kStreamAlign = 64;
    static void stream_store(float* p, __m512 a) { _mm512_stream_ps(p, a); }
    static void stream_fence() { _mm_sfence(); }
};

}  // namespace

const KernelTable& kernels_avx512() {
    static const KernelTable table = IsaKernels<Avx512Isa>::table("avx512");
    return table;
}

}  // namespace rk::cpu
