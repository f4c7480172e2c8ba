// The GEMM of the pointwise (1x1) convolution paths, for one ISA description I (conv2d_impl.h lists what I provides):
// packing of B blocks (and of A blocks whose steps are rows of memory) into per-thread panels, the register-tile
// micro-kernel and the blocked driver over the work units of a GemmArgs (gemm_args.h), plus the column sums of the
// bias gradient. Each output's chain runs whole, in ascending t, in one unit: blocks of the reduction resume the
// accumulator stored in C (or add chunk sums in order), so neither the ISA's tile shape, the block sizes nor the
// thread split can change a bit.
#pragma once

#include <algorithm>
#include <cstdint>

#include "../core/conv2d.h"
#include "../core/int_math.h"
#include "conv2d_scratch.h"
#include "conv2d_tiles.h"
#include "gemm_args.h"

namespace rk::cpu {

template <class I>
struct Gemm {
    using f32 = typename I::f32;
    using Tiles = ConvTiles<I>;
    static constexpr int W = I::kWidth, MR = I::kGemmMR, NV = I::kGemmNV, NR = NV * W;
    static constexpr int64_t kPrefetchSteps = 64;  // reduction steps ahead when packing transposed B
    static constexpr int64_t kBAheadSteps = 16;    // steps ahead when B is read in place (rows of B far apart)

    // What C holds when a call of the micro-kernel starts.
    enum : int {
        kFirst = 0,    // nothing: the first chain starts at +0 and C = chain
        kResume = 1,   // the running accumulator: the chain continues from it
        kAddChunk = 2  // the sum of the previous chunks: the chunk's chain starts at +0 and C = C + chunk
    };

    // ---- Micro-kernel: R rows x V vectors of C -------------------------------------------------------------------
    // kc steps in chains of `chunk` steps (kc itself for a whole chain): A(i, t) = a[i * a_row + t * a_step]
    // (broadcast); B: step t at bp[t * b_stride + v * W] (a packed panel, b_stride == NR, or B where it lies; lanes
    // past ncols are not read). The first chain treats C as `mode` says, later ones add to it (kAddChunk); C's first
    // ncols columns (1 .. V * W) are read and written. bias (or null) is added after the chain, on the block that
    // ends it (whole chains only). b_ahead: steps ahead to prefetch B from (0: none; B in place only).
    template <int R, int V>
    static void micro(int64_t kc, int64_t chunk, const float* a, int64_t a_row, int64_t a_step, const float* bp,
                      int64_t b_stride, int64_t b_ahead, float* c, int64_t ldc, int64_t ncols, int mode,
                      const float* bias) {
        const bool tail = ncols < V * W;  // the last vector is partial
        const float* ar[R];
        RK_CONV_UNROLL(8)
        for (int i = 0; i < R; ++i) ar[i] = a + i * a_row;
        for (int64_t t0 = 0; t0 < kc; t0 += chunk, mode = kAddChunk) {
            const int64_t len = std::min(chunk, kc - t0);
            f32 acc[R][V];
            RK_CONV_UNROLL(8)
            for (int i = 0; i < R; ++i)
                RK_CONV_UNROLL(4)
                for (int v = 0; v < V; ++v)
                    acc[i][v] = mode == kResume ? load_c(c + i * ldc + v * W, ncols - v * W) : I::fsplat(0.0f);
            for (int64_t t = 0; t < len; ++t) {
                f32 bv[V];
                RK_CONV_UNROLL(4)
                for (int v = 0; v < V; ++v)
                    bv[v] = v == V - 1 && tail ? load_c(bp + v * W, ncols - v * W) : I::fload(bp + v * W);
                if (b_ahead != 0)
                    for (int64_t l = 0; l < ncols; l += 16) prefetch_read(bp + b_ahead * b_stride + l);
                RK_CONV_UNROLL(8)
                for (int i = 0; i < R; ++i) {
                    const f32 av = I::fsplat(*ar[i]);
                    ar[i] += a_step;
                    RK_CONV_UNROLL(4)
                    for (int v = 0; v < V; ++v) acc[i][v] = I::ffma(av, bv[v], acc[i][v]);
                }
                bp += b_stride;
            }
            RK_CONV_UNROLL(4)
            for (int v = 0; v < V; ++v) {
                const int64_t cnt = std::min<int64_t>(W, ncols - v * W);
                const f32 bb = bias ? load_c(bias + v * W, cnt) : I::fsplat(0.0f);
                RK_CONV_UNROLL(8)
                for (int i = 0; i < R; ++i) {
                    float* cp = c + i * ldc + v * W;
                    f32 val = acc[i][v];
                    if (mode == kAddChunk) val = I::fadd(load_c(cp, cnt), val);
                    if (bias) val = I::fadd(val, bb);
                    Tiles::store_lanes(cp, val, cnt);
                }
            }
        }
    }

    // The first cnt (>= 1) lanes from p, the others +0 (memory past cnt is not touched).
    RK_CPU_INLINE static f32 load_c(const float* p, int64_t cnt) {
        return cnt >= W ? I::fload(p) : I::load_range(p, 0, static_cast<int>(cnt));
    }

    using MicroFn = void (*)(int64_t, int64_t, const float*, int64_t, int64_t, const float*, int64_t, int64_t, float*,
                             int64_t, int64_t, int, const float*);
    static MicroFn micro_for(int rows, int vecs) {
        static constexpr auto table = tile_table<MR, NV>([]<int R, int V> { return &micro<R, V>; });
        return table(rows, vecs);
    }

    // ---- Packing ---------------------------------------------------------------------------------------------------
    // Rows [i0, i0 + rows) and steps [t0, t0 + kc) of A whose steps are rows of memory (a_row == 1: the weight
    // gradient's dy) into tiles of MR rows: tile r at dst + r * a_tile_floats(kc), step t at [t * MR, t * MR + MR)
    // (lanes past the rows of the last tile hold anything; the micro-kernel never reads them). Without it a block's kc
    // steps would sit kc rows of memory apart, in few cache sets.
    // A tile's floats in the packed A block: one cache line more than its steps, so that tiles written step by step
    // do not all fall into the same cache set.
    static constexpr int64_t a_tile_floats(int64_t kc) { return kc * MR + 16; }

    static void pack_a(const GemmArgs& G, const float* a, int64_t i0, int64_t rows, int64_t t0, int64_t kc, float* dst) {
        const int64_t ts = a_tile_floats(kc);
        // Steps in order, each one run of memory. Where a vector is wider than a tile row, a whole vector is stored:
        // its extra lanes land on this tile's next steps, which are written after it (not on a tile's last steps,
        // whose extra lanes would reach the next tile).
        constexpr int64_t kSpill = (W + MR - 1) / MR;
        const float* src = a + t0 * G.a_step + i0;
        for (int64_t t = 0; t < kc; ++t, src += G.a_step) {
            if (t + kPrefetchSteps / 8 < kc)
                for (int64_t l = 0; l < rows; l += 16) prefetch_read(src + kPrefetchSteps / 8 * G.a_step + l);
            const bool spill = W > MR && t + kSpill < kc;
            for (int64_t r0 = 0; r0 < rows; r0 += MR) {
                const int n = static_cast<int>(std::min<int64_t>(MR, rows - r0));
                if (spill)
                    I::fstore(dst + r0 / MR * ts + t * MR, I::load_range(src + r0, 0, n));
                else
                    copy_short(dst + r0 / MR * ts + t * MR, src + r0, n);
            }
        }
    }

    // dst[0 .. n) = src[0 .. n) for n <= MR, by whole vectors where they fit.
    RK_CPU_INLINE static void copy_short(float* dst, const float* src, int n) {
        int l = 0;
        for (; l + W <= n; l += W) I::fstore(dst + l, I::fload(src + l));
        if (l < n) I::store_n(dst + l, I::load_range(src + l, 0, n - l), n - l);
    }

    // Steps [t0, t0 + kc) and columns [j0, j0 + cols) of B into panels of NR columns: panel p at dst + p * kc * NR, step
    // t at [t * NR, t * NR + NR); columns past cols are +0 up to the end of their vector.
    static void pack_b(const GemmArgs& G, const float* b, int64_t t0, int64_t kc, int64_t j0, int64_t cols, float* dst) {
        if (G.b_col == 1) {  // rows of B contiguous: copy each step's columns, step by step (one run of memory each)
            const float* src = b + t0 * G.b_step + j0;
            for (int64_t t = 0; t < kc; ++t, src += G.b_step) {
                if (t + kPrefetchSteps / 8 < kc)
                    for (int64_t l = 0; l < cols; l += 16) prefetch_read(src + kPrefetchSteps / 8 * G.b_step + l);
                for (int64_t p0 = 0; p0 < cols; p0 += NR) {
                    const int64_t pc = std::min<int64_t>(NR, cols - p0), width = core::round_up(pc, W);
                    float* d = dst + p0 * kc + t * NR;
                    Tiles::copy_floats(d, src + p0, pc);
                    if (width > pc) Tiles::copy_floats(d + pc, nullptr, width - pc);
                }
            }
            return;
        }
        for (int64_t p0 = 0; p0 < cols; p0 += NR) {
            const int64_t pc = std::min<int64_t>(NR, cols - p0), width = core::round_up(pc, W);
            float* d = dst + p0 * kc;
            // columns of B contiguous (B(t, j) = b[j * b_col + t]): W x W transposes, scalar at the edges
            const float* src = b + (j0 + p0) * G.b_col + t0;
            for (int64_t v0 = 0; v0 < width; v0 += W) {
                const int64_t vc = std::min<int64_t>(W, pc - v0);
                int64_t t = 0;
                if (vc == W)
                    for (; t + W <= kc; t += W) {
                        // rows of B's source sit b_col floats apart: fetch each row's line kPrefetchSteps ahead
                        if (t + kPrefetchSteps < kc)
                            for (int l = 0; l < W; ++l) prefetch_read(src + (v0 + l) * G.b_col + t + kPrefetchSteps);
                        I::transpose(src + v0 * G.b_col + t, G.b_col, d + t * NR + v0, NR);
                    }
                for (; t < kc; ++t)
                    for (int64_t l = 0; l < W; ++l) d[t * NR + v0 + l] = l < vc ? src[(v0 + l) * G.b_col + t] : 0.0f;
            }
        }
    }

    // ---- Driver ----------------------------------------------------------------------------------------------------
    // Units [begin, end) of G (gemm_args.h): per unit and block of kc steps, the B block (kc x nc) is packed once;
    // then, by blocks of mc rows, every (tile, panel) pair runs the micro-kernel, tiles outermost so that a tile's A
    // rows stay in L1 while the B panels stream from L2. A is read in place when its rows are rows of memory
    // (a_step == 1), else packed per block (pack_a); B is packed unless G.b_in_place.
    static void run(const GemmArgs& G, int64_t begin, int64_t end) {
        const bool pack = G.a_step != 1, pack_b_block = !G.b_in_place;
        const int64_t kc_max = std::min(G.kc, G.k), nc_max = core::round_up(std::min(G.nc, G.n), NR);
        const int64_t mc_max = core::round_up(std::min(G.mc, G.rows_per_piece), MR);
        ConvScratch bmem(static_cast<size_t>(pack_b_block ? kc_max * nc_max : 1) * sizeof(float));
        ConvScratch amem(static_cast<size_t>(pack ? mc_max / MR * a_tile_floats(kc_max) : 1) * sizeof(float));
        float* bbuf = bmem.floats();
        float* abuf = amem.floats();
        for (int64_t u = begin; u < end; ++u) {
            const int64_t grp = u / (G.col_blocks * G.row_pieces), cb = (u / G.row_pieces) % G.col_blocks;
            const int64_t piece = u % G.row_pieces;
            const int64_t j0 = cb * G.nc, cols = std::min(G.nc, G.n - j0);
            const int64_t i0 = piece * G.rows_per_piece, i1 = std::min(G.m, i0 + G.rows_per_piece);
            if (i0 >= i1) continue;
            const float* a = G.a + grp * G.a_group;
            const float* b = G.b + grp * G.b_group;
            float* c = G.c + grp * G.c_group + j0;
            const float* bias = G.bias ? G.bias + grp * G.n + j0 : nullptr;
            for (int64_t t0 = 0; t0 < G.k; t0 += G.kc) {
                const int64_t kc = std::min(G.kc, G.k - t0);
                const int64_t chunk = G.chain == GemmChain::kChunked ? G.chunk : kc;
                const int mode = t0 == 0 ? kFirst : G.chain == GemmChain::kChunked ? kAddChunk : kResume;
                const float* block_bias = t0 + kc == G.k ? bias : nullptr;
                if (pack_b_block) pack_b(G, b, t0, kc, j0, cols, bbuf);
                const float* bblock = pack_b_block ? bbuf : b + t0 * G.b_step + j0;
                const int64_t b_stride = pack_b_block ? NR : G.b_step, b_ahead = pack_b_block ? 0 : kBAheadSteps;
                for (int64_t ib = i0; ib < i1; ib += G.mc) {
                    const int64_t rows = std::min(G.mc, i1 - ib);
                    if (pack) pack_a(G, a, ib, rows, t0, kc, abuf);
                    for (int64_t r0 = 0; r0 < rows; r0 += MR) {
                        const int mr = static_cast<int>(std::min<int64_t>(MR, rows - r0));
                        const float* at = pack ? abuf + r0 / MR * a_tile_floats(kc) : a + (ib + r0) * G.a_row + t0;
                        const int64_t a_row = pack ? 1 : G.a_row, a_step = pack ? MR : 1;
                        float* ct = c + (ib + r0) * G.ldc;
                        for (int64_t p0 = 0; p0 < cols; p0 += NR) {
                            const int64_t pc = std::min<int64_t>(NR, cols - p0);
                            // C of the next tile (the next panel, else the next rows' first): fetched while this runs
                            if (mode != kFirst) {
                                const bool last_panel = p0 + NR >= cols;
                                const float* next = last_panel ? ct + MR * G.ldc : ct + p0 + NR;
                                const int next_rows = last_panel ? std::min<int>(MR, static_cast<int>(rows - r0 - mr)) : mr;
                                for (int i = 0; i < next_rows; ++i)
                                    for (int64_t l = 0; l < NR; l += 16) prefetch_read(next + i * G.ldc + l);
                            }
                            micro_for(mr, static_cast<int>(core::ceil_div(pc, W)))(
                                kc, chunk, at, a_row, a_step, bblock + (pack_b_block ? p0 * kc : p0), b_stride,
                                b_ahead, ct + p0, G.ldc, pc, mode,
                                block_bias ? block_bias + p0 : nullptr);
                        }
                    }
                }
            }
        }
    }

    // ---- Bias gradient: chunked column sums ------------------------------------------------------------------------
    // out[j] for columns j in units [begin, end) of kConvPanel columns: chunks of kConvReductionChunk rows of
    // src[row * ld + j], each a chain of adds from +0; out = S_0, then out = out + S_i in chunk order.
    static void column_chunk_sums(const float* src, int64_t rows, int64_t ld, int64_t cols, float* out, int64_t begin,
                                  int64_t end) {
        constexpr int NVV = static_cast<int>(kConvPanel) / W;
        constexpr int64_t kChunk = core::kConvReductionChunk;
        for (int64_t u = begin; u < end; ++u) {
            const int64_t j0 = u * kConvPanel, jn = std::min<int64_t>(kConvPanel, cols - j0);
            const int nv = static_cast<int>(core::ceil_div(jn, W));
            f32 total[NVV];
            for (int64_t r0 = 0; r0 < rows; r0 += kChunk) {
                const int64_t r1 = std::min(rows, r0 + kChunk);
                f32 acc[NVV];
                for (int v = 0; v < NVV; ++v) acc[v] = I::fsplat(0.0f);
                for (int64_t r = r0; r < r1; ++r)
                    for (int v = 0; v < nv; ++v) acc[v] = I::fadd(acc[v], load_c(src + r * ld + j0 + v * W, jn - v * W));
                for (int v = 0; v < nv; ++v) total[v] = r0 == 0 ? acc[v] : I::fadd(total[v], acc[v]);
            }
            for (int v = 0; v < nv; ++v) Tiles::store_lanes(out + j0 + v * W, total[v], std::min<int64_t>(W, jn - v * W));
        }
    }
};

}  // namespace rk::cpu
