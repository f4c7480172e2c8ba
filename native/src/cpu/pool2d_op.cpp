// Pooling on the CPU backend: the tables the kernels read (built here, on the calling thread, from the core's
// functions: the column candidates of the backward gather, the owner of each position when max-pooling windows do not
// overlap, the average windows' extents, the global gradient), then
// independent output units split across the context's threads (pool2d_kernels.h lists the units of each pass).
#include <algorithm>
#include <vector>

#include "cpu_backend.h"

namespace rk::cpu {

const PoolKernels& pool_kernels(rk_isa isa) {
    switch (isa) {
#if defined(RK_HAVE_X86_KERNELS)
        case RK_ISA_AVX2: return pool_kernels_avx2();
        case RK_ISA_AVX512: return pool_kernels_avx512();
#endif
#if defined(RK_HAVE_NEON_KERNELS)
        case RK_ISA_NEON: return pool_kernels_neon();
#endif
        default: return pool_kernels_scalar();
    }
}

namespace {

constexpr uint64_t kMinElementsPerThread = 1u << 15;  // below this, threading costs more than it saves
constexpr int64_t kMaxColumnTable = int64_t{1} << 24;  // larger tables: candidates enumerated per element

void run_units(ThreadPool& pool, int64_t units, int64_t elements_per_unit, void (*kernel)(const PoolKernelArgs&, int64_t, int64_t),
               const PoolKernelArgs& k) {
    if (units <= 0) return;
    const uint64_t min_units = std::max<uint64_t>(1, kMinElementsPerThread / static_cast<uint64_t>(std::max<int64_t>(1, elements_per_unit)));
    // A unit's work, for parallel_for's rule on waking threads (thread_pool.h): the elements it reads or writes.
    const uint64_t work = kWorkPerMemoryElement * static_cast<uint64_t>(std::max<int64_t>(1, elements_per_unit));
    parallel_for(pool, static_cast<uint64_t>(units), min_units, 1, work,
                 [&](uint64_t begin, uint64_t end) {
        kernel(k, static_cast<int64_t>(begin), static_cast<int64_t>(end));
    });
}

// The outputs along one axis whose window contains each input position (core::pool_windows_containing), ascending:
// list[start[x] .. start[x + 1]); start stays empty when the table would exceed kMaxColumnTable entries.
void build_candidates(int64_t in, int64_t out, int32_t k, int32_t s, int32_t pad, int32_t d, std::vector<int64_t>& start,
                      std::vector<int64_t>& list) {
    if (out * std::min<int64_t>(k, in) > kMaxColumnTable) return;
    start.resize(static_cast<size_t>(in + 1));
    for (int64_t x = 0; x < in; ++x) {
        start[static_cast<size_t>(x)] = static_cast<int64_t>(list.size());
        core::pool_windows_containing(x, out, k, s, pad, d, [&](int64_t o) { list.push_back(o); });
    }
    start[static_cast<size_t>(in)] = static_cast<int64_t>(list.size());
}

// Whether every position of a candidate table has at most one candidate.
bool one_each(const std::vector<int64_t>& start) {
    for (size_t x = 0; x + 1 < start.size(); ++x)
        if (start[x + 1] - start[x] > 1) return false;
    return true;
}

}  // namespace

int32_t pooling(void* impl, const backend::PoolArgs* args, backend::OpError*) {
    CpuBackend& b = *static_cast<CpuBackend*>(impl);
    const backend::PoolArgs& a = *args;
    const core::PoolGeometry& g = a.g;
    PoolKernelArgs k{};
    k.a = &a;
    const int64_t planes = g.planes();

    if (g.mode == core::PoolMode::kGlobalAvg) {
        if (!a.backward) {
            const int64_t blocks = (g.c + kGlobalChannelBlock - 1) / kGlobalChannelBlock;
            if (g.nhwc) run_units(b.pool, g.n * blocks, g.plane_in() * std::min(g.c, kGlobalChannelBlock), b.pooling.global_forward, k);
            else run_units(b.pool, planes, g.plane_in(), b.pooling.global_forward, k);
            return RK_STATUS_OK;
        }
        std::vector<float> grad(static_cast<size_t>(planes));
        for (int64_t i = 0; i < planes; ++i) grad[static_cast<size_t>(i)] = core::global_avg_pool_grad(g, a.in[i]);
        k.global_grad = grad.data();
        if (g.nhwc) run_units(b.pool, g.n, g.plane_in() * g.c, b.pooling.global_backward, k);
        else run_units(b.pool, planes, g.plane_in(), b.pooling.global_backward, k);
        return RK_STATUS_OK;
    }

    std::vector<core::AvgExtent> avg_rows, avg_cols;
    if (g.mode == core::PoolMode::kAvg) {
        avg_rows.resize(static_cast<size_t>(g.p));
        avg_cols.resize(static_cast<size_t>(g.q));
        for (int64_t p = 0; p < g.p; ++p) avg_rows[static_cast<size_t>(p)] = core::avg_pool_extent(p, g.h, g.kh, g.sh, g.ph);
        for (int64_t q = 0; q < g.q; ++q) avg_cols[static_cast<size_t>(q)] = core::avg_pool_extent(q, g.w, g.kw, g.sw, g.pw);
        k.avg_rows = avg_rows.data();
        k.avg_cols = avg_cols.data();
    }
    if (!a.backward) {
        if (g.nhwc) run_units(b.pool, g.n * g.p, g.q * g.c * g.kh * g.kw, b.pooling.forward, k);
        else run_units(b.pool, planes * g.p, g.q * g.kh * g.kw, b.pooling.forward, k);
        return RK_STATUS_OK;
    }
    // The column candidates of the gather: at most kw per column, Q * kw in all.
    std::vector<int64_t> col_start, col_list, row_start, row_list, owner;
    build_candidates(g.w, g.q, g.kw, g.sw, g.pw, g.mode == core::PoolMode::kMax ? g.dw : 1, col_start, col_list);
    if (!col_start.empty()) {
        k.col_start = col_start.data();
        k.col_list = col_list.data();
    }
    // NCHW max pooling whose windows do not overlap (at most one candidate per row and per column): the owner of each
    // position, for the scatter form of the gather (pool2d_impl.h), one plane per unit.
    if (g.mode == core::PoolMode::kMax && !g.nhwc && k.col_start && g.h * g.w <= kMaxColumnTable) {
        build_candidates(g.h, g.p, g.kh, g.sh, g.ph, g.dh, row_start, row_list);
        if (!row_start.empty() && one_each(row_start) && one_each(col_start)) {
            owner.assign(static_cast<size_t>(g.h * g.w), -1);
            for (size_t h = 0; h < static_cast<size_t>(g.h); ++h)
                for (size_t w = 0; w < static_cast<size_t>(g.w); ++w)
                    if (row_start[h] < row_start[h + 1] && col_start[w] < col_start[w + 1])
                        owner[h * static_cast<size_t>(g.w) + w] =
                            row_list[static_cast<size_t>(row_start[h])] * g.q + col_list[static_cast<size_t>(col_start[w])];
            k.owner = owner.data();
            run_units(b.pool, planes, g.h * g.w * 2, b.pooling.backward, k);
            return RK_STATUS_OK;
        }
    }
    if (g.nhwc) run_units(b.pool, g.n * g.h, g.w * g.c * 2, b.pooling.backward, k);
    else run_units(b.pool, planes * g.h, g.w * 2, b.pooling.backward, k);
    return RK_STATUS_OK;
}

}  // namespace rk::cpu
