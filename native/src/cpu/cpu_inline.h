// Helpers of the CPU kernels' hot loops, shared by the fills, dropout and sampling headers.
#pragma once

#if defined(_MSC_VER) && !defined(__clang__) && (defined(_M_X64) || defined(_M_IX86))
#  include <xmmintrin.h>
#endif

// For the helpers of the hot loops that must be inlined whatever the compiler's size heuristics say
// (as calls they would rebuild their constants, e.g. Philox's round keys, on every call).
#if defined(__GNUC__) || defined(__clang__)
#  define RK_CPU_INLINE inline __attribute__((always_inline))
#elif defined(_MSC_VER)
#  define RK_CPU_INLINE __forceinline
#else
#  define RK_CPU_INLINE inline
#endif

namespace rk::cpu {

// A hint that p will be read soon; no effect on results.
inline void prefetch_read(const void* p) {
#if defined(__GNUC__) || defined(__clang__)
    __builtin_prefetch(p, 0, 3);
#elif defined(_MSC_VER) && (defined(_M_X64) || defined(_M_IX86))
    _mm_prefetch(static_cast<const char*>(p), _MM_HINT_T0);
#else
    (void)p;
#endif
}

}  // namespace rk::cpu
