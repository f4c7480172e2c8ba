#include "golden.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include "golden_support.h"

namespace rk::verify {
namespace {

rk_status u32_words(rk_context* c, std::vector<uint8_t>& out) {
    std::vector<uint32_t> v(4099);
    const rk_philox_stream s{0x2A, 7, 1000};
    RK_TRY(staged(c, [&](Staging& st) { return rk_philox_fill_u32(c, &s, st.out(v), 4099); }));
    append(out, v);
    const rk_philox_stream edge{~0ull, ~0ull, ~0ull - 5};  // the word position passes 2^64
    RK_TRY(staged(c, [&](Staging& st) { return rk_philox_fill_u32(c, &edge, st.out(v), 77); }));
    v.resize(77);
    append(out, v);
    return RK_STATUS_OK;
}

rk_status uniform(rk_context* c, std::vector<uint8_t>& out) {
    std::vector<float> v(10007);
    const rk_philox_stream s{42, 0, 3};
    RK_TRY(staged(c, [&](Staging& st) { return rk_philox_fill_uniform(c, &s, st.out(v), 10007); }));
    append(out, v);
    RK_TRY(staged(c, [&](Staging& st) { return rk_philox_fill_uniform_range(c, &s, -3.5f, 1e-3f, st.out(v), 10007); }));
    append(out, v);
    return RK_STATUS_OK;
}

rk_status normal(rk_context* c, std::vector<uint8_t>& out) {
    std::vector<float> v(100001);
    const rk_philox_stream s{7, 1, 1};
    RK_TRY(staged(c, [&](Staging& st) { return rk_philox_fill_normal(c, &s, 0.0f, 1.0f, st.out(v), 100001); }));
    append(out, v);
    RK_TRY(staged(c, [&](Staging& st) { return rk_philox_fill_normal(c, &s, -2.0f, 1e-30f, st.out(v), 33); }));
    v.resize(33);
    append(out, v);
    return RK_STATUS_OK;
}

rk_status truncated_normal(rk_context* c, std::vector<uint8_t>& out) {
    std::vector<float> v(20011);
    const rk_philox_stream s{9, 9, 9};
    RK_TRY(staged(c, [&](Staging& st) { return rk_philox_fill_truncated_normal(c, &s, 0.0f, 1.0f, -2.0f, 2.0f, st.out(v), 20011); }));
    append(out, v);
    RK_TRY(staged(c, [&](Staging& st) { return rk_philox_fill_truncated_normal(c, &s, 1.0f, 0.25f, 1.9f, 3.0f, st.out(v), 20011); }));  // one tail
    append(out, v);
    return RK_STATUS_OK;
}

rk_status bernoulli_and_integers(rk_context* c, std::vector<uint8_t>& out) {
    std::vector<uint8_t> b(9999);
    const rk_philox_stream s{11, 0, 0};
    for (double p : {0.0, 0.3, 1.0 / 3.0, 1.0}) {
        RK_TRY(staged(c, [&](Staging& st) { return rk_philox_fill_bernoulli(c, &s, p, st.out(b), 9999); }));
        append(out, b);
    }
    std::vector<int64_t> i(5003);
    RK_TRY(staged(c, [&](Staging& st) { return rk_philox_fill_int64(c, &s, -7, 1000000007, st.out(i), 5003); }));
    append(out, i);
    RK_TRY(staged(c, [&](Staging& st) {
        return rk_philox_fill_int64(c, &s, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(),
                                    st.out(i), 5003);
    }));
    append(out, i);
    return RK_STATUS_OK;
}

rk_status permutations(rk_context* c, std::vector<uint8_t>& out) {
    std::vector<uint64_t> v(4096);
    RK_TRY(staged(c, [&](Staging& st) { return rk_permutation(c, 100003, 5, 6, 0, 0, st.out(v), 4096); }));
    append(out, v);
    RK_TRY(staged(c, [&](Staging& st) { return rk_permutation(c, 100003, 5, 6, 1, 96000, st.out(v), 4003); }));
    append(out, v);
    RK_TRY(staged(c, [&](Staging& st) { return rk_permutation(c, 1ull << 63, 2024, 5, 0, (1ull << 62) + 7, st.out(v), 1000); }));
    append(out, v);
    RK_TRY(staged(c, [&](Staging& st) { return rk_permutation(c, 10, 0, 0, 0, 0, st.out(v), 10); }));
    v.resize(10);
    append(out, v);
    return RK_STATUS_OK;
}

rk_status dropout(rk_context* c, std::vector<uint8_t>& out) {
    const int64_t n = 70001;
    std::vector<float> x;
    RK_TRY(hostile_data(c, n, x));
    std::vector<float> y(n);
    std::vector<uint8_t> bytes(n);
    std::vector<uint32_t> bits((n + 31) / 32);
    const rk_philox_stream s{0xD0, 3, 0};
    for (double p : {0.0, 0.1, 0.5, 1.0}) {
        RK_TRY(staged(c, [&](Staging& st) {
            return rk_dropout_forward(c, &s, p, 33, st.in(x), st.out(y), n, RK_MASK_BYTES, st.out(bytes));
        }));
        append(out, y);
        append(out, bytes);
        RK_TRY(staged(c, [&](Staging& st) { return rk_dropout_mask(c, &s, p, 33, n, RK_MASK_BITS, st.out(bits)); }));
        append(out, bits);
        RK_TRY(staged(c, [&](Staging& st) {
            return rk_dropout_backward(c, &s, p, 33, st.in(x), st.out(y), n, RK_MASK_NONE, nullptr);
        }));
        append(out, y);
    }
    return RK_STATUS_OK;
}

rk_conv2d_desc conv_desc(rk_conv_layout layout, int64_t n, int64_t c, int64_t h, int64_t w, int64_t k, int64_t r,
                         int32_t stride, int32_t pad, int32_t dilation, int32_t groups) {
    rk_conv2d_desc d{};
    d.struct_size = sizeof d;
    d.layout = layout;
    d.n = n; d.c = c; d.h = h; d.w = w; d.k = k; d.r = r; d.s = r;
    d.stride_h = d.stride_w = stride;
    d.pad_top = d.pad_left = pad;
    d.pad_bottom = d.pad_right = pad + 1;  // asymmetric on purpose
    d.dilation_h = d.dilation_w = dilation;
    d.groups = groups;
    return d;
}

// Forward with every algorithm that supports the shape, then both backward passes.
rk_status conv_case(rk_context* c, const rk_conv2d_desc& d, std::vector<uint8_t>& out) {
    int64_t p = 0, q = 0;
    RK_TRY(rk_conv2d_output_shape(&d, &p, &q));
    const int64_t xn = d.n * d.c * d.h * d.w, wn = d.k * (d.c / d.groups) * d.r * d.s, yn = d.n * d.k * p * q;
    std::vector<float> x, w(static_cast<size_t>(wn)), b(static_cast<size_t>(d.k)), y(static_cast<size_t>(yn));
    RK_TRY(hostile_data(c, xn, x));
    // Finite inputs for the arithmetic cases (hostile values would make every output NaN).
    for (float& v : x) if (!std::isfinite(v)) v = 0.5f;
    const rk_philox_stream s{0xC0, 1, 0};
    RK_TRY(staged(c, [&](Staging& st) { return rk_philox_fill_normal(c, &s, 0.0f, 0.5f, st.out(w), wn); }));
    RK_TRY(staged(c, [&](Staging& st) { return rk_philox_fill_uniform_range(c, &s, -1.0f, 1.0f, st.out(b), d.k); }));
    for (rk_conv_algorithm a : {RK_CONV_DIRECT, RK_CONV_IMPLICIT_GEMM, RK_CONV_WINOGRAD_2X3, RK_CONV_WINOGRAD_4X3, RK_CONV_FFT}) {
        rk_conv_algorithm chosen;
        if (rk_conv2d_query(&d, RK_CONV_PASS_FORWARD, a, &chosen, nullptr) != RK_STATUS_OK) continue;  // unsupported shape
        RK_TRY(staged(c, [&](Staging& st) {
            return rk_conv2d_forward(c, &d, a, st.in(x), st.in(w), st.in(b), st.out(y), nullptr, 0, nullptr);
        }));
        append(out, y);
    }
    std::vector<float> dx(static_cast<size_t>(xn)), dw(static_cast<size_t>(wn)), db(static_cast<size_t>(d.k));
    RK_TRY(staged(c, [&](Staging& st) {
        return rk_conv2d_backward_data(c, &d, st.in(y), st.in(w), st.out(dx), nullptr, 0);
    }));
    RK_TRY(staged(c, [&](Staging& st) {
        return rk_conv2d_backward_weights(c, &d, st.in(x), st.in(y), st.out(dw), st.out(db), nullptr, 0);
    }));
    append(out, dx);
    append(out, dw);
    append(out, db);
    return RK_STATUS_OK;
}

rk_status conv_3x3(rk_context* c, std::vector<uint8_t>& out) {
    return conv_case(c, conv_desc(RK_LAYOUT_NCHW, 2, 17, 13, 11, 19, 3, 1, 1, 1, 1), out);
}
rk_status conv_3x3_nhwc(rk_context* c, std::vector<uint8_t>& out) {
    return conv_case(c, conv_desc(RK_LAYOUT_NHWC, 2, 17, 13, 11, 19, 3, 1, 1, 1, 1), out);
}
rk_status conv_5x5(rk_context* c, std::vector<uint8_t>& out) {
    return conv_case(c, conv_desc(RK_LAYOUT_NCHW, 1, 5, 21, 19, 7, 5, 1, 2, 1, 1), out);
}
rk_status conv_strided_dilated_grouped(rk_context* c, std::vector<uint8_t>& out) {
    return conv_case(c, conv_desc(RK_LAYOUT_NCHW, 3, 12, 15, 14, 18, 3, 2, 1, 2, 3), out);
}
rk_status conv_depthwise(rk_context* c, std::vector<uint8_t>& out) {
    return conv_case(c, conv_desc(RK_LAYOUT_NHWC, 2, 24, 9, 10, 24, 3, 1, 1, 1, 24), out);
}
rk_status conv_1x1(rk_context* c, std::vector<uint8_t>& out) {
    return conv_case(c, conv_desc(RK_LAYOUT_NCHW, 2, 33, 7, 9, 65, 1, 1, 0, 1, 1), out);
}

// One row per parameter family, including ties, banned tokens, a flat row and a nucleus of nearly V.
rk_status sampling(rk_context* c, std::vector<uint8_t>& out) {
    const int64_t v = 50021, rows = 10;
    std::vector<float> logits(static_cast<size_t>(v * rows));
    const rk_philox_stream s{0x5A, 0, 0};
    RK_TRY(staged(c, [&](Staging& st) { return rk_philox_fill_normal(c, &s, 0.0f, 3.0f, st.out(logits), v * rows); }));
    for (int64_t i = 0; i < v; i += 3) logits[static_cast<size_t>(v + i)] = -std::numeric_limits<float>::infinity();
    for (int64_t i = 0; i < v; ++i) logits[static_cast<size_t>(2 * v + i)] = 1.25f;              // flat row
    for (int64_t i = 0; i < v; ++i) logits[static_cast<size_t>(3 * v + i)] = static_cast<float>(i % 7);  // many ties
    for (int64_t i = 0; i < v; ++i) logits[static_cast<size_t>(4 * v + i)] *= 1e-3f;             // nearly flat
    const rk_sampling_params params[rows] = {
        {0.7f, 50, 0.9, 0.0},  {1.0f, 0, 0.95, 0.0}, {1.0f, 0, 1.0, 0.05}, {1.0f, 3, 1.0, 0.0},
        {1.0f, 0, 0.999, 0.0}, {0.0f, 0, 1.0, 0.0},  {1.0f, 1, 1.0, 0.0},  {2.5f, 40000, 0.5, 0.01},
        {0.3f, 0, 1.0, 0.0},   {1.0f, 50020, 0.9999999, 0.0}};
    std::vector<rk_philox_stream> streams;
    for (int64_t r = 0; r < rows; ++r) streams.push_back({0x5A, static_cast<uint64_t>(r), 2 * static_cast<uint64_t>(r)});
    std::vector<int32_t> tokens(rows), kept(rows);
    std::vector<float> probs(rows), logprobs(rows);
    RK_TRY(staged(c, [&](Staging& st) {
        return rk_sample(c, st.in(logits), rows, v, v, params, streams.data(), st.out(tokens), st.out(probs),
                         st.out(logprobs), st.out(kept));
    }));
    append(out, tokens);
    append(out, probs);
    append(out, logprobs);
    append(out, kept);
    return RK_STATUS_OK;
}

}  // namespace

const std::vector<GoldenCase>& golden_cases() {
    static const std::vector<GoldenCase> cases = {
        {"philox.u32", u32_words},
        {"philox.uniform", uniform},
        {"dist.normal", normal},
        {"dist.truncated_normal", truncated_normal},
        {"dist.bernoulli_int64", bernoulli_and_integers},
        {"permutation", permutations},
        {"dropout", dropout},
        {"sampling", sampling},
        {"conv2d.3x3", conv_3x3},
        {"conv2d.3x3_nhwc", conv_3x3_nhwc},
        {"conv2d.5x5", conv_5x5},
        {"conv2d.strided_dilated_grouped", conv_strided_dilated_grouped},
        {"conv2d.depthwise", conv_depthwise},
        {"conv2d.1x1", conv_1x1},
        {"linear", linear},
        {"normalization", normalization},
        {"cross_entropy", cross_entropy},
        {"pool2d.max", max_pool2d},
        {"pool2d.avg", avg_pool2d},
        {"pool2d.global_avg", global_avg_pool2d},
        {"activations", activations},
        {"optimizers", optimizers},
    };
    return cases;
}

namespace {
struct Expected {
    const char* name;
    const char* sha256;
};
// Generated at build time from tests/golden/digests.txt.
const Expected kExpected[] = {
#include "golden_expected.inc"
    {nullptr, nullptr}};
}  // namespace

const char* golden_expected(const char* name) {
    for (const Expected* e = kExpected; e->name != nullptr; ++e)
        if (std::strcmp(e->name, name) == 0) return e->sha256;
    return "";
}

}  // namespace rk::verify
