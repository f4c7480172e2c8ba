// Token sampling on the CPU backend: the rows split across the context's threads (a row's result depends only on its
// own logits, parameters and stream), each worker piece with its own scratch.
#include <algorithm>
#include <atomic>
#include <memory>
#include <vector>

#include "cpu_backend.h"

namespace rk::cpu {

int32_t sample(void* impl, const backend::SampleArgs* args, backend::SampleFailure* failed, backend::OpError*) {
    CpuBackend& b = *static_cast<CpuBackend*>(impl);
    const backend::SampleArgs& a = *args;
    failed->row = -1;

    // One scratch per worker piece, allocated here (never inside a worker, where an exception could not reach the
    // C API's guard); pieces claim them in any order, which changes nothing in the results.
    const int slots = static_cast<int>(std::min<int64_t>(a.batch, b.pool.size()));
    const uint64_t bytes = core::sample_scratch_bytes(a.vocab);
    std::vector<std::unique_ptr<unsigned char[]>> buffers(static_cast<size_t>(slots));
    std::vector<backend::SampleFailure> failures(static_cast<size_t>(slots), backend::SampleFailure{-1, {}});
    for (auto& buffer : buffers) buffer.reset(new unsigned char[bytes]);
    std::atomic<int> next_slot{0};

    // A row's work, for parallel_for's rule on waking threads (thread_pool.h): its logits' exps, selection and sums.
    parallel_for(b.pool, static_cast<uint64_t>(a.batch), 1, 1, kWorkPerMemoryElement * static_cast<uint64_t>(a.vocab), [&](uint64_t begin, uint64_t end) {
        const int slot = next_slot.fetch_add(1);
        const core::SampleScratch scratch = core::sample_scratch_carve(buffers[slot].get(), a.vocab);
        for (uint64_t r = begin; r < end; ++r) {
            core::SampleResult res;
            b.kernels.sample_row(a.logits + r * static_cast<uint64_t>(a.row_stride), a.vocab, a.params[r], a.streams[r],
                                 scratch, res);
            if (res.error != core::SampleError::kNone) {  // rows after it in this piece are skipped
                failures[slot] = backend::SampleFailure{
                    static_cast<int64_t>(r), {static_cast<int32_t>(res.error), 0, res.error_index}};
                return;
            }
            a.tokens[r] = res.token;
            if (a.probs) a.probs[r] = res.prob;
            if (a.logprobs) a.logprobs[r] = res.logprob;
            if (a.kept_counts) a.kept_counts[r] = res.kept;
        }
    });

    // Pieces are contiguous and stop at their first failing row, so the smallest recorded row is the first failing
    // row of the batch, whatever the thread count.
    for (const backend::SampleFailure& f : failures)
        if (f.row >= 0 && (failed->row < 0 || f.row < failed->row)) *failed = f;
    return RK_STATUS_OK;
}

}  // namespace rk::cpu
