// SHA-256 blocks with the ARMv8 SHA2 instructions (compiled with -march=armv8-a+crypto for this file only;
// sha256.cpp calls it only where the OS reports SHA2, HWCAP_SHA2 on Linux). sha256h/sha256h2 do four rounds on the
// state as ABCD and EFGH; sha256su0/su1 extend the message schedule.
#include <arm_neon.h>

#include <utility>

#include "sha256_blocks.h"

namespace rk::verify {
namespace {

// Rounds 4g .. 4g+3: w[g mod 4] holds W[4g .. 4g+3]; groups 0..11 then replace it by W[4g+16 .. 4g+19].
template <int G>
inline void four_rounds(uint32x4_t& abcd, uint32x4_t& efgh, uint32x4_t (&w)[4]) {
    constexpr int cur = G % 4;
    const uint32x4_t wk = vaddq_u32(w[cur], vld1q_u32(kSha256RoundConstants + 4 * G));
    if constexpr (G < 12) w[cur] = vsha256su0q_u32(w[cur], w[(G + 1) % 4]);
    const uint32x4_t abcd_in = abcd;
    abcd = vsha256hq_u32(abcd, efgh, wk);
    efgh = vsha256h2q_u32(efgh, abcd_in, wk);
    if constexpr (G < 12) w[cur] = vsha256su1q_u32(w[cur], w[(G + 2) % 4], w[(G + 3) % 4]);
}

template <int... G>
inline void all_rounds(uint32x4_t& abcd, uint32x4_t& efgh, uint32x4_t (&w)[4], std::integer_sequence<int, G...>) {
    (four_rounds<G>(abcd, efgh, w), ...);
}

}  // namespace

void sha256_blocks_armv8(uint32_t h[8], const uint8_t* data, size_t blocks) {
    uint32x4_t abcd = vld1q_u32(h);
    uint32x4_t efgh = vld1q_u32(h + 4);
    for (size_t b = 0; b < blocks; ++b, data += 64) {
        const uint32x4_t abcd_in = abcd, efgh_in = efgh;
        uint32x4_t w[4];
        for (int j = 0; j < 4; ++j) w[j] = vreinterpretq_u32_u8(vrev32q_u8(vld1q_u8(data + 16 * j)));  // big-endian words
        all_rounds(abcd, efgh, w, std::make_integer_sequence<int, 16>{});
        abcd = vaddq_u32(abcd, abcd_in);
        efgh = vaddq_u32(efgh, efgh_in);
    }
    vst1q_u32(h, abcd);
    vst1q_u32(h + 4, efgh);
}

}  // namespace rk::verify
