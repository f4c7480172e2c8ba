// The CPU row driver of token sampling (docs/sampling.md), one template over an ISA description I (the
// lanes of core/lanes_scalar.h plus mask_bits, see kernel_table_impl.h). The vector passes run the core's
// lane templates, so every ISA computes the same s and e bits; everything after them is exact integer
// arithmetic, and every shortcut below only changes which tokens are looked at, never a result.
// Linear in the vocabulary size V (no sort of the vocabulary); paths, by row:
//
//   greedy (T == 0 or top_k == 1): one argmax pass over the logits.
//   pass 1: validation and the largest logit (m = max l / T, since l -> l / T is monotone).
//   top-k (0 < k < V) works on the logits: s >= the k-th largest s <=> l >= keep_from, the lowest logit
//     whose quotient equals the k-th largest logit's. The k-th largest logit: for k <= V/16 a threshold
//     filter fused into pass 1 (a buffer of the values above theta, cut to its k-th largest when full);
//     for larger k, or when the filter has pushed V/8 values (adversarial orders), a radix selection on
//     the logits' order keys. A kept set of at most max(V/16, 4096) tokens goes to the list stage.
//   min-p without top-p: the candidates whose s - m can give e >= min_p (a bound with margin), as a list.
//   dense rows (the rest): one vector pass e = exp(l / T - m) (0 below keep_from), exact block masses
//     and the total W. Without top-p the draw walks the block masses; with top-p, the crossing e value
//     by a radix selection on e's bits with weight-mass histograms (the first level over the candidates
//     of a guaranteed bound, later levels over one bucket), then exact kept masses per block and the
//     draw in one block.
//   list stage: top-p crossing weight by core::weighted_threshold, ties kept in index order, min-p, the
//     draw.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#if defined(_MSC_VER) && !defined(__clang__)
#  include <intrin.h>
#endif

#include "../core/sampling.h"

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

inline void set_drawn(core::SampleResult& out, uint32_t token, uint64_t w, uint64_t kept_mass, uint64_t kept) {
    out.token = static_cast<int32_t>(token);
    out.prob = core::sample_prob(w, kept_mass);
    out.logprob = core::sample_logprob(out.prob);
    out.kept = static_cast<int32_t>(kept);
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
struct SampleRow {
    using F = typename I::f32;
    using U = typename I::u32;
    using M = typename I::mask;
    static constexpr uint32_t W = I::kWidth;

    static M no_lanes() { return I::flt(I::fsplat(0.0f), I::fsplat(0.0f)); }
    static U iota() {
        alignas(64) uint32_t v[W];
        for (uint32_t j = 0; j < W; ++j) v[j] = j;
        return I::uload(v);
    }
    static uint64_t lane_sum(U v) {
        alignas(64) uint32_t a[W];
        I::ustore(a, v);
        uint64_t s = 0;
        for (uint32_t j = 0; j < W; ++j) s += a[j];
        return s;
    }
    // The exact mass (sum of weights) of the lanes of e selected by `sel`, accumulated in 32-bit halves.
    struct MassAcc {
        U hi = I::usplat(0), lo = I::usplat(0), cnt = I::usplat(0);
        void add(F e, M sel) {
            U h, l;
            core::sample_weight_parts<I>(e, h, l);
            hi = I::uadd(hi, I::uselect(sel, h, I::usplat(0)));
            lo = I::uadd(lo, I::uselect(sel, l, I::usplat(0)));
            cnt = I::uadd(cnt, I::uselect(sel, I::usplat(1), I::usplat(0)));
        }
        uint64_t mass() const { return (lane_sum(hi) << 22) + lane_sum(lo); }
        uint64_t count() const { return lane_sum(cnt); }
    };

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
    // (l -> l / T is monotone, so the k-th largest s is the k-th largest l divided by T). The filter finds
    // the k-th largest l: the buffer holds every value seen that is > theta, where at least k values seen
    // are >= theta; when it fills, theta becomes its k-th largest value and only the values above stay
    // (fewer than k, whatever the ties), so each element costs O(1) amortised.
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

    // Validation and the largest logit; the top-k filter when Filter. Returns false (with the error in
    // `out`) for a NaN / +Inf logit. kGroups / W independent max accumulators (the compare-select chain is
    // latency-bound); their lanes are the maxima of kGroups interleaved groups of positions, written to
    // `groups` when given (-Inf for an empty group). The filter's rare slow path runs out of line, so the
    // loop stays in registers.
    static constexpr uint32_t kGroups = 64;
    static constexpr uint32_t kGroupPathMaxVocab = 1u << 17;
    static constexpr uint32_t kAcc = kGroups / W;
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

    // ---- Lists ---------------------------------------------------------------------------------------

    // A compact array of logits becomes e = exp(l / T - m) in place (vector body, scalar tail: same bits).
    static void exp_list(float* v, uint32_t n, float temperature, float m) {
        const F t = I::fsplat(temperature), mv = I::fsplat(m);
        uint32_t i = 0;
        for (; i + W <= n; i += W)
            I::fstore(v + i, core::sample_exp<I>(core::sample_scale<I>(I::fload(v + i), t), mv));
        for (; i < n; ++i)
            v[i] = core::sample_exp<core::ScalarLanes>(core::sample_scale<core::ScalarLanes>(v[i], temperature), m);
    }

    // The list of tokens with l >= theta (ascending), with l; stops and returns a value > limit as soon as
    // more than `limit` tokens qualify.
    static uint32_t collect(const float* l, uint32_t vocab, float theta, const core::SampleScratch& sc,
                            uint32_t limit) {
        const F th = I::fsplat(theta);
        uint32_t n = 0, i = 0;
        for (; i + W <= vocab; i += W) {
            const uint32_t bits = I::mask_bits(I::fge(I::fload(l + i), th));
            if (!bits) continue;
            if (n + W > limit + 1) {  // might pass the limit: count first
                if (n + sampling_detail::popcount(bits) > limit) return limit + 1;
            }
            sampling_detail::for_each_bit(bits, [&](uint32_t j) { sc.idx[n] = i + j, sc.val[n++] = l[i + j]; });
        }
        for (; i < vocab; ++i)
            if (l[i] >= theta) {
                if (n == limit) return limit + 1;
                sc.idx[n] = i, sc.val[n++] = l[i];
            }
        return n;
    }

    // The list of tokens with e >= theta (ascending) from a dense row, with e and w.
    static uint32_t gather(const float* e, uint32_t vocab, float theta, const core::SampleScratch& sc) {
        const F th = I::fsplat(theta);
        uint32_t n = 0, i = 0;
        auto take = [&](uint32_t j) {
            sc.idx[n] = j;
            sc.val[n] = e[j];
            sc.w[n] = core::sample_weight(e[j]);
            ++n;
        };
        for (; i + W <= vocab; i += W) {
            const uint32_t bits = I::mask_bits(I::fge(I::fload(e + i), th));
            if (bits) sampling_detail::for_each_bit(bits, [&](uint32_t j) { take(i + j); });
        }
        for (; i < vocab; ++i)
            if (e[i] >= theta) take(i);
        return n;
    }

    // Top-p, min-p and the draw on a list (idx ascending, val = e, w) that holds every token of weight
    // >= the top-p crossing weight (every kept token without top-p); `total` is the mass of all
    // top-k-kept tokens (used by top-p only).
    static void list_stage(const core::SampleScratch& sc, uint32_t n, uint64_t total, const core::SampleParams& p,
                           const core::PhiloxStream& stream, core::SampleResult& out, uint8_t* kept_mask) {
        const bool use_p = p.top_p < 1.0, use_min = p.min_p > 0.0;
        uint64_t v = 0, ties_left = 0;
        if (use_p) {
            const uint64_t target = core::top_p_mass(p.top_p, total);
            v = core::weighted_threshold(sc.w, n, target, sc.hist, sc.wbuf);
            uint64_t above = 0;
            for (uint32_t j = 0; j < n; ++j) above += sc.w[j] > v ? sc.w[j] : 0;
            ties_left = core::top_p_ties_kept(target, above, v);
        }
        const float fmin = use_min ? core::float_at_least(p.min_p) : 0.0f;
        uint32_t kept = 0;
        uint64_t mass = 0;
        for (uint32_t j = 0; j < n; ++j) {
            const uint64_t wj = sc.w[j];
            bool keep = wj != 0;
            // Ties at the crossing weight are ranked by index: the first ties_left of them are kept.
            if (use_p) keep = keep && (wj > v || (wj == v && ties_left != 0 && (--ties_left, true)));
            if (use_min) keep = keep && sc.val[j] >= fmin;
            if (keep) {
                sc.idx[kept] = sc.idx[j];
                sc.w[kept] = wj;
                ++kept;
                mass += wj;
            }
        }
        if (kept_mask)
            for (uint32_t j = 0; j < kept; ++j) kept_mask[sc.idx[j]] = 1;
        const uint64_t r = core::sample_draw_target(core::sample_draw_word(stream), mass);
        uint64_t cum = 0;
        uint32_t j = 0;
        while ((cum += sc.w[j]) <= r) ++j;
        sampling_detail::set_drawn(out, sc.idx[j], sc.w[j], mass, kept);
    }

    // ---- Dense rows ----------------------------------------------------------------------------------

    // e = exp(l / T - m) for every token with l >= keep_from (the top-k threshold, -Inf without top-k),
    // else 0, into `e`; the exact mass of each block of kSampleBlock tokens, the total W and the number
    // of tokens with w > 0 (e >= 2^-43).
    static void exp_dense(const float* l, uint32_t vocab, float temperature, float m, float keep_from, float* e,
                          uint64_t* blocks, uint64_t& total, uint32_t& positive) {
        const F t = I::fsplat(temperature), mv = I::fsplat(m), tiny = I::fsplat(0x1p-43f), kf = I::fsplat(keep_from);
        const F zero = I::fsplat(0.0f);
        total = 0;
        uint64_t count = 0;
        for (uint32_t b0 = 0, blk = 0; b0 < vocab; b0 += core::kSampleBlock, ++blk) {
            const uint32_t end = std::min(vocab, b0 + core::kSampleBlock);
            MassAcc acc;
            uint32_t i = b0;
            for (; i + W <= end; i += W) {
                const F x = I::fload(l + i);
                const F ev = I::fselect(I::fge(x, kf), core::sample_exp<I>(core::sample_scale<I>(x, t), mv), zero);
                I::fstore(e + i, ev);
                acc.add(ev, I::fge(ev, tiny));
            }
            uint64_t mass = acc.mass();
            count += acc.count();
            for (; i < end; ++i) {
                const float ev = l[i] >= keep_from ? core::sample_exp<core::ScalarLanes>(
                                                         core::sample_scale<core::ScalarLanes>(l[i], temperature), m)
                                                   : 0.0f;
                e[i] = ev;
                const uint64_t wi = core::sample_weight(ev);
                mass += wi;
                count += wi != 0;
            }
            blocks[blk] = mass;
            total += mass;
        }
        positive = static_cast<uint32_t>(count);
    }

    // One radix level over the e values in [lo, hi): the weight mass per digit (bits >> Shift) & 1023, in
    // four interleaved histograms of kDigits entries (so that equal digits do not chain their updates;
    // entry 1024 collects the lanes outside the range), merged into hist[0, 1024). Vectors with a lane
    // in range are histogrammed whole, without per-lane branches.
    static constexpr uint32_t kDigits = core::kSampleRadixBuckets / 4;
    template <uint32_t Shift>
    static void radix_level(const float* e, uint32_t vocab, float lo, float hi, uint64_t* hist) {
        static_assert(kDigits > 1024, "a trash entry per histogram");
        std::fill(hist, hist + 4 * kDigits, uint64_t{0});
        const F lov = I::fsplat(lo), hiv = I::fsplat(hi);
        const U digit_mask = I::usplat(1023), trash = I::usplat(1024);
        alignas(64) uint32_t digit[W];
        uint32_t i = 0;
        for (; i + W <= vocab; i += W) {
            const F x = I::fload(e + i);
            const M in = I::mand(I::fge(x, lov), I::flt(x, hiv));
            if (!I::mask_bits(in)) continue;
            I::ustore(digit, I::uselect(in, I::uand(I::template shr<Shift>(I::as_u32(x)), digit_mask), trash));
            for (uint32_t j = 0; j < W; ++j) hist[(j & 3) * kDigits + digit[j]] += core::sample_weight(e[i + j]);
        }
        for (; i < vocab; ++i)
            if (e[i] >= lo && e[i] < hi) hist[(core::float_bits(e[i]) >> Shift) & 1023u] += core::sample_weight(e[i]);
        for (uint32_t d = 0; d < 1024; ++d) hist[d] += hist[kDigits + d] + hist[2 * kDigits + d] + hist[3 * kDigits + d];
    }

    // Top-p (and min-p) on a dense row. The crossing e value u is the largest e with mass(e >= u) >= P;
    // its weight is the crossing weight (w is monotone in e). Returns false, leaving the row to the list
    // stage, when the crossing weight is below 2^23, where distinct e can share a weight.
    static bool dense_top_p(const float* e, uint32_t vocab, uint64_t total, uint32_t positive,
                            const core::SampleParams& p, const core::PhiloxStream& stream,
                            const core::SampleScratch& sc, core::SampleResult& out, uint8_t* kept_mask) {
        const uint64_t target = core::top_p_mass(p.top_p, total);
        // Every token of weight >= the crossing weight has w >= v0 = floor((W - P) / positive) + 1: the
        // tokens below v0 weigh at most positive * (v0 - 1) <= W - P, so mass(w >= v0) >= P.
        const uint64_t v0 = (total - target) / positive + 1;
        const float theta = core::float_at_least(static_cast<double>(v0) * 0x1p-43);
        // Three levels of 10 bits of e's bits (e <= 1: bit 31 is 0).
        uint64_t need = target, above = 0;
        uint32_t prefix = 0;
        float lo = theta, hi = 2.0f;
        auto choose = [&](uint32_t shift) {  // the digit where the mass from the top reaches `need`
            uint64_t acc = 0;
            uint32_t d = 1023;
            while (acc + sc.hist[d] < need) acc += sc.hist[d--];
            need -= acc;
            above += acc;
            prefix |= d << shift;
            lo = core::bits_float(prefix);
            hi = core::bits_float(prefix + (1u << shift));
        };
        radix_level<20>(e, vocab, lo, hi, sc.hist);
        choose(20);
        radix_level<10>(e, vocab, lo, hi, sc.hist);
        choose(10);
        radix_level<0>(e, vocab, lo, hi, sc.hist);
        choose(0);
        const float u = core::bits_float(prefix);
        const uint64_t wu = core::sample_weight(u);
        if (wu < (uint64_t{1} << 23)) return false;
        // above = mass(e > u) = mass(w > wu); the ties (e == u) kept in index order:
        const uint64_t ties = core::top_p_ties_kept(target, above, wu);
        const float fmin = p.min_p > 0.0 ? core::float_at_least(p.min_p) : 0.0f;
        const uint64_t ties_kept = u >= fmin ? ties : 0;
        // Exact kept mass per block: e > u and e >= fmin, plus the ties among the first ties_kept.
        const F uv = I::fsplat(u), fv = I::fsplat(fmin);
        uint64_t mass = 0, kept = 0, ties_seen = 0;
        for (uint32_t b0 = 0, blk = 0; b0 < vocab; b0 += core::kSampleBlock, ++blk) {
            const uint32_t end = std::min(vocab, b0 + core::kSampleBlock);
            MassAcc acc;
            U tie_cnt = I::usplat(0);
            uint32_t i = b0;
            for (; i + W <= end; i += W) {
                const F x = I::fload(e + i);
                acc.add(x, I::mand(I::fgt(x, uv), I::fge(x, fv)));
                tie_cnt = I::uadd(tie_cnt, I::uselect(I::feq(x, uv), I::usplat(1), I::usplat(0)));
            }
            uint64_t bmass = acc.mass(), bcount = acc.count(), bties = lane_sum(tie_cnt);
            for (; i < end; ++i) {
                if (e[i] > u && e[i] >= fmin) bmass += core::sample_weight(e[i]), ++bcount;
                bties += e[i] == u;
            }
            const uint64_t room = ties_kept > ties_seen ? ties_kept - ties_seen : 0;
            const uint64_t bk = std::min(bties, room);
            sc.wbuf[blk] = ties_seen;  // ties before this block
            ties_seen += bties;
            sc.blocks[blk] = bmass + bk * wu;
            mass += sc.blocks[blk];
            kept += bcount + bk;
        }
        if (kept_mask)
            for (uint64_t i = 0, rank = 0; i < vocab; ++i)
                kept_mask[i] = (e[i] > u && e[i] >= fmin) || (e[i] == u && rank++ < ties_kept);
        // The draw: the block, then the token.
        const uint64_t r = core::sample_draw_target(core::sample_draw_word(stream), mass);
        uint64_t cum = 0;
        uint32_t blk = 0;
        while (cum + sc.blocks[blk] <= r) cum += sc.blocks[blk++];
        uint64_t rank = sc.wbuf[blk];
        for (uint32_t i = blk * core::kSampleBlock;; ++i) {
            const float x = e[i];
            bool keep = x > u && x >= fmin;
            if (x == u) keep = rank++ < ties_kept;
            if (!keep) continue;
            const uint64_t wi = core::sample_weight(x);
            if ((cum += wi) > r) {
                sampling_detail::set_drawn(out, i, wi, mass, kept);
                return true;
            }
        }
    }

    // ---- The row ----------------------------------------------------------------------------------

    // `kept_mask` (tests): when not null, kept_mask[i] is set to 1 for every token of the final kept set
    // (it must hold `vocab` zero bytes).
    static void run(const float* l, uint32_t vocab, const core::SampleParams& p, const core::PhiloxStream& stream,
                    const core::SampleScratch& sc, core::SampleResult& out, uint8_t* kept_mask = nullptr) {
        out = core::SampleResult{0, 0.0f, 0.0f, 0, core::SampleError::kNone, -1};
        if (core::sample_is_greedy(p)) {
            greedy(l, vocab, out);
            if (kept_mask && out.error == core::SampleError::kNone) kept_mask[out.token] = 1;
            return;
        }
        const float temp = p.temperature;
        const bool use_k = p.top_k > 0 && static_cast<uint32_t>(p.top_k) < vocab;
        float lmax = 0, m = 0;
        // Top-k: the logit threshold theta_k (kept iff l >= theta_k); -Inf without top-k.
        float keep_from = -sampling_detail::kInf;
        if (use_k) {
            const uint32_t k = static_cast<uint32_t>(p.top_k);
            const uint32_t list_max = std::max(vocab / 16, 4096u);
            auto kept_list = [&](uint32_t n) {  // the list stage on sc.idx / sc.val (logits) [0, n)
                exp_list(sc.val, n, temp, m);
                uint64_t total = 0;
                for (uint32_t j = 0; j < n; ++j) total += sc.w[j] = core::sample_weight(sc.val[j]);
                list_stage(sc, n, total, p, stream, out, kept_mask);
            };
            float t;
            if (k <= kGroups && vocab <= kGroupPathMaxVocab) {
                // theta0 = the k-th largest of the kGroups group maxima (distinct logits): at least k logits
                // are >= theta0, so the k-th largest logit is too; usually only ~100 logits reach theta0,
                // collected by a second pass (from L2 for rows up to kGroupPathMaxVocab; longer rows use
                // the single-pass filter, whose rare mispredicted branches cost less than a pass from L3).
                float groups[kGroups];
                uint32_t group_keys[kGroups];
                if (!pass1<false>(l, vocab, nullptr, out, lmax, groups) || !scaled_max(l, vocab, lmax, temp, out, m))
                    return;
                const float theta0 = sampling_detail::kth_largest_small(groups, kGroups, k, group_keys);
                const uint32_t n = theta0 > -sampling_detail::kInf ? collect(l, vocab, theta0, sc, list_max) : list_max + 1;
                if (n <= list_max) {
                    t = sampling_detail::kth_largest_small(sc.val, n, k, reinterpret_cast<uint32_t*>(sc.dense));
                    keep_from = core::lowest_logit_with_same_scale(t, temp);
                    if (keep_from >= theta0) {  // every kept logit is in the list
                        uint32_t kept = 0;
                        for (uint32_t j = 0; j < n; ++j)
                            if (sc.val[j] >= keep_from) sc.idx[kept] = sc.idx[j], sc.val[kept++] = sc.val[j];
                        return kept_list(kept);
                    }
                } else {
                    t = kth_largest_radix(l, vocab, k, sc.hist);
                    keep_from = t == sampling_detail::kLowest ? t : core::lowest_logit_with_same_scale(t, temp);
                }
            } else if (k <= vocab / 16) {  // the filter, unless the order defeats it
                TopKFilter filter{sc.val, sc.idx, sc.dense, k, std::min(vocab, std::max(4 * k, 64u)), vocab / 8};
                if (!pass1<true>(l, vocab, &filter, out, lmax) || !scaled_max(l, vocab, lmax, temp, out, m)) return;
                t = filter.gave_up ? kth_largest_radix(l, vocab, k, sc.hist) : filter.kth_largest_logit();
                keep_from = t == sampling_detail::kLowest ? t : core::lowest_logit_with_same_scale(t, temp);
                if (filter.holds_all_from(keep_from)) {
                    filter.keep_above(keep_from, true);
                    return kept_list(filter.n);
                }
            } else {
                if (!pass1<false>(l, vocab, nullptr, out, lmax) || !scaled_max(l, vocab, lmax, temp, out, m)) return;
                t = kth_largest_radix(l, vocab, k, sc.hist);
                keep_from = t == sampling_detail::kLowest ? t : core::lowest_logit_with_same_scale(t, temp);
            }
            // A small kept set goes through the list stage; a large one (big k, many ties) is dense.
            if ((k <= kGroups && vocab <= kGroupPathMaxVocab) || k <= vocab / 16) {
                const uint32_t n = collect(l, vocab, keep_from, sc, list_max);
                if (n <= list_max) return kept_list(n);
            }
        } else if (!pass1<false>(l, vocab, nullptr, out, lmax) || !scaled_max(l, vocab, lmax, temp, out, m)) {
            return;
        }
        if (p.top_p == 1.0 && p.min_p > 0.0) {
            // e >= fmin needs s - m >= ln(fmin) - 2^-22 (rk_expf is within 2^-23 relative for normal
            // results); rk_logf(fmin) - 2^-10 is below that. Subnormal fmin: no bound. Top-k: l >= keep_from.
            const float fmin = core::float_at_least(p.min_p);
            const float bound = fmin >= 0x1p-126f ? core::sample_logprob(fmin) - 0x1p-10f : -sampling_detail::kInf;
            const F t = I::fsplat(temp), mv = I::fsplat(m), bv = I::fsplat(bound), kf = I::fsplat(keep_from);
            uint32_t n = 0, i = 0;
            for (; i + W <= vocab; i += W) {
                const F x = I::fload(l + i);
                const M cand = I::mand(I::fge(I::fsub(core::sample_scale<I>(x, t), mv), bv), I::fge(x, kf));
                const uint32_t bits = I::mask_bits(cand);
                if (bits) sampling_detail::for_each_bit(bits, [&](uint32_t j) { sc.idx[n] = i + j, sc.val[n++] = l[i + j]; });
            }
            for (; i < vocab; ++i)
                if (core::sample_scale<core::ScalarLanes>(l[i], temp) - m >= bound && l[i] >= keep_from)
                    sc.idx[n] = i, sc.val[n++] = l[i];
            exp_list(sc.val, n, temp, m);
            for (uint32_t j = 0; j < n; ++j) sc.w[j] = core::sample_weight(sc.val[j]);
            return list_stage(sc, n, 0, p, stream, out, kept_mask);
        }
        uint64_t total = 0;
        uint32_t positive = 0;
        exp_dense(l, vocab, temp, m, keep_from, sc.dense, sc.blocks, total, positive);
        if (p.top_p < 1.0) {
            if (dense_top_p(sc.dense, vocab, total, positive, p, stream, sc, out, kept_mask)) return;
            const uint64_t target = core::top_p_mass(p.top_p, total);
            const uint64_t v0 = (total - target) / positive + 1;
            const float theta = core::float_at_least(static_cast<double>(v0) * 0x1p-43);
            return list_stage(sc, gather(sc.dense, vocab, theta, sc), total, p, stream, out, kept_mask);
        }
        // No filter: the draw walks the block masses, then one block.
        if (kept_mask)
            for (uint32_t i = 0; i < vocab; ++i) kept_mask[i] = core::sample_weight(sc.dense[i]) != 0;
        const uint64_t r = core::sample_draw_target(core::sample_draw_word(stream), total);
        uint64_t cum = 0;
        uint32_t blk = 0;
        while (cum + sc.blocks[blk] <= r) cum += sc.blocks[blk++];
        uint32_t i = blk * core::kSampleBlock;
        uint64_t wi;
        while ((cum += (wi = core::sample_weight(sc.dense[i]))) <= r) ++i;
        sampling_detail::set_drawn(out, i, wi, total, positive);
    }
};

}  // namespace rk::cpu
