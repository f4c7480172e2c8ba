// BatchNorm2d and LayerNorm (docs/training.md section 4): every pass equal to the spec, transcribed here with plain
// float operations over the canonical sum's definition, on every ISA and thread count; LayerNorm's rows are
// batch-invariant; accuracy against float64; bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "core/canonical_sum.h"
#include "core/lanes_scalar.h"
#include "test_helpers.h"

namespace {

using Vec = std::vector<float>;

// A correctly rounded fma: MinGW-w64's fma_rn(float) is not (test_scalar_fma.cpp), so the spec's transcription uses
// the scalar lane's, which is exact everywhere.
float fma_rn(float a, float b, float c) { return rk::core::ScalarLanes::ffma(a, b, c); }

Vec data(size_t n, uint64_t seed, float mean = 0.0f, float stddev = 1.0f) {
    Vec v(n);
    rk::test::Context ctx(RK_ISA_SCALAR, 1);
    const rk_philox_stream s{seed, 0, 0};
    EXPECT_EQ(rk_philox_fill_normal(ctx.get(), &s, mean, stddev, v.data(), static_cast<int64_t>(n)), RK_STATUS_OK);
    return v;
}

void expect_bits(const Vec& got, const Vec& want, const std::string& what) {
    ASSERT_EQ(got.size(), want.size()) << what;
    for (size_t i = 0; i < got.size(); ++i)
        ASSERT_EQ(rk::test::float_bits(got[i]), rk::test::float_bits(want[i]))
            << what << ": element " << i << " is " << got[i] << ", the spec says " << want[i];
}

// ---- The spec, transcribed (docs/training.md section 4) ---------------------------------------------------------

struct Bn {
    int64_t n, c, h, w;
    int64_t m() const { return n * h * w; }
    size_t at(int64_t ch, int64_t j) const { return static_cast<size_t>((j / (h * w)) * c * h * w + ch * h * w + j % (h * w)); }
    template <class F>
    float sum(int64_t ch, F f) const {
        return rk::core::canonical_sum(m(), [&](int64_t j) { return f(at(ch, j)); });
    }
};

struct BnOut {
    Vec y, mean, invstd, rm, rv;
};

BnOut bn_forward_spec(const Bn& s, const Vec& x, const float* gamma, const float* beta, float eps, float mom,
                      const Vec& rm0, const Vec& rv0) {
    BnOut o{Vec(x.size()), Vec(s.c), Vec(s.c), rm0, rv0};
    const float M = static_cast<float>(s.m());
    for (int64_t ch = 0; ch < s.c; ++ch) {
        const float mean = s.sum(ch, [&](size_t i) { return x[i]; }) / M;
        const float sdd = s.sum(ch, [&](size_t i) { const float d = x[i] - mean; return d * d; });
        const float invstd = 1.0f / std::sqrt(sdd / M + eps);
        const float a = gamma ? invstd * gamma[ch] : invstd;
        for (int64_t j = 0; j < s.m(); ++j) o.y[s.at(ch, j)] = fma_rn(x[s.at(ch, j)] - mean, a, beta ? beta[ch] : 0.0f);
        o.mean[ch] = mean;
        o.invstd[ch] = invstd;
        const float k = static_cast<float>(1.0 - static_cast<double>(mom));
        o.rm[ch] = fma_rn(mom, mean, k * rm0[ch]);
        o.rv[ch] = fma_rn(mom, sdd / static_cast<float>(s.m() - 1), k * rv0[ch]);
    }
    return o;
}

struct BnGrad {
    Vec dx, dgamma, dbeta;
};

BnGrad bn_backward_spec(const Bn& s, const Vec& x, const Vec& dy, const float* gamma, const Vec& mean, const Vec& invstd) {
    BnGrad o{Vec(x.size()), Vec(s.c), Vec(s.c)};
    const float M = static_cast<float>(s.m());
    for (int64_t ch = 0; ch < s.c; ++ch) {
        auto xhat = [&](size_t i) { return (x[i] - mean[ch]) * invstd[ch]; };
        const float db = s.sum(ch, [&](size_t i) { return dy[i]; });
        const float dg = s.sum(ch, [&](size_t i) { return dy[i] * xhat(i); });
        const float scale = gamma ? gamma[ch] * invstd[ch] : invstd[ch];
        for (int64_t j = 0; j < s.m(); ++j) {
            const size_t i = s.at(ch, j);
            o.dx[i] = (dy[i] - fma_rn(xhat(i), dg / M, db / M)) * scale;
        }
        o.dgamma[ch] = dg;
        o.dbeta[ch] = db;
    }
    return o;
}

struct LnOut {
    Vec y, mean, invstd;
};

LnOut ln_forward_spec(int64_t rows, int64_t d, const Vec& x, const float* gamma, const float* beta, float eps) {
    LnOut o{Vec(x.size()), Vec(rows), Vec(rows)};
    const float D = static_cast<float>(d);
    for (int64_t r = 0; r < rows; ++r) {
        const float* xr = x.data() + r * d;
        const float mean = rk::core::canonical_sum(d, [&](int64_t j) { return xr[j]; }) / D;
        const float sdd = rk::core::canonical_sum(d, [&](int64_t j) { const float t = xr[j] - mean; return t * t; });
        const float invstd = 1.0f / std::sqrt(sdd / D + eps);
        for (int64_t j = 0; j < d; ++j)
            o.y[r * d + j] = fma_rn((xr[j] - mean) * invstd, gamma ? gamma[j] : 1.0f, beta ? beta[j] : 0.0f);
        o.mean[r] = mean;
        o.invstd[r] = invstd;
    }
    return o;
}

struct LnGrad {
    Vec dx, dgamma, dbeta;
};

LnGrad ln_backward_spec(int64_t rows, int64_t d, const Vec& x, const Vec& dy, const float* gamma, const Vec& mean,
                        const Vec& invstd) {
    LnGrad o{Vec(x.size()), Vec(d), Vec(d)};
    const float D = static_cast<float>(d);
    auto xhat = [&](int64_t r, int64_t j) { return (x[r * d + j] - mean[r]) * invstd[r]; };
    for (int64_t r = 0; r < rows; ++r) {
        auto g = [&](int64_t j) { return gamma ? dy[r * d + j] * gamma[j] : dy[r * d + j]; };
        const float c1 = rk::core::canonical_sum(d, g) / D;
        const float c2 = rk::core::canonical_sum(d, [&](int64_t j) { return g(j) * xhat(r, j); }) / D;
        for (int64_t j = 0; j < d; ++j) o.dx[r * d + j] = (g(j) - fma_rn(xhat(r, j), c2, c1)) * invstd[r];
    }
    for (int64_t j = 0; j < d; ++j) {
        o.dgamma[j] = rk::core::canonical_sum(rows, [&](int64_t r) { return dy[r * d + j] * xhat(r, j); });
        o.dbeta[j] = rk::core::canonical_sum(rows, [&](int64_t r) { return dy[r * d + j]; });
    }
    return o;
}

// Channels of 70 positions; 4,800 positions over 1,600-element planes (chunks that span planes); the minimum M = 2;
// 1x1 images; 6,000 positions in one plane per image; 13 channels of 20,402 positions (more than a whole-group unit's
// 16,384, but at least 4 groups per thread: whole groups anyway), over 265,226 elements (non-temporal stores, from
// outputs that are not vector-aligned).
const Bn kBnShapes[] = {{2, 3, 5, 7}, {3, 2, 40, 40}, {1, 1, 1, 2}, {5, 4, 1, 1}, {2, 1, 3000, 1}, {2, 13, 101, 101}};

TEST(BatchNorm2d, EveryPassMatchesTheSpecOnEveryIsaAndThreadCount) {
    for (const Bn& s : kBnShapes) {
        const std::string shape = std::to_string(s.n) + "x" + std::to_string(s.c) + "x" + std::to_string(s.h) + "x" +
                                  std::to_string(s.w);
        const size_t e = static_cast<size_t>(s.n * s.c * s.h * s.w), c = static_cast<size_t>(s.c);
        const Vec x = data(e, 1, 0.5f, 2.0f), dy = data(e, 2), gamma = data(c, 3, 1.0f, 0.2f), beta = data(c, 4),
                  rm0 = data(c, 5), rv0 = data(c, 6, 1.0f, 0.1f);
        const float eps = 1e-5f, mom = 0.1f;
        for (bool affine : {true, false}) {
            const float* g = affine ? gamma.data() : nullptr;
            const float* b = affine ? beta.data() : nullptr;
            const BnOut want = bn_forward_spec(s, x, g, b, eps, mom, rm0, rv0);
            const BnGrad wantg = bn_backward_spec(s, x, dy, g, want.mean, want.invstd);
            Vec want_eval(e), want_eval_dx(e);
            for (int64_t ch = 0; ch < s.c; ++ch) {
                const float r = 1.0f / std::sqrt(rv0[ch] + eps), a = g ? g[ch] * r : r;
                for (int64_t j = 0; j < s.m(); ++j) {
                    const size_t i = s.at(ch, j);
                    want_eval[i] = fma_rn(x[i] - rm0[ch], a, b ? b[ch] : 0.0f);
                    want_eval_dx[i] = dy[i] * a;
                }
            }
            for (rk_isa isa : rk::test::supported_isas())
                for (int threads : {1, 2, 3}) {
                    rk::test::Context ctx(isa, threads);
                    const std::string where = shape + (affine ? " affine " : " plain ") + rk_isa_name(isa) + " x" +
                                              std::to_string(threads);
                    Vec y(e), mean(c), invstd(c), rm = rm0, rv = rv0;
                    ASSERT_EQ(rk_batchnorm2d_forward_training(ctx.get(), s.n, s.c, s.h, s.w, eps, mom, x.data(), g, b,
                                                              y.data(), mean.data(), invstd.data(), rm.data(), rv.data()),
                              RK_STATUS_OK)
                        << rk_last_error_message();
                    expect_bits(y, want.y, where + " y");
                    expect_bits(mean, want.mean, where + " mean");
                    expect_bits(invstd, want.invstd, where + " invstd");
                    expect_bits(rm, want.rm, where + " running mean");
                    expect_bits(rv, want.rv, where + " running var");
                    Vec y2(e), mean2(c), invstd2(c);  // without running statistics: the same outputs
                    ASSERT_EQ(rk_batchnorm2d_forward_training(ctx.get(), s.n, s.c, s.h, s.w, eps, mom, x.data(), g, b,
                                                              y2.data(), mean2.data(), invstd2.data(), nullptr, nullptr),
                              RK_STATUS_OK);
                    expect_bits(y2, want.y, where + " y without running statistics");
                    Vec dx(e), dg(c), db(c);
                    ASSERT_EQ(rk_batchnorm2d_backward_training(ctx.get(), s.n, s.c, s.h, s.w, x.data(), dy.data(), g,
                                                               mean.data(), invstd.data(), dx.data(), dg.data(), db.data()),
                              RK_STATUS_OK)
                        << rk_last_error_message();
                    expect_bits(dx, wantg.dx, where + " dx");
                    expect_bits(dg, wantg.dgamma, where + " dgamma");
                    expect_bits(db, wantg.dbeta, where + " dbeta");
                    Vec ye(e), dxe(e);
                    ASSERT_EQ(rk_batchnorm2d_forward_inference(ctx.get(), s.n, s.c, s.h, s.w, eps, x.data(), g, b,
                                                               rm0.data(), rv0.data(), ye.data()),
                              RK_STATUS_OK);
                    expect_bits(ye, want_eval, where + " eval y");
                    ASSERT_EQ(rk_batchnorm2d_backward_inference(ctx.get(), s.n, s.c, s.h, s.w, eps, dy.data(), g,
                                                                rv0.data(), dxe.data()),
                              RK_STATUS_OK);
                    expect_bits(dxe, want_eval_dx, where + " eval dx");
                }
        }
    }
}

struct Ln {
    int64_t rows, d;
};
// A single feature; odd widths; two chunks per row; two row chunks for dγ / dβ; a common width; 262,397 elements
// (non-temporal stores; odd rows, so most start off a vector boundary).
const Ln kLnShapes[] = {{4, 1}, {3, 5}, {7, 2100}, {2500, 3}, {33, 64}, {257, 1021}};

TEST(LayerNorm, EveryPassMatchesTheSpecOnEveryIsaAndThreadCount) {
    for (const Ln& s : kLnShapes) {
        const std::string shape = std::to_string(s.rows) + "x" + std::to_string(s.d);
        const size_t e = static_cast<size_t>(s.rows * s.d);
        const Vec x = data(e, 11, -1.0f, 3.0f), dy = data(e, 12), gamma = data(static_cast<size_t>(s.d), 13, 1.0f, 0.3f),
                  beta = data(static_cast<size_t>(s.d), 14);
        for (bool affine : {true, false}) {
            const float* g = affine ? gamma.data() : nullptr;
            const float* b = affine ? beta.data() : nullptr;
            const LnOut want = ln_forward_spec(s.rows, s.d, x, g, b, 1e-5f);
            const LnGrad wantg = ln_backward_spec(s.rows, s.d, x, dy, g, want.mean, want.invstd);
            for (rk_isa isa : rk::test::supported_isas())
                for (int threads : {1, 2, 3}) {
                    rk::test::Context ctx(isa, threads);
                    const std::string where = shape + (affine ? " affine " : " plain ") + rk_isa_name(isa) + " x" +
                                              std::to_string(threads);
                    Vec y(e), mean(static_cast<size_t>(s.rows)), invstd(mean.size());
                    ASSERT_EQ(rk_layernorm_forward(ctx.get(), s.rows, s.d, 1e-5f, x.data(), g, b, y.data(), mean.data(),
                                                   invstd.data()),
                              RK_STATUS_OK)
                        << rk_last_error_message();
                    expect_bits(y, want.y, where + " y");
                    expect_bits(mean, want.mean, where + " mean");
                    expect_bits(invstd, want.invstd, where + " invstd");
                    Vec dx(e), dg(static_cast<size_t>(s.d)), db(dg.size()), dx2(e), db2(dg.size());
                    ASSERT_EQ(rk_layernorm_backward(ctx.get(), s.rows, s.d, x.data(), dy.data(), g, mean.data(),
                                                    invstd.data(), dx.data(), dg.data(), db.data()),
                              RK_STATUS_OK)
                        << rk_last_error_message();
                    expect_bits(dx, wantg.dx, where + " dx");
                    expect_bits(dg, wantg.dgamma, where + " dgamma");
                    expect_bits(db, wantg.dbeta, where + " dbeta");
                    // Only dβ asked for: the same dx and dβ.
                    ASSERT_EQ(rk_layernorm_backward(ctx.get(), s.rows, s.d, x.data(), dy.data(), g, mean.data(),
                                                    invstd.data(), dx2.data(), nullptr, db2.data()),
                              RK_STATUS_OK);
                    expect_bits(dx2, wantg.dx, where + " dx (dbeta only)");
                    expect_bits(db2, wantg.dbeta, where + " dbeta only");
                }
        }
    }
}

// A row of y and dx depends only on its row: the same bits alone or in any batch.
TEST(LayerNorm, RowsAreBatchInvariant) {
    const int64_t rows = 40, d = 300;
    const Vec x = data(static_cast<size_t>(rows * d), 21), dy = data(x.size(), 22), gamma = data(static_cast<size_t>(d), 23);
    for (rk_isa isa : rk::test::supported_isas()) {
        rk::test::Context ctx(isa, 3);
        Vec y(x.size()), mean(rows), invstd(rows), dx(x.size());
        ASSERT_EQ(rk_layernorm_forward(ctx.get(), rows, d, 1e-5f, x.data(), gamma.data(), nullptr, y.data(), mean.data(),
                                       invstd.data()),
                  RK_STATUS_OK);
        ASSERT_EQ(rk_layernorm_backward(ctx.get(), rows, d, x.data(), dy.data(), gamma.data(), mean.data(), invstd.data(),
                                        dx.data(), nullptr, nullptr),
                  RK_STATUS_OK);
        for (int64_t r : {int64_t{0}, int64_t{17}, rows - 1}) {
            Vec y1(static_cast<size_t>(d)), m1(1), i1(1), dx1(static_cast<size_t>(d));
            ASSERT_EQ(rk_layernorm_forward(ctx.get(), 1, d, 1e-5f, x.data() + r * d, gamma.data(), nullptr, y1.data(),
                                           m1.data(), i1.data()),
                      RK_STATUS_OK);
            ASSERT_EQ(rk_layernorm_backward(ctx.get(), 1, d, x.data() + r * d, dy.data() + r * d, gamma.data(), m1.data(),
                                            i1.data(), dx1.data(), nullptr, nullptr),
                      RK_STATUS_OK);
            expect_bits(y1, Vec(y.begin() + r * d, y.begin() + (r + 1) * d), std::string(rk_isa_name(isa)) + " y row");
            expect_bits(dx1, Vec(dx.begin() + r * d, dx.begin() + (r + 1) * d), std::string(rk_isa_name(isa)) + " dx row");
        }
    }
}

// Accuracy against float64: normalized outputs are O(1), so absolute errors are compared with 2^-24 multiples.
TEST(BatchNorm2d, AccuracyAgainstFloat64) {
    const Bn s{8, 4, 32, 32};  // M = 8,192: four chunks
    const size_t e = static_cast<size_t>(s.n * s.c * s.h * s.w);
    const Vec x = data(e, 31, 3.0f, 2.0f), dy = data(e, 32);
    rk::test::Context ctx(rk::test::supported_isas().back(), 2);
    Vec y(e), mean(4), invstd(4), dx(e), dg(4), db(4);
    ASSERT_EQ(rk_batchnorm2d_forward_training(ctx.get(), s.n, s.c, s.h, s.w, 1e-5f, 0.1f, x.data(), nullptr, nullptr,
                                              y.data(), mean.data(), invstd.data(), nullptr, nullptr),
              RK_STATUS_OK);
    ASSERT_EQ(rk_batchnorm2d_backward_training(ctx.get(), s.n, s.c, s.h, s.w, x.data(), dy.data(), nullptr, mean.data(),
                                               invstd.data(), dx.data(), dg.data(), db.data()),
              RK_STATUS_OK);
    double worst_y = 0, worst_dx = 0;
    for (int64_t ch = 0; ch < s.c; ++ch) {
        double m = 0, v = 0, sdy = 0, sdyx = 0;
        for (int64_t j = 0; j < s.m(); ++j) m += x[s.at(ch, j)];
        m /= static_cast<double>(s.m());
        for (int64_t j = 0; j < s.m(); ++j) v += (x[s.at(ch, j)] - m) * (x[s.at(ch, j)] - m);
        const double is = 1.0 / std::sqrt(v / static_cast<double>(s.m()) + 1e-5);
        for (int64_t j = 0; j < s.m(); ++j) {
            const size_t i = s.at(ch, j);
            sdy += dy[i];
            sdyx += dy[i] * (x[i] - m) * is;
        }
        for (int64_t j = 0; j < s.m(); ++j) {
            const size_t i = s.at(ch, j);
            const double xh = (x[i] - m) * is;
            worst_y = std::max(worst_y, std::fabs(y[i] - xh));
            const double dxe = (dy[i] - xh * sdyx / static_cast<double>(s.m()) - sdy / static_cast<double>(s.m())) * is;
            worst_dx = std::max(worst_dx, std::fabs(dx[i] - dxe));
        }
    }
    std::printf("batchnorm accuracy (M = 8192): max |y error| = %.3g, max |dx error| = %.3g (dx in units of invstd = %.3g)\n",
                worst_y, worst_dx, static_cast<double>(invstd[0]));
    EXPECT_LT(worst_y, 64 * 0x1p-24 * 8);            // |x̂| up to ~5: a few ulps of the largest outputs
    EXPECT_LT(worst_dx, 64 * 0x1p-24 * 8 * invstd[0]);
}

TEST(LayerNorm, AccuracyAgainstFloat64) {
    const int64_t rows = 16, d = 4096;
    const Vec x = data(static_cast<size_t>(rows * d), 41, 5.0f, 1.0f);
    rk::test::Context ctx(rk::test::supported_isas().back(), 2);
    Vec y(x.size()), mean(rows), invstd(rows);
    ASSERT_EQ(rk_layernorm_forward(ctx.get(), rows, d, 1e-5f, x.data(), nullptr, nullptr, y.data(), mean.data(),
                                   invstd.data()),
              RK_STATUS_OK);
    double worst = 0;
    for (int64_t r = 0; r < rows; ++r) {
        double m = 0, v = 0;
        for (int64_t j = 0; j < d; ++j) m += x[r * d + j];
        m /= d;
        for (int64_t j = 0; j < d; ++j) v += (x[r * d + j] - m) * (x[r * d + j] - m);
        const double is = 1.0 / std::sqrt(v / d + 1e-5);
        for (int64_t j = 0; j < d; ++j) worst = std::max(worst, std::fabs(y[r * d + j] - (x[r * d + j] - m) * is));
    }
    std::printf("layernorm accuracy (D = 4096, mean 5): max |y error| = %.3g\n", worst);
    EXPECT_LT(worst, 64 * 0x1p-24 * 8);
}

void expect_error(rk_status got, rk_status want, const std::string& text) {
    EXPECT_EQ(got, want) << rk_last_error_message();
    EXPECT_NE(std::string(rk_last_error_message()).find(text), std::string::npos)
        << "message: " << rk_last_error_message() << "\nexpected to contain: " << text;
}

TEST(Normalization, BadInputIsAClearError) {
    rk::test::Context ctx(RK_ISA_SCALAR, 1);
    rk_context* c = ctx.get();
    Vec x(24, 1.0f), y(24), m(3), is(3), rm(3), rv(3, 1.0f), dx(24);
    const float* nf = nullptr;
    float* n = nullptr;
    expect_error(rk_batchnorm2d_forward_training(nullptr, 2, 3, 2, 2, 1e-5f, 0.1f, x.data(), nf, nf, y.data(), m.data(), is.data(), n, n),
                 RK_STATUS_NULL_POINTER, "context");
    expect_error(rk_batchnorm2d_forward_training(c, 0, 3, 2, 2, 1e-5f, 0.1f, x.data(), nf, nf, y.data(), m.data(), is.data(), n, n),
                 RK_STATUS_INVALID_ARGUMENT, "n must be at least 1");
    expect_error(rk_batchnorm2d_forward_training(c, 2, -3, 2, 2, 1e-5f, 0.1f, x.data(), nf, nf, y.data(), m.data(), is.data(), n, n),
                 RK_STATUS_SIZE_OVERFLOW, "c is negative");
    expect_error(rk_batchnorm2d_forward_training(c, 2, 3, int64_t{1} << 41, 2, 1e-5f, 0.1f, x.data(), nf, nf, y.data(), m.data(), is.data(), n, n),
                 RK_STATUS_SIZE_OVERFLOW, "h (2199023255552) exceeds 2^40");
    expect_error(rk_batchnorm2d_forward_training(c, 1 << 30, 1 << 30, 1 << 30, 2, 1e-5f, 0.1f, x.data(), nf, nf, y.data(), m.data(), is.data(), n, n),
                 RK_STATUS_SIZE_OVERFLOW, "exceeds the addressable size");
    expect_error(rk_batchnorm2d_forward_training(c, 2, 3, 2, 2, std::nanf(""), 0.1f, x.data(), nf, nf, y.data(), m.data(), is.data(), n, n),
                 RK_STATUS_INVALID_ARGUMENT, "eps must be finite and at least 0 (got nan)");
    expect_error(rk_batchnorm2d_forward_training(c, 2, 3, 2, 2, -1.0f, 0.1f, x.data(), nf, nf, y.data(), m.data(), is.data(), n, n),
                 RK_STATUS_INVALID_ARGUMENT, "eps must be finite and at least 0 (got -1)");
    expect_error(rk_batchnorm2d_forward_training(c, 2, 3, 2, 2, 1e-5f, 1.5f, x.data(), nf, nf, y.data(), m.data(), is.data(), n, n),
                 RK_STATUS_INVALID_ARGUMENT, "momentum must be in [0, 1] (got 1.5)");
    expect_error(rk_batchnorm2d_forward_training(c, 1, 3, 1, 1, 1e-5f, 0.1f, x.data(), nf, nf, y.data(), m.data(), is.data(), n, n),
                 RK_STATUS_INVALID_ARGUMENT, "more than one value per channel");
    expect_error(rk_batchnorm2d_forward_training(c, 2, 3, 2, 2, 1e-5f, 0.1f, x.data(), nf, nf, y.data(), m.data(), is.data(), rm.data(), n),
                 RK_STATUS_INVALID_ARGUMENT, "running_mean and running_var must both be given");
    expect_error(rk_batchnorm2d_forward_training(c, 2, 3, 2, 2, 1e-5f, 0.1f, nf, nf, nf, y.data(), m.data(), is.data(), n, n),
                 RK_STATUS_NULL_POINTER, "'x'");
    expect_error(rk_batchnorm2d_forward_training(c, 2, 3, 2, 2, 1e-5f, 0.1f, x.data(), nf, nf, y.data(), n, is.data(), n, n),
                 RK_STATUS_NULL_POINTER, "'save_mean'");
    expect_error(rk_batchnorm2d_forward_training(c, 2, 3, 2, 2, 1e-5f, 0.1f, x.data(), nf, nf, x.data(), m.data(), is.data(), n, n),
                 RK_STATUS_INVALID_ARGUMENT, "'y' overlaps 'x'");
    expect_error(rk_batchnorm2d_forward_training(c, 2, 3, 2, 2, 1e-5f, 0.1f, x.data(), nf, nf, y.data(), y.data() + 4, is.data(), n, n),
                 RK_STATUS_INVALID_ARGUMENT, "overlaps");
    expect_error(rk_batchnorm2d_forward_inference(c, 2, 3, 2, 2, 1e-5f, x.data(), nf, nf, nf, rv.data(), y.data()),
                 RK_STATUS_NULL_POINTER, "'running_mean'");
    expect_error(rk_batchnorm2d_backward_training(c, 2, 3, 2, 2, x.data(), nf, nf, m.data(), is.data(), dx.data(), n, n),
                 RK_STATUS_NULL_POINTER, "'dy'");
    expect_error(rk_batchnorm2d_backward_training(c, 2, 3, 2, 2, x.data(), y.data(), nf, m.data(), is.data(), dx.data(), dx.data(), n),
                 RK_STATUS_INVALID_ARGUMENT, "overlaps");
    expect_error(rk_batchnorm2d_backward_inference(c, 2, 3, 2, 2, INFINITY, y.data(), nf, rv.data(), dx.data()),
                 RK_STATUS_INVALID_ARGUMENT, "eps must be finite");
    expect_error(rk_layernorm_forward(c, 0, 8, 1e-5f, x.data(), nf, nf, y.data(), m.data(), is.data()),
                 RK_STATUS_INVALID_ARGUMENT, "rows must be at least 1");
    expect_error(rk_layernorm_forward(c, 3, 8, 1e-5f, x.data(), nf, nf, y.data(), m.data(), n),
                 RK_STATUS_NULL_POINTER, "'save_invstd'");
    expect_error(rk_layernorm_backward(c, 3, 8, x.data(), y.data(), nf, m.data(), is.data(), y.data(), n, n),
                 RK_STATUS_INVALID_ARGUMENT, "'dx' overlaps 'dy'");
    // Nothing was written by a refused call.
    for (float v : y) EXPECT_EQ(v, 0.0f);
}

}  // namespace
