// The CPU kernel table: one instance per ISA (built by kernel_table_impl.h), all computing the same
// canonical functions. `first` is the index of out[0] in the whole fill, so a table entry can run on
// any piece of a fill; pieces start at even indices.
#pragma once

#include <cstdint>

#include "../core/distributions.h"
#include "../core/philox_stream.h"

namespace rk::cpu {

struct KernelTable {
    const char* isa_name;
    void (*fill_u32)(const core::PhiloxStream& s, uint64_t first, uint32_t* out, uint64_t n);
    void (*fill_uniform)(const core::PhiloxStream& s, uint64_t first, float* out, uint64_t n);
    void (*fill_uniform_range)(const core::PhiloxStream& s, uint64_t first, float* out, uint64_t n, float low,
                               float span);
    void (*fill_normal)(const core::PhiloxStream& s, uint64_t first, float* out, uint64_t n, float mean, float stddev);
    void (*fill_truncated_normal)(const core::PhiloxStream& s, uint64_t first, float* out, uint64_t n,
                                  const core::TruncatedNormalParams& p);
    void (*fill_bernoulli)(const core::PhiloxStream& s, uint64_t first, uint8_t* out, uint64_t n, uint64_t threshold);
    void (*fill_int64)(const core::PhiloxStream& s, uint64_t first, int64_t* out, uint64_t n, int64_t low,
                       uint64_t span);
};

const KernelTable& kernels_scalar();
#if defined(RK_HAVE_X86_KERNELS)
const KernelTable& kernels_avx2();
const KernelTable& kernels_avx512();
#endif

}  // namespace rk::cpu
