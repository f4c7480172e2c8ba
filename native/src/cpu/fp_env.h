// The CPU backend computes with IEEE round-to-nearest and gradual underflow, whatever the host
// process set: a .NET host or another library may have enabled flush-to-zero (FTZ/DAZ) or changed
// the rounding mode. Decision (docs/spec.md): every C API call runs under this guard (guarded() in
// api/errors.h, the one place every entry point passes), which sets the canonical environment on entry
// and restores the caller's on exit; the thread pool's workers set it once when they start.
#pragma once

#include <cstdint>

#if defined(__x86_64__) || defined(_M_X64)
#  include <immintrin.h>
#endif

namespace rk::cpu {

class CanonicalFpEnv {
public:
    CanonicalFpEnv() {
#if defined(__x86_64__) || defined(_M_X64)
        saved_ = _mm_getcsr();
        // All exceptions masked, round to nearest, FTZ (bit 15) and DAZ (bit 6) off; keep sticky flags.
        const uint32_t canonical = 0x1F80u | (saved_ & 0x3Fu);
        if (saved_ != canonical) _mm_setcsr(canonical);
#elif defined(__aarch64__)
        uint64_t fpcr;
        __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
        saved_ = fpcr;
        // Clear FZ (bit 24), RMode (bits 22-23: 0 = nearest), FZ16 (bit 19), AH (bit 1) and FIZ (bit 0).
        const uint64_t canonical = fpcr & ~((1ull << 24) | (3ull << 22) | (1ull << 19) | 3ull);
        if (canonical != fpcr) __asm__ volatile("msr fpcr, %0" : : "r"(canonical));
#endif
    }
    ~CanonicalFpEnv() {
#if defined(__x86_64__) || defined(_M_X64)
        _mm_setcsr((saved_ & ~0x3Fu) | (_mm_getcsr() & 0x3Fu));
#elif defined(__aarch64__)
        __asm__ volatile("msr fpcr, %0" : : "r"(saved_));
#endif
    }
    CanonicalFpEnv(const CanonicalFpEnv&) = delete;
    CanonicalFpEnv& operator=(const CanonicalFpEnv&) = delete;

private:
    uint64_t saved_ = 0;
};

}  // namespace rk::cpu
