// Dropout on the CPU, fused: Philox words never leave registers. Instantiated per ISA from the same ISA description
// as the fills (kernel_table_impl.h): the description's Philox generator (gen, and gen_wide when it has kWideBlocks),
// mask conversions (mask_bits, mask_from_bits, mask_from_bytes, store_mask_bytes) and non-temporal stores
// (kStreamStores, kStreamAlign, stream_store, stream_fence). The keep decision and the scaling are the core's
// (core/dropout.h), so every ISA computes the same bits.
#pragma once

#include <cstdint>

#include "../core/dropout.h"
#include "../core/lanes_scalar.h"
#include "../core/philox_stream.h"
#include "cpu_inline.h"

namespace rk::cpu {

template <class I>
struct DropoutKernels {
    // The keep decisions of each 64 consecutive stream words (16 blocks) form one 64-bit word
    // (bit 4b + w = word w of block b); the element loop reads 64 decisions at a time from those words
    // with a shift (the stream lane of element 0), so the generator stays on block boundaries while
    // the elements start anywhere, and bit-packed masks come out as whole words. y gets non-temporal
    // stores only when the caller asks (stream_y: the call is one of several threads' pieces): one
    // thread is Philox-bound and loses by them, two or more are memory-bound, where plain stores cost a
    // read for ownership of every line (12 bytes of traffic per element instead of 8).
    static constexpr uint64_t kPrefetchAhead = 1024;  // elements; x is read this far ahead
    static constexpr uint64_t kStreamMin = uint64_t{1} << 20;  // elements; below this, dx may stay in cache

    // Keep bits are generated kKeepBlocks blocks at a time: the ISA's kWideBlocks (a multiple of 16,
    // with gen_wide(block_lo, block_hi, key, v[4 * kWideBlocks / kWidth])) when it has one, else 16.
    static constexpr bool kWide = requires { I::kWideBlocks; };
    static constexpr uint32_t wide_blocks() {
        if constexpr (kWide)
            return I::kWideBlocks;
        else
            return 16;
    }
    static constexpr uint32_t kKeepBlocks = wide_blocks();
    static constexpr uint32_t kKeepWords = kKeepBlocks / 16;  // 64-bit words of keep bits per step

    // Keep bits of the 4 * kKeepBlocks words of blocks c, c+1, ... (c.lane = 0) against t < 2^32: bit
    // 4b + w of the step (word w of block b) is bit (4b + w) % 64 of out[(4b + w) / 64].
    RK_CPU_INLINE static void keep_bits(const core::PhiloxStream& s, const uint32_t key[2], core::StreamCursor c,
                                        uint32_t t, uint64_t (&out)[kKeepWords]) {
        for (uint32_t w = 0; w < kKeepWords; ++w) out[w] = 0;
        if constexpr (I::kPhiloxBlocks > 0) {
            // The vector generator adds lane numbers to the low counter word only.
            if (static_cast<uint32_t>(c.block_lo) <= 0xFFFFFFFFu - (kKeepBlocks - 1)) {
                constexpr uint32_t kStep = kWide ? kKeepBlocks : I::kPhiloxBlocks;
                constexpr uint32_t kVectors = 4 * kStep / I::kWidth;
                for (uint32_t b = 0; b < kKeepBlocks; b += kStep) {
                    typename I::u32 v[kVectors];
                    if constexpr (kWide)
                        I::gen_wide(c.block_lo + b, c.block_hi, key, v);
                    else
                        I::gen(c.block_lo + b, c.block_hi, key, v);
                    for (uint32_t q = 0; q < kVectors; ++q) {
                        const uint32_t bit = 4 * b + q * I::kWidth;
                        out[bit / 64] |= static_cast<uint64_t>(I::mask_bits(core::dropout_keep_lanes<I>(v[q], t)))
                                         << (bit % 64);
                    }
                }
                return;
            }
        }
        for (uint32_t b = 0; b < kKeepBlocks; ++b, core::advance_block(c)) {  // scalar (and 32-bit counter carries)
            const core::Philox4x32Block w = core::stream_block(s, c);
            for (uint32_t q = 0; q < 4; ++q)
                out[(4 * b + q) / 64] |= static_cast<uint64_t>(core::dropout_keep_lanes<core::ScalarLanes>(w.w[q], t))
                                         << ((4 * b + q) % 64);
        }
    }

    // The keep bits of consecutive 64-word groups from a block on (lane 0), one 64-bit word per call.
    struct KeepStream {
        const core::PhiloxStream& s;
        uint32_t key[2];
        core::StreamCursor c;
        uint32_t t;
        uint64_t words[kKeepWords] = {};
        uint32_t used = kKeepWords;

        RK_CPU_INLINE uint64_t next() {
            if (used == kKeepWords) {
                keep_bits(s, key, c, t, words);
                core::advance_blocks(c, kKeepBlocks);
                used = 0;
            }
            return words[used++];
        }
    };

    // Elements [k, k + 64) from 64 keep bits: y (plain or non-temporal stores; `stream` implies y + k is
    // aligned) and the byte mask. Shared by forward and backward.
    static void apply64(uint64_t keep, uint64_t k, uint64_t n, float scale, const float* x, float* y, bool stream,
                        uint8_t* bytes) {
        if (x) {
            for (uint64_t v = 0; v < 64; v += 16)  // one hint per 64-byte line
                if (k + kPrefetchAhead + v < n) prefetch_read(x + k + kPrefetchAhead + v);
            for (uint32_t v = 0; v < 64; v += I::kWidth) {
                const auto m = I::mask_from_bits(static_cast<uint32_t>(keep >> v));
                const auto r = core::dropout_apply<I>(m, I::fload(x + k + v), scale);
                if (I::kStreamStores && stream)
                    I::stream_store(y + k + v, r);
                else
                    I::fstore(y + k + v, r);
            }
        }
        if (bytes)
            for (uint32_t v = 0; v < 64; v += I::kWidth)
                I::store_mask_bytes(bytes + k + v, I::mask_from_bits(static_cast<uint32_t>(keep >> v)));
    }

    // Elements [k, k + len), len < 64, one at a time from the low bits of `keep`.
    static void apply_few(uint64_t keep, uint64_t k, uint64_t len, float scale, const float* x, float* y,
                          uint8_t* bytes) {
        for (uint64_t i = 0; i < len; ++i) {
            const bool m = ((keep >> i) & 1u) != 0;
            if (x) y[k + i] = core::dropout_apply<core::ScalarLanes>(m, x[k + i], scale);
            if (bytes) bytes[k + i] = m ? 1 : 0;
        }
    }

    // Writes a bit mask (element k: bit k % 32 of bits[k / 32]) from runs of keep bits of any length, so
    // the element loop may start its 64-element steps anywhere (where y is aligned); whole 64-bit
    // pieces are stored as they fill, and finish() stores the last word(s) with the unused bits 0.
    struct MaskBitWriter {
        uint32_t* bits;
        uint64_t written = 0;  // bits stored so far (a multiple of 64)
        uint64_t pending = 0;  // the next `fill` bits, not yet stored
        uint64_t fill = 0;     // < 64

        RK_CPU_INLINE void put(uint64_t keep, uint64_t len) {  // len <= 64; bits of keep from len on ignored
            if (len < 64) keep &= (uint64_t{1} << len) - 1;
            pending |= keep << fill;
            if (fill + len >= 64) {
                bits[written / 32] = static_cast<uint32_t>(pending);
                bits[written / 32 + 1] = static_cast<uint32_t>(pending >> 32);
                written += 64;
                pending = fill == 0 ? 0 : keep >> (64 - fill);
                fill = fill + len - 64;
            } else {
                fill += len;
            }
        }
        void finish() {
            for (uint64_t w = 0; 32 * w < fill; ++w) bits[written / 32 + w] = static_cast<uint32_t>(pending >> (32 * w));
        }
    };

    // Keep bits of elements [k, k + len) (len <= 64, k + len <= n) of a bit mask of n elements; reads
    // only the words those elements lie in.
    RK_CPU_INLINE static uint64_t read_mask_bits(const uint32_t* bits, uint64_t k, uint64_t len) {
        const uint64_t w = k / 32, off = k % 32;
        uint64_t lo = bits[w];
        if (off + len > 32) lo |= static_cast<uint64_t>(bits[w + 1]) << 32;
        uint64_t keep = lo >> off;
        if (off + len > 64) keep |= static_cast<uint64_t>(bits[w + 2]) << (64 - off);
        return keep;
    }

    // First element index whose y is aligned for stream stores, or n (no stream stores) when that is
    // not possible or not worth it.
    static uint64_t stream_start(const float* y, uint64_t n) {
        if constexpr (I::kStreamStores) {
            const uintptr_t a = reinterpret_cast<uintptr_t>(y);
            if (y == nullptr || n < kStreamMin || a % sizeof(float) != 0) return n;
            return ((I::kStreamAlign - a % I::kStreamAlign) % I::kStreamAlign) / sizeof(float);
        } else {
            (void)y;
            return n;
        }
    }

    // The keep bits of consecutive elements, `len` (<= 64) at a time, from any starting bit of the
    // stream's 64-bit keep words; a word is generated only when a bit of it is taken.
    struct KeepCursor {
        KeepStream keeps;
        uint64_t shift;  // bit of the next element in `cur`; 64: `cur` is used up
        uint64_t cur = 0;

        RK_CPU_INLINE uint64_t take(uint64_t len) {  // bit i of the result: element i of the next len
            if (shift == 64) shift = 0, cur = keeps.next();
            uint64_t keep = cur >> shift;
            if (shift + len > 64) {  // shift > 0 here: the rest come from the next word
                cur = keeps.next();
                keep |= cur << (64 - shift);
                shift = shift + len - 64;
            } else {
                shift += len;
            }
            return keep;
        }
    };

    static void dropout(const core::PhiloxStream& s, uint64_t first, uint64_t n, uint64_t threshold, float scale,
                        const float* x, float* y, uint8_t* bytes, uint32_t* bits, bool stream_y) {
        if (threshold > 0xFFFFFFFFu) {  // p = 1: nothing is kept, and no word needs to be generated
            for (uint64_t k = 0; k < n; ++k) {
                if (x) y[k] = 0.0f;
                if (bytes) bytes[k] = 0;
            }
            if (bits)
                for (uint64_t q = 0; q < (n + 31) / 32; ++q) bits[q] = 0;
            return;
        }
        if (n == 0) return;
        const uint32_t t = static_cast<uint32_t>(threshold);
        KeepCursor keeps{KeepStream{s, {}, core::stream_cursor(s, first), t}, 0};  // from the block of element 0
        core::stream_key(s, keeps.keeps.key);
        keeps.shift = keeps.keeps.c.lane;  // element 0 is this bit of the first keep word
        keeps.keeps.c.lane = 0;
        keeps.cur = keeps.keeps.next();
        MaskBitWriter mask{bits};

        // Non-temporal stores need y + k aligned: the elements before the first aligned one go one at a time.
        const uint64_t a = stream_y && x ? stream_start(y, n) : n;
        const bool stream = a < n;
        const auto run = [&](uint64_t k, uint64_t len) {
            const uint64_t keep = keeps.take(len);
            if (len == 64)
                apply64(keep, k, n, scale, x, y, stream, bytes);
            else
                apply_few(keep, k, len, scale, x, y, bytes);
            if (bits) mask.put(keep, len);
        };
        const uint64_t head = stream ? a : 0;
        if (head > 0) run(0, head);
        uint64_t k = head;
        for (; n - k >= 64; k += 64) run(k, 64);
        if (k < n) run(k, n - k);
        if (bits) mask.finish();
        if (stream) I::stream_fence();
    }

    // dx = keep ? dy * scale : +0 from a stored mask; no random numbers.
    static void apply_mask(const uint8_t* bytes, const uint32_t* bits, const float* dy, float* dx, uint64_t n,
                                   float scale) {
        const uint64_t a = stream_start(dx, n);
        const bool stream = a < n;
        const uint64_t k0 = stream ? a : 0;  // dx + k0 is aligned for stream stores
        const auto keep_at = [&](uint64_t k, uint64_t len) {  // keep bits of elements [k, k + len), len <= 64
            if (bits) return read_mask_bits(bits, k, len);
            uint64_t keep = 0;
            for (uint64_t i = 0; i < len; ++i) keep |= static_cast<uint64_t>(bytes[k + i] != 0) << i;
            return keep;
        };
        if (k0 > 0) apply_few(keep_at(0, k0), 0, k0, scale, dy, dx, nullptr);
        uint64_t k = k0;
        for (; n - k >= 64; k += 64) {
            if (bytes) {
                if (k + kPrefetchAhead < n) prefetch_read(bytes + k + kPrefetchAhead);  // one line of mask bytes
                for (uint64_t v = 0; v < 64; v += 16)
                    if (k + kPrefetchAhead + v < n) prefetch_read(dy + k + kPrefetchAhead + v);
                for (uint32_t v = 0; v < 64; v += I::kWidth) {
                    const auto r = core::dropout_apply<I>(I::mask_from_bytes(bytes + k + v), I::fload(dy + k + v), scale);
                    if (I::kStreamStores && stream)
                        I::stream_store(dx + k + v, r);
                    else
                        I::fstore(dx + k + v, r);
                }
            } else {
                apply64(keep_at(k, 64), k, n, scale, dy, dx, stream, nullptr);
            }
        }
        if (k < n) apply_few(keep_at(k, n - k), k, n - k, scale, dy, dx, nullptr);
        if (stream) I::stream_fence();
    }
};

}  // namespace rk::cpu
