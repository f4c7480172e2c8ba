// The GEMM of the pointwise (1x1) convolution paths: C[i][j] = chain over t of fma(A(i, t), B(t, j), acc), one
// whole chain per output in ascending t (docs/conv.md, "Pointwise"). This is the plain-data description that
// conv2d_pointwise.cpp fills and the ISA kernels of gemm_kernels.h read; no ISA code here.
#pragma once

#include <cstdint>

namespace rk::cpu {

// How the reduction over t is cut into blocks of kc steps.
enum class GemmChain : int32_t {
    kWhole,    // one chain from +0 over every t; blocks resume the running accumulator stored in C
    kChunked,  // chunks of `chunk` steps, each a chain from +0; C = S_0, then C = C + S_i in chunk order
};

struct GemmArgs {
    int64_t m = 0, n = 0, k = 0;  // C is m x n; t runs over [0, k)
    // Element strides: A(i, t) = a[i * a_row + t * a_step], B(t, j) = b[t * b_step + j * b_col], C[i][j] =
    // c[i * ldc + j]. One of each operand's strides is 1 (the packing routines copy rows or transpose blocks).
    const float* a = nullptr;
    int64_t a_row = 0, a_step = 0;
    const float* b = nullptr;
    int64_t b_step = 0, b_col = 0;
    float* c = nullptr;
    int64_t ldc = 0;
    const float* bias = nullptr;  // kWhole: C[i][j] = chain + bias[j] (a separate add after the whole chain)
    GemmChain chain = GemmChain::kWhole;
    // B read where it lies (needs b_col == 1) rather than packed: for a few rows, packing would copy B only for it
    // to be read once or twice.
    bool b_in_place = false;
    int64_t chunk = 0;  // kChunked: steps per chunk (kc is a multiple of it)
    // Groups: problem g reads a + g * a_group, b + g * b_group, bias + g * n and writes c + g * c_group.
    int64_t groups = 1, a_group = 0, b_group = 0, c_group = 0;

    // Blocking (never changes a bit: every chain runs whole and in order): kc reduction steps per block, nc columns per
    // packed B block, mc rows per packed A block.
    int64_t kc = 0, nc = 0, mc = 0;
    // Work units: (group, column block of nc, row piece of rows_per_piece rows), row pieces fastest. A unit packs
    // its own panels, so units never share scratch.
    int64_t col_blocks = 0, row_pieces = 0, rows_per_piece = 0;
    int64_t units() const { return groups * col_blocks * row_pieces; }
};

}  // namespace rk::cpu
