// The CPU kernel table: one instance per ISA (built by kernel_table_impl.h), all computing the same
// canonical functions. `first` is the index of out[0] in the whole fill, so a table entry can run on
// any piece of a fill; pieces start at even indices.
#pragma once

#include <cstdint>

#include "../core/distributions.h"
#include "../core/philox_stream.h"
#include "../core/sampling.h"

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
    // Dropout of stream elements [first, first + n): y = keep ? x * scale : +0 when x is given, and the
    // keep mask as bytes and/or bits (bit k % 32 of bits[k / 32], k counted from the piece's start,
    // which is a multiple of 32) when those are given. stream_y: y may get non-temporal stores (worth
    // it when several threads share the memory bandwidth; results are the same either way).
    void (*dropout)(const core::PhiloxStream& s, uint64_t first, uint64_t n, uint64_t threshold, float scale,
                    const float* x, float* y, uint8_t* mask_bytes, uint32_t* mask_bits, bool stream_y);
    // dx = keep ? dy * scale : +0 from a stored mask (bytes: nonzero = keep; else bits), no random numbers.
    void (*dropout_apply_mask)(const uint8_t* mask_bytes, const uint32_t* mask_bits, const float* dy, float* dx,
                               uint64_t n, float scale);
    // One row of token sampling (docs/sampling.md): logits[0, vocab) with validated parameters, scratch
    // for `vocab` tokens; the token and its outputs, or an error, in `out`.
    void (*sample_row)(const float* logits, uint32_t vocab, const core::SampleParams& params,
                       const core::PhiloxStream& stream, const core::SampleScratch& scratch, core::SampleResult& out);
};

const KernelTable& kernels_scalar();
#if defined(RK_HAVE_X86_KERNELS)
const KernelTable& kernels_avx2();
const KernelTable& kernels_avx512();
#endif
#if defined(RK_HAVE_NEON_KERNELS)
const KernelTable& kernels_neon();
#endif

}  // namespace rk::cpu
