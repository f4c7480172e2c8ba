// Dense rows (docs/sampling.md section 2, "Dense rows"): rows whose kept set may be large (no top-k,
// k > V/16, or a kept set above the list limit) and that need the exact total W: top-p, or no filter.
// One vector pass computes e for every token and the exact weight mass of each block of kSampleBlock
// tokens; without top-p the draw walks those block masses, then one block. With top-p, the crossing e
// value is selected inside a bracket estimated from a sample and checked by one more vector pass (the
// usual way, rows of at least kBracketMinVocab tokens), or by a radix selection on e's bits with
// weight-mass histograms; then the exact kept mass of each block and the draw in one block. Weights are
// summed exactly (in 32-bit halves, core::sample_weight_parts, or the ISA's 64-bit lanes), so neither the
// vector width nor the order of the sums reaches a bit.
#pragma once

#include <algorithm>
#include <cstdint>

#include "sampling_common.h"

namespace rk::cpu {

template <class I>
struct SampleDense {
    using F = typename I::f32;
    using U = typename I::u32;
    using M = typename I::mask;
    static constexpr uint32_t W = I::kWidth;

    // The sum of the lanes of v, exact in 64 bits.
    static uint64_t lane_sum(U v) {
        alignas(64) uint32_t a[W];
        I::ustore(a, v);
        uint64_t s = 0;
        for (uint32_t j = 0; j < W; ++j) s += a[j];
        return s;
    }

    // The exact mass (sum of weights) of the lanes of e selected by `sel`, accumulated in 32-bit halves (at most
    // 1024 adds per lane between flushes), or the ISA's own accumulator (I::SampleMassAcc: AVX-512 converts e 2^43
    // to 64-bit integers); the same sums either way, since they are exact.
    struct LaneMassAcc {
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
    template <class J>
    static auto pick_mass_acc(int) -> typename J::SampleMassAcc;
    template <class J>
    static auto pick_mass_acc(long) -> LaneMassAcc;
    using MassAcc = decltype(pick_mass_acc<I>(0));

    // ---- The exponentials ----------------------------------------------------------------------------

    // e = exp(l / T - m) for every token with l >= keep_from (the top-k threshold, -Inf without top-k),
    // else 0, into `e` (core::sample_exp_weighted: exact wherever the weight can be positive, below 2^-43
    // elsewhere; nothing here looks at e below 2^-43 except through its weight, 0); the exact mass of each block of kSampleBlock tokens, the total W and the number
    // of tokens with w > 0 (e >= 2^-43).
    static void exp_dense(const float* l, uint32_t vocab, float temperature, float m, float keep_from, float* e,
                          uint64_t* blocks, uint64_t& total, uint32_t& positive) {
        // l / 1 = l exactly: with T = 1 the division is left out.
        if (temperature == 1.0f) exp_dense_pass<false>(l, vocab, temperature, m, keep_from, e, blocks, total, positive);
        else exp_dense_pass<true>(l, vocab, temperature, m, keep_from, e, blocks, total, positive);
    }

    template <bool Divide>
    static void exp_dense_pass(const float* l, uint32_t vocab, float temperature, float m, float keep_from, float* e,
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
                const F s = Divide ? core::sample_scale<I>(x, t) : x;
                const F ev = I::fselect(I::fge(x, kf), core::sample_exp_weighted<I>(s, mv), zero);
                I::fstore(e + i, ev);
                acc.add(ev, I::fge(ev, tiny));
            }
            uint64_t mass = acc.mass();
            count += acc.count();
            for (; i < end; ++i) {
                const float ev = l[i] >= keep_from ? core::sample_exp_weighted<core::ScalarLanes>(
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

    // ---- Top-p ---------------------------------------------------------------------------------------

    // The smallest float e that a token of weight >= the top-p crossing weight can have, for the mass
    // target P = top_p_mass(p, W). Every such token has w >= v0 = floor((W - P) / positive) + 1: the
    // tokens below v0 weigh at most positive * (v0 - 1) <= W - P, so mass(w >= v0) >= P.
    static float top_p_candidate_floor(uint64_t target, uint64_t total, uint32_t positive) {
        const uint64_t v0 = (total - target) / positive + 1;
        return core::float_at_least(static_cast<double>(v0) * 0x1p-43);
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
        const float theta = top_p_candidate_floor(target, total, positive);
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
        // above = mass(e > u) = mass(w > wu)
        finish_top_p(e, vocab, u, wu, target, above, p, stream, sc, out, kept_mask);
        return true;
    }

    // The end of top-p on a dense row once the crossing value u (weight wu >= 2^23, so that the ties are exactly
    // e == u) and the mass above it are known: min-p, the exact kept mass of each block and the draw.
    static void finish_top_p(const float* e, uint32_t vocab, float u, uint64_t wu, uint64_t target, uint64_t above,
                             const core::SampleParams& p, const core::PhiloxStream& stream,
                             const core::SampleScratch& sc, core::SampleResult& out, uint8_t* kept_mask) {
        // The ties (e == u) kept in index order:
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
                return;
            }
        }
    }

    // ---- Top-p from a bracket (the selection over a small range of e) --------------------------------

    // The usual dense top-p path, after exp_dense (e, W): a range [lo, hi) of e estimated from a sample to hold
    // the crossing value u is checked by one vector pass over e, which sums the exact mass and count of e >= hi
    // and gathers the e values in [lo, hi) into a list. If mass(e >= hi) < P <= mass(e >= lo), u is in the list
    // and a weighted selection over the list alone finds it; otherwise the row goes on with the radix selection
    // (dense_top_p). The estimate only decides which tokens are looked at, never a result.
    static constexpr uint32_t kBracketSample = 2048;  // tokens of the estimate (whole vectors)
    // Shorter rows use the radix selection (the estimate would cost too large a share).
    static constexpr uint32_t kBracketMinVocab = 4 * kBracketSample;

    // The estimate: the weights of about kBracketSample tokens (whole vectors spread evenly over the row) in a
    // histogram of e's top 10 bits (an eighth of a binade per bucket); counted from the bottom, the bucket where
    // the sampled mass, scaled to the row, passes W - P (u is the largest e with mass(e < u) <= W - P; the
    // tokens below u are many, so the sample sees their mass well), widened by one bucket each way, and
    // lo >= 2^-20 (weights >= 2^23 are injective in e). False when no such range exists.
    static bool estimate_bracket(const float* e, uint32_t vocab, uint64_t total, uint64_t target, uint64_t* hist,
                                 float& lo, float& hi) {
        constexpr uint32_t kTop = 0x3F800000u >> 20;  // the bucket of e = 1
        std::fill(hist, hist + kTop + 1, uint64_t{0});
        const uint32_t vectors = vocab / W, take = std::max(1u, kBracketSample / W);
        const uint32_t stride = std::max(1u, vectors / take);
        uint32_t k = 0;
        for (; k < take && k * stride < vectors; ++k) {
            const float* x = e + static_cast<uint64_t>(k) * stride * W;
            for (uint32_t j = 0; j < W; ++j) hist[core::float_bits(x[j]) >> 20] += core::sample_weight(x[j]);
        }
        const double tail = static_cast<double>(total - target) * (static_cast<double>(k) * W / vocab);
        double acc = 0;
        uint32_t d = 0;
        while (d < kTop && acc + static_cast<double>(hist[d]) <= tail) acc += static_cast<double>(hist[d++]);
        const uint32_t lo_d = d > 0 ? d - 1 : 0, hi_d = d + 2;
        lo = std::max(core::bits_float(lo_d << 20), 0x1p-20f);
        hi = hi_d > kTop ? 2.0f : core::bits_float(hi_d << 20);
        return lo < hi;
    }

    // What the bracket pass sums (exactly).
    struct BracketSums {
        uint64_t mass_hi = 0;   // the mass of e >= hi
        uint32_t count_hi = 0;  // tokens of e >= hi
        uint32_t n = 0;         // the list: the indices of the e values in [lo, hi), ascending
    };

    // The mass and count of e >= hi, the mass of e >= hi in each block of kSampleBlock tokens (into `blocks`), and
    // the list of the indices of the e values in [lo, hi) (into `list`, which needs room for `vocab` entries).
    static void bracket_pass(const float* e, uint32_t vocab, float lo, float hi, uint32_t* list, uint64_t* blocks,
                             BracketSums& r) {
        const F lov = I::fsplat(lo), hiv = I::fsplat(hi);
        alignas(64) uint32_t lanes[W];
        for (uint32_t j = 0; j < W; ++j) lanes[j] = j;
        const U iota = I::uload(lanes);
        uint64_t mass_hi = 0, count_hi = 0;
        uint32_t n = 0;
        for (uint32_t b0 = 0, blk = 0; b0 < vocab; b0 += core::kSampleBlock, ++blk) {
            const uint32_t end = std::min(vocab, b0 + core::kSampleBlock);
            MassAcc acc;
            uint32_t i = b0;
            for (; i + W <= end; i += W) {
                const F x = I::fload(e + i);
                acc.add(x, I::fge(x, hiv));
                n += sampling_detail::compress_store<I>(list + n, I::mand(I::fge(x, lov), I::flt(x, hiv)),
                                                        I::uadd(iota, I::usplat(i)));
            }
            uint64_t bmass = acc.mass();
            count_hi += acc.count();
            for (; i < end; ++i) {
                if (e[i] >= hi) bmass += core::sample_weight(e[i]), ++count_hi;
                else if (e[i] >= lo) list[n++] = i;
            }
            blocks[blk] = bmass;
            mass_hi += bmass;
        }
        r.mass_hi = mass_hi;
        r.count_hi = static_cast<uint32_t>(count_hi);
        r.n = n;
    }

    // Whether mass(e >= lo) >= target after a bracket pass (the list's weights summed).
    static bool reaches(const float* e, const BracketSums& r, const uint32_t* list, uint64_t target) {
        uint64_t mass = r.mass_hi;
        for (uint32_t j = 0; j < r.n; ++j) mass += core::sample_weight(e[list[j]]);
        return mass >= target;
    }

    // Top-p (and min-p) after the bracket pass (P = target; `blocks` as bracket_pass left them): false when the
    // crossing value is outside [lo, hi) (the row then goes on with dense_top_p). Inside, with lo >= 2^-20, the
    // list's weights are exactly e 2^43 and injective, every token above the list weighs more and every token
    // below it less, so the crossing weight v is the list's weighted selection for the mass P - mass(e >= hi),
    // and u = v 2^-43.
    static bool top_p_in_bracket(const float* e, uint32_t vocab, uint64_t target, const BracketSums& r,
                                 const uint32_t* list, uint64_t* blocks, const core::SampleParams& p,
                                 const core::PhiloxStream& stream, const core::SampleScratch& sc,
                                 core::SampleResult& out, uint8_t* kept_mask) {
        if (r.mass_hi >= target) return false;  // u >= hi
        uint64_t list_mass = 0;
        for (uint32_t j = 0; j < r.n; ++j) list_mass += sc.w[j] = core::sample_weight(e[list[j]]);
        if (r.mass_hi + list_mass < target) return false;  // u < lo
        const uint64_t v = core::weighted_threshold(sc.w, r.n, target - r.mass_hi, sc.hist, sc.wbuf);
        uint64_t above = r.mass_hi, count = r.count_hi;
        for (uint32_t j = 0; j < r.n; ++j)
            if (sc.w[j] > v) above += sc.w[j], ++count;
        const float u = static_cast<float>(v) * 0x1p-43f;  // exact: v = u 2^43 has at most 24 significant bits
        if (p.min_p > 0.0) {
            finish_top_p(e, vocab, u, v, target, above, p, stream, sc, out, kept_mask);
            return true;
        }
        const uint64_t ties_kept = core::top_p_ties_kept(target, above, v);
        const uint64_t kept_mass = above + ties_kept * v, kept = count + ties_kept;
        if (kept_mask)
            for (uint64_t i = 0, rank = 0; i < vocab; ++i) kept_mask[i] = e[i] > u || (e[i] == u && rank++ < ties_kept);
        // The kept mass of each block: its mass above the list, plus its kept list entries (ties by index).
        uint64_t ties_left = ties_kept;
        for (uint32_t j = 0; j < r.n; ++j)
            if (sc.w[j] > v || (sc.w[j] == v && ties_left != 0 && (--ties_left, true)))
                blocks[list[j] / core::kSampleBlock] += sc.w[j];
        // The draw: the block, then the token.
        const uint64_t rd = core::sample_draw_target(core::sample_draw_word(stream), kept_mass);
        uint64_t cum = 0;
        uint32_t blk = 0;
        while (cum + blocks[blk] <= rd) cum += blocks[blk++];
        const uint32_t b0 = blk * core::kSampleBlock;
        uint64_t rank = 0;  // ties before the block
        for (uint32_t j = 0; j < r.n && list[j] < b0; ++j) rank += sc.w[j] == v;
        for (uint32_t i = b0;; ++i) {
            const float x = e[i];
            const bool keep = x > u || (x == u && rank++ < ties_kept);
            if (!keep) continue;
            const uint64_t wi = core::sample_weight(x);
            if ((cum += wi) > rd) {
                sampling_detail::set_drawn(out, i, wi, kept_mass, kept);
                return true;
            }
        }
    }

    // ---- No filter -----------------------------------------------------------------------------------

    // The draw over every token of a row that exp_dense processed (e, block masses, total W, positive
    // weights): the block masses, then one block.
    static void draw_unfiltered(const float* e, uint32_t vocab, const uint64_t* blocks, uint64_t total,
                                uint32_t positive, const core::PhiloxStream& stream, core::SampleResult& out,
                                uint8_t* kept_mask) {
        if (kept_mask)
            for (uint32_t i = 0; i < vocab; ++i) kept_mask[i] = core::sample_weight(e[i]) != 0;
        const uint64_t r = core::sample_draw_target(core::sample_draw_word(stream), total);
        uint64_t cum = 0;
        uint32_t blk = 0;
        while (cum + blocks[blk] <= r) cum += blocks[blk++];
        uint32_t i = blk * core::kSampleBlock;
        uint64_t wi;
        while ((cum += (wi = core::sample_weight(e[i]))) <= r) ++i;
        sampling_detail::set_drawn(out, i, wi, total, positive);
    }
};

}  // namespace rk::cpu
