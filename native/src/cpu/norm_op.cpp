// BatchNorm2d / LayerNorm on the CPU backend. The sums are split into units of one 2048-element chunk of one group;
// the units run on the pool in any split, and each group's chunk sums are then added in chunk order (the canonical
// sum's step 3), so the result never depends on the thread count. The elementwise pass uses the same units.
#include <vector>

#include "../core/canonical_sum.h"
#include "../core/int_math.h"
#include "cpu_backend.h"

namespace rk::cpu {

const NormKernels& norm_kernels(rk_isa isa) {
    switch (isa) {
#if defined(RK_HAVE_X86_KERNELS)
        case RK_ISA_AVX2: return norm_kernels_avx2();
        case RK_ISA_AVX512: return norm_kernels_avx512();
#endif
#if defined(RK_HAVE_NEON_KERNELS)
        case RK_ISA_NEON: return norm_kernels_neon();
#endif
        default: return norm_kernels_scalar();
    }
}

namespace {

constexpr uint64_t kMinUnitsPerThread = 8;  // 16 K elements: below this, threading costs more than it saves
// A chunk of kSumChunk elements, for parallel_for's rule on waking threads (thread_pool.h).
constexpr uint64_t kWorkPerChunk = kWorkPerMemoryElement * static_cast<uint64_t>(core::kSumChunk);
constexpr int64_t kColumnBlock = 256;        // LayerNorm dγ/dβ: columns per unit
// Groups of at most this many elements (64 KiB of x), or any size when there are at least kWholeGroupsPerThread
// groups per thread, are done whole by one unit: its passes (sums, elementwise) follow each other while the group's
// data is in the core's cache, instead of one pass over all groups per sum; a group larger than the cache is walked
// backwards on every second pass, so that each pass starts on the chunks the previous one read last. The chunk sums
// are still added in chunk order, and the operations are the same either way.
constexpr int64_t kWholeGroupMax = 16384;
constexpr int64_t kWholeGroupsPerThread = 4;

using backend::NormArgs;
using backend::NormPass;

struct Run {
    CpuBackend& b;
    const NormArgs& a;
    int64_t groups = a.g.groups;
    int64_t chunks = core::ceil_div(a.g.group_size(), core::kSumChunk);

    // Per group: the canonical sum(s) of `what` (width 1 or 2), from the chunk sums added in order.
    std::vector<float> sums(NormSum what, int width, const float* mean, const float* invstd) {
        std::vector<float> part(static_cast<size_t>(groups * chunks * width));
        parallel_for(b.pool, groups * chunks, kMinUnitsPerThread, 1, kWorkPerChunk, [&](uint64_t u0, uint64_t u1) {
            for (uint64_t u = u0; u < u1; ++u) {
                const int64_t g = u / chunks, c = u % chunks;
                b.norm.chunk_sums(a, what, g, c, mean ? mean[g] : 0.0f, invstd ? invstd[g] : 0.0f, &part[u * width]);
            }
        });
        std::vector<float> total(static_cast<size_t>(groups * width));
        for (int64_t g = 0; g < groups; ++g)
            for (int w = 0; w < width; ++w) {
                core::SumTotal t;
                for (int64_t c = 0; c < chunks; ++c) t.add(part[(g * chunks + c) * width + w]);
                total[g * width + w] = t.total;
            }
        return total;
    }

    // The elementwise pass from each group's constants (core::kNormConstants per group).
    void apply(const std::vector<float>& constants) {
        const int64_t m = a.g.group_size();
        parallel_for(b.pool, groups * chunks, kMinUnitsPerThread, 1, kWorkPerChunk, [&](uint64_t u0, uint64_t u1) {
            for (uint64_t u = u0; u < u1; ++u) {
                const int64_t g = u / chunks, j0 = (u % chunks) * core::kSumChunk;
                b.norm.apply(a, g, j0, m - j0 < core::kSumChunk ? m : j0 + core::kSumChunk,
                             &constants[g * core::kNormConstants]);
            }
        });
    }

    // Group g's canonical sum(s) of `what` (width 1 or 2) into out, on this thread: the chunk sums computed in chunk
    // order or (backwards) in reverse, then added in chunk order.
    void group_sums(NormSum what, int width, int64_t g, float mean, float invstd, bool backwards, float* out) {
        core::SumTotal t[2];
        if (!backwards) {
            for (int64_t c = 0; c < chunks; ++c) {
                float part[2];
                b.norm.chunk_sums(a, what, g, c, mean, invstd, part);
                for (int w = 0; w < width; ++w) t[w].add(part[w]);
            }
        } else {
            std::vector<float> part(static_cast<size_t>(chunks * width));
            for (int64_t c = chunks - 1; c >= 0; --c) b.norm.chunk_sums(a, what, g, c, mean, invstd, &part[c * width]);
            for (int64_t c = 0; c < chunks; ++c)
                for (int w = 0; w < width; ++w) t[w].add(part[c * width + w]);
        }
        for (int w = 0; w < width; ++w) out[w] = t[w].total;
    }

    // The elementwise pass over group g, chunk by chunk, forwards or backwards.
    void group_apply(int64_t g, const float* c, bool backwards) {
        const int64_t m = a.g.group_size();
        for (int64_t i = 0; i < chunks; ++i) {
            const int64_t j0 = (backwards ? chunks - 1 - i : i) * core::kSumChunk;
            b.norm.apply(a, g, j0, m - j0 < core::kSumChunk ? m : j0 + core::kSumChunk, c);
        }
    }

    bool whole_groups() const {
        return a.g.group_size() <= kWholeGroupMax || groups >= kWholeGroupsPerThread * b.pool.size();
    }

    // Units of whole groups: fn(g) for each group, on the pool.
    template <class Fn>
    void for_groups(int passes, Fn fn) {
        const uint64_t work = kWorkPerMemoryElement * static_cast<uint64_t>(a.g.group_size()) * passes;
        const uint64_t min_groups = core::ceil_div(kMinUnitsPerThread * core::kSumChunk, a.g.group_size());
        parallel_for(b.pool, groups, min_groups, 1, work, [&](uint64_t g0, uint64_t g1) {
            for (uint64_t g = g0; g < g1; ++g) fn(static_cast<int64_t>(g));
        });
    }

    // One group of the training forward: sum(x), mean, sum(d·d), invstd, the running statistics, the elementwise pass.
    void forward_training_group(int64_t g) {
        const int64_t m = a.g.group_size();
        float sx, sdd;
        group_sums(NormSum::kX, 1, g, 0.0f, 0.0f, false, &sx);
        a.mean[g] = core::norm_mean(sx, m);
        group_sums(NormSum::kCenteredSq, 1, g, a.mean[g], 0.0f, true, &sdd);
        a.invstd[g] = core::norm_invstd(sdd, m, a.eps);
        if (a.running_mean)
            core::norm_running_update(a.momentum, a.mean[g], sdd, m, a.running_mean[g], a.running_var[g]);
        float c[core::kNormConstants];
        core::norm_forward_constants(a.g, g, a.mean[g], a.invstd[g], a.gamma, c);
        group_apply(g, c, false);
    }

    void forward_training() {
        if (whole_groups()) {
            for_groups(3, [&](int64_t g) { forward_training_group(g); });
            return;
        }
        const int64_t m = a.g.group_size();
        const std::vector<float> sx = sums(NormSum::kX, 1, nullptr, nullptr);
        for (int64_t g = 0; g < groups; ++g) a.mean[g] = core::norm_mean(sx[g], m);
        const std::vector<float> sdd = sums(NormSum::kCenteredSq, 1, a.mean, nullptr);
        std::vector<float> c(static_cast<size_t>(groups * core::kNormConstants));
        for (int64_t g = 0; g < groups; ++g) {
            a.invstd[g] = core::norm_invstd(sdd[g], m, a.eps);
            if (a.running_mean)
                core::norm_running_update(a.momentum, a.mean[g], sdd[g], m, a.running_mean[g], a.running_var[g]);
            core::norm_forward_constants(a.g, g, a.mean[g], a.invstd[g], a.gamma, &c[g * core::kNormConstants]);
        }
        apply(c);
    }

    void eval() {
        std::vector<float> c(static_cast<size_t>(groups * core::kNormConstants));
        for (int64_t g = 0; g < groups; ++g)
            core::bn_eval_constants(g, a.running_mean[g], a.running_var[g], a.eps, a.gamma, &c[g * core::kNormConstants]);
        apply(c);
    }

    // One group of the training backward: its two sums, constants (BatchNorm: dβ, dγ) and the elementwise pass.
    void backward_training_group(int64_t g) {
        float s[2], c[core::kNormConstants];
        group_sums(NormSum::kBackward, 2, g, a.mean[g], a.invstd[g], false, s);
        core::norm_backward_constants(a.g, g, a.mean[g], a.invstd[g], s[0], s[1], a.gamma, c);
        if (a.g.kind == core::NormKind::kBatchNorm2d) {
            if (a.dbeta) a.dbeta[g] = s[0];
            if (a.dgamma) a.dgamma[g] = s[1];
        }
        group_apply(g, c, false);
    }

    void backward_training() {
        const bool bn = a.g.kind == core::NormKind::kBatchNorm2d;
        if (whole_groups()) {
            for_groups(2, [&](int64_t g) { backward_training_group(g); });
            if (!bn && (a.dgamma || a.dbeta)) ln_affine_gradients();
            return;
        }
        const std::vector<float> s = sums(NormSum::kBackward, 2, a.mean, a.invstd);
        std::vector<float> c(static_cast<size_t>(groups * core::kNormConstants));
        for (int64_t g = 0; g < groups; ++g) {
            core::norm_backward_constants(a.g, g, a.mean[g], a.invstd[g], s[2 * g], s[2 * g + 1], a.gamma,
                                          &c[g * core::kNormConstants]);
            if (bn && a.dbeta) a.dbeta[g] = s[2 * g];
            if (bn && a.dgamma) a.dgamma[g] = s[2 * g + 1];
        }
        apply(c);
        if (!bn && (a.dgamma || a.dbeta)) ln_affine_gradients();
    }

    // LayerNorm's dγ[i], dβ[i]: canonical sums over the rows, as (row chunk, column block) units added in row-chunk
    // order.
    void ln_affine_gradients() {
        const int64_t d = a.g.inner, row_chunks = core::ceil_div(a.g.groups, core::kSumChunk);
        const int64_t blocks = core::ceil_div(d, kColumnBlock);
        std::vector<float> pg(static_cast<size_t>(row_chunks * d)), pb(pg.size());
        parallel_for(b.pool, row_chunks * blocks, 1, 1, kWorkPerChunk * static_cast<uint64_t>(kColumnBlock), [&](uint64_t u0, uint64_t u1) {
            for (uint64_t u = u0; u < u1; ++u) {
                const int64_t rc = u / blocks, col0 = (u % blocks) * kColumnBlock;
                const int64_t col1 = d - col0 < kColumnBlock ? d : col0 + kColumnBlock;
                b.norm.ln_column_chunk(a, rc, col0, col1, &pg[rc * d + col0], &pb[rc * d + col0]);
            }
        });
        for (int64_t i = 0; i < d; ++i) {
            core::SumTotal tg, tb;
            for (int64_t rc = 0; rc < row_chunks; ++rc) {
                tg.add(pg[rc * d + i]);
                tb.add(pb[rc * d + i]);
            }
            if (a.dgamma) a.dgamma[i] = tg.total;
            if (a.dbeta) a.dbeta[i] = tb.total;
        }
    }
};

}  // namespace

int32_t normalization(void* impl, const backend::NormArgs* args, backend::OpError*) {
    Run r{*static_cast<CpuBackend*>(impl), *args};
    if (r.groups == 0 || r.a.g.group_size() == 0) return RK_STATUS_OK;
    switch (args->pass) {
        case NormPass::kForwardTraining: r.forward_training(); break;
        case NormPass::kForwardEval:
        case NormPass::kBackwardEval: r.eval(); break;
        case NormPass::kBackwardTraining: r.backward_training(); break;
    }
    return RK_STATUS_OK;
}

}  // namespace rk::cpu
