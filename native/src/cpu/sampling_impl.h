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
//
// Greedy, pass 1 and top-k are in sampling_topk.h, the lists and the list stage in sampling_candidates.h,
// dense rows in sampling_dense.h; this header is the driver.
#pragma once

#include <algorithm>
#include <cstdint>

#include "../core/sampling.h"
#include "sampling_candidates.h"
#include "sampling_common.h"
#include "sampling_dense.h"
#include "sampling_topk.h"

namespace rk::cpu {

template <class I>
struct SampleRow {
    using F = typename I::f32;
    using M = typename I::mask;
    static constexpr uint32_t W = I::kWidth;
    using TopK = SampleTopK<I>;
    using Candidates = SampleCandidates<I>;
    using Dense = SampleDense<I>;

    // `kept_mask` (tests): when not null, kept_mask[i] is set to 1 for every token of the final kept set
    // (it must hold `vocab` zero bytes).
    static void run(const float* l, uint32_t vocab, const core::SampleParams& p, const core::PhiloxStream& stream,
                    const core::SampleScratch& sc, core::SampleResult& out, uint8_t* kept_mask = nullptr) {
        out = core::SampleResult{0, 0.0f, 0.0f, 0, core::SampleError::kNone, -1};
        if (core::sample_is_greedy(p)) {
            TopK::greedy(l, vocab, out);
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
                Candidates::exp_list(sc.val, n, temp, m);
                uint64_t total = 0;
                for (uint32_t j = 0; j < n; ++j) total += sc.w[j] = core::sample_weight(sc.val[j]);
                Candidates::list_stage(sc, n, total, p, stream, out, kept_mask);
            };
            float t;
            if (k <= TopK::kGroups && vocab <= TopK::kGroupPathMaxVocab) {
                // theta0 = the k-th largest of the kGroups group maxima (distinct logits): at least k logits
                // are >= theta0, so the k-th largest logit is too; usually only ~100 logits reach theta0,
                // collected by a second pass (from L2 for rows up to kGroupPathMaxVocab; longer rows use
                // the single-pass filter, whose rare mispredicted branches cost less than a pass from L3).
                float groups[TopK::kGroups];
                uint32_t group_keys[TopK::kGroups];
                if (!TopK::template pass1<false>(l, vocab, nullptr, out, lmax, groups) ||
                    !TopK::scaled_max(l, vocab, lmax, temp, out, m))
                    return;
                const float theta0 = sampling_detail::kth_largest_small(groups, TopK::kGroups, k, group_keys);
                const uint32_t n =
                    theta0 > -sampling_detail::kInf ? Candidates::collect(l, vocab, theta0, sc, list_max) : list_max + 1;
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
                    t = TopK::kth_largest_radix(l, vocab, k, sc.hist);
                    keep_from = t == sampling_detail::kLowest ? t : core::lowest_logit_with_same_scale(t, temp);
                }
            } else if (k <= vocab / 16) {  // the filter, unless the order defeats it
                typename TopK::TopKFilter filter{sc.val, sc.idx, sc.dense, k, std::min(vocab, std::max(4 * k, 64u)),
                                                 vocab / 8};
                if (!TopK::template pass1<true>(l, vocab, &filter, out, lmax) ||
                    !TopK::scaled_max(l, vocab, lmax, temp, out, m))
                    return;
                t = filter.gave_up ? TopK::kth_largest_radix(l, vocab, k, sc.hist) : filter.kth_largest_logit();
                keep_from = t == sampling_detail::kLowest ? t : core::lowest_logit_with_same_scale(t, temp);
                if (filter.holds_all_from(keep_from)) {
                    filter.keep_above(keep_from, true);
                    return kept_list(filter.n);
                }
            } else {
                if (!TopK::template pass1<false>(l, vocab, nullptr, out, lmax) ||
                    !TopK::scaled_max(l, vocab, lmax, temp, out, m))
                    return;
                t = TopK::kth_largest_radix(l, vocab, k, sc.hist);
                keep_from = t == sampling_detail::kLowest ? t : core::lowest_logit_with_same_scale(t, temp);
            }
            // A small kept set goes through the list stage; a large one (big k, many ties) is dense.
            if ((k <= TopK::kGroups && vocab <= TopK::kGroupPathMaxVocab) || k <= vocab / 16) {
                const uint32_t n = Candidates::collect(l, vocab, keep_from, sc, list_max);
                if (n <= list_max) return kept_list(n);
            }
        } else if (!TopK::template pass1<false>(l, vocab, nullptr, out, lmax) ||
                   !TopK::scaled_max(l, vocab, lmax, temp, out, m)) {
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
            Candidates::exp_list(sc.val, n, temp, m);
            for (uint32_t j = 0; j < n; ++j) sc.w[j] = core::sample_weight(sc.val[j]);
            return Candidates::list_stage(sc, n, 0, p, stream, out, kept_mask);
        }
        uint64_t total = 0;
        uint32_t positive = 0;
        Dense::exp_dense(l, vocab, temp, m, keep_from, sc.dense, sc.blocks, total, positive);
        if (p.top_p < 1.0) {
            if (Dense::dense_top_p(sc.dense, vocab, total, positive, p, stream, sc, out, kept_mask)) return;
            const uint64_t target = core::top_p_mass(p.top_p, total);
            const uint64_t v0 = (total - target) / positive + 1;
            const float theta = core::float_at_least(static_cast<double>(v0) * 0x1p-43);
            return Candidates::list_stage(sc, Candidates::gather(sc.dense, vocab, theta, sc), total, p, stream, out,
                                          kept_mask);
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
