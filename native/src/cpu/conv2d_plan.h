// Conv2d on the CPU: what the C API and the ISA kernels share.
//
// conv2d_plan.cpp (compiled without ISA flags) validates support, resolves Auto, sizes the workspace, packs and pads
// operands and runs the threads; the ISA files (conv2d_scalar/avx2/avx512/neon.cpp, all from conv2d_impl.h) only
// compute ranges of independent work units from prepared pointers. Every path computes the canonical functions of
// core/conv2d.h, so the choice of path (which may depend on the ISA) never changes a bit; the workspace layout
// depends on the shape only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "../core/conv2d.h"
#include "../core/int_math.h"
#include "reprokit/reprokit.h"
#include "thread_pool.h"

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

enum class ConvPath {
    kRow,        // lanes over output columns (forward) / input columns (backward data); no workspace
    kGemm,       // lanes over output channels (forward, backward weights) / input channels (backward data)
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
    int64_t positions_per_unit = 0;
    int64_t units_per_image = 0;

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
    // Winograd weight transforms into U (layout in conv2d_impl.h); units (g, c', block of kConvLanePad channels).
    void (*winograd2_weights)(const ConvKernelArgs&, float* u, int64_t begin, int64_t end);
    void (*winograd4_weights)(const ConvKernelArgs&, float* u, int64_t begin, int64_t end);
    // dy transposed for the weight gradient (layout in conv2d_impl.h); units: blocks of kConvTransposeRows positions.
    void (*transpose_dy)(const ConvKernelArgs&, float* dyt, int64_t begin, int64_t end);
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

// Builds the geometry from a descriptor; "" if valid, else the reason (the caller adds the function name).
// `status` receives RK_STATUS_INVALID_ARGUMENT or RK_STATUS_SIZE_OVERFLOW on failure.
std::string conv_geometry(const rk_conv2d_desc& desc, core::ConvGeometry& g, rk_status& status);

// Auto's rule (docs/conv.md): a pure function of the shape.
rk_conv_algorithm conv_auto(const core::ConvGeometry& g);

// "" if `algorithm` (not Auto) computes `pass` for this shape, else why not.
std::string conv_unsupported_reason(const core::ConvGeometry& g, rk_conv_pass pass, rk_conv_algorithm algorithm);

// The plan of a supported (pass, algorithm); algorithm already resolved (backward: RK_CONV_DIRECT).
ConvPlan conv_plan(const core::ConvGeometry& g, rk_conv_pass pass, rk_conv_algorithm algorithm);

const char* conv_algorithm_name(rk_conv_algorithm a);

// Runs a pass. `workspace` is 64-byte aligned and holds plan.floats floats (or is null when plan.floats == 0).
void conv_run_forward(const ConvKernels& k, ThreadPool& pool, const core::ConvGeometry& g, const ConvPlan& plan,
                      const float* x, const float* w, const float* bias, float* y, float* workspace);
void conv_run_backward_data(const ConvKernels& k, ThreadPool& pool, const core::ConvGeometry& g, const ConvPlan& plan,
                            const float* dy, const float* w, float* dx, float* workspace);
void conv_run_backward_weights(const ConvKernels& k, ThreadPool& pool, const core::ConvGeometry& g,
                               const ConvPlan& plan, const float* x, const float* dy, float* dw, float* dbias,
                               float* workspace);

// Scratch memory for kernels: 64-byte aligned, uninitialised, freed on destruction. Not a template, and defined out
// of line, so that ISA-flagged files share no inline code with the others.
class ConvScratch {
public:
    explicit ConvScratch(size_t bytes);
    ~ConvScratch();
    ConvScratch(const ConvScratch&) = delete;
    ConvScratch& operator=(const ConvScratch&) = delete;
    float* floats() const { return static_cast<float*>(p_); }
    int64_t* ints() const { return static_cast<int64_t*>(p_); }

private:
    void* p_;
};

}  // namespace rk::cpu
