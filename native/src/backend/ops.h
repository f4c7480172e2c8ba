// The device-neutral operation interface: one argument struct per operation, and the table of functions every
// backend implements (docs/architecture.md).
//
// The C API validates a call, derives its per-call constants once (thresholds, scales, spans, the resolved conv
// algorithm) and fills one of these structs; the context's backend runs it. The CPU backend (native/src/cpu) and the
// CUDA plugin (native/src/cuda, loaded at run time) implement the same table, so no C API entry point branches on the
// device. Everything here is plain data and C function pointers: the table crosses the plugin's shared-library
// boundary, and the structs reach CUDA kernels by value. Pointers named "data" are the context's memory: host
// memory on a CPU context, device memory of the context's device on a CUDA context.
#pragma once

#include <cstdint>

#include "../core/activation.h"
#include "../core/conv2d.h"
#include "../core/cross_entropy.h"
#include "../core/distributions.h"
#include "../core/normalization.h"
#include "../core/optimizer.h"
#include "../core/philox_stream.h"
#include "../core/pool2d.h"
#include "../core/sampling.h"
#include "reprokit/reprokit.h"

namespace rk::backend {

// A failed backend call: its rk_status and a message (without the C API function's name, which the caller adds).
struct OpError {
    int32_t status;
    char message[512];
};

// ---- Stream fills and permutations ------------------------------------------------------------------------------

enum class FillKind : int32_t { kU32, kUniform, kUniformRange, kNormal, kTruncatedNormal, kBernoulli, kInt64 };

// One stream fill of `count` elements (element i is a pure function of (stream, i), docs/spec.md section 4).
struct FillArgs {
    FillKind kind;
    core::PhiloxStream stream;
    void* out;        // data: uint32_t, float, uint8_t or int64_t elements by kind
    uint64_t count;
    float a, b;       // uniform range: low, span = high - low; normal: mean, stddev
    core::TruncatedNormalParams truncated;
    uint64_t threshold;  // Bernoulli: floor(p * 2^32)
    int64_t low;         // int64: low and span = high - low
    uint64_t span;
};

// Permutation positions [first, first + count) of a validated permutation.
struct PermutationArgs {
    uint64_t n, seed, subsequence, first;
    int32_t inverse;
    uint64_t* out;  // data
    uint64_t count;
};

// ---- Dropout ----------------------------------------------------------------------------------------------------

enum class DropoutMode : int32_t {
    kForward,    // y = keep ? x * scale : +0 (x and y may be null: mask only), the mask written when given
    kApplyMask,  // y = mask ? x * scale : +0 from a stored mask (no random numbers)
};
enum class MaskFormat : int32_t { kNone = 0, kBytes = 1, kBits = 2 };  // = rk_mask_format

struct DropoutArgs {
    DropoutMode mode;
    core::PhiloxStream stream;
    uint64_t element_offset;  // stream word of element 0
    uint64_t threshold;       // floor(p * 2^32); 2^32 drops everything
    float scale;              // (float)(1 / (1 - p))
    const float* x;           // data, or null (mask only)
    float* y;                 // data, or null (mask only)
    uint64_t count;
    MaskFormat mask_format;
    void* mask;               // data: bytes, or 32-bit words of bits (element i: bit i % 32 of word i / 32)
};

// ---- Token sampling ---------------------------------------------------------------------------------------------

// `batch` rows (docs/sampling.md). Parameters and streams are host arrays, validated by the C API; logits and the
// outputs are data. A row's failure is reported through SampleFailure, never as a call failure.
struct SampleArgs {
    const float* logits;  // data, batch rows of row_stride floats
    int64_t batch;
    uint32_t vocab;
    int64_t row_stride;
    const core::SampleParams* params;   // host, batch entries
    const core::PhiloxStream* streams;  // host, batch entries
    int32_t* tokens;                    // data
    float* probs;                       // data or null
    float* logprobs;                    // data or null
    int32_t* kept_counts;               // data or null
};

// Per-row outcome (also written by the CUDA sampling kernel into device memory).
struct SampleRowStatus {
    int32_t error;  // core::SampleError
    int32_t pad;
    int64_t error_index;
};

// The first failing row of a sampling call (row -1: none), whatever the backend's split of the rows.
struct SampleFailure {
    int64_t row;
    SampleRowStatus status;
};

// ---- Conv2d -----------------------------------------------------------------------------------------------------

// One pass of one algorithm (resolved: never RK_CONV_AUTO; backward passes use RK_CONV_DIRECT) on a validated shape.
struct ConvArgs {
    rk_conv_pass pass;
    rk_conv_algorithm algorithm;
    core::ConvGeometry g;
    const float* in0;   // forward: x; backward data: dy; backward weights: x
    const float* in1;   // forward: w; backward data: w; backward weights: dy
    const float* bias;  // forward only, or null
    float* out0;        // forward: y; backward data: dx; backward weights: dw
    float* out1;        // backward weights: dbias, or null
    void* workspace;    // the caller's, at least conv_workspace bytes; null: the backend provides its own
};

// ---- Normalization (docs/training.md section 4) ------------------------------------------------------------------

using core::NormPass;

// BatchNorm2d or LayerNorm (g.kind), one pass. Every pointer is data or null where marked; nothing overlaps.
struct NormArgs {
    NormPass pass;
    core::NormGeometry g;
    float eps;            // forward, backward eval
    float momentum;       // forward training with running statistics
    const float* x;       // forward; backward training
    const float* dy;      // backward
    const float* gamma;   // or null (1)
    const float* beta;    // forward, or null (+0)
    float* out;           // forward: y; backward: dx
    float* mean;          // forward training: receives the saved mean; backward training: reads it
    float* invstd;        // the same for invstd
    float* running_mean;  // BN forward training: updated in place, or null; BN eval: read
    float* running_var;   // the same
    float* dgamma;        // backward training, or null
    float* dbeta;         // backward training, or null
};

// ---- Cross-entropy (docs/training.md section 5) --------------------------------------------------------------------

enum class LossReduction : int32_t { kNone = 0, kSum = 1, kMean = 2 };  // = rk_loss_reduction

// Forward (loss: batch values for kNone, else one) or backward (dlogits from dloss: batch values for kNone, else one).
struct CrossEntropyArgs {
    int32_t backward;
    LossReduction reduction;
    int64_t batch, classes;
    int64_t ignore_index;
    core::CrossEntropyConstants constants;
    const float* logits;     // data, batch rows of classes floats
    const int64_t* targets;  // data, batch entries
    const float* dloss;      // backward: data
    float* out;              // data: forward the loss, backward dlogits
};

// The first row whose target is neither in [0, classes) nor ignore_index (row -1: none), and that target. The backend
// checks every target before it writes anything.
struct CrossEntropyFailure {
    int64_t row;
    int64_t target;
};

// ---- Pooling (docs/training.md section 3) -----------------------------------------------------------------------

// Forward: out = y from in = x (max: indices_out, when not null, receives the indices). Backward: out = dx from
// in = dy (max: indices_in, the forward's indices). Global average pooling: g.mode kGlobalAvg.
struct PoolArgs {
    int32_t backward;
    core::PoolGeometry g;
    const float* in;             // data
    const int64_t* indices_in;   // data or null
    float* out;                  // data
    int64_t* indices_out;        // data or null
};

// ---- Training: activations and optimizers (docs/training.md sections 2 and 6) ----------------------------------

// forward: out = f(x) (out may be x); backward: out = f'(x) dy (out may be dy).
struct ActivationArgs {
    core::ActivationKind kind;
    int32_t backward;
    float negative_slope;  // LeakyReLU's s
    const float* x;        // data
    const float* dy;       // data, backward only
    float* out;            // data: y or dx
    uint64_t count;
};

enum class OptimizerKind : int32_t { kSgd, kAdam };

// One tensor of an optimizer step: data pointers. state0 is SGD's momentum buffer (null without momentum) or Adam's
// m, state1 Adam's v (null for SGD).
struct OptimizerTensor {
    float* param;
    const float* grad;
    float* state0;
    float* state1;
    uint64_t count;
};

// One step over a set of tensors (a host array). The backend first checks the state it will read (check_state0,
// check_state1) and updates nothing when an element is NaN or infinite.
struct OptimizerArgs {
    OptimizerKind kind;
    int32_t check_state0, check_state1;
    core::SgdConstants sgd;
    core::AdamConstants adam;
    const OptimizerTensor* tensors;  // host, tensor_count entries
    uint64_t tensor_count;
    uint64_t total;                  // the sum of the tensors' counts
};

// The first non-finite state element of a call in (tensor, element, state) order, whatever the backend's split;
// tensor -1: none (the update ran).
struct OptimizerFailure {
    int64_t tensor;
    int64_t element;
    int32_t state;  // 0: state0, 1: state1
    float value;
};

// ---- The backend table --------------------------------------------------------------------------------------------

enum class CopyKind : int32_t { kHostToDevice = 0, kDeviceToHost = 1, kDeviceToDevice = 2 };  // = rk_copy_kind

// What rk_context_get_info reports, and the name of the conv kernel set (tests check that no ISA falls back silently).
struct ContextDescription {
    rk_device_kind device;
    int32_t device_index;  // CUDA: the device; CPU: 0
    rk_isa isa;            // CPU: the ISA; CUDA: RK_ISA_AUTO
    int32_t num_threads;   // CPU: the pool's threads; CUDA: 0
    const char* conv_kernels;  // "scalar", "avx2", "avx512", "neon", "cuda"
};

// Every function returns an rk_status value and fills *err when it fails. `impl` is the backend's context.
struct Ops {
    void (*destroy)(void* impl);  // never called from a finalizer thread by the bindings
    void (*describe)(void* impl, ContextDescription* out);
    int32_t (*set_stream)(void* impl, void* stream, OpError* err);
    int32_t (*synchronize)(void* impl, OpError* err);
    int32_t (*allocate)(void* impl, uint64_t bytes, void** out, OpError* err);
    int32_t (*release)(void* impl, void* p, OpError* err);
    int32_t (*copy)(void* impl, void* dst, const void* src, uint64_t bytes, CopyKind kind, int32_t async, OpError* err);
    // RK_STATUS_OK when `p` (not null) is memory the context computes on; `name` is the argument, for the message.
    int32_t (*check_data)(void* impl, const void* p, const char* name, OpError* err);

    int32_t (*fill)(void* impl, const FillArgs* args, OpError* err);
    int32_t (*permutation)(void* impl, const PermutationArgs* args, OpError* err);
    int32_t (*dropout)(void* impl, const DropoutArgs* args, OpError* err);
    // Synchronous: *failed receives the first failing row (row -1 when every row succeeded).
    int32_t (*sample)(void* impl, const SampleArgs* args, SampleFailure* failed, OpError* err);
    // The workspace bytes conv needs for `args` (pointers unused); negative fields are never passed.
    int32_t (*conv_workspace)(void* impl, const ConvArgs* args, int64_t* bytes, OpError* err);
    int32_t (*conv)(void* impl, const ConvArgs* args, OpError* err);
    int32_t (*normalization)(void* impl, const NormArgs* args, OpError* err);
    // Synchronous: *failed receives the first bad target (row -1 when every target is valid); nothing is written then.
    int32_t (*cross_entropy)(void* impl, const CrossEntropyArgs* args, CrossEntropyFailure* failed, OpError* err);
    int32_t (*pool)(void* impl, const PoolArgs* args, OpError* err);
    int32_t (*activation)(void* impl, const ActivationArgs* args, OpError* err);
    // Synchronous as far as the state check: *failed receives the first non-finite state element (tensor -1: none).
    int32_t (*optimizer)(void* impl, const OptimizerArgs* args, OptimizerFailure* failed, OpError* err);
};

}  // namespace rk::backend
