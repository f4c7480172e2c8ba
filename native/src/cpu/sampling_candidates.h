// Candidate lists (docs/sampling.md section 2, "Min-p without top-p" and "List stage"): rows whose kept
// set is small are sampled from a compact list of (index, value) pairs in index order instead of the
// whole vocabulary. The list is built from the logits (a small top-k kept set, the min-p candidates) or
// from the e values of a dense row (the top-p candidates whose crossing weight is below 2^23); the list
// stage then applies top-p (core::weighted_threshold, ties kept in index order), min-p and w > 0, and
// draws. The e values come from the core's lane templates and the rest is integer arithmetic, so the
// list gives the bits of the definition whatever the ISA.
#pragma once

#include <cstdint>

#include "sampling_common.h"

namespace rk::cpu {

template <class I>
struct SampleCandidates {
    using F = typename I::f32;
    using M = typename I::mask;
    static constexpr uint32_t W = I::kWidth;

    // ---- Building lists ------------------------------------------------------------------------------

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

    // Keeps the entries of the list sc.idx / sc.val [0, n) (logits) with l >= keep_from, in order; returns
    // their number.
    static uint32_t keep_logits_from(const core::SampleScratch& sc, uint32_t n, float keep_from) {
        uint32_t kept = 0;
        for (uint32_t j = 0; j < n; ++j)
            if (sc.val[j] >= keep_from) sc.idx[kept] = sc.idx[j], sc.val[kept++] = sc.val[j];
        return kept;
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

    // ---- The list stage ------------------------------------------------------------------------------

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

    // ---- Rows sampled from a list -------------------------------------------------------------------

    // The whole kept set of a top-k row as the list sc.idx / sc.val [0, n) (logits): e and w for it, the
    // total W (top-p needs the mass of every top-k-kept token), then the list stage.
    static void sample_logit_list(const core::SampleScratch& sc, uint32_t n, float m, const core::SampleParams& p,
                                  const core::PhiloxStream& stream, core::SampleResult& out, uint8_t* kept_mask) {
        exp_list(sc.val, n, p.temperature, m);
        uint64_t total = 0;
        for (uint32_t j = 0; j < n; ++j) total += sc.w[j] = core::sample_weight(sc.val[j]);
        list_stage(sc, n, total, p, stream, out, kept_mask);
    }

    // Min-p without top-p: the list of the tokens whose e can reach min_p (and l >= keep_from, the top-k
    // threshold; -Inf without top-k), then the list stage. W is not needed (p = 1), so e is computed for
    // the candidates only.
    static void sample_min_p_candidates(const float* l, uint32_t vocab, float m, float keep_from,
                                        const core::SampleParams& p, const core::PhiloxStream& stream,
                                        const core::SampleScratch& sc, core::SampleResult& out, uint8_t* kept_mask) {
        const float temp = p.temperature;
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
        list_stage(sc, n, 0, p, stream, out, kept_mask);
    }
};

}  // namespace rk::cpu
