// The scalar backend's FMA is correctly rounded on every C library: rk::core::fmaf_by_round_to_odd (used where the
// library's fmaf is wrong, MinGW-w64) against the hardware's fused multiply-add (x86 FMA3, ARM64 fmadd), on random,
// cancelling, subnormal, overflowing and special inputs; and ScalarLanes::ffma (whatever it calls here) likewise.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "core/lanes_scalar.h"
#include "test_helpers.h"

#if defined(__x86_64__) || defined(_M_X64)
#  include <immintrin.h>
#endif

namespace {

uint32_t bits(float f) {
    uint32_t u;
    std::memcpy(&u, &f, sizeof u);
    return u;
}
float from_bits(uint32_t u) {
    float f;
    std::memcpy(&f, &u, sizeof f);
    return f;
}

// The machine's own fused multiply-add, or nullptr when this CPU has none the test can call.
using FmaFn = float (*)(float, float, float);
#if defined(__x86_64__) || defined(_M_X64)
__attribute__((target("fma"))) float hardware_fma(float a, float b, float c) {
    return _mm_cvtss_f32(_mm_fmadd_ss(_mm_set_ss(a), _mm_set_ss(b), _mm_set_ss(c)));
}
FmaFn hardware() {
    int32_t avx2 = 0;  // ReproKit's AVX2 level requires FMA3 (cpu_features.cpp)
    return rk_cpu_isa_supported(RK_ISA_AVX2, &avx2) == RK_STATUS_OK && avx2 ? &hardware_fma : nullptr;
}
#elif defined(__aarch64__)
float hardware_fma(float a, float b, float c) {
    float r;
    __asm__("fmadd %s0, %s1, %s2, %s3" : "=w"(r) : "w"(a), "w"(b), "w"(c));
    return r;
}
FmaFn hardware() { return &hardware_fma; }
#else
FmaFn hardware() { return nullptr; }
#endif

struct Xorshift {
    uint64_t s = 0x9E3779B97F4A7C15ull;
    uint64_t next() {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        return s;
    }
    float any_finite() {  // every finite float, subnormals included, equally likely by bit pattern
        for (;;) {
            const float f = from_bits(static_cast<uint32_t>(next()));
            if (std::isfinite(f)) return f;
        }
    }
};

// Inputs where a one-rounding FMA and anything less differ: products cancelled by c, ties, tiny and huge results.
std::vector<float> edge_values() {
    const float inf = std::numeric_limits<float>::infinity();
    return {0.0f, -0.0f, 1.0f, -1.0f, 0x1p-149f, -0x1p-149f, 0x1p-126f, 0x1.fffffep-127f, 0x1.fffffep127f,
            -0x1.fffffep127f, 0x1p64f, 0x1p-64f, 1.0f + 0x1p-23f, 1.0f - 0x1p-24f, 3.0f, 0.1f, inf, -inf,
            std::numeric_limits<float>::quiet_NaN()};
}

void expect_same(FmaFn reference, float (*tested)(float, float, float), const char* what) {
    Xorshift rng;
    uint64_t bad = 0, checked = 0;
    auto check = [&](float a, float b, float c) {
        const float want = reference(a, b, c), got = tested(a, b, c);
        ++checked;
        if (std::isnan(want) && std::isnan(got)) return;  // NaN payloads are outside the contract
        if (bits(want) != bits(got) && ++bad <= 5)
            ADD_FAILURE() << what << ": fma(" << std::hexfloat << a << ", " << b << ", " << c << ") = " << got
                          << ", the hardware gives " << want;
    };
    const std::vector<float> edges = edge_values();
    for (float a : edges)
        for (float b : edges)
            for (float c : edges) check(a, b, c);
    for (int i = 0; i < 300000; ++i) {
        const float a = rng.any_finite(), b = rng.any_finite();
        check(a, b, rng.any_finite());
        // c cancels most of a*b: the low bits of the exact product decide the result.
        const float p = a * b;
        const float nudge = from_bits(bits(p) ^ static_cast<uint32_t>(rng.next() & 0x7u));
        check(a, b, -nudge);
        // Moderate magnitudes, the cases ML code computes.
        const float x = static_cast<float>(static_cast<int64_t>(rng.next() % 2000001) - 1000000) / 1024.0f;
        const float y = static_cast<float>(rng.next() % 1000000) / 77.0f;
        check(x, y, -(x * y) * (1.0f + static_cast<float>(rng.next() % 1000) * 1e-7f));
    }
    EXPECT_EQ(bad, 0u) << what << ": " << bad << " of " << checked << " results differ";
}

TEST(ScalarFma, RoundToOddEmulationIsCorrectlyRounded) {
    const FmaFn reference = hardware();
    if (!reference) GTEST_SKIP() << "this CPU has no FMA instruction to compare with (x86 without FMA3)";
    expect_same(reference, &rk::core::fmaf_by_round_to_odd, "fmaf_by_round_to_odd");
}

TEST(ScalarFma, ScalarLanesFfmaIsCorrectlyRounded) {
    const FmaFn reference = hardware();
    if (!reference) GTEST_SKIP() << "this CPU has no FMA instruction to compare with (x86 without FMA3)";
    expect_same(reference, &rk::core::ScalarLanes::ffma, "ScalarLanes::ffma");
}

}  // namespace
