// Small pieces shared by the CPU sampling headers (docs/sampling.md section 2): the infinity constants,
// the loops that turn a vector compare mask into token indices, the writing of a drawn token's outputs
// (through core::sample_prob and core::sample_logprob) and RK_SAMPLING_INLINE. They live here so that
// sampling_topk.h, sampling_candidates.h and sampling_dense.h each stand alone.
#pragma once

#include <cstdint>
#include <limits>
#if defined(_MSC_VER) && !defined(__clang__)
#  include <intrin.h>
#endif

#include "../core/sampling.h"

// For the driver's strategy functions (sampling_impl.h): they are inlined into SampleRow::run, so that
// the compiled driver stays one function, as it was before run() was split into strategies. Left to
// itself, GCC 12 outlines the group-maxima path (top-k with k <= 64), and rows of 128256 tokens then
// took 2-7% longer than before the split.
#if defined(__GNUC__) || defined(__clang__)
#  define RK_SAMPLING_INLINE inline __attribute__((always_inline))
#elif defined(_MSC_VER)
#  define RK_SAMPLING_INLINE __forceinline
#else
#  define RK_SAMPLING_INLINE inline
#endif

namespace rk::cpu {
namespace sampling_detail {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kLowest = -std::numeric_limits<float>::max();

// Index of the lowest set bit of a nonzero mask.
inline uint32_t lowest_bit(uint32_t bits) {
#if defined(_MSC_VER) && !defined(__clang__)
    unsigned long i;
    _BitScanForward(&i, bits);
    return static_cast<uint32_t>(i);
#else
    return static_cast<uint32_t>(__builtin_ctz(bits));
#endif
}

inline uint32_t popcount(uint32_t bits) {
    uint32_t c = 0;
    for (; bits; bits &= bits - 1) ++c;
    return c;
}

// Calls f(j) for every set bit j of `bits`, lowest first.
template <class F>
inline void for_each_bit(uint32_t bits, F&& f) {
    while (bits) {
        f(lowest_bit(bits));
        bits &= bits - 1;
    }
}

// The lanes of v selected by m, in lane order, at dst (which needs room for a whole vector); returns their number.
// The ISA's compress_store_u32 where it has one (AVX-512), else the set bits one by one.
template <class I>
inline uint32_t compress_store(uint32_t* dst, typename I::mask m, typename I::u32 v) {
    if constexpr (requires { I::compress_store_u32(dst, m, v); }) {
        return I::compress_store_u32(dst, m, v);
    } else {
        const uint32_t bits = I::mask_bits(m);
        if (!bits) return 0;
        alignas(64) uint32_t a[I::kWidth];
        I::ustore(a, v);
        uint32_t n = 0;
        for_each_bit(bits, [&](uint32_t j) { dst[n++] = a[j]; });
        return n;
    }
}

// The outputs of a token drawn with weight w out of the kept mass (docs/sampling.md step 11).
inline void set_drawn(core::SampleResult& out, uint32_t token, uint64_t w, uint64_t kept_mass, uint64_t kept) {
    out.token = static_cast<int32_t>(token);
    out.prob = core::sample_prob(w, kept_mass);
    out.logprob = core::sample_logprob(out.prob);
    out.kept = static_cast<int32_t>(kept);
}

}  // namespace sampling_detail
}  // namespace rk::cpu
