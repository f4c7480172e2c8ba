// Dropout (docs/spec.md section 7), written once over a lanes type. Element i of a tensor is kept
// iff its stream word is >= t = floor(p * 2^32); kept elements are multiplied by the float32 constant
// scale = (float)(1 / (1 - p)), dropped elements become +0 whatever x was (NaN and -0 included).
#pragma once

#include <cstdint>

#include "rk_platform.h"

namespace rk::core {

// floor(p * 2^32), exact in binary64; 2^32 (p = 1) drops everything.
RK_HD uint64_t dropout_threshold(double p) { return static_cast<uint64_t>(p * 4294967296.0); }

// (float)(1 / (1 - p)) in binary64 then rounded once; p = 1 gives +Inf, which no kept element meets.
RK_HD float dropout_scale(double p) { return static_cast<float>(1.0 / (1.0 - p)); }

RK_HD bool dropout_keep(uint32_t w, uint64_t threshold) { return static_cast<uint64_t>(w) >= threshold; }

// One lane-parallel step for thresholds below 2^32 (p = 1 is handled as "drop all" by callers).
template <class L>
RK_HD typename L::mask dropout_keep_lanes(typename L::u32 w, uint32_t threshold) {
    return L::mnot(L::ult(w, L::usplat(threshold)));
}

template <class L>
RK_HD typename L::f32 dropout_apply(typename L::mask keep, typename L::f32 x, float scale) {
    return L::fselect(keep, L::fmul(x, L::fsplat(scale)), L::fsplat(0.0f));
}

}  // namespace rk::core
