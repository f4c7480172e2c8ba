// Pooling on the CPU backend: the tables the kernels read (built here, on the calling thread, from the core's
// functions: the column candidates of the backward gather, the average windows' extents, the global gradient), then
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
    parallel_for(pool, static_cast<uint64_t>(units), min_units, 1, [&](uint64_t begin, uint64_t end) {
        kernel(k, static_cast<int64_t>(begin), static_cast<int64_t>(end));
    });
}

}  // namespace

int32_t pooling(void* impl, const backend::PoolArgs* args, backend::OpError*) {
    CpuBackend& b = *static_cast<CpuBackend*>(impl);
    const backend::PoolArgs& a = *args;
    const core::PoolGeometry& g = a.g;
    PoolKernelArgs k{&a, nullptr, nullptr, nullptr, nullptr, nullptr};
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
    std::vector<int64_t> col_start, col_list;
    if (g.q * std::min<int64_t>(g.kw, g.w) <= kMaxColumnTable) {
        col_start.resize(static_cast<size_t>(g.w + 1));
        for (int64_t w = 0; w < g.w; ++w) {
            col_start[static_cast<size_t>(w)] = static_cast<int64_t>(col_list.size());
            core::pool_windows_containing(w, g.q, g.kw, g.sw, g.pw, g.mode == core::PoolMode::kMax ? g.dw : 1,
                                          [&](int64_t oq) { col_list.push_back(oq); });
        }
        col_start[static_cast<size_t>(g.w)] = static_cast<int64_t>(col_list.size());
        k.col_start = col_start.data();
        k.col_list = col_list.data();
    }
    if (g.nhwc) run_units(b.pool, g.n * g.h, g.w * g.c * 2, b.pooling.backward, k);
    else run_units(b.pool, planes * g.h, g.w * 2, b.pooling.backward, k);
    return RK_STATUS_OK;
}

}  // namespace rk::cpu
