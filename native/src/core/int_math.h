// Integer rounding helpers shared by every backend (host and device): the one spelling of ceil(a / b)
// and of rounding up to a multiple, so that work splits and buffer sizes are computed alike everywhere.
#pragma once

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

}  // namespace rk::core
