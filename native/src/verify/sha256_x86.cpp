// SHA-256 blocks with the x86 SHA extensions (compiled with -msha -msse4.1 for this file only; sha256.cpp calls it
// only where CPUID reports SHA and SSE4.1). The state lives in two registers as ABEF and CDGH, the layout
// sha256rnds2 works on; each sha256rnds2 does two rounds, sha256msg1/msg2 extend the message schedule.
#include <immintrin.h>

#include <utility>

#include "sha256_blocks.h"

namespace rk::verify {
namespace {

// Rounds 4g .. 4g+3, and the schedule work interleaved with them: w[j] holds W[4i .. 4i+3] for the group i = j mod 4
// in flight. Groups 1..12 start the next words (msg1), groups 3..14 finish the words of group g+1 (msg2).
template <int G>
inline void four_rounds(__m128i& abef, __m128i& cdgh, __m128i (&w)[4]) {
    constexpr int cur = G % 4, next = (G + 1) % 4, prev = (G + 3) % 4;
    __m128i msg = _mm_add_epi32(w[cur], _mm_load_si128(reinterpret_cast<const __m128i*>(kSha256RoundConstants + 4 * G)));
    cdgh = _mm_sha256rnds2_epu32(cdgh, abef, msg);
    if constexpr (G >= 3 && G <= 14)
        w[next] = _mm_sha256msg2_epu32(_mm_add_epi32(w[next], _mm_alignr_epi8(w[cur], w[prev], 4)), w[cur]);
    msg = _mm_shuffle_epi32(msg, 0x0E);  // the upper two words for the second pair of rounds
    abef = _mm_sha256rnds2_epu32(abef, cdgh, msg);
    if constexpr (G >= 1 && G <= 12) w[prev] = _mm_sha256msg1_epu32(w[prev], w[cur]);
}

template <int... G>
inline void all_rounds(__m128i& abef, __m128i& cdgh, __m128i (&w)[4], std::integer_sequence<int, G...>) {
    (four_rounds<G>(abef, cdgh, w), ...);
}

}  // namespace

void sha256_blocks_x86(uint32_t h[8], const uint8_t* data, size_t blocks) {
    const __m128i big_endian = _mm_set_epi64x(0x0c0d0e0f08090a0bLL, 0x0405060700010203LL);  // byte-swap each word
    // h[0..3] = DCBA, h[4..7] = HGFE (lane 0 first) -> ABEF and CDGH.
    const __m128i cdab = _mm_shuffle_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h)), 0xB1);
    const __m128i efgh = _mm_shuffle_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(h + 4)), 0x1B);
    __m128i abef = _mm_alignr_epi8(cdab, efgh, 8);
    __m128i cdgh = _mm_blend_epi16(efgh, cdab, 0xF0);
    for (size_t b = 0; b < blocks; ++b, data += 64) {
        const __m128i abef_in = abef, cdgh_in = cdgh;
        __m128i w[4];
        for (int j = 0; j < 4; ++j)
            w[j] = _mm_shuffle_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(data + 16 * j)), big_endian);
        all_rounds(abef, cdgh, w, std::make_integer_sequence<int, 16>{});
        abef = _mm_add_epi32(abef, abef_in);
        cdgh = _mm_add_epi32(cdgh, cdgh_in);
    }
    // Back to h's order: ABEF, CDGH -> DCBA, HGFE.
    const __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
    const __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(h), _mm_blend_epi16(feba, dchg, 0xF0));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(h + 4), _mm_alignr_epi8(dchg, feba, 8));
}

}  // namespace rk::verify
