// The operations the CUDA backend runs, as plain argument structs: the C API validates a call and fills one of
// these (host code, no CUDA types), the plugin interface carries it, and the kernels' launch functions
// (native/src/cuda/kernels) run it. Pointers named as device data are device pointers of the context's device.
#pragma once

#include <cstdint>

#include "../core/conv2d.h"
#include "../core/distributions.h"
#include "../core/philox_stream.h"
#include "../core/sampling.h"

namespace rk::cuda {

enum class FillKind : int32_t { kU32, kUniform, kUniformRange, kNormal, kTruncatedNormal, kBernoulli, kInt64 };

// One stream fill of `count` elements (element i is a pure function of (stream, i), docs/spec.md section 4).
struct FillArgs {
    FillKind kind;
    core::PhiloxStream stream;
    void* out;        // device: uint32_t, float, uint8_t or int64_t elements by kind
    uint64_t count;
    float a, b;       // uniform range: low, span; normal: mean, stddev
    core::TruncatedNormalParams truncated;
    uint64_t threshold;  // Bernoulli: floor(p * 2^32)
    int64_t low;         // int64: low and span = high - low
    uint64_t span;
};

enum class DropoutMode : int32_t {
    kForward,       // y = keep ? x * scale : +0 (x may be null: mask only), mask written when given
    kApplyMask,     // y = mask ? x * scale : +0 from a stored mask (no random numbers)
};
enum class MaskFormat : int32_t { kNone = 0, kBytes = 1, kBits = 2 };  // = rk_mask_format

struct DropoutArgs {
    DropoutMode mode;
    core::PhiloxStream stream;
    uint64_t element_offset;  // stream word of element 0
    uint64_t threshold;       // floor(p * 2^32); 2^32 drops everything
    float scale;
    const float* x;           // device, or null (mask only)
    float* y;                 // device, or null (mask only)
    uint64_t count;
    MaskFormat mask_format;
    void* mask;               // device: bytes or 32-bit words of bits (element i: bit i % 32 of word i / 32)
};

// Permutation positions [first, first + count) of a validated permutation.
struct PermutationArgs {
    uint64_t n, seed, subsequence, first;
    int32_t inverse;
    uint64_t* out;  // device
    uint64_t count;
};

// Token sampling of `batch` rows (docs/sampling.md). Parameters and streams are host arrays (validated on the
// host) copied to the device by the plugin; outputs are device arrays; a row error is reported per row.
struct SampleArgs {
    const float* logits;  // device, batch rows of row_stride floats
    int64_t batch;
    uint32_t vocab;
    int64_t row_stride;
    const core::SampleParams* params;     // host, batch entries
    const core::PhiloxStream* streams;    // host, batch entries
    int32_t* tokens;                      // device
    float* probs;                         // device or null
    float* logprobs;                      // device or null
    int32_t* kept_counts;                 // device or null
};

// Per-row outcome written by the sampling kernel (device), read back by the plugin.
struct SampleRowStatus {
    int32_t error;        // core::SampleError
    int32_t pad;
    int64_t error_index;
};

enum class ConvOp : int32_t {
    kForwardDirect,
    kForwardImplicitGemm,
    kForwardWinograd2x3,
    kForwardWinograd4x3,
    kForwardFft,
    kBackwardData,
    kBackwardWeights,  // dw, and dbias when given
};

struct ConvArgs {
    ConvOp op;
    core::ConvGeometry g;
    const float* in0;  // forward: x; backward data: dy; backward weights: x
    const float* in1;  // forward: w; backward data: w; backward weights: dy
    const float* bias; // forward only, or null
    float* out0;       // forward: y; backward data: dx; backward weights: dw
    float* out1;       // backward weights: dbias, or null
};

}  // namespace rk::cuda
