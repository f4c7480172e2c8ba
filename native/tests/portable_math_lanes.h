// Shared by test_portable_math*.cpp: every lane operation of the lanes interface evaluated over plain
// arrays through one lanes type. The ISA-specific test files instantiate it with C-style entry
// points only (no gtest, no std containers), so that none of their inline code, compiled with
// AVX2/AVX-512 flags, is shared with the rest of the test binary.
#pragma once

#include <cstddef>
#include <cstdint>

#include "../tools/mathcheck.h"
#include "core/portable_math.h"

namespace rk::test {

enum LaneOp {
    kFadd, kFsub, kFmul, kFdiv, kFfma, kFsqrt, kFabs, kFneg,
    kFlt, kFle, kFeq, kFgt, kFge, kFisnan, kFselect, kUselect, kMand, kMor, kMnot,
    kUadd, kUsub, kUand, kUor, kUxor, kShl1, kShl31, kShr1, kShr31, kSar1, kSar31,
    kUeq, kUlt, kIlt, kCvtI32F32, kCvtU32F32, kCvtF32I32Rn, kMulhi, kMullo, kNumLaneOps
};
// Float results whose NaN payload is not specified (arithmetic on NaN operands).
inline bool lane_op_is_arith(int op) { return op <= kFneg && op != kFabs && op != kFneg; }

// out[op * n + i] = op(a[i], b[i], c[i]) as bits (masks as 0 / 1); rn[i] feeds cvt_f32_i32_rn and
// must fit in int32. n is a multiple of L::kWidth.
template <class L>
void eval_lane_ops(const uint32_t* a, const uint32_t* b, const uint32_t* c, const float* rn, uint32_t* out,
                   std::size_t n) {
    using U = typename L::u32;
    using F = typename L::f32;
    for (std::size_t i = 0; i < n; i += L::kWidth) {
        const U ua = L::uload(a + i), ub = L::uload(b + i), uc = L::uload(c + i);
        const F fa = L::as_f32(ua), fb = L::as_f32(ub), fc = L::as_f32(uc);
        auto m = [](typename L::mask v) { return L::uselect(v, L::usplat(1), L::usplat(0)); };
        U r[kNumLaneOps];
        r[kFadd] = L::as_u32(L::fadd(fa, fb));
        r[kFsub] = L::as_u32(L::fsub(fa, fb));
        r[kFmul] = L::as_u32(L::fmul(fa, fb));
        r[kFdiv] = L::as_u32(L::fdiv(fa, fb));
        r[kFfma] = L::as_u32(L::ffma(fa, fb, fc));
        r[kFsqrt] = L::as_u32(L::fsqrt(fa));
        r[kFabs] = L::as_u32(L::fabs_(fa));
        r[kFneg] = L::as_u32(L::fneg(fa));
        r[kFlt] = m(L::flt(fa, fb));
        r[kFle] = m(L::fle(fa, fb));
        r[kFeq] = m(L::feq(fa, fb));
        r[kFgt] = m(L::fgt(fa, fb));
        r[kFge] = m(L::fge(fa, fb));
        r[kFisnan] = m(L::fisnan(fa));
        r[kFselect] = L::as_u32(L::fselect(L::flt(fa, fb), fc, fa));
        r[kUselect] = L::uselect(L::ilt(ua, ub), uc, ua);
        r[kMand] = m(L::mand(L::flt(fa, fb), L::ult(ua, uc)));
        r[kMor] = m(L::mor(L::flt(fa, fb), L::ult(ua, uc)));
        r[kMnot] = m(L::mnot(L::flt(fa, fb)));
        r[kUadd] = L::uadd(ua, ub);
        r[kUsub] = L::usub(ua, ub);
        r[kUand] = L::uand(ua, ub);
        r[kUor] = L::uor(ua, ub);
        r[kUxor] = L::uxor(ua, ub);
        r[kShl1] = L::template shl<1>(ua);
        r[kShl31] = L::template shl<31>(ua);
        r[kShr1] = L::template shr<1>(ua);
        r[kShr31] = L::template shr<31>(ua);
        r[kSar1] = L::template sar<1>(ua);
        r[kSar31] = L::template sar<31>(ua);
        r[kUeq] = m(L::ueq(ua, ub));
        r[kUlt] = m(L::ult(ua, ub));
        r[kIlt] = m(L::ilt(ua, ub));
        r[kCvtI32F32] = L::as_u32(L::cvt_i32_f32(ua));
        r[kCvtU32F32] = L::as_u32(L::cvt_u32_f32(ua));
        r[kCvtF32I32Rn] = L::cvt_f32_i32_rn(L::fload(rn + i));
        L::mulhilo(ua, 0xD2511F53u, r[kMulhi], r[kMullo]);
        for (int op = 0; op < kNumLaneOps; ++op) L::ustore(out + op * n + i, r[op]);
    }
}

// rk_sincospif over an array; n is a multiple of L::kWidth.
template <class L>
void eval_sincospi(const float* in, float* s, float* c, std::size_t n) {
    for (std::size_t i = 0; i < n; i += L::kWidth) {
        typename L::f32 vs, vc;
        core::rk_sincospif<L>(L::fload(in + i), vs, vc);
        L::fstore(s + i, vs);
        L::fstore(c + i, vc);
    }
}

// Entry points of the ISA-specific files (x86-64 builds: avx2, avx512; ARM64 builds: neon).
void math_batch_avx2(mathcheck::Fn fn, const float* in, float* out, std::size_t n);
void math_batch_avx512(mathcheck::Fn fn, const float* in, float* out, std::size_t n);
void sincospi_avx2(const float* in, float* s, float* c, std::size_t n);
void sincospi_avx512(const float* in, float* s, float* c, std::size_t n);
void lane_ops_avx2(const uint32_t* a, const uint32_t* b, const uint32_t* c, const float* rn, uint32_t* out,
                   std::size_t n);
void lane_ops_avx512(const uint32_t* a, const uint32_t* b, const uint32_t* c, const float* rn, uint32_t* out,
                     std::size_t n);
void math_batch_neon(mathcheck::Fn fn, const float* in, float* out, std::size_t n);
void sincospi_neon(const float* in, float* s, float* c, std::size_t n);
void lane_ops_neon(const uint32_t* a, const uint32_t* b, const uint32_t* c, const float* rn, uint32_t* out,
                   std::size_t n);

}  // namespace rk::test
