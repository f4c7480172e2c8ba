// Conv2d on the CPU, the pointwise path (conv_pointwise shapes: 1x1, no padding, positions that are contiguous rows of
// channels; Linear among them): each pass is one GEMM per group over the M = n * P * Q rows, run by the ISA's
// gemm kernel (gemm_kernels.h). This file maps the passes onto GemmArgs, picks the blocking (a pure function of the
// shape; no blocking changes a bit) and splits the units over the threads. Compiled without ISA flags.
#include <algorithm>
#include <cstdint>
#include <numeric>

#include "../core/int_math.h"
#include "conv2d_run.h"

namespace rk::cpu {

using core::ConvGeometry;
using core::ceil_div;
using core::round_up;

namespace {

// Reduction steps per block: a tile's A rows (kGemmMR x kc) stay in L1 while the B panels stream from L2; C is read
// and written once per block, so longer blocks mean less traffic for C.
constexpr int64_t kGemmStepsPerBlock = 512;
// Columns per packed B block (kc x nc floats: 512 KiB, half of a 1 MiB L2).
constexpr int64_t kGemmColumnsPerBlock = 256;
// Rows per packed A block (the weight gradient's dy, packed because its steps are rows of memory).
constexpr int64_t kGemmRowsPerBlock = 192;
// A row piece has at least this many rows, so that packing its B block pays off.
constexpr int64_t kGemmMinRowsPerPiece = 24;
// At most this many rows (GEMV-like: a small batch's data gradient) read B where it lies; each B value serves so few
// rows that packing it would cost more memory traffic than it saves (measured on AVX-512 and AVX2: faster up to 12
// rows, slower from 16).
constexpr int64_t kGemmMaxRowsBInPlace = 12;
// Steps per block when B is read in place: the rows of B walked at once (each read along its columns, panel by panel)
// are few streams for the prefetchers; C, a few rows, is reloaded per block from L1.
constexpr int64_t kGemmStepsBInPlace = 16;

// Units: (group, column block, row piece). Rows are split only when the column blocks alone would leave threads idle
// or unevenly loaded; a piece's rows are a multiple of 12 (every ISA's tile height divides it).
void set_units(GemmArgs& G, int threads) {
    G.col_blocks = ceil_div(G.n, G.nc);
    const int64_t col_units = G.groups * G.col_blocks;
    int64_t pieces = 1;
    if (threads > 1 && col_units % threads != 0 && col_units < 8 * threads)
        pieces = threads / std::gcd(col_units, static_cast<int64_t>(threads));
    pieces = std::max<int64_t>(1, std::min(pieces, G.m / kGemmMinRowsPerPiece));
    G.rows_per_piece = round_up(ceil_div(G.m, pieces), 12);
    G.row_pieces = ceil_div(G.m, G.rows_per_piece);
}

}  // namespace

void conv_run_pointwise(const ConvKernels& k, ThreadPool& pool, const ConvGeometry& g, rk_conv_pass pass,
                        const float* in0, const float* in1, const float* bias, float* out0, float* out1) {
    // Row i of x is x + i * C (likewise dy, y, dx with K or C): NHWC positions, or images of one position.
    const int64_t rows = g.n * g.p * g.q;
    GemmArgs G;
    G.groups = g.groups;
    G.kc = kGemmStepsPerBlock;
    G.nc = kGemmColumnsPerBlock;
    G.mc = kGemmRowsPerBlock;
    switch (pass) {
        case RK_CONV_PASS_FORWARD:  // y[i][k'] = chain over c' of fma(x[i][c'], w[k'][c']) (+ bias)
            G.m = rows;
            G.n = g.kg;
            G.k = g.cg;
            G.a = in0;
            G.a_row = g.c;
            G.a_step = 1;
            G.a_group = g.cg;
            G.b = in1;
            G.b_step = 1;
            G.b_col = g.cg;
            G.b_group = g.kg * g.cg;
            G.c = out0;
            G.ldc = g.k;
            G.c_group = g.kg;
            G.bias = bias;
            break;
        case RK_CONV_PASS_BACKWARD_DATA:  // dx[i][c'] = chain over k' of fma(dy[i][k'], w[k'][c'])
            G.m = rows;
            G.n = g.cg;
            G.k = g.kg;
            G.a = in0;
            G.a_row = g.k;
            G.a_step = 1;
            G.a_group = g.kg;
            G.b = in1;
            G.b_step = g.cg;
            G.b_col = 1;
            G.b_group = g.kg * g.cg;
            G.c = out0;
            G.ldc = g.c;
            G.c_group = g.cg;
            break;
        case RK_CONV_PASS_BACKWARD_WEIGHTS:  // dw[k'][c'] = chunked chain over rows i of fma(dy[i][k'], x[i][c'])
            G.m = g.kg;
            G.n = g.cg;
            G.k = rows;
            G.a = in1;
            G.a_row = 1;
            G.a_step = g.k;
            G.a_group = g.kg;
            G.b = in0;
            G.b_step = g.c;
            G.b_col = 1;
            G.b_group = g.cg;
            G.c = out0;
            G.ldc = g.cg;
            G.c_group = g.kg * g.cg;
            G.chain = GemmChain::kChunked;
            G.chunk = core::kConvReductionChunk;
            // One chunk per block: a chunk's sum is added to C once whatever the block, and the short block keeps
            // the packed dy tile (kGemmMR x 256) in L1 while twice the columns of x stream from L2.
            G.kc = G.chunk;
            G.nc = 2 * kGemmColumnsPerBlock;
            break;
    }
    if (G.b_col == 1 && G.chain == GemmChain::kWhole && G.m <= kGemmMaxRowsBInPlace) {
        G.b_in_place = true;
        G.kc = kGemmStepsBInPlace;
        // one column block per thread, each a long run of every row of B
        G.nc = round_up(ceil_div(G.n, static_cast<int64_t>(pool.size())), 64);
    }
    set_units(G, pool.size());
    run_units(pool, G.units(), conv_macs(g), [&](int64_t b, int64_t e) { k.gemm(G, b, e); });
    if (pass == RK_CONV_PASS_BACKWARD_WEIGHTS && out1 != nullptr)
        run_units(pool, ceil_div(g.k, kConvPanel), static_cast<double>(rows * g.k),
                  [&](int64_t b, int64_t e) { k.column_chunk_sums(in1, rows, g.k, g.k, out1, b, e); });
}

}  // namespace rk::cpu
