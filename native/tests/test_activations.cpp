// Activations (docs/training.md section 2): every kind, forward and backward, equal bit for bit to a scalar reference
// written from the doc's formulas on every ISA and thread count (sizes that leave vector tails, misaligned and large
// buffers that take the non-temporal-store path, in place), accuracy against float64, bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "core/lanes_scalar.h"
#include "core/portable_math.h"
#include "test_helpers.h"

namespace {

// The doc's formulas, one float operation at a time (fma32 is one correctly rounded fma on every platform).
float fma32(float a, float b, float c) { return rk::core::ScalarLanes::ffma(a, b, c); }
const float c1 = 0x1.6a09e6p-1f, c2 = 0x1.988454p-2f, c3 = 0x1.6e4e26p-5f, c4 = 0x1.988454p-1f, c5 = 0x1.12ba9ep-3f;

float ref_forward(rk_activation kind, float s, float x) {
    switch (kind) {
        case RK_ACTIVATION_RELU: return x > 0 ? x : (std::isnan(x) ? x : 0.0f);
        case RK_ACTIVATION_LEAKY_RELU: return x > 0 ? x : x * s;
        case RK_ACTIVATION_GELU: {
            const float t = x * c1;
            const float e = rk::core::erff_portable(t);
            return (x * 0.5f) * (1.0f + e);
        }
        default: {
            const float u = x * x;
            const float v = fma32(c3, u * x, x);
            const float h = rk::core::tanhf_portable(c4 * v);
            return (x * 0.5f) * (1.0f + h);
        }
    }
}

float ref_backward(rk_activation kind, float s, float x, float dy) {
    switch (kind) {
        case RK_ACTIVATION_RELU: return x > 0 || std::isnan(x) ? dy : 0.0f;
        case RK_ACTIVATION_LEAKY_RELU: return x > 0 ? dy : dy * s;
        case RK_ACTIVATION_GELU: {
            const float e = rk::core::erff_portable(x * c1);
            const float cdf = 0.5f * (1.0f + e);
            const float p = rk::core::expf_portable((x * x) * -0.5f) * c2;
            return dy * fma32(x, p, cdf);
        }
        default: {
            const float u = x * x;
            const float v = fma32(c3, u * x, x);
            const float h = rk::core::tanhf_portable(c4 * v);
            const float l = x * 0.5f;
            const float sq = fma32(-h, h, 1.0f);
            const float d = c4 * fma32(c5, u, 1.0f);
            return dy * fma32(l * sq, d, 0.5f * (1.0f + h));
        }
    }
}

const rk_activation kKinds[] = {RK_ACTIVATION_RELU, RK_ACTIVATION_LEAKY_RELU, RK_ACTIVATION_GELU,
                                RK_ACTIVATION_GELU_TANH};
const char* kind_name(rk_activation k) {
    return k == RK_ACTIVATION_RELU ? "relu" : k == RK_ACTIVATION_LEAKY_RELU ? "leaky_relu" : k == RK_ACTIVATION_GELU ? "gelu" : "gelu_tanh";
}

// Normals (stddev 4) with the values that break careless code at every 5th position: NaN, infinities, signed zeros,
// subnormals, extremes, and the points where the GELU branches switch (erf at 0.921875 / c1, tanh at 0.75).
std::vector<float> hostile(size_t n, uint64_t seed) {
    std::vector<float> v(n);
    rk::test::Context ctx(RK_ISA_SCALAR, 1);
    const rk_philox_stream s{seed, 1, 0};
    EXPECT_EQ(rk_philox_fill_normal(ctx.get(), &s, 0.0f, 4.0f, v.data(), static_cast<int64_t>(n)), RK_STATUS_OK);
    const float inf = std::numeric_limits<float>::infinity();
    const float specials[] = {std::numeric_limits<float>::quiet_NaN(), inf, -inf, -0.0f, 0.0f, 1e-45f, -1e-45f,
                              1e-40f, -3e-39f, std::numeric_limits<float>::max(), -std::numeric_limits<float>::max(),
                              1.17549435e-38f, 0.921875f / c1, -0.921875f / c1, 0.75f, -0.75f, 1e19f, -2e19f, 9.5f,
                              -9.5f, 44.5f, -44.5f, 5e-20f, 3e-13f};
    for (size_t i = 0; i < sizeof specials / sizeof specials[0] && i * 5 < n; ++i) v[i * 5] = specials[i];
    return v;
}

bool same(float got, float want) {
    return std::isnan(want) ? std::isnan(got) : rk::test::float_bits(got) == rk::test::float_bits(want);
}

// Both passes of every kind on one context: out-of-place, then in place, against the reference, with guard
// elements after the outputs that must stay untouched.
void check_context(rk_context* c, const std::string& where, size_t n, size_t offset) {
    const std::vector<float> x = hostile(n, 7), dy = hostile(n, 8);
    const float guard = 12345.0f;
    for (rk_activation kind : kKinds)
        for (float s : {0.01f, -0.75f, 0.0f}) {
            if (kind != RK_ACTIVATION_LEAKY_RELU && s != 0.01f) continue;
            const std::string what = where + " " + kind_name(kind) + " s=" + std::to_string(s) + " n=" + std::to_string(n) +
                                     " offset=" + std::to_string(offset);
            std::vector<float> buf(n + offset + 8, guard);
            float* out = buf.data() + offset;
            ASSERT_EQ(rk_activation_forward(c, kind, s, x.data(), out, static_cast<int64_t>(n)), RK_STATUS_OK)
                << rk_last_error_message();
            for (size_t i = 0; i < n; ++i)
                ASSERT_TRUE(same(out[i], ref_forward(kind, s, x[i])))
                    << what << " forward x[" << i << "] = " << x[i] << ": " << out[i] << " vs " << ref_forward(kind, s, x[i]);
            for (size_t i = 0; i < offset; ++i) ASSERT_EQ(buf[i], guard) << what;
            for (size_t i = n + offset; i < buf.size(); ++i) ASSERT_EQ(buf[i], guard) << what;
            // In place: y == x.
            std::copy(x.begin(), x.end(), out);
            ASSERT_EQ(rk_activation_forward(c, kind, s, out, out, static_cast<int64_t>(n)), RK_STATUS_OK);
            for (size_t i = 0; i < n; ++i) ASSERT_TRUE(same(out[i], ref_forward(kind, s, x[i]))) << what << " in place " << i;
            std::fill(buf.begin(), buf.end(), guard);
            ASSERT_EQ(rk_activation_backward(c, kind, s, x.data(), dy.data(), out, static_cast<int64_t>(n)), RK_STATUS_OK)
                << rk_last_error_message();
            for (size_t i = 0; i < n; ++i)
                ASSERT_TRUE(same(out[i], ref_backward(kind, s, x[i], dy[i])))
                    << what << " backward x[" << i << "] = " << x[i] << " dy " << dy[i] << ": " << out[i] << " vs "
                    << ref_backward(kind, s, x[i], dy[i]);
            for (size_t i = n + offset; i < buf.size(); ++i) ASSERT_EQ(buf[i], guard) << what;
            // In place: dx == dy.
            std::copy(dy.begin(), dy.end(), out);
            ASSERT_EQ(rk_activation_backward(c, kind, s, x.data(), out, out, static_cast<int64_t>(n)), RK_STATUS_OK);
            for (size_t i = 0; i < n; ++i)
                ASSERT_TRUE(same(out[i], ref_backward(kind, s, x[i], dy[i]))) << what << " backward in place " << i;
        }
}

TEST(Activations, EqualTheReferenceOnEveryIsaAndThreadCount) {
    for (rk_isa isa : rk::test::supported_isas())
        for (int threads : {1, 2, 3}) {
            rk::test::Context ctx(isa, threads);
            const std::string where = std::string(rk_isa_name(isa)) + " x" + std::to_string(threads);
            for (size_t n : {size_t{1}, size_t{7}, size_t{16}, size_t{17}, size_t{63}, size_t{130}, size_t{4099},
                             size_t{70001}})
                check_context(ctx.get(), where, n, n % 3);
        }
}

// Outputs from 1 MiB on take non-temporal stores after a head up to the first aligned element: every alignment.
TEST(Activations, LargeMisalignedBuffersEqualTheReference) {
    const size_t n = (size_t{1} << 18) + 77;
    for (rk_isa isa : rk::test::supported_isas())
        for (int threads : {1, 2}) {
            rk::test::Context ctx(isa, threads);
            for (size_t offset : {size_t{0}, size_t{1}, size_t{5}, size_t{15}})
                check_context(ctx.get(), std::string(rk_isa_name(isa)) + " x" + std::to_string(threads), n, offset);
        }
}

// Against float64: GELU's exact definition (erf form) and the tanh formula (tanh form) evaluated in double. The
// error is measured relative to |x| (forward) and |dy| (backward): near erf(t) = -1 the result is a small difference
// of O(1) terms, so a relative error there says nothing about the function.
TEST(Activations, GeluAccuracyAgainstFloat64) {
    const size_t n = 1 << 20;
    std::vector<float> x(n), dy(n, 1.0f);
    {
        rk::test::Context ctx(RK_ISA_SCALAR, 1);
        const rk_philox_stream s{99, 0, 0};
        ASSERT_EQ(rk_philox_fill_uniform_range(ctx.get(), &s, -12.0f, 12.0f, x.data(), static_cast<int64_t>(n)), RK_STATUS_OK);
        for (size_t i = 0; i < n; i += 3) x[i] *= 1e-3f;  // small arguments too
    }
    rk::test::Context ctx(rk::test::supported_isas().back(), 2);
    const double pi = 3.14159265358979323846, k = std::sqrt(2.0 / pi);
    for (rk_activation kind : {RK_ACTIVATION_GELU, RK_ACTIVATION_GELU_TANH}) {
        std::vector<float> y(n), dx(n);
        ASSERT_EQ(rk_activation_forward(ctx.get(), kind, 0.0f, x.data(), y.data(), static_cast<int64_t>(n)), RK_STATUS_OK);
        ASSERT_EQ(rk_activation_backward(ctx.get(), kind, 0.0f, x.data(), dy.data(), dx.data(), static_cast<int64_t>(n)),
                  RK_STATUS_OK);
        double worst_y = 0, worst_dx = 0;
        for (size_t i = 0; i < n; ++i) {
            const double xd = x[i];
            double ey, edx;
            if (kind == RK_ACTIVATION_GELU) {
                ey = 0.5 * xd * std::erfc(-xd / std::sqrt(2.0));
                edx = 0.5 * std::erfc(-xd / std::sqrt(2.0)) + xd * std::exp(-0.5 * xd * xd) / std::sqrt(2 * pi);
            } else {
                const double h = std::tanh(k * (xd + 0.044715 * xd * xd * xd));
                ey = 0.5 * xd * (1 + h);
                edx = 0.5 * (1 + h) + 0.5 * xd * (1 - h * h) * k * (1 + 3 * 0.044715 * xd * xd);
            }
            const double scale_y = std::max(std::fabs(xd), 1e-30) * 0x1p-24;
            worst_y = std::max(worst_y, std::fabs(y[i] - ey) / scale_y);
            worst_dx = std::max(worst_dx, std::fabs(dx[i] - edx) / 0x1p-24);
        }
        std::printf("%s accuracy: forward max |y - exact| = %.3f * 2^-24 |x|, backward max |dx - exact| = %.3f * 2^-24 |dy|\n",
                    kind_name(kind), worst_y, worst_dx);
        // Regression bounds over the measured maxima (docs/training.md): the tanh form's backward loses most where
        // 1 - h^2 is small and x^3 large (|x| ~ 3), from the rounding of h; PyTorch's formula has the same term.
        EXPECT_LT(worst_y, 2.0) << kind_name(kind);
        EXPECT_LT(worst_dx, kind == RK_ACTIVATION_GELU ? 3.0 : 12.0) << kind_name(kind);
    }
}

// The special values the doc's formulas give, spelled out.
TEST(Activations, SpecialValues) {
    rk::test::Context ctx(rk::test::supported_isas().back(), 1);
    const float inf = std::numeric_limits<float>::infinity();
    const std::vector<float> x = {-0.0f, 0.0f, inf, -inf, std::numeric_limits<float>::quiet_NaN(), -100.0f, 100.0f};
    const auto run = [&](rk_activation kind, float s) {
        std::vector<float> y(x.size());
        EXPECT_EQ(rk_activation_forward(ctx.get(), kind, s, x.data(), y.data(), static_cast<int64_t>(x.size())), RK_STATUS_OK);
        return y;
    };
    const auto relu = run(RK_ACTIVATION_RELU, 0.0f);
    EXPECT_EQ(rk::test::float_bits(relu[0]), 0u) << "ReLU(-0) = +0";
    EXPECT_EQ(relu[2], inf);
    EXPECT_EQ(rk::test::float_bits(relu[3]), 0u);
    EXPECT_TRUE(std::isnan(relu[4])) << "ReLU passes NaN";
    const auto leaky = run(RK_ACTIVATION_LEAKY_RELU, 0.5f);
    EXPECT_EQ(rk::test::float_bits(leaky[0]), 0x80000000u) << "LeakyReLU(-0) = -0 * s = -0";
    EXPECT_EQ(leaky[3], -inf);
    const auto gelu = run(RK_ACTIVATION_GELU, 0.0f);
    EXPECT_EQ(rk::test::float_bits(gelu[0]), 0x80000000u) << "GELU(-0) = -0";
    EXPECT_EQ(gelu[2], inf);
    EXPECT_TRUE(std::isnan(gelu[3])) << "GELU(-Inf) = -Inf * 0 = NaN, as PyTorch's";
    EXPECT_EQ(rk::test::float_bits(gelu[5]), 0x80000000u) << "GELU(-100) = -50 * (1 + -1) = -0";
    EXPECT_EQ(gelu[6], 100.0f);
    const auto tanh_form = run(RK_ACTIVATION_GELU_TANH, 0.0f);
    EXPECT_EQ(tanh_form[2], inf);
    EXPECT_EQ(tanh_form[6], 100.0f);
    EXPECT_EQ(rk::test::float_bits(tanh_form[5]), 0x80000000u);
}

TEST(Activations, BadInputIsAClearError) {
    rk::test::Context ctx(RK_ISA_SCALAR, 1);
    rk_context* c = ctx.get();
    std::vector<float> x(64, 1.0f), y(64), dy(64, 1.0f);
    const auto expect = [](rk_status got, rk_status want, const char* fragment) {
        EXPECT_EQ(got, want) << rk_last_error_message();
        EXPECT_NE(std::string(rk_last_error_message()).find(fragment), std::string::npos) << rk_last_error_message();
    };
    expect(rk_activation_forward(nullptr, RK_ACTIVATION_RELU, 0, x.data(), y.data(), 64), RK_STATUS_NULL_POINTER,
           "rk_activation_forward: argument 'context' is null");
    expect(rk_activation_forward(c, static_cast<rk_activation>(4), 0, x.data(), y.data(), 64), RK_STATUS_INVALID_ARGUMENT,
           "kind 4 is not a valid rk_activation");
    expect(rk_activation_backward(c, static_cast<rk_activation>(-1), 0, x.data(), dy.data(), y.data(), 64),
           RK_STATUS_INVALID_ARGUMENT, "kind -1 is not a valid rk_activation");
    expect(rk_activation_forward(c, RK_ACTIVATION_LEAKY_RELU, NAN, x.data(), y.data(), 64), RK_STATUS_INVALID_ARGUMENT,
           "negative_slope must be finite (got nan)");
    expect(rk_activation_backward(c, RK_ACTIVATION_LEAKY_RELU, -INFINITY, x.data(), dy.data(), y.data(), 64),
           RK_STATUS_INVALID_ARGUMENT, "negative_slope must be finite (got -inf)");
    expect(rk_activation_forward(c, RK_ACTIVATION_RELU, 0, x.data(), y.data(), -1), RK_STATUS_SIZE_OVERFLOW,
           "argument 'count' is negative (-1)");
    expect(rk_activation_forward(c, RK_ACTIVATION_RELU, 0, x.data(), y.data(), INT64_MAX / 2), RK_STATUS_SIZE_OVERFLOW,
           "exceeds the addressable size");
    expect(rk_activation_forward(c, RK_ACTIVATION_RELU, 0, nullptr, y.data(), 64), RK_STATUS_NULL_POINTER,
           "argument 'x' is null");
    expect(rk_activation_forward(c, RK_ACTIVATION_RELU, 0, x.data(), nullptr, 64), RK_STATUS_NULL_POINTER,
           "argument 'y' is null");
    expect(rk_activation_backward(c, RK_ACTIVATION_RELU, 0, x.data(), nullptr, y.data(), 64), RK_STATUS_NULL_POINTER,
           "argument 'dy' is null");
    expect(rk_activation_backward(c, RK_ACTIVATION_RELU, 0, x.data(), dy.data(), nullptr, 64), RK_STATUS_NULL_POINTER,
           "argument 'dx' is null");
    EXPECT_EQ(rk_activation_forward(c, RK_ACTIVATION_RELU, 0, nullptr, nullptr, 0), RK_STATUS_OK) << "nothing to do";
    // Overlaps: in place is the output on its input exactly; anything else is refused.
    expect(rk_activation_forward(c, RK_ACTIVATION_RELU, 0, x.data(), x.data() + 1, 63), RK_STATUS_INVALID_ARGUMENT,
           "'x' and 'y' overlap without being the same buffer");
    expect(rk_activation_backward(c, RK_ACTIVATION_GELU, 0, x.data(), dy.data(), dy.data() + 3, 32),
           RK_STATUS_INVALID_ARGUMENT, "'dy' and 'dx' overlap without being the same buffer");
    expect(rk_activation_backward(c, RK_ACTIVATION_GELU, 0, x.data(), dy.data(), x.data(), 32), RK_STATUS_INVALID_ARGUMENT,
           "'dx' overlaps 'x'");
    expect(rk_activation_backward(c, RK_ACTIVATION_GELU, 0, x.data() + 8, dy.data(), x.data(), 32),
           RK_STATUS_INVALID_ARGUMENT, "'dx' overlaps 'x'");
    // A refused call writes nothing.
    for (float v : y) EXPECT_EQ(v, 0.0f);
    EXPECT_EQ(rk_activation_forward(c, RK_ACTIVATION_GELU, NAN, x.data(), y.data(), 64), RK_STATUS_OK)
        << "the slope is LeakyReLU's only";
    // x and dy may overlap: both are only read.
    EXPECT_EQ(rk_activation_backward(c, RK_ACTIVATION_GELU, 0, x.data(), x.data() + 1, y.data(), 32), RK_STATUS_OK);
}

}  // namespace
