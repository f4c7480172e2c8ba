// The one fill loop shared by every CPU ISA: it walks stream blocks from element `first` and hands
// whole runs of blocks to the ISA's vector generator, finishing partial blocks with the core's
// scalar functions. Which words land where is fixed by core::stream_cursor, so the result does not
// depend on the ISA, on `first`, or on how a fill is split into pieces.
//
// Simd provides: kLanes (blocks per call; 0 = scalar only) and, if kLanes > 0,
//   gen(block_lo, block_hi, key, v[4]) filling v[0..3] with the 4 * kLanes words of blocks
//   block_lo .. block_lo + kLanes - 1 in stream order (the low 32 counter bits must not wrap).
// Sink provides: out_t, scalar(word) -> out_t, and store(out_t* dst, const vec v[4]).
#pragma once

#include <cstdint>

#include "../core/philox_stream.h"

namespace rk::cpu {

template <class Simd, class Sink>
void fill_stream(const core::PhiloxStream& s, uint64_t first, typename Sink::out_t* out, uint64_t n) {
    core::StreamCursor c = core::stream_cursor(s, first);
    uint64_t i = 0;

    if (c.lane != 0) {  // head: the rest of a partly used block
        const core::Philox4x32Block b = core::stream_block(s, c);
        for (uint32_t lane = c.lane; lane < 4 && i < n; ++lane, ++i) out[i] = Sink::scalar(b.w[lane]);
        core::advance_block(c);
        c.lane = 0;
    }

    if constexpr (Simd::kLanes > 0) {
        constexpr uint64_t kWords = 4u * Simd::kLanes;
        uint32_t key[2];
        core::stream_key(s, key);
        while (n - i >= kWords) {
            // The vector generator adds lane numbers to the low counter word only.
            if (static_cast<uint32_t>(c.block_lo) > 0xFFFFFFFFu - (Simd::kLanes - 1)) break;
            typename Simd::vec v[4];
            Simd::gen(c.block_lo, c.block_hi, key, v);
            Sink::store(out + i, v);
            c.block_lo += Simd::kLanes;  // cannot wrap: the low 32 bits did not
            i += kWords;
        }
    }

    while (i < n) {  // tail (and the rare blocks next to a 32-bit counter carry)
        const core::Philox4x32Block b = core::stream_block(s, c);
        for (uint32_t lane = 0; lane < 4 && i < n; ++lane, ++i) out[i] = Sink::scalar(b.w[lane]);
        core::advance_block(c);
        if constexpr (Simd::kLanes > 0) {
            if (n - i >= 4u * Simd::kLanes && static_cast<uint32_t>(c.block_lo) == 0u) {
                // past the carry: continue with the vector loop
                return fill_stream<Simd, Sink>(s, first + i, out + i, n - i);
            }
        }
    }
}

}  // namespace rk::cpu
