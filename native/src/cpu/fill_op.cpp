// Stream fills and permutations on the CPU backend: independent pieces of [0, count) on the context's threads, each
// computed by the ISA's kernel table. Element i is a pure function of (stream, i), so the split changes nothing.
#include "../core/permutation.h"
#include "cpu_backend.h"

namespace rk::cpu {
namespace {

constexpr uint64_t kMinElementsPerThread = 1u << 16;  // below this, threading costs more than it saves
constexpr uint64_t kMinPositionsPerThread = 1u << 12; // a permutation position costs far more than a fill element
// a Philox-drawn element, for parallel_for's rule (thread_pool.h)
constexpr uint64_t kWorkPerElement = kWorkPerMemoryElement;
// a permutation position (Feistel rounds, cycle walking)
constexpr uint64_t kWorkPerPosition = 4 * kWorkPerMemoryElement;
constexpr uint64_t kPieceAlign = 64;                   // pieces start at multiples of 64 (even: word pairs stay whole)

// Runs `kernel(first, out + first, n)` on pieces of [0, count).
template <class T, class Kernel>
void split(CpuBackend& b, void* out, uint64_t count, Kernel kernel) {
    T* data = static_cast<T*>(out);
    parallel_for(b.pool, count, kMinElementsPerThread, kPieceAlign, kWorkPerElement,
                 [&](uint64_t begin, uint64_t end) { kernel(begin, data + begin, end - begin); });
}

}  // namespace

int32_t fill(void* impl, const backend::FillArgs* args, backend::OpError* err) {
    CpuBackend& b = *static_cast<CpuBackend*>(impl);
    const backend::FillArgs& a = *args;
    const KernelTable& k = b.kernels;
    const core::PhiloxStream& s = a.stream;
    using backend::FillKind;
    switch (a.kind) {
        case FillKind::kU32:
            split<uint32_t>(b, a.out, a.count, [&](uint64_t i, uint32_t* o, uint64_t n) { k.fill_u32(s, i, o, n); });
            return RK_STATUS_OK;
        case FillKind::kUniform:
            split<float>(b, a.out, a.count, [&](uint64_t i, float* o, uint64_t n) { k.fill_uniform(s, i, o, n); });
            return RK_STATUS_OK;
        case FillKind::kUniformRange:
            split<float>(b, a.out, a.count,
                         [&](uint64_t i, float* o, uint64_t n) { k.fill_uniform_range(s, i, o, n, a.a, a.b); });
            return RK_STATUS_OK;
        case FillKind::kNormal:
            split<float>(b, a.out, a.count,
                         [&](uint64_t i, float* o, uint64_t n) { k.fill_normal(s, i, o, n, a.a, a.b); });
            return RK_STATUS_OK;
        case FillKind::kTruncatedNormal:
            split<float>(b, a.out, a.count,
                         [&](uint64_t i, float* o, uint64_t n) { k.fill_truncated_normal(s, i, o, n, a.truncated); });
            return RK_STATUS_OK;
        case FillKind::kBernoulli:
            split<uint8_t>(b, a.out, a.count,
                           [&](uint64_t i, uint8_t* o, uint64_t n) { k.fill_bernoulli(s, i, o, n, a.threshold); });
            return RK_STATUS_OK;
        case FillKind::kInt64:
            split<int64_t>(b, a.out, a.count,
                           [&](uint64_t i, int64_t* o, uint64_t n) { k.fill_int64(s, i, o, n, a.low, a.span); });
            return RK_STATUS_OK;
    }
    return op_error(err, RK_STATUS_INTERNAL, "unknown fill kind");
}

int32_t permutation(void* impl, const backend::PermutationArgs* args, backend::OpError*) {
    CpuBackend& b = *static_cast<CpuBackend*>(impl);
    const backend::PermutationArgs& a = *args;
    core::Permutation perm;
    core::permutation_init(perm, a.n, a.seed, a.subsequence);
    parallel_for(b.pool, a.count, kMinPositionsPerThread, kPieceAlign, kWorkPerPosition, [&](uint64_t begin, uint64_t end) {
        for (uint64_t k = begin; k < end; ++k)
            a.out[k] = a.inverse ? core::permutation_invert(perm, a.first + k) : core::permutation_apply(perm, a.first + k);
    });
    return RK_STATUS_OK;
}

}  // namespace rk::cpu
