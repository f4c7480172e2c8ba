// Optimizer kernels (docs/training.md section 6) over an ISA description I (elementwise_table_impl.h): the state
// check and the SGD / Adam updates, whole vectors through the core's templates and the tail through one vector of
// zero-padded lanes (no scalar instantiation in an ISA file). The constants are copied to a local first: the stores
// to p, m and v could otherwise alias them, and the compiler would reload them after every store.
#pragma once

#include <cfloat>
#include <cmath>
#include <cstdint>

#include "../core/optimizer.h"
#include "cpu_inline.h"

namespace rk::cpu {

template <class I>
struct OptimizerKernels {
    using F = typename I::f32;
    static constexpr uint64_t W = static_cast<uint64_t>(I::kWidth);
    static constexpr uint64_t kBlock = 1024;  // elements per vector check (a multiple of every W)

    static bool finite(float v) { return std::fabs(v) <= FLT_MAX; }

    // The first non-finite element of a block, scanned one at a time (a before b at each j); `to` when none.
    static uint64_t scan(const float* a, const float* b, uint64_t from, uint64_t to, int32_t* which) {
        for (uint64_t j = from; j < to; ++j) {
            if (!finite(a[j])) return *which = 0, j;
            if (b && !finite(b[j])) return *which = 1, j;
        }
        return to;
    }

    // Whole blocks by vectors: fma(x, 0, acc) leaves acc a zero for finite x and makes it NaN (for good) for NaN or
    // +-Inf; a block whose accumulators end NaN is scanned for the element.
    template <bool kTwo>
    static uint64_t first_nonfinite_blocks(const float* a, const float* b, uint64_t n, int32_t* which) {
        const F zero = I::fsplat(0.0f);
        uint64_t k = 0;
        for (; n - k >= kBlock; k += kBlock) {
            F acc_a = zero, acc_b = zero;
            for (uint64_t j = 0; j < kBlock; j += W) {
                acc_a = I::ffma(I::fload(a + k + j), zero, acc_a);
                if constexpr (kTwo) acc_b = I::ffma(I::fload(b + k + j), zero, acc_b);
            }
            alignas(64) float lanes[W];
            I::fstore(lanes, I::fadd(acc_a, acc_b));
            bool bad = false;
            for (uint64_t l = 0; l < W; ++l) bad |= lanes[l] != lanes[l];
            if (bad) return scan(a, b, k, k + kBlock, which);
        }
        const uint64_t j = scan(a, b, k, n, which);
        return j;
    }

    static uint64_t first_nonfinite(const float* a, const float* b, uint64_t n, int32_t* which) {
        *which = 0;
        return b ? first_nonfinite_blocks<true>(a, b, n, which) : first_nonfinite_blocks<false>(a, b, n, which);
    }

    static void sgd(const core::SgdConstants& constants, float* p, const float* g, float* b, uint64_t n) {
        const core::SgdConstants c = constants;
        const bool read_b = c.has_momentum && !c.first_step, write_b = c.has_momentum != 0;
        const F zero = I::fsplat(0.0f);
        uint64_t k = 0;
        for (; n - k >= W; k += W) {
            F pv = I::fload(p + k), bv = read_b ? I::fload(b + k) : zero;
            core::sgd_update<I>(c, pv, I::fload(g + k), bv);
            I::fstore(p + k, pv);
            if (write_b) I::fstore(b + k, bv);
        }
        if (k == n) return;
        alignas(64) float bp[W] = {}, bg[W] = {}, bb[W] = {};
        for (uint64_t i = 0; k + i < n; ++i) {
            bp[i] = p[k + i];
            bg[i] = g[k + i];
            if (read_b) bb[i] = b[k + i];
        }
        F pv = I::fload(bp), bv = I::fload(bb);
        core::sgd_update<I>(c, pv, I::fload(bg), bv);
        I::fstore(bp, pv);
        I::fstore(bb, bv);
        for (uint64_t i = 0; k + i < n; ++i) {
            p[k + i] = bp[i];
            if (write_b) b[k + i] = bb[i];
        }
    }

    static void adam(const core::AdamConstants& constants, float* p, const float* g, float* m, float* v, uint64_t n) {
        const core::AdamConstants c = constants;
        uint64_t k = 0;
        for (; n - k >= W; k += W) {
            F pv = I::fload(p + k), mv = I::fload(m + k), vv = I::fload(v + k);
            core::adam_update<I>(c, pv, I::fload(g + k), mv, vv);
            I::fstore(p + k, pv);
            I::fstore(m + k, mv);
            I::fstore(v + k, vv);
        }
        if (k == n) return;
        alignas(64) float bp[W] = {}, bg[W] = {}, bm[W] = {}, bv[W] = {};
        for (uint64_t i = 0; k + i < n; ++i) {
            bp[i] = p[k + i];
            bg[i] = g[k + i];
            bm[i] = m[k + i];
            bv[i] = v[k + i];
        }
        F pv = I::fload(bp), mv = I::fload(bm), vv = I::fload(bv);
        core::adam_update<I>(c, pv, I::fload(bg), mv, vv);
        I::fstore(bp, pv);
        I::fstore(bm, mv);
        I::fstore(bv, vv);
        for (uint64_t i = 0; k + i < n; ++i) {
            p[k + i] = bp[i];
            m[k + i] = bm[i];
            v[k + i] = bv[i];
        }
    }
};

}  // namespace rk::cpu
