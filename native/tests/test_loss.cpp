// The canonical sum (docs/training.md section 0) and cross-entropy (section 5): the CPU kernels of every ISA against
// the definition, every ISA x threads 1/2/3 against the core's reference rows, batch composition invariance, accuracy
// against float64, bad input (a clear status and message, nothing written).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "api/testing.h"
#include "core/canonical_sum.h"
#include "core/cross_entropy.h"
#include "test_helpers.h"

namespace {

using rk::test::float_bits;

std::vector<float> normal(size_t n, uint64_t seed, float stddev = 1.0f) {
    std::vector<float> v(n);
    rk::test::Context ctx(RK_ISA_SCALAR, 1);
    const rk_philox_stream s{seed, 0, 0};
    EXPECT_EQ(rk_philox_fill_normal(ctx.get(), &s, 0.0f, stddev, v.data(), static_cast<int64_t>(n)), RK_STATUS_OK);
    return v;
}

// Bits, except that every NaN equals every NaN (payloads are not part of the contract).
uint32_t canonical_bits(float f) { return f != f ? 0x7FC00000u : float_bits(f); }

void expect_same_bits(const std::vector<float>& got, const std::vector<float>& want, const std::string& what) {
    ASSERT_EQ(got.size(), want.size()) << what;
    for (size_t i = 0; i < got.size(); ++i)
        ASSERT_EQ(canonical_bits(got[i]), canonical_bits(want[i]))
            << what << ": element " << i << " got " << got[i] << " want " << want[i];
}

// The definition, written out independently of core/canonical_sum.h: 2048-element chunks, 16 lanes, the fixed tree,
// the chunk sums in order from the first.
float definition_sum(const std::vector<float>& v) {
    const size_t n = v.size();
    if (n == 0) return 0.0f;
    float total = 0.0f;
    for (size_t c = 0; c < n; c += 2048) {
        float p[16] = {};
        for (size_t i = c; i < n && i < c + 2048; ++i) p[(i - c) % 16] += v[i];
        float t[8], u[4], w[2];
        for (int l = 0; l < 8; ++l) t[l] = p[l] + p[l + 8];
        for (int l = 0; l < 4; ++l) u[l] = t[l] + t[l + 4];
        for (int l = 0; l < 2; ++l) w[l] = u[l] + u[l + 2];
        const float s = w[0] + w[1];
        total = c == 0 ? s : total + s;
    }
    return total;
}

TEST(CanonicalSum, EveryIsaComputesTheDefinition) {
    const int64_t sizes[] = {0, 1, 5, 15, 16, 17, 31, 100, 2047, 2048, 2049, 4096 + 33, 4 * 2048, 4 * 2048 + 1,
                             9 * 2048 + 777, 40000};
    for (const int64_t n : sizes) {
        auto v = normal(static_cast<size_t>(n), 11 + static_cast<uint64_t>(n), 100.0f);
        for (size_t i = 3; i < v.size(); i += 97) v[i] *= 1e-30f;  // tiny and large magnitudes mixed
        const float want = definition_sum(v);
        ASSERT_EQ(float_bits(rk::core::canonical_sum(n, [&](int64_t i) { return v[static_cast<size_t>(i)]; })),
                  float_bits(want))
            << "core, n = " << n;
        for (rk_isa isa : rk::test::supported_isas()) {
            float got = -1.0f;
            ASSERT_EQ(rk_testing_canonical_sum(isa, v.data(), n, &got), RK_STATUS_OK) << rk_last_error_message();
            ASSERT_EQ(float_bits(got), float_bits(want)) << rk_isa_name(isa) << " n = " << n;
        }
    }
}

TEST(CanonicalSum, SpecialValues) {
    for (rk_isa isa : rk::test::supported_isas()) {
        float got = 1.0f;
        const std::vector<float> zeros(37, -0.0f);
        ASSERT_EQ(rk_testing_canonical_sum(isa, zeros.data(), 37, &got), RK_STATUS_OK);
        EXPECT_EQ(float_bits(got), 0u) << rk_isa_name(isa) << ": a sum of -0s is +0";
        ASSERT_EQ(rk_testing_canonical_sum(isa, nullptr, 0, &got), RK_STATUS_OK);
        EXPECT_EQ(float_bits(got), 0u) << rk_isa_name(isa) << ": the empty sum is +0";
        std::vector<float> v(3000, 1.0f);
        v[2500] = std::numeric_limits<float>::infinity();
        ASSERT_EQ(rk_testing_canonical_sum(isa, v.data(), 3000, &got), RK_STATUS_OK);
        EXPECT_TRUE(std::isinf(got) && got > 0) << rk_isa_name(isa);
        v[10] = -std::numeric_limits<float>::infinity();
        ASSERT_EQ(rk_testing_canonical_sum(isa, v.data(), 3000, &got), RK_STATUS_OK);
        EXPECT_TRUE(std::isnan(got)) << rk_isa_name(isa);
    }
}

TEST(CanonicalSum, AccuracyAgainstFloat64) {
    const int64_t n = 1 << 20;
    const auto v = normal(static_cast<size_t>(n), 5);
    double exact = 0, mag = 0;
    for (float f : v) {
        exact += f;
        mag += std::fabs(f);
    }
    float got = 0;
    ASSERT_EQ(rk_testing_canonical_sum(rk::test::supported_isas().back(), v.data(), n, &got), RK_STATUS_OK);
    const double rel = std::fabs(got - exact) / mag;
    const double bound = static_cast<double>(rk::core::canonical_sum_depth(n)) * 0x1p-24;
    std::printf("canonical sum accuracy (n = 2^20): |error| / sum|v| = %.3g (bound %.3g)\n", rel, bound);
    EXPECT_LT(rel, bound);
}

// ---- Cross-entropy ------------------------------------------------------------------------------------------------

struct LossCase {
    int64_t batch, classes;
    int64_t ignore_index;
    float eps;
};

// Odd class counts (vector tails), one class, a row longer than a chunk (2048) and than four chunks.
const LossCase kCases[] = {{7, 10, -100, 0.0f}, {5, 1, -100, 0.0f}, {9, 33, 3, 0.1f}, {3, 2049, -100, 0.0f},
                           {4, 9000, 1, 0.25f}, {300, 17, -1, 0.0f}, {2, 5, -100, 1.0f}};

std::vector<int64_t> targets_for(const LossCase& c, uint64_t seed) {
    std::vector<int64_t> t(static_cast<size_t>(c.batch));
    for (int64_t r = 0; r < c.batch; ++r) {
        const uint64_t h = (static_cast<uint64_t>(r) + seed) * 0x9E3779B97F4A7C15ull;
        t[static_cast<size_t>(r)] = static_cast<int64_t>((h >> 33) % static_cast<uint64_t>(c.classes));
        if (r % 4 == 2) t[static_cast<size_t>(r)] = c.ignore_index;  // some rows ignored
    }
    return t;
}

// Edge values in a few rows: a NaN, +-Inf, -0, huge logits (the maximum shift matters), every logit equal.
void add_edge_values(std::vector<float>& x, const LossCase& c) {
    const auto at = [&](int64_t r, int64_t i) -> float& { return x[static_cast<size_t>(r * c.classes + i)]; };
    if (c.batch > 1) at(1, c.classes - 1) = std::numeric_limits<float>::quiet_NaN();
    if (c.batch > 3) at(3, 0) = 1e30f;
    if (c.batch > 4) at(4, c.classes / 2) = -std::numeric_limits<float>::infinity();
    if (c.batch > 5)
        for (int64_t i = 0; i < c.classes; ++i) at(5, i) = -0.0f;
    if (c.batch > 6) at(6, 0) = std::numeric_limits<float>::infinity();
}

struct LossRef {
    std::vector<float> rows, dx_none, dx_sum, dx_mean;
    float sum, mean;
};

LossRef reference(const LossCase& c, const std::vector<float>& x, const std::vector<int64_t>& t,
                  const std::vector<float>& dloss) {
    const auto k = rk::core::cross_entropy_constants(c.eps, c.classes);
    LossRef ref;
    int64_t count = 0;
    ref.rows.resize(static_cast<size_t>(c.batch));
    for (int64_t r = 0; r < c.batch; ++r) {
        ref.rows[static_cast<size_t>(r)] =
            rk::core::cross_entropy_row_ref(x.data() + r * c.classes, c.classes, t[static_cast<size_t>(r)], c.ignore_index, k);
        count += t[static_cast<size_t>(r)] != c.ignore_index;
    }
    ref.sum = rk::core::canonical_sum(c.batch, [&](int64_t r) { return ref.rows[static_cast<size_t>(r)]; });
    ref.mean = ref.sum / static_cast<float>(count);
    for (auto* dx : {&ref.dx_none, &ref.dx_sum, &ref.dx_mean}) dx->resize(x.size());
    for (int64_t r = 0; r < c.batch; ++r) {
        const float* xr = x.data() + r * c.classes;
        const int64_t tr = t[static_cast<size_t>(r)];
        const size_t o = static_cast<size_t>(r * c.classes);
        rk::core::cross_entropy_row_backward_ref(xr, c.classes, tr, c.ignore_index, k, dloss[static_cast<size_t>(r)],
                                                 ref.dx_none.data() + o);
        rk::core::cross_entropy_row_backward_ref(xr, c.classes, tr, c.ignore_index, k, dloss[0], ref.dx_sum.data() + o);
        rk::core::cross_entropy_row_backward_ref(xr, c.classes, tr, c.ignore_index, k, dloss[0] / static_cast<float>(count),
                                                 ref.dx_mean.data() + o);
    }
    return ref;
}

TEST(CrossEntropy, EveryIsaAndThreadCountComputesTheCanonicalFunction) {
    for (const LossCase& c : kCases) {
        const std::string tag = std::to_string(c.batch) + "x" + std::to_string(c.classes) + " eps " + std::to_string(c.eps);
        auto x = normal(static_cast<size_t>(c.batch * c.classes), 21, 3.0f);
        add_edge_values(x, c);
        const auto t = targets_for(c, 3);
        const auto dloss = normal(static_cast<size_t>(c.batch), 22);
        const LossRef ref = reference(c, x, t, dloss);
        for (rk_isa isa : rk::test::supported_isas())
            for (int threads : {1, 2, 3}) {
                rk::test::Context ctx(isa, threads);
                const std::string where = tag + " " + rk_isa_name(isa) + " x" + std::to_string(threads);
                std::vector<float> rows(static_cast<size_t>(c.batch)), sum(1), mean(1), dx(x.size());
                ASSERT_EQ(rk_cross_entropy_forward(ctx.get(), c.batch, c.classes, x.data(), t.data(), c.ignore_index, c.eps,
                                                   RK_REDUCTION_NONE, rows.data()),
                          RK_STATUS_OK)
                    << rk_last_error_message();
                expect_same_bits(rows, ref.rows, where + " none");
                ASSERT_EQ(rk_cross_entropy_forward(ctx.get(), c.batch, c.classes, x.data(), t.data(), c.ignore_index, c.eps,
                                                   RK_REDUCTION_SUM, sum.data()),
                          RK_STATUS_OK);
                expect_same_bits(sum, {ref.sum}, where + " sum");
                ASSERT_EQ(rk_cross_entropy_forward(ctx.get(), c.batch, c.classes, x.data(), t.data(), c.ignore_index, c.eps,
                                                   RK_REDUCTION_MEAN, mean.data()),
                          RK_STATUS_OK);
                expect_same_bits(mean, {ref.mean}, where + " mean");
                const std::pair<rk_loss_reduction, const std::vector<float>*> passes[] = {
                    {RK_REDUCTION_NONE, &ref.dx_none}, {RK_REDUCTION_SUM, &ref.dx_sum}, {RK_REDUCTION_MEAN, &ref.dx_mean}};
                for (const auto& [reduction, want] : passes) {
                    ASSERT_EQ(rk_cross_entropy_backward(ctx.get(), c.batch, c.classes, x.data(), t.data(), c.ignore_index,
                                                        c.eps, reduction, dloss.data(), dx.data()),
                              RK_STATUS_OK)
                        << rk_last_error_message();
                    expect_same_bits(dx, *want, where + " backward " + std::to_string(static_cast<int>(reduction)));
                }
            }
    }
}

// PyTorch's semantics on a small case: the loss by hand, an ignored row's +0, the mean over counted rows, NaN when
// every row is ignored, a NaN logit's NaN loss.
TEST(CrossEntropy, Semantics) {
    rk::test::Context ctx(RK_ISA_AUTO, 1);
    const float x[] = {1.0f, 2.0f, 3.0f, 0.0f, 0.0f, 0.0f};
    const int64_t t[] = {2, -100};
    float rows[2], mean = 0;
    ASSERT_EQ(rk_cross_entropy_forward(ctx.get(), 2, 3, x, t, -100, 0.0f, RK_REDUCTION_NONE, rows), RK_STATUS_OK);
    EXPECT_NEAR(rows[0], std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0)) - 3.0, 1e-6);
    EXPECT_EQ(float_bits(rows[1]), 0u);
    ASSERT_EQ(rk_cross_entropy_forward(ctx.get(), 2, 3, x, t, -100, 0.0f, RK_REDUCTION_MEAN, &mean), RK_STATUS_OK);
    EXPECT_EQ(float_bits(mean), float_bits(rows[0]));  // one counted row
    const int64_t none[] = {-100, -100};
    ASSERT_EQ(rk_cross_entropy_forward(ctx.get(), 2, 3, x, none, -100, 0.0f, RK_REDUCTION_MEAN, &mean), RK_STATUS_OK);
    EXPECT_TRUE(std::isnan(mean));
    ASSERT_EQ(rk_cross_entropy_forward(ctx.get(), 0, 3, x, t, -100, 0.0f, RK_REDUCTION_SUM, &mean), RK_STATUS_OK);
    EXPECT_EQ(float_bits(mean), 0u);  // an empty batch sums to +0
    const float nan_x[] = {1.0f, std::numeric_limits<float>::quiet_NaN(), 0.0f};
    ASSERT_EQ(rk_cross_entropy_forward(ctx.get(), 1, 3, nan_x, t, -100, 0.0f, RK_REDUCTION_NONE, rows), RK_STATUS_OK);
    EXPECT_TRUE(std::isnan(rows[0]));
    // Label smoothing 1: the loss is lse - mean(x); the gradient softmax - 1/C.
    ASSERT_EQ(rk_cross_entropy_forward(ctx.get(), 1, 3, x, t, -100, 1.0f, RK_REDUCTION_NONE, rows), RK_STATUS_OK);
    EXPECT_NEAR(rows[0], std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0)) - 2.0, 1e-6);
    float dx[3], one = 1.0f;
    ASSERT_EQ(rk_cross_entropy_backward(ctx.get(), 1, 3, x, t, -100, 0.0f, RK_REDUCTION_SUM, &one, dx), RK_STATUS_OK);
    const double s = std::exp(1.0) + std::exp(2.0) + std::exp(3.0);
    EXPECT_NEAR(dx[0], std::exp(1.0) / s, 1e-6);
    EXPECT_NEAR(dx[2], std::exp(3.0) / s - 1.0, 1e-6);
}

// A row's loss (and gradient) depends only on its row: alone, in any batch, at any position.
TEST(CrossEntropy, RowsAreBatchInvariant) {
    const LossCase c{260, 301, -100, 0.1f};
    const auto x = normal(static_cast<size_t>(c.batch * c.classes), 31, 2.0f);
    const auto t = targets_for(c, 9);
    const auto dloss = normal(static_cast<size_t>(c.batch), 32);
    for (rk_isa isa : rk::test::supported_isas()) {
        rk::test::Context ctx(isa, 3);
        std::vector<float> rows(static_cast<size_t>(c.batch)), dx(x.size());
        ASSERT_EQ(rk_cross_entropy_forward(ctx.get(), c.batch, c.classes, x.data(), t.data(), -100, c.eps,
                                           RK_REDUCTION_NONE, rows.data()),
                  RK_STATUS_OK);
        ASSERT_EQ(rk_cross_entropy_backward(ctx.get(), c.batch, c.classes, x.data(), t.data(), -100, c.eps,
                                            RK_REDUCTION_NONE, dloss.data(), dx.data()),
                  RK_STATUS_OK);
        for (int64_t r : {int64_t{0}, int64_t{1}, int64_t{129}, c.batch - 1}) {
            for (int64_t len : {int64_t{1}, int64_t{5}}) {
                if (r + len > c.batch) continue;
                std::vector<float> rows1(static_cast<size_t>(len)), dx1(static_cast<size_t>(len * c.classes));
                ASSERT_EQ(rk_cross_entropy_forward(ctx.get(), len, c.classes, x.data() + r * c.classes, t.data() + r, -100,
                                                   c.eps, RK_REDUCTION_NONE, rows1.data()),
                          RK_STATUS_OK);
                ASSERT_EQ(rk_cross_entropy_backward(ctx.get(), len, c.classes, x.data() + r * c.classes, t.data() + r,
                                                    -100, c.eps, RK_REDUCTION_NONE, dloss.data() + r, dx1.data()),
                          RK_STATUS_OK);
                for (int64_t i = 0; i < len; ++i)
                    ASSERT_EQ(float_bits(rows1[static_cast<size_t>(i)]), float_bits(rows[static_cast<size_t>(r + i)]))
                        << rk_isa_name(isa) << " row " << r + i;
                for (int64_t i = 0; i < len * c.classes; ++i)
                    ASSERT_EQ(float_bits(dx1[static_cast<size_t>(i)]), float_bits(dx[static_cast<size_t>(r * c.classes + i)]))
                        << rk_isa_name(isa) << " row " << r << " element " << i;
            }
        }
    }
}

// Against float64: the loss within a few ulps of max(|lse|, |x_t|) (portable exp and log, the canonical sum), the
// gradient within a few ulps of 1.
TEST(CrossEntropy, AccuracyAgainstFloat64) {
    const LossCase c{64, 5000, -100, 0.1f};
    const auto x = normal(static_cast<size_t>(c.batch * c.classes), 41, 4.0f);
    std::vector<int64_t> t(static_cast<size_t>(c.batch));
    for (int64_t r = 0; r < c.batch; ++r) t[static_cast<size_t>(r)] = (r * 977) % c.classes;
    rk::test::Context ctx(rk::test::supported_isas().back(), 2);
    std::vector<float> rows(static_cast<size_t>(c.batch)), dx(x.size());
    const std::vector<float> ones(static_cast<size_t>(c.batch), 1.0f);
    ASSERT_EQ(rk_cross_entropy_forward(ctx.get(), c.batch, c.classes, x.data(), t.data(), -100, c.eps, RK_REDUCTION_NONE,
                                       rows.data()),
              RK_STATUS_OK);
    ASSERT_EQ(rk_cross_entropy_backward(ctx.get(), c.batch, c.classes, x.data(), t.data(), -100, c.eps,
                                        RK_REDUCTION_NONE, ones.data(), dx.data()),
              RK_STATUS_OK);
    double worst_loss = 0, worst_grad = 0;
    const double eps = c.eps;
    for (int64_t r = 0; r < c.batch; ++r) {
        const float* xr = x.data() + r * c.classes;
        double m = xr[0], sx = 0;
        for (int64_t i = 0; i < c.classes; ++i) {
            m = std::max(m, static_cast<double>(xr[i]));
            sx += xr[i];
        }
        double s = 0;
        for (int64_t i = 0; i < c.classes; ++i) s += std::exp(xr[i] - m);
        const double lse = m + std::log(s), xt = xr[t[static_cast<size_t>(r)]];
        const double loss = (1 - eps) * (lse - xt) + eps * (lse - sx / c.classes);
        worst_loss = std::max(worst_loss, std::fabs(rows[static_cast<size_t>(r)] - loss) / std::max(std::fabs(lse), std::fabs(xt)));
        for (int64_t i = 0; i < c.classes; ++i) {
            const double q = eps / c.classes + (i == t[static_cast<size_t>(r)] ? 1 - eps : 0);
            const double want = std::exp(xr[i] - m) / s - q;
            worst_grad = std::max(worst_grad, std::fabs(dx[static_cast<size_t>(r * c.classes + i)] - want));
        }
    }
    std::printf("cross-entropy accuracy (C = %lld): loss |error| / max(|lse|, |x_t|) = %.3g, gradient |error| = %.3g\n",
                static_cast<long long>(c.classes), worst_loss, worst_grad);
    EXPECT_LT(worst_loss, 16 * 0x1p-24);
    EXPECT_LT(worst_grad, 8 * 0x1p-24);
}

TEST(CrossEntropy, BadInputIsAClearErrorAndWritesNothing) {
    rk::test::Context ctx(RK_ISA_SCALAR, 2);
    rk_context* c = ctx.get();
    std::vector<float> x(40, 0.5f), loss(8, 7.0f), dx(40, 7.0f), dloss(8, 1.0f);
    std::vector<int64_t> t = {0, 1, 2, 3, -100, 4, 1, 0};
    const auto expect = [](rk_status got, rk_status want, const char* fragment) {
        EXPECT_EQ(got, want) << rk_last_error_message();
        EXPECT_NE(std::string(rk_last_error_message()).find(fragment), std::string::npos) << rk_last_error_message();
    };
    t[5] = 5;
    t[6] = -3;
    expect(rk_cross_entropy_forward(c, 8, 5, x.data(), t.data(), -100, 0.0f, RK_REDUCTION_NONE, loss.data()),
           RK_STATUS_INVALID_ARGUMENT,
           "rk_cross_entropy_forward: row 5: targets[5] is 5, which is outside [0, 5) and is not ignore_index (-100)");
    for (float v : loss) EXPECT_EQ(v, 7.0f) << "nothing is written on a bad target";
    expect(rk_cross_entropy_backward(c, 8, 5, x.data(), t.data(), -100, 0.0f, RK_REDUCTION_SUM, dloss.data(), dx.data()),
           RK_STATUS_INVALID_ARGUMENT, "rk_cross_entropy_backward: row 5: targets[5] is 5");
    for (float v : dx) EXPECT_EQ(v, 7.0f) << "nothing is written on a bad target";
    t[5] = 4;
    t[6] = 1;
    expect(rk_cross_entropy_forward(c, -1, 5, x.data(), t.data(), -100, 0.0f, RK_REDUCTION_NONE, loss.data()),
           RK_STATUS_SIZE_OVERFLOW, "batch is negative (-1)");
    expect(rk_cross_entropy_forward(c, 8, 0, x.data(), t.data(), -100, 0.0f, RK_REDUCTION_NONE, loss.data()),
           RK_STATUS_INVALID_ARGUMENT, "classes must be at least 1 (got 0)");
    expect(rk_cross_entropy_forward(c, 8, int64_t{1} << 41, x.data(), t.data(), -100, 0.0f, RK_REDUCTION_NONE, loss.data()),
           RK_STATUS_SIZE_OVERFLOW, "classes (2199023255552) exceeds 2^40");
    expect(rk_cross_entropy_forward(c, int64_t{1} << 40, int64_t{1} << 40, x.data(), t.data(), -100, 0.0f,
                                    RK_REDUCTION_NONE, loss.data()),
           RK_STATUS_SIZE_OVERFLOW, "the element count of logits (batch * classes) exceeds the addressable size");
    expect(rk_cross_entropy_forward(c, 8, 5, x.data(), t.data(), -100, 1.5f, RK_REDUCTION_NONE, loss.data()),
           RK_STATUS_INVALID_ARGUMENT, "label_smoothing must be in [0, 1] (got 1.5)");
    expect(rk_cross_entropy_forward(c, 8, 5, x.data(), t.data(), -100, std::numeric_limits<float>::quiet_NaN(),
                                    RK_REDUCTION_NONE, loss.data()),
           RK_STATUS_INVALID_ARGUMENT, "label_smoothing must be in [0, 1]");
    expect(rk_cross_entropy_forward(c, 8, 5, x.data(), t.data(), -100, 0.0f, static_cast<rk_loss_reduction>(7), loss.data()),
           RK_STATUS_INVALID_ARGUMENT, "reduction 7 is not a valid rk_loss_reduction");
    expect(rk_cross_entropy_forward(c, 8, 5, nullptr, t.data(), -100, 0.0f, RK_REDUCTION_NONE, loss.data()),
           RK_STATUS_NULL_POINTER, "argument 'logits' is null");
    expect(rk_cross_entropy_forward(c, 8, 5, x.data(), nullptr, -100, 0.0f, RK_REDUCTION_NONE, loss.data()),
           RK_STATUS_NULL_POINTER, "argument 'targets' is null");
    expect(rk_cross_entropy_forward(c, 8, 5, x.data(), t.data(), -100, 0.0f, RK_REDUCTION_MEAN, nullptr),
           RK_STATUS_NULL_POINTER, "argument 'loss' is null");
    expect(rk_cross_entropy_forward(c, 8, 5, x.data(), t.data(), -100, 0.0f, RK_REDUCTION_NONE, x.data() + 30),
           RK_STATUS_INVALID_ARGUMENT, "'loss' overlaps 'logits'");
    expect(rk_cross_entropy_backward(c, 8, 5, x.data(), t.data(), -100, 0.0f, RK_REDUCTION_SUM, nullptr, dx.data()),
           RK_STATUS_NULL_POINTER, "argument 'dloss' is null");
    expect(rk_cross_entropy_backward(c, 8, 5, x.data(), t.data(), -100, 0.0f, RK_REDUCTION_NONE, dloss.data(), x.data()),
           RK_STATUS_INVALID_ARGUMENT, "'dlogits' overlaps 'logits'");
    expect(rk_cross_entropy_backward(c, 8, 5, x.data(), t.data(), -100, 0.0f, RK_REDUCTION_NONE, dx.data() + 39, dx.data()),
           RK_STATUS_INVALID_ARGUMENT, "'dlogits' overlaps 'dloss'");
    expect(rk_cross_entropy_forward(nullptr, 8, 5, x.data(), t.data(), -100, 0.0f, RK_REDUCTION_NONE, loss.data()),
           RK_STATUS_NULL_POINTER, "argument 'context' is null");
    float out = 0;
    expect(rk_testing_canonical_sum(static_cast<rk_isa>(99), x.data(), 4, &out), RK_STATUS_INVALID_ARGUMENT,
           "is not a CPU ISA");
}

}  // namespace
