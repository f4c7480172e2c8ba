// Linear (docs/training.md section 1): bitwise equal to conv2d with a 1x1 kernel on NCHW [N, IN, 1, 1] and to the
// canonical functions on every ISA and thread count; batch invariance; accuracy against float64; bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/conv2d.h"
#include "core/linear.h"
#include "test_helpers.h"

namespace {

struct LinearShape {
    int64_t batch, in, out;
};

// Odd sizes (vector tails), a batch across the 256-row reduction chunk, single rows and single features; few rows over
// several blocks of steps and column blocks (the pointwise path's backward data reads B in place: {2, 100, 130},
// {9, 70, 40} in two row tiles), few outputs (under the pointwise path's 8) over several chunks ({600, 20, 3}).
const LinearShape kShapes[] = {{1, 64, 10},   {3, 7, 5},     {5, 1, 9},     {4, 13, 1},  {257, 33, 17},
                               {600, 70, 24}, {64, 130, 96}, {2, 100, 130}, {9, 70, 40}, {600, 20, 3}};

std::vector<float> data(size_t n, uint64_t seed) {
    std::vector<float> v(n);
    rk::test::Context ctx(RK_ISA_SCALAR, 1);
    const rk_philox_stream s{seed, 0, 0};
    EXPECT_EQ(rk_philox_fill_normal(ctx.get(), &s, 0.0f, 1.0f, v.data(), static_cast<int64_t>(n)), RK_STATUS_OK);
    return v;
}

rk_conv2d_desc conv_1x1(const LinearShape& s) {
    rk_conv2d_desc d{};
    d.struct_size = sizeof d;
    d.layout = RK_LAYOUT_NCHW;
    d.n = s.batch;
    d.c = s.in;
    d.h = d.w = 1;
    d.k = s.out;
    d.r = d.s = 1;
    d.stride_h = d.stride_w = d.dilation_h = d.dilation_w = 1;
    d.groups = 1;
    return d;
}

void expect_same_bits(const std::vector<float>& got, const std::vector<float>& want, const std::string& what) {
    ASSERT_EQ(got.size(), want.size()) << what;
    for (size_t i = 0; i < got.size(); ++i)
        ASSERT_EQ(rk::test::float_bits(got[i]), rk::test::float_bits(want[i])) << what << ": element " << i;
}

struct Outputs {
    std::vector<float> y, y_nobias, dx, dw, db;
};

Outputs run_linear(rk_context* c, const LinearShape& s, const std::vector<float>& x, const std::vector<float>& w,
                   const std::vector<float>& b, const std::vector<float>& dy) {
    Outputs o;
    o.y.resize(static_cast<size_t>(s.batch * s.out));
    o.y_nobias.resize(o.y.size());
    o.dx.resize(x.size());
    o.dw.resize(w.size());
    o.db.resize(b.size());
    EXPECT_EQ(rk_linear_forward(c, s.batch, s.in, s.out, x.data(), w.data(), b.data(), o.y.data()), RK_STATUS_OK)
        << rk_last_error_message();
    EXPECT_EQ(rk_linear_forward(c, s.batch, s.in, s.out, x.data(), w.data(), nullptr, o.y_nobias.data()), RK_STATUS_OK);
    EXPECT_EQ(rk_linear_backward_data(c, s.batch, s.in, s.out, dy.data(), w.data(), o.dx.data()), RK_STATUS_OK)
        << rk_last_error_message();
    EXPECT_EQ(rk_linear_backward_weights(c, s.batch, s.in, s.out, x.data(), dy.data(), o.dw.data(), o.db.data()),
              RK_STATUS_OK)
        << rk_last_error_message();
    return o;
}

// Linear = conv2d 1x1 on [N, IN, 1, 1], every pass, every ISA, threads 1/2/3; and the canonical reference.
TEST(Linear, EqualsConv1x1AndTheCanonicalFunctionsOnEveryIsaAndThreadCount) {
    for (const LinearShape& s : kShapes) {
        const std::string shape = std::to_string(s.batch) + "x" + std::to_string(s.in) + "->" + std::to_string(s.out);
        const auto x = data(static_cast<size_t>(s.batch * s.in), 1), w = data(static_cast<size_t>(s.out * s.in), 2),
                   b = data(static_cast<size_t>(s.out), 3), dy = data(static_cast<size_t>(s.batch * s.out), 4);
        // The reference: the core's canonical conv functions on the linear geometry.
        const rk::core::ConvGeometry g = rk::core::linear_geometry(s.batch, s.in, s.out);
        Outputs ref;
        ref.y.resize(static_cast<size_t>(s.batch * s.out));
        ref.y_nobias.resize(ref.y.size());
        for (int64_t n = 0; n < s.batch; ++n)
            for (int64_t o = 0; o < s.out; ++o) {
                ref.y[static_cast<size_t>(n * s.out + o)] = rk::core::conv_forward_ref(g, x.data(), w.data(), b.data(), 0, o, 0, n);
                ref.y_nobias[static_cast<size_t>(n * s.out + o)] =
                    rk::core::conv_forward_ref(g, x.data(), w.data(), nullptr, 0, o, 0, n);
            }
        ref.dx.resize(x.size());
        for (int64_t n = 0; n < s.batch; ++n)
            for (int64_t i = 0; i < s.in; ++i)
                ref.dx[static_cast<size_t>(n * s.in + i)] = rk::core::conv_backward_data_ref(g, dy.data(), w.data(), 0, i, 0, n);
        ref.dw.resize(w.size());
        ref.db.resize(b.size());
        for (int64_t o = 0; o < s.out; ++o) {
            for (int64_t i = 0; i < s.in; ++i)
                ref.dw[static_cast<size_t>(o * s.in + i)] = rk::core::conv_backward_weights_ref(g, x.data(), dy.data(), o, i, 0, 0);
            ref.db[static_cast<size_t>(o)] = rk::core::conv_backward_bias_ref(g, dy.data(), o);
        }
        for (rk_isa isa : rk::test::supported_isas())
            for (int threads : {1, 2, 3}) {
                rk::test::Context ctx(isa, threads);
                const std::string where = shape + " " + rk_isa_name(isa) + " x" + std::to_string(threads);
                const Outputs got = run_linear(ctx.get(), s, x, w, b, dy);
                expect_same_bits(got.y, ref.y, where + " forward");
                expect_same_bits(got.y_nobias, ref.y_nobias, where + " forward without bias");
                expect_same_bits(got.dx, ref.dx, where + " backward data");
                expect_same_bits(got.dw, ref.dw, where + " backward weights");
                expect_same_bits(got.db, ref.db, where + " bias gradient");
                // conv2d 1x1 on NCHW [N, IN, 1, 1]: the same bits, by definition.
                const rk_conv2d_desc d = conv_1x1(s);
                std::vector<float> cy(got.y.size()), cdx(got.dx.size()), cdw(got.dw.size()), cdb(got.db.size());
                for (rk_conv_algorithm algo : {RK_CONV_DIRECT, RK_CONV_IMPLICIT_GEMM}) {
                    ASSERT_EQ(rk_conv2d_forward(ctx.get(), &d, algo, x.data(), w.data(), b.data(), cy.data(), nullptr, 0,
                                                nullptr),
                              RK_STATUS_OK);
                    expect_same_bits(got.y, cy, where + " forward = conv2d 1x1");
                }
                ASSERT_EQ(rk_conv2d_backward_data(ctx.get(), &d, dy.data(), w.data(), cdx.data(), nullptr, 0), RK_STATUS_OK);
                ASSERT_EQ(rk_conv2d_backward_weights(ctx.get(), &d, x.data(), dy.data(), cdw.data(), cdb.data(), nullptr, 0),
                          RK_STATUS_OK);
                expect_same_bits(got.dx, cdx, where + " backward data = conv2d 1x1");
                expect_same_bits(got.dw, cdw, where + " backward weights = conv2d 1x1");
                expect_same_bits(got.db, cdb, where + " bias gradient = conv2d 1x1");
            }
    }
}

// A row of y (and of dx) depends only on its own row: the same bits alone, in any batch, at any position.
TEST(Linear, RowsAreBatchInvariant) {
    const LinearShape s{300, 48, 40};
    const auto x = data(static_cast<size_t>(s.batch * s.in), 5), w = data(static_cast<size_t>(s.out * s.in), 6),
               b = data(static_cast<size_t>(s.out), 7), dy = data(static_cast<size_t>(s.batch * s.out), 8);
    for (rk_isa isa : rk::test::supported_isas()) {
        rk::test::Context ctx(isa, 2);
        std::vector<float> y(static_cast<size_t>(s.batch * s.out)), dx(x.size());
        ASSERT_EQ(rk_linear_forward(ctx.get(), s.batch, s.in, s.out, x.data(), w.data(), b.data(), y.data()), RK_STATUS_OK);
        ASSERT_EQ(rk_linear_backward_data(ctx.get(), s.batch, s.in, s.out, dy.data(), w.data(), dx.data()), RK_STATUS_OK);
        for (int64_t r : {int64_t{0}, int64_t{1}, int64_t{150}, s.batch - 1}) {
            std::vector<float> y1(static_cast<size_t>(s.out)), dx1(static_cast<size_t>(s.in));
            ASSERT_EQ(rk_linear_forward(ctx.get(), 1, s.in, s.out, x.data() + r * s.in, w.data(), b.data(), y1.data()),
                      RK_STATUS_OK);
            ASSERT_EQ(rk_linear_backward_data(ctx.get(), 1, s.in, s.out, dy.data() + r * s.out, w.data(), dx1.data()),
                      RK_STATUS_OK);
            for (int64_t o = 0; o < s.out; ++o)
                ASSERT_EQ(rk::test::float_bits(y1[static_cast<size_t>(o)]),
                          rk::test::float_bits(y[static_cast<size_t>(r * s.out + o)]))
                    << rk_isa_name(isa) << " row " << r;
            for (int64_t i = 0; i < s.in; ++i)
                ASSERT_EQ(rk::test::float_bits(dx1[static_cast<size_t>(i)]),
                          rk::test::float_bits(dx[static_cast<size_t>(r * s.in + i)]))
                    << rk_isa_name(isa) << " row " << r;
        }
    }
}

// Accuracy against float64: relative to the sum of |terms| (the bound of a recursive FMA chain of length K is about
// K * 2^-24 of it), measured and bounded.
TEST(Linear, AccuracyAgainstFloat64) {
    const LinearShape s{512, 1024, 64};
    const auto x = data(static_cast<size_t>(s.batch * s.in), 9), w = data(static_cast<size_t>(s.out * s.in), 10),
               dy = data(static_cast<size_t>(s.batch * s.out), 11);
    rk::test::Context ctx(rk::test::supported_isas().back(), 2);
    std::vector<float> y(static_cast<size_t>(s.batch * s.out)), dw(w.size());
    ASSERT_EQ(rk_linear_forward(ctx.get(), s.batch, s.in, s.out, x.data(), w.data(), nullptr, y.data()), RK_STATUS_OK);
    ASSERT_EQ(rk_linear_backward_weights(ctx.get(), s.batch, s.in, s.out, x.data(), dy.data(), dw.data(), nullptr),
              RK_STATUS_OK);
    double worst_y = 0, worst_dw = 0;
    for (int64_t n = 0; n < s.batch; ++n)
        for (int64_t o = 0; o < s.out; ++o) {
            double exact = 0, mag = 0;
            for (int64_t i = 0; i < s.in; ++i) {
                const double t = static_cast<double>(x[static_cast<size_t>(n * s.in + i)]) * w[static_cast<size_t>(o * s.in + i)];
                exact += t;
                mag += std::fabs(t);
            }
            worst_y = std::max(worst_y, std::fabs(y[static_cast<size_t>(n * s.out + o)] - exact) / mag);
        }
    for (int64_t o = 0; o < s.out; ++o)
        for (int64_t i = 0; i < s.in; ++i) {
            double exact = 0, mag = 0;
            for (int64_t n = 0; n < s.batch; ++n) {
                const double t = static_cast<double>(dy[static_cast<size_t>(n * s.out + o)]) * x[static_cast<size_t>(n * s.in + i)];
                exact += t;
                mag += std::fabs(t);
            }
            worst_dw = std::max(worst_dw, std::fabs(dw[static_cast<size_t>(o * s.in + i)] - exact) / mag);
        }
    std::printf("linear accuracy: forward (K = %lld) max |error| / sum|terms| = %.3g; weight gradient (N = %lld) %.3g\n",
                static_cast<long long>(s.in), worst_y, static_cast<long long>(s.batch), worst_dw);
    EXPECT_LT(worst_y, 1024 * 0x1p-24);   // the chain's bound K * 2^-24; typical errors are far smaller
    EXPECT_LT(worst_dw, 260 * 0x1p-24);   // chunks of 256, then 2 chunk sums
}

TEST(Linear, BadInputIsAClearError) {
    rk::test::Context ctx(RK_ISA_SCALAR, 1);
    rk_context* c = ctx.get();
    std::vector<float> x(64), w(64), y(64), b(8);
    const auto expect = [](rk_status got, rk_status want, const char* fragment) {
        EXPECT_EQ(got, want) << rk_last_error_message();
        EXPECT_NE(std::string(rk_last_error_message()).find(fragment), std::string::npos) << rk_last_error_message();
    };
    expect(rk_linear_forward(c, 0, 8, 8, x.data(), w.data(), nullptr, y.data()), RK_STATUS_INVALID_ARGUMENT,
           "batch must be at least 1");
    expect(rk_linear_forward(c, 8, -1, 8, x.data(), w.data(), nullptr, y.data()), RK_STATUS_SIZE_OVERFLOW,
           "in_features is negative");
    expect(rk_linear_forward(c, 8, 8, int64_t{1} << 41, x.data(), w.data(), nullptr, y.data()), RK_STATUS_SIZE_OVERFLOW,
           "out_features (2199023255552) exceeds 2^40");
    expect(rk_linear_forward(c, int64_t{1} << 40, int64_t{1} << 40, 1, x.data(), w.data(), nullptr, y.data()),
           RK_STATUS_SIZE_OVERFLOW, "the element count of x (batch * in_features) exceeds the addressable size");
    expect(rk_linear_forward(c, 8, 8, 8, nullptr, w.data(), nullptr, y.data()), RK_STATUS_NULL_POINTER,
           "argument 'x' is null");
    expect(rk_linear_forward(c, 8, 8, 8, x.data(), w.data(), nullptr, x.data()), RK_STATUS_INVALID_ARGUMENT,
           "'y' overlaps 'x'");
    expect(rk_linear_forward(c, 8, 8, 8, x.data(), w.data(), y.data() + 4, y.data()), RK_STATUS_INVALID_ARGUMENT,
           "'y' overlaps 'bias'");
    expect(rk_linear_backward_data(c, 8, 8, 8, x.data(), w.data(), w.data()), RK_STATUS_INVALID_ARGUMENT,
           "'dx' overlaps 'w'");
    expect(rk_linear_backward_weights(c, 8, 8, 8, x.data(), y.data(), w.data(), w.data() + 60), RK_STATUS_INVALID_ARGUMENT,
           "'dw' overlaps 'dbias'");
    expect(rk_linear_backward_weights(c, 8, 8, 8, x.data(), y.data(), nullptr, b.data()), RK_STATUS_NULL_POINTER,
           "argument 'dw' is null");
    expect(rk_linear_forward(nullptr, 8, 8, 8, x.data(), w.data(), nullptr, y.data()), RK_STATUS_NULL_POINTER,
           "argument 'context' is null");
}

}  // namespace
