// Float64 references for reprokit_mathcheck and the native tests: libm in double, which is accurate
// to well under 1e-6 float ulp, with exact argument reduction for sinpi/cospi and Newton's method for
// erfinv. (libm is fine here: this code only measures the library, it is no part of it.)
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "mathcheck.h"

namespace rk::mathcheck {

inline uint32_t bits_of(float f) {
    uint32_t u;
    std::memcpy(&u, &f, sizeof u);
    return u;
}
inline float float_of(uint32_t u) {
    float f;
    std::memcpy(&f, &u, sizeof f);
    return f;
}

constexpr double kPi = 3.14159265358979323846;

// sin(pi x) / cos(pi x) in float64 with exact reduction x = n/2 + r (x is a float, so 2x and r are
// exact doubles); floats of magnitude >= 2^24 are even integers.
inline double ref_sinpi(double x) {
    const double a = std::fabs(x);
    if (std::isnan(x) || std::isinf(x)) return NAN;
    double v = 0.0;
    if (a < 0x1p24) {
        const double n = std::nearbyint(2.0 * a);
        const double r = a - 0.5 * n;
        switch (static_cast<int64_t>(n) & 3) {
            case 0: v = std::sin(kPi * r); break;
            case 1: v = std::cos(kPi * r); break;
            case 2: v = -std::sin(kPi * r); break;
            default: v = -std::cos(kPi * r); break;
        }
    }
    if (v == 0.0) v = 0.0;  // sinpi(n) = +0 for n >= 0 ...
    return std::signbit(x) ? -v : v;  // ... and -0 for n < 0
}
inline double ref_cospi(double x) {
    const double a = std::fabs(x);
    if (std::isnan(x) || std::isinf(x)) return NAN;
    if (a >= 0x1p24) return 1.0;
    const double n = std::nearbyint(2.0 * a);
    const double r = a - 0.5 * n;
    double v;
    switch (static_cast<int64_t>(n) & 3) {
        case 0: v = std::cos(kPi * r); break;
        case 1: v = -std::sin(kPi * r); break;
        case 2: v = -std::cos(kPi * r); break;
        default: v = std::sin(kPi * r); break;
    }
    return v == 0.0 ? 0.0 : v;  // cospi(n + 1/2) = +0
}

// erfinv by Newton's method from the float result y0 (already within a few ulps): on erf for small
// |x|, on erfc(y) = 1 - |x| (exact in float64) near 1, where erf would lose the digits.
inline double ref_erfinv(double x, double y0) {
    const double a = std::fabs(x);
    if (std::isnan(x) || a > 1.0) return NAN;
    if (a == 1.0) return std::copysign(INFINITY, x);
    if (a == 0.0) return x;
    double y = std::isfinite(y0) && y0 != 0.0 ? std::fabs(y0) : 1.0;
    const double k = 2.0 / std::sqrt(kPi);
    for (int i = 0; i < 4; ++i) {
        const double d = k * std::exp(-y * y);
        y = a < 0.5 ? y - (std::erf(y) - a) / d : y + (std::erfc(y) - (1.0 - a)) / d;
    }
    return std::copysign(y, x);
}

inline double reference(Fn fn, float xf, float y) {
    const double x = xf;
    switch (fn) {
        case kExp: return std::exp(x);
        case kLog: return std::log(x);
        case kSinpi: return ref_sinpi(x);
        case kCospi: return ref_cospi(x);
        case kErf: return std::erf(x);
        case kErfinv: return ref_erfinv(x, y);
        case kTanh: return std::tanh(x);
        case kNumFns: break;
    }
    return NAN;
}

// Error of y in ulps of the float binade of the exact value ref (subnormal ulp below 2^-126).
inline double ulp_error(float y, double ref) {
    if (std::isnan(ref)) return std::isnan(y) ? 0.0 : INFINITY;
    if (std::isnan(y)) return INFINITY;
    if (std::isinf(ref)) return static_cast<double>(y) == ref ? 0.0 : INFINITY;
    // Beyond the float range, +-Inf stands for +-2^128 (the exact result rounds to Inf from
    // 2^128 - 2^103 on), so overflow is measured like any other rounding.
    double yd = y;
    if (std::isinf(yd)) yd = std::copysign(0x1p128, yd);
    if (std::fabs(ref) > 0x1p128) ref = std::copysign(0x1p128, ref);
    int e;
    std::frexp(ref, &e);  // |ref| in [2^(e-1), 2^e)
    const int ue = std::min(std::max(e - 1, -126), 127) - 23;
    return std::fabs(yd - ref) / std::ldexp(1.0, ue);
}

}  // namespace rk::mathcheck
