// Conv2d: every algorithm and pass equals its canonical function (core/conv2d.h) bit for bit on every ISA, thread
// count, batch composition and layout; accuracy against float64; Auto; workspaces; errors; golden digests.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "core/conv2d.h"
#include "test_helpers.h"

namespace {

using rk::core::ConvGeometry;

struct Shape {
    const char* name;
    int64_t n, c, h, w, k, r, s;
    int32_t sh, sw, pt, pb, pl, pr, dh, dw, groups;
    bool bias;
};

// Small shapes covering strides, asymmetric padding, dilation, groups, depthwise, 1x1, odd sizes and taps that
// reach no output.
const Shape kShapes[] = {
    {"3x3 pad1 k7", 2, 5, 9, 11, 7, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, true},
    {"3x3 asym pad k20", 2, 16, 10, 13, 20, 3, 3, 1, 1, 1, 2, 0, 1, 1, 1, 1, true},
    {"7x5 stride 2x3 stem", 1, 3, 17, 19, 16, 7, 5, 2, 3, 3, 2, 1, 4, 1, 1, 1, false},
    {"3x3 dil2 groups3", 2, 12, 12, 12, 18, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 3, true},
    {"3x3 groups2 kg16 dil(2,1)", 1, 18, 8, 10, 32, 3, 3, 1, 1, 2, 2, 1, 1, 2, 1, 2, false},
    {"depthwise 3x3", 2, 16, 11, 9, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 16, true},
    {"depthwise x2 stride 2", 1, 8, 10, 9, 16, 3, 3, 2, 2, 0, 1, 1, 0, 1, 1, 8, false},
    {"1x1 c24 k40", 2, 24, 7, 5, 40, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, true},
    {"5x5 pad2 k9", 1, 4, 20, 18, 9, 5, 5, 1, 1, 2, 2, 2, 2, 1, 1, 1, true},
    {"2x2 stride 3 gaps", 2, 9, 10, 11, 10, 2, 2, 3, 3, 0, 0, 0, 0, 1, 1, 1, false},
    {"3x3 c9 k33 stride(1,2)", 1, 9, 9, 16, 33, 3, 3, 1, 2, 1, 0, 0, 1, 1, 1, 1, true},
    {"depthwise c40 asym pad", 1, 40, 7, 9, 40, 3, 3, 1, 1, 1, 0, 0, 2, 1, 1, 40, true},
    {"3x3 groups4 cg3 kg5", 2, 12, 10, 11, 20, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 4, true},
    {"depthwise x2 stride 1", 1, 8, 9, 10, 16, 3, 3, 1, 1, 1, 2, 2, 1, 1, 1, 8, false},
    {"5x4 groups2 kg12", 1, 6, 13, 12, 24, 5, 4, 1, 1, 2, 1, 0, 3, 1, 1, 2, true},
};

rk_conv2d_desc make_desc(const Shape& s, rk_conv_layout layout) {
    rk_conv2d_desc d{};
    d.struct_size = sizeof d;
    d.layout = layout;
    d.n = s.n;
    d.c = s.c;
    d.h = s.h;
    d.w = s.w;
    d.k = s.k;
    d.r = s.r;
    d.s = s.s;
    d.stride_h = s.sh;
    d.stride_w = s.sw;
    d.pad_top = s.pt;
    d.pad_bottom = s.pb;
    d.pad_left = s.pl;
    d.pad_right = s.pr;
    d.dilation_h = s.dh;
    d.dilation_w = s.dw;
    d.groups = s.groups;
    return d;
}

ConvGeometry geometry(const rk_conv2d_desc& d) {
    ConvGeometry g{};
    g.n = d.n;
    g.c = d.c;
    g.h = d.h;
    g.w = d.w;
    g.k = d.k;
    g.r = d.r;
    g.s = d.s;
    g.sh = d.stride_h;
    g.sw = d.stride_w;
    g.pt = d.pad_top;
    g.pb = d.pad_bottom;
    g.pl = d.pad_left;
    g.pr = d.pad_right;
    g.dh = d.dilation_h;
    g.dw = d.dilation_w;
    g.groups = d.groups;
    g.cg = d.c / d.groups;
    g.kg = d.k / d.groups;
    EXPECT_EQ(rk_conv2d_output_shape(&d, &g.p, &g.q), RK_STATUS_OK) << rk_last_error_message();
    g.nhwc = d.layout == RK_LAYOUT_NHWC;
    return g;
}

enum class Dist { kNormal, kUniform };

std::vector<float> random_data(int64_t count, uint64_t seed, Dist dist = Dist::kNormal) {
    rk::test::Context ctx(RK_ISA_SCALAR, 1);
    std::vector<float> v(static_cast<size_t>(count));
    const rk_philox_stream st{seed, 7, 0};
    if (dist == Dist::kNormal)
        EXPECT_EQ(rk_philox_fill_normal(ctx.get(), &st, 0.0f, 1.0f, v.data(), count), RK_STATUS_OK);
    else
        EXPECT_EQ(rk_philox_fill_uniform(ctx.get(), &st, v.data(), count), RK_STATUS_OK);
    return v;
}

// Converts an NCHW-ordered activation to NHWC.
std::vector<float> to_nhwc(const std::vector<float>& a, int64_t n, int64_t c, int64_t h, int64_t w) {
    std::vector<float> out(a.size());
    for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < c; ++j)
            for (int64_t y = 0; y < h; ++y)
                for (int64_t x = 0; x < w; ++x) out[((i * h + y) * w + x) * c + j] = a[((i * c + j) * h + y) * w + x];
    return out;
}

// Bitwise equality, NaN matching any NaN.
::testing::AssertionResult same_bits(const std::vector<float>& got, const std::vector<float>& want, const std::string& what) {
    if (got.size() != want.size()) return ::testing::AssertionFailure() << what << ": size differs";
    for (size_t i = 0; i < got.size(); ++i) {
        if (std::isnan(got[i]) && std::isnan(want[i])) continue;
        if (rk::test::float_bits(got[i]) != rk::test::float_bits(want[i]))
        {
            char buf[160];
            std::snprintf(buf, sizeof buf, ": element %zu is %.9g (0x%08x), want %.9g (0x%08x)", i, got[i],
                          rk::test::float_bits(got[i]), want[i], rk::test::float_bits(want[i]));
            return ::testing::AssertionFailure() << what << buf;
        }
    }
    return ::testing::AssertionSuccess();
}

struct Operands {
    std::vector<float> x, w, bias, dy;
};

Operands make_operands(const ConvGeometry& g, uint64_t seed, Dist dist = Dist::kNormal) {
    Operands o;
    o.x = random_data(g.x_count(), seed, dist);
    o.w = random_data(g.w_count(), seed + 1, dist);
    o.bias = random_data(g.k, seed + 2, dist);
    o.dy = random_data(g.y_count(), seed + 3, dist);
    return o;
}

// ---- canonical references (core/conv2d.h) ----

std::vector<float> canonical_forward(const ConvGeometry& g, const Operands& o, bool bias, rk_conv_algorithm algo) {
    std::vector<float> y(static_cast<size_t>(g.y_count()));
    const float* b = bias ? o.bias.data() : nullptr;
    if (algo == RK_CONV_DIRECT || algo == RK_CONV_IMPLICIT_GEMM) {
        for (int64_t n = 0; n < g.n; ++n)
            for (int64_t k = 0; k < g.k; ++k)
                for (int64_t p = 0; p < g.p; ++p)
                    for (int64_t q = 0; q < g.q; ++q)
                        y[g.y_index(n, k, p, q)] = rk::core::conv_forward_ref(g, o.x.data(), o.w.data(), b, n, k, p, q);
        return y;
    }
    int64_t mh, mw, stride;
    if (algo == RK_CONV_FFT) {
        mh = 17 - g.r;
        mw = 17 - g.s;
        stride = 16;
    } else {
        mh = mw = stride = algo == RK_CONV_WINOGRAD_2X3 ? 2 : 4;
    }
    std::vector<float> tile(256);
    for (int64_t n = 0; n < g.n; ++n)
        for (int64_t k = 0; k < g.k; ++k)
            for (int64_t tp = 0; tp * mh < g.p; ++tp)
                for (int64_t tq = 0; tq * mw < g.q; ++tq) {
                    if (algo == RK_CONV_FFT)
                        rk::core::fft_forward_tile_ref(g, o.x.data(), o.w.data(), b, n, k, tp, tq, tile.data());
                    else if (algo == RK_CONV_WINOGRAD_2X3)
                        rk::core::winograd_forward_tile_ref<rk::core::WinogradF2<rk::core::ScalarLanes>>(
                            g, o.x.data(), o.w.data(), b, n, k, tp, tq, tile.data());
                    else
                        rk::core::winograd_forward_tile_ref<rk::core::WinogradF4<rk::core::ScalarLanes>>(
                            g, o.x.data(), o.w.data(), b, n, k, tp, tq, tile.data());
                    for (int64_t a = 0; a < mh && tp * mh + a < g.p; ++a)
                        for (int64_t bb = 0; bb < mw && tq * mw + bb < g.q; ++bb)
                            y[g.y_index(n, k, tp * mh + a, tq * mw + bb)] = tile[a * stride + bb];
                }
    return y;
}

std::vector<float> canonical_backward_data(const ConvGeometry& g, const Operands& o) {
    std::vector<float> dx(static_cast<size_t>(g.x_count()));
    for (int64_t n = 0; n < g.n; ++n)
        for (int64_t c = 0; c < g.c; ++c)
            for (int64_t h = 0; h < g.h; ++h)
                for (int64_t w = 0; w < g.w; ++w)
                    dx[g.x_index(n, c, h, w)] = rk::core::conv_backward_data_ref(g, o.dy.data(), o.w.data(), n, c, h, w);
    return dx;
}

std::vector<float> canonical_backward_weights(const ConvGeometry& g, const Operands& o, std::vector<float>& dbias) {
    std::vector<float> dw(static_cast<size_t>(g.w_count()));
    for (int64_t k = 0; k < g.k; ++k)
        for (int64_t ci = 0; ci < g.cg; ++ci)
            for (int64_t r = 0; r < g.r; ++r)
                for (int64_t s = 0; s < g.s; ++s)
                    dw[g.w_index(k, ci, r, s)] = rk::core::conv_backward_weights_ref(g, o.x.data(), o.dy.data(), k, ci, r, s);
    dbias.resize(static_cast<size_t>(g.k));
    for (int64_t k = 0; k < g.k; ++k) dbias[k] = rk::core::conv_backward_bias_ref(g, o.dy.data(), k);
    return dw;
}

// ---- float64 references ----

double padded64(const ConvGeometry& g, const std::vector<float>& x, int64_t n, int64_t c, int64_t h, int64_t w) {
    return (h >= 0 && h < g.h && w >= 0 && w < g.w) ? x[g.x_index(n, c, h, w)] : 0.0;
}

std::vector<double> forward64(const ConvGeometry& g, const Operands& o, bool bias) {
    std::vector<double> y(static_cast<size_t>(g.y_count()));
    for (int64_t n = 0; n < g.n; ++n)
        for (int64_t k = 0; k < g.k; ++k)
            for (int64_t p = 0; p < g.p; ++p)
                for (int64_t q = 0; q < g.q; ++q) {
                    double acc = 0;
                    const int64_t grp = k / g.kg;
                    for (int64_t ci = 0; ci < g.cg; ++ci)
                        for (int64_t r = 0; r < g.r; ++r)
                            for (int64_t s = 0; s < g.s; ++s)
                                acc += padded64(g, o.x, n, grp * g.cg + ci, p * g.sh - g.pt + r * g.dh, q * g.sw - g.pl + s * g.dw) *
                                       o.w[g.w_index(k, ci, r, s)];
                    y[g.y_index(n, k, p, q)] = acc + (bias ? o.bias[k] : 0.0);
                }
    return y;
}

std::vector<double> backward_data64(const ConvGeometry& g, const Operands& o) {
    std::vector<double> dx(static_cast<size_t>(g.x_count()), 0.0);
    for (int64_t n = 0; n < g.n; ++n)
        for (int64_t k = 0; k < g.k; ++k)
            for (int64_t p = 0; p < g.p; ++p)
                for (int64_t q = 0; q < g.q; ++q) {
                    const int64_t grp = k / g.kg;
                    for (int64_t ci = 0; ci < g.cg; ++ci)
                        for (int64_t r = 0; r < g.r; ++r)
                            for (int64_t s = 0; s < g.s; ++s) {
                                const int64_t h = p * g.sh - g.pt + r * g.dh, w = q * g.sw - g.pl + s * g.dw;
                                if (h < 0 || h >= g.h || w < 0 || w >= g.w) continue;
                                dx[g.x_index(n, grp * g.cg + ci, h, w)] +=
                                    double(o.dy[g.y_index(n, k, p, q)]) * o.w[g.w_index(k, ci, r, s)];
                            }
                }
    return dx;
}

std::vector<double> backward_weights64(const ConvGeometry& g, const Operands& o) {
    std::vector<double> dw(static_cast<size_t>(g.w_count()), 0.0);
    for (int64_t n = 0; n < g.n; ++n)
        for (int64_t k = 0; k < g.k; ++k)
            for (int64_t p = 0; p < g.p; ++p)
                for (int64_t q = 0; q < g.q; ++q) {
                    const double d = o.dy[g.y_index(n, k, p, q)];
                    const int64_t grp = k / g.kg;
                    for (int64_t ci = 0; ci < g.cg; ++ci)
                        for (int64_t r = 0; r < g.r; ++r)
                            for (int64_t s = 0; s < g.s; ++s)
                                dw[g.w_index(k, ci, r, s)] +=
                                    d * padded64(g, o.x, n, grp * g.cg + ci, p * g.sh - g.pt + r * g.dh, q * g.sw - g.pl + s * g.dw);
                }
    return dw;
}

// Mean relative error: mean |got - ref| / mean |ref|; max relative error: max |got - ref| / mean |ref|.
struct Errors {
    double mean, max;
};
Errors errors(const std::vector<float>& got, const std::vector<double>& ref) {
    double sum_err = 0, sum_ref = 0, max_err = 0;
    for (size_t i = 0; i < got.size(); ++i) {
        const double e = std::abs(double(got[i]) - ref[i]);
        sum_err += e;
        sum_ref += std::abs(ref[i]);
        max_err = std::max(max_err, e);
    }
    const double scale = sum_ref / static_cast<double>(got.size());
    return {sum_err / static_cast<double>(got.size()) / scale, max_err / scale};
}

// ---- API wrappers ----

std::vector<float> api_forward(rk_context* ctx, const rk_conv2d_desc& d, const ConvGeometry& g, rk_conv_algorithm algo,
                               const std::vector<float>& x, const std::vector<float>& w, const float* bias) {
    std::vector<float> y(static_cast<size_t>(g.y_count()), -777.0f);
    rk_conv_algorithm chosen = RK_CONV_AUTO;
    const rk_status s = rk_conv2d_forward(ctx, &d, algo, x.data(), w.data(), bias, y.data(), nullptr, 0, &chosen);
    EXPECT_EQ(s, RK_STATUS_OK) << rk_last_error_message();
    return y;
}

std::vector<float> api_backward_data(rk_context* ctx, const rk_conv2d_desc& d, const ConvGeometry& g,
                                     const std::vector<float>& dy, const std::vector<float>& w) {
    std::vector<float> dx(static_cast<size_t>(g.x_count()), -777.0f);
    EXPECT_EQ(rk_conv2d_backward_data(ctx, &d, dy.data(), w.data(), dx.data(), nullptr, 0), RK_STATUS_OK)
        << rk_last_error_message();
    return dx;
}

std::vector<float> api_backward_weights(rk_context* ctx, const rk_conv2d_desc& d, const ConvGeometry& g,
                                        const std::vector<float>& x, const std::vector<float>& dy,
                                        std::vector<float>* dbias) {
    std::vector<float> dw(static_cast<size_t>(g.w_count()), -777.0f);
    if (dbias) dbias->assign(static_cast<size_t>(g.k), -777.0f);
    EXPECT_EQ(rk_conv2d_backward_weights(ctx, &d, x.data(), dy.data(), dw.data(), dbias ? dbias->data() : nullptr,
                                         nullptr, 0),
              RK_STATUS_OK)
        << rk_last_error_message();
    return dw;
}

bool supports(const rk_conv2d_desc& d, rk_conv_algorithm a) {
    rk_conv_algorithm chosen;
    int64_t bytes;
    return rk_conv2d_query(&d, RK_CONV_PASS_FORWARD, a, &chosen, &bytes) == RK_STATUS_OK;
}

const rk_conv_algorithm kForwardAlgorithms[] = {RK_CONV_DIRECT, RK_CONV_IMPLICIT_GEMM, RK_CONV_WINOGRAD_2X3,
                                                RK_CONV_WINOGRAD_4X3, RK_CONV_FFT};
const int kThreads[] = {1, 2, 3, 7};

TEST(Conv2d, ForwardEqualsTheCanonicalFunctionOnEveryIsaAndThreadCount) {
    uint64_t seed = 100;
    for (const Shape& sh : kShapes)
        for (rk_conv_layout layout : {RK_LAYOUT_NCHW, RK_LAYOUT_NHWC}) {
            const rk_conv2d_desc d = make_desc(sh, layout);
            const ConvGeometry g = geometry(d);
            const Operands o = make_operands(g, seed += 10);
            const std::vector<float> x = layout == RK_LAYOUT_NHWC ? to_nhwc(o.x, g.n, g.c, g.h, g.w) : o.x;
            // canonical_forward indexes with g's layout, so give it operands in that layout.
            Operands ol = o;
            ol.x = x;
            for (rk_conv_algorithm algo : kForwardAlgorithms) {
                if (!supports(d, algo)) continue;
                const std::vector<float> want = canonical_forward(g, ol, sh.bias, algo);
                for (rk_isa isa : rk::test::supported_isas())
                    for (int threads : kThreads) {
                        rk::test::Context ctx(isa, threads);
                        const std::vector<float> got =
                            api_forward(ctx.get(), d, g, algo, x, o.w, sh.bias ? o.bias.data() : nullptr);
                        ASSERT_TRUE(same_bits(got, want,
                                              std::string(sh.name) + (layout ? " NHWC " : " NCHW ") +
                                                  std::to_string(algo) + " " + rk_isa_name(isa) + " threads " +
                                                  std::to_string(threads)));
                    }
            }
        }
}

TEST(Conv2d, BackwardPassesEqualTheCanonicalFunctionsOnEveryIsaAndThreadCount) {
    uint64_t seed = 5000;
    for (const Shape& sh : kShapes)
        for (rk_conv_layout layout : {RK_LAYOUT_NCHW, RK_LAYOUT_NHWC}) {
            const rk_conv2d_desc d = make_desc(sh, layout);
            const ConvGeometry g = geometry(d);
            Operands o = make_operands(g, seed += 10);
            if (layout == RK_LAYOUT_NHWC) {
                o.x = to_nhwc(o.x, g.n, g.c, g.h, g.w);
                o.dy = to_nhwc(o.dy, g.n, g.k, g.p, g.q);
            }
            const std::vector<float> want_dx = canonical_backward_data(g, o);
            std::vector<float> want_db;
            const std::vector<float> want_dw = canonical_backward_weights(g, o, want_db);
            for (rk_isa isa : rk::test::supported_isas())
                for (int threads : kThreads) {
                    rk::test::Context ctx(isa, threads);
                    const std::string what = std::string(sh.name) + (layout ? " NHWC " : " NCHW ") + rk_isa_name(isa) +
                                             " threads " + std::to_string(threads);
                    ASSERT_TRUE(same_bits(api_backward_data(ctx.get(), d, g, o.dy, o.w), want_dx, what + " dx"));
                    std::vector<float> db;
                    ASSERT_TRUE(same_bits(api_backward_weights(ctx.get(), d, g, o.x, o.dy, &db), want_dw, what + " dw"));
                    ASSERT_TRUE(same_bits(db, want_db, what + " dbias"));
                }
        }
}

TEST(Conv2d, DirectAndImplicitGemmAreBitIdentical) {
    // Larger channel counts so that implicit GEMM takes its GEMM path (lanes over output channels).
    const Shape shapes[] = {{"c32 k48", 2, 32, 15, 14, 48, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, true},
                            {"stem", 2, 3, 33, 31, 64, 7, 7, 2, 2, 3, 3, 3, 3, 1, 1, 1, true},
                            {"1x1", 1, 64, 9, 9, 100, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, false}};
    for (const Shape& sh : shapes)
        for (rk_conv_layout layout : {RK_LAYOUT_NCHW, RK_LAYOUT_NHWC}) {
            const rk_conv2d_desc d = make_desc(sh, layout);
            const ConvGeometry g = geometry(d);
            const Operands o = make_operands(g, 77);
            rk::test::Context ctx(rk::test::supported_isas().back(), 2);
            const std::vector<float> a = api_forward(ctx.get(), d, g, RK_CONV_DIRECT, o.x, o.w, o.bias.data());
            const std::vector<float> b = api_forward(ctx.get(), d, g, RK_CONV_IMPLICIT_GEMM, o.x, o.w, o.bias.data());
            EXPECT_TRUE(same_bits(a, b, sh.name));
        }
}

// Signed zeros, underflow to -0, infinities and NaN: the fast paths keep the canonical semantics (padded taps take
// part in the forward chain and in dw; taps that reach no output are skipped in dx).
TEST(Conv2d, SpecialValuesFollowTheCanonicalFunctions) {
    const float xs[] = {0.0f, -0.0f, 1e-30f, -1e-30f, 1.0f, -1.0f, 0.0f, -0.0f};
    const float ws[] = {0.0f, -0.0f, 1e-30f, -1e-30f, 2.0f, -2.0f, INFINITY, 1.0f, -0.0f, 0.0f, 0.0f};
    for (const Shape& sh : {kShapes[1], kShapes[3], kShapes[5], kShapes[9]})
        for (rk_conv_layout layout : {RK_LAYOUT_NCHW, RK_LAYOUT_NHWC}) {
            const rk_conv2d_desc d = make_desc(sh, layout);
            const ConvGeometry g = geometry(d);
            Operands o = make_operands(g, 3);
            for (size_t i = 0; i < o.x.size(); ++i) o.x[i] = xs[(i * 7 + i / 5) % 8];
            for (size_t i = 0; i < o.w.size(); ++i) o.w[i] = ws[(i * 5 + i / 3) % 11];
            for (size_t i = 0; i < o.dy.size(); ++i) o.dy[i] = xs[(i * 3 + i / 7) % 8];
            for (size_t i = 0; i < o.bias.size(); ++i) o.bias[i] = (i % 2) ? -0.0f : 0.0f;
            const std::vector<float> want_dx = canonical_backward_data(g, o);
            std::vector<float> want_db;
            const std::vector<float> want_dw = canonical_backward_weights(g, o, want_db);
            for (rk_isa isa : rk::test::supported_isas()) {
                rk::test::Context ctx(isa, 2);
                for (rk_conv_algorithm algo : kForwardAlgorithms) {
                    if (!supports(d, algo)) continue;
                    EXPECT_TRUE(same_bits(api_forward(ctx.get(), d, g, algo, o.x, o.w, o.bias.data()),
                                          canonical_forward(g, o, true, algo),
                                          std::string(sh.name) + " forward " + std::to_string(algo) + rk_isa_name(isa)));
                }
                EXPECT_TRUE(same_bits(api_backward_data(ctx.get(), d, g, o.dy, o.w), want_dx, std::string(sh.name) + " dx"));
                std::vector<float> db;
                EXPECT_TRUE(same_bits(api_backward_weights(ctx.get(), d, g, o.x, o.dy, &db), want_dw, std::string(sh.name) + " dw"));
                EXPECT_TRUE(same_bits(db, want_db, std::string(sh.name) + " dbias"));
            }
        }
}

TEST(Conv2d, NchwAndNhwcGiveTheSameValues) {
    for (const Shape& sh : kShapes) {
        const rk_conv2d_desc dn = make_desc(sh, RK_LAYOUT_NCHW), dh = make_desc(sh, RK_LAYOUT_NHWC);
        const ConvGeometry gn = geometry(dn), gh = geometry(dh);
        const Operands o = make_operands(gn, 900);
        const std::vector<float> xh = to_nhwc(o.x, gn.n, gn.c, gn.h, gn.w), dyh = to_nhwc(o.dy, gn.n, gn.k, gn.p, gn.q);
        rk::test::Context ctx(rk::test::supported_isas().back(), 3);
        for (rk_conv_algorithm algo : kForwardAlgorithms) {
            if (!supports(dn, algo)) continue;
            const std::vector<float> yn = api_forward(ctx.get(), dn, gn, algo, o.x, o.w, o.bias.data());
            const std::vector<float> yh = api_forward(ctx.get(), dh, gh, algo, xh, o.w, o.bias.data());
            EXPECT_TRUE(same_bits(yh, to_nhwc(yn, gn.n, gn.k, gn.p, gn.q), std::string(sh.name) + " y"));
        }
        EXPECT_TRUE(same_bits(api_backward_data(ctx.get(), dh, gh, dyh, o.w),
                              to_nhwc(api_backward_data(ctx.get(), dn, gn, o.dy, o.w), gn.n, gn.c, gn.h, gn.w),
                              std::string(sh.name) + " dx"));
        std::vector<float> dbn, dbh;
        EXPECT_TRUE(same_bits(api_backward_weights(ctx.get(), dh, gh, xh, dyh, &dbh),
                              api_backward_weights(ctx.get(), dn, gn, o.x, o.dy, &dbn), std::string(sh.name) + " dw"));
        EXPECT_TRUE(same_bits(dbh, dbn, std::string(sh.name) + " dbias"));
    }
}

TEST(Conv2d, ASampleGivesTheSameBitsAloneAndInAnyBatch) {
    for (const Shape& base : {kShapes[1], kShapes[2], kShapes[5], kShapes[8]})
        for (rk_conv_layout layout : {RK_LAYOUT_NCHW, RK_LAYOUT_NHWC}) {
            Shape sh = base;
            sh.n = 5;
            const rk_conv2d_desc d = make_desc(sh, layout);
            const ConvGeometry g = geometry(d);
            const Operands o = make_operands(g, 4242);
            Shape one = sh;
            one.n = 1;
            const rk_conv2d_desc d1 = make_desc(one, layout);
            const ConvGeometry g1 = geometry(d1);
            const int64_t xs = g1.x_count(), ys = g1.y_count();
            rk::test::Context ctx(rk::test::supported_isas().back(), 2);
            for (rk_conv_algorithm algo : kForwardAlgorithms) {
                if (!supports(d, algo)) continue;
                const std::vector<float> all = api_forward(ctx.get(), d, g, algo, o.x, o.w, o.bias.data());
                for (int64_t i : {0, 3, 4}) {
                    const std::vector<float> xi(o.x.begin() + i * xs, o.x.begin() + (i + 1) * xs);
                    const std::vector<float> yi = api_forward(ctx.get(), d1, g1, algo, xi, o.w, o.bias.data());
                    EXPECT_TRUE(same_bits(yi, std::vector<float>(all.begin() + i * ys, all.begin() + (i + 1) * ys),
                                          std::string(sh.name) + " forward " + std::to_string(algo)));
                }
            }
            const std::vector<float> dx = api_backward_data(ctx.get(), d, g, o.dy, o.w);
            for (int64_t i : {1, 4}) {
                const std::vector<float> dyi(o.dy.begin() + i * ys, o.dy.begin() + (i + 1) * ys);
                EXPECT_TRUE(same_bits(api_backward_data(ctx.get(), d1, g1, dyi, o.w),
                                      std::vector<float>(dx.begin() + i * xs, dx.begin() + (i + 1) * xs),
                                      std::string(sh.name) + " dx"));
            }
        }
}

// Accuracy against float64 on N(0,1) and U(0,1) data: mean relative error bounds (docs/conv.md).
TEST(Conv2d, AccuracyAgainstFloat64) {
    const Shape sh{"acc", 2, 32, 18, 18, 24, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, true};
    const rk_conv2d_desc d = make_desc(sh, RK_LAYOUT_NCHW);
    const ConvGeometry g = geometry(d);
    rk::test::Context ctx(rk::test::supported_isas().back(), 2);
    for (Dist dist : {Dist::kNormal, Dist::kUniform}) {
        const Operands o = make_operands(g, 31337, dist);
        const std::vector<double> y64 = forward64(g, o, true);
        const struct {
            rk_conv_algorithm algo;
            double mean_bound;
        } bounds[] = {{RK_CONV_DIRECT, 1e-6}, {RK_CONV_IMPLICIT_GEMM, 1e-6}, {RK_CONV_WINOGRAD_2X3, 2e-6},
                      {RK_CONV_WINOGRAD_4X3, 1e-5}, {RK_CONV_FFT, 2e-6}};
        for (const auto& b : bounds) {
            const Errors e = errors(api_forward(ctx.get(), d, g, b.algo, o.x, o.w, o.bias.data()), y64);
            EXPECT_LT(e.mean, b.mean_bound) << b.algo << (dist == Dist::kNormal ? " N(0,1)" : " U(0,1)");
            EXPECT_LT(e.max, 100 * b.mean_bound) << b.algo;
        }
        const Errors edx = errors(api_backward_data(ctx.get(), d, g, o.dy, o.w), backward_data64(g, o));
        EXPECT_LT(edx.mean, 1e-6);
        const Errors edw = errors(api_backward_weights(ctx.get(), d, g, o.x, o.dy, nullptr), backward_weights64(g, o));
        EXPECT_LT(edw.mean, 1e-6);
    }
}

// Prints the accuracy table of docs/conv.md: RK_CONV_ACCURACY_REPORT=1 ./reprokit_tests --gtest_filter='Conv2d.Accuracy*'
TEST(Conv2d, AccuracyReport) {
    if (!std::getenv("RK_CONV_ACCURACY_REPORT")) GTEST_SKIP() << "set RK_CONV_ACCURACY_REPORT=1 to print the table";
    const Shape shapes[] = {{"N2 C=K=64 28x28 3x3 pad 1", 2, 64, 28, 28, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, true},
                            {"N2 C=K=64 14x14 5x5 pad 2", 2, 64, 14, 14, 64, 5, 5, 1, 1, 2, 2, 2, 2, 1, 1, 1, true}};
    rk::test::Context ctx(rk::test::supported_isas().back(), 2);
    for (const Shape& sh : shapes) {
        const rk_conv2d_desc d = make_desc(sh, RK_LAYOUT_NCHW);
        const ConvGeometry g = geometry(d);
        for (Dist dist : {Dist::kNormal, Dist::kUniform}) {
            const Operands o = make_operands(g, 2024, dist);
            const char* dn = dist == Dist::kNormal ? "N(0,1)" : "U(0,1)";
            const std::vector<double> y64 = forward64(g, o, true);
            for (rk_conv_algorithm algo : kForwardAlgorithms) {
                if (!supports(d, algo)) continue;
                const Errors e = errors(api_forward(ctx.get(), d, g, algo, o.x, o.w, o.bias.data()), y64);
                std::printf("| %s | %s | forward %d | %.2e | %.2e |\n", sh.name, dn, algo, e.mean, e.max);
            }
            const Errors edx = errors(api_backward_data(ctx.get(), d, g, o.dy, o.w), backward_data64(g, o));
            std::printf("| %s | %s | backward data | %.2e | %.2e |\n", sh.name, dn, edx.mean, edx.max);
            const Errors edw = errors(api_backward_weights(ctx.get(), d, g, o.x, o.dy, nullptr), backward_weights64(g, o));
            std::printf("| %s | %s | backward weights | %.2e | %.2e |\n", sh.name, dn, edw.mean, edw.max);
        }
    }
}

rk_conv_algorithm auto_choice(const Shape& sh) {
    const rk_conv2d_desc d = make_desc(sh, RK_LAYOUT_NCHW);
    rk_conv_algorithm chosen = RK_CONV_AUTO;
    int64_t bytes = -1;
    EXPECT_EQ(rk_conv2d_query(&d, RK_CONV_PASS_FORWARD, RK_CONV_AUTO, &chosen, &bytes), RK_STATUS_OK)
        << rk_last_error_message();
    return chosen;
}

TEST(Conv2d, AutoIsTheDocumentedFunctionOfTheShape) {
    // Stride 1, dilation 1, groups 1, C, K >= 16: 3x3 -> F(4x4,3x3) if P, Q >= 8 and C*K <= 65536, else F(2x2,3x3)
    // if P, Q >= 4; 5x5 .. 13x13 -> FFT if C*K <= 16384 and P*Q >= 576; everything else implicit GEMM.
    EXPECT_EQ(auto_choice({"", 8, 64, 56, 56, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, false}), RK_CONV_WINOGRAD_4X3);
    EXPECT_EQ(auto_choice({"", 8, 256, 14, 14, 256, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, false}), RK_CONV_WINOGRAD_4X3);
    EXPECT_EQ(auto_choice({"", 1, 16, 8, 8, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, false}), RK_CONV_WINOGRAD_4X3);
    EXPECT_EQ(auto_choice({"", 1, 16, 9, 8, 16, 3, 3, 1, 1, 0, 0, 1, 1, 1, 1, 1, false}), RK_CONV_WINOGRAD_2X3);  // P = 7
    EXPECT_EQ(auto_choice({"", 8, 384, 14, 14, 384, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, false}), RK_CONV_WINOGRAD_2X3);
    EXPECT_EQ(auto_choice({"", 8, 512, 7, 7, 512, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, false}), RK_CONV_WINOGRAD_2X3);
    EXPECT_EQ(auto_choice({"", 8, 64, 5, 5, 64, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1, 1, false}), RK_CONV_IMPLICIT_GEMM);  // 3 x 3
    EXPECT_EQ(auto_choice({"", 1, 15, 64, 64, 64, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, false}), RK_CONV_IMPLICIT_GEMM);
    EXPECT_EQ(auto_choice({"", 1, 64, 64, 64, 64, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, false}), RK_CONV_IMPLICIT_GEMM);
    EXPECT_EQ(auto_choice({"", 1, 64, 64, 64, 64, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 1, false}), RK_CONV_IMPLICIT_GEMM);
    EXPECT_EQ(auto_choice({"", 8, 256, 28, 28, 256, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 256, false}), RK_CONV_IMPLICIT_GEMM);
    EXPECT_EQ(auto_choice({"", 8, 3, 224, 224, 64, 7, 7, 2, 2, 3, 3, 3, 3, 1, 1, 1, false}), RK_CONV_IMPLICIT_GEMM);
    EXPECT_EQ(auto_choice({"", 8, 64, 56, 56, 256, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, false}), RK_CONV_IMPLICIT_GEMM);
    EXPECT_EQ(auto_choice({"", 8, 64, 28, 28, 64, 5, 5, 1, 1, 2, 2, 2, 2, 1, 1, 1, false}), RK_CONV_FFT);
    EXPECT_EQ(auto_choice({"", 4, 32, 56, 56, 32, 7, 7, 1, 1, 3, 3, 3, 3, 1, 1, 1, false}), RK_CONV_FFT);
    EXPECT_EQ(auto_choice({"", 8, 256, 14, 14, 256, 5, 5, 1, 1, 2, 2, 2, 2, 1, 1, 1, false}), RK_CONV_IMPLICIT_GEMM);
    EXPECT_EQ(auto_choice({"", 1, 64, 40, 40, 64, 15, 15, 1, 1, 7, 7, 7, 7, 1, 1, 1, false}), RK_CONV_IMPLICIT_GEMM);
    EXPECT_EQ(auto_choice({"", 1, 64, 40, 40, 64, 3, 5, 1, 1, 1, 1, 2, 2, 1, 1, 1, false}), RK_CONV_IMPLICIT_GEMM);
    // Backward passes always report Direct.
    const rk_conv2d_desc d = make_desc(kShapes[0], RK_LAYOUT_NCHW);
    rk_conv_algorithm chosen = RK_CONV_AUTO;
    ASSERT_EQ(rk_conv2d_query(&d, RK_CONV_PASS_BACKWARD_DATA, RK_CONV_AUTO, &chosen, nullptr), RK_STATUS_OK);
    EXPECT_EQ(chosen, RK_CONV_DIRECT);
    ASSERT_EQ(rk_conv2d_query(&d, RK_CONV_PASS_BACKWARD_WEIGHTS, RK_CONV_IMPLICIT_GEMM, &chosen, nullptr), RK_STATUS_OK);
    EXPECT_EQ(chosen, RK_CONV_DIRECT);
    // Forward with Auto reports what it used.
    const ConvGeometry g = geometry(d);
    const Operands o = make_operands(g, 1);
    rk::test::Context ctx(RK_ISA_SCALAR, 1);
    std::vector<float> y(static_cast<size_t>(g.y_count()));
    chosen = RK_CONV_FFT;
    ASSERT_EQ(rk_conv2d_forward(ctx.get(), &d, RK_CONV_AUTO, o.x.data(), o.w.data(), nullptr, y.data(), nullptr, 0, &chosen),
              RK_STATUS_OK);
    EXPECT_EQ(chosen, RK_CONV_IMPLICIT_GEMM);
}

TEST(Conv2d, CallerWorkspaceGivesTheSameBitsAndIsChecked) {
    const rk_conv2d_desc d = make_desc(kShapes[1], RK_LAYOUT_NCHW);
    const ConvGeometry g = geometry(d);
    const Operands o = make_operands(g, 8);
    rk::test::Context ctx(rk::test::supported_isas().back(), 2);
    for (rk_conv_algorithm algo : kForwardAlgorithms) {
        rk_conv_algorithm chosen;
        int64_t bytes = -1;
        ASSERT_EQ(rk_conv2d_query(&d, RK_CONV_PASS_FORWARD, algo, &chosen, &bytes), RK_STATUS_OK);
        EXPECT_EQ(chosen, algo);
        if (algo == RK_CONV_DIRECT) {
            EXPECT_EQ(bytes, 0);
        }
        if (algo == RK_CONV_WINOGRAD_4X3 || algo == RK_CONV_FFT) {
            EXPECT_GT(bytes, 0);
        }
        std::vector<unsigned char> ws(static_cast<size_t>(bytes) + 3);
        std::vector<float> y(static_cast<size_t>(g.y_count()));
        ASSERT_EQ(rk_conv2d_forward(ctx.get(), &d, algo, o.x.data(), o.w.data(), o.bias.data(), y.data(), ws.data() + 3,
                                    bytes, nullptr),
                  RK_STATUS_OK)
            << rk_last_error_message();
        EXPECT_TRUE(same_bits(y, api_forward(ctx.get(), d, g, algo, o.x, o.w, o.bias.data()), "workspace"));
        if (bytes > 0) {
            EXPECT_EQ(rk_conv2d_forward(ctx.get(), &d, algo, o.x.data(), o.w.data(), nullptr, y.data(), ws.data(),
                                        bytes - 1, nullptr),
                      RK_STATUS_INVALID_ARGUMENT);
            EXPECT_NE(std::string(rk_last_error_message()).find(std::to_string(bytes) + " bytes"), std::string::npos)
                << rk_last_error_message();
        }
    }
    for (rk_conv_pass pass : {RK_CONV_PASS_BACKWARD_DATA, RK_CONV_PASS_BACKWARD_WEIGHTS}) {
        int64_t bytes = -1;
        ASSERT_EQ(rk_conv2d_query(&d, pass, RK_CONV_DIRECT, nullptr, &bytes), RK_STATUS_OK);
        std::vector<unsigned char> ws(static_cast<size_t>(bytes) + 1);
        if (pass == RK_CONV_PASS_BACKWARD_DATA) {
            std::vector<float> dx(static_cast<size_t>(g.x_count()));
            ASSERT_EQ(rk_conv2d_backward_data(ctx.get(), &d, o.dy.data(), o.w.data(), dx.data(), ws.data() + 1, bytes),
                      RK_STATUS_OK);
            EXPECT_TRUE(same_bits(dx, api_backward_data(ctx.get(), d, g, o.dy, o.w), "dx workspace"));
        } else {
            std::vector<float> dw(static_cast<size_t>(g.w_count()));
            ASSERT_EQ(rk_conv2d_backward_weights(ctx.get(), &d, o.x.data(), o.dy.data(), dw.data(), nullptr,
                                                 ws.data() + 1, bytes),
                      RK_STATUS_OK);
            EXPECT_TRUE(same_bits(dw, api_backward_weights(ctx.get(), d, g, o.x, o.dy, nullptr), "dw workspace"));
            if (bytes > 0) {
                EXPECT_EQ(rk_conv2d_backward_weights(ctx.get(), &d, o.x.data(), o.dy.data(), dw.data(), nullptr,
                                                     ws.data(), bytes - 1),
                          RK_STATUS_INVALID_ARGUMENT);
            }
        }
    }
}

TEST(Conv2d, BadArguments) {
    auto msg = [] { return std::string(rk_last_error_message()); };
    const rk_conv2d_desc good = make_desc(kShapes[0], RK_LAYOUT_NCHW);
    const ConvGeometry g = geometry(good);
    const Operands o = make_operands(g, 9);
    std::vector<float> y(static_cast<size_t>(g.y_count())), dx(static_cast<size_t>(g.x_count())),
        dw(static_cast<size_t>(g.w_count())), db(static_cast<size_t>(g.k));
    rk::test::Context ctx(RK_ISA_SCALAR, 1);
    int64_t p = 0, q = 0;

    EXPECT_EQ(rk_conv2d_output_shape(nullptr, &p, &q), RK_STATUS_NULL_POINTER);
    EXPECT_NE(msg().find("rk_conv2d_output_shape"), std::string::npos);
    EXPECT_NE(msg().find("desc"), std::string::npos);
    auto expect_desc_error = [&](rk_conv2d_desc d, rk_status status, const char* text) {
        EXPECT_EQ(rk_conv2d_output_shape(&d, &p, &q), status) << text;
        EXPECT_NE(msg().find(text), std::string::npos) << msg();
        EXPECT_EQ(rk_conv2d_forward(ctx.get(), &d, RK_CONV_DIRECT, o.x.data(), o.w.data(), nullptr, y.data(), nullptr, 0,
                                    nullptr),
                  status);
        EXPECT_EQ(rk_conv2d_backward_data(ctx.get(), &d, o.dy.data(), o.w.data(), dx.data(), nullptr, 0), status);
        EXPECT_EQ(rk_conv2d_backward_weights(ctx.get(), &d, o.x.data(), o.dy.data(), dw.data(), nullptr, nullptr, 0), status);
    };
    rk_conv2d_desc d = good;
    d.struct_size = 8;
    expect_desc_error(d, RK_STATUS_INVALID_ARGUMENT, "struct_size");
    d = good;
    d.layout = static_cast<rk_conv_layout>(5);
    expect_desc_error(d, RK_STATUS_INVALID_ARGUMENT, "layout");
    d = good;
    d.c = 0;
    expect_desc_error(d, RK_STATUS_INVALID_ARGUMENT, "desc->c must be at least 1");
    d = good;
    d.n = -3;
    expect_desc_error(d, RK_STATUS_SIZE_OVERFLOW, "desc->n is negative");
    d = good;
    d.stride_w = 0;
    expect_desc_error(d, RK_STATUS_INVALID_ARGUMENT, "stride_w");
    d = good;
    d.dilation_h = -1;
    expect_desc_error(d, RK_STATUS_INVALID_ARGUMENT, "dilation_h");
    d = good;
    d.pad_left = -1;
    expect_desc_error(d, RK_STATUS_INVALID_ARGUMENT, "pad_left");
    d = good;
    d.groups = 2;  // c = 5
    expect_desc_error(d, RK_STATUS_INVALID_ARGUMENT, "does not divide desc->c");
    d = good;
    d.c = 6;
    d.groups = 2;  // k = 7
    expect_desc_error(d, RK_STATUS_INVALID_ARGUMENT, "does not divide desc->k");
    d = good;
    d.r = 12;  // 9 + 2 < 12
    expect_desc_error(d, RK_STATUS_INVALID_ARGUMENT, "exceeds the padded input height");
    d = good;
    d.s = 3;
    d.dilation_w = 7;  // 15 > 13
    expect_desc_error(d, RK_STATUS_INVALID_ARGUMENT, "exceeds the padded input width");
    d = good;
    d.n = d.c = d.h = d.w = int64_t{1} << 40;
    expect_desc_error(d, RK_STATUS_SIZE_OVERFLOW, "addressable");
    d = good;
    d.h = (int64_t{1} << 40) + 1;
    expect_desc_error(d, RK_STATUS_SIZE_OVERFLOW, "exceeds 2^40");
    d = good;
    d.r = int64_t{1} << 40;  // dilation * (r - 1) would pass 2^63
    d.dilation_h = 1 << 30;
    expect_desc_error(d, RK_STATUS_INVALID_ARGUMENT, "exceeds the padded input height");

    // Algorithms and passes.
    rk_conv_algorithm chosen;
    EXPECT_EQ(rk_conv2d_query(&good, RK_CONV_PASS_FORWARD, static_cast<rk_conv_algorithm>(9), &chosen, nullptr),
              RK_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(rk_conv2d_query(&good, static_cast<rk_conv_pass>(3), RK_CONV_AUTO, &chosen, nullptr),
              RK_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(rk_conv2d_query(&good, RK_CONV_PASS_BACKWARD_DATA, RK_CONV_WINOGRAD_4X3, &chosen, nullptr),
              RK_STATUS_UNSUPPORTED);
    EXPECT_NE(msg().find("forward pass only"), std::string::npos);
    rk_conv2d_desc strided = make_desc(kShapes[2], RK_LAYOUT_NCHW);
    EXPECT_EQ(rk_conv2d_query(&strided, RK_CONV_PASS_FORWARD, RK_CONV_WINOGRAD_2X3, &chosen, nullptr),
              RK_STATUS_UNSUPPORTED);
    EXPECT_NE(msg().find("r = 3"), std::string::npos) << msg();
    EXPECT_EQ(rk_conv2d_query(&strided, RK_CONV_PASS_FORWARD, RK_CONV_FFT, &chosen, nullptr), RK_STATUS_UNSUPPORTED);
    EXPECT_NE(msg().find("stride_h = 1"), std::string::npos) << msg();
    rk_conv2d_desc dil = make_desc(kShapes[3], RK_LAYOUT_NCHW);
    EXPECT_EQ(rk_conv2d_query(&dil, RK_CONV_PASS_FORWARD, RK_CONV_WINOGRAD_4X3, &chosen, nullptr), RK_STATUS_UNSUPPORTED);
    EXPECT_NE(msg().find("dilation_h = 1"), std::string::npos) << msg();
    rk_conv2d_desc big = good;
    big.h = big.w = 40;
    big.r = big.s = 15;
    EXPECT_EQ(rk_conv2d_query(&big, RK_CONV_PASS_FORWARD, RK_CONV_FFT, &chosen, nullptr), RK_STATUS_UNSUPPORTED);
    EXPECT_NE(msg().find("r <= 13"), std::string::npos) << msg();
    EXPECT_EQ(rk_conv2d_forward(ctx.get(), &strided, RK_CONV_WINOGRAD_4X3, o.x.data(), o.w.data(), nullptr, y.data(),
                                nullptr, 0, nullptr),
              RK_STATUS_UNSUPPORTED) << "no silent fallback";

    // Pointers and handles.
    EXPECT_EQ(rk_conv2d_forward(nullptr, &good, RK_CONV_DIRECT, o.x.data(), o.w.data(), nullptr, y.data(), nullptr, 0, nullptr),
              RK_STATUS_NULL_POINTER);
    EXPECT_EQ(rk_conv2d_forward(reinterpret_cast<rk_context*>(0x10), &good, RK_CONV_DIRECT, o.x.data(), o.w.data(),
                                nullptr, y.data(), nullptr, 0, nullptr),
              RK_STATUS_INVALID_HANDLE);
    EXPECT_EQ(rk_conv2d_forward(ctx.get(), &good, RK_CONV_DIRECT, nullptr, o.w.data(), nullptr, y.data(), nullptr, 0, nullptr),
              RK_STATUS_NULL_POINTER);
    EXPECT_NE(msg().find("'x'"), std::string::npos);
    EXPECT_EQ(rk_conv2d_forward(ctx.get(), &good, RK_CONV_DIRECT, o.x.data(), nullptr, nullptr, y.data(), nullptr, 0, nullptr),
              RK_STATUS_NULL_POINTER);
    EXPECT_EQ(rk_conv2d_forward(ctx.get(), &good, RK_CONV_DIRECT, o.x.data(), o.w.data(), nullptr, nullptr, nullptr, 0, nullptr),
              RK_STATUS_NULL_POINTER);
    EXPECT_EQ(rk_conv2d_backward_data(ctx.get(), &good, nullptr, o.w.data(), dx.data(), nullptr, 0), RK_STATUS_NULL_POINTER);
    EXPECT_EQ(rk_conv2d_backward_weights(ctx.get(), &good, o.x.data(), o.dy.data(), nullptr, nullptr, nullptr, 0),
              RK_STATUS_NULL_POINTER);
    EXPECT_NE(msg().find("'dw'"), std::string::npos);
    EXPECT_EQ(rk_conv2d_forward(ctx.get(), &good, RK_CONV_IMPLICIT_GEMM, o.x.data(), o.w.data(), nullptr, y.data(),
                                nullptr, -1, nullptr),
              RK_STATUS_SIZE_OVERFLOW);

    // Overlaps.
    std::vector<float> big_buf(static_cast<size_t>(g.x_count() + g.y_count()));
    EXPECT_EQ(rk_conv2d_forward(ctx.get(), &good, RK_CONV_DIRECT, big_buf.data(), o.w.data(), nullptr,
                                big_buf.data() + g.x_count() - 1, nullptr, 0, nullptr),
              RK_STATUS_INVALID_ARGUMENT);
    EXPECT_NE(msg().find("'y' overlaps 'x'"), std::string::npos) << msg();
    std::vector<float> wy(static_cast<size_t>(g.y_count() + g.w_count()));
    std::copy(o.w.begin(), o.w.end(), wy.begin());
    EXPECT_EQ(rk_conv2d_forward(ctx.get(), &good, RK_CONV_DIRECT, o.x.data(), wy.data(), nullptr, wy.data() + 1,
                                nullptr, 0, nullptr),
              RK_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(rk_conv2d_forward(ctx.get(), &good, RK_CONV_DIRECT, o.x.data(), o.w.data(), y.data() + 2, y.data(),
                                nullptr, 0, nullptr),
              RK_STATUS_INVALID_ARGUMENT);
    EXPECT_NE(msg().find("'bias'"), std::string::npos) << msg();
    EXPECT_EQ(rk_conv2d_backward_data(ctx.get(), &good, dx.data(), o.w.data(), dx.data(), nullptr, 0),
              RK_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(rk_conv2d_backward_weights(ctx.get(), &good, o.x.data(), o.dy.data(), dw.data(), dw.data() + 1, nullptr, 0),
              RK_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(rk_conv2d_backward_weights(ctx.get(), &good, dw.data(), o.dy.data(), dw.data(), nullptr, nullptr, 0),
              RK_STATUS_INVALID_ARGUMENT);
    int64_t bytes = 0;
    ASSERT_EQ(rk_conv2d_query(&good, RK_CONV_PASS_FORWARD, RK_CONV_FFT, nullptr, &bytes), RK_STATUS_OK);
    std::vector<float> ws(static_cast<size_t>(bytes / 4 + 1));
    EXPECT_EQ(rk_conv2d_forward(ctx.get(), &good, RK_CONV_FFT, o.x.data(), o.w.data(), nullptr, ws.data() + 4, ws.data(),
                                bytes, nullptr),
              RK_STATUS_INVALID_ARGUMENT);
    EXPECT_NE(msg().find("workspace"), std::string::npos) << msg();
}

uint64_t fnv1a(const std::vector<float>& v) {
    uint64_t h = 0xcbf29ce484222325ull;
    for (float f : v) {
        const uint32_t b = rk::test::float_bits(f);
        for (int i = 0; i < 4; ++i) {
            h ^= (b >> (8 * i)) & 0xFFu;
            h *= 0x100000001b3ull;
        }
    }
    return h;
}

// Golden digests: FNV-1a (64-bit, bytes little-endian) of the output bits for fixed inputs (Philox normal fills).
// They are the definition's output: any backend, ISA or thread count must reproduce them.
TEST(Conv2d, GoldenDigests) {
    const Shape shapes[] = {{"g1", 2, 8, 12, 10, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, true},
                            {"g2", 1, 6, 15, 13, 10, 5, 3, 2, 1, 2, 1, 0, 1, 1, 2, 2, true},
                            {"g3", 2, 8, 9, 9, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 8, false}};
    // Per case: forward Direct, ImplicitGemm, Winograd F(2,3), Winograd F(4,3), FFT (0: unsupported shape), then
    // backward data, then backward weights followed by the bias gradient.
    const uint64_t expected[3][7] = {
        {0x065c3d5c8dc4e1aaull, 0x065c3d5c8dc4e1aaull, 0x42234543781a9f54ull, 0xe4e3a7acb05ed050ull, 0x1225273cdc963285ull, 0xd04c043e0a97e5e8ull, 0x685cc7eb028fecb7ull},
        {0x6bbbbabe29225e51ull, 0x6bbbbabe29225e51ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x0000000000000000ull, 0x27d4254d65db589dull, 0x53ef93def900356full},
        {0xce645781264c7d84ull, 0xce645781264c7d84ull, 0x8534c27c170e7bccull, 0x8136ab2327d72419ull, 0x2acd17f8a3954db5ull, 0x9a91e51a4a8012b0ull, 0x31be79bc4e44748dull}};
    const bool print = std::getenv("RK_CONV_PRINT_DIGESTS") != nullptr;
    for (int i = 0; i < 3; ++i) {
        const rk_conv2d_desc d = make_desc(shapes[i], RK_LAYOUT_NCHW);
        const ConvGeometry g = geometry(d);
        const Operands o = make_operands(g, 1000 + i);
        for (rk_isa isa : rk::test::supported_isas()) {
            rk::test::Context ctx(isa, 3);
            uint64_t got[7] = {};
            int j = 0;
            for (rk_conv_algorithm algo : kForwardAlgorithms)
                got[j++] = supports(d, algo) ? fnv1a(api_forward(ctx.get(), d, g, algo, o.x, o.w,
                                                                 shapes[i].bias ? o.bias.data() : nullptr))
                                             : 0;
            got[5] = fnv1a(api_backward_data(ctx.get(), d, g, o.dy, o.w));
            std::vector<float> db;
            std::vector<float> dw = api_backward_weights(ctx.get(), d, g, o.x, o.dy, &db);
            dw.insert(dw.end(), db.begin(), db.end());
            got[6] = fnv1a(dw);
            if (print) {
                std::printf("{");
                for (int t = 0; t < 7; ++t) std::printf("0x%016llxull%s", static_cast<unsigned long long>(got[t]), t < 6 ? ", " : "},\n");
            }
            for (int t = 0; t < 7; ++t)
                EXPECT_EQ(got[t], expected[i][t]) << "case " << i << " output " << t << " " << rk_isa_name(isa);
        }
    }
}

}  // namespace
