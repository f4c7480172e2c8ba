// The passes over a row's raw logits (docs/sampling.md section 2: "Greedy", "Pass 1", "Top-k on logits"):
// greedy's argmax (top-1 needs no more), pass 1 (validation and the largest logit, with the top-k
// threshold filter fused in), the exact k-th largest logit by radix selection on order keys, and the
// largest scaled logit m. No exponential is computed here: greedy's token, m and the top-k threshold
// come from comparisons and correctly rounded divisions, so they are the same on every ISA.
//
// Top-k works on the logits: s >= the k-th largest s  <=>  l >= keep_from, the lowest logit whose
// quotient by T equals the k-th largest logit's (l -> l / T is monotone). The driver (sampling_impl.h)
// chooses how the k-th largest logit is found: from the maxima of 64 groups of positions (small k,
// rows up to 2^17), by the threshold filter (k <= V/16), or by radix selection (the rest).
#pragma once

#include <algorithm>
#include <cstdint>

#include "sampling_common.h"

namespace rk::cpu {
namespace sampling_detail {

// The k-th largest of v[0, n) (1 <= k <= n): radix selection on the order keys (core::float_order_key),
// 8 bits per level, branch-free counting (nth_element's comparisons would be coin-flip branches).
// `keys` holds n entries.
inline float kth_largest_small(const float* v, uint32_t n, uint32_t k, uint32_t* keys) {
    for (uint32_t j = 0; j < n; ++j) keys[j] = core::float_order_key(v[j]);
    uint32_t prefix = 0, need = k;
    for (int shift = 24; shift >= 0; shift -= 8) {
        uint32_t hist[256] = {};
        const uint32_t above = static_cast<uint32_t>(shift) + 8;
        const uint32_t want = above == 32 ? 0 : prefix >> above;
        for (uint32_t j = 0; j < n; ++j) hist[(keys[j] >> shift) & 255u] += (above == 32 ? 0 : keys[j] >> above) == want;
        uint32_t d = 255, acc = 0;
        while (acc + hist[d] < need) acc += hist[d--];
        need -= acc;
        prefix |= d << shift;
    }
    return core::float_from_order_key(prefix);
}

inline void set_greedy(core::SampleResult& out, uint32_t token) {
    out.token = static_cast<int32_t>(token);
    out.prob = 1.0f;
    out.logprob = 0.0f;
    out.kept = 1;
}

// The first NaN / +Inf logit of a row flagged bad by a vector pass.
inline void first_bad_logit(const float* l, uint32_t vocab, core::SampleResult& out) {
    for (uint32_t i = 0; i < vocab; ++i)
        if (!(l[i] < kInf)) {
            out.error = core::SampleError::kBadLogit;
            out.error_index = i;
            return;
        }
}

}  // namespace sampling_detail

template <class I>
struct SampleTopK {
    using F = typename I::f32;
    using U = typename I::u32;
    using M = typename I::mask;
    static constexpr uint32_t W = I::kWidth;

    static M no_lanes() { return I::flt(I::fsplat(0.0f), I::fsplat(0.0f)); }
    static U iota() {  // lane j holds j
        alignas(64) uint32_t v[W];
        for (uint32_t j = 0; j < W; ++j) v[j] = j;
        return I::uload(v);
    }

    // ---- Greedy ------------------------------------------------------------------------------------

    // The smallest index among the maximal logits. Each lane of four independent accumulators keeps its
    // first maximum; they combine by value, then by index; the tail (larger indices) only replaces a
    // strictly larger value.
    static void greedy(const float* l, uint32_t vocab, core::SampleResult& out) {
        using namespace sampling_detail;
        const U step = iota();
        const F inf = I::fsplat(kInf);
        F vmax[4];
        U vidx[4];
        for (int q = 0; q < 4; ++q) vmax[q] = I::fsplat(-kInf), vidx[q] = I::usplat(0);
        M bad = no_lanes();
        uint32_t i = 0;
        auto step_one = [&](int q, uint32_t at) {
            const F x = I::fload(l + at);
            bad = I::mor(bad, I::mnot(I::flt(x, inf)));  // NaN or +Inf
            const M gt = I::fgt(x, vmax[q]);
            vmax[q] = I::fselect(gt, x, vmax[q]);
            vidx[q] = I::uselect(gt, I::uadd(step, I::usplat(at)), vidx[q]);
        };
        for (; i + 4 * W <= vocab; i += 4 * W)
            for (int q = 0; q < 4; ++q) step_one(q, i + q * W);
        for (; i + W <= vocab; i += W) step_one(0, i);
        float best = -kInf;
        uint32_t token = 0;
        for (int q = 0; q < 4; ++q) {
            alignas(64) float mv[W];
            alignas(64) uint32_t mi[W];
            I::fstore(mv, vmax[q]);
            I::ustore(mi, vidx[q]);
            for (uint32_t j = 0; j < W; ++j)
                if (mv[j] > best || (mv[j] == best && mi[j] < token)) best = mv[j], token = mi[j];
        }
        bool bad_any = I::mask_bits(bad) != 0;
        for (; i < vocab; ++i) {
            bad_any |= !(l[i] < kInf);
            if (l[i] > best) best = l[i], token = i;
        }
        if (bad_any) return first_bad_logit(l, vocab, out);
        if (best == -kInf) {
            out.error = core::SampleError::kNoFiniteLogit;
            return;
        }
        set_greedy(out, token);
    }

    // ---- Pass 1 and top-k ----------------------------------------------------------------------------

    // Top-k on the logits: s >= the k-th largest s  <=>  l >= lowest_logit_with_same_scale(k-th largest l)
    // (l -> l / T is monotone, so the k-th largest s is the k-th largest l divided by T). The threshold
    // filter finds the k-th largest l: the buffer holds every value seen that is > theta, where at least
    // k values seen are >= theta; when it fills, theta becomes its k-th largest value and only the values
    // above stay (fewer than k, whatever the ties), so each element costs O(1) amortised.
    struct TopKFilter {
        float* buf;      // capacity cap: values
        uint32_t* idx;   // capacity cap: their indices (ascending)
        float* tmp;      // capacity cap (order keys)
        uint32_t k, cap;
        uint32_t budget;  // pushes allowed before the filter gives up (adversarial orders, huge ties)
        uint32_t n = 0;
        bool cut = false;  // theta is set
        bool gave_up = false;
        float theta = -sampling_detail::kInf;

        // The k-th largest buffered value (k <= n).
        float kth_largest_buffered() const {
            return sampling_detail::kth_largest_small(buf, n, k, reinterpret_cast<uint32_t*>(tmp));
        }
        // Keeps the entries with value > t (or >= t when inclusive), in order.
        void keep_above(float t, bool inclusive = false) {
            uint32_t m = 0;
            for (uint32_t j = 0; j < n; ++j)
                if (buf[j] > t || (inclusive && buf[j] == t)) idx[m] = idx[j], buf[m++] = buf[j];
            n = m;
        }
        // Offers l[first, first + count). The state lives in locals here: idx (uint32_t*) could otherwise
        // alias n and budget, which would put every push through memory.
#if defined(_MSC_VER) && !defined(__clang__)
        __declspec(noinline)
#else
        __attribute__((noinline))
#endif
        void push_chunk(const float* l, uint32_t first, uint32_t count) {
            float th = theta;
            uint32_t nn = n, left = budget;
            auto offer = [&](uint32_t j) {
                const float x = l[j];
                if (!(x > th)) return;  // NaN and -Inf never enter
                if (left == 0) {        // stop filtering: theta = +Inf admits nothing more
                    gave_up = true;
                    th = sampling_detail::kInf;
                    return;
                }
                --left;
                if (nn == cap) {  // cut: theta <- the k-th largest; keep the values above (fewer than k)
                    n = nn;
                    theta = kth_largest_buffered();
                    cut = true;
                    keep_above(theta);
                    nn = n;
                    th = theta;
                    if (!(x > th)) return;
                }
                idx[nn] = j;
                buf[nn] = x;
                ++nn;
            };
            const uint32_t end = first + count;
            uint32_t j = first;
            for (; j + W <= end; j += W) {
                const uint32_t bits = I::mask_bits(I::fgt(I::fload(l + j), I::fsplat(th)));
                if (bits) sampling_detail::for_each_bit(bits, [&](uint32_t b) { offer(j + b); });
            }
            for (; j < end; ++j) offer(j);
            n = nn;
            budget = left;
            theta = th;
        }
        // When every kept logit (>= keep_from) is buffered, the kept list is the buffer cut to them.
        bool holds_all_from(float keep_from) const { return !gave_up && (!cut || keep_from > theta); }
        // The k-th largest logit, or -FLT_MAX when fewer than k logits are finite (every finite one is kept).
        float kth_largest_logit() {
            if (n >= k) return kth_largest_buffered();
            return cut ? theta : sampling_detail::kLowest;
        }
    };

    // Pass 1 keeps the maxima of kGroups interleaved groups of positions; top-k with k <= kGroups uses
    // them on rows of up to kGroupPathMaxVocab tokens (a second pass then reads the row from L2).
    static constexpr uint32_t kGroups = 64;
    static constexpr uint32_t kGroupPathMaxVocab = 1u << 17;
    static constexpr uint32_t kAcc = kGroups / W;

    // Validation and the largest logit; the top-k filter when Filter. Returns false (with the error in
    // `out`) for a NaN / +Inf logit. kGroups / W independent max accumulators (the compare-select chain is
    // latency-bound); their lanes are the maxima of kGroups interleaved groups of positions, written to
    // `groups` when given (-Inf for an empty group). The filter's rare slow path runs out of line, so the
    // loop stays in registers.
    template <bool Filter>
    static bool pass1(const float* l, uint32_t vocab, TopKFilter* filter, core::SampleResult& out, float& lmax,
                      float* groups = nullptr) {
        using namespace sampling_detail;
        static_assert(kGroups % W == 0, "whole vectors per group step");
        const F inf = I::fsplat(kInf);
        F acc[kAcc];
        for (F& a : acc) a = I::fsplat(-kInf);
        M bad = no_lanes();
        uint32_t i = 0;
        for (; i + kGroups <= vocab; i += kGroups) {
            M finite = I::flt(I::fload(l + i), inf);
            for (uint32_t q = 0; q < kAcc; ++q) {
                const F x = I::fload(l + i + q * W);
                if (q) finite = I::mand(finite, I::flt(x, inf));
                acc[q] = I::fselect(I::fgt(x, acc[q]), x, acc[q]);
            }
            bad = I::mor(bad, I::mnot(finite));  // NaN or +Inf
            if constexpr (Filter) {
                const F th = I::fsplat(filter->theta);
                M any = I::fgt(I::fload(l + i), th);
                for (uint32_t q = 1; q < kAcc; ++q) any = I::mor(any, I::fgt(I::fload(l + i + q * W), th));
                if (I::mask_bits(any)) filter->push_chunk(l, i, kGroups);
            }
        }
        float best = -kInf;
        for (uint32_t q = 0; q < kAcc; ++q) {
            alignas(64) float a[W];
            I::fstore(a, acc[q]);
            for (uint32_t j = 0; j < W; ++j) {
                best = a[j] > best ? a[j] : best;
                if (groups) groups[q * W + j] = a[j];
            }
        }
        bool bad_any = I::mask_bits(bad) != 0;
        if constexpr (Filter) filter->push_chunk(l, i, vocab - i);
        for (; i < vocab; ++i) {
            const float x = l[i];
            bad_any |= !(x < kInf);
            best = x > best ? x : best;
        }
        if (bad_any) {
            sampling_detail::first_bad_logit(l, vocab, out);
            return false;
        }
        lmax = best;
        return true;
    }

    // Order keys of float lanes (core::float_order_key): b ^ (sign ? 0xFFFFFFFF : 0x80000000).
    static U order_key(F x) {
        const U b = I::as_u32(x);
        return I::uxor(b, I::uor(I::template sar<31>(b), I::usplat(0x80000000u)));
    }

    // The k-th largest finite logit (kLowest when fewer than k are finite), by an MSB-first radix
    // selection on the order keys with count histograms (digits of 11, 11 and 10 bits; each level after
    // the first only looks at the previous level's bucket). O(V) whatever the values.
    static float kth_largest_radix(const float* l, uint32_t vocab, uint32_t k, uint64_t* hist64) {
        constexpr uint32_t kStride = 2049;  // 2048 digits and a trash entry, four interleaved copies
        static_assert(4 * kStride <= 2 * core::kSampleRadixBuckets, "histogram space");
        uint32_t* h = reinterpret_cast<uint32_t*>(hist64);
        const uint32_t shifts[3] = {21, 10, 0}, masks[3] = {0x7FF, 0x7FF, 0x3FF};
        uint32_t prefix = 0, need = k;
        alignas(64) uint32_t digit[W];
        for (int level = 0; level < 3; ++level) {
            const uint32_t shift = shifts[level], mask = masks[level], above = level ? shifts[level - 1] : 32;
            std::fill(h, h + 4 * kStride, 0u);
            // Members: finite keys whose digits above this level equal the prefix.
            const uint32_t want = above == 32 ? 0 : prefix >> above;
            const U want_v = I::usplat(want), mask_v = I::usplat(mask), trash = I::usplat(2048);
            const F ninf = I::fsplat(-sampling_detail::kInf);
            uint32_t i = 0;
            for (; i + W <= vocab; i += W) {
                const F x = I::fload(l + i);
                const U key = order_key(x);
                U hi_part;
                switch (level) {
                    case 0: hi_part = I::usplat(0); break;
                    case 1: hi_part = I::template shr<21>(key); break;
                    default: hi_part = I::template shr<10>(key); break;
                }
                const M in = I::mand(I::ueq(hi_part, want_v), I::fgt(x, ninf));
                if (!I::mask_bits(in)) continue;
                U d;
                switch (level) {
                    case 0: d = I::template shr<21>(key); break;
                    case 1: d = I::uand(I::template shr<10>(key), mask_v); break;
                    default: d = I::uand(key, mask_v); break;
                }
                I::ustore(digit, I::uselect(in, d, trash));
                for (uint32_t j = 0; j < W; ++j) ++h[(j & 3) * kStride + digit[j]];
            }
            for (; i < vocab; ++i) {
                const uint32_t key = core::float_order_key(l[i]);
                if (l[i] > -sampling_detail::kInf && (above == 32 || (key >> above) == want)) ++h[(key >> shift) & mask];
            }
            uint64_t total = 0;
            for (uint32_t d = 0; d <= mask; ++d) total += h[d] += h[kStride + d] + h[2 * kStride + d] + h[3 * kStride + d];
            if (level == 0 && total < k) return sampling_detail::kLowest;
            uint32_t d = mask, acc = 0;
            while (acc + h[d] < need) acc += h[d--];
            need -= acc;
            prefix |= d << shift;
        }
        return core::float_from_order_key(prefix);
    }

    // m = lmax / T, the largest s; errors when no logit is finite or the quotient is not finite.
    static bool scaled_max(const float* l, uint32_t vocab, float lmax, float temperature, core::SampleResult& out,
                           float& m) {
        using namespace sampling_detail;
        if (lmax == -kInf) {
            out.error = core::SampleError::kNoFiniteLogit;
            return false;
        }
        m = core::sample_scale<core::ScalarLanes>(lmax, temperature);
        if (m == kInf) {
            out.error = core::SampleError::kScaledOverflow;
            for (uint32_t i = 0; i < vocab; ++i)
                if (core::sample_scale<core::ScalarLanes>(l[i], temperature) == kInf) {
                    out.error_index = i;
                    break;
                }
            return false;
        }
        if (m == -kInf) {
            out.error = core::SampleError::kNoFiniteScaled;
            return false;
        }
        return true;
    }

    // The top-k threshold on logits for the k-th largest logit `kth`: the lowest logit whose quotient by T
    // reaches kth / T; kLowest (every finite logit kept) stays as it is.
    static float lowest_kept_logit(float kth, float temperature) {
        return kth == sampling_detail::kLowest ? kth : core::lowest_logit_with_same_scale(kth, temperature);
    }
};

}  // namespace rk::cpu
