// Portable float32 math (core/portable_math.h) and the lanes interface: special values bit for bit,
// accuracy against a float64 libm reference on a deterministic sample (every 4099th bit pattern plus
// the hard ranges), and bit-for-bit identity of the AVX2 / AVX-512 (or NEON) instantiations with the
// scalar one. The exhaustive check over all 2^32 inputs is reprokit_mathcheck (docs/math.md).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "../tools/mathcheck_batch.h"
#include "../tools/mathcheck_reference.h"
#include "core/lanes_scalar.h"
#include "core/portable_math.h"
#include "portable_math_lanes.h"
#include "reprokit/reprokit.h"

namespace rk::test {
namespace {

using mathcheck::bits_of;
using mathcheck::float_of;
using mathcheck::Fn;

constexpr const char* kFnName[mathcheck::kNumFns] = {"exp", "log", "sinpi", "cospi", "erf", "erfinv", "tanh"};
// Maximum ulp error measured over all 2^32 inputs (docs/math.md), rounded up: a regression guard
// well inside the contract (1 ulp for exp, log, sinpi, cospi; 2 for erf and tanh; 4 for erfinv).
constexpr double kMaxUlp[mathcheck::kNumFns] = {0.65, 0.62, 0.57, 0.57, 0.98, 2.0, 1.02};

float (*const kScalarFn[mathcheck::kNumFns])(float) = {core::expf_portable,  core::logf_portable,
                                                       core::sinpif_portable, core::cospif_portable,
                                                       core::erff_portable,   core::erfinvf_portable,
                                                       core::tanhf_portable};

void add_range(std::vector<float>& v, uint32_t center, uint32_t radius) {
    for (uint32_t b = center - radius; b != center + radius; ++b) v.push_back(float_of(b));
}

// Every 4099th bit pattern, then the ranges where the functions are hardest or switch method.
const std::vector<float>& math_sample() {
    static const std::vector<float> sample = [] {
        std::vector<float> v;
        for (uint64_t b = 0; b < (1ull << 32); b += 4099) v.push_back(float_of(static_cast<uint32_t>(b)));
        for (uint32_t b = 0; b < 0x01000000u; b += 257) {  // subnormals and the smallest normals
            v.push_back(float_of(b));
            v.push_back(float_of(b | 0x80000000u));
        }
        add_range(v, 0x3F800000u, 0x10000u);  // log near 1
        for (double c : {std::log(0x1p128), -150.0 * std::log(2.0), std::log(0x1p-126), std::log(0x1p-149)})
            add_range(v, bits_of(static_cast<float>(c)), 4096);  // exp: overflow, underflow, 2^-126, 2^-149
        for (int n = 1; n <= 200; ++n) {  // sinpi/cospi near integers and half-integers
            add_range(v, bits_of(0.5f * static_cast<float>(n)), 64);
            add_range(v, bits_of(-0.5f * static_cast<float>(n)), 64);
        }
        for (uint32_t b = 0x4A800000u; b < 0x4C000000u; b += 1021) v.push_back(float_of(b));  // 2^22 .. 2^25
        for (uint32_t c : {0x3F6C0000u, 0xBF6C0000u, 0x40800000u, 0x40780000u})
            add_range(v, c, 4096);  // erf: method switch at 0.921875, clamp at 4
        add_range(v, bits_of(static_cast<float>(std::sqrt(1.0 - std::exp(-5.0)))), 4096);  // erfinv switch
        add_range(v, 0x3F400000u, 8192);  // tanh: method switch at 0.75 (the largest error is just above it)
        add_range(v, 0xBF400000u, 8192);
        add_range(v, 0x3F800000u, 65536);  // erfinv: the last floats below 1 ...
        add_range(v, 0xBF800000u, 65536);  // ... and above -1
        for (float x : {0.0f, -0.0f, INFINITY, -INFINITY, NAN, 3.4028235e38f, -3.4028235e38f, 1e-45f, -1e-45f})
            v.push_back(x);
        return v;
    }();
    return sample;
}

std::vector<float> eval(Fn fn, void (*batch)(Fn, const float*, float*, std::size_t)) {
    const std::vector<float>& in = math_sample();
    std::vector<float> out(in.size());
    batch(fn, in.data(), out.data(), in.size());
    return out;
}

void scalar_batch(Fn fn, const float* in, float* out, std::size_t n) {
    mathcheck::batch<core::ScalarLanes>(fn, in, out, n);
}

[[maybe_unused]] bool isa_supported(rk_isa isa) {
    int32_t ok = 0;
    return rk_cpu_isa_supported(isa, &ok) == RK_STATUS_OK && ok != 0;
}

struct Special {
    float x;
    uint32_t want;
};

void expect_specials(float (*f)(float), const char* name, const std::vector<Special>& cases) {
    for (const Special& c : cases) {
        const float y = f(c.x);
        EXPECT_EQ(bits_of(y), c.want) << name << "(" << c.x << ") = " << y;
    }
}

constexpr uint32_t kQNaN = 0x7FC00000u, kPInf = 0x7F800000u, kNInf = 0xFF800000u, kOne = 0x3F800000u,
                   kMinusOne = 0xBF800000u, kPZero = 0u, kNZero = 0x80000000u;

TEST(PortableMath, ExpSpecialValues) {
    expect_specials(core::expf_portable, "exp",
                    {{0.0f, kOne}, {-0.0f, kOne}, {INFINITY, kPInf}, {-INFINITY, kPZero}, {NAN, kQNaN},
                     {-NAN, kQNaN}, {1000.0f, kPInf}, {-1000.0f, kPZero},
                     {float_of(0x42B17217u), 0x7F7FFF84u},  // largest finite result ...
                     {float_of(0x42B17218u), kPInf},        // ... and the first overflow
                     {float_of(0xC2CFF1B4u), 1u},           // exp(x) just above 2^-150: min subnormal
                     {float_of(0xC2CFF1B5u), kPZero}});      // just below: +0
}

TEST(PortableMath, LogSpecialValues) {
    expect_specials(core::logf_portable, "log",
                    {{1.0f, kPZero}, {0.0f, kNInf}, {-0.0f, kNInf}, {-1.0f, kQNaN}, {-1e-45f, kQNaN},
                     {-INFINITY, kQNaN}, {INFINITY, kPInf}, {NAN, kQNaN}, {-NAN, kQNaN}});
    // Subnormal inputs are normalised exactly: log(2^-149) and log(2^-126) are correctly rounded.
    EXPECT_EQ(core::logf_portable(0x1p-149f), static_cast<float>(-149.0 * std::log(2.0)));
    EXPECT_EQ(core::logf_portable(0x1p-126f), static_cast<float>(-126.0 * std::log(2.0)));
}

TEST(PortableMath, SinpiCospiSpecialValues) {
    std::vector<Special> sin_cases = {{0.0f, kPZero}, {-0.0f, kNZero}, {0.5f, kOne}, {-0.5f, kMinusOne},
                                      {1.5f, kMinusOne}, {INFINITY, kQNaN}, {-INFINITY, kQNaN}, {NAN, kQNaN}};
    std::vector<Special> cos_cases = {{0.0f, kOne}, {-0.0f, kOne}, {1.0f, kMinusOne}, {INFINITY, kQNaN},
                                      {-INFINITY, kQNaN}, {NAN, kQNaN}};
    // Integers n: sinpi(n) = +0 for n > 0, -0 for n < 0; cospi(n) = (-1)^n; cospi(n + 1/2) = +0.
    for (float n : {1.0f, 2.0f, 3.0f, 7.0f, 1000.0f, 0x1p22f + 1.0f, 0x1p23f + 1.0f, 0x1p24f, 0x1p30f, 3e38f}) {
        sin_cases.push_back({n, kPZero});
        sin_cases.push_back({-n, kNZero});
        const bool odd = n < 0x1p24f && std::fmod(n, 2.0f) == 1.0f;
        cos_cases.push_back({n, odd ? kMinusOne : kOne});
        cos_cases.push_back({-n, odd ? kMinusOne : kOne});
    }
    for (float h : {0.5f, 1.5f, 2.5f, 1000.5f, 0x1p21f + 0.5f, 0x1p22f + 0.5f, 0x1p23f - 0.5f}) {
        cos_cases.push_back({h, kPZero});
        cos_cases.push_back({-h, kPZero});
    }
    expect_specials(core::sinpif_portable, "sinpi", sin_cases);
    expect_specials(core::cospif_portable, "cospi", cos_cases);
}

TEST(PortableMath, ErfErfinvSpecialValues) {
    expect_specials(core::erff_portable, "erf",
                    {{0.0f, kPZero}, {-0.0f, kNZero}, {INFINITY, kOne}, {-INFINITY, kMinusOne}, {10.0f, kOne},
                     {-10.0f, kMinusOne}, {NAN, kQNaN}, {-NAN, kQNaN}});
    expect_specials(core::erfinvf_portable, "erfinv",
                    {{0.0f, kPZero}, {-0.0f, kNZero}, {1.0f, kPInf}, {-1.0f, kNInf}, {1.5f, kQNaN},
                     {float_of(0x3F800001u), kQNaN}, {float_of(0xBF800001u), kQNaN}, {INFINITY, kQNaN},
                     {-INFINITY, kQNaN}, {NAN, kQNaN}});
}

TEST(PortableMath, TanhSpecialValues) {
    expect_specials(core::tanhf_portable, "tanh",
                    {{0.0f, kPZero}, {-0.0f, kNZero}, {INFINITY, kOne}, {-INFINITY, kMinusOne}, {20.0f, kOne},
                     {-20.0f, kMinusOne}, {100.0f, kOne}, {float_of(1u), 1u}, {float_of(0x80000001u), 0x80000001u},
                     {NAN, kQNaN}, {-NAN, kQNaN}});
}

// rk_expf_normal is rk_expf bit for bit on its domain [-87, 88]: every 997th float there, and the 2^16 floats at each
// end and on each side of 0. (The whole domain, all 2,237,530,114 floats, was checked once with AVX-512 lanes: no difference.)
TEST(PortableMath, ExpNormalMatchesExpOnItsDomain) {
    auto check = [](uint32_t bits) {
        const float x = float_of(bits);
        ASSERT_EQ(bits_of(core::rk_expf_normal<core::ScalarLanes>(x)), bits_of(core::rk_expf<core::ScalarLanes>(x)))
            << "x = " << x;
    };
    const uint32_t lo = bits_of(-core::kExpNormalMin), hi = bits_of(core::kExpNormalMax);  // magnitudes' bits
    for (uint32_t m = 0; m <= hi; m += 997) check(m);
    for (uint32_t m = 0; m <= lo; m += 997) check(m | 0x80000000u);
    for (uint32_t m = 0; m < 65536; ++m) {
        check(m);
        check(m | 0x80000000u);
        check(hi - m);
        check((lo - m) | 0x80000000u);
    }
}

TEST(PortableMath, AccuracyOnSample) {
    const std::vector<float>& in = math_sample();
    for (int f = 0; f < mathcheck::kNumFns; ++f) {
        const Fn fn = static_cast<Fn>(f);
        const std::vector<float> out = eval(fn, scalar_batch);
        double max_err = 0.0;
        float worst = 0.0f;
        for (std::size_t i = 0; i < in.size(); ++i) {
            ASSERT_EQ(bits_of(out[i]), bits_of(kScalarFn[f](in[i]))) << kFnName[f] << " wrapper";
            if (std::isnan(out[i])) {
                ASSERT_EQ(bits_of(out[i]), kQNaN) << kFnName[f] << "(" << in[i] << ")";
            }
            const double err = mathcheck::ulp_error(out[i], mathcheck::reference(fn, in[i], out[i]));
            if (err > max_err) {
                max_err = err;
                worst = in[i];
            }
        }
        EXPECT_LE(max_err, kMaxUlp[f]) << kFnName[f] << " at x = " << worst << " (0x" << std::hex
                                       << bits_of(worst) << ")";
    }
}

// rk_sincospif gives the bits of rk_sinpif and rk_cospif (scalar here, each vector ISA below).
std::size_t sincospi_mismatches(void (*sincospi)(const float*, float*, float*, std::size_t)) {
    std::vector<float> in = math_sample();
    in.resize((in.size() + 15) / 16 * 16, 0.0f);
    std::vector<float> s(in.size()), c(in.size());
    sincospi(in.data(), s.data(), c.data(), in.size());
    std::size_t bad = 0;
    for (std::size_t i = 0; i < in.size(); ++i) {
        bad += bits_of(s[i]) != bits_of(core::sinpif_portable(in[i]));
        bad += bits_of(c[i]) != bits_of(core::cospif_portable(in[i]));
    }
    return bad;
}

TEST(PortableMath, SincospiMatchesSinpiCospi) {
    EXPECT_EQ(sincospi_mismatches(eval_sincospi<core::ScalarLanes>), 0u);
    float s, c;
    core::sincospif_portable(0.25f, &s, &c);
    EXPECT_EQ(s, core::sinpif_portable(0.25f));
    EXPECT_EQ(c, core::cospif_portable(0.25f));
}

#if defined(RK_TEST_X86_MATH) || defined(RK_TEST_NEON_MATH)
void expect_same_bits(rk_isa isa, const char* isa_name, void (*batch)(Fn, const float*, float*, std::size_t)) {
    if (!isa_supported(isa)) GTEST_SKIP() << isa_name << " not supported on this CPU";
    const std::vector<float>& in = math_sample();
    for (int f = 0; f < mathcheck::kNumFns; ++f) {
        const std::vector<float> want = eval(static_cast<Fn>(f), scalar_batch);
        const std::vector<float> got = eval(static_cast<Fn>(f), batch);
        std::size_t bad = 0;
        for (std::size_t i = 0; i < in.size(); ++i) {
            if (bits_of(got[i]) != bits_of(want[i]) && bad++ < 5) {
                ADD_FAILURE() << isa_name << " " << kFnName[f] << "(" << in[i] << " = 0x" << std::hex << bits_of(in[i])
                              << ") = 0x" << bits_of(got[i]) << ", scalar 0x" << bits_of(want[i]);
            }
        }
        EXPECT_EQ(bad, 0u) << isa_name << " " << kFnName[f];
    }
}

void expect_sincospi_same_bits(rk_isa isa, const char* isa_name,
                               void (*sincospi)(const float*, float*, float*, std::size_t)) {
    if (!isa_supported(isa)) GTEST_SKIP() << isa_name << " not supported on this CPU";
    EXPECT_EQ(sincospi_mismatches(sincospi), 0u) << isa_name;
}

#endif
#if defined(RK_TEST_X86_MATH)
TEST(PortableMath, Avx2MatchesScalarBitForBit) { expect_same_bits(RK_ISA_AVX2, "avx2", math_batch_avx2); }
TEST(PortableMath, Avx512MatchesScalarBitForBit) { expect_same_bits(RK_ISA_AVX512, "avx512", math_batch_avx512); }
TEST(PortableMath, Avx2SincospiMatchesScalar) { expect_sincospi_same_bits(RK_ISA_AVX2, "avx2", sincospi_avx2); }
TEST(PortableMath, Avx512SincospiMatchesScalar) {
    expect_sincospi_same_bits(RK_ISA_AVX512, "avx512", sincospi_avx512);
}
#endif
#if defined(RK_TEST_NEON_MATH)
TEST(PortableMath, NeonMatchesScalarBitForBit) { expect_same_bits(RK_ISA_NEON, "neon", math_batch_neon); }
TEST(PortableMath, NeonSincospiMatchesScalar) { expect_sincospi_same_bits(RK_ISA_NEON, "neon", sincospi_neon); }
#endif

TEST(Lanes, ScalarSemantics) {
    using L = core::ScalarLanes;
    // Round to nearest even, both directions, near the int32 limits too.
    EXPECT_EQ(L::cvt_f32_i32_rn(2.5f), 2u);
    EXPECT_EQ(L::cvt_f32_i32_rn(3.5f), 4u);
    EXPECT_EQ(L::cvt_f32_i32_rn(-2.5f), static_cast<uint32_t>(-2));
    EXPECT_EQ(L::cvt_f32_i32_rn(-0.5f), 0u);
    EXPECT_EQ(L::cvt_f32_i32_rn(0x1p23f - 0.5f), 0x800000u);
    EXPECT_EQ(L::cvt_f32_i32_rn(-0x1p31f), 0x80000000u);
    EXPECT_EQ(L::cvt_f32_i32_rn(0x1p31f - 128.0f), 0x7FFFFF80u);
    EXPECT_EQ(L::cvt_u32_f32(0xFFFFFFFFu), 0x1p32f);
    EXPECT_EQ(L::cvt_u32_f32(0x01000001u), 16777216.0f);  // tie, to even
    EXPECT_EQ(L::cvt_u32_f32(0x01000003u), 16777220.0f);
    EXPECT_EQ(L::cvt_i32_f32(0x80000000u), -0x1p31f);
    EXPECT_EQ(L::sar<4>(0x80000000u), 0xF8000000u);
    EXPECT_EQ(L::shr<4>(0x80000000u), 0x08000000u);
    EXPECT_TRUE(L::ilt(0xFFFFFFFFu, 0u));
    EXPECT_FALSE(L::ult(0xFFFFFFFFu, 0u));
    EXPECT_FALSE(L::flt(NAN, 1.0f));
    EXPECT_FALSE(L::fge(NAN, 1.0f));
    EXPECT_EQ(bits_of(L::fabs_(-NAN)), bits_of(NAN));
    uint32_t hi, lo;
    L::mulhilo(0xFFFFFFFFu, 0xD2511F53u, hi, lo);
    EXPECT_EQ((static_cast<uint64_t>(hi) << 32) | lo, 0xFFFFFFFFull * 0xD2511F53ull);
}

#if defined(RK_TEST_X86_MATH) || defined(RK_TEST_NEON_MATH)
// Edge values for the lane operations: every (a, b) pair of the list below, with c cycling through it.
struct LaneInputs {
    std::vector<uint32_t> a, b, c;
    std::vector<float> rn;
};

LaneInputs lane_inputs() {
    const std::vector<uint32_t> edges = {
        0u, 1u, 2u, 0x7FFFFFFFu, 0x80000000u, 0x80000001u, 0xFFFFFFFFu, 0x12345678u, 0xFEDCBA98u,
        0x00FFFFFFu, 0x01000001u, 0x01000003u, 0x7FFFFF80u, 0xFFFF0000u, 0x0000FFFFu,
        bits_of(1.0f), bits_of(-1.0f), bits_of(0.5f), bits_of(1.5f), bits_of(-2.5f), bits_of(3e38f),
        bits_of(1e-40f), bits_of(-1e-45f), bits_of(0x1p-126f), bits_of(-0.0f), kPInf, kNInf, bits_of(16777217.0f)};
    const std::vector<float> rn_edges = {0.0f, -0.0f, 0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 0x1p23f - 0.5f,
                                         -0x1p23f + 0.5f, 0x1p23f + 1.0f, 0x1p24f, -0x1p31f, 0x1p31f - 128.0f,
                                         1e-40f, 12345.678f, -98765.43f};
    LaneInputs in;
    std::size_t k = 0;
    for (uint32_t a : edges) {
        for (uint32_t b : edges) {
            in.a.push_back(a);
            in.b.push_back(b);
            in.c.push_back(edges[k % edges.size()]);
            in.rn.push_back(rn_edges[k % rn_edges.size()]);
            ++k;
        }
    }
    while (in.a.size() % 16) {  // a whole number of AVX-512 vectors
        in.a.push_back(0);
        in.b.push_back(0);
        in.c.push_back(0);
        in.rn.push_back(0.0f);
    }
    return in;
}

void expect_lane_ops_match(rk_isa isa, const char* isa_name,
                           void (*ops)(const uint32_t*, const uint32_t*, const uint32_t*, const float*, uint32_t*,
                                       std::size_t)) {
    if (!isa_supported(isa)) GTEST_SKIP() << isa_name << " not supported on this CPU";
    const LaneInputs in = lane_inputs();
    const std::size_t n = in.a.size();
    std::vector<uint32_t> want(n * kNumLaneOps), got(n * kNumLaneOps);
    eval_lane_ops<core::ScalarLanes>(in.a.data(), in.b.data(), in.c.data(), in.rn.data(), want.data(), n);
    ops(in.a.data(), in.b.data(), in.c.data(), in.rn.data(), got.data(), n);
    for (int op = 0; op < kNumLaneOps; ++op) {
        for (std::size_t i = 0; i < n; ++i) {
            const uint32_t w = want[op * n + i], g = got[op * n + i];
            // NaN payloads of arithmetic results are unspecified; the math functions never return one.
            if (lane_op_is_arith(op) && std::isnan(float_of(w)) && std::isnan(float_of(g))) continue;
            EXPECT_EQ(g, w) << isa_name << " op " << op << " a=0x" << std::hex << in.a[i] << " b=0x" << in.b[i]
                            << " c=0x" << in.c[i] << " rn=" << in.rn[i];
        }
    }
}

#endif
#if defined(RK_TEST_X86_MATH)
TEST(Lanes, Avx2MatchesScalar) { expect_lane_ops_match(RK_ISA_AVX2, "avx2", lane_ops_avx2); }
TEST(Lanes, Avx512MatchesScalar) { expect_lane_ops_match(RK_ISA_AVX512, "avx512", lane_ops_avx512); }
#endif
#if defined(RK_TEST_NEON_MATH)
TEST(Lanes, NeonMatchesScalar) { expect_lane_ops_match(RK_ISA_NEON, "neon", lane_ops_neon); }
#endif

}  // namespace
}  // namespace rk::test
