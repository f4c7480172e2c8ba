#include "golden.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace rk::verify {
namespace {

// Appends a typed buffer's bytes to the case output.
template <class T>
void append(std::vector<uint8_t>& out, const std::vector<T>& v) {
    const auto* p = reinterpret_cast<const uint8_t*>(v.data());
    out.insert(out.end(), p, p + v.size() * sizeof(T));
}

#define RK_TRY(expr)                            \
    do {                                        \
        const rk_status _s = (expr);            \
        if (_s != RK_STATUS_OK) return _s;      \
    } while (0)

// Inputs with the values that break careless code: NaN, infinities, signed zeros, subnormals, extremes.
std::vector<float> hostile_data(rk_context* c, int64_t n) {
    std::vector<float> x(static_cast<size_t>(n));
    const rk_philox_stream s{0xDA7A, 0, 0};
    rk_philox_fill_normal(c, &s, 0.0f, 10.0f, x.data(), n);
    const float specials[] = {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                              -std::numeric_limits<float>::infinity(), -0.0f, 0.0f, 1e-45f, -1e-45f, 1e-40f,
                              std::numeric_limits<float>::max(), -std::numeric_limits<float>::max(), 1.17549435e-38f};
    for (size_t i = 0; i < sizeof specials / sizeof specials[0] && i * 7 < x.size(); ++i) x[i * 7] = specials[i];
    return x;
}

rk_status u32_words(rk_context* c, std::vector<uint8_t>& out) {
    std::vector<uint32_t> v(4099);
    const rk_philox_stream s{0x2A, 7, 1000};
    RK_TRY(rk_philox_fill_u32(c, &s, v.data(), 4099));
    append(out, v);
    const rk_philox_stream edge{~0ull, ~0ull, ~0ull - 5};  // the word position passes 2^64
    RK_TRY(rk_philox_fill_u32(c, &edge, v.data(), 77));
    v.resize(77);
    append(out, v);
    return RK_STATUS_OK;
}

rk_status uniform(rk_context* c, std::vector<uint8_t>& out) {
    std::vector<float> v(10007);
    const rk_philox_stream s{42, 0, 3};
    RK_TRY(rk_philox_fill_uniform(c, &s, v.data(), 10007));
    append(out, v);
    RK_TRY(rk_philox_fill_uniform_range(c, &s, -3.5f, 1e-3f, v.data(), 10007));
    append(out, v);
    return RK_STATUS_OK;
}

rk_status normal(rk_context* c, std::vector<uint8_t>& out) {
    std::vector<float> v(100001);
    const rk_philox_stream s{7, 1, 1};
    RK_TRY(rk_philox_fill_normal(c, &s, 0.0f, 1.0f, v.data(), 100001));
    append(out, v);
    RK_TRY(rk_philox_fill_normal(c, &s, -2.0f, 1e-30f, v.data(), 33));
    v.resize(33);
    append(out, v);
    return RK_STATUS_OK;
}

rk_status truncated_normal(rk_context* c, std::vector<uint8_t>& out) {
    std::vector<float> v(20011);
    const rk_philox_stream s{9, 9, 9};
    RK_TRY(rk_philox_fill_truncated_normal(c, &s, 0.0f, 1.0f, -2.0f, 2.0f, v.data(), 20011));
    append(out, v);
    RK_TRY(rk_philox_fill_truncated_normal(c, &s, 1.0f, 0.25f, 1.9f, 3.0f, v.data(), 20011));  // one tail
    append(out, v);
    return RK_STATUS_OK;
}

rk_status bernoulli_and_integers(rk_context* c, std::vector<uint8_t>& out) {
    std::vector<uint8_t> b(9999);
    const rk_philox_stream s{11, 0, 0};
    for (double p : {0.0, 0.3, 1.0 / 3.0, 1.0}) {
        RK_TRY(rk_philox_fill_bernoulli(c, &s, p, b.data(), 9999));
        append(out, b);
    }
    std::vector<int64_t> i(5003);
    RK_TRY(rk_philox_fill_int64(c, &s, -7, 1000000007, i.data(), 5003));
    append(out, i);
    RK_TRY(rk_philox_fill_int64(c, &s, std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max(),
                                i.data(), 5003));
    append(out, i);
    return RK_STATUS_OK;
}

rk_status permutations(rk_context* c, std::vector<uint8_t>& out) {
    std::vector<uint64_t> v(4096);
    RK_TRY(rk_permutation(c, 100003, 5, 6, 0, 0, v.data(), 4096));
    append(out, v);
    RK_TRY(rk_permutation(c, 100003, 5, 6, 1, 96000, v.data(), 4003));
    append(out, v);
    RK_TRY(rk_permutation(c, 1ull << 63, 2024, 5, 0, (1ull << 62) + 7, v.data(), 1000));
    append(out, v);
    RK_TRY(rk_permutation(c, 10, 0, 0, 0, 0, v.data(), 10));
    v.resize(10);
    append(out, v);
    return RK_STATUS_OK;
}

rk_status dropout(rk_context* c, std::vector<uint8_t>& out) {
    const int64_t n = 70001;
    const std::vector<float> x = hostile_data(c, n);
    std::vector<float> y(n);
    std::vector<uint8_t> bytes(n);
    std::vector<uint32_t> bits((n + 31) / 32);
    const rk_philox_stream s{0xD0, 3, 0};
    for (double p : {0.0, 0.1, 0.5, 1.0}) {
        RK_TRY(rk_dropout_forward(c, &s, p, 33, x.data(), y.data(), n, RK_MASK_BYTES, bytes.data()));
        append(out, y);
        append(out, bytes);
        RK_TRY(rk_dropout_mask(c, &s, p, 33, n, RK_MASK_BITS, bits.data()));
        append(out, bits);
        RK_TRY(rk_dropout_backward(c, &s, p, 33, x.data(), y.data(), n, RK_MASK_NONE, nullptr));
        append(out, y);
    }
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
