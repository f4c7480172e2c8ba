// Stream fills and permutations on the device: each thread owns one Philox block of the fill (up to four
// consecutive words), or one word pair for the two-word distributions, and computes its elements with the
// core's per-element functions (the scalar lanes instantiation: one GPU thread = one lane).
#pragma once

#include "../../core/distributions.h"
#include "../../core/lanes_scalar.h"
#include "../../core/permutation.h"
#include "../../core/philox_stream.h"
#include "../../core/uniform.h"
#include "../../backend/ops.h"
#include "device_compat.cuh"

namespace rk::cuda {

using backend::FillArgs;
using backend::FillKind;
using backend::PermutationArgs;

using L1 = core::ScalarLanes;

// The element of a one-word-per-element fill.
__device__ inline void fill_one(const FillArgs& a, uint64_t i, uint32_t w) {
    switch (a.kind) {
        case FillKind::kU32: static_cast<uint32_t*>(a.out)[i] = w; break;
        case FillKind::kUniform: static_cast<float*>(a.out)[i] = core::uniform_from_word(w); break;
        case FillKind::kUniformRange:
            static_cast<float*>(a.out)[i] = core::uniform_range<L1>(w, a.a, a.b);
            break;
        case FillKind::kTruncatedNormal:
            static_cast<float*>(a.out)[i] = core::truncated_normal<L1>(w, a.truncated);
            break;
        case FillKind::kBernoulli: static_cast<uint8_t*>(a.out)[i] = core::bernoulli(w, a.threshold); break;
        default: break;
    }
}

// Thread t owns stream block t of the fill: words [4t - lane0, 4t - lane0 + 4) ∩ [0, count), lane0 being the
// lane of word 0 in its block.
__global__ void fill_words_kernel(FillArgs a) {
    const core::StreamCursor c0 = core::stream_cursor(a.stream, 0);
    const uint64_t blocks = core::stream_blocks_spanned(a.stream, 0, a.count);
    for (uint64_t t = global_thread(); t < blocks; t += grid_threads()) {
        core::StreamCursor c = c0;
        core::advance_blocks(c, t);
        const core::Philox4x32Block b = core::stream_block(a.stream, c);
        for (uint32_t lane = 0; lane < 4; ++lane) {
            const uint64_t pos = 4 * t + lane;  // word index + lane0
            if (pos < c0.lane) continue;
            const uint64_t i = pos - c0.lane;
            if (i >= a.count) break;
            fill_one(a, i, b.w[lane]);
        }
    }
}

// Word pairs of a two-word fill: normal (elements 2j, 2j + 1) or int64 (element j).
__host__ __device__ inline uint64_t fill_pairs(const FillArgs& a) {
    return a.kind == FillKind::kNormal ? core::ceil_div(a.count, 2) : a.count;
}

// Two words per output pair: normal (elements 2j, 2j + 1 from words 2j, 2j + 1) and int64 (element j from
// words 2j, 2j + 1). Thread j owns pair j; a pair that straddles two blocks generates both.
__global__ void fill_pairs_kernel(FillArgs a) {
    const uint64_t pairs = fill_pairs(a);
    for (uint64_t j = global_thread(); j < pairs; j += grid_threads()) {
        core::StreamCursor c = core::stream_cursor(a.stream, 2 * j);
        const core::Philox4x32Block b = core::stream_block(a.stream, c);
        const uint32_t w0 = b.w[c.lane];
        uint32_t w1;
        if (c.lane < 3) {
            w1 = b.w[c.lane + 1];
        } else {
            core::advance_block(c);
            w1 = core::stream_block(a.stream, c).w[0];
        }
        if (a.kind == FillKind::kNormal) {
            float z0, z1;
            core::box_muller<L1>(w0, w1, a.a, a.b, z0, z1);
            float* out = static_cast<float*>(a.out);
            out[2 * j] = z0;
            if (2 * j + 1 < a.count) out[2 * j + 1] = z1;
        } else {
            static_cast<int64_t*>(a.out)[j] = core::int_range(w0, w1, a.low, a.span);
        }
    }
}

inline void launch_fill(const FillArgs& a, cudaStream_t stream) {
    if (a.count == 0) return;
    if (a.kind == FillKind::kNormal || a.kind == FillKind::kInt64) {
        RK_LAUNCH(fill_pairs_kernel, grid_for(fill_pairs(a)), kBlockThreads, stream)(a);
    } else {
        RK_LAUNCH(fill_words_kernel, grid_for(core::stream_blocks_spanned(a.stream, 0, a.count)), kBlockThreads, stream)(a);
    }
}

__global__ void permutation_kernel(core::Permutation perm, PermutationArgs a) {
    for (uint64_t k = global_thread(); k < a.count; k += grid_threads())
        a.out[k] = a.inverse ? core::permutation_invert(perm, a.first + k) : core::permutation_apply(perm, a.first + k);
}

inline void launch_permutation(const PermutationArgs& a, cudaStream_t stream) {
    if (a.count == 0) return;
    core::Permutation perm;
    core::permutation_init(perm, a.n, a.seed, a.subsequence);
    RK_LAUNCH(permutation_kernel, grid_for(a.count), kBlockThreads, stream)(perm, a);
}

}  // namespace rk::cuda
