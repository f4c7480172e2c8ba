// Dropout on the device (docs/spec.md section 7): element i is kept iff its stream word (element_offset + i) is
// >= floor(p * 2^32); the decision and the scaling are the core's functions, so every thread computes exactly
// what the CPU computes for that element, however the launch is shaped.
#pragma once

#include "../../core/dropout.h"
#include "../../core/lanes_scalar.h"
#include "../../core/philox_stream.h"
#include "../../backend/ops.h"
#include "device_compat.cuh"

namespace rk::cuda {

using backend::DropoutArgs;
using backend::DropoutMode;
using backend::MaskFormat;

__device__ inline void dropout_element(const DropoutArgs& a, uint64_t i, bool keep) {
    if (a.x) a.y[i] = core::dropout_apply<core::ScalarLanes>(keep, a.x[i], a.scale);
    if (a.mask_format == MaskFormat::kBytes) static_cast<uint8_t*>(a.mask)[i] = keep ? 1 : 0;
}

// Byte masks or no mask: thread t owns stream block t of the call's words, as the fills do.
__global__ void dropout_words_kernel(DropoutArgs a) {
    const core::StreamCursor c0 = core::stream_cursor(a.stream, a.element_offset);
    const uint64_t blocks = core::stream_blocks_spanned(a.stream, a.element_offset, a.count);
    for (uint64_t t = global_thread(); t < blocks; t += grid_threads()) {
        core::StreamCursor c = c0;
        core::advance_blocks(c, t);
        const core::Philox4x32Block b = core::stream_block(a.stream, c);
        for (uint32_t lane = 0; lane < 4; ++lane) {
            const uint64_t pos = 4 * t + lane;
            if (pos < c0.lane) continue;
            const uint64_t i = pos - c0.lane;
            if (i >= a.count) break;
            dropout_element(a, i, core::dropout_keep(b.w[lane], a.threshold));
        }
    }
}

// Bit-packed masks: thread q owns mask word q (elements [32q, 32q + 32)), so no two threads share a word; the
// unused high bits of the last word are 0.
__global__ void dropout_bits_kernel(DropoutArgs a) {
    const uint64_t words = core::ceil_div(a.count, 32);
    uint32_t* bits = static_cast<uint32_t*>(a.mask);
    for (uint64_t q = global_thread(); q < words; q += grid_threads()) {
        const uint64_t first = 32 * q;
        const uint64_t n = a.count - first < 32 ? a.count - first : 32;
        core::StreamCursor c = core::stream_cursor(a.stream, a.element_offset + first);
        core::Philox4x32Block b = core::stream_block(a.stream, c);
        uint32_t word = 0;
        for (uint64_t k = 0; k < n; ++k) {
            if (k > 0 && c.lane == 0) b = core::stream_block(a.stream, c);
            const bool keep = core::dropout_keep(b.w[c.lane], a.threshold);
            if (a.x) a.y[first + k] = core::dropout_apply<core::ScalarLanes>(keep, a.x[first + k], a.scale);
            word |= static_cast<uint32_t>(keep) << k;
            if (++c.lane == 4) {
                c.lane = 0;
                core::advance_block(c);
            }
        }
        bits[q] = word;
    }
}

// dx = mask ? dy * scale : +0 from a stored mask (bytes: nonzero keeps; bits: bit i % 32 of word i / 32).
__global__ void dropout_apply_mask_kernel(DropoutArgs a) {
    for (uint64_t i = global_thread(); i < a.count; i += grid_threads()) {
        const bool keep = a.mask_format == MaskFormat::kBytes
                              ? static_cast<const uint8_t*>(a.mask)[i] != 0
                              : ((static_cast<const uint32_t*>(a.mask)[i / 32] >> (i % 32)) & 1u) != 0;
        a.y[i] = core::dropout_apply<core::ScalarLanes>(keep, a.x[i], a.scale);
    }
}

inline void launch_dropout(const DropoutArgs& a, cudaStream_t stream) {
    if (a.count == 0) return;
    if (a.mode == DropoutMode::kApplyMask)
        RK_LAUNCH(dropout_apply_mask_kernel, grid_for(a.count), kBlockThreads, stream)(a);
    else if (a.mask_format == MaskFormat::kBits)
        RK_LAUNCH(dropout_bits_kernel, grid_for(core::ceil_div(a.count, 32)), kBlockThreads, stream)(a);
    else
        RK_LAUNCH(dropout_words_kernel, grid_for(core::stream_blocks_spanned(a.stream, a.element_offset, a.count)), kBlockThreads, stream)(a);
}

}  // namespace rk::cuda
