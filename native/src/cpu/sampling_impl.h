// The CPU row driver of token sampling (docs/sampling.md), one template over an ISA description I (the
// lanes of core/lanes_scalar.h plus mask_bits, see kernel_table_impl.h). The vector passes run the core's
// lane templates, so every ISA computes the same s and e bits; everything after them is exact integer
// arithmetic, and the strategy chosen below only changes which tokens are looked at (speed), never a
// result. Linear in the vocabulary size V (no sort of the vocabulary). A row makes two choices:
//
//   TopKPath (sampling_topk.h): greedy rows (T == 0 or top_k == 1) end with one argmax pass. The others
//     are validated by pass 1, which gives m = max l / T; with top-k (0 < k < V), keep_from, the lowest
//     kept logit, comes from the maxima of 64 groups of positions (k <= 64, V <= 2^17), from the
//     threshold filter fused into pass 1 (k <= V/16), or from radix selection on the logits (larger k).
//     On the first two paths a kept set of at most max(V/16, 4096) tokens is sampled at once as a list
//     (sampling_candidates.h).
//   DrawPath, over the kept tokens l >= keep_from (-Inf without top-k): min-p without top-p samples the
//     list of the candidates that can reach min_p (sampling_candidates.h); top-p and no filter at all
//     are dense rows (sampling_dense.h), top-p selecting inside an estimated bracket of e (rows of at least
//     8192 tokens) or else by radix selection, and falling back to the list stage when its crossing weight
//     is below 2^23.
//
// Each strategy is one function below, built from the pieces of the three headers, and inlined into
// run() (RK_SAMPLING_INLINE), so the compiled driver keeps the shape of the single function it replaces.
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
    using TopK = SampleTopK<I>;
    using Candidates = SampleCandidates<I>;
    using Dense = SampleDense<I>;

    // `kept_mask` (tests): when not null, kept_mask[i] is set to 1 for every token of the final kept set
    // (it must hold `vocab` zero bytes).
    static void run(const float* l, uint32_t vocab, const core::SampleParams& p, const core::PhiloxStream& stream,
                    const core::SampleScratch& sc, core::SampleResult& out, uint8_t* kept_mask = nullptr) {
        out = core::SampleResult{0, 0.0f, 0.0f, 0, core::SampleError::kNone, -1};
        Row row{l, vocab, p, stream, sc, out, kept_mask};
        bool done = false;  // sampled from a top-k list, or failed with the error in out
        switch (top_k_path(p, vocab)) {
            case TopKPath::kGreedy: return sample_greedy(row);
            case TopKPath::kNone: done = !scan_logits(row); break;
            case TopKPath::kGroupMaxima: done = top_k_by_group_maxima(row); break;
            case TopKPath::kFilter: done = top_k_by_filter(row); break;
            case TopKPath::kRadix: done = top_k_by_radix(row); break;
        }
        if (done) return;
        switch (draw_path(p)) {
            case DrawPath::kMinPCandidates: return sample_min_p_candidates(row);
            case DrawPath::kDenseTopP: return sample_dense_top_p(row);
            case DrawPath::kDenseUnfiltered: return sample_dense_unfiltered(row);
        }
    }

private:
    // One row's arguments, and what pass 1 and top-k leave for the draw.
    struct Row {
        const float* l;
        uint32_t vocab;
        const core::SampleParams& p;
        const core::PhiloxStream& stream;
        const core::SampleScratch& sc;
        core::SampleResult& out;
        uint8_t* kept_mask;
        float m = 0;                               // the largest s = l / T
        float keep_from = -sampling_detail::kInf;  // top-k: kept iff l >= keep_from; -Inf without top-k
    };

    // ---- Choosing the strategies ---------------------------------------------------------------------

    // How the k-th largest logit is found (greedy is top-1: one argmax pass, and the row is done).
    enum class TopKPath { kGreedy, kNone, kGroupMaxima, kFilter, kRadix };
    // How the kept tokens l >= keep_from are filtered by top-p / min-p and drawn from.
    enum class DrawPath { kMinPCandidates, kDenseTopP, kDenseUnfiltered };

    static TopKPath top_k_path(const core::SampleParams& p, uint32_t vocab) {
        if (core::sample_is_greedy(p)) return TopKPath::kGreedy;
        if (!(p.top_k > 0 && static_cast<uint32_t>(p.top_k) < vocab)) return TopKPath::kNone;
        const uint32_t k = static_cast<uint32_t>(p.top_k);
        if (k <= TopK::kGroups && vocab <= TopK::kGroupPathMaxVocab) return TopKPath::kGroupMaxima;
        if (k <= vocab / 16) return TopKPath::kFilter;
        return TopKPath::kRadix;
    }

    static DrawPath draw_path(const core::SampleParams& p) {
        if (p.top_p == 1.0 && p.min_p > 0.0) return DrawPath::kMinPCandidates;
        if (p.top_p < 1.0) return DrawPath::kDenseTopP;
        return DrawPath::kDenseUnfiltered;
    }

    // A top-k kept set of at most this many tokens is sampled as a list, a larger one as a dense row.
    static uint32_t list_limit(uint32_t vocab) { return std::max(vocab / 16, 4096u); }

    // ---- Greedy, pass 1 and top-k ---------------------------------------------------------------------

    // T == 0 or top_k == 1: the first maximal logit, which is the whole kept set.
    RK_SAMPLING_INLINE static void sample_greedy(Row& row) {
        TopK::greedy(row.l, row.vocab, row.out);
        if (row.kept_mask && row.out.error == core::SampleError::kNone) row.kept_mask[row.out.token] = 1;
    }

    // Pass 1 (validation, the largest logit) and m; false (the error in out) for a bad row. `groups`, when
    // given, receives pass 1's group maxima.
    RK_SAMPLING_INLINE static bool scan_logits(Row& row, float* groups = nullptr) {
        float lmax = 0;
        return TopK::template pass1<false>(row.l, row.vocab, nullptr, row.out, lmax, groups) &&
               TopK::scaled_max(row.l, row.vocab, lmax, row.p.temperature, row.out, row.m);
    }

    // The end of the group-maxima and filter paths: a kept set (l >= keep_from) of at most `limit` tokens
    // is sampled as a list; returns false for a larger one, left to the dense draw.
    RK_SAMPLING_INLINE static bool sample_kept_list_if_small(Row& row, uint32_t limit) {
        const uint32_t n = Candidates::collect(row.l, row.vocab, row.keep_from, row.sc, limit);
        if (n > limit) return false;
        Candidates::sample_logit_list(row.sc, n, row.m, row.p, row.stream, row.out, row.kept_mask);
        return true;
    }

    // k <= kGroups, V <= kGroupPathMaxVocab. theta0 = the k-th largest of the kGroups group maxima
    // (distinct logits): at least k logits are >= theta0, so the k-th largest logit is too; usually only
    // ~100 logits reach theta0, collected by a second pass (from L2 for rows up to kGroupPathMaxVocab;
    // longer rows use the single-pass filter, whose rare mispredicted branches cost less than a pass from
    // L3). Returns true when the row is done.
    RK_SAMPLING_INLINE static bool top_k_by_group_maxima(Row& row) {
        const uint32_t k = static_cast<uint32_t>(row.p.top_k), limit = list_limit(row.vocab);
        float groups[TopK::kGroups];
        uint32_t group_keys[TopK::kGroups];
        if (!scan_logits(row, groups)) return true;
        const float theta0 = sampling_detail::kth_largest_small(groups, TopK::kGroups, k, group_keys);
        const uint32_t n =
            theta0 > -sampling_detail::kInf ? Candidates::collect(row.l, row.vocab, theta0, row.sc, limit) : limit + 1;
        if (n <= limit) {
            uint32_t* keys = reinterpret_cast<uint32_t*>(row.sc.dense);
            const float kth = sampling_detail::kth_largest_small(row.sc.val, n, k, keys);
            row.keep_from = core::lowest_logit_with_same_scale(kth, row.p.temperature);
            if (row.keep_from >= theta0) {  // every kept logit is in the list
                const uint32_t kept = Candidates::keep_logits_from(row.sc, n, row.keep_from);
                Candidates::sample_logit_list(row.sc, kept, row.m, row.p, row.stream, row.out, row.kept_mask);
                return true;
            }
        } else {  // huge ties, or no theta0 (fewer than k non-empty groups)
            row.keep_from = TopK::lowest_kept_logit(TopK::kth_largest_radix(row.l, row.vocab, k, row.sc.hist),
                                                    row.p.temperature);
        }
        return sample_kept_list_if_small(row, limit);
    }

    // k <= V/16 (longer rows, or k > kGroups): the threshold filter fused into pass 1, unless the order
    // of the logits defeats it (it then gives up and radix selection finds the k-th largest logit).
    // Returns true when the row is done.
    RK_SAMPLING_INLINE static bool top_k_by_filter(Row& row) {
        const uint32_t k = static_cast<uint32_t>(row.p.top_k), vocab = row.vocab;
        const uint32_t capacity = std::min(vocab, std::max(4 * k, 64u)), budget = vocab / 8;
        typename TopK::TopKFilter filter{row.sc.val, row.sc.idx, row.sc.dense, k, capacity, budget};
        float lmax = 0;
        if (!TopK::template pass1<true>(row.l, vocab, &filter, row.out, lmax) ||
            !TopK::scaled_max(row.l, vocab, lmax, row.p.temperature, row.out, row.m))
            return true;
        const float kth =
            filter.gave_up ? TopK::kth_largest_radix(row.l, vocab, k, row.sc.hist) : filter.kth_largest_logit();
        row.keep_from = TopK::lowest_kept_logit(kth, row.p.temperature);
        if (filter.holds_all_from(row.keep_from)) {
            filter.keep_above(row.keep_from, true);
            Candidates::sample_logit_list(row.sc, filter.n, row.m, row.p, row.stream, row.out, row.kept_mask);
            return true;
        }
        return sample_kept_list_if_small(row, list_limit(vocab));
    }

    // k > V/16 (and not the group path): radix selection on the logits; the kept set is large, so the
    // row goes on dense. Returns true when the row failed.
    RK_SAMPLING_INLINE static bool top_k_by_radix(Row& row) {
        if (!scan_logits(row)) return true;
        const uint32_t k = static_cast<uint32_t>(row.p.top_k);
        row.keep_from =
            TopK::lowest_kept_logit(TopK::kth_largest_radix(row.l, row.vocab, k, row.sc.hist), row.p.temperature);
        return false;
    }

    // ---- Top-p, min-p and the draw over the kept tokens l >= keep_from ---------------------------------

    // Min-p without top-p: the candidates that can reach min_p, as a list.
    RK_SAMPLING_INLINE static void sample_min_p_candidates(Row& row) {
        Candidates::sample_min_p_candidates(row.l, row.vocab, row.m, row.keep_from, row.p, row.stream, row.sc, row.out,
                                            row.kept_mask);
    }

    // Top-p on a dense row; when the crossing weight is below 2^23, the list stage on the candidates.
    RK_SAMPLING_INLINE static void sample_dense_top_p(Row& row) {
        uint64_t total = 0;
        uint32_t positive = 0;
        Dense::exp_dense(row.l, row.vocab, row.p.temperature, row.m, row.keep_from, row.sc.dense, row.sc.blocks, total,
                         positive);
        float lo = 0, hi = 0;
        const uint64_t target = core::top_p_mass(row.p.top_p, total);
        if (row.vocab >= Dense::kBracketMinVocab &&
            Dense::estimate_bracket(row.sc.dense, row.vocab, total, target, row.sc.hist, lo, hi)) {
            typename Dense::BracketSums sums;
            uint32_t* list = row.sc.idx;
            Dense::bracket_pass(row.sc.dense, row.vocab, lo, hi, list, row.sc.blocks, sums);
            // A crossing value outside the range (a near miss, or a peaked row: the sample sees few of the tokens
            // that hold most of the mass) is looked for once more: above the range (among all the tokens above
            // it when they are few, else in the binade above), or in the four binades below it.
            if (sums.mass_hi >= target) {
                if (hi < 1.0f)
                    Dense::bracket_pass(row.sc.dense, row.vocab, hi,
                                        sums.count_hi <= list_limit(row.vocab) ? 2.0f : 2.0f * hi, list,
                                        row.sc.blocks, sums);
            } else if (lo > 0x1p-20f && !Dense::reaches(row.sc.dense, sums, list, target)) {
                Dense::bracket_pass(row.sc.dense, row.vocab, std::max(lo * 0x1p-4f, 0x1p-20f), lo, list,
                                    row.sc.blocks, sums);
            }
            if (Dense::top_p_in_bracket(row.sc.dense, row.vocab, target, sums, list, row.sc.blocks, row.p, row.stream,
                                        row.sc, row.out, row.kept_mask))
                return;
        }
        if (Dense::dense_top_p(row.sc.dense, row.vocab, total, positive, row.p, row.stream, row.sc, row.out,
                               row.kept_mask))
            return;
        const float floor_e = Dense::top_p_candidate_floor(core::top_p_mass(row.p.top_p, total), total, positive);
        const uint32_t n = Candidates::gather(row.sc.dense, row.vocab, floor_e, row.sc);
        Candidates::list_stage(row.sc, n, total, row.p, row.stream, row.out, row.kept_mask);
    }

    // No filter: e for every token, then the draw walks the block masses, then one block.
    RK_SAMPLING_INLINE static void sample_dense_unfiltered(Row& row) {
        uint64_t total = 0;
        uint32_t positive = 0;
        Dense::exp_dense(row.l, row.vocab, row.p.temperature, row.m, row.keep_from, row.sc.dense, row.sc.blocks, total,
                         positive);
        Dense::draw_unfiltered(row.sc.dense, row.vocab, row.sc.blocks, total, positive, row.stream, row.out,
                               row.kept_mask);
    }
};

}  // namespace rk::cpu
