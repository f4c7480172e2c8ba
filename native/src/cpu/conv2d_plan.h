// Conv2d on the CPU, the plan of a call: which kernel path computes a (pass, algorithm) and where the workspace parts
// live. The plan depends on the shape only (never on the ISA or the thread count); every path computes the canonical
// functions of core/conv2d.h, so the choice of path never changes a bit.
//
// The CPU conv files: conv2d_plan (this), conv2d_scratch (scratch memory), conv2d_kernels.h (the ISA kernel table
// and its arguments), conv2d_run (operand preparation and threading), conv2d_op.cpp (the backend operation), and the
// ISA kernels (conv2d_impl.h maps them: conv2d_tiles, _forward, _backward_data, _depthwise_nhwc, _backward_weights,
// _winograd, _fft; instantiated by conv2d_scalar/avx2/avx512/neon.cpp).
#pragma once

#include <cstdint>

#include "../core/conv2d.h"
#include "../core/int_math.h"
#include "reprokit/reprokit.h"

namespace rk::cpu {

// Channel counts in packed panels are padded to multiples of this (every ISA's tile width divides it).
constexpr int64_t kConvPanel = 64;
// Channel counts of the NHWC copies used by Winograd and FFT are padded to multiples of this.
constexpr int64_t kConvLanePad = 16;
// Backward data (GEMM path): input rows per work unit (fewer when that leaves too few units for the threads).
constexpr int64_t kConvRowsPerUnit = 16;
// Backward weights, depthwise path: weight taps per work unit.
constexpr int64_t kConvDwTaps = 9;
// Transposition of dy for the weight gradient: positions per work unit.
constexpr int64_t kConvTransposeRows = 64;

// Depthwise NHWC with one output channel per input channel: the row paths use lanes over channels and work units
// (n, row) instead of (n, group, row).
inline bool conv_dw_nhwc(const core::ConvGeometry& g) { return g.depthwise() && g.nhwc; }

// A 1x1 convolution without padding whose positions are contiguous rows of channels (NHWC with stride 1, or 1 x 1
// images: Linear's shape), with at least 8 channels per group on both sides: every pass is one plain GEMM per group
// over the rows (conv2d_pointwise.cpp). Forward ImplicitGemm and both backward passes take it.
inline bool conv_pointwise(const core::ConvGeometry& g) {
    const bool one_by_one = g.r == 1 && g.s == 1 && g.pt == 0 && g.pb == 0 && g.pl == 0 && g.pr == 0;
    const bool rows = (g.h == 1 && g.w == 1) || (g.nhwc && g.sh == 1 && g.sw == 1);
    return one_by_one && rows && g.cg >= 8 && g.kg >= 8;
}

enum class ConvPath {
    kRow,        // lanes over output columns (forward) / input columns (backward data); no workspace
    kGemm,       // lanes over output channels (forward, backward weights) / input channels (backward data)
    kPointwise,  // conv_pointwise shapes: a GEMM over contiguous rows with per-thread packed panels; no workspace
    kDepthwise,  // backward weights of groups = C = K: lanes over channels
    kGeneric,    // the reference loops, one output at a time
    kWinograd2,
    kWinograd4,
    kFft,
};

// What a call computes and where its workspace parts live (offsets in floats from the 64-byte-aligned start).
struct ConvPlan {
    rk_conv_pass pass = RK_CONV_PASS_FORWARD;
    rk_conv_algorithm algorithm = RK_CONV_DIRECT;
    ConvPath path = ConvPath::kRow;
    bool pad_copy = false;      // gemm paths: x is copied into a zero-padded buffer
    int64_t hp = 0, wp = 0;     // rows / columns of the padded (or transformed-layout) input copy
    int64_t kgp = 0, cgp = 0;   // per-group channel counts padded to kConvPanel
    int64_t cp = 0, kp = 0;     // total channel counts padded to kConvLanePad (Winograd / FFT / depthwise)
    int64_t tiles_p = 0, tiles_q = 0;  // Winograd / FFT tiles
    int64_t tile_h = 0, tile_w = 0;    // outputs per tile
    int64_t off_x = -1, off_w = -1, off_dy = -1;
    int64_t floats = 0;         // workspace floats (0: none)
    int64_t bytes() const { return floats == 0 ? 0 : floats * 4 + 64; }
};

// The plan of a supported (pass, algorithm); algorithm already resolved (backward: RK_CONV_DIRECT).
ConvPlan conv_plan(const core::ConvGeometry& g, rk_conv_pass pass, rk_conv_algorithm algorithm);

// The workspace bytes of a supported (pass, algorithm) on the CPU (0: none), or -1 when it passes the addressable size.
int64_t conv_workspace_bytes(const core::ConvGeometry& g, rk_conv_pass pass, rk_conv_algorithm algorithm);

}  // namespace rk::cpu
