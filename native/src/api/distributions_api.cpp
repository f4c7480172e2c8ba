// Distribution fills (C API): parameter validation and per-call constants, then the context's backend.
#include <cmath>
#include <string>

#include "../core/distributions.h"
#include "fill_entry.h"

using namespace rk::api;

namespace {

rk_status require(bool ok_condition, const char* fn, const std::string& what) {
    return ok_condition ? RK_STATUS_OK : fail(RK_STATUS_INVALID_ARGUMENT, std::string(fn) + ": " + what);
}

}  // namespace

extern "C" RK_API rk_status rk_philox_fill_uniform_range(rk_context* context, const rk_philox_stream* stream,
                                                         float low, float high, float* out, int64_t count) {
    static const char* fn = "rk_philox_fill_uniform_range";
    float span = 0.0f;
    return run_fill(
        fn, context, stream, out, count,
        [&] {
            span = high - low;  // under the canonical FP environment (guarded), like every per-call constant
            return require(std::isfinite(low) && std::isfinite(high) && low <= high && std::isfinite(span), fn,
                           "needs finite low <= high with a finite width (got low " + format_number(low) + ", high " +
                               format_number(high) + ")");
        },
        [&] {
            auto args = fill_of(rk::backend::FillKind::kUniformRange);
            args.a = low;
            args.b = span;
            return args;
        });
}

extern "C" RK_API rk_status rk_philox_fill_normal(rk_context* context, const rk_philox_stream* stream, float mean,
                                                  float stddev, float* out, int64_t count) {
    static const char* fn = "rk_philox_fill_normal";
    return run_fill(
        fn, context, stream, out, count,
        [&] {
            return require(std::isfinite(mean) && std::isfinite(stddev) && stddev >= 0, fn,
                           "needs a finite mean and a finite stddev >= 0 (got mean " + format_number(mean) + ", stddev " +
                               format_number(stddev) + ")");
        },
        [&] {
            auto args = fill_of(rk::backend::FillKind::kNormal);
            args.a = mean;
            args.b = stddev;
            return args;
        });
}

extern "C" RK_API rk_status rk_philox_fill_truncated_normal(rk_context* context, const rk_philox_stream* stream,
                                                            float mean, float stddev, float a, float b, float* out,
                                                            int64_t count) {
    static const char* fn = "rk_philox_fill_truncated_normal";
    rk::core::TruncatedNormalParams params{};
    return run_fill(
        fn, context, stream, out, count,
        [&] {
            if (rk_status s = require(std::isfinite(mean) && std::isfinite(stddev) && stddev > 0 &&
                                          std::isfinite(a) && std::isfinite(b) && a < b,
                                      fn,
                                      "needs finite mean, stddev > 0 and a < b (got mean " + format_number(mean) +
                                          ", stddev " + format_number(stddev) + ", a " + format_number(a) + ", b " + format_number(b) + ")");
                s != RK_STATUS_OK)
                return s;
            params = rk::core::truncated_normal_params(mean, stddev, a, b);
            return require(params.span > 0, fn,
                           "the interval [a, b] = [" + format_number(a) + ", " + format_number(b) + "] holds no probability mass in float32 "
                           "(it lies too far in one tail of N(" + format_number(mean) + ", " + format_number(stddev) + "^2))");
        },
        [&] {
            auto args = fill_of(rk::backend::FillKind::kTruncatedNormal);
            args.truncated = params;
            return args;
        });
}

extern "C" RK_API rk_status rk_philox_fill_bernoulli(rk_context* context, const rk_philox_stream* stream, double p,
                                                     uint8_t* out, int64_t count) {
    static const char* fn = "rk_philox_fill_bernoulli";
    return run_fill(
        fn, context, stream, out, count,
        [&] { return require(p >= 0.0 && p <= 1.0, fn, "p must be in [0, 1] (got " + format_number(p) + ")"); },
        [&] {
            auto args = fill_of(rk::backend::FillKind::kBernoulli);
            args.threshold = rk::core::bernoulli_threshold(p);
            return args;
        });
}

extern "C" RK_API rk_status rk_philox_fill_int64(rk_context* context, const rk_philox_stream* stream, int64_t low,
                                                 int64_t high, int64_t* out, int64_t count) {
    static const char* fn = "rk_philox_fill_int64";
    return run_fill(
        fn, context, stream, out, count,
        [&] {
            return require(low < high, fn,
                           "needs low < high (got low " + std::to_string(low) + ", high " + std::to_string(high) + ")");
        },
        [&] {
            auto args = fill_of(rk::backend::FillKind::kInt64);
            args.low = low;
            args.span = static_cast<uint64_t>(high) - static_cast<uint64_t>(low);
            return args;
        });
}
