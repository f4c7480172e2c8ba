// Conv2d kernels for one ISA, written once over an ISA description I. Include only from the conv2d_<isa>.cpp files,
// with I defined in their anonymous namespace (so every instantiation stays local to its ISA-flagged file).
//
// I provides the lanes interface of core/lanes_scalar.h plus
//   kGemmMR, kGemmNV   register tile of the GEMM paths: kGemmMR broadcast rows x kGemmNV vectors
//   kRowMR, kRowNV     register tile of the row paths: kRowMR channels x kRowNV vectors of columns
//   kCplxMR, kCplxNV   register tile of the FFT's complex products
//   load_range(p, lo, hi)   lanes [lo, hi) from p[lane], the others +0 (other lanes' memory is not touched)
//   store_n(p, v, n)        lanes [0, n) to p[lane]
//   range_mask(lo, hi), bits_mask(bits)   masks of lanes [lo, hi) / of the set bits
//   fma_masked(m, a, b, c)  fma(a, b, c) where m is set, c elsewhere
//
// Every kernel computes whole canonical chains (core/conv2d.h) for the outputs it owns: vector lanes run independent
// outputs, never parts of one reduction, so tile shapes and thread splits never change a bit.
//
// The kernels, by job (struct templates over I; the others derive from ConvTiles<I>):
//   conv2d_tiles.h             tile picker, GEMM micro-kernel, shared loads / copies / stores, the NHWC copy of x
//   conv2d_forward.h           forward row and GEMM paths
//   conv2d_backward_data.h     data gradient row and GEMM paths
//   conv2d_depthwise_nhwc.h    depthwise NHWC row path, forward and data gradient
//   conv2d_backward_weights.h  dy transposed (its layout), weight gradient GEMM and depthwise paths, bias gradient
//   conv2d_winograd.h          Winograd forward and weight transforms (the layout of U)
//   conv2d_fft.h               FFT forward and weight transform
//   gemm_kernels.h             the pointwise (1x1) GEMM: packing, micro-kernel, blocked driver; bias column sums
#pragma once

#include "conv2d_backward_data.h"
#include "conv2d_backward_weights.h"
#include "conv2d_fft.h"
#include "conv2d_forward.h"
#include "conv2d_kernels.h"
#include "conv2d_tiles.h"
#include "conv2d_winograd.h"
#include "gemm_kernels.h"

namespace rk::cpu {

// The ConvKernels table of ISA I.
template <class I>
ConvKernels make_conv_kernels(const char* name) {
    return ConvKernels{name,
                       &ConvForward<I>::forward_row,
                       &ConvForward<I>::forward_gemm,
                       &ConvWinograd<I>::forward_winograd2,
                       &ConvWinograd<I>::forward_winograd4,
                       &ConvFft<I>::forward_fft,
                       &ConvFft<I>::fft_weights,
                       &ConvBackwardData<I>::backward_data_row,
                       &ConvBackwardData<I>::backward_data_gemm,
                       &ConvBackwardWeights<I>::backward_weights_gemm,
                       &ConvBackwardWeights<I>::backward_weights_depthwise,
                       &ConvBackwardWeights<I>::backward_bias_t,
                       &ConvTiles<I>::nhwc_copy,
                       &ConvWinograd<I>::winograd2_weights,
                       &ConvWinograd<I>::winograd4_weights,
                       &ConvBackwardWeights<I>::transpose_dy,
                       &Gemm<I>::run,
                       &Gemm<I>::column_chunk_sums};
}

}  // namespace rk::cpu
