// Optimizer steps on the CPU backend. The tensors of a call are one index space (tensor after tensor); it is split
// into independent pieces starting at multiples of 64 elements, and a piece runs the ISA's kernels
// (optimizer_impl.h) on each tensor it covers. First the state check: each piece finds its first non-finite state
// element, the smallest (tensor, element, state) over the pieces is the call's; only when there is none do the
// pieces update.
#include <algorithm>
#include <atomic>
#include <vector>

#include "cpu_backend.h"
#include "elementwise_kernels.h"

namespace rk::cpu {
namespace {

constexpr uint64_t kMinElementsPerThread = 1u << 15;
// an element's update, for parallel_for's rule on waking threads (thread_pool.h)
constexpr uint64_t kWorkPerElement = kWorkPerMemoryElement;
constexpr uint64_t kPieceAlign = 64;

}  // namespace

int32_t optimizer(void* impl, const backend::OptimizerArgs* args, backend::OptimizerFailure* failed,
                  backend::OpError*) {
    CpuBackend& b = *static_cast<CpuBackend*>(impl);
    const backend::OptimizerArgs& a = *args;
    const ElementwiseKernels& k = elementwise_kernels(b.isa);
    failed->tensor = -1;
    // first[i]: the index of tensor i's element 0 in the call's index space.
    std::vector<uint64_t> first(a.tensor_count + 1, 0);
    for (uint64_t i = 0; i < a.tensor_count; ++i) first[i + 1] = first[i] + a.tensors[i].count;
    // fn(tensor, lo, hi) for the parts of the tensors in [begin, end); stops when fn returns true.
    const auto each_part = [&](uint64_t begin, uint64_t end, const auto& fn) {
        uint64_t i = static_cast<uint64_t>(std::upper_bound(first.begin(), first.end(), begin) - first.begin()) - 1;
        for (; i < a.tensor_count && first[i] < end; ++i) {
            const uint64_t lo = std::max(begin, first[i]) - first[i], hi = std::min(end, first[i + 1]) - first[i];
            if (lo < hi && fn(a.tensors[i], i, lo, hi)) return;
        }
    };

    if (a.check_state0 || a.check_state1) {
        // Key of a state element: 2 * (its index in the call) + state; the smallest key is the first in order.
        std::atomic<uint64_t> best{UINT64_MAX};
        parallel_for(b.pool, a.total, kMinElementsPerThread, kPieceAlign, kWorkPerElement, [&](uint64_t begin, uint64_t end) {
            each_part(begin, end, [&](const backend::OptimizerTensor& t, uint64_t i, uint64_t lo, uint64_t hi) {
                const float* s0 = a.check_state0 ? t.state0 + lo : t.state1 + lo;
                const float* s1 = a.check_state0 && a.check_state1 ? t.state1 + lo : nullptr;
                int32_t which = 0;
                const uint64_t j = k.first_nonfinite(s0, s1, hi - lo, &which);
                if (j == hi - lo) return false;
                const uint64_t key = 2 * (first[i] + lo + j) + static_cast<uint64_t>(a.check_state0 ? which : 1);
                uint64_t seen = best.load();
                while (key < seen && !best.compare_exchange_weak(seen, key)) {
                }
                return true;
            });
        });
        const uint64_t key = best.load();
        if (key != UINT64_MAX) {
            const uint64_t global = key / 2;
            const uint64_t i = static_cast<uint64_t>(std::upper_bound(first.begin(), first.end(), global) - first.begin()) - 1;
            const backend::OptimizerTensor& t = a.tensors[i];
            failed->tensor = static_cast<int64_t>(i);
            failed->element = static_cast<int64_t>(global - first[i]);
            failed->state = static_cast<int32_t>(key % 2);
            failed->value = (failed->state == 0 ? t.state0 : t.state1)[global - first[i]];
            return RK_STATUS_OK;
        }
    }

    parallel_for(b.pool, a.total, kMinElementsPerThread, kPieceAlign, kWorkPerElement, [&](uint64_t begin, uint64_t end) {
        each_part(begin, end, [&](const backend::OptimizerTensor& t, uint64_t, uint64_t lo, uint64_t hi) {
            if (a.kind == backend::OptimizerKind::kSgd)
                k.sgd(a.sgd, t.param + lo, t.grad + lo, t.state0 ? t.state0 + lo : nullptr, hi - lo);
            else
                k.adam(a.adam, t.param + lo, t.grad + lo, t.state0 + lo, t.state1 + lo, hi - lo);
            return false;
        });
    });
    return RK_STATUS_OK;
}

}  // namespace rk::cpu
