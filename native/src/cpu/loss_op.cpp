// Cross-entropy on the CPU backend: every target checked first (the first bad row is reported, nothing written), then
// the rows split across the context's threads (a row's loss and gradient depend only on that row), each row by the
// ISA's kernels (loss_impl.h); the reductions sum and mean add the row losses by the canonical sum afterwards, on the
// calling thread, so the split never changes a bit.
#include <algorithm>
#include <vector>

#include "cpu_backend.h"

namespace rk::cpu {

const LossKernels& loss_kernels(rk_isa isa) {
    switch (isa) {
#if defined(RK_HAVE_X86_KERNELS)
        case RK_ISA_AVX2: return loss_kernels_avx2();
        case RK_ISA_AVX512: return loss_kernels_avx512();
#endif
#if defined(RK_HAVE_NEON_KERNELS)
        case RK_ISA_NEON: return loss_kernels_neon();
#endif
        default: return loss_kernels_scalar();
    }
}

namespace {

constexpr uint64_t kMinElementsPerThread = 1u << 15;  // below this, threading costs more than it saves
// a logit's exp and its share of the row, for parallel_for's rule (thread_pool.h)
constexpr uint64_t kWorkPerElement = 2 * kWorkPerMemoryElement;

}  // namespace

int32_t cross_entropy(void* impl, const backend::CrossEntropyArgs* args, backend::CrossEntropyFailure* failed,
                      backend::OpError*) {
    CpuBackend& b = *static_cast<CpuBackend*>(impl);
    const backend::CrossEntropyArgs& a = *args;
    failed->row = -1;
    int64_t count = 0;  // rows not ignored
    for (int64_t r = 0; r < a.batch; ++r) {
        const int64_t t = a.targets[r];
        if (!core::cross_entropy_target_ok(t, a.classes, a.ignore_index)) {
            *failed = backend::CrossEntropyFailure{r, t};
            return RK_STATUS_OK;
        }
        count += t != a.ignore_index ? 1 : 0;
    }
    const uint64_t rows = static_cast<uint64_t>(a.batch);
    const uint64_t min_rows = std::max<uint64_t>(1, kMinElementsPerThread / static_cast<uint64_t>(a.classes));
    const uint64_t row_work = kWorkPerElement * static_cast<uint64_t>(a.classes);
    const bool none = a.reduction == backend::LossReduction::kNone, mean = a.reduction == backend::LossReduction::kMean;
    if (a.backward) {
        const float g = none ? 0.0f : core::cross_entropy_scale(a.dloss[0], mean, count);
        parallel_for(b.pool, rows, min_rows, 1, row_work, [&](uint64_t begin, uint64_t end) {
            b.loss.backward_rows(a, static_cast<int64_t>(begin), static_cast<int64_t>(end), none, g);
        });
        return RK_STATUS_OK;
    }
    std::vector<float> losses(none ? 0 : rows);
    float* row_loss = none ? a.out : losses.data();
    parallel_for(b.pool, rows, min_rows, 1, row_work, [&](uint64_t begin, uint64_t end) {
        b.loss.forward_rows(a, static_cast<int64_t>(begin), static_cast<int64_t>(end), row_loss);
    });
    if (!none) {
        const float total = b.loss.canonical_sum(losses.data(), a.batch);
        a.out[0] = mean ? core::cross_entropy_mean(total, count) : total;
    }
    return RK_STATUS_OK;
}

}  // namespace rk::cpu
