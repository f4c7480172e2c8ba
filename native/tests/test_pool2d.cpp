// Pooling (docs/training.md section 3): MaxPool2d, AvgPool2d and global average pooling, forward and backward, on
// every ISA x threads 1/2/3 against the core's functions and against brute-force references written here from the
// spec (the backward as a scatter in ascending output order, which adds the same terms in the same order as the
// gather); PyTorch's semantics by hand (output sizes, ties, NaN, padding divisors); batch composition invariance;
// accuracy against float64; bad input.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "core/pool2d.h"
#include "test_helpers.h"

namespace {

using rk::test::float_bits;

uint32_t canonical_bits(float f) { return f != f ? 0x7FC00000u : float_bits(f); }

void expect_same_bits(const std::vector<float>& got, const std::vector<float>& want, const std::string& what) {
    ASSERT_EQ(got.size(), want.size()) << what;
    for (size_t i = 0; i < got.size(); ++i)
        ASSERT_EQ(canonical_bits(got[i]), canonical_bits(want[i]))
            << what << ": element " << i << " got " << got[i] << " want " << want[i];
}

std::vector<float> normal(size_t n, uint64_t seed, float stddev = 1.0f) {
    std::vector<float> v(n);
    rk::test::Context ctx(RK_ISA_SCALAR, 1);
    const rk_philox_stream s{seed, 0, 0};
    EXPECT_EQ(rk_philox_fill_normal(ctx.get(), &s, 0.0f, stddev, v.data(), static_cast<int64_t>(n)), RK_STATUS_OK);
    return v;
}

// Data with many ties (small integers, +0 and -0), a few NaNs and infinities.
std::vector<float> pool_data(size_t n, uint64_t seed, bool specials) {
    std::vector<float> v = normal(n, seed, 2.0f);
    for (size_t i = 0; i < n; ++i) {
        if (i % 3 == 0) v[i] = std::round(v[i]);
        if (i % 11 == 5) v[i] = -0.0f;
    }
    if (specials)
        for (size_t i = 17; i < n; i += 211) {
            v[i] = std::numeric_limits<float>::quiet_NaN();
            if (i + 40 < n) v[i + 40] = -std::numeric_limits<float>::infinity();
            if (i + 90 < n) v[i + 90] = std::numeric_limits<float>::infinity();
        }
    return v;
}

rk_pool2d_desc pool_desc(rk_pool_mode mode, rk_conv_layout layout, int64_t n, int64_t c, int64_t h, int64_t w, int32_t kh,
                         int32_t kw, int32_t sh, int32_t sw, int32_t ph, int32_t pw, int32_t dh = 1, int32_t dw = 1,
                         int32_t ceil_mode = 0, int32_t include_pad = 1, int32_t divisor = 0) {
    rk_pool2d_desc d{};
    d.struct_size = sizeof d;
    d.mode = mode;
    d.layout = layout;
    d.n = n;
    d.c = c;
    d.h = h;
    d.w = w;
    d.kernel_h = kh;
    d.kernel_w = kw;
    d.stride_h = sh;
    d.stride_w = sw;
    d.pad_h = ph;
    d.pad_w = pw;
    d.dilation_h = dh;
    d.dilation_w = dw;
    d.ceil_mode = ceil_mode;
    d.count_include_pad = include_pad;
    d.divisor_override = divisor;
    return d;
}

std::string describe(const rk_pool2d_desc& d) {
    return std::string(d.mode == RK_POOL_MAX ? "max" : "avg") + (d.layout == RK_LAYOUT_NHWC ? " nhwc " : " nchw ") +
           std::to_string(d.n) + "x" + std::to_string(d.c) + "x" + std::to_string(d.h) + "x" + std::to_string(d.w) +
           " k" + std::to_string(d.kernel_h) + "x" + std::to_string(d.kernel_w) + " s" + std::to_string(d.stride_h) +
           "x" + std::to_string(d.stride_w) + " p" + std::to_string(d.pad_h) + "x" + std::to_string(d.pad_w) + " d" +
           std::to_string(d.dilation_h) + "x" + std::to_string(d.dilation_w) + " ceil" + std::to_string(d.ceil_mode) +
           " incl" + std::to_string(d.count_include_pad) + " div" + std::to_string(d.divisor_override);
}

// The geometry, through the C API's output shape.
struct Shape {
    int64_t p, q;
};
Shape output_shape(const rk_pool2d_desc& d) {
    Shape s{0, 0};
    EXPECT_EQ(rk_pool2d_output_shape(&d, &s.p, &s.q), RK_STATUS_OK) << rk_last_error_message();
    return s;
}

// Offsets of element (ni, ci, a, b) of a [n][c][A][B] tensor in the descriptor's layout.
int64_t offset(const rk_pool2d_desc& d, int64_t A, int64_t B, int64_t ni, int64_t ci, int64_t a, int64_t b) {
    return d.layout == RK_LAYOUT_NHWC ? ((ni * A + a) * B + b) * d.c + ci : ((ni * d.c + ci) * A + a) * B + b;
}

// The core's geometry of a descriptor (the C API builds the same in backend/pool2d_rules.cpp).
rk::core::PoolGeometry geometry(const rk_pool2d_desc& d) {
    const Shape s = output_shape(d);
    rk::core::PoolGeometry g{};
    g.mode = d.mode == RK_POOL_MAX ? rk::core::PoolMode::kMax : rk::core::PoolMode::kAvg;
    g.nhwc = d.layout == RK_LAYOUT_NHWC;
    g.n = d.n;
    g.c = d.c;
    g.h = d.h;
    g.w = d.w;
    g.p = s.p;
    g.q = s.q;
    g.kh = d.kernel_h;
    g.kw = d.kernel_w;
    g.sh = d.stride_h;
    g.sw = d.stride_w;
    g.ph = d.pad_h;
    g.pw = d.pad_w;
    g.dh = d.dilation_h;
    g.dw = d.dilation_w;
    g.count_include_pad = d.count_include_pad != 0;
    g.divisor_override = d.divisor_override;
    return g;
}

struct PoolRef {
    std::vector<float> y, dx;
    std::vector<int64_t> indices;
};

// Brute force from the spec (PyTorch's loops), independent of core/pool2d.h.
PoolRef brute_force(const rk_pool2d_desc& d, const std::vector<float>& x, const std::vector<float>& dy) {
    const Shape s = output_shape(d);
    PoolRef r;
    r.y.resize(static_cast<size_t>(d.n * d.c * s.p * s.q));
    r.indices.resize(r.y.size());
    r.dx.assign(x.size(), 0.0f);
    for (int64_t ni = 0; ni < d.n; ++ni)
        for (int64_t ci = 0; ci < d.c; ++ci)
            for (int64_t p = 0; p < s.p; ++p)
                for (int64_t q = 0; q < s.q; ++q) {
                    const size_t o = static_cast<size_t>(offset(d, s.p, s.q, ni, ci, p, q));
                    const int64_t hs = p * d.stride_h - d.pad_h, ws = q * d.stride_w - d.pad_w;
                    if (d.mode == RK_POOL_MAX) {
                        int64_t h0 = hs, w0 = ws;
                        while (h0 < 0) h0 += d.dilation_h;
                        while (w0 < 0) w0 += d.dilation_w;
                        float mx = -std::numeric_limits<float>::infinity();
                        int64_t index = h0 * d.w + w0;
                        for (int64_t i = 0; i < d.kernel_h; ++i)
                            for (int64_t j = 0; j < d.kernel_w; ++j) {
                                const int64_t hh = hs + i * d.dilation_h, ww = ws + j * d.dilation_w;
                                if (hh < 0 || hh >= d.h || ww < 0 || ww >= d.w) continue;
                                const float v = x[static_cast<size_t>(offset(d, d.h, d.w, ni, ci, hh, ww))];
                                if (v > mx || std::isnan(v)) {
                                    mx = v;
                                    index = hh * d.w + ww;
                                }
                            }
                        r.y[o] = mx;
                        r.indices[o] = index;
                        // The scatter, in ascending (p, q) per plane: the gather's order for every element.
                        const int64_t ih = index / d.w, iw = index % d.w;
                        float& dst = r.dx[static_cast<size_t>(offset(d, d.h, d.w, ni, ci, ih, iw))];
                        dst = dst + dy[o];
                    } else {
                        const int64_t he = std::min<int64_t>(hs + d.kernel_h, d.h + d.pad_h),
                                      we = std::min<int64_t>(ws + d.kernel_w, d.w + d.pad_w);
                        const int64_t pool = (he - hs) * (we - ws);
                        const int64_t h0 = std::max<int64_t>(hs, 0), w0 = std::max<int64_t>(ws, 0),
                                      h1 = std::min<int64_t>(he, d.h), w1 = std::min<int64_t>(we, d.w);
                        if (h0 >= h1 || w0 >= w1) {
                            r.y[o] = 0.0f;
                            continue;
                        }
                        float sum = 0.0f;
                        for (int64_t hh = h0; hh < h1; ++hh)
                            for (int64_t ww = w0; ww < w1; ++ww) sum = sum + x[static_cast<size_t>(offset(d, d.h, d.w, ni, ci, hh, ww))];
                        const int64_t div = d.divisor_override ? d.divisor_override
                                            : d.count_include_pad ? pool
                                                                  : (h1 - h0) * (w1 - w0);
                        r.y[o] = sum / static_cast<float>(div);
                        const float g = dy[o] / static_cast<float>(div);
                        for (int64_t hh = h0; hh < h1; ++hh)
                            for (int64_t ww = w0; ww < w1; ++ww) {
                                float& dst = r.dx[static_cast<size_t>(offset(d, d.h, d.w, ni, ci, hh, ww))];
                                dst = dst + g;
                            }
                    }
                }
    return r;
}

const rk_pool2d_desc kDescs[] = {
    pool_desc(RK_POOL_MAX, RK_LAYOUT_NCHW, 2, 3, 9, 11, 3, 3, 2, 2, 1, 1),
    pool_desc(RK_POOL_AVG, RK_LAYOUT_NCHW, 2, 3, 9, 11, 3, 3, 2, 2, 1, 1),
    pool_desc(RK_POOL_MAX, RK_LAYOUT_NCHW, 1, 2, 10, 13, 3, 2, 1, 1, 1, 1, 2, 1, 1),      // dilation, ceil, overlap
    pool_desc(RK_POOL_MAX, RK_LAYOUT_NHWC, 2, 19, 8, 9, 2, 2, 2, 2, 0, 0),                // channel tails
    pool_desc(RK_POOL_AVG, RK_LAYOUT_NHWC, 2, 19, 8, 9, 2, 2, 2, 2, 0, 0),
    pool_desc(RK_POOL_AVG, RK_LAYOUT_NCHW, 1, 1, 7, 7, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1),     // ceil: a window in the pad
    pool_desc(RK_POOL_AVG, RK_LAYOUT_NCHW, 1, 2, 7, 8, 3, 3, 2, 2, 1, 1, 1, 1, 1, 0),     // count_include_pad off
    pool_desc(RK_POOL_AVG, RK_LAYOUT_NHWC, 1, 20, 6, 7, 3, 3, 1, 1, 1, 1, 1, 1, 0, 0),    // overlap, NHWC
    pool_desc(RK_POOL_AVG, RK_LAYOUT_NCHW, 2, 2, 6, 6, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, 5),  // divisor_override
    pool_desc(RK_POOL_MAX, RK_LAYOUT_NCHW, 1, 2, 5, 70, 3, 3, 1, 1, 1, 1),                // vector interior, stride 1
    pool_desc(RK_POOL_MAX, RK_LAYOUT_NCHW, 1, 2, 5, 70, 3, 3, 2, 2, 1, 1),                // stride 2
    pool_desc(RK_POOL_MAX, RK_LAYOUT_NCHW, 1, 2, 6, 80, 3, 4, 3, 3, 1, 2, 1, 2),          // stride 3 (gathers), dilation
    pool_desc(RK_POOL_AVG, RK_LAYOUT_NCHW, 1, 2, 5, 70, 3, 3, 1, 1, 1, 1, 1, 1, 0, 0),
    pool_desc(RK_POOL_AVG, RK_LAYOUT_NCHW, 1, 2, 5, 70, 2, 5, 3, 3, 0, 2),
    pool_desc(RK_POOL_MAX, RK_LAYOUT_NCHW, 1, 1, 70, 3, 65, 1, 1, 1, 0, 0),               // kernel taller than 64
    pool_desc(RK_POOL_MAX, RK_LAYOUT_NHWC, 1, 3, 70, 3, 66, 2, 2, 1, 1, 1),
    pool_desc(RK_POOL_MAX, RK_LAYOUT_NHWC, 1, 33, 7, 7, 3, 3, 2, 2, 1, 1, 2, 2, 1),
    // Narrow NCHW rows (lanes across planes) and non-overlapping windows (the scatter backward), odd plane counts.
    pool_desc(RK_POOL_MAX, RK_LAYOUT_NCHW, 3, 7, 8, 8, 2, 2, 2, 2, 0, 0),
    pool_desc(RK_POOL_MAX, RK_LAYOUT_NCHW, 2, 19, 4, 4, 2, 2, 2, 2, 0, 0),
    pool_desc(RK_POOL_MAX, RK_LAYOUT_NCHW, 2, 9, 9, 7, 2, 2, 2, 2, 1, 1),
    pool_desc(RK_POOL_MAX, RK_LAYOUT_NCHW, 2, 10, 7, 9, 3, 3, 3, 3, 0, 0),
    pool_desc(RK_POOL_MAX, RK_LAYOUT_NCHW, 1, 20, 9, 9, 2, 2, 3, 3, 0, 0, 2, 2),
    pool_desc(RK_POOL_MAX, RK_LAYOUT_NCHW, 2, 17, 6, 10, 3, 3, 2, 2, 1, 1),
    pool_desc(RK_POOL_MAX, RK_LAYOUT_NCHW, 1, 33, 5, 5, 2, 2, 2, 2, 0, 0, 1, 1, 1),
    pool_desc(RK_POOL_MAX, RK_LAYOUT_NCHW, 1, 40, 3, 40, 3, 1, 2, 2, 1, 0),
    pool_desc(RK_POOL_MAX, RK_LAYOUT_NCHW, 5, 7, 1, 1, 1, 1, 1, 1, 0, 0),
};

// Indices that do not name the window (or the plane) must be handled as the core defines, by every path.
TEST(Pool2d, MaxBackwardWithArbitraryIndices) {
    uint64_t seed = 500;
    for (const rk_pool2d_desc& d : kDescs) {
        if (d.mode != RK_POOL_MAX) continue;
        const Shape s = output_shape(d);
        const rk::core::PoolGeometry g = geometry(d);
        const auto dy = normal(static_cast<size_t>(d.n * d.c * s.p * s.q), seed++);
        std::vector<int64_t> idx(dy.size());
        for (size_t i = 0; i < idx.size(); ++i) idx[i] = static_cast<int64_t>((i * 2654435761u + seed) % (d.h * d.w + 6)) - 3;
        std::vector<float> want(static_cast<size_t>(d.n * d.c * d.h * d.w));
        for (int64_t ni = 0; ni < d.n; ++ni)
            for (int64_t ci = 0; ci < d.c; ++ci) {
                const int64_t oo = g.out_plane_offset(ni, ci);
                for (int64_t h = 0; h < d.h; ++h)
                    for (int64_t w = 0; w < d.w; ++w)
                        want[static_cast<size_t>(offset(d, d.h, d.w, ni, ci, h, w))] =
                            rk::core::max_pool_backward_at(g, dy.data() + oo, idx.data() + oo, g.elem_stride(), h, w);
            }
        for (rk_isa isa : rk::test::supported_isas())
            for (int threads : {1, 2, 3}) {
                rk::test::Context ctx(isa, threads);
                std::vector<float> dx(want.size(), 7.0f);
                ASSERT_EQ(rk_pool2d_backward(ctx.get(), &d, dy.data(), idx.data(), dx.data()), RK_STATUS_OK);
                expect_same_bits(dx, want, describe(d) + " arbitrary indices " + rk_isa_name(isa) + " x" + std::to_string(threads));
            }
    }
}

struct PoolGot {
    std::vector<float> y, y_noidx, dx;
    std::vector<int64_t> indices;
};

PoolGot run_pool(rk_context* c, const rk_pool2d_desc& d, const std::vector<float>& x, const std::vector<float>& dy) {
    const Shape s = output_shape(d);
    PoolGot g;
    g.y.resize(static_cast<size_t>(d.n * d.c * s.p * s.q));
    g.y_noidx.resize(g.y.size());
    g.dx.assign(x.size(), 9.0f);
    const bool max = d.mode == RK_POOL_MAX;
    if (max) g.indices.resize(g.y.size());
    EXPECT_EQ(rk_pool2d_forward(c, &d, x.data(), g.y.data(), max ? g.indices.data() : nullptr), RK_STATUS_OK)
        << rk_last_error_message();
    EXPECT_EQ(rk_pool2d_forward(c, &d, x.data(), g.y_noidx.data(), nullptr), RK_STATUS_OK) << rk_last_error_message();
    EXPECT_EQ(rk_pool2d_backward(c, &d, dy.data(), max ? g.indices.data() : nullptr, g.dx.data()), RK_STATUS_OK)
        << rk_last_error_message();
    return g;
}

TEST(Pool2d, EveryIsaAndThreadCountComputesTheCanonicalFunctions) {
    uint64_t seed = 1;
    for (const rk_pool2d_desc& d : kDescs) {
        const std::string tag = describe(d);
        const Shape s = output_shape(d);
        const auto x = pool_data(static_cast<size_t>(d.n * d.c * d.h * d.w), seed++, true);
        const auto dy = normal(static_cast<size_t>(d.n * d.c * s.p * s.q), seed++);
        const PoolRef ref = brute_force(d, x, dy);
        for (rk_isa isa : rk::test::supported_isas())
            for (int threads : {1, 2, 3}) {
                rk::test::Context ctx(isa, threads);
                const std::string where = tag + " " + rk_isa_name(isa) + " x" + std::to_string(threads);
                const PoolGot got = run_pool(ctx.get(), d, x, dy);
                expect_same_bits(got.y, ref.y, where + " forward");
                expect_same_bits(got.y_noidx, ref.y, where + " forward without indices");
                if (d.mode == RK_POOL_MAX) {
                    ASSERT_EQ(got.indices, ref.indices) << where << " indices";
                }
                expect_same_bits(got.dx, ref.dx, where + " backward");
            }
    }
}

// The core's functions (what the CUDA kernels run per element) are the brute force too.
TEST(Pool2d, CoreFunctionsAreTheDefinition) {
    uint64_t seed = 100;
    for (const rk_pool2d_desc& d : kDescs) {
        const std::string tag = describe(d);
        const Shape s = output_shape(d);
        const auto x = pool_data(static_cast<size_t>(d.n * d.c * d.h * d.w), seed++, true);
        const auto dy = normal(static_cast<size_t>(d.n * d.c * s.p * s.q), seed++);
        const PoolRef ref = brute_force(d, x, dy);
        const rk::core::PoolGeometry g = geometry(d);
        const int64_t cs = g.elem_stride();
        for (int64_t ni = 0; ni < d.n; ++ni)
            for (int64_t ci = 0; ci < d.c; ++ci) {
                const float* xp = x.data() + g.in_plane_offset(ni, ci);
                const int64_t oo = g.out_plane_offset(ni, ci);
                for (int64_t p = 0; p < s.p; ++p)
                    for (int64_t q = 0; q < s.q; ++q) {
                        const size_t o = static_cast<size_t>(offset(d, s.p, s.q, ni, ci, p, q));
                        float y;
                        int64_t index = -1;
                        if (d.mode == RK_POOL_MAX) rk::core::max_pool_at(g, xp, cs, p, q, y, index);
                        else y = rk::core::avg_pool_at(g, xp, cs, p, q);
                        ASSERT_EQ(canonical_bits(y), canonical_bits(ref.y[o])) << tag << " output " << o;
                        if (d.mode == RK_POOL_MAX) {
                            ASSERT_EQ(index, ref.indices[o]) << tag << " output " << o;
                        }
                    }
                for (int64_t h = 0; h < d.h; ++h)
                    for (int64_t w = 0; w < d.w; ++w) {
                        const float v = d.mode == RK_POOL_MAX
                                            ? rk::core::max_pool_backward_at(g, dy.data() + oo, ref.indices.data() + oo, cs, h, w)
                                            : rk::core::avg_pool_backward_at(g, dy.data() + oo, cs, h, w);
                        const size_t i = static_cast<size_t>(offset(d, d.h, d.w, ni, ci, h, w));
                        ASSERT_EQ(canonical_bits(v), canonical_bits(ref.dx[i])) << tag << " dx " << i;
                    }
            }
    }
}

// PyTorch's semantics by hand.
TEST(Pool2d, PyTorchSemantics) {
    rk::test::Context ctx(RK_ISA_AUTO, 1);
    // Output sizes (torch.nn.functional.max_pool2d / avg_pool2d shapes).
    const struct {
        int64_t in;
        int32_t k, s, p, d, ceil;
        int64_t out;
    } sizes[] = {{7, 3, 2, 1, 1, 0, 4}, {7, 3, 2, 1, 1, 1, 4}, {6, 3, 2, 1, 1, 1, 4}, {6, 3, 2, 0, 1, 1, 3},
                 {5, 2, 2, 0, 1, 1, 3}, {10, 3, 1, 1, 2, 0, 8}, {4, 4, 3, 2, 1, 1, 2}, {1, 1, 1, 0, 1, 0, 1}};
    for (const auto& z : sizes) {
        const rk_pool2d_desc d = pool_desc(RK_POOL_MAX, RK_LAYOUT_NCHW, 1, 1, z.in, 1, z.k, 1, z.s, 1, z.p, 0, z.d, 1, z.ceil);
        int64_t p = -1, q = -1;
        ASSERT_EQ(rk_pool2d_output_shape(&d, &p, &q), RK_STATUS_OK) << rk_last_error_message();
        EXPECT_EQ(p, z.out) << "in " << z.in << " k " << z.k << " s " << z.s << " p " << z.p << " d " << z.d << " ceil " << z.ceil;
        EXPECT_EQ(q, 1);
    }
    // Ties keep the first in row-major window order; NaN propagates (the last NaN's index); -0 and +0 tie.
    const float nan = std::numeric_limits<float>::quiet_NaN();
    const float x[] = {1, 3, 3, 0,  //
                       3, 2, nan, 5,
                       -0.0f, 0.0f, 4, nan};
    const rk_pool2d_desc d = pool_desc(RK_POOL_MAX, RK_LAYOUT_NCHW, 1, 1, 3, 4, 2, 2, 1, 2, 0, 0);  // 2 x 2 outputs
    float y[4];
    int64_t idx[4];
    ASSERT_EQ(rk_pool2d_forward(ctx.get(), &d, x, y, idx), RK_STATUS_OK) << rk_last_error_message();
    EXPECT_EQ(y[0], 3.0f);
    EXPECT_EQ(idx[0], 1);  // 3 at (0,1) before 3 at (1,0)
    EXPECT_TRUE(std::isnan(y[1]));
    EXPECT_EQ(idx[1], 6);
    EXPECT_EQ(y[2], 3.0f);
    EXPECT_EQ(idx[2], 4);
    EXPECT_TRUE(std::isnan(y[3]));
    EXPECT_EQ(idx[3], 11);  // the last NaN
    const float zeros[] = {-0.0f, 0.0f};
    const rk_pool2d_desc dz = pool_desc(RK_POOL_MAX, RK_LAYOUT_NCHW, 1, 1, 1, 2, 1, 2, 1, 1, 0, 0);
    ASSERT_EQ(rk_pool2d_forward(ctx.get(), &dz, zeros, y, idx), RK_STATUS_OK);
    EXPECT_EQ(float_bits(y[0]), 0x80000000u);  // -0 first, +0 is not greater
    EXPECT_EQ(idx[0], 0);
    // Backward: overlapping windows sum in ascending output order; a duplicate maximum receives both gradients.
    float dx[12];
    const float x2[] = {1, 9, 1, 0, 1, 1, 1, 0, 0, 0, 0, 0};
    const rk_pool2d_desc d2 = pool_desc(RK_POOL_MAX, RK_LAYOUT_NCHW, 1, 1, 3, 4, 2, 2, 1, 1, 0, 0);  // 2 x 3 outputs
    float y2[6], dy2[6] = {1, 2, 4, 8, 16, 32};
    int64_t idx2[6];
    ASSERT_EQ(rk_pool2d_forward(ctx.get(), &d2, x2, y2, idx2), RK_STATUS_OK);
    ASSERT_EQ(rk_pool2d_backward(ctx.get(), &d2, dy2, idx2, dx), RK_STATUS_OK);
    EXPECT_EQ(dx[1], 1.0f + 2.0f);  // the 9 wins windows (0, 0) and (0, 1)
    EXPECT_EQ(dx[2], 4.0f);         // (0, 2): the first 1 of 1, 0, 1, 0
    EXPECT_EQ(dx[4], 8.0f);
    EXPECT_EQ(dx[5], 16.0f);
    EXPECT_EQ(dx[6], 32.0f);
    EXPECT_EQ(dx[0], 0.0f);
    // Average: count_include_pad on and off, divisor_override.
    const float ones[9] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
    float a[4];
    rk_pool2d_desc av = pool_desc(RK_POOL_AVG, RK_LAYOUT_NCHW, 1, 1, 3, 3, 2, 2, 2, 2, 1, 1);  // 2 x 2
    ASSERT_EQ(rk_pool2d_forward(ctx.get(), &av, ones, a, nullptr), RK_STATUS_OK);
    EXPECT_EQ(a[0], 0.25f);  // one element of four (padding counts)
    EXPECT_EQ(a[3], 1.0f);
    av.count_include_pad = 0;
    ASSERT_EQ(rk_pool2d_forward(ctx.get(), &av, ones, a, nullptr), RK_STATUS_OK);
    EXPECT_EQ(a[0], 1.0f);
    av.divisor_override = 3;
    ASSERT_EQ(rk_pool2d_forward(ctx.get(), &av, ones, a, nullptr), RK_STATUS_OK);
    EXPECT_EQ(a[0], 1.0f / 3.0f);
    EXPECT_EQ(a[3], 4.0f / 3.0f);
}

// A plane's outputs and gradients depend only on that plane's image: the same bits alone and in a batch.
TEST(Pool2d, ImagesAreBatchInvariant) {
    for (rk_pool2d_desc d : {kDescs[0], kDescs[4], kDescs[11]}) {
        d.n = 5;
        const Shape s = output_shape(d);
        const int64_t xi = d.c * d.h * d.w, yi = d.c * s.p * s.q;
        const auto x = pool_data(static_cast<size_t>(d.n * xi), 7, false);
        const auto dy = normal(static_cast<size_t>(d.n * yi), 8);
        for (rk_isa isa : rk::test::supported_isas()) {
            rk::test::Context ctx(isa, 3);
            const PoolGot all = run_pool(ctx.get(), d, x, dy);
            for (int64_t n : {int64_t{0}, int64_t{3}}) {
                rk_pool2d_desc one = d;
                one.n = 1;
                const std::vector<float> x1(x.begin() + n * xi, x.begin() + (n + 1) * xi),
                    dy1(dy.begin() + n * yi, dy.begin() + (n + 1) * yi);
                const PoolGot got = run_pool(ctx.get(), one, x1, dy1);
                expect_same_bits(got.y, std::vector<float>(all.y.begin() + n * yi, all.y.begin() + (n + 1) * yi),
                                 describe(d) + " image " + std::to_string(n) + " y");
                expect_same_bits(got.dx, std::vector<float>(all.dx.begin() + n * xi, all.dx.begin() + (n + 1) * xi),
                                 describe(d) + " image " + std::to_string(n) + " dx");
            }
        }
    }
}

// Global average pooling: the canonical sum of each plane / (H * W), every ISA x threads, both layouts, planes longer
// than a chunk, NHWC channel blocks and tails; the backward; batch invariance; accuracy against float64.
TEST(GlobalAvgPool2d, EveryIsaAndThreadCountComputesTheCanonicalFunction) {
    const struct {
        rk_conv_layout layout;
        int64_t n, c, h, w;
    } shapes[] = {{RK_LAYOUT_NCHW, 2, 3, 5, 7}, {RK_LAYOUT_NHWC, 2, 3, 5, 7},     {RK_LAYOUT_NHWC, 1, 70, 3, 3},
                  {RK_LAYOUT_NCHW, 1, 2, 50, 50}, {RK_LAYOUT_NHWC, 1, 17, 47, 47}, {RK_LAYOUT_NCHW, 3, 1, 1, 1},
                  {RK_LAYOUT_NHWC, 2, 130, 9, 9}};
    uint64_t seed = 50;
    for (const auto& z : shapes) {
        const std::string tag = std::string(z.layout == RK_LAYOUT_NHWC ? "nhwc " : "nchw ") + std::to_string(z.n) + "x" +
                                std::to_string(z.c) + "x" + std::to_string(z.h) + "x" + std::to_string(z.w);
        const int64_t hw = z.h * z.w, planes = z.n * z.c;
        const auto x = pool_data(static_cast<size_t>(planes * hw), seed++, z.c == 3);
        const auto dy = normal(static_cast<size_t>(planes), seed++);
        std::vector<float> ry(static_cast<size_t>(planes)), rdx(x.size());
        for (int64_t ni = 0; ni < z.n; ++ni)
            for (int64_t ci = 0; ci < z.c; ++ci) {
                const auto at = [&](int64_t i) -> size_t {
                    return static_cast<size_t>(z.layout == RK_LAYOUT_NHWC ? (ni * hw + i) * z.c + ci : (ni * z.c + ci) * hw + i);
                };
                const float sum = rk::core::canonical_sum(hw, [&](int64_t i) { return x[at(i)]; });
                ry[static_cast<size_t>(ni * z.c + ci)] = sum / static_cast<float>(hw);
                for (int64_t i = 0; i < hw; ++i) rdx[at(i)] = dy[static_cast<size_t>(ni * z.c + ci)] / static_cast<float>(hw);
            }
        for (rk_isa isa : rk::test::supported_isas())
            for (int threads : {1, 2, 3}) {
                rk::test::Context ctx(isa, threads);
                const std::string where = tag + " " + rk_isa_name(isa) + " x" + std::to_string(threads);
                std::vector<float> y(ry.size()), dx(x.size());
                ASSERT_EQ(rk_global_avg_pool2d_forward(ctx.get(), z.layout, z.n, z.c, z.h, z.w, x.data(), y.data()),
                          RK_STATUS_OK)
                    << rk_last_error_message();
                ASSERT_EQ(rk_global_avg_pool2d_backward(ctx.get(), z.layout, z.n, z.c, z.h, z.w, dy.data(), dx.data()),
                          RK_STATUS_OK)
                    << rk_last_error_message();
                expect_same_bits(y, ry, where + " forward");
                expect_same_bits(dx, rdx, where + " backward");
                if (z.n > 1) {  // the last image alone
                    std::vector<float> y1(static_cast<size_t>(z.c));
                    ASSERT_EQ(rk_global_avg_pool2d_forward(ctx.get(), z.layout, 1, z.c, z.h, z.w,
                                                           x.data() + (z.n - 1) * z.c * hw, y1.data()),
                              RK_STATUS_OK);
                    expect_same_bits(y1, std::vector<float>(ry.end() - z.c, ry.end()), where + " last image alone");
                }
            }
    }
}

TEST(Pool2d, AccuracyAgainstFloat64) {
    rk::test::Context ctx(rk::test::supported_isas().back(), 2);
    // Average pooling over 16 x 16 windows (a chain of 256 additions) and global average pooling over 128 x 128.
    const rk_pool2d_desc d = pool_desc(RK_POOL_AVG, RK_LAYOUT_NCHW, 1, 4, 64, 64, 16, 16, 16, 16, 0, 0);
    const auto x = normal(4 * 64 * 64, 77);
    std::vector<float> y(4 * 4 * 4);
    ASSERT_EQ(rk_pool2d_forward(ctx.get(), &d, x.data(), y.data(), nullptr), RK_STATUS_OK);
    double worst = 0;
    for (int64_t c = 0; c < 4; ++c)
        for (int64_t p = 0; p < 4; ++p)
            for (int64_t q = 0; q < 4; ++q) {
                double exact = 0, mag = 0;
                for (int64_t i = 0; i < 16; ++i)
                    for (int64_t j = 0; j < 16; ++j) {
                        const double v = x[static_cast<size_t>((c * 64 + p * 16 + i) * 64 + q * 16 + j)];
                        exact += v;
                        mag += std::fabs(v);
                    }
                worst = std::max(worst, std::fabs(y[static_cast<size_t>((c * 4 + p) * 4 + q)] - exact / 256) / (mag / 256));
            }
    const auto g = normal(2 * 128 * 128, 78);
    std::vector<float> gy(2);
    ASSERT_EQ(rk_global_avg_pool2d_forward(ctx.get(), RK_LAYOUT_NCHW, 1, 2, 128, 128, g.data(), gy.data()), RK_STATUS_OK);
    double worst_global = 0;
    for (int64_t c = 0; c < 2; ++c) {
        double exact = 0, mag = 0;
        for (int64_t i = 0; i < 128 * 128; ++i) {
            exact += g[static_cast<size_t>(c * 128 * 128 + i)];
            mag += std::fabs(g[static_cast<size_t>(c * 128 * 128 + i)]);
        }
        worst_global = std::max(worst_global, std::fabs(gy[static_cast<size_t>(c)] - exact / 16384) / (mag / 16384));
    }
    std::printf("pooling accuracy: avg 16x16 |error| / mean|x| = %.3g; global 128x128 %.3g\n", worst, worst_global);
    EXPECT_LT(worst, 257 * 0x1p-24);
    EXPECT_LT(worst_global, static_cast<double>(rk::core::canonical_sum_depth(16384) + 1) * 0x1p-24);
}

TEST(Pool2d, BadInputIsAClearError) {
    rk::test::Context ctx(RK_ISA_SCALAR, 1);
    rk_context* c = ctx.get();
    std::vector<float> x(64), y(64), dx(64);
    std::vector<int64_t> idx(64);
    const auto expect = [](rk_status got, rk_status want, const char* fragment) {
        EXPECT_EQ(got, want) << rk_last_error_message();
        EXPECT_NE(std::string(rk_last_error_message()).find(fragment), std::string::npos) << rk_last_error_message();
    };
    const rk_pool2d_desc good = pool_desc(RK_POOL_MAX, RK_LAYOUT_NCHW, 1, 1, 8, 8, 2, 2, 2, 2, 0, 0);
    const rk_pool2d_desc good_avg = pool_desc(RK_POOL_AVG, RK_LAYOUT_NCHW, 1, 1, 8, 8, 2, 2, 2, 2, 0, 0);
    auto with = [&](auto change, const rk_pool2d_desc& base) {
        rk_pool2d_desc d = base;
        change(d);
        return d;
    };
    rk_pool2d_desc d;
    expect(rk_pool2d_forward(c, nullptr, x.data(), y.data(), nullptr), RK_STATUS_NULL_POINTER, "argument 'desc' is null");
    d = with([](rk_pool2d_desc& z) { z.struct_size = 8; }, good);
    expect(rk_pool2d_forward(c, &d, x.data(), y.data(), nullptr), RK_STATUS_INVALID_ARGUMENT, "desc->struct_size is 8");
    d = with([](rk_pool2d_desc& z) { z.mode = static_cast<rk_pool_mode>(5); }, good);
    expect(rk_pool2d_forward(c, &d, x.data(), y.data(), nullptr), RK_STATUS_INVALID_ARGUMENT,
           "desc->mode 5 is not RK_POOL_MAX or RK_POOL_AVG");
    d = with([](rk_pool2d_desc& z) { z.layout = static_cast<rk_conv_layout>(9); }, good);
    expect(rk_pool2d_forward(c, &d, x.data(), y.data(), nullptr), RK_STATUS_INVALID_ARGUMENT, "desc->layout 9 is not");
    d = with([](rk_pool2d_desc& z) { z.h = -2; }, good);
    expect(rk_pool2d_forward(c, &d, x.data(), y.data(), nullptr), RK_STATUS_SIZE_OVERFLOW, "desc->h is negative (-2)");
    d = with([](rk_pool2d_desc& z) { z.n = 0; }, good);
    expect(rk_pool2d_forward(c, &d, x.data(), y.data(), nullptr), RK_STATUS_INVALID_ARGUMENT, "desc->n must be at least 1");
    d = with([](rk_pool2d_desc& z) { z.c = int64_t{1} << 41; }, good);
    expect(rk_pool2d_forward(c, &d, x.data(), y.data(), nullptr), RK_STATUS_SIZE_OVERFLOW, "desc->c (2199023255552) exceeds 2^40");
    d = with([](rk_pool2d_desc& z) { z.n = z.c = int64_t{1} << 40; }, good);
    expect(rk_pool2d_forward(c, &d, x.data(), y.data(), nullptr), RK_STATUS_SIZE_OVERFLOW,
           "the element count of x (n * c * h * w) exceeds the addressable size");
    d = with([](rk_pool2d_desc& z) { z.kernel_w = 0; }, good);
    expect(rk_pool2d_forward(c, &d, x.data(), y.data(), nullptr), RK_STATUS_INVALID_ARGUMENT,
           "desc->kernel_w must be at least 1 (got 0)");
    d = with([](rk_pool2d_desc& z) { z.stride_h = -1; }, good);
    expect(rk_pool2d_forward(c, &d, x.data(), y.data(), nullptr), RK_STATUS_INVALID_ARGUMENT,
           "desc->stride_h must be at least 1 (got -1)");
    d = with([](rk_pool2d_desc& z) { z.pad_h = 2; }, good);
    expect(rk_pool2d_forward(c, &d, x.data(), y.data(), nullptr), RK_STATUS_INVALID_ARGUMENT,
           "desc->pad_h (2) exceeds half the kernel size (2 / 2)");
    d = with([](rk_pool2d_desc& z) { z.pad_w = -1; }, good);
    expect(rk_pool2d_forward(c, &d, x.data(), y.data(), nullptr), RK_STATUS_INVALID_ARGUMENT, "desc->pad_w is negative (-1)");
    d = with([](rk_pool2d_desc& z) { z.dilation_h = 2; }, good_avg);
    expect(rk_pool2d_forward(c, &d, x.data(), y.data(), nullptr), RK_STATUS_INVALID_ARGUMENT,
           "desc->dilation_h and dilation_w must be 1 for RK_POOL_AVG (got 2, 1)");
    d = with([](rk_pool2d_desc& z) { z.divisor_override = 3; }, good);
    expect(rk_pool2d_forward(c, &d, x.data(), y.data(), nullptr), RK_STATUS_INVALID_ARGUMENT,
           "desc->divisor_override must be 0 for RK_POOL_MAX (got 3)");
    d = with([](rk_pool2d_desc& z) { z.kernel_h = 9; }, good);
    expect(rk_pool2d_forward(c, &d, x.data(), y.data(), nullptr), RK_STATUS_INVALID_ARGUMENT,
           "the output size 0 x 4 is too small");
    expect(rk_pool2d_forward(c, &good_avg, x.data(), y.data(), idx.data()), RK_STATUS_INVALID_ARGUMENT,
           "'indices' must be null for RK_POOL_AVG");
    expect(rk_pool2d_backward(c, &good_avg, y.data(), idx.data(), dx.data()), RK_STATUS_INVALID_ARGUMENT,
           "'indices' must be null for RK_POOL_AVG");
    expect(rk_pool2d_backward(c, &good, y.data(), nullptr, dx.data()), RK_STATUS_NULL_POINTER, "argument 'indices' is null");
    expect(rk_pool2d_forward(c, &good, nullptr, y.data(), nullptr), RK_STATUS_NULL_POINTER, "argument 'x' is null");
    expect(rk_pool2d_forward(c, &good, x.data(), nullptr, nullptr), RK_STATUS_NULL_POINTER, "argument 'y' is null");
    expect(rk_pool2d_forward(c, &good, x.data(), x.data() + 50, nullptr), RK_STATUS_INVALID_ARGUMENT, "'y' overlaps 'x'");
    expect(rk_pool2d_forward(c, &good, x.data(), y.data(), reinterpret_cast<int64_t*>(y.data() + 8)),
           RK_STATUS_INVALID_ARGUMENT, "'y' overlaps 'indices'");
    expect(rk_pool2d_backward(c, &good, y.data(), idx.data(), y.data()), RK_STATUS_INVALID_ARGUMENT, "'dx' overlaps 'dy'");
    expect(rk_pool2d_forward(nullptr, &good, x.data(), y.data(), nullptr), RK_STATUS_NULL_POINTER,
           "argument 'context' is null");
    int64_t p = 0;
    expect(rk_pool2d_output_shape(nullptr, &p, nullptr), RK_STATUS_NULL_POINTER, "argument 'desc' is null");
    expect(rk_global_avg_pool2d_forward(c, static_cast<rk_conv_layout>(4), 1, 1, 2, 2, x.data(), y.data()),
           RK_STATUS_INVALID_ARGUMENT, "rk_global_avg_pool2d_forward: layout 4 is not RK_LAYOUT_NCHW or RK_LAYOUT_NHWC");
    expect(rk_global_avg_pool2d_forward(c, RK_LAYOUT_NCHW, 1, 0, 2, 2, x.data(), y.data()), RK_STATUS_INVALID_ARGUMENT,
           "c must be at least 1 (got 0)");
    expect(rk_global_avg_pool2d_backward(c, RK_LAYOUT_NCHW, 1, 1, -2, 2, x.data(), y.data()), RK_STATUS_SIZE_OVERFLOW,
           "h is negative (-2)");
    expect(rk_global_avg_pool2d_forward(c, RK_LAYOUT_NCHW, 1, 4, 4, 4, x.data(), x.data() + 60), RK_STATUS_INVALID_ARGUMENT,
           "'y' overlaps 'x'");
    expect(rk_global_avg_pool2d_backward(c, RK_LAYOUT_NCHW, 1, 4, 4, 4, nullptr, dx.data()), RK_STATUS_NULL_POINTER,
           "argument 'dy' is null");
}

}  // namespace
