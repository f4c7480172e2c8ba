// The canonical sum (docs/training.md section 0): the one order in which ReproKit adds up a long vector of floats,
// written once for every backend and reused by every operation that needs a long reduction (the loss's row sums and
// batch sum, global average pooling; normalization later).
//
//   sum(v[0, n)):
//     1. chunks of kSumChunk = 2048 consecutive elements (the last may be shorter);
//     2. in a chunk, kSumLanes = 16 partial sums: lane l starts at +0 and adds the chunk's elements l, l + 16, ...
//        in ascending order; the lanes are combined by the fixed tree t[l] = p[l] + p[l + 8], u[l] = t[l] + t[l + 4],
//        w[l] = u[l] + u[l + 2], chunk sum w[0] + w[1] (sum_lanes_tree);
//     3. total = +0, then total = total + S_k for the chunks in order. (The doc's "total = S_0" is the same: no
//        partial sum is ever -0, see below, and +0 + x = x for every other x.)
//
// No partial sum is ever -0: a lane starts at +0, and in round-to-nearest x + y is -0 only when both are -0. So
// adding +0 to a lane changes nothing, which lets SIMD code pad a chunk's tail with +0, and the result of any sum
// (of -0s too, and the empty sum) is never -0.
//
// Interface:
//   canonical_sum(n, get)            the definition, scalar, for any element accessor get(i) (host and device);
//   sum_lanes_tree(p)                the chunk tree over 16 lane sums;
//   SumLanes<L>                      the 16 lane sums held in 16 / L::kWidth registers of a lanes type (one AVX-512
//                                    register, two AVX2 registers, four NEON registers, 16 scalars): add(v) adds the
//                                    16 elements v[0, 16) of a chunk (element l to lane l), finish() is the chunk sum;
//   canonical_sum_lanes<L>(v, n)     the whole sum of a contiguous vector with SumLanes<L>, several chunks at once;
//   SumTotal                         step 3 (chunk sums in order).
// A device (one GPU thread per lane) runs the same additions: see cuda/kernels/reduce_kernels.cuh.
//
// Error (absent overflow): |sum - exact| <= gamma_d * sum |v_i|, d = ceil(min(n, 2048) / 16) + ceil(n / 2048) + 2,
// gamma_d = d u / (1 - d u), u = 2^-24 (an element passes at most 127 lane additions, 4 tree levels and one addition
// per later chunk).
#pragma once

#include <cstdint>

#include "lanes_scalar.h"
#include "rk_platform.h"

namespace rk::core {

constexpr int64_t kSumChunk = 2048;  // elements per chunk
constexpr int kSumLanes = 16;        // partial sums per chunk

// The chunk sum from its 16 lane sums: t[l] = p[l] + p[l + 8], u[l] = t[l] + t[l + 4], w[l] = u[l] + u[l + 2],
// w[0] + w[1].
RK_HD float sum_lanes_tree(const float p[kSumLanes]) {
    using S = ScalarLanes;
    float t[8], u[4];
    for (int l = 0; l < 8; ++l) t[l] = S::fadd(p[l], p[l + 8]);
    for (int l = 0; l < 4; ++l) u[l] = S::fadd(t[l], t[l + 4]);
    return S::fadd(S::fadd(u[0], u[2]), S::fadd(u[1], u[3]));
}

// Step 3: the chunk sums added in chunk order.
struct SumTotal {
    float total = 0.0f;
    RK_HD void add(float chunk_sum) { total = ScalarLanes::fadd(total, chunk_sum); }
};

// The sum of one chunk of m <= kSumChunk elements get(0), ..., get(m - 1), scalar.
template <class Get>
RK_HD float canonical_chunk_sum(int64_t m, Get get) {
    float p[kSumLanes];
    for (int l = 0; l < kSumLanes; ++l) p[l] = 0.0f;
    for (int64_t i = 0; i < m; ++i) p[i % kSumLanes] = ScalarLanes::fadd(p[i % kSumLanes], get(i));
    return sum_lanes_tree(p);
}

// The definition: sum(v[0, n)) with v[i] = get(i), scalar. The empty sum is +0.
template <class Get>
RK_HD float canonical_sum(int64_t n, Get get) {
    SumTotal total;
    for (int64_t c = 0; c < n; c += kSumChunk) {
        const int64_t m = n - c < kSumChunk ? n - c : kSumChunk;
        total.add(canonical_chunk_sum(m, [&](int64_t i) { return get(c + i); }));
    }
    return total.total;
}

// The 16 lane sums of one chunk in 16 / L::kWidth registers of L (lane l of the chunk is lane l % W of register
// l / W). Host SIMD code only (the lanes types' functions are host functions).
template <class L>
struct SumLanes {
    static_assert(kSumLanes % L::kWidth == 0, "a lanes type of 1, 2, 4, 8 or 16 lanes");
    static constexpr int kRegs = kSumLanes / L::kWidth;
    typename L::f32 r[kRegs];

    void zero() {
        for (int j = 0; j < kRegs; ++j) r[j] = L::fsplat(0.0f);
    }
    // Adds chunk elements v[0, 16) (memory) to lanes 0..15.
    void load_add(const float* v) {
        for (int j = 0; j < kRegs; ++j) r[j] = L::fadd(r[j], L::fload(v + j * L::kWidth));
    }
    // Adds 16 elements already in registers (e[j] holds elements j * W .. j * W + W - 1).
    void add(const typename L::f32* e) {
        for (int j = 0; j < kRegs; ++j) r[j] = L::fadd(r[j], e[j]);
    }
    // The chunk sum (the tree over the 16 lanes).
    float finish() const {
        alignas(64) float p[kSumLanes];
        for (int j = 0; j < kRegs; ++j) L::fstore(p + j * L::kWidth, r[j]);
        return sum_lanes_tree(p);
    }
};

// Adds the m < 16 elements v[0, m) of a chunk's tail to lanes 0..m-1 (the others get +0, which changes nothing).
template <class L>
inline void sum_lanes_add_tail(SumLanes<L>& s, const float* v, int64_t m) {
    alignas(64) float pad[kSumLanes];
    for (int l = 0; l < kSumLanes; ++l) pad[l] = l < m ? v[l] : 0.0f;
    s.load_add(pad);
}

// The sum of one chunk of m <= kSumChunk contiguous elements with SumLanes<L>.
template <class L>
inline float canonical_chunk_sum_lanes(const float* v, int64_t m) {
    SumLanes<L> s;
    s.zero();
    int64_t i = 0;
    for (; i + kSumLanes <= m; i += kSumLanes) s.load_add(v + i);
    if (i < m) sum_lanes_add_tail(s, v + i, m - i);
    return s.finish();
}

// sum(v[0, n)) of a contiguous vector with SumLanes<L>: four chunks are summed at once (four independent chains of
// additions, so the adder's latency is hidden) and their sums added in order.
template <class L>
inline float canonical_sum_lanes(const float* v, int64_t n) {
    constexpr int kTogether = 4;
    SumTotal total;
    int64_t c = 0;
    for (; c + kTogether * kSumChunk <= n; c += kTogether * kSumChunk) {
        SumLanes<L> s[kTogether];
        for (int k = 0; k < kTogether; ++k) s[k].zero();
        for (int64_t i = 0; i < kSumChunk; i += kSumLanes)
            for (int k = 0; k < kTogether; ++k) s[k].load_add(v + c + k * kSumChunk + i);
        for (int k = 0; k < kTogether; ++k) total.add(s[k].finish());
    }
    for (; c < n; c += kSumChunk) total.add(canonical_chunk_sum_lanes<L>(v + c, n - c < kSumChunk ? n - c : kSumChunk));
    return total.total;
}

// The error bound's depth d for n elements (above): at most d roundings act on any element.
RK_HD int64_t canonical_sum_depth(int64_t n) {
    const int64_t in_chunk = n < kSumChunk ? n : kSumChunk;
    return (in_chunk + kSumLanes - 1) / kSumLanes + (n + kSumChunk - 1) / kSumChunk + 2;
}

}  // namespace rk::core
