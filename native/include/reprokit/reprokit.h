/*
 * ReproKit C API.
 *
 * One stable, versioned, C-only header. Every function returns an rk_status (or a plain value for
 * the few that cannot fail); on failure a thread-local message describing the error is available
 * from rk_last_error_message(). No function crashes or writes out of bounds on bad arguments.
 *
 * Results of every operation are "canonical": defined bit for bit by docs/spec.md and identical on
 * every backend, ISA and thread count.
 */
#ifndef REPROKIT_REPROKIT_H
#define REPROKIT_REPROKIT_H

#include <stdint.h>

#if defined(_WIN32)
#  if defined(REPROKIT_BUILDING)
#    define RK_API __declspec(dllexport)
#  else
#    define RK_API __declspec(dllimport)
#  endif
#else
#  define RK_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

/** ABI version of this header. Bumped on any incompatible change to a signature or struct. */
#define RK_ABI_VERSION 1
/** Library version: major.minor.patch. */
#define RK_VERSION_MAJOR 0
#define RK_VERSION_MINOR 1
#define RK_VERSION_PATCH 0

/** Status code returned by every fallible entry point. */
typedef enum rk_status {
    /** Success. */
    RK_STATUS_OK = 0,
    /** A required pointer argument was null. */
    RK_STATUS_NULL_POINTER = 1,
    /** An argument has a value outside its documented domain. */
    RK_STATUS_INVALID_ARGUMENT = 2,
    /** A size or count was negative, or an element/byte count would overflow. */
    RK_STATUS_SIZE_OVERFLOW = 3,
    /** Memory could not be allocated. */
    RK_STATUS_OUT_OF_MEMORY = 4,
    /** The request is valid but not supported by this build or machine (e.g. an ISA the CPU lacks). */
    RK_STATUS_UNSUPPORTED = 5,
    /** A handle was invalid (destroyed, or of the wrong kind). */
    RK_STATUS_INVALID_HANDLE = 6,
    /** An internal error; the message says what happened. Please report it. */
    RK_STATUS_INTERNAL = 7
} rk_status;

/** Instruction-set paths of the CPU backend. Every ISA gives the same bits. */
typedef enum rk_isa {
    /** Best ISA the CPU supports (overridden by the RK_ISA environment variable). */
    RK_ISA_AUTO = 0,
    /** Portable scalar C++. */
    RK_ISA_SCALAR = 1,
    /** x86-64 AVX2 + FMA. */
    RK_ISA_AVX2 = 2,
    /** x86-64 AVX-512 (F, DQ, BW, VL). */
    RK_ISA_AVX512 = 3,
    /** ARM64 NEON. */
    RK_ISA_NEON = 4
} rk_isa;

/** How a dropout mask is stored. */
typedef enum rk_mask_format {
    /** No mask (forward: none written; backward: regenerate it from the stream). */
    RK_MASK_NONE = 0,
    /** One byte per element: 1 = kept, 0 = dropped (when read back, any nonzero byte means kept). */
    RK_MASK_BYTES = 1,
    /** Bit-packed: element i is bit i % 32 of 32-bit word i / 32 (i counted from the buffer's start); unused bits of the last word are 0. */
    RK_MASK_BITS = 2
} rk_mask_format;

/** Opaque context: one per device. Holds the backend choice and its worker threads. */
typedef struct rk_context rk_context;

/** Where a context computes. */
typedef enum rk_device_kind {
    /** The CPU: buffers are host pointers. */
    RK_DEVICE_CPU = 0,
    /** One CUDA device: buffers are device pointers of that device (docs/cuda.md). */
    RK_DEVICE_CUDA = 1
} rk_device_kind;

/** Direction of rk_memcpy. */
typedef enum rk_copy_kind {
    /** dst is device memory of the context, src host memory. */
    RK_COPY_HOST_TO_DEVICE = 0,
    /** dst is host memory, src device memory of the context. */
    RK_COPY_DEVICE_TO_HOST = 1,
    /** Both are device memory of the context. */
    RK_COPY_DEVICE_TO_DEVICE = 2
} rk_copy_kind;

/** Description of a CUDA device, filled by rk_cuda_device_get_info. */
typedef struct rk_cuda_device_info {
    /** sizeof(rk_cuda_device_info) as the caller knows it. */
    uint32_t struct_size;
    /** Compute capability, major part (e.g. 9 for sm_90). */
    int32_t compute_major;
    /** Compute capability, minor part. */
    int32_t compute_minor;
    /** Number of streaming multiprocessors. */
    int32_t sm_count;
    /** Version of the installed CUDA driver (e.g. 12040 for 12.4). */
    int32_t driver_version;
    /** Version of the CUDA runtime the plugin was built with (e.g. 11080 for 11.8). */
    int32_t runtime_version;
    /** Device memory in bytes. */
    int64_t total_memory;
    /** Device name, NUL-terminated. */
    char name[256];
} rk_cuda_device_info;

/** Options for rk_cpu_context_create. Zero-initialise, then set struct_size = sizeof(rk_cpu_context_options). */
typedef struct rk_cpu_context_options {
    /** sizeof(rk_cpu_context_options) as the caller knows it (for forward compatibility). */
    uint32_t struct_size;
    /** ISA to use; RK_ISA_AUTO picks the best available (or the RK_ISA environment variable). */
    rk_isa isa;
    /** Worker threads; 0 = the RK_NUM_THREADS environment variable, else the number of hardware threads. */
    int32_t num_threads;
} rk_cpu_context_options;

/** A cuRAND-compatible Philox4x32-10 stream: curand_init(seed, subsequence, offset, &state). */
typedef struct rk_philox_stream {
    /** Key of the generator (cuRAND: seed). */
    uint64_t seed;
    /** High 64 bits of the block counter (cuRAND: subsequence). */
    uint64_t subsequence;
    /** Position in 32-bit words within the subsequence (cuRAND: offset). */
    uint64_t offset;
} rk_philox_stream;

/** Per-row token-sampling parameters (docs/sampling.md). The neutral values leave a filter off. */
typedef struct rk_sampling_params {
    /** Temperature T >= 0; 0 means greedy. Neutral: 1. */
    float temperature;
    /** Keep the top_k largest logits (ties at the k-th value kept); 0 = off; 1 = greedy. Neutral: 0. */
    int32_t top_k;
    /** Nucleus: keep the smallest prefix of tokens (by weight) whose mass reaches top_p; in (0, 1]. Neutral: 1. */
    double top_p;
    /** Keep tokens whose probability is at least min_p times the largest; in [0, 1). Neutral: 0. */
    double min_p;
} rk_sampling_params;

/** Description of a context, filled by rk_context_get_info. */
typedef struct rk_context_info {
    /** sizeof(rk_context_info) as the caller knows it. */
    uint32_t struct_size;
    /** The ISA a CPU context uses (never RK_ISA_AUTO); RK_ISA_AUTO for a CUDA context. */
    rk_isa isa;
    /** Number of threads a CPU context uses (at least 1); 0 for a CUDA context. */
    int32_t num_threads;
    /** CPU or CUDA. */
    rk_device_kind device_kind;
    /** The CUDA device index of a CUDA context; 0 for a CPU context. */
    int32_t device_index;
} rk_context_info;

/* ---- Library information ------------------------------------------------------------------- */

/** ABI version of the loaded library; compare with RK_ABI_VERSION. */
RK_API uint32_t rk_abi_version(void);

/** Library version string, e.g. "0.1.0". Never null; static storage. */
RK_API const char* rk_version_string(void);

/** Message of the last failed call on this thread ("" if none). Valid until the next call on this thread. */
RK_API const char* rk_last_error_message(void);

/** Name of a status code, e.g. "RK_STATUS_NULL_POINTER". Never null; static storage. */
RK_API const char* rk_status_name(rk_status status);

/** Name of an ISA, e.g. "avx512". Never null; static storage. */
RK_API const char* rk_isa_name(rk_isa isa);

/** Writes 1 to *out_supported if this machine and build can run the given ISA, else 0. */
RK_API rk_status rk_cpu_isa_supported(rk_isa isa, int32_t* out_supported);

/** Writes the CPU's brand string and detected features (NUL-terminated, truncated to capacity) into buffer. */
RK_API rk_status rk_cpu_description(char* buffer, int64_t capacity);

/* ---- Contexts ------------------------------------------------------------------------------ */

/** Creates a CPU context. options may be null (defaults). *out_context receives the handle. */
RK_API rk_status rk_cpu_context_create(const rk_cpu_context_options* options, rk_context** out_context);

/** Destroys a context. Null is accepted and does nothing. */
RK_API rk_status rk_context_destroy(rk_context* context);

/** Describes a context. info->struct_size must be set. */
RK_API rk_status rk_context_get_info(const rk_context* context, rk_context_info* info);

/* ---- CUDA devices, contexts and memory (docs/cuda.md) --------------------------------------- */

/**
 * Number of CUDA devices. RK_STATUS_UNSUPPORTED (with the reason in the message) when the CUDA plugin
 * (libreprokit_cuda.so, next to libreprokit or named by the REPROKIT_CUDA_PLUGIN environment variable) or
 * the NVIDIA driver is missing; 0 devices is RK_STATUS_OK with *out_count = 0.
 */
RK_API rk_status rk_cuda_device_count(int32_t* out_count);

/** Describes CUDA device `device`. info->struct_size must be set. */
RK_API rk_status rk_cuda_device_get_info(int32_t device, rk_cuda_device_info* info);

/**
 * Creates a context on CUDA device `device`. Operations on it take device pointers of that device and run
 * on the context's stream (the default stream until rk_cuda_context_set_stream); they return when the work
 * is queued, except rk_sample, which waits for its rows (to report row errors). Errors: RK_STATUS_UNSUPPORTED
 * (no plugin, no driver, no device), RK_STATUS_INVALID_ARGUMENT (no such device).
 */
RK_API rk_status rk_cuda_context_create(int32_t device, rk_context** out_context);

/**
 * Makes a CUDA context queue its work on `stream` (a cudaStream_t of the context's device, e.g. from another
 * CUDA binding; NULL = the default stream). Work already queued on the previous stream is waited for.
 */
RK_API rk_status rk_cuda_context_set_stream(rk_context* context, void* stream);

/** Waits until the context's queued work is done (CUDA: the stream; CPU: returns at once). */
RK_API rk_status rk_context_synchronize(rk_context* context);

/**
 * Allocates `bytes` of the context's memory: device memory on a CUDA context, 64-byte aligned host memory on
 * a CPU context. Free it with rk_device_free on the same context.
 */
RK_API rk_status rk_device_alloc(rk_context* context, int64_t bytes, void** out_pointer);

/** Frees memory from rk_device_alloc. Null is accepted and does nothing. */
RK_API rk_status rk_device_free(rk_context* context, void* pointer);

/**
 * Copies `bytes` between host and the context's memory (see rk_copy_kind). With async = 0 the call returns when
 * the copy is done; with async = 1 it is queued on the context's stream (host memory must then stay valid until
 * rk_context_synchronize). On a CPU context every kind is a plain memcpy.
 */
RK_API rk_status rk_memcpy(rk_context* context, void* dst, const void* src, int64_t bytes, rk_copy_kind kind,
                           int32_t async);

/* ---- Philox4x32 ---------------------------------------------------------------------------- */

/** The Philox4x32 block function with `rounds` rounds (1..16; 10 is standard): out = philox(counter, key). */
RK_API rk_status rk_philox4x32(uint32_t rounds, const uint32_t counter[4], const uint32_t key[2], uint32_t out[4]);

/** Fills out[0..count) with stream words: out[i] = word (stream.offset + i), equal to successive curand() results. */
RK_API rk_status rk_philox_fill_u32(rk_context* context, const rk_philox_stream* stream, uint32_t* out, int64_t count);

/** Fills out[0..count) with curand_uniform values in (0, 1]: out[i] = (float)w * 2^-32 + 2^-33, w = word (offset + i). */
RK_API rk_status rk_philox_fill_uniform(rk_context* context, const rk_philox_stream* stream, float* out, int64_t count);

/* ---- Distributions (docs/spec.md section 4): element i is a pure function of (stream, i) ---- */

/**
 * Uniform floats from low up to about high: out[i] = fma(u, span, low), span = high - low rounded to float, u = curand_uniform of
 * word (offset + i), u in (0, 1]. The range is [low, low + span] rounded: it can pass high by the rounding of span and of the
 * fma (an ulp or so of the larger magnitude; e.g. low = -1, high = 0.75 * 2^-23 gives 2^-23 for u = 1). Needs low <= high,
 * both finite, and a finite span.
 */
RK_API rk_status rk_philox_fill_uniform_range(rk_context* context, const rk_philox_stream* stream, float low, float high,
                                              float* out, int64_t count);

/** Normal floats by Box-Muller: elements 2j and 2j+1 come from words (offset + 2j, offset + 2j + 1). Needs stddev >= 0, both finite. Consumes 2 * ceil(count / 2) words. */
RK_API rk_status rk_philox_fill_normal(rk_context* context, const rk_philox_stream* stream, float mean, float stddev,
                                       float* out, int64_t count);

/** Truncated normal on [a, b] by inverse CDF (the method of torch.nn.init.trunc_normal_), one word per element. Needs stddev > 0, a < b, all finite. */
RK_API rk_status rk_philox_fill_truncated_normal(rk_context* context, const rk_philox_stream* stream, float mean,
                                                 float stddev, float a, float b, float* out, int64_t count);

/** Bernoulli(p) as 0/1 bytes: out[i] = 1 iff word (offset + i) < floor(p * 2^32). Needs 0 <= p <= 1. */
RK_API rk_status rk_philox_fill_bernoulli(rk_context* context, const rk_philox_stream* stream, double p, uint8_t* out,
                                          int64_t count);

/** Integers in [low, high): out[i] = low + floor(r * (high - low) / 2^64), r = word(2i) | word(2i+1) << 32. Needs low < high. Consumes 2 * count words. */
RK_API rk_status rk_philox_fill_int64(rk_context* context, const rk_philox_stream* stream, int64_t low, int64_t high,
                                      int64_t* out, int64_t count);

/* ---- Dropout (docs/spec.md section 7) ------------------------------------------------------- */

/** The float32 scale of kept elements, (float)(1 / (1 - p)) (+Inf for p = 1, when nothing is kept). Needs 0 <= p <= 1. */
RK_API rk_status rk_dropout_scale(double p, float* out_scale);

/** Number of bytes a mask of `count` elements needs in `format` (0 for RK_MASK_NONE). */
RK_API rk_status rk_dropout_mask_bytes(rk_mask_format format, int64_t count, int64_t* out_bytes);

/**
 * Training-mode dropout: y[i] = x[i] * scale if element i is kept, else +0. Element i is kept iff stream word
 * (offset + element_offset + i) >= floor(p * 2^32); element_offset is the global index of x[0] (a shard of a tensor
 * passes its position, and gets exactly its slice of the whole tensor's mask). y may equal x (in place) but must not
 * otherwise overlap it. The mask is written in `mask_format` (mask may be null only for RK_MASK_NONE).
 */
RK_API rk_status rk_dropout_forward(rk_context* context, const rk_philox_stream* stream, double p,
                                    uint64_t element_offset, const float* x, float* y, int64_t count,
                                    rk_mask_format mask_format, void* mask);

/**
 * Dropout backward: dx[i] = dy[i] * scale if element i was kept, else +0. With mask_format RK_MASK_NONE the mask is
 * regenerated from (stream, p, element_offset), so no mask memory is needed; otherwise it is read from `mask`.
 * dx may equal dy.
 */
RK_API rk_status rk_dropout_backward(rk_context* context, const rk_philox_stream* stream, double p,
                                     uint64_t element_offset, const float* dy, float* dx, int64_t count,
                                     rk_mask_format mask_format, const void* mask);

/** Writes only the keep mask of elements [element_offset, element_offset + count) in `mask_format` (not RK_MASK_NONE). */
RK_API rk_status rk_dropout_mask(rk_context* context, const rk_philox_stream* stream, double p,
                                 uint64_t element_offset, int64_t count, rk_mask_format mask_format, void* mask);

/* ---- Token sampling (docs/sampling.md) ------------------------------------------------------ */

/**
 * Samples one token per row of logits[batch][vocab] (row r starts at logits + r * row_stride), with row r's
 * parameters params[r] and stream streams[r]; a row consumes words (offset, offset + 1) of its stream. Writes
 * tokens[r]; optionally (each may be null) the chosen token's processed probability probs[r], its log-probability
 * logprobs[r] and the number of tokens the filters kept kept_counts[r]. A row's result depends only on that row's
 * logits, parameters and stream: never on the batch, the other rows or the backend. 1 <= vocab < 2^21,
 * row_stride >= vocab. NaN or +Inf logits, or a row without a finite logit, fail with a message naming the row.
 * No output may overlap the logits, params, streams or another output (RK_STATUS_INVALID_ARGUMENT).
 * On a CUDA context logits and the outputs are device pointers, params and streams host arrays, and the call waits
 * for its rows (so that a row error is reported here).
 */
RK_API rk_status rk_sample(rk_context* context, const float* logits, int64_t batch, int64_t vocab, int64_t row_stride,
                           const rk_sampling_params* params, const rk_philox_stream* streams, int32_t* tokens,
                           float* probs, float* logprobs, int32_t* kept_counts);

/* ---- Permutations (docs/permutation.md) ----------------------------------------------------- */

/** Random-access permutation of [0, n) keyed by (seed, subsequence): out[k] = perm(first + k) (inverse: perm^-1). 1 <= n <= 2^63. */
RK_API rk_status rk_permutation(rk_context* context, uint64_t n, uint64_t seed, uint64_t subsequence, int32_t inverse,
                                uint64_t first, uint64_t* out, int64_t count);

/* ---- Golden suite (docs/reproducibility.md) ------------------------------------------------- */

/** Number of golden cases compiled into the library. */
RK_API int32_t rk_golden_case_count(void);

/** Name of golden case `index` and its recorded SHA-256 (64 hex digits; "" if none is recorded), NUL-terminated. */
RK_API rk_status rk_golden_case_info(int32_t index, char* name, int64_t name_capacity, char* expected_sha256,
                                     int64_t expected_capacity);

/** Runs golden case `index` on the context and writes the SHA-256 of its output (64 hex digits + NUL: 65 bytes). */
RK_API rk_status rk_golden_case_run(rk_context* context, int32_t index, char* sha256, int64_t capacity);

/**
 * SHA-256 (FIPS 180-4) of data[0, bytes), written as 64 lower-case hex digits + NUL (65 bytes): the digest the golden
 * suite and the C# OutputDigest use, computed here so that it needs no system crypto library on any OS. data may be
 * NULL when bytes is 0.
 */
RK_API rk_status rk_sha256(const void* data, int64_t bytes, char* sha256, int64_t capacity);

/** Converts words to curand_uniform values: out[i] = (float)words[i] * 2^-32 + 2^-33 (the formula fills use). */
RK_API rk_status rk_uniform_from_words(const uint32_t* words, float* out, int64_t count);

/* ---- 2-D convolution (docs/conv.md) ------------------------------------------------------- */

/** Memory layout of the activations x, y, dy, dx. Weights are always KCRS: w[k][c / groups][r][s], in both layouts. */
typedef enum rk_conv_layout {
    /** x[n][c][h][w], y[n][k][p][q]. */
    RK_LAYOUT_NCHW = 0,
    /** x[n][h][w][c], y[n][p][q][k]. */
    RK_LAYOUT_NHWC = 1
} rk_conv_layout;

/**
 * Convolution algorithms. Each is its own canonical function (docs/conv.md): the same bits on every backend, ISA,
 * thread count and batch size. DIRECT and IMPLICIT_GEMM are one canonical function (identical bits).
 */
typedef enum rk_conv_algorithm {
    /** A documented pure function of the problem shape picks one of the others (rk_conv2d_query reports which). */
    RK_CONV_AUTO = 0,
    /** Direct convolution: per output, one FMA chain over (c' ascending, r, s). Every shape and pass. */
    RK_CONV_DIRECT = 1,
    /** Implicit GEMM: the same canonical function as RK_CONV_DIRECT (identical bits), faster on large channel counts. */
    RK_CONV_IMPLICIT_GEMM = 2,
    /** Winograd F(2x2, 3x3), forward only: 3x3 kernels, stride 1, dilation 1. */
    RK_CONV_WINOGRAD_2X3 = 3,
    /** Winograd F(4x4, 3x3), forward only: 3x3 kernels, stride 1, dilation 1. */
    RK_CONV_WINOGRAD_4X3 = 4,
    /** FFT convolution on 16x16 tiles, forward only: stride 1, dilation 1, kernels up to 13x13. */
    RK_CONV_FFT = 5
} rk_conv_algorithm;

/** The pass a workspace query is about. */
typedef enum rk_conv_pass {
    /** rk_conv2d_forward. */
    RK_CONV_PASS_FORWARD = 0,
    /** rk_conv2d_backward_data (always the direct canonical function). */
    RK_CONV_PASS_BACKWARD_DATA = 1,
    /** rk_conv2d_backward_weights (always the direct canonical function, chunked reduction). */
    RK_CONV_PASS_BACKWARD_WEIGHTS = 2
} rk_conv_pass;

/** Positions per chunk of the weight- and bias-gradient reductions over (n, p, q) (docs/conv.md). */
#define RK_CONV_REDUCTION_CHUNK 256

/**
 * A 2-D convolution problem. Zero-initialise, then set struct_size = sizeof(rk_conv2d_desc) and every field.
 * Output size: p = (h + pad_top + pad_bottom - dilation_h * (r - 1) - 1) / stride_h + 1 (floor), q likewise.
 */
typedef struct rk_conv2d_desc {
    /** sizeof(rk_conv2d_desc) as the caller knows it (for forward compatibility). */
    uint32_t struct_size;
    /** Layout of x, y, dy and dx. */
    rk_conv_layout layout;
    /** Batch size (>= 1). */
    int64_t n;
    /** Input channels (>= 1, a multiple of groups). */
    int64_t c;
    /** Input height (>= 1). */
    int64_t h;
    /** Input width (>= 1). */
    int64_t w;
    /** Output channels (>= 1, a multiple of groups). */
    int64_t k;
    /** Kernel height (>= 1). */
    int64_t r;
    /** Kernel width (>= 1). */
    int64_t s;
    /** Vertical stride (>= 1). */
    int32_t stride_h;
    /** Horizontal stride (>= 1). */
    int32_t stride_w;
    /** Zero rows added above the input (>= 0). */
    int32_t pad_top;
    /** Zero rows added below the input (>= 0). */
    int32_t pad_bottom;
    /** Zero columns added left of the input (>= 0). */
    int32_t pad_left;
    /** Zero columns added right of the input (>= 0). */
    int32_t pad_right;
    /** Vertical dilation (>= 1). */
    int32_t dilation_h;
    /** Horizontal dilation (>= 1). */
    int32_t dilation_w;
    /** Groups (>= 1, divides c and k); groups = c with k = c * m is a depthwise convolution. */
    int32_t groups;
} rk_conv2d_desc;

/** Validates desc and writes the output height *out_p and width *out_q (either pointer may be null). */
RK_API rk_status rk_conv2d_output_shape(const rk_conv2d_desc* desc, int64_t* out_p, int64_t* out_q);

/**
 * Resolves an algorithm for a pass and reports its workspace. RK_CONV_AUTO resolves by the rule of docs/conv.md (a
 * pure function of the shape); an algorithm that does not support the shape or pass returns RK_STATUS_UNSUPPORTED with
 * a message saying why (never a silent fallback). Backward passes accept RK_CONV_AUTO, RK_CONV_DIRECT and
 * RK_CONV_IMPLICIT_GEMM and report RK_CONV_DIRECT. *out_chosen and *out_workspace_bytes (either may be null) receive
 * the algorithm and the workspace bytes the call needs on a CPU context (0 if none); the size depends on the shape only.
 * A CUDA context needs no workspace (it ignores one passed to it).
 */
RK_API rk_status rk_conv2d_query(const rk_conv2d_desc* desc, rk_conv_pass pass, rk_conv_algorithm requested,
                                 rk_conv_algorithm* out_chosen, int64_t* out_workspace_bytes);

/**
 * Forward convolution: y = conv(x, w) (+ bias[k] per output channel, added last as a separate float add).
 * x, w, y: see rk_conv_layout; bias may be null. workspace may be null (the library allocates it), else it must hold
 * the workspace_bytes that rk_conv2d_query reports (any alignment). y must not overlap x, w, bias or workspace.
 * *out_chosen (may be null) receives the algorithm used.
 */
RK_API rk_status rk_conv2d_forward(rk_context* context, const rk_conv2d_desc* desc, rk_conv_algorithm algorithm,
                                   const float* x, const float* w, const float* bias, float* y, void* workspace,
                                   int64_t workspace_bytes, rk_conv_algorithm* out_chosen);

/**
 * Gradient with respect to the input: dx from dy (shaped like y) and w, by the direct canonical function. workspace as
 * in rk_conv2d_forward (size from rk_conv2d_query with RK_CONV_PASS_BACKWARD_DATA). dx must not overlap dy, w or
 * workspace.
 */
RK_API rk_status rk_conv2d_backward_data(rk_context* context, const rk_conv2d_desc* desc, const float* dy,
                                         const float* w, float* dx, void* workspace, int64_t workspace_bytes);

/**
 * Gradients with respect to the weights, dw[k][c / groups][r][s], and (if dbias is not null) the bias, dbias[k], from x
 * and dy: reductions over (n, p, q) in chunks of RK_CONV_REDUCTION_CHUNK positions, chunk sums added in order.
 * workspace as in rk_conv2d_forward (size from rk_conv2d_query with RK_CONV_PASS_BACKWARD_WEIGHTS). dw and dbias must
 * not overlap each other, x, dy or workspace.
 */
RK_API rk_status rk_conv2d_backward_weights(rk_context* context, const rk_conv2d_desc* desc, const float* x,
                                            const float* dy, float* dw, float* dbias, void* workspace,
                                            int64_t workspace_bytes);

/* ---- Linear layers (docs/training.md section 1) ------------------------------------------------------------- */

/**
 * y = x W^T + b: x [batch][in_features], w [out_features][in_features] (PyTorch's nn.Linear layout), bias
 * [out_features] or null, y [batch][out_features], all the context's memory. Bitwise equal to rk_conv2d_forward with a
 * 1x1 kernel on NCHW [batch, in_features, 1, 1]; a row of y depends only on its row of x (batch-invariant). Every size
 * is at least 1 (2^40 at most, and every tensor addressable). y must not overlap x, w or bias.
 */
RK_API rk_status rk_linear_forward(rk_context* context, int64_t batch, int64_t in_features, int64_t out_features,
                                   const float* x, const float* w, const float* bias, float* y);

/** dx [batch][in_features] from dy [batch][out_features] and w: conv2d's backward-data chain. dx must not overlap dy or w. */
RK_API rk_status rk_linear_backward_data(rk_context* context, int64_t batch, int64_t in_features, int64_t out_features,
                                         const float* dy, const float* w, float* dx);

/**
 * dw [out_features][in_features] (and dbias [out_features] when not null) from x and dy: conv2d's weight and bias
 * gradients, reduced over the batch rows in chunks of 256. dw and dbias must not overlap each other, x or dy.
 */
RK_API rk_status rk_linear_backward_weights(rk_context* context, int64_t batch, int64_t in_features,
                                            int64_t out_features, const float* x, const float* dy, float* dw,
                                            float* dbias);

/* ---- Normalization (docs/training.md section 4) ---------------------------------------------------------------- */

/**
 * BatchNorm2d in training, NCHW x [n][c][h][w]: per channel, mean and biased variance over the M = n*h*w positions
 * (canonical sums), y = fma(x - mean, invstd * gamma, beta); save_mean[c] and save_invstd[c] receive the statistics
 * the backward needs. gamma and beta [c] may each be null (1 and +0). running_mean and running_var [c], both or
 * neither, are updated in place with PyTorch's momentum convention (unbiased variance). Every size is at least 1 and
 * M at least 2; eps is finite and >= 0, momentum in [0, 1]. No output may overlap another buffer.
 */
RK_API rk_status rk_batchnorm2d_forward_training(rk_context* context, int64_t n, int64_t c, int64_t h, int64_t w,
                                                 float eps, float momentum, const float* x, const float* gamma,
                                                 const float* beta, float* y, float* save_mean, float* save_invstd,
                                                 float* running_mean, float* running_var);

/** BatchNorm2d in evaluation: y = fma(x - running_mean, gamma / sqrt(running_var + eps), beta) per channel. */
RK_API rk_status rk_batchnorm2d_forward_inference(rk_context* context, int64_t n, int64_t c, int64_t h, int64_t w,
                                                  float eps, const float* x, const float* gamma, const float* beta,
                                                  const float* running_mean, const float* running_var, float* y);

/**
 * BatchNorm2d training backward from x, dy and the forward's save_mean / save_invstd: dx, and (each when not null)
 * dgamma = sum(dy * xhat) and dbeta = sum(dy) per channel (canonical sums).
 */
RK_API rk_status rk_batchnorm2d_backward_training(rk_context* context, int64_t n, int64_t c, int64_t h, int64_t w,
                                                  const float* x, const float* dy, const float* gamma,
                                                  const float* save_mean, const float* save_invstd, float* dx,
                                                  float* dgamma, float* dbeta);

/** BatchNorm2d evaluation backward: dx = dy * (gamma / sqrt(running_var + eps)). */
RK_API rk_status rk_batchnorm2d_backward_inference(rk_context* context, int64_t n, int64_t c, int64_t h, int64_t w,
                                                   float eps, const float* dy, const float* gamma,
                                                   const float* running_var, float* dx);

/**
 * LayerNorm over the last dimension: x [rows][features], per row mean and biased variance (canonical sums),
 * y = fma((x - mean) * invstd, gamma, beta) with gamma, beta [features] (each may be null: 1 and +0); save_mean and
 * save_invstd [rows] receive the statistics. A row of y depends only on its row of x.
 */
RK_API rk_status rk_layernorm_forward(rk_context* context, int64_t rows, int64_t features, float eps, const float* x,
                                      const float* gamma, const float* beta, float* y, float* save_mean,
                                      float* save_invstd);

/**
 * LayerNorm backward: dx per row, and (each when not null) dgamma[i] = sum over rows of dy * xhat and
 * dbeta[i] = sum over rows of dy (canonical sums over the rows, ascending).
 */
RK_API rk_status rk_layernorm_backward(rk_context* context, int64_t rows, int64_t features, const float* x,
                                       const float* dy, const float* gamma, const float* save_mean,
                                       const float* save_invstd, float* dx, float* dgamma, float* dbeta);
/* ---- Cross-entropy loss (docs/training.md sections 0 and 5) --------------------------------------------------- */

/** How rk_cross_entropy_* reduce the per-row losses. */
typedef enum rk_loss_reduction {
    /** One loss per row: loss[batch]. */
    RK_REDUCTION_NONE = 0,
    /** The canonical sum of the row losses: loss[1]. */
    RK_REDUCTION_SUM = 1,
    /** That sum / (float)count, count = the rows whose target is not ignore_index (NaN when there is none): loss[1]. */
    RK_REDUCTION_MEAN = 2
} rk_loss_reduction;

/** Elements per chunk of the canonical sum (docs/training.md section 0): 16 lane sums per chunk, chunks added in order. */
#define RK_CANONICAL_SUM_CHUNK 2048

/**
 * Cross-entropy with class indices (PyTorch's cross_entropy with integer targets): per row r of logits[batch][classes]
 * (dense), m = max, s = canonical sum of exp(x - m), loss = m + log(s) - x[t] (with label_smoothing eps > 0:
 * fma(1 - eps, that, eps * (lse - sum(x) / classes))), ReproKit's portable exp and log. targets[batch] (int64) are in
 * [0, classes) or equal to ignore_index (such a row's loss is +0 and it does not count for the mean). loss receives
 * batch values (RK_REDUCTION_NONE) or one (SUM, MEAN). A row's loss depends only on that row. batch >= 0,
 * 1 <= classes, label_smoothing in [0, 1]. A target outside [0, classes) that is not ignore_index fails the call
 * (RK_STATUS_INVALID_ARGUMENT, the message names the first such row and its target) before anything is written; on a
 * CUDA context the call therefore waits for the target check. loss must not overlap logits or targets.
 */
RK_API rk_status rk_cross_entropy_forward(rk_context* context, int64_t batch, int64_t classes, const float* logits,
                                          const int64_t* targets, int64_t ignore_index, float label_smoothing,
                                          rk_loss_reduction reduction, float* loss);

/**
 * The gradient of rk_cross_entropy_forward with respect to the logits: dlogits[r][i] = (p_i - q_i) * g with
 * p_i = exp(x_i - m) / s, q_i = label_smoothing / classes (+ (1 - label_smoothing) for i = t) and g = dloss[r]
 * (RK_REDUCTION_NONE: dloss has batch values), dloss[0] (SUM) or dloss[0] / count (MEAN); ignored rows get +0.
 * Arguments and target errors as in the forward. dlogits must not overlap logits, targets or dloss.
 */
RK_API rk_status rk_cross_entropy_backward(rk_context* context, int64_t batch, int64_t classes, const float* logits,
                                           const int64_t* targets, int64_t ignore_index, float label_smoothing,
                                           rk_loss_reduction reduction, const float* dloss, float* dlogits);

/* ---- 2-D pooling (docs/training.md section 3) ------------------------------------------------------------------ */

/** The pooling of an rk_pool2d_desc. */
typedef enum rk_pool_mode {
    /** MaxPool2d: the window's maximum (PyTorch's tie and NaN rule), optionally its index. */
    RK_POOL_MAX = 0,
    /** AvgPool2d: the window's sum / divisor (no dilation). */
    RK_POOL_AVG = 1
} rk_pool_mode;

/**
 * A 2-D pooling problem (PyTorch's MaxPool2d / AvgPool2d). Zero-initialise, then set struct_size =
 * sizeof(rk_pool2d_desc) and the fields. Output size per axis: o = floor((h + 2 pad - dilation (kernel - 1) - 1 +
 * (ceil_mode ? stride - 1 : 0)) / stride) + 1, less one when ceil_mode and (o - 1) stride >= h + pad; it must be >= 1.
 */
typedef struct rk_pool2d_desc {
    /** sizeof(rk_pool2d_desc) as the caller knows it (for forward compatibility). */
    uint32_t struct_size;
    /** RK_POOL_MAX or RK_POOL_AVG. */
    rk_pool_mode mode;
    /** Layout of x, y, dy, dx and indices (y[n][c][p][q] or y[n][p][q][c]). */
    rk_conv_layout layout;
    /** Window height (>= 1). */
    int32_t kernel_h;
    /** Window width (>= 1). */
    int32_t kernel_w;
    /** Batch size (>= 1, at most 2^40). */
    int64_t n;
    /** Channels (>= 1, at most 2^40). */
    int64_t c;
    /** Input height (>= 1, at most 2^40). */
    int64_t h;
    /** Input width (>= 1, at most 2^40). */
    int64_t w;
    /** Vertical stride (>= 1; PyTorch's default is the kernel size). */
    int32_t stride_h;
    /** Horizontal stride (>= 1). */
    int32_t stride_w;
    /** Implicit padding above and below (>= 0, at most kernel_h / 2, as PyTorch). */
    int32_t pad_h;
    /** Implicit padding left and right (>= 0, at most kernel_w / 2). */
    int32_t pad_w;
    /** Vertical dilation (>= 1; RK_POOL_AVG: 1). */
    int32_t dilation_h;
    /** Horizontal dilation (>= 1; RK_POOL_AVG: 1). */
    int32_t dilation_w;
    /** Nonzero: the output size rounds up (PyTorch's ceil_mode). */
    int32_t ceil_mode;
    /** RK_POOL_AVG: nonzero divides by the pool size including padding, zero by the count of summed elements. */
    int32_t count_include_pad;
    /** RK_POOL_AVG: nonzero divides by this instead; 0 for none. RK_POOL_MAX: 0. */
    int32_t divisor_override;
} rk_pool2d_desc;

/** Validates desc and writes the output height *out_h and width *out_w (either pointer may be null). */
RK_API rk_status rk_pool2d_output_shape(const rk_pool2d_desc* desc, int64_t* out_h, int64_t* out_w);

/**
 * Pooling forward: y[n][c][p][q] (in desc->layout) from x. RK_POOL_MAX: indices (int64, h * w_in + w within the
 * plane, in y's layout) is written when not null; RK_POOL_AVG: indices must be null. y and indices must not overlap
 * x or each other.
 */
RK_API rk_status rk_pool2d_forward(rk_context* context, const rk_pool2d_desc* desc, const float* x, float* y,
                                   int64_t* indices);

/**
 * Pooling backward, a gather in a fixed order (deterministic for overlapping windows): dx from dy (shaped like y).
 * RK_POOL_MAX needs the forward's indices (an index that is not a position of its window contributes nothing);
 * RK_POOL_AVG takes none (indices null). dx must not overlap dy or indices.
 */
RK_API rk_status rk_pool2d_backward(rk_context* context, const rk_pool2d_desc* desc, const float* dy,
                                    const int64_t* indices, float* dx);

/**
 * Global average pooling: y[n][c] = sum(plane) / (float)(h * w), the canonical sum of the plane (h * w_in + w order);
 * x in `layout`, y [n][c] (both layouts). n, c, h, w >= 1 (at most 2^40, x addressable). y must not overlap x.
 */
RK_API rk_status rk_global_avg_pool2d_forward(rk_context* context, rk_conv_layout layout, int64_t n, int64_t c,
                                              int64_t h, int64_t w, const float* x, float* y);

/** Its gradient: dx = dy[n][c] / (float)(h * w) for every element of plane (n, c); dx in `layout`. dx must not overlap dy. */
RK_API rk_status rk_global_avg_pool2d_backward(rk_context* context, rk_conv_layout layout, int64_t n, int64_t c,
                                               int64_t h, int64_t w, const float* dy, float* dx);
/* ---- Activations (docs/training.md section 2) ------------------------------------------------------------------- */

/** An elementwise activation. Each is a canonical function (docs/training.md section 2), forward and backward. */
typedef enum rk_activation {
    /** y = x > 0 ? x : +0 (NaN passes); dx = x > 0 or x is NaN ? dy : +0 (the gradient at 0 is 0). */
    RK_ACTIVATION_RELU = 0,
    /** y = x > 0 ? x : x * negative_slope; dx = x > 0 ? dy : dy * negative_slope. */
    RK_ACTIVATION_LEAKY_RELU = 1,
    /** GELU, erf form (PyTorch's approximate='none'): y = (x * 0.5) * (1 + erf(x / sqrt 2)). */
    RK_ACTIVATION_GELU = 2,
    /** GELU, tanh form (PyTorch's approximate='tanh'): y = (x * 0.5) * (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))). */
    RK_ACTIVATION_GELU_TANH = 3
} rk_activation;

/**
 * y[i] = f(x[i]) for the activation `kind`; negative_slope is LeakyReLU's (finite; ignored by the other kinds). y may
 * equal x (in place) but must not otherwise overlap it.
 */
RK_API rk_status rk_activation_forward(rk_context* context, rk_activation kind, float negative_slope, const float* x,
                                       float* y, int64_t count);

/**
 * dx[i] = f'(x[i]) dy[i] as docs/training.md defines it, from the forward's input x and the output's gradient dy. dx may
 * equal dy (in place) but must not otherwise overlap dy, and must not overlap x.
 */
RK_API rk_status rk_activation_backward(rk_context* context, rk_activation kind, float negative_slope, const float* x,
                                        const float* dy, float* dx, int64_t count);

/* ---- Optimizers (docs/training.md section 6) -------------------------------------------------------------------- */

/**
 * SGD hyperparameters, binary64 like PyTorch's (torch.optim.SGD). Zero-initialise, then set struct_size =
 * sizeof(rk_sgd_hyperparams) and the fields. All finite; lr >= 0, momentum >= 0, weight_decay >= 0; nesterov needs
 * momentum > 0 and dampening = 0.
 */
typedef struct rk_sgd_hyperparams {
    /** sizeof(rk_sgd_hyperparams) as the caller knows it (for forward compatibility). */
    uint32_t struct_size;
    /** 1: Nesterov momentum; 0: plain momentum. */
    int32_t nesterov;
    /** Learning rate (>= 0). */
    double lr;
    /** Momentum factor (>= 0; 0: no momentum buffers). */
    double momentum;
    /** Dampening of the momentum (any finite value; 0 with Nesterov). */
    double dampening;
    /** L2 penalty added to the gradient (>= 0). */
    double weight_decay;
    /** 1: maximize the objective (the gradient's sign is flipped); 0: minimize. */
    int32_t maximize;
} rk_sgd_hyperparams;

/**
 * Adam / AdamW hyperparameters, binary64 like PyTorch's (torch.optim.Adam / AdamW). Zero-initialise, then set
 * struct_size = sizeof(rk_adam_hyperparams) and the fields. All finite; lr >= 0, 0 <= beta1 < 1, 0 <= beta2 < 1,
 * eps >= 0, weight_decay >= 0.
 */
typedef struct rk_adam_hyperparams {
    /** sizeof(rk_adam_hyperparams) as the caller knows it (for forward compatibility). */
    uint32_t struct_size;
    /** 1: AdamW (decoupled weight decay, p = p * (1 - lr * weight_decay)); 0: Adam (weight_decay * p added to g). */
    int32_t decoupled_weight_decay;
    /** Learning rate (>= 0). */
    double lr;
    /** Decay of the first moment, in [0, 1). */
    double beta1;
    /** Decay of the second moment, in [0, 1). */
    double beta2;
    /** Added to the denominator (>= 0). */
    double eps;
    /** Weight decay (>= 0). */
    double weight_decay;
    /** 1: maximize the objective (the gradient's sign is flipped); 0: minimize. */
    int32_t maximize;
} rk_adam_hyperparams;

/**
 * One SGD step over tensor_count tensors: tensor i is params[i], grads[i] and (momentum != 0) momentum_buffers[i], each
 * counts[i] floats. The arrays are host arrays; the tensors are the context's memory (device pointers on a CUDA
 * context). first_step = 1 initialises the buffers to the step's gradient (b = g, their content is not read), as
 * PyTorch does when a parameter has no buffer yet; later steps pass 0. momentum_buffers may be null when momentum is 0.
 * The buffers belong to the caller (a checkpoint saves them). Before anything is written, every buffer element the
 * step reads is checked: a NaN or infinity fails with RK_STATUS_INVALID_ARGUMENT naming the first one in (tensor,
 * element) order, and nothing is updated. Written buffers (params, momentum_buffers) must not overlap any other buffer
 * of the call. A pointer may be null where its count is 0. On a CUDA context the call waits for the state check.
 */
RK_API rk_status rk_sgd_step(rk_context* context, const rk_sgd_hyperparams* hyper, int32_t first_step,
                             int64_t tensor_count, float* const* params, const float* const* grads,
                             float* const* momentum_buffers, const int64_t* counts);

/**
 * One Adam / AdamW step over tensor_count tensors: params[i], grads[i], exp_avg[i] (m) and exp_avg_sq[i] (v), each
 * counts[i] floats; host arrays of the context's memory as in rk_sgd_step. step is this update's number t >= 1 (the
 * first update is 1; PyTorch's state["step"] after it), shared by the tensors of the call; zero m and v before step 1.
 * The bias corrections 1 - beta^t are computed in binary64 (beta^t by binary exponentiation). m, v and t belong to the
 * caller (a checkpoint saves them). A NaN or infinity in m or v fails with RK_STATUS_INVALID_ARGUMENT naming the first
 * one in (tensor, element) order, before anything is written. params, exp_avg and exp_avg_sq must not overlap any other
 * buffer of the call. On a CUDA context the call waits for the state check.
 */
RK_API rk_status rk_adam_step(rk_context* context, const rk_adam_hyperparams* hyper, int64_t step,
                              int64_t tensor_count, float* const* params, const float* const* grads,
                              float* const* exp_avg, float* const* exp_avg_sq, const int64_t* counts);

#ifdef __cplusplus
}
#endif

#endif /* REPROKIT_REPROKIT_H */
