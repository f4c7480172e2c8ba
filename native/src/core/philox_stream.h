// cuRAND-compatible Philox4x32-10 streams as pure functions of (stream, word index).
//
// curand_init(seed, subsequence, offset) sets key = (seed lo, seed hi), counter = (0, 0,
// subsequence lo, subsequence hi), then skips `offset` 32-bit words: block offset / 4, word
// offset % 4. curand() then walks the words of successive blocks, incrementing the 128-bit counter
// with carries. Word i after that point therefore lives in block (subsequence * 2^64 +
// (offset + i) / 4) at lane (offset + i) % 4, with (offset + i) computed without 64-bit wrap-around.
// Nothing here depends on how a fill is split across threads or lanes.
#pragma once

#include <cstdint>

#include "int_math.h"
#include "philox.h"
#include "rk_platform.h"

namespace rk::core {

struct PhiloxStream {
    uint64_t seed;
    uint64_t subsequence;
    uint64_t offset;
};

// The 128-bit block counter and lane of one stream word.
struct StreamCursor {
    uint64_t block_lo;  // counter words 0 and 1
    uint64_t block_hi;  // counter words 2 and 3
    uint32_t lane;      // word within the block, 0..3
};

// Cursor of word `i` of the stream (i counts from stream.offset).
RK_HD StreamCursor stream_cursor(const PhiloxStream& s, uint64_t i) {
    const uint64_t t = (s.offset & 3u) + i;            // may pass 2^64 by at most 3
    const uint64_t wrapped = (t < i) ? 1u : 0u;
    const uint64_t blocks = (t >> 2) | (wrapped << 62);  // (offset % 4 + i) / 4, exactly
    StreamCursor c;
    c.block_lo = (s.offset >> 2) + blocks;
    c.block_hi = s.subsequence + ((c.block_lo < blocks) ? 1u : 0u);
    c.lane = static_cast<uint32_t>(t & 3u);
    return c;
}

// Next block: the 128-bit counter increment of cuRAND's sequential draws.
RK_HD void advance_block(StreamCursor& c) {
    if (++c.block_lo == 0) ++c.block_hi;
}

// `blocks` blocks on: the same 128-bit counter arithmetic, carry included, in one step.
RK_HD void advance_blocks(StreamCursor& c, uint64_t blocks) {
    const uint64_t lo = c.block_lo + blocks;
    if (lo < c.block_lo) ++c.block_hi;
    c.block_lo = lo;
}

// How many blocks stream words [first, first + count) touch (the lane of word `first` counts: a range that starts
// mid-block spans one more block than its length alone needs).
RK_HD uint64_t stream_blocks_spanned(const PhiloxStream& s, uint64_t first, uint64_t count) {
    return ceil_div(uint64_t{stream_cursor(s, first).lane} + count, 4);
}

RK_HD void cursor_counter(const StreamCursor& c, uint32_t counter[4]) {
    counter[0] = static_cast<uint32_t>(c.block_lo);
    counter[1] = static_cast<uint32_t>(c.block_lo >> 32);
    counter[2] = static_cast<uint32_t>(c.block_hi);
    counter[3] = static_cast<uint32_t>(c.block_hi >> 32);
}

RK_HD void stream_key(const PhiloxStream& s, uint32_t key[2]) {
    key[0] = static_cast<uint32_t>(s.seed);
    key[1] = static_cast<uint32_t>(s.seed >> 32);
}

RK_HD Philox4x32Block stream_block(const PhiloxStream& s, const StreamCursor& c) {
    uint32_t counter[4], key[2];
    cursor_counter(c, counter);
    stream_key(s, key);
    return philox4x32(counter, key);
}

// Word i of the stream: the (i+1)-th curand() after curand_init(seed, subsequence, offset).
RK_HD uint32_t stream_word(const PhiloxStream& s, uint64_t i) {
    const StreamCursor c = stream_cursor(s, i);
    return stream_block(s, c).w[c.lane];
}

}  // namespace rk::core
