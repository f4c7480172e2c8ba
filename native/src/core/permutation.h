// Random-access keyed permutation of [0, N), 1 <= N <= 2^64 - 1 (documented range: N <= 2^63), as a
// pure function of (N, seed, subsequence, index): the same bits on every backend. Definition in
// docs/permutation.md.
//
// Construction: a balanced Feistel network on the domain [0, 2^(2h)), with h the smallest integer
// >= 1 such that 2^(2h) >= N (so h <= 32 and the domain is at most 2^64), plus cycle walking.
//
//   x = (L << h) | R, with L, R in [0, 2^h)
//   rounds: K = 24 for h <= 3 (N <= 64), K = 8 for h >= 4
//   round r = 0..K-1:   (L, R) <- (R, L ^ F_r(R))
//   F_r(R) = philox4x32_10(counter = (R, 0x80500000 | (h << 8) | r, sub lo, sub hi),
//                          key     = (seed lo, seed hi)).w[0]  &  (2^h - 1)
//   apply(i) = y, where y = E(i); while (y >= N) y = E(y)       (E: the K-round network)
//   invert(j) = the same with E^-1 (rounds r = K-1..0, (L, R) <- (R ^ F_r(L), L)).
//
// Why more rounds on tiny domains: with h-bit halves a round function has only 2^(h 2^h) values,
// and a Feistel network mixes slowly there. Measured with 1-4 million keys, 8 rounds leave a ~2%
// relative bias in P(apply(i) = j) for h = 2 (N = 5..15), 7 rounds 1.5%, 6 rounds 8.5%; for h = 1
// the exact total-variation distance of the N = 4 permutation from uniform (ideal round functions)
// is 0.083 * 4^-((K-4)/2): 5e-3 at K = 8, 8e-8 at K = 24. From h = 3 on, no bias was detectable at
// 8 rounds (4M keys, N = 17, 33; 2M keys, N = 65, 100); h = 3 is given 24 rounds as a margin. The
// extra cost only applies to N <= 64.
//
// Domain separation from streams: a stream word (docs/spec.md section 2) lives in a block whose
// counter words 0-1 are floor((offset + i) / 4) < 2^63 (offset, i < 2^64), so its counter word 1 is
// below 2^31. Every Philox block used here has bit 31 of counter word 1 set ("0x80" marks derived
// uses, "0x50" = 'P' tags the permutation), so no round-function output is ever a word of any
// stream, whatever the seed and subsequence.
//
// Cycle walking: E is a permutation of the domain, so the orbit of i < N under E is a cycle through
// i, and walking it reaches an element < N (at the latest i itself) after at most D - N + 1 steps,
// D = 2^(2h): it always terminates and the result is a bijection of [0, N) whose inverse is the
// walk under E^-1. For N >= 2, D < 4N (2^(2h-2) < N by minimality of h). Summed over all i in
// [0, N), the walks visit each domain element at most once, so the AVERAGE number of E evaluations
// per index is at most D / N < 4 for every key (exactly D / N when every cycle meets [0, N)). For
// one index, a walk of length > k has probability about (1 - N/D)^k <= (3/4)^k under the PRP
// model (about 3e-13 for k = 100); the deterministic worst case is D - N + 1 < 3N evaluations.
//
// No exceptions, no containers, no floating point, no libm: everything is RK_HD.
#pragma once

#include <cstdint>

#include "philox.h"
#include "rk_platform.h"

namespace rk::core {

constexpr uint32_t kPermutationFeistelRounds = 8;        // h >= 4; Luby-Rackoff needs >= 4
constexpr uint32_t kPermutationSmallFeistelRounds = 24;  // h <= 3 (N <= 64): tiny domains
constexpr uint32_t kPermutationSmallMaxHalfBits = 3;
constexpr uint32_t kPermutationCounterTag = 0x80500000u;  // bit 31: not a stream block; 'P'

struct Permutation {
    uint64_t n;         // size of the permuted range [0, n), n >= 1
    uint32_t h;         // bits per Feistel half, 1..32; the domain is [0, 2^(2h))
    uint32_t rounds;    // Feistel rounds: 24 for h <= 3, 8 otherwise
    uint32_t mask;      // 2^h - 1
    uint32_t key[2];    // Philox key: (seed lo, seed hi)
    uint32_t ctr1;      // counter word 1 less the round number: kPermutationCounterTag | (h << 8)
    uint32_t ctr_hi[2]; // counter words 2, 3: (subsequence lo, subsequence hi)
};

// Sets up the permutation of [0, n) for (seed, subsequence). Returns false for n == 0 (p is then
// all zeros, an invalid permutation that must not be applied); every n in [1, 2^64 - 1] is accepted
// (the documented range is n <= 2^63).
RK_HD bool permutation_init(Permutation& p, uint64_t n, uint64_t seed, uint64_t subsequence) {
    if (n == 0) {
        p.n = 0;
        p.h = 0;
        p.rounds = 0;
        p.mask = 0;
        p.key[0] = p.key[1] = 0;
        p.ctr1 = 0;
        p.ctr_hi[0] = p.ctr_hi[1] = 0;
        return false;
    }
    uint32_t h = 1;
    // Smallest h >= 1 with 2^(2h) >= n; 2^(2h) for h < 32 fits in a u64, and h = 32 covers all n.
    while (h < 32 && (uint64_t{1} << (2 * h)) < n) ++h;
    p.n = n;
    p.h = h;
    p.rounds = h <= kPermutationSmallMaxHalfBits ? kPermutationSmallFeistelRounds
                                                  : kPermutationFeistelRounds;
    p.mask = static_cast<uint32_t>((uint64_t{1} << h) - 1u);  // h <= 32: no overflowing shift
    p.key[0] = static_cast<uint32_t>(seed);
    p.key[1] = static_cast<uint32_t>(seed >> 32);
    p.ctr1 = kPermutationCounterTag | (h << 8);
    p.ctr_hi[0] = static_cast<uint32_t>(subsequence);
    p.ctr_hi[1] = static_cast<uint32_t>(subsequence >> 32);
    return true;
}

// Round function F_r(R): h bits, a pure function of (R, r, h, seed, subsequence).
RK_HD uint32_t permutation_round(const Permutation& p, uint32_t r, uint32_t half) {
    const uint32_t counter[4] = {half, p.ctr1 | r, p.ctr_hi[0], p.ctr_hi[1]};
    return philox4x32(counter, p.key, kPhiloxDefaultRounds).w[0] & p.mask;
}

// One pass of the Feistel network on the domain [0, 2^(2h)): E(x).
RK_HD uint64_t permutation_feistel_forward(const Permutation& p, uint64_t x) {
    uint32_t l = static_cast<uint32_t>(x >> p.h);  // h <= 32: shifts of a u64 by at most 32
    uint32_t r = static_cast<uint32_t>(x) & p.mask;
    for (uint32_t k = 0; k < p.rounds; ++k) {
        const uint32_t t = l ^ permutation_round(p, k, r);
        l = r;
        r = t;
    }
    return (static_cast<uint64_t>(l) << p.h) | r;
}

// E^-1(y): the rounds backwards.
RK_HD uint64_t permutation_feistel_backward(const Permutation& p, uint64_t y) {
    uint32_t l = static_cast<uint32_t>(y >> p.h);
    uint32_t r = static_cast<uint32_t>(y) & p.mask;
    for (uint32_t k = p.rounds; k-- > 0;) {
        const uint32_t t = r ^ permutation_round(p, k, l);
        r = l;
        l = t;
    }
    return (static_cast<uint64_t>(l) << p.h) | r;
}

// Image of i (i < p.n; the caller validates: for i >= n the walk need not terminate). For n == 1
// this is 0 (the identity).
RK_HD uint64_t permutation_apply(const Permutation& p, uint64_t i) {
    uint64_t y = permutation_feistel_forward(p, i);
    while (y >= p.n) y = permutation_feistel_forward(p, y);
    return y;
}

// Preimage of j (j < p.n): permutation_invert(p, permutation_apply(p, i)) == i.
RK_HD uint64_t permutation_invert(const Permutation& p, uint64_t j) {
    uint64_t x = permutation_feistel_backward(p, j);
    while (x >= p.n) x = permutation_feistel_backward(p, x);
    return x;
}

}  // namespace rk::core
