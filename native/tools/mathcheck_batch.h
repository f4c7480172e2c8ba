// The batch loop of reprokit_mathcheck, instantiated once per lanes type (one ISA per source file).
#pragma once

#include <cstddef>

#include "core/portable_math.h"
#include "mathcheck.h"

namespace rk::mathcheck {

template <class L, class F>
void run_lanes(const float* in, float* out, std::size_t n, F f) {
    constexpr std::size_t w = L::kWidth;
    std::size_t i = 0;
    for (; i + w <= n; i += w) L::fstore(out + i, f(L::fload(in + i)));
    if (i < n) {
        float pad_in[w] = {}, pad_out[w];
        for (std::size_t j = i; j < n; ++j) pad_in[j - i] = in[j];
        L::fstore(pad_out, f(L::fload(pad_in)));
        for (std::size_t j = i; j < n; ++j) out[j] = pad_out[j - i];
    }
}

template <class L>
void batch(Fn fn, const float* in, float* out, std::size_t n) {
    using V = typename L::f32;
    switch (fn) {
        case kExp: run_lanes<L>(in, out, n, [](V x) { return core::rk_expf<L>(x); }); break;
        case kLog: run_lanes<L>(in, out, n, [](V x) { return core::rk_logf<L>(x); }); break;
        case kSinpi: run_lanes<L>(in, out, n, [](V x) { return core::rk_sinpif<L>(x); }); break;
        case kCospi: run_lanes<L>(in, out, n, [](V x) { return core::rk_cospif<L>(x); }); break;
        case kErf: run_lanes<L>(in, out, n, [](V x) { return core::rk_erff<L>(x); }); break;
        case kErfinv: run_lanes<L>(in, out, n, [](V x) { return core::rk_erfinvf<L>(x); }); break;
        case kTanh: run_lanes<L>(in, out, n, [](V x) { return core::rk_tanhf<L>(x); }); break;
        case kNumFns: break;
    }
}

}  // namespace rk::mathcheck
