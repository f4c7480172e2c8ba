// Philox4x32-R block function (Salmon et al., SC'11; Random123), written once for every backend.
//
// The round is a template over an "ops" type so that the scalar backend, the CUDA kernels and the
// SIMD kernels (whose ops act on 8 or 16 lanes at once) all run this same sequence of operations; the lanes types
// (core/lanes_scalar.h, cpu/lanes_<isa>.h) are such ops types, ScalarLanes the reference one.
// An ops type provides: `vec` (the lane type), `mulhilo(a, M, &hi, &lo)` for a constant multiplier,
// `bxor(a, b)` and `splat(k)` (the round keys are bumped as scalars, then splatted).
#pragma once

#include <cstdint>

#include "lanes_scalar.h"
#include "rk_platform.h"

namespace rk::core {

constexpr uint32_t kPhiloxM0 = 0xD2511F53u;  // round multipliers
constexpr uint32_t kPhiloxM1 = 0xCD9E8D57u;
constexpr uint32_t kPhiloxW0 = 0x9E3779B9u;  // Weyl key increments (golden ratio, sqrt(3) - 1)
constexpr uint32_t kPhiloxW1 = 0xBB67AE85u;
constexpr int kPhiloxDefaultRounds = 10;

// One Philox4x32 round on (c0..c3) with round key (k0, k1).
template <class Ops>
RK_HD void philox4x32_round(typename Ops::vec& c0, typename Ops::vec& c1, typename Ops::vec& c2,
                            typename Ops::vec& c3, typename Ops::vec k0, typename Ops::vec k1) {
    typename Ops::vec hi0, lo0, hi1, lo1;
    Ops::mulhilo(c0, kPhiloxM0, hi0, lo0);
    Ops::mulhilo(c2, kPhiloxM1, hi1, lo1);
    typename Ops::vec n0 = Ops::bxor(Ops::bxor(hi1, c1), k0);
    typename Ops::vec n2 = Ops::bxor(Ops::bxor(hi0, c3), k1);
    c0 = n0;
    c1 = lo1;
    c2 = n2;
    c3 = lo0;
}

// Philox4x32 with `rounds` rounds, in place on the counter lanes: the key is bumped by the Weyl
// constants between rounds, never before the first.
template <class Ops>
RK_HD void philox4x32_rounds(typename Ops::vec& c0, typename Ops::vec& c1, typename Ops::vec& c2,
                             typename Ops::vec& c3, uint32_t key0, uint32_t key1, int rounds) {
    for (int r = 0; r < rounds; ++r) {
        philox4x32_round<Ops>(c0, c1, c2, c3, Ops::splat(key0), Ops::splat(key1));
        key0 += kPhiloxW0;
        key1 += kPhiloxW1;
    }
}

// The same rounds on N independent sets of counter lanes c[n][0..3] with the same key, interleaved
// round by round so that a SIMD backend keeps N multiply chains in flight.
template <class Ops, int N>
RK_HD void philox4x32_rounds_sets(typename Ops::vec (&c)[N][4], uint32_t key0, uint32_t key1, int rounds) {
#if defined(__GNUC__) && !defined(__clang__) && !defined(__CUDACC__)
#  pragma GCC unroll 10
#endif
    for (int r = 0; r < rounds; ++r) {
        for (int n = 0; n < N; ++n)
            philox4x32_round<Ops>(c[n][0], c[n][1], c[n][2], c[n][3], Ops::splat(key0), Ops::splat(key1));
        key0 += kPhiloxW0;
        key1 += kPhiloxW1;
    }
}

struct Philox4x32Block {
    uint32_t w[4];
};

// philox4x32_R(counter, key) for one block.
RK_HD Philox4x32Block philox4x32(const uint32_t counter[4], const uint32_t key[2],
                                 int rounds = kPhiloxDefaultRounds) {
    uint32_t c0 = counter[0], c1 = counter[1], c2 = counter[2], c3 = counter[3];
    philox4x32_rounds<ScalarLanes>(c0, c1, c2, c3, key[0], key[1], rounds);
    Philox4x32Block b;
    b.w[0] = c0;
    b.w[1] = c1;
    b.w[2] = c2;
    b.w[3] = c3;
    return b;
}

}  // namespace rk::core
