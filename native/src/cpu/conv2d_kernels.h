// The CPU conv kernels' interface: the arguments a kernel reads (ConvKernelArgs) and one ISA's table of kernels
// (ConvKernels). Each kernel computes a range of independent work units from prepared pointers; conv2d_run.cpp
// prepares them and splits the units over threads.
#pragma once

#include <cstdint>

#include "../core/conv2d.h"
#include "conv2d_plan.h"
#include "conv2d_scratch.h"
#include "gemm_args.h"
#include "reprokit/reprokit.h"

namespace rk::cpu {

// Everything a kernel needs; fields a path does not use are left null / zero.
struct ConvKernelArgs {
    core::ConvGeometry g;
    ConvPlan plan;
    const float* x = nullptr;
    const float* w = nullptr;
    const float* bias = nullptr;
    float* y = nullptr;
    const float* dy = nullptr;
    float* dx = nullptr;
    float* dw = nullptr;
    float* dbias = nullptr;

    // Gemm paths: the operand read by broadcasts (padded x, or dy), its strides (in floats) and the tap offsets.
    const float* a = nullptr;
    int64_t a_img = 0, a_chan = 0, a_row = 0, a_col = 0;
    const int64_t* taps = nullptr;  // forward: per kk = (c', r, s); backward weights: per kk, offsets of x~ taps
    int64_t ntaps = 0;
    const float* panel = nullptr;   // packed weights (forward: [g][kk][kgp]; backward data: [g][kk'][cgp])
    // Work units per image, and what a unit holds: forward gemm, output positions; backward data gemm, input rows;
    // backward weights gemm, weight taps kk (Winograd / FFT: tiles_per_unit below).
    int64_t units_per_image = 0;
    int64_t positions_per_unit = 0;
    int64_t rows_per_unit = 0;
    int64_t taps_per_unit = 0;

    // Backward data (gemm): column signatures. For input column w: sig_of_w[w], first_q[w] (q of its first valid
    // tap); signature i has taps sig_taps[sig_start[i] .. sig_start[i+1]) as pairs (s, q - first_q) and columns
    // sig_cols[sig_col_start[i] .. sig_col_start[i+1]).
    const int32_t* sig_of_w = nullptr;
    const int64_t* first_q = nullptr;
    const int64_t* sig_start = nullptr;
    const int64_t* sig_taps = nullptr;
    const int64_t* sig_col_start = nullptr;
    const int64_t* sig_cols = nullptr;
    int64_t nsigs = 0;

    // Backward weights (gemm / depthwise): dy transposed to [j][g][kgp] (depthwise: [j][kp]).
    const float* dyt = nullptr;
    int64_t tile_groups = 0;  // units per (group, channel block)

    // Winograd / FFT: NHWC copy [n][hp][wp][cp], transformed weights, tiles per unit.
    const float* xt = nullptr;
    const float* u = nullptr;
    int64_t tiles_per_unit = 0;
};

// One ISA's kernels. Each computes units [begin, end) of its pass; units are independent outputs.
struct ConvKernels {
    const char* name;
    void (*forward_row)(const ConvKernelArgs&, int64_t begin, int64_t end);
    void (*forward_gemm)(const ConvKernelArgs&, int64_t begin, int64_t end);
    void (*forward_winograd2)(const ConvKernelArgs&, int64_t begin, int64_t end);
    void (*forward_winograd4)(const ConvKernelArgs&, int64_t begin, int64_t end);
    void (*forward_fft)(const ConvKernelArgs&, int64_t begin, int64_t end);
    void (*fft_weights)(const ConvKernelArgs&, float* v, int64_t begin, int64_t end);
    void (*backward_data_row)(const ConvKernelArgs&, int64_t begin, int64_t end);
    void (*backward_data_gemm)(const ConvKernelArgs&, int64_t begin, int64_t end);
    void (*backward_weights_gemm)(const ConvKernelArgs&, int64_t begin, int64_t end);
    void (*backward_weights_depthwise)(const ConvKernelArgs&, int64_t begin, int64_t end);
    void (*backward_bias_t)(const ConvKernelArgs&, int64_t begin, int64_t end);
    // Units (n, row i) of the NHWC copy [n][plan.hp][plan.wp][plan.cp] of x~ (rows from -pad_top, columns from
    // -pad_left; channels past C are 0).
    void (*nhwc_copy)(const ConvKernelArgs&, float* xt, int64_t begin, int64_t end);
    // Winograd weight transforms into U (layout in conv2d_winograd.h); units (g, c', block of kConvLanePad channels).
    void (*winograd2_weights)(const ConvKernelArgs&, float* u, int64_t begin, int64_t end);
    void (*winograd4_weights)(const ConvKernelArgs&, float* u, int64_t begin, int64_t end);
    // dy transposed for the weight gradient (layout in conv2d_backward_weights.h); units: blocks of kConvTransposeRows positions.
    void (*transpose_dy)(const ConvKernelArgs&, float* dyt, int64_t begin, int64_t end);
    // Pointwise path (conv2d_pointwise.cpp): units of the GEMM (gemm_args.h), and the bias gradient's chunked column
    // sums of src[rows][ld] in units of kConvPanel columns (gemm_kernels.h).
    void (*gemm)(const GemmArgs&, int64_t begin, int64_t end);
    void (*column_chunk_sums)(const float* src, int64_t rows, int64_t ld, int64_t cols, float* out, int64_t begin,
                              int64_t end);
};

const ConvKernels& conv_kernels_scalar();
#if defined(RK_HAVE_X86_KERNELS)
const ConvKernels& conv_kernels_avx2();
const ConvKernels& conv_kernels_avx512();
#endif
#if defined(RK_HAVE_NEON_KERNELS)
const ConvKernels& conv_kernels_neon();
#endif
// The kernels of a context's ISA (scalar for RK_ISA_SCALAR and for ISAs this build has no kernels for).
const ConvKernels& conv_kernels(rk_isa isa);

}  // namespace rk::cpu
