// Integer rounding helpers shared by every backend (host and device): the one spelling of ceil(a / b)
// and of rounding up to a multiple, so that work splits and buffer sizes are computed alike everywhere.
#pragma once

#include <cstdint>
#include <initializer_list>

#include "rk_platform.h"

namespace rk::core {

// ceil(a / b) for a >= 0 and b > 0, in a's type (a + b - 1 must not overflow it).
template <class T, class U>
RK_HD constexpr T ceil_div(T a, U b) {
    return (a + static_cast<T>(b) - 1) / static_cast<T>(b);
}

// The smallest multiple of m that is >= a (a >= 0, m > 0), in a's type.
template <class T, class U>
RK_HD constexpr T round_up(T a, U m) {
    return ceil_div(a, m) * static_cast<T>(m);
}

// Element counts of shapes and workspaces are capped here, far below 2^63, so that their byte counts (and sums of
// a few) stay exact in int64_t.
constexpr int64_t kMaxElements = (int64_t{1} << 61) / 4;

// The product of sizes, or -1 when one of them is negative or the product passes kMaxElements (host only).
inline int64_t size_product(std::initializer_list<int64_t> sizes) {
    int64_t r = 1;
    for (int64_t v : sizes) {
        if (v < 0 || r < 0) return -1;
        if (v != 0 && r > kMaxElements / v) return -1;
        r *= v;
    }
    return r;
}

}  // namespace rk::core
