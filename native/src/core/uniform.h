// Uniform float32 in (0, 1] from one 32-bit word: cuRAND's curand_uniform formula,
//   (float)w * 2^-32 + 2^-33
// in float32 arithmetic. The product is exact (a power of two), so the result is bit-exact on every
// backend as long as the conversion and the addition round to nearest and are not fused.
#pragma once

#include <cstdint>

#include "rk_platform.h"

namespace rk::core {

constexpr float kTwoPowMinus32 = 0x1p-32f;
constexpr float kTwoPowMinus33 = 0x1p-33f;

// Ops provides: fvec, u32_to_f32 (round to nearest), fmul, fadd, fsplat.
template <class Ops>
RK_HD typename Ops::fvec u32_to_uniform(typename Ops::vec w) {
    return Ops::fadd(Ops::fmul(Ops::u32_to_f32(w), Ops::fsplat(kTwoPowMinus32)),
                     Ops::fsplat(kTwoPowMinus33));
}

struct ScalarFloatOps {
    using vec = uint32_t;
    using fvec = float;
    RK_HD static float u32_to_f32(uint32_t w) { return static_cast<float>(w); }
    RK_HD static float fmul(float a, float b) { return a * b; }
    RK_HD static float fadd(float a, float b) { return a + b; }
    RK_HD static float fsplat(float a) { return a; }
};

RK_HD float uniform_from_word(uint32_t w) { return u32_to_uniform<ScalarFloatOps>(w); }

}  // namespace rk::core
