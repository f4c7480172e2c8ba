// The CPU kernel table: one instance per ISA, all computing the same canonical functions.
#pragma once

#include <cstdint>

#include "../core/philox_stream.h"

namespace rk::cpu {

struct KernelTable {
    const char* isa_name;
    // out[k] = word (first + k) of the stream, for k in [0, n).
    void (*fill_u32)(const core::PhiloxStream& s, uint64_t first, uint32_t* out, uint64_t n);
    // out[k] = uniform_from_word(word (first + k)).
    void (*fill_uniform)(const core::PhiloxStream& s, uint64_t first, float* out, uint64_t n);
};

const KernelTable& kernels_scalar();
#if defined(RK_HAVE_X86_KERNELS)
const KernelTable& kernels_avx2();
const KernelTable& kernels_avx512();
#endif

}  // namespace rk::cpu
