// reprokit_cuda_launches: the launch table of the CUDA plugin, taken from the plugin's own launch code.
//
// The kernel headers (native/src/cuda/kernels/*.cuh) hold both the kernels and their launch functions
// (launch_fill, launch_permutation, launch_dropout, launch_sample, launch_conv, launch_normalization,
// launch_cross_entropy_check, launch_cross_entropy, launch_pool, launch_activation, launch_optimizer_check / _update):
// plugin.cu calls nothing else.
// This tool compiles those headers on the host (with inert stand-ins for CUDA's names: no kernel runs here), defines
// RK_LAUNCH as a recorder that notes (kernel, grid, block), and calls every launch function for
// every operation variant at typical sizes and at the largest sizes the C API accepts. The largest sizes are
// probed through the public C API first (a count the API accepts reaches the null-pointer check; one past it is
// refused as RK_STATUS_SIZE_OVERFLOW; conv shapes pass rk_conv2d_query for the algorithm), so the table follows
// the API's limits, not a copy of them. scripts/check-cuda-resources.sh holds these launches against each
// kernel's resources in the plugin's cubins (cuobjdump) and the limits of every architecture.
//
// Output, one line per launch (whitespace-separated; dynamic shared memory is what RK_LAUNCH passes under nvcc,
// which the checker verifies in device_compat.cuh):
//   launch <kernel> <case> <grid.x> <grid.y> <grid.z> <block.x> <block.y> <block.z> <dynamic shared bytes>
// and "limit <name> <value>" lines naming the API limits used.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

// Host stand-ins for the CUDA names the kernel sources use (device_compat.cuh accepts them under
// RK_SIMT_EMULATION). The kernels are compiled, never called: only their launch functions run.
#define RK_SIMT_EMULATION 1
struct dim3 {
    unsigned x, y, z;
    constexpr dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};
struct uint3 {
    unsigned x, y, z;
};
using cudaStream_t = struct rk_launch_table_stream*;
#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __shared__ static
inline const uint3 threadIdx{0, 0, 0}, blockIdx{0, 0, 0};
inline const dim3 blockDim{1, 1, 1}, gridDim{1, 1, 1};
inline void __syncthreads() {}
template <class T>
T __shfl_xor_sync(unsigned, T v, int) { return v; }
template <class T>
T __shfl_up_sync(unsigned, T v, unsigned) { return v; }
template <class T>
T atomicAdd(T* p, T v) { const T old = *p; *p = old + v; return old; }
template <class T>
T atomicMin(T* p, T v) { const T old = *p; *p = v < old ? v : old; return old; }

namespace rk::launches {

struct Launch {
    std::string kernel;
    dim3 grid, block;
};
std::vector<Launch>& recorded() {
    static std::vector<Launch> v;
    return v;
}

// Records a launch; the kernel's arguments are accepted and ignored (nothing runs).
struct Recorder {
    const char* kernel;
    dim3 grid, block;
    template <class... Args>
    void operator()(Args&&...) const {
        recorded().push_back(Launch{kernel, grid, block});
    }
};

}  // namespace rk::launches

#define RK_LAUNCH(kernel, grid, block, stream) \
    (void)(stream), ::rk::launches::Recorder{#kernel, dim3(grid), dim3(block)}

// The kernels and their launch functions, after the recorder:
#include "cuda/kernels/activation_kernels.cuh"
#include "cuda/kernels/conv2d_kernels.cuh"
#include "cuda/kernels/dropout_kernels.cuh"
#include "cuda/kernels/fill_kernels.cuh"
#include "cuda/kernels/norm_kernels.cuh"
#include "cuda/kernels/loss_kernels.cuh"
#include "cuda/kernels/pool2d_kernels.cuh"
#include "cuda/kernels/optimizer_kernels.cuh"
#include "cuda/kernels/sampling_kernels.cuh"

#include "reprokit/reprokit.h"

namespace {

using namespace rk;
using rk::launches::recorded;

int g_errors = 0;

void fail(const std::string& what) {
    std::fprintf(stderr, "reprokit_cuda_launches: %s\n", what.c_str());
    ++g_errors;
}

// Prints the launches recorded since `from` under `case_name`, and checks that there was at least one.
void emit(size_t from, const std::string& case_name) {
    if (recorded().size() == from) fail("no launch recorded for case " + case_name);
    for (size_t i = from; i < recorded().size(); ++i) {
        const auto& l = recorded()[i];
        std::string name;
        for (char ch : l.kernel)
            if (ch != ' ') name += ch;
        std::printf("launch %s %s %u %u %u %u %u %u 0\n", name.c_str(), case_name.c_str(), l.grid.x, l.grid.y,
                    l.grid.z, l.block.x, l.block.y, l.block.z);
    }
}

constexpr int64_t kPtrdiffMax = INT64_MAX;

// The largest count the API accepts for `probe` (which calls the entry point with that count and null data):
// max_count must reach the null-pointer check, max_count + 1 must be refused as a size overflow.
template <class Probe>
int64_t api_max(const char* what, int64_t max_count, Probe probe) {
    const rk_status at = probe(max_count);
    if (at != RK_STATUS_NULL_POINTER)
        fail(std::string(what) + ": the API refuses count " + std::to_string(max_count) + " (" + rk_status_name(at) +
             ": " + rk_last_error_message() + "); the launch table's largest size is out of date");
    if (max_count < INT64_MAX) {
        const rk_status past = probe(max_count + 1);
        if (past != RK_STATUS_SIZE_OVERFLOW)
            fail(std::string(what) + ": the API accepts count " + std::to_string(max_count + 1) + " (" +
                 rk_status_name(past) + "); the launch table's largest size is out of date");
    }
    std::printf("limit %s %lld\n", what, static_cast<long long>(max_count));
    return max_count;
}

backend::FillArgs fill_args(backend::FillKind kind, uint64_t count) {
    backend::FillArgs a{};
    a.kind = kind;
    a.stream = core::PhiloxStream{1, 2, 3};  // lane 3: the most blocks for a count
    a.count = count;
    a.a = 0.0f;
    a.b = 1.0f;
    a.threshold = 1ull << 31;
    a.low = 0;
    a.span = 10;
    a.truncated = core::TruncatedNormalParams{};
    return a;
}

rk_conv2d_desc conv_desc(int64_t n, int64_t c, int64_t h, int64_t w, int64_t k, int64_t r, int64_t s, int32_t pad,
                         int32_t groups, int32_t stride = 1) {
    rk_conv2d_desc d{};
    d.struct_size = sizeof d;
    d.layout = RK_LAYOUT_NCHW;
    d.n = n, d.c = c, d.h = h, d.w = w, d.k = k, d.r = r, d.s = s;
    d.stride_h = d.stride_w = stride;
    d.dilation_h = d.dilation_w = 1;
    d.groups = groups;
    d.pad_top = d.pad_bottom = d.pad_left = d.pad_right = pad;
    return d;
}

// The geometry the C API builds for a validated descriptor (cpu/conv2d_plan.cpp, conv_geometry).
core::ConvGeometry geometry(const rk_conv2d_desc& d) {
    core::ConvGeometry g{};
    g.n = d.n, g.c = d.c, g.h = d.h, g.w = d.w, g.k = d.k, g.r = d.r, g.s = d.s;
    g.sh = d.stride_h, g.sw = d.stride_w, g.pt = d.pad_top, g.pb = d.pad_bottom, g.pl = d.pad_left, g.pr = d.pad_right;
    g.dh = d.dilation_h, g.dw = d.dilation_w, g.groups = d.groups;
    g.cg = d.c / d.groups, g.kg = d.k / d.groups;
    if (rk_conv2d_output_shape(&d, &g.p, &g.q) != RK_STATUS_OK) fail(std::string("conv shape: ") + rk_last_error_message());
    g.nhwc = false;
    return g;
}

struct ConvCase {
    const char* name;
    rk_conv2d_desc desc;
};

}  // namespace

int main() {
    rk_context* cpu = nullptr;
    rk_cpu_context_options o{};
    o.struct_size = sizeof o;
    o.num_threads = 1;
    if (rk_cpu_context_create(&o, &cpu) != RK_STATUS_OK) {
        std::fprintf(stderr, "reprokit_cuda_launches: %s\n", rk_last_error_message());
        return 1;
    }
    const rk_philox_stream st{1, 2, 3};

    // ---- Fills and permutations -------------------------------------------------------------------------------
    struct FillKindCase {
        const char* name;
        backend::FillKind kind;
        int64_t element_size;
    };
    const FillKindCase kinds[] = {{"u32", backend::FillKind::kU32, 4},
                                  {"uniform", backend::FillKind::kUniform, 4},
                                  {"uniform_range", backend::FillKind::kUniformRange, 4},
                                  {"normal", backend::FillKind::kNormal, 4},
                                  {"truncated_normal", backend::FillKind::kTruncatedNormal, 4},
                                  {"bernoulli", backend::FillKind::kBernoulli, 1},
                                  {"int64", backend::FillKind::kInt64, 8}};
    const int64_t fill_max[] = {
        api_max("rk_philox_fill_u32.count", kPtrdiffMax / 4,
                [&](int64_t c) { return rk_philox_fill_u32(cpu, &st, nullptr, c); }),
        api_max("rk_philox_fill_uniform.count", kPtrdiffMax / 4,
                [&](int64_t c) { return rk_philox_fill_uniform(cpu, &st, nullptr, c); }),
        api_max("rk_philox_fill_uniform_range.count", kPtrdiffMax / 4,
                [&](int64_t c) { return rk_philox_fill_uniform_range(cpu, &st, 0.0f, 1.0f, nullptr, c); }),
        api_max("rk_philox_fill_normal.count", kPtrdiffMax / 4,
                [&](int64_t c) { return rk_philox_fill_normal(cpu, &st, 0.0f, 1.0f, nullptr, c); }),
        api_max("rk_philox_fill_truncated_normal.count", kPtrdiffMax / 4,
                [&](int64_t c) { return rk_philox_fill_truncated_normal(cpu, &st, 0.0f, 1.0f, -2.0f, 2.0f, nullptr, c); }),
        api_max("rk_philox_fill_bernoulli.count", kPtrdiffMax,
                [&](int64_t c) { return rk_philox_fill_bernoulli(cpu, &st, 0.5, nullptr, c); }),
        api_max("rk_philox_fill_int64.count", kPtrdiffMax / 8,
                [&](int64_t c) { return rk_philox_fill_int64(cpu, &st, 0, 10, nullptr, c); }),
    };
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; ++k) {
        const struct {
            const char* label;
            uint64_t count;
        } sizes[] = {{"one", 1}, {"typical", 1u << 24}, {"api-max", static_cast<uint64_t>(fill_max[k])}};
        for (const auto& sz : sizes) {
            const size_t from = recorded().size();
            cuda::launch_fill(fill_args(kinds[k].kind, sz.count), nullptr);
            emit(from, std::string("fill.") + kinds[k].name + "." + sz.label);
        }
    }
    const int64_t perm_max = api_max("rk_permutation.count", kPtrdiffMax / 8, [&](int64_t c) {
        return rk_permutation(cpu, 1ull << 63, 1, 2, 0, 0, nullptr, c);
    });
    for (const auto& [label, count] : {std::pair<const char*, uint64_t>{"typical", 1u << 24},
                                       {"api-max", static_cast<uint64_t>(perm_max)}}) {
        backend::PermutationArgs a{1ull << 63, 1, 2, 0, 0, nullptr, count};
        const size_t from = recorded().size();
        cuda::launch_permutation(a, nullptr);
        emit(from, std::string("permutation.") + label);
    }

    // ---- Dropout -----------------------------------------------------------------------------------------------
    const int64_t dropout_max = api_max("rk_dropout_forward.count", kPtrdiffMax / 4, [&](int64_t c) {
        return rk_dropout_forward(cpu, &st, 0.5, 0, nullptr, nullptr, c, RK_MASK_NONE, nullptr);
    });
    api_max("rk_dropout_backward.count", kPtrdiffMax / 4, [&](int64_t c) {
        return rk_dropout_backward(cpu, &st, 0.5, 0, nullptr, nullptr, c, RK_MASK_BITS, nullptr);
    });
    api_max("rk_dropout_mask.count", kPtrdiffMax / 4,
            [&](int64_t c) { return rk_dropout_mask(cpu, &st, 0.5, 0, c, RK_MASK_BYTES, nullptr); });
    struct DropoutCase {
        const char* name;
        backend::DropoutMode mode;
        backend::MaskFormat format;
    };
    const DropoutCase dropouts[] = {{"forward", backend::DropoutMode::kForward, backend::MaskFormat::kNone},
                                    {"forward+bytes", backend::DropoutMode::kForward, backend::MaskFormat::kBytes},
                                    {"forward+bits", backend::DropoutMode::kForward, backend::MaskFormat::kBits},
                                    {"backward-bytes", backend::DropoutMode::kApplyMask, backend::MaskFormat::kBytes},
                                    {"backward-bits", backend::DropoutMode::kApplyMask, backend::MaskFormat::kBits}};
    for (const DropoutCase& dc : dropouts)
        for (const auto& [label, count] : {std::pair<const char*, uint64_t>{"one", 1}, {"typical", 1u << 24},
                                           {"api-max", static_cast<uint64_t>(dropout_max)}}) {
            backend::DropoutArgs a{};
            a.mode = dc.mode;
            a.stream = core::PhiloxStream{1, 2, 3};
            a.element_offset = 1;
            a.threshold = 1ull << 31;
            a.scale = 2.0f;
            a.count = count;
            a.mask_format = dc.format;
            const size_t from = recorded().size();
            cuda::launch_dropout(a, nullptr);
            emit(from, std::string("dropout.") + dc.name + "." + label);
        }

    // ---- Sampling ----------------------------------------------------------------------------------------------
    // The largest vocabulary is kSampleMaxVocab - 1; the largest batch is bounded by the logits' byte size.
    const rk_sampling_params sp{1.0f, 0, 1.0, 0.0};
    const int64_t max_vocab = static_cast<int64_t>(core::kSampleMaxVocab) - 1;
    {
        const rk_status at = rk_sample(cpu, nullptr, 1, max_vocab, max_vocab, &sp, nullptr, nullptr, nullptr, nullptr, nullptr);
        const rk_status past =
            rk_sample(cpu, nullptr, 1, max_vocab + 1, max_vocab + 1, &sp, nullptr, nullptr, nullptr, nullptr, nullptr);
        if (at != RK_STATUS_NULL_POINTER || past != RK_STATUS_INVALID_ARGUMENT)
            fail("rk_sample: vocab " + std::to_string(max_vocab) + " is not the largest the API accepts");
        std::printf("limit rk_sample.vocab %lld\n", static_cast<long long>(max_vocab));
    }
    const int64_t max_batch = api_max("rk_sample.batch", kPtrdiffMax / 4, [&](int64_t b) {
        return rk_sample(cpu, nullptr, b, 1, 1, &sp, nullptr, nullptr, nullptr, nullptr, nullptr);
    });
    for (const auto& [label, batch, vocab] :
         {std::tuple<const char*, int64_t, int64_t>{"V128256.B1", 1, 128256}, {"V128256.B32", 32, 128256},
          {"api-max-batch", max_batch, 1}, {"api-max-vocab", 1, max_vocab}}) {
        cuda::SampleDeviceArgs a{};
        a.batch = batch;
        a.vocab = static_cast<uint32_t>(vocab);
        a.row_stride = vocab;
        const size_t from = recorded().size();
        cuda::launch_sample(a, nullptr);
        emit(from, std::string("sample.") + label);
    }

    // ---- Conv2d ------------------------------------------------------------------------------------------------
    // Shapes at the API's limits (each dimension <= 2^40, element counts <= 2^59, groups an int32), each checked with
    // rk_conv2d_query for the pass and algorithm.
    std::printf("limit rk_conv2d_desc.dimension %lld\n", 1ll << 40);
    const ConvCase shapes[] = {
        {"resnet", conv_desc(8, 64, 56, 56, 64, 3, 3, 1, 1)},
        {"api-max-positions", conv_desc(1 << 19, 1, 1 << 20, 1 << 20, 1, 3, 3, 1, 1)},
        {"api-max-channels", conv_desc(1, 1, 1, 1, 1ll << 40, 1, 1, 0, 1)},
        {"api-max-groups", conv_desc(1, INT32_MAX, 1, 1, INT32_MAX, 1, 1, 0, INT32_MAX)},
        {"api-max-fft", conv_desc(1 << 19, 1, 1 << 20, 1 << 20, 1, 13, 13, 6, 1)},
    };
    struct Op {
        const char* name;
        rk_conv_pass pass;
        rk_conv_algorithm algo;
    };
    const Op ops[] = {{"forward-direct", RK_CONV_PASS_FORWARD, RK_CONV_DIRECT},
                      {"forward-igemm", RK_CONV_PASS_FORWARD, RK_CONV_IMPLICIT_GEMM},
                      {"forward-winograd2x3", RK_CONV_PASS_FORWARD, RK_CONV_WINOGRAD_2X3},
                      {"forward-winograd4x3", RK_CONV_PASS_FORWARD, RK_CONV_WINOGRAD_4X3},
                      {"forward-fft", RK_CONV_PASS_FORWARD, RK_CONV_FFT},
                      {"backward-data", RK_CONV_PASS_BACKWARD_DATA, RK_CONV_DIRECT},
                      {"backward-weights", RK_CONV_PASS_BACKWARD_WEIGHTS, RK_CONV_DIRECT}};
    int conv_cases = 0;
    for (const ConvCase& sc : shapes)
        for (const Op& op : ops) {
            // What a CUDA context accepts: a valid geometry and an algorithm that supports it. The CPU workspace the
            // query also sizes does not matter there (the device kernels need none), so a shape the CPU would refuse
            // for its workspace alone is recorded too: the largest shapes of this form reach the device.
            const rk_conv2d_desc& d = sc.desc;
            if (rk_conv2d_output_shape(&d, nullptr, nullptr) != RK_STATUS_OK) {
                fail(std::string("conv.") + op.name + "." + sc.name + ": invalid shape: " + rk_last_error_message());
                continue;
            }
            const rk_status qs = rk_conv2d_query(&d, op.pass, op.algo, nullptr, nullptr);
            if (qs != RK_STATUS_OK && qs != RK_STATUS_SIZE_OVERFLOW) {  // the algorithm does not support the shape
                std::printf("skip conv.%s.%s %s\n", op.name, sc.name, rk_last_error_message());
                continue;
            }
            backend::ConvArgs a{};
            a.pass = op.pass;
            a.algorithm = op.algo;
            a.g = geometry(d);
            float dummy = 0.0f;
            a.out1 = op.pass == RK_CONV_PASS_BACKWARD_WEIGHTS ? &dummy : nullptr;  // with dbias: the most work
            const size_t from = recorded().size();
            cuda::launch_conv(a, nullptr);
            emit(from, std::string("conv.") + op.name + "." + sc.name);
            ++conv_cases;
        }
    if (conv_cases < 20) fail("too few conv cases were accepted by rk_conv2d_query (" + std::to_string(conv_cases) + ")");

    // ---- Normalization ----------------------------------------------------------------------------------------
    // One block per group (grid capped, grid-stride over groups); LayerNorm's dγ / dβ one thread per column. The
    // largest group counts: c = 2^40 channels, rows x features at the API's element limit.
    std::printf("limit rk_batchnorm2d.dimension %lld\n", 1ll << 40);
    for (const auto& [label, g] :
         {std::pair<const char*, core::NormGeometry>{"bn.resnet", core::batchnorm2d_geometry(8, 64, 56, 56)},
          {"bn.api-max-channels", core::batchnorm2d_geometry(1, 1ll << 40, 1, 2)},
          {"ln.typical", core::layernorm_geometry(4096, 1024)},
          {"ln.api-max-features", core::layernorm_geometry(1, 1ll << 40)},
          {"ln.api-max-rows", core::layernorm_geometry(1ll << 40, 2)}})
        for (const core::NormPass pass : {core::NormPass::kForwardTraining, core::NormPass::kBackwardTraining}) {
            backend::NormArgs a{};
            a.pass = pass;
            a.g = g;
            float dummy = 0.0f;
            a.dgamma = &dummy;  // LayerNorm's backward then launches its column kernel too
            const size_t from = recorded().size();
            cuda::launch_normalization(a, nullptr);
            emit(from, std::string("norm.") + label + (pass == core::NormPass::kForwardTraining ? ".forward" : ".backward"));
        }

    // ---- Cross-entropy ------------------------------------------------------------------------------------------
    // The largest batch (one class) and the largest class count (one row) the API accepts; every reduction and pass.
    const int64_t ce_batch_max = api_max("rk_cross_entropy_forward.batch", core::kMaxElements, [&](int64_t b) {
        return rk_cross_entropy_forward(cpu, b, 1, nullptr, nullptr, -100, 0.0f, RK_REDUCTION_SUM, nullptr);
    });
    const int64_t ce_classes_max = api_max("rk_cross_entropy_forward.classes", int64_t{1} << 40, [&](int64_t c) {
        return rk_cross_entropy_forward(cpu, 1, c, nullptr, nullptr, -100, 0.0f, RK_REDUCTION_SUM, nullptr);
    });
    for (const auto& [label, batch, classes] :
         {std::tuple<const char*, int64_t, int64_t>{"B256.C50257", 256, 50257}, {"api-max-batch", ce_batch_max, 1},
          {"api-max-classes", 1, ce_classes_max}}) {
        for (const auto& [pass, backward, reduction] :
             {std::tuple<const char*, int32_t, backend::LossReduction>{"forward-none", 0, backend::LossReduction::kNone},
              {"forward-mean", 0, backend::LossReduction::kMean},
              {"backward-mean", 1, backend::LossReduction::kMean}}) {
            cuda::CrossEntropyDeviceArgs d{};
            d.a.backward = backward;
            d.a.reduction = reduction;
            d.a.batch = batch;
            d.a.classes = classes;
            const size_t from = recorded().size();
            cuda::launch_cross_entropy_check(d, nullptr);
            cuda::launch_cross_entropy(d, nullptr);
            emit(from, std::string("cross_entropy.") + pass + "." + label);
        }
    }

    // ---- Pooling ------------------------------------------------------------------------------------------------
    // ResNet's stem max pooling, and the largest element count the API accepts (2^59: n 2^19, h = w = 2^20).
    rk_pool2d_desc pd{};
    pd.struct_size = sizeof pd;
    pd.mode = RK_POOL_MAX;
    pd.layout = RK_LAYOUT_NCHW;
    pd.n = 1 << 19;
    pd.c = 1;
    pd.h = pd.w = 1 << 20;
    pd.kernel_h = pd.kernel_w = pd.stride_h = pd.stride_w = pd.dilation_h = pd.dilation_w = 1;
    if (rk_pool2d_forward(cpu, &pd, nullptr, nullptr, nullptr) != RK_STATUS_NULL_POINTER)
        fail(std::string("pooling: the API refuses 2^59 elements: ") + rk_last_error_message());
    pd.n = (1 << 19) + 1;
    if (rk_pool2d_forward(cpu, &pd, nullptr, nullptr, nullptr) != RK_STATUS_SIZE_OVERFLOW)
        fail("pooling: the API accepts more than 2^59 elements; the launch table's largest size is out of date");
    std::printf("limit rk_pool2d_forward.elements %lld\n", static_cast<long long>(core::kMaxElements));
    const struct {
        const char* label;
        int64_t n, c, h, w;
        int32_t k, s, p;
    } pool_shapes[] = {{"resnet-stem", 8, 64, 112, 112, 3, 2, 1}, {"api-max", 1 << 19, 1, 1 << 20, 1 << 20, 1, 1, 0}};
    for (const auto& z : pool_shapes)
        for (const core::PoolMode mode : {core::PoolMode::kMax, core::PoolMode::kAvg, core::PoolMode::kGlobalAvg})
            for (const int32_t backward : {0, 1}) {
                backend::PoolArgs a{};
                a.backward = backward;
                a.g.mode = mode;
                a.g.n = z.n, a.g.c = z.c, a.g.h = z.h, a.g.w = z.w;
                a.g.kh = a.g.kw = z.k, a.g.sh = a.g.sw = z.s, a.g.ph = a.g.pw = z.p, a.g.dh = a.g.dw = 1;
                a.g.p = mode == core::PoolMode::kGlobalAvg ? 1 : core::pool_output_size(z.h, z.k, z.s, z.p, 1, false);
                a.g.q = mode == core::PoolMode::kGlobalAvg ? 1 : core::pool_output_size(z.w, z.k, z.s, z.p, 1, false);
                const char* names[] = {"max", "avg", "global_avg"};
                const size_t from = recorded().size();
                cuda::launch_pool(a, nullptr);
                emit(from, std::string("pool.") + names[static_cast<int>(mode)] + (backward ? "-backward." : "-forward.") +
                               z.label);
            }

    // ---- Activations and optimizers (docs/training.md sections 2 and 6) -------------------------------------------
    const int64_t act_max = api_max("rk_activation_forward.count", kPtrdiffMax / 4, [&](int64_t c) {
        return rk_activation_forward(cpu, RK_ACTIVATION_RELU, 0.0f, nullptr, nullptr, c);
    });
    api_max("rk_activation_backward.count", kPtrdiffMax / 4, [&](int64_t c) {
        return rk_activation_backward(cpu, RK_ACTIVATION_RELU, 0.0f, nullptr, nullptr, nullptr, c);
    });
    const char* act_names[] = {"relu", "leaky_relu", "gelu", "gelu_tanh"};
    for (int kind = 0; kind < 4; ++kind)
        for (int backward = 0; backward < 2; ++backward)
            for (const auto& [label, count] : {std::pair<const char*, uint64_t>{"one", 1}, {"typical", 1u << 24},
                                               {"api-max", static_cast<uint64_t>(act_max)}}) {
                backend::ActivationArgs a{};
                a.kind = static_cast<core::ActivationKind>(kind);
                a.backward = backward;
                a.count = count;
                const size_t from = recorded().size();
                cuda::launch_activation(a, nullptr);
                emit(from, std::string("activation.") + act_names[kind] + (backward ? ".backward." : ".forward.") + label);
            }
    // An optimizer call's elements: the total of its tensors' counts (one tensor of the largest count here).
    const auto optimizer_probe = [&](bool adam) {
        return [cpu, adam](int64_t c) {
            float* none[1] = {nullptr};
            const float* cnone[1] = {nullptr};
            const int64_t counts[1] = {c};
            if (adam) {
                rk_adam_hyperparams h{};
                h.struct_size = sizeof h;
                h.lr = 1e-3, h.beta1 = 0.9, h.beta2 = 0.999, h.eps = 1e-8;
                return rk_adam_step(cpu, &h, 1, 1, none, cnone, none, none, counts);
            }
            rk_sgd_hyperparams h{};
            h.struct_size = sizeof h;
            h.lr = 0.1, h.momentum = 0.9;
            return rk_sgd_step(cpu, &h, 0, 1, none, cnone, none, counts);
        };
    };
    const int64_t opt_max = api_max("rk_sgd_step.counts", kPtrdiffMax / 4, optimizer_probe(false));
    api_max("rk_adam_step.counts", kPtrdiffMax / 4, optimizer_probe(true));
    for (const auto& [label, count] : {std::pair<const char*, uint64_t>{"one", 1}, {"typical", 1u << 24},
                                       {"api-max", static_cast<uint64_t>(opt_max)}}) {
        cuda::OptimizerDeviceArgs a{};
        a.check_state0 = a.check_state1 = 1;
        a.tensor_count = 1;
        a.tiles = (count + cuda::kOptimizerTile - 1) / cuda::kOptimizerTile;
        size_t from = recorded().size();
        cuda::launch_optimizer_check(a, nullptr);
        emit(from, std::string("optimizer.check.") + label);
        from = recorded().size();
        cuda::launch_optimizer_update(a, nullptr);
        emit(from, std::string("optimizer.update.") + label);
    }

    rk_context_destroy(cpu);
    if (g_errors != 0) return 1;
    return 0;
}
