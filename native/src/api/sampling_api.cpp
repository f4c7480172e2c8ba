// Token sampling (C API, docs/sampling.md): validation of sizes, pointers and every row's parameters,
// then the rows split across the context's threads (a row's result depends only on its own logits,
// parameters and stream), each worker piece with its own scratch.
#include <atomic>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "../core/sampling.h"
#include "cuda_backend.h"
#include "fill_dispatch.h"
#include "overlap.h"

using namespace rk::api;

namespace {

std::string num(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.17g", v);
    return buf;
}

std::string row_prefix(const char* fn, int64_t row) { return std::string(fn) + ": row " + std::to_string(row) + ": "; }

rk_status check_params(const char* fn, int64_t row, const rk_sampling_params& p) {
    std::string what;
    if (!(p.temperature >= 0.0f) || std::isinf(p.temperature))
        what = "params[" + std::to_string(row) + "].temperature must be finite and >= 0 (got " + num(p.temperature) + ")";
    else if (p.top_k < 0)
        what = "params[" + std::to_string(row) + "].top_k must be >= 0 (got " + std::to_string(p.top_k) + ")";
    else if (!(p.top_p > 0.0 && p.top_p <= 1.0))
        what = "params[" + std::to_string(row) + "].top_p must be in (0, 1] (got " + num(p.top_p) + ")";
    else if (!(p.min_p >= 0.0 && p.min_p < 1.0))
        what = "params[" + std::to_string(row) + "].min_p must be in [0, 1) (got " + num(p.min_p) + ")";
    else
        return RK_STATUS_OK;
    return fail(RK_STATUS_INVALID_ARGUMENT, row_prefix(fn, row) + what);
}

// `logit` is logits[row][r.error_index] (read by the caller, from host or device memory).
rk_status row_error(const char* fn, int64_t row, const rk::core::SampleResult& r, float logit, float temperature) {
    using rk::core::SampleError;
    const std::string at = "logits[" + std::to_string(row) + "][" + std::to_string(r.error_index) + "]";
    std::string what;
    switch (r.error) {
        case SampleError::kBadLogit:
            what = at + " is " + (std::isnan(logit) ? "NaN" : "+Inf") +
                   " (logits must be finite, or -Inf to ban a token)";
            break;
        case SampleError::kNoFiniteLogit: what = "no finite logit (every logit is -Inf)"; break;
        case SampleError::kScaledOverflow:
            what = at + " / temperature overflows to +Inf (logit " + num(logit) + ", temperature " +
                   num(temperature) + ")";
            break;
        case SampleError::kNoFiniteScaled:
            what = "every finite logit / temperature overflows to -Inf (temperature " + num(temperature) + ")";
            break;
        default: what = "internal error"; break;
    }
    return fail(RK_STATUS_INVALID_ARGUMENT, row_prefix(fn, row) + what);
}

struct PieceError {
    int64_t row = -1;
    rk::core::SampleResult result{};
};

// The CUDA path: device buffers checked, parameters and streams passed as host arrays, the first failing row
// reported as on the CPU.
rk_status sample_cuda(const char* fn, rk_context* context, const float* logits, int64_t batch, int64_t vocab,
                      int64_t row_stride, const rk_sampling_params* params, const rk_philox_stream* streams,
                      int32_t* tokens, float* probs, float* logprobs, int32_t* kept_counts) {
    for (const auto& [name, p] : {std::pair<const char*, const void*>{"logits", logits}, {"tokens", tokens},
                                  {"probs", probs}, {"logprobs", logprobs}, {"kept_counts", kept_counts}})
        if (rk_status s = check_device_buffer(fn, context, name, p); s != RK_STATUS_OK) return s;
    std::vector<rk::core::SampleParams> p(static_cast<size_t>(batch));
    std::vector<rk::core::PhiloxStream> st(static_cast<size_t>(batch));
    for (int64_t r = 0; r < batch; ++r) {
        p[r] = rk::core::SampleParams{params[r].temperature, params[r].top_k, params[r].top_p, params[r].min_p};
        st[r] = to_core(streams[r]);
    }
    const rk::cuda::SampleArgs a{logits, batch, static_cast<uint32_t>(vocab), row_stride, p.data(), st.data(),
                                 tokens, probs, logprobs, kept_counts};
    int64_t failed_row = -1;
    rk::cuda::SampleRowStatus failed{};
    if (rk_status s = cuda_run(fn, [&](rk::cuda::PluginError& e) {
            return context->cuda->sample(context->cuda_context, &a, &failed_row, &failed, &e);
        });
        s != RK_STATUS_OK)
        return s;
    if (failed_row < 0) return ok();
    rk::core::SampleResult res{};
    res.error = static_cast<rk::core::SampleError>(failed.error);
    res.error_index = failed.error_index;
    float logit = 0.0f;
    if (res.error_index >= 0) {
        const float* at = logits + failed_row * row_stride + res.error_index;
        if (rk_status s = cuda_run(fn, [&](rk::cuda::PluginError& e) {
                return context->cuda->copy(context->cuda_context, &logit, at, sizeof logit,
                                           rk::cuda::CopyKind::kDeviceToHost, 0, &e);
            });
            s != RK_STATUS_OK)
            return s;
    }
    return row_error(fn, failed_row, res, logit, params[failed_row].temperature);
}

}  // namespace

extern "C" RK_API rk_status rk_sample(rk_context* context, const float* logits, int64_t batch, int64_t vocab,
                                      int64_t row_stride, const rk_sampling_params* params,
                                      const rk_philox_stream* streams, int32_t* tokens, float* probs,
                                      float* logprobs, int32_t* kept_counts) {
    static const char* fn = "rk_sample";
    return guarded(fn, [&]() -> rk_status {
        if (rk_status s = check_context(fn, context); s != RK_STATUS_OK) return s;
        if (rk_status s = check_count(fn, "batch", batch, sizeof(float)); s != RK_STATUS_OK) return s;
        if (rk_status s = check_count(fn, "vocab", vocab, sizeof(float)); s != RK_STATUS_OK) return s;
        if (vocab < 1 || vocab >= static_cast<int64_t>(rk::core::kSampleMaxVocab))
            return fail(RK_STATUS_INVALID_ARGUMENT,
                        std::string(fn) + ": vocab must be in [1, 2^21) (got " + std::to_string(vocab) + ")");
        if (row_stride < vocab)
            return fail(RK_STATUS_INVALID_ARGUMENT, std::string(fn) + ": row_stride (" + std::to_string(row_stride) +
                                                        ") must be >= vocab (" + std::to_string(vocab) + ")");
        // The logits span (batch - 1) * row_stride + vocab floats.
        if (batch > 1 && static_cast<uint64_t>(row_stride) >
                             (static_cast<uint64_t>(PTRDIFF_MAX) / sizeof(float) - static_cast<uint64_t>(vocab)) /
                                 static_cast<uint64_t>(batch - 1))
            return fail(RK_STATUS_SIZE_OVERFLOW, std::string(fn) + ": batch (" + std::to_string(batch) +
                                                     ") * row_stride (" + std::to_string(row_stride) +
                                                     ") exceeds the addressable size");
        if (batch == 0) return ok();
        if (rk_status s = check_not_null(fn, "logits", logits); s != RK_STATUS_OK) return s;
        if (rk_status s = check_not_null(fn, "params", params); s != RK_STATUS_OK) return s;
        if (rk_status s = check_not_null(fn, "streams", streams); s != RK_STATUS_OK) return s;
        if (rk_status s = check_not_null(fn, "tokens", tokens); s != RK_STATUS_OK) return s;
        for (int64_t r = 0; r < batch; ++r)
            if (rk_status s = check_params(fn, r, params[r]); s != RK_STATUS_OK) return s;
        const uint64_t rows = static_cast<uint64_t>(batch);
        const Region r_logits{"logits", logits,
                              ((rows - 1) * static_cast<uint64_t>(row_stride) + static_cast<uint64_t>(vocab)) * sizeof(float)};
        const Region r_params{"params", params, rows * sizeof(rk_sampling_params)};
        const Region r_streams{"streams", streams, rows * sizeof(rk_philox_stream)};
        const Region r_tokens{"tokens", tokens, rows * sizeof(int32_t)}, r_probs{"probs", probs, rows * sizeof(float)};
        const Region r_logprobs{"logprobs", logprobs, rows * sizeof(float)};
        const Region r_kept{"kept_counts", kept_counts, rows * sizeof(int32_t)};
        if (rk_status s = check_overlaps(fn, {r_tokens, r_probs, r_logprobs, r_kept},
                                         {r_logits, r_params, r_streams, r_tokens, r_probs, r_logprobs, r_kept});
            s != RK_STATUS_OK)
            return s;

        if (context->device == RK_DEVICE_CUDA)
            return sample_cuda(fn, context, logits, batch, vocab, row_stride, params, streams, tokens, probs, logprobs,
                               kept_counts);

        // One scratch per worker piece, allocated here (never inside a worker, where an exception could
        // not reach guarded()); pieces claim them in any order, which changes nothing in the results.
        const uint32_t v = static_cast<uint32_t>(vocab);
        const int slots = static_cast<int>(std::min<int64_t>(batch, context->pool->size()));
        const uint64_t bytes = rk::core::sample_scratch_bytes(v);
        std::vector<std::unique_ptr<unsigned char[]>> buffers(static_cast<size_t>(slots));
        std::vector<PieceError> errors(static_cast<size_t>(slots));
        for (auto& b : buffers) b.reset(new unsigned char[bytes]);
        std::atomic<int> next_slot{0};

        rk::cpu::parallel_for(
            *context->pool, static_cast<uint64_t>(batch), 1, 1, [&](uint64_t begin, uint64_t end) {
                const int slot = next_slot.fetch_add(1);
                const rk::core::SampleScratch scratch = rk::core::sample_scratch_carve(buffers[slot].get(), v);
                for (uint64_t r = begin; r < end; ++r) {
                    const rk_sampling_params& q = params[r];
                    const rk::core::SampleParams p{q.temperature, q.top_k, q.top_p, q.min_p};
                    const rk_philox_stream& st = streams[r];
                    rk::core::SampleResult res;
                    context->kernels->sample_row(logits + r * static_cast<uint64_t>(row_stride), v, p,
                                                 rk::core::PhiloxStream{st.seed, st.subsequence, st.offset},
                                                 scratch, res);
                    if (res.error != rk::core::SampleError::kNone) {  // rows after it in this piece are skipped
                        errors[slot] = PieceError{static_cast<int64_t>(r), res};
                        return;
                    }
                    tokens[r] = res.token;
                    if (probs) probs[r] = res.prob;
                    if (logprobs) logprobs[r] = res.logprob;
                    if (kept_counts) kept_counts[r] = res.kept;
                }
            });

        // Pieces are contiguous and stop at their first failing row, so the smallest recorded row is the
        // first failing row of the batch, whatever the thread count.
        const PieceError* first = nullptr;
        for (const PieceError& e : errors)
            if (e.row >= 0 && (!first || e.row < first->row)) first = &e;
        if (first) {
            const float* row_logits = logits + first->row * row_stride;
            return row_error(fn, first->row, first->result,
                             first->result.error_index >= 0 ? row_logits[first->result.error_index] : 0.0f,
                             params[first->row].temperature);
        }
        return ok();
    });
}
