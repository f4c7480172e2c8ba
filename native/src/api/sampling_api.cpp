// Token sampling (C API, docs/sampling.md): validation of sizes, pointers and every row's parameters, then the
// context's backend; the first failing row is reported with its logit, read from the context's memory.
#include <cmath>
#include <string>
#include <vector>

#include "../core/sampling.h"
#include "fill_entry.h"
#include "overlap.h"

using namespace rk::api;

namespace {

std::string row_prefix(const char* fn, int64_t row) { return std::string(fn) + ": row " + std::to_string(row) + ": "; }

rk_status check_params(const char* fn, int64_t row, const rk_sampling_params& p) {
    std::string what;
    if (!(p.temperature >= 0.0f) || std::isinf(p.temperature))
        what = "params[" + std::to_string(row) + "].temperature must be finite and >= 0 (got " + format_number(p.temperature) + ")";
    else if (p.top_k < 0)
        what = "params[" + std::to_string(row) + "].top_k must be >= 0 (got " + std::to_string(p.top_k) + ")";
    else if (!(p.top_p > 0.0 && p.top_p <= 1.0))
        what = "params[" + std::to_string(row) + "].top_p must be in (0, 1] (got " + format_number(p.top_p) + ")";
    else if (!(p.min_p >= 0.0 && p.min_p < 1.0))
        what = "params[" + std::to_string(row) + "].min_p must be in [0, 1) (got " + format_number(p.min_p) + ")";
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
            what = at + " / temperature overflows to +Inf (logit " + format_number(logit) + ", temperature " +
                   format_number(temperature) + ")";
            break;
        case SampleError::kNoFiniteScaled:
            what = "every finite logit / temperature overflows to -Inf (temperature " + format_number(temperature) + ")";
            break;
        default: what = "internal error"; break;
    }
    return fail(RK_STATUS_INVALID_ARGUMENT, row_prefix(fn, row) + what);
}

// The backend's report of the first failing row as a recorded error; the logit it names is read from the
// context's memory (host or device).
rk_status failed_row(const char* fn, rk_context* context, const float* logits, int64_t row_stride,
                     const rk_sampling_params* params, const rk::backend::SampleFailure& failed) {
    rk::core::SampleResult res{};
    res.error = static_cast<rk::core::SampleError>(failed.status.error);
    res.error_index = failed.status.error_index;
    float logit = 0.0f;
    if (res.error_index >= 0) {
        const float* at = logits + failed.row * row_stride + res.error_index;
        if (rk_status s = run_op(fn, [&](rk::backend::OpError& e) {
                return context->ops->copy(context->impl, &logit, at, sizeof logit, rk::backend::CopyKind::kDeviceToHost,
                                          0, &e);
            });
            s != RK_STATUS_OK)
            return s;
    }
    return row_error(fn, failed.row, res, logit, params[failed.row].temperature);
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

        for (const auto& [name, p] : {std::pair<const char*, const void*>{"logits", logits}, {"tokens", tokens},
                                      {"probs", probs}, {"logprobs", logprobs}, {"kept_counts", kept_counts}})
            if (rk_status s = check_data(fn, context, name, p); s != RK_STATUS_OK) return s;

        std::vector<rk::core::SampleParams> core_params(static_cast<size_t>(batch));
        std::vector<rk::core::PhiloxStream> core_streams(static_cast<size_t>(batch));
        for (int64_t r = 0; r < batch; ++r) {
            const rk_sampling_params& q = params[r];
            core_params[static_cast<size_t>(r)] = rk::core::SampleParams{q.temperature, q.top_k, q.top_p, q.min_p};
            core_streams[static_cast<size_t>(r)] = to_core(streams[r]);
        }
        const rk::backend::SampleArgs a{logits,      batch,       static_cast<uint32_t>(vocab), row_stride,
                                        core_params.data(), core_streams.data(), tokens, probs, logprobs, kept_counts};
        rk::backend::SampleFailure failed{-1, {}};
        if (rk_status s = run_op(fn, [&](rk::backend::OpError& e) {
                return context->ops->sample(context->impl, &a, &failed, &e);
            });
            s != RK_STATUS_OK)
            return s;
        if (failed.row >= 0) return failed_row(fn, context, logits, row_stride, params, failed);
        return ok();
    });
}
