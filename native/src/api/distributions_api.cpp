// Distribution fills (C API): parameter validation, per-call constants, dispatch to the kernels.
#include <cmath>
#include <string>

#include "../core/distributions.h"
#include "../cpu/fp_env.h"
#include "fill_dispatch.h"

using namespace rk::api;

namespace {

std::string num(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.9g", v);
    return buf;
}

rk_status require(bool ok_condition, const char* fn, const std::string& what) {
    return ok_condition ? RK_STATUS_OK : fail(RK_STATUS_INVALID_ARGUMENT, std::string(fn) + ": " + what);
}

}  // namespace

extern "C" RK_API rk_status rk_philox_fill_uniform_range(rk_context* context, const rk_philox_stream* stream,
                                                         float low, float high, float* out, int64_t count) {
    static const char* fn = "rk_philox_fill_uniform_range";
    const float span = high - low;
    return run_fill(
        fn, context, stream, out, count,
        [&] {
            return require(std::isfinite(low) && std::isfinite(high) && low <= high && std::isfinite(span), fn,
                           "needs finite low <= high with a finite width (got low " + num(low) + ", high " +
                               num(high) + ")");
        },
        [&](const rk::core::PhiloxStream& s, uint64_t first, float* dst, uint64_t n) {
            context->kernels->fill_uniform_range(s, first, dst, n, low, span);
        },
        [&] {
            auto args = cuda_fill(rk::cuda::FillKind::kUniformRange);
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
                           "needs a finite mean and a finite stddev >= 0 (got mean " + num(mean) + ", stddev " +
                               num(stddev) + ")");
        },
        [&](const rk::core::PhiloxStream& s, uint64_t first, float* dst, uint64_t n) {
            context->kernels->fill_normal(s, first, dst, n, mean, stddev);
        },
        [&] {
            auto args = cuda_fill(rk::cuda::FillKind::kNormal);
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
                                      "needs finite mean, stddev > 0 and a < b (got mean " + num(mean) +
                                          ", stddev " + num(stddev) + ", a " + num(a) + ", b " + num(b) + ")");
                s != RK_STATUS_OK)
                return s;
            rk::cpu::CanonicalFpEnv fp;
            params = rk::core::truncated_normal_params(mean, stddev, a, b);
            return require(params.span > 0, fn,
                           "the interval [a, b] = [" + num(a) + ", " + num(b) + "] holds no probability mass in float32 "
                           "(it lies too far in one tail of N(" + num(mean) + ", " + num(stddev) + "^2))");
        },
        [&](const rk::core::PhiloxStream& s, uint64_t first, float* dst, uint64_t n) {
            context->kernels->fill_truncated_normal(s, first, dst, n, params);
        },
        [&] {
            auto args = cuda_fill(rk::cuda::FillKind::kTruncatedNormal);
            args.truncated = params;
            return args;
        });
}

extern "C" RK_API rk_status rk_philox_fill_bernoulli(rk_context* context, const rk_philox_stream* stream, double p,
                                                     uint8_t* out, int64_t count) {
    static const char* fn = "rk_philox_fill_bernoulli";
    return run_fill(
        fn, context, stream, out, count,
        [&] { return require(p >= 0.0 && p <= 1.0, fn, "p must be in [0, 1] (got " + num(p) + ")"); },
        [&](const rk::core::PhiloxStream& s, uint64_t first, uint8_t* dst, uint64_t n) {
            context->kernels->fill_bernoulli(s, first, dst, n, rk::core::bernoulli_threshold(p));
        },
        [&] {
            auto args = cuda_fill(rk::cuda::FillKind::kBernoulli);
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
        [&](const rk::core::PhiloxStream& s, uint64_t first, int64_t* dst, uint64_t n) {
            context->kernels->fill_int64(s, first, dst, n, low,
                                         static_cast<uint64_t>(high) - static_cast<uint64_t>(low));
        },
        [&] {
            auto args = cuda_fill(rk::cuda::FillKind::kInt64);
            args.low = low;
            args.span = static_cast<uint64_t>(high) - static_cast<uint64_t>(low);
            return args;
        });
}
