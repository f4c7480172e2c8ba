// Every CUDA kernel, compiled for the CPU with the SIMT emulation (simt/simt_emulation.h) and run on small
// problems, compared bit for bit with the CPU backend through the C API. CTest label: simt-emulation.
// This is how CI, which has no GPU, executes the kernel source of native/src/cuda/kernels.
#include "simt/simt_emulation.h"
// The kernels, after the emulation:
#include "cuda/kernels/activation_kernels.cuh"
#include "cuda/kernels/conv2d_kernels.cuh"
#include "cuda/kernels/dropout_kernels.cuh"
#include "cuda/kernels/fill_kernels.cuh"
#include "cuda/kernels/loss_kernels.cuh"
#include "cuda/kernels/pool2d_kernels.cuh"
#include "cuda/kernels/optimizer_kernels.cuh"
#include "cuda/kernels/sampling_kernels.cuh"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "test_helpers.h"

namespace {

using rk::backend::ConvArgs;
using rk::backend::DropoutArgs;
using rk::backend::DropoutMode;
using rk::backend::FillArgs;
using rk::backend::FillKind;
using rk::backend::MaskFormat;
using rk::simt::Emulator;
using rk::simt::Schedule;

template <class T>
bool same_bytes(const std::vector<T>& a, const std::vector<T>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0;
}

// Floats compare bit for bit except that every NaN equals every NaN: NaN payloads and signs are not part of the
// contract (docs/reproducibility.md; the golden digests canonicalise them too), and compilers may swap the operands
// of a commutative operation, which changes which NaN's payload propagates.
uint32_t canonical_bits(float f) {
    uint32_t b;
    std::memcpy(&b, &f, 4);
    return f != f ? 0x7FC00000u : b;
}
bool same_bytes(const std::vector<float>& a, const std::vector<float>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (canonical_bits(a[i]) != canonical_bits(b[i])) return false;
    return true;
}
size_t first_difference(const std::vector<float>& a, const std::vector<float>& b) {
    for (size_t i = 0; i < a.size(); ++i)
        if (canonical_bits(a[i]) != canonical_bits(b[i])) return i;
    return a.size();
}

template <class T>
size_t first_difference(const std::vector<T>& a, const std::vector<T>& b) {
    for (size_t i = 0; i < a.size(); ++i)
        if (std::memcmp(&a[i], &b[i], sizeof(T)) != 0) return i;
    return a.size();
}

class SimtKernels : public ::testing::Test {
protected:
    void SetUp() override { Emulator::instance().set_schedule(Schedule::kForward); }
    void TearDown() override { Emulator::instance().set_schedule(Schedule::kForward); }
    rk::test::Context cpu_{RK_ISA_AUTO, 2};
};

const rk_philox_stream kStreams[] = {
    {0x2A, 7, 1000}, {42, 0, 3}, {7, 1, 1}, {0xDEADBEEFCAFEull, 5, 2}, {~0ull, ~0ull, ~0ull - 5},
};
const int64_t kCounts[] = {1, 2, 7, 33, 1000, 4099};

rk::core::PhiloxStream core_stream(const rk_philox_stream& s) { return {s.seed, s.subsequence, s.offset}; }

// ---- Fills ---------------------------------------------------------------------------------------

TEST_F(SimtKernels, FillsMatchCpuForEveryKindStreamAndCount) {
    for (const rk_philox_stream& st : kStreams)
        for (int64_t n : kCounts) {
            SCOPED_TRACE("stream " + std::to_string(st.seed) + "/" + std::to_string(st.subsequence) + "/" +
                         std::to_string(st.offset) + ", count " + std::to_string(n));
            FillArgs a{};
            a.stream = core_stream(st);
            a.count = static_cast<uint64_t>(n);
            {
                std::vector<uint32_t> gpu(n), cpu(n);
                a.kind = FillKind::kU32;
                a.out = gpu.data();
                rk::cuda::launch_fill(a, nullptr);
                ASSERT_EQ(rk_philox_fill_u32(cpu_.get(), &st, cpu.data(), n), RK_STATUS_OK);
                EXPECT_TRUE(same_bytes(gpu, cpu)) << "u32 first difference at " << first_difference(gpu, cpu);
            }
            auto floats = [&](FillKind kind, auto cpu_fill, const char* what) {
                std::vector<float> gpu(n), cpu(n);
                a.kind = kind;
                a.out = gpu.data();
                rk::cuda::launch_fill(a, nullptr);
                ASSERT_EQ(cpu_fill(cpu.data()), RK_STATUS_OK) << rk_last_error_message();
                EXPECT_TRUE(same_bytes(gpu, cpu)) << what << " first difference at " << first_difference(gpu, cpu);
            };
            floats(FillKind::kUniform, [&](float* o) { return rk_philox_fill_uniform(cpu_.get(), &st, o, n); }, "uniform");
            a.a = -3.5f;
            a.b = 1e-3f - -3.5f;
            floats(FillKind::kUniformRange,
                   [&](float* o) { return rk_philox_fill_uniform_range(cpu_.get(), &st, -3.5f, 1e-3f, o, n); }, "range");
            a.a = 0.25f;
            a.b = 2.0f;
            floats(FillKind::kNormal, [&](float* o) { return rk_philox_fill_normal(cpu_.get(), &st, 0.25f, 2.0f, o, n); },
                   "normal");
            a.truncated = rk::core::truncated_normal_params(1.0f, 0.25f, 0.9f, 3.0f);
            floats(FillKind::kTruncatedNormal,
                   [&](float* o) { return rk_philox_fill_truncated_normal(cpu_.get(), &st, 1.0f, 0.25f, 0.9f, 3.0f, o, n); },
                   "truncated normal");
            for (double p : {0.0, 0.3, 1.0}) {
                std::vector<uint8_t> gpu(n), cpu(n);
                a.kind = FillKind::kBernoulli;
                a.threshold = rk::core::bernoulli_threshold(p);
                a.out = gpu.data();
                rk::cuda::launch_fill(a, nullptr);
                ASSERT_EQ(rk_philox_fill_bernoulli(cpu_.get(), &st, p, cpu.data(), n), RK_STATUS_OK);
                EXPECT_TRUE(same_bytes(gpu, cpu)) << "bernoulli p=" << p;
            }
            {
                std::vector<int64_t> gpu(n), cpu(n);
                a.kind = FillKind::kInt64;
                a.low = std::numeric_limits<int64_t>::min();
                a.span = ~0ull;
                a.out = gpu.data();
                rk::cuda::launch_fill(a, nullptr);
                ASSERT_EQ(rk_philox_fill_int64(cpu_.get(), &st, std::numeric_limits<int64_t>::min(),
                                               std::numeric_limits<int64_t>::max(), cpu.data(), n),
                          RK_STATUS_OK);
                EXPECT_TRUE(same_bytes(gpu, cpu)) << "int64";
            }
        }
}

TEST_F(SimtKernels, PermutationMatchesCpu) {
    for (uint64_t n : {10ull, 100003ull, 1ull << 63})
        for (int inverse : {0, 1}) {
            const uint64_t first = n > 5000 ? n / 3 : 0;
            const int64_t count = static_cast<int64_t>(n < 1000 ? n : 1000);
            std::vector<uint64_t> gpu(count), cpu(count);
            rk::cuda::launch_permutation(rk::backend::PermutationArgs{n, 5, 6, first, inverse, gpu.data(), static_cast<uint64_t>(count)},
                                         nullptr);
            ASSERT_EQ(rk_permutation(cpu_.get(), n, 5, 6, inverse, first, cpu.data(), count), RK_STATUS_OK);
            EXPECT_TRUE(same_bytes(gpu, cpu)) << "n " << n << " inverse " << inverse;
        }
}

// ---- Dropout -------------------------------------------------------------------------------------

std::vector<float> data(rk_context* c, int64_t n) {
    std::vector<float> x(n);
    const rk_philox_stream s{0xDA7A, 0, 0};
    EXPECT_EQ(rk_philox_fill_normal(c, &s, 0.0f, 10.0f, x.data(), n), RK_STATUS_OK);
    const float specials[] = {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(), -0.0f,
                              1e-45f};
    for (size_t i = 0; i < 4 && i * 5 < x.size(); ++i) x[i * 5] = specials[i];
    return x;
}

TEST_F(SimtKernels, DropoutEveryVariantMatchesCpu) {
    for (int64_t n : {1ll, 31ll, 37ll, 1000ll, 4099ll})
        for (double p : {0.0, 0.1, 0.5, 1.0})
            for (uint64_t offset : {0ull, 33ull})
                for (const rk_philox_stream& st : {kStreams[0], kStreams[3]}) {
                    SCOPED_TRACE("n " + std::to_string(n) + " p " + std::to_string(p) + " offset " + std::to_string(offset));
                    const std::vector<float> x = data(cpu_.get(), n);
                    DropoutArgs a{};
                    a.mode = DropoutMode::kForward;
                    a.stream = core_stream(st);
                    a.element_offset = offset;
                    a.threshold = rk::core::dropout_threshold(p);
                    a.scale = rk::core::dropout_scale(p);
                    a.count = static_cast<uint64_t>(n);
                    for (MaskFormat f : {MaskFormat::kNone, MaskFormat::kBytes, MaskFormat::kBits}) {
                        int64_t mask_bytes = 0;
                        ASSERT_EQ(rk_dropout_mask_bytes(static_cast<rk_mask_format>(f), n, &mask_bytes), RK_STATUS_OK);
                        std::vector<float> gy(n), cy(n);
                        std::vector<uint8_t> gm(mask_bytes + 1, 0xAB), cm(mask_bytes + 1, 0xAB);
                        a.x = x.data();
                        a.y = gy.data();
                        a.mask_format = f;
                        a.mask = f == MaskFormat::kNone ? nullptr : gm.data();
                        rk::cuda::launch_dropout(a, nullptr);
                        ASSERT_EQ(rk_dropout_forward(cpu_.get(), &st, p, offset, x.data(), cy.data(), n,
                                                     static_cast<rk_mask_format>(f), f == MaskFormat::kNone ? nullptr : cm.data()),
                                  RK_STATUS_OK);
                        EXPECT_TRUE(same_bytes(gy, cy)) << "forward y, format " << static_cast<int>(f);
                        EXPECT_TRUE(same_bytes(gm, cm)) << "forward mask, format " << static_cast<int>(f);
                        if (f == MaskFormat::kNone) continue;
                        // mask only
                        std::vector<uint8_t> gm2(mask_bytes + 1, 0xCD), cm2(mask_bytes + 1, 0xCD);
                        a.x = nullptr;
                        a.y = nullptr;
                        a.mask = gm2.data();
                        rk::cuda::launch_dropout(a, nullptr);
                        ASSERT_EQ(rk_dropout_mask(cpu_.get(), &st, p, offset, n, static_cast<rk_mask_format>(f), cm2.data()),
                                  RK_STATUS_OK);
                        EXPECT_TRUE(same_bytes(gm2, cm2)) << "mask only, format " << static_cast<int>(f);
                        // backward from the stored mask
                        std::vector<float> gdx(n), cdx(n);
                        DropoutArgs b = a;
                        b.mode = DropoutMode::kApplyMask;
                        b.x = x.data();
                        b.y = gdx.data();
                        b.mask = cm.data();
                        rk::cuda::launch_dropout(b, nullptr);
                        ASSERT_EQ(rk_dropout_backward(cpu_.get(), &st, p, offset, x.data(), cdx.data(), n,
                                                      static_cast<rk_mask_format>(f), cm.data()),
                                  RK_STATUS_OK);
                        EXPECT_TRUE(same_bytes(gdx, cdx)) << "backward from mask, format " << static_cast<int>(f);
                        a.mask_format = MaskFormat::kNone;
                    }
                }
}

// ---- Sampling ------------------------------------------------------------------------------------

struct SampleCase {
    rk_sampling_params params;
    const char* name;
};

// Runs the kernel on host arrays (the emulation's device memory is host memory).
void run_sample_kernel(const std::vector<float>& logits, int64_t batch, uint32_t vocab,
                       const std::vector<rk_sampling_params>& params, const std::vector<rk_philox_stream>& streams,
                       std::vector<int32_t>& tokens, std::vector<float>& probs, std::vector<float>& logprobs,
                       std::vector<int32_t>& kept, std::vector<rk::cuda::SampleRowStatus>& status) {
    std::vector<rk::core::SampleParams> p(batch);
    std::vector<rk::core::PhiloxStream> s(batch);
    for (int64_t r = 0; r < batch; ++r) {
        p[r] = {params[r].temperature, params[r].top_k, params[r].top_p, params[r].min_p};
        s[r] = core_stream(streams[r]);
    }
    tokens.assign(batch, -1);
    probs.assign(batch, -1.0f);
    logprobs.assign(batch, -1.0f);
    kept.assign(batch, -1);
    status.assign(batch, rk::cuda::SampleRowStatus{-1, 0, -2});
    const uint64_t blocks = rk::cuda::sample_blocks(batch);
    std::vector<float> e(blocks * vocab);
    std::vector<uint64_t> w(blocks * vocab);
    rk::cuda::SampleDeviceArgs a{logits.data(), batch, vocab, vocab, p.data(), s.data(), tokens.data(), probs.data(),
                                 logprobs.data(), kept.data(), status.data(), e.data(), w.data()};
    rk::cuda::launch_sample(a, nullptr);
}

std::vector<SampleCase> sample_cases() {
    return {
        {{1.0f, 0, 1.0, 0.0}, "neutral"},
        {{0.0f, 0, 1.0, 0.0}, "greedy T=0"},
        {{0.7f, 1, 1.0, 0.0}, "greedy k=1"},
        {{0.8f, 40, 1.0, 0.0}, "top-k 40"},
        {{1.0f, 0, 0.9, 0.0}, "top-p 0.9"},
        {{1.3f, 0, 0.5, 0.0}, "top-p 0.5"},
        {{1.0f, 0, 1.0, 0.05}, "min-p 0.05"},
        {{0.6f, 50, 0.95, 0.02}, "all filters"},
        {{2.0f, 500, 0.3, 0.0}, "top-k 500 top-p 0.3"},
        {{1.0f, 0, 1e-9, 0.0}, "tiny top-p"},
        {{1e-3f, 0, 1.0, 0.0}, "cold"},
        {{1.0f, 5000, 0.99, 0.5}, "k >= V"},
    };
}

TEST_F(SimtKernels, SamplingMatchesCpuForEveryParameterFamily) {
    const std::vector<SampleCase> cases = sample_cases();
    for (uint32_t vocab : {1u, 7u, 1000u, 3001u}) {
        const int64_t batch = static_cast<int64_t>(cases.size()) * 2;
        std::vector<float> logits(batch * vocab);
        const rk_philox_stream ls{0x5A, static_cast<uint64_t>(vocab), 0};
        ASSERT_EQ(rk_philox_fill_normal(cpu_.get(), &ls, 0.0f, 3.0f, logits.data(), batch * vocab), RK_STATUS_OK);
        // Bans, ties and a flat row.
        for (int64_t r = 0; r < batch; ++r) {
            float* l = logits.data() + r * vocab;
            for (uint32_t i = 0; i < vocab; i += 5) l[i] = -std::numeric_limits<float>::infinity();
            if (vocab > 2) l[vocab - 1] = l[1];  // a tie with a smaller index
            if (r % 2 == 1 && vocab > 1) l[0] = 0.0f;
            if (r == batch - 1)
                for (uint32_t i = 0; i < vocab; ++i) l[i] = 1.5f;  // every token tied
        }
        std::vector<rk_sampling_params> params(batch);
        std::vector<rk_philox_stream> streams(batch);
        for (int64_t r = 0; r < batch; ++r) {
            params[r] = cases[r % cases.size()].params;
            streams[r] = rk_philox_stream{1234, static_cast<uint64_t>(r), 2 * static_cast<uint64_t>(r) + 1};
        }
        if (vocab == 1)  // a row with a single token must keep at least one finite logit
            for (float& l : logits) l = 0.5f;
        std::vector<int32_t> gt, ck(batch), ct(batch), gk;
        std::vector<float> gp, gl, cp(batch), cl(batch);
        std::vector<rk::cuda::SampleRowStatus> st;
        run_sample_kernel(logits, batch, vocab, params, streams, gt, gp, gl, gk, st);
        ASSERT_EQ(rk_sample(cpu_.get(), logits.data(), batch, vocab, vocab, params.data(), streams.data(), ct.data(),
                            cp.data(), cl.data(), ck.data()),
                  RK_STATUS_OK)
            << rk_last_error_message();
        for (int64_t r = 0; r < batch; ++r) {
            SCOPED_TRACE(std::string(cases[r % cases.size()].name) + ", vocab " + std::to_string(vocab) + ", row " +
                         std::to_string(r));
            EXPECT_EQ(st[r].error, 0);
            EXPECT_EQ(gt[r], ct[r]);
            EXPECT_EQ(rk::test::float_bits(gp[r]), rk::test::float_bits(cp[r]));
            EXPECT_EQ(rk::test::float_bits(gl[r]), rk::test::float_bits(cl[r]));
            EXPECT_EQ(gk[r], ck[r]);
        }
    }
}

TEST_F(SimtKernels, SamplingRowErrorsMatchCpu) {
    const uint32_t vocab = 300;
    const float inf = std::numeric_limits<float>::infinity();
    struct ErrorCase {
        float temperature;
        std::function<void(float*)> edit;
        rk::core::SampleError expected;
        int64_t index;
    };
    const std::vector<ErrorCase> cases = {
        {1.0f, [](float* l) { l[17] = std::numeric_limits<float>::quiet_NaN(); l[200] = NAN; }, rk::core::SampleError::kBadLogit, 17},
        {0.0f, [&](float* l) { l[250] = inf; }, rk::core::SampleError::kBadLogit, 250},
        {1.0f, [&](float* l) { for (uint32_t i = 0; i < vocab; ++i) l[i] = -inf; }, rk::core::SampleError::kNoFiniteLogit, -1},
        {1e-30f, [](float* l) { l[3] = 1e30f; l[9] = 2e30f; }, rk::core::SampleError::kScaledOverflow, 3},
        {1e-30f, [&](float* l) { for (uint32_t i = 0; i < vocab; ++i) l[i] = i == 4 ? -1e30f : -inf; },
         rk::core::SampleError::kNoFiniteScaled, -1},
    };
    for (const ErrorCase& c : cases) {
        std::vector<float> logits(vocab, 0.25f);
        c.edit(logits.data());
        const std::vector<rk_sampling_params> params{{c.temperature, 0, 1.0, 0.0}};
        const std::vector<rk_philox_stream> streams{{1, 2, 3}};
        std::vector<int32_t> t, k;
        std::vector<float> p, l;
        std::vector<rk::cuda::SampleRowStatus> st;
        run_sample_kernel(logits, 1, vocab, params, streams, t, p, l, k, st);
        EXPECT_EQ(st[0].error, static_cast<int32_t>(c.expected));
        EXPECT_EQ(st[0].error_index, c.index);
        int32_t token = 0;
        EXPECT_EQ(rk_sample(cpu_.get(), logits.data(), 1, vocab, vocab, params.data(), streams.data(), &token, nullptr,
                            nullptr, nullptr),
                  RK_STATUS_INVALID_ARGUMENT);
        if (c.index >= 0) {
            EXPECT_NE(std::string(rk_last_error_message()).find("[" + std::to_string(c.index) + "]"), std::string::npos)
                << rk_last_error_message();
        }
    }
}

// ---- Conv2d --------------------------------------------------------------------------------------

rk_conv2d_desc conv_desc(rk_conv_layout layout, int64_t n, int64_t c, int64_t h, int64_t w, int64_t k, int64_t r,
                         int64_t s, int stride, int pad, int dil, int groups) {
    rk_conv2d_desc d{};
    d.struct_size = sizeof d;
    d.layout = layout;
    d.n = n, d.c = c, d.h = h, d.w = w, d.k = k, d.r = r, d.s = s;
    d.stride_h = d.stride_w = stride;
    d.pad_top = d.pad_left = pad;
    d.pad_bottom = d.pad_right = pad > 0 ? pad - (stride > 1 ? 1 : 0) : 0;
    d.dilation_h = d.dilation_w = dil;
    d.groups = groups;
    return d;
}

rk::core::ConvGeometry geometry(const rk_conv2d_desc& d) {
    rk::core::ConvGeometry g{};
    g.n = d.n, g.c = d.c, g.h = d.h, g.w = d.w, g.k = d.k, g.r = d.r, g.s = d.s;
    g.sh = d.stride_h, g.sw = d.stride_w, g.pt = d.pad_top, g.pb = d.pad_bottom, g.pl = d.pad_left, g.pr = d.pad_right;
    g.dh = d.dilation_h, g.dw = d.dilation_w, g.groups = d.groups;
    g.p = rk::core::conv_output_size(d.h, d.pad_top, d.pad_bottom, d.r, d.dilation_h, d.stride_h);
    g.q = rk::core::conv_output_size(d.w, d.pad_left, d.pad_right, d.s, d.dilation_w, d.stride_w);
    g.cg = d.c / d.groups;
    g.kg = d.k / d.groups;
    g.nhwc = d.layout == RK_LAYOUT_NHWC;
    return g;
}

TEST_F(SimtKernels, ConvEveryAlgorithmAndPassMatchesCpu) {
    const rk_conv2d_desc descs[] = {
        conv_desc(RK_LAYOUT_NCHW, 2, 3, 9, 11, 5, 3, 3, 1, 1, 1, 1),
        conv_desc(RK_LAYOUT_NHWC, 1, 4, 10, 7, 6, 3, 3, 1, 0, 1, 2),
        conv_desc(RK_LAYOUT_NCHW, 1, 20, 6, 6, 18, 3, 3, 2, 1, 1, 1),   // stride 2: taps > 16, channel tiles > 1
        conv_desc(RK_LAYOUT_NCHW, 1, 3, 12, 12, 3, 5, 4, 1, 2, 2, 3),   // dilation, depthwise
        conv_desc(RK_LAYOUT_NHWC, 1, 2, 20, 19, 2, 7, 7, 1, 3, 1, 1),   // FFT-sized kernel
        conv_desc(RK_LAYOUT_NCHW, 2, 3, 6, 7, 70, 1, 1, 1, 0, 1, 1),    // 1x1, more than one 64-channel tile
    };
    const rk_conv_algorithm forwards[] = {
        RK_CONV_DIRECT, RK_CONV_IMPLICIT_GEMM, RK_CONV_WINOGRAD_2X3, RK_CONV_WINOGRAD_4X3, RK_CONV_FFT,
    };
    std::set<int> algorithms_run;
    for (const rk_conv2d_desc& d : descs) {
        const rk::core::ConvGeometry g = geometry(d);
        SCOPED_TRACE("shape c" + std::to_string(d.c) + " k" + std::to_string(d.k) + " " + std::to_string(d.r) + "x" +
                     std::to_string(d.s) + " groups " + std::to_string(d.groups));
        int64_t p = 0, q = 0;
        ASSERT_EQ(rk_conv2d_output_shape(&d, &p, &q), RK_STATUS_OK);
        ASSERT_EQ(p, g.p);
        ASSERT_EQ(q, g.q);
        std::vector<float> x = data(cpu_.get(), g.x_count()), w(g.w_count()), bias(g.k), dy(g.y_count());
        const rk_philox_stream s{77, 1, 0};
        ASSERT_EQ(rk_philox_fill_normal(cpu_.get(), &s, 0.0f, 0.5f, w.data(), g.w_count()), RK_STATUS_OK);
        ASSERT_EQ(rk_philox_fill_uniform_range(cpu_.get(), &s, -1.0f, 1.0f, bias.data(), g.k), RK_STATUS_OK);
        ASSERT_EQ(rk_philox_fill_normal(cpu_.get(), &s, 0.0f, 1.0f, dy.data(), g.y_count()), RK_STATUS_OK);
        for (const rk_conv_algorithm algo : forwards) {
            rk_conv_algorithm chosen;
            if (rk_conv2d_query(&d, RK_CONV_PASS_FORWARD, algo, &chosen, nullptr) != RK_STATUS_OK) continue;
            for (const float* b : {static_cast<const float*>(nullptr), static_cast<const float*>(bias.data())}) {
                std::vector<float> gy(g.y_count(), -7.0f), cy(g.y_count());
                rk::cuda::launch_conv(ConvArgs{RK_CONV_PASS_FORWARD, algo, g, x.data(), w.data(), b, gy.data(), nullptr, nullptr}, nullptr);
                ASSERT_EQ(rk_conv2d_forward(cpu_.get(), &d, algo, x.data(), w.data(), b, cy.data(), nullptr, 0, nullptr),
                          RK_STATUS_OK)
                    << rk_last_error_message();
                EXPECT_TRUE(same_bytes(gy, cy)) << "forward algorithm " << algo << ", first difference at "
                                                << first_difference(gy, cy);
                algorithms_run.insert(static_cast<int>(algo));
            }
        }
        std::vector<float> gdx(g.x_count(), -7.0f), cdx(g.x_count());
        rk::cuda::launch_conv(ConvArgs{RK_CONV_PASS_BACKWARD_DATA, RK_CONV_DIRECT, g, dy.data(), w.data(), nullptr, gdx.data(), nullptr, nullptr}, nullptr);
        ASSERT_EQ(rk_conv2d_backward_data(cpu_.get(), &d, dy.data(), w.data(), cdx.data(), nullptr, 0), RK_STATUS_OK);
        EXPECT_TRUE(same_bytes(gdx, cdx)) << "backward data";
        std::vector<float> gdw(g.w_count(), -7.0f), cdw(g.w_count()), gdb(g.k, -7.0f), cdb(g.k);
        rk::cuda::launch_conv(ConvArgs{RK_CONV_PASS_BACKWARD_WEIGHTS, RK_CONV_DIRECT, g, x.data(), dy.data(), nullptr, gdw.data(), gdb.data(), nullptr},
                              nullptr);
        ASSERT_EQ(rk_conv2d_backward_weights(cpu_.get(), &d, x.data(), dy.data(), cdw.data(), cdb.data(), nullptr, 0),
                  RK_STATUS_OK);
        EXPECT_TRUE(same_bytes(gdw, cdw)) << "backward weights";
        EXPECT_TRUE(same_bytes(gdb, cdb)) << "bias gradient";
    }
    EXPECT_EQ(algorithms_run.size(), 5u) << "every forward algorithm must run on at least one shape";
}

// The bias-gradient chunking: more positions than one reduction chunk.
TEST_F(SimtKernels, ConvBackwardWeightsAcrossReductionChunks) {
    const rk_conv2d_desc d = conv_desc(RK_LAYOUT_NCHW, 3, 2, 13, 17, 3, 3, 3, 1, 1, 1, 1);  // 3*13*17 = 663 positions
    const rk::core::ConvGeometry g = geometry(d);
    std::vector<float> x = data(cpu_.get(), g.x_count()), dy(g.y_count());
    const rk_philox_stream s{78, 0, 0};
    ASSERT_EQ(rk_philox_fill_normal(cpu_.get(), &s, 0.0f, 1.0f, dy.data(), g.y_count()), RK_STATUS_OK);
    std::vector<float> gdw(g.w_count()), cdw(g.w_count()), gdb(g.k), cdb(g.k);
    rk::cuda::launch_conv(ConvArgs{RK_CONV_PASS_BACKWARD_WEIGHTS, RK_CONV_DIRECT, g, x.data(), dy.data(), nullptr, gdw.data(), gdb.data(), nullptr}, nullptr);
    ASSERT_EQ(rk_conv2d_backward_weights(cpu_.get(), &d, x.data(), dy.data(), cdw.data(), cdb.data(), nullptr, 0),
              RK_STATUS_OK);
    EXPECT_TRUE(same_bytes(gdw, cdw));
    EXPECT_TRUE(same_bytes(gdb, cdb));
}

// ---- Schedules and the emulation itself ----------------------------------------------------------

// ---- Training: cross-entropy and pooling ------------------------------------------------------------------------

// The device's cross-entropy as the plugin runs it (target check, then the rows and the reduction); returns the first
// bad row (-1 when none).
int64_t run_cross_entropy_kernels(const rk::backend::CrossEntropyArgs& a) {
    long long status[2] = {rk::cuda::kNoBadRow, 0};
    std::vector<float> rows(static_cast<size_t>(a.batch));
    rk::cuda::CrossEntropyDeviceArgs d{a, status, rows.data(), 0};
    rk::cuda::launch_cross_entropy_check(d, nullptr);
    if (status[0] != rk::cuda::kNoBadRow) return status[0];
    d.count = status[1];
    rk::cuda::launch_cross_entropy(d, nullptr);
    return -1;
}

rk::backend::CrossEntropyArgs cross_entropy_args(int backward, rk_loss_reduction reduction, int64_t batch, int64_t classes,
                                                 int64_t ignore, float eps, const std::vector<float>& x,
                                                 const std::vector<int64_t>& t, const float* dloss, float* out) {
    rk::backend::CrossEntropyArgs a{};
    a.backward = backward;
    a.reduction = static_cast<rk::backend::LossReduction>(reduction);
    a.batch = batch;
    a.classes = classes;
    a.ignore_index = ignore;
    a.constants = rk::core::cross_entropy_constants(eps, classes);
    a.logits = x.data();
    a.targets = t.data();
    a.dloss = dloss;
    a.out = out;
    return a;
}

TEST_F(SimtKernels, CrossEntropyEveryReductionMatchesCpu) {
    const struct {
        int64_t batch, classes, ignore;
        float eps;
    } cases[] = {{5, 37, -100, 0.0f}, {3, 2100, 1, 0.1f}, {40, 9, -1, 0.0f}, {2, 1, -100, 0.5f}};
    for (const auto& z : cases) {
        SCOPED_TRACE(std::to_string(z.batch) + "x" + std::to_string(z.classes));
        std::vector<float> x = data(cpu_.get(), static_cast<int64_t>(z.batch * z.classes));
        x[static_cast<size_t>(z.classes - 1)] = std::numeric_limits<float>::quiet_NaN();  // row 0: NaN loss
        std::vector<int64_t> t(static_cast<size_t>(z.batch));
        for (int64_t r = 0; r < z.batch; ++r) t[static_cast<size_t>(r)] = r % 3 == 1 ? z.ignore : (r * 7) % z.classes;
        const std::vector<float> dloss = data(cpu_.get(), static_cast<int64_t>(z.batch));
        for (const rk_loss_reduction reduction : {RK_REDUCTION_NONE, RK_REDUCTION_SUM, RK_REDUCTION_MEAN}) {
            SCOPED_TRACE(static_cast<int>(reduction));
            const size_t outs = reduction == RK_REDUCTION_NONE ? static_cast<size_t>(z.batch) : 1;
            std::vector<float> gl(outs), cl(outs), gdx(x.size()), cdx(x.size());
            ASSERT_EQ(run_cross_entropy_kernels(cross_entropy_args(0, reduction, z.batch, z.classes, z.ignore, z.eps, x, t,
                                                                   nullptr, gl.data())),
                      -1);
            ASSERT_EQ(rk_cross_entropy_forward(cpu_.get(), z.batch, z.classes, x.data(), t.data(), z.ignore, z.eps,
                                               reduction, cl.data()),
                      RK_STATUS_OK);
            EXPECT_TRUE(same_bytes(gl, cl)) << "forward, first difference " << first_difference(gl, cl);
            ASSERT_EQ(run_cross_entropy_kernels(cross_entropy_args(1, reduction, z.batch, z.classes, z.ignore, z.eps, x, t,
                                                                   dloss.data(), gdx.data())),
                      -1);
            ASSERT_EQ(rk_cross_entropy_backward(cpu_.get(), z.batch, z.classes, x.data(), t.data(), z.ignore, z.eps,
                                                reduction, dloss.data(), cdx.data()),
                      RK_STATUS_OK);
            EXPECT_TRUE(same_bytes(gdx, cdx)) << "backward, first difference " << first_difference(gdx, cdx);
        }
    }
    // The target check reports the first bad row, whichever thread finds it.
    const std::vector<float> x(40 * 4, 0.5f);
    std::vector<int64_t> t(40, 1);
    t[33] = 4;
    t[17] = -5;
    std::vector<float> out(40, 7.0f);
    EXPECT_EQ(run_cross_entropy_kernels(cross_entropy_args(0, RK_REDUCTION_NONE, 40, 4, -100, 0.0f, x, t, nullptr, out.data())), 17);
    for (float v : out) EXPECT_EQ(v, 7.0f);
}

rk_pool2d_desc simt_pool_desc(rk_pool_mode mode, rk_conv_layout layout, int64_t n, int64_t c, int64_t h, int64_t w, int32_t k,
                              int32_t s, int32_t p, int32_t dil, int32_t ceil_mode, int32_t include_pad, int32_t divisor) {
    rk_pool2d_desc d{};
    d.struct_size = sizeof d;
    d.mode = mode;
    d.layout = layout;
    d.n = n;
    d.c = c;
    d.h = h;
    d.w = w;
    d.kernel_h = k;
    d.kernel_w = k + 1;
    d.stride_h = d.stride_w = s;
    d.pad_h = d.pad_w = p;
    d.dilation_h = d.dilation_w = dil;
    d.ceil_mode = ceil_mode;
    d.count_include_pad = include_pad;
    d.divisor_override = divisor;
    return d;
}

rk::core::PoolGeometry pool_geometry_of(const rk_pool2d_desc& d) {
    rk::core::PoolGeometry g{};
    EXPECT_EQ(rk_pool2d_output_shape(&d, &g.p, &g.q), RK_STATUS_OK) << rk_last_error_message();
    g.mode = d.mode == RK_POOL_MAX ? rk::core::PoolMode::kMax : rk::core::PoolMode::kAvg;
    g.nhwc = d.layout == RK_LAYOUT_NHWC;
    g.n = d.n;
    g.c = d.c;
    g.h = d.h;
    g.w = d.w;
    g.kh = d.kernel_h;
    g.kw = d.kernel_w;
    g.sh = d.stride_h;
    g.sw = d.stride_w;
    g.ph = d.pad_h;
    g.pw = d.pad_w;
    g.dh = d.dilation_h;
    g.dw = d.dilation_w;
    g.count_include_pad = d.count_include_pad != 0;
    g.divisor_override = d.divisor_override;
    return g;
}

TEST_F(SimtKernels, PoolingEveryModeMatchesCpu) {
    const rk_pool2d_desc descs[] = {
        simt_pool_desc(RK_POOL_MAX, RK_LAYOUT_NCHW, 2, 3, 9, 11, 3, 2, 1, 2, 1, 0, 0),
        simt_pool_desc(RK_POOL_MAX, RK_LAYOUT_NHWC, 1, 19, 7, 8, 3, 1, 1, 1, 0, 0, 0),
        simt_pool_desc(RK_POOL_AVG, RK_LAYOUT_NCHW, 1, 2, 9, 11, 3, 2, 1, 1, 1, 1, 0),
        simt_pool_desc(RK_POOL_AVG, RK_LAYOUT_NCHW, 1, 2, 9, 11, 3, 2, 1, 1, 1, 0, 0),
        simt_pool_desc(RK_POOL_AVG, RK_LAYOUT_NHWC, 2, 5, 6, 7, 3, 1, 1, 1, 0, 0, 5),
    };
    for (const rk_pool2d_desc& d : descs) {
        const rk::core::PoolGeometry g = pool_geometry_of(d);
        SCOPED_TRACE(std::to_string(static_cast<int>(d.mode)) + " layout " + std::to_string(static_cast<int>(d.layout)));
        std::vector<float> x = data(cpu_.get(), static_cast<int64_t>(g.x_count()));
        for (size_t i = 0; i < x.size(); i += 3) x[i] = std::round(x[i]);  // ties
        x[5] = std::numeric_limits<float>::quiet_NaN();
        const std::vector<float> dy = data(cpu_.get(), static_cast<int64_t>(g.y_count()));
        const bool max = d.mode == RK_POOL_MAX;
        std::vector<float> gy(dy.size()), cy(dy.size()), gdx(x.size()), cdx(x.size());
        std::vector<int64_t> gi(max ? dy.size() : 0), ci(gi.size());
        rk::backend::PoolArgs a{};
        a.g = g;
        a.in = x.data();
        a.out = gy.data();
        a.indices_out = max ? gi.data() : nullptr;
        rk::cuda::launch_pool(a, nullptr);
        ASSERT_EQ(rk_pool2d_forward(cpu_.get(), &d, x.data(), cy.data(), max ? ci.data() : nullptr), RK_STATUS_OK);
        EXPECT_TRUE(same_bytes(gy, cy)) << "forward, first difference " << first_difference(gy, cy);
        EXPECT_EQ(gi, ci);
        rk::backend::PoolArgs b{};
        b.backward = 1;
        b.g = g;
        b.in = dy.data();
        b.indices_in = max ? ci.data() : nullptr;
        b.out = gdx.data();
        rk::cuda::launch_pool(b, nullptr);
        ASSERT_EQ(rk_pool2d_backward(cpu_.get(), &d, dy.data(), max ? ci.data() : nullptr, cdx.data()), RK_STATUS_OK);
        EXPECT_TRUE(same_bytes(gdx, cdx)) << "backward, first difference " << first_difference(gdx, cdx);
    }
    // Global average pooling: a plane longer than a chunk (block canonical sum over several slots), NHWC.
    const struct {
        rk_conv_layout layout;
        int64_t n, c, h, w;
    } shapes[] = {{RK_LAYOUT_NCHW, 1, 2, 50, 50}, {RK_LAYOUT_NHWC, 2, 3, 5, 7}};
    for (const auto& z : shapes) {
        rk::core::PoolGeometry g{};
        g.mode = rk::core::PoolMode::kGlobalAvg;
        g.nhwc = z.layout == RK_LAYOUT_NHWC;
        g.n = z.n;
        g.c = z.c;
        g.h = z.h;
        g.w = z.w;
        g.p = g.q = 1;
        g.kh = g.kw = g.sh = g.sw = g.dh = g.dw = 1;
        const std::vector<float> x = data(cpu_.get(), static_cast<int64_t>(g.x_count()));
        const std::vector<float> dy = data(cpu_.get(), static_cast<int64_t>(g.planes()));
        std::vector<float> gy(dy.size()), cy(dy.size()), gdx(x.size()), cdx(x.size());
        rk::backend::PoolArgs a{};
        a.g = g;
        a.in = x.data();
        a.out = gy.data();
        rk::cuda::launch_pool(a, nullptr);
        ASSERT_EQ(rk_global_avg_pool2d_forward(cpu_.get(), z.layout, z.n, z.c, z.h, z.w, x.data(), cy.data()), RK_STATUS_OK);
        EXPECT_TRUE(same_bytes(gy, cy)) << "global forward";
        a.backward = 1;
        a.in = dy.data();
        a.out = gdx.data();
        rk::cuda::launch_pool(a, nullptr);
        ASSERT_EQ(rk_global_avg_pool2d_backward(cpu_.get(), z.layout, z.n, z.c, z.h, z.w, dy.data(), cdx.data()), RK_STATUS_OK);
        EXPECT_TRUE(same_bytes(gdx, cdx)) << "global backward";
    }
}

// The block canonical sum (cross-entropy's row sums and batch sum) gives the same bits under every schedule.
TEST_F(SimtKernels, BlockCanonicalSumGivesTheSameBitsUnderEverySchedule) {
    const int64_t batch = 3, classes = 4500;
    std::vector<float> x = data(cpu_.get(), static_cast<int64_t>(batch * classes));
    for (float& v : x)
        if (!std::isfinite(v)) v = 1.5f;  // a finite sum, so that the comparison sees every bit
    const std::vector<int64_t> t{5, 4499, 0};
    std::vector<float> first;
    for (const rk::simt::ScheduleSpec& s : rk::simt::schedules()) {
        SCOPED_TRACE(s.name);
        Emulator::instance().set_schedule(s);
        std::vector<float> loss(1);
        ASSERT_EQ(run_cross_entropy_kernels(cross_entropy_args(0, RK_REDUCTION_SUM, batch, classes, -100, 0.1f, x, t, nullptr,
                                                               loss.data())),
                  -1);
        if (first.empty()) {
            first = loss;
            continue;
        }
        EXPECT_TRUE(same_bytes(first, loss));
    }
    std::vector<float> cpu(1);
    ASSERT_EQ(rk_cross_entropy_forward(cpu_.get(), batch, classes, x.data(), t.data(), -100, 0.1f, RK_REDUCTION_SUM,
                                       cpu.data()),
              RK_STATUS_OK);
    EXPECT_TRUE(same_bytes(first, cpu));
}

// ---- Activations and optimizers ------------------------------------------------------------------

// Every activation kernel, launched by its launch function and with grids far smaller than the count (the grid-stride
// loop does the rest), in place too: the CPU's bits.
TEST_F(SimtKernels, ActivationsMatchCpuOnAnyGrid) {
    for (int64_t n : {int64_t{1}, int64_t{33}, int64_t{4099}}) {
        const std::vector<float> x = data(cpu_.get(), n);
        std::vector<float> dy = data(cpu_.get(), n);
        std::reverse(dy.begin(), dy.end());
        for (int kind = 0; kind < 4; ++kind)
            for (int backward = 0; backward < 2; ++backward) {
                const auto k = static_cast<rk_activation>(kind);
                std::vector<float> want(static_cast<size_t>(n));
                if (backward)
                    ASSERT_EQ(rk_activation_backward(cpu_.get(), k, 0.2f, x.data(), dy.data(), want.data(), n), RK_STATUS_OK);
                else
                    ASSERT_EQ(rk_activation_forward(cpu_.get(), k, 0.2f, x.data(), want.data(), n), RK_STATUS_OK);
                for (unsigned grid : {0u, 1u, 3u}) {  // 0: the launch function's own grid; small grids: GELU tanh
                    if (grid != 0 && kind != static_cast<int>(RK_ACTIVATION_GELU_TANH)) continue;
                    std::vector<float> got = backward ? dy : x;  // in place: out is dy (backward) or x (forward)
                    rk::backend::ActivationArgs a{};
                    a.kind = static_cast<rk::core::ActivationKind>(kind);
                    a.backward = backward;
                    a.negative_slope = 0.2f;
                    a.x = backward ? x.data() : got.data();
                    a.dy = backward ? got.data() : nullptr;
                    a.out = got.data();
                    a.count = static_cast<uint64_t>(n);
                    if (grid == 0)
                        rk::cuda::launch_activation(a, nullptr);
                    else if (backward)
                        RK_LAUNCH(rk::cuda::gelu_tanh_backward_kernel, grid, 64, nullptr)(a);
                    else
                        RK_LAUNCH(rk::cuda::gelu_tanh_forward_kernel, grid, 64, nullptr)(a);
                    EXPECT_TRUE(same_bytes(got, want)) << "n " << n << " kind " << kind << " backward " << backward
                                                       << " grid " << grid << " first difference "
                                                       << first_difference(got, want);
                }
            }
    }
}

// The optimizer kernels over several tensors (one empty, one across tiles) with the launch functions' grids and with
// one block: the CPU's bits; the state check finds the first non-finite element under every schedule.
TEST_F(SimtKernels, OptimizerStepsMatchCpuOnAnyGrid) {
    const std::vector<int64_t> counts = {5000, 0, 9000, 3};
    std::vector<std::vector<float>> p0, g, m0, v0;
    for (size_t i = 0; i < counts.size(); ++i) {
        p0.push_back(data(cpu_.get(), counts[i]));
        g.push_back(data(cpu_.get(), counts[i]));
        std::reverse(g.back().begin(), g.back().end());
        for (float& f : g.back())
            if (!std::isfinite(f)) f = 0.5f;
        m0.emplace_back(static_cast<size_t>(counts[i]), 0.25f);
        v0.emplace_back(static_cast<size_t>(counts[i]), 0.5f);
    }
    rk_adam_hyperparams h{};
    h.struct_size = sizeof h;
    h.lr = 1e-3, h.beta1 = 0.9, h.beta2 = 0.999, h.eps = 1e-8, h.weight_decay = 0.01, h.decoupled_weight_decay = 1;
    // CPU reference: one step at t = 2.
    auto p = p0, m = m0, v = v0;
    std::vector<float*> pp, mp, vp;
    std::vector<const float*> gp;
    for (size_t i = 0; i < counts.size(); ++i) pp.push_back(p[i].data()), gp.push_back(g[i].data()), mp.push_back(m[i].data()), vp.push_back(v[i].data());
    ASSERT_EQ(rk_adam_step(cpu_.get(), &h, 2, static_cast<int64_t>(counts.size()), pp.data(), gp.data(), mp.data(), vp.data(),
                           counts.data()),
              RK_STATUS_OK);
    for (unsigned blocks : {0u, 1u}) {
        auto dp = p0, dm = m0, dv = v0;
        std::vector<rk::backend::OptimizerTensor> tensors;
        for (size_t i = 0; i < counts.size(); ++i)
            tensors.push_back({dp[i].data(), g[i].data(), dm[i].data(), dv[i].data(), static_cast<uint64_t>(counts[i])});
        rk::backend::OptimizerArgs a{};
        a.kind = rk::backend::OptimizerKind::kAdam;
        a.adam = rk::core::adam_constants(h.lr, h.beta1, h.beta2, h.eps, h.weight_decay, true, false, 2);
        a.tensors = tensors.data();
        a.tensor_count = tensors.size();
        std::vector<rk::cuda::OptimizerDeviceTensor> table(tensors.size());
        std::vector<uint64_t> index(tensors.size());
        rk::cuda::OptimizerDeviceArgs d{};
        d.kind = a.kind;
        d.adam = a.adam;
        d.tensor_count = rk::cuda::optimizer_table(a, table.data(), index.data(), &d.tiles);
        d.tensors = table.data();
        if (blocks == 0)
            rk::cuda::launch_optimizer_update(d, nullptr);
        else
            RK_LAUNCH(rk::cuda::optimizer_update_kernel, blocks, 96, nullptr)(d);
        for (size_t i = 0; i < counts.size(); ++i) {
            EXPECT_TRUE(same_bytes(dp[i], p[i])) << "param " << i << " blocks " << blocks;
            EXPECT_TRUE(same_bytes(dm[i], m[i])) << "exp_avg " << i << " blocks " << blocks;
            EXPECT_TRUE(same_bytes(dv[i], v[i])) << "exp_avg_sq " << i << " blocks " << blocks;
        }
        // The state check: NaN in v of tensor 2 at 8000, +Inf in m of tensor 2 at 7000 and of tensor 3 at 0: the key of
        // (tensor 2, element 7000, m) is the smallest whatever the schedule and grid.
        dv[2][8000] = std::numeric_limits<float>::quiet_NaN();
        dm[2][7000] = std::numeric_limits<float>::infinity();
        dm[3][0] = std::numeric_limits<float>::infinity();
        for (const rk::simt::ScheduleSpec& s : rk::simt::schedules()) {
            Emulator::instance().set_schedule(s);
            unsigned long long bad = ~0ull;
            d.first_bad = &bad;
            d.check_state0 = d.check_state1 = 1;
            if (blocks == 0)
                rk::cuda::launch_optimizer_check(d, nullptr);
            else
                RK_LAUNCH(rk::cuda::optimizer_check_kernel, blocks, 96, nullptr)(d);
            EXPECT_EQ(bad, 2 * (5000ull + 7000ull)) << "blocks " << blocks;
        }
        Emulator::instance().set_schedule(Schedule::kForward);
    }
}

// The kernels with barriers give the same bits under every schedule the emulation has (forward, reverse and seeded
// random orders of blocks and of the threads between barriers): their results cannot depend on thread order.
TEST_F(SimtKernels, BarrierKernelsGiveTheSameBitsUnderEverySchedule) {
    const rk_conv2d_desc d = conv_desc(RK_LAYOUT_NCHW, 1, 20, 6, 6, 18, 3, 3, 1, 1, 1, 1);
    const rk::core::ConvGeometry g = geometry(d);
    std::vector<float> x = data(cpu_.get(), g.x_count()), w = data(cpu_.get(), g.w_count());

    const uint32_t vocab = 2000;
    std::vector<float> logits(4 * vocab);
    const rk_philox_stream ls{9, 9, 9};
    ASSERT_EQ(rk_philox_fill_normal(cpu_.get(), &ls, 0.0f, 2.0f, logits.data(), 4 * vocab), RK_STATUS_OK);
    const std::vector<rk_sampling_params> params{{1.0f, 0, 0.8, 0.0}, {0.5f, 30, 1.0, 0.0}, {1.0f, 0, 1.0, 0.1}, {1.0f, 0, 1.0, 0.0}};
    const std::vector<rk_philox_stream> streams{{1, 0, 0}, {1, 1, 0}, {1, 2, 0}, {1, 3, 0}};

    std::vector<float> conv_first;
    std::vector<int32_t> tokens_first, kept_first;
    std::vector<float> probs_first;
    ASSERT_GT(rk::simt::schedules().size(), 2u);
    for (const rk::simt::ScheduleSpec& s : rk::simt::schedules()) {
        SCOPED_TRACE(s.name);
        Emulator::instance().set_schedule(s);
        std::vector<float> y(g.y_count());
        rk::cuda::launch_conv(ConvArgs{RK_CONV_PASS_FORWARD, RK_CONV_IMPLICIT_GEMM, g, x.data(), w.data(), nullptr, y.data(), nullptr, nullptr}, nullptr);
        std::vector<int32_t> tokens, kept;
        std::vector<float> probs, logps;
        std::vector<rk::cuda::SampleRowStatus> status;
        run_sample_kernel(logits, 4, vocab, params, streams, tokens, probs, logps, kept, status);
        if (conv_first.empty()) {
            conv_first = y;
            tokens_first = tokens;
            probs_first = probs;
            kept_first = kept;
            continue;
        }
        EXPECT_TRUE(same_bytes(conv_first, y));
        EXPECT_EQ(tokens_first, tokens);
        EXPECT_TRUE(same_bytes(probs_first, probs));
        EXPECT_EQ(kept_first, kept);
    }
}

__global__ void divergent_barrier_kernel(int* out) {
    if (threadIdx.x < 16) __syncthreads();  // a bug: half the block never reaches the barrier
    out[threadIdx.x] = 1;
}

__global__ void warp_ops_kernel(int* out) {
    const int lane = static_cast<int>(threadIdx.x % 32);
    int v = lane * 3;
    for (int d = 16; d > 0; d /= 2) v += __shfl_xor_sync(0xFFFFFFFFu, v, d);  // butterfly sum: every lane gets it
    const unsigned odd = __ballot_sync(0xFFFFFFFFu, lane % 2 == 1);
    const int down = __shfl_down_sync(0xFFFFFFFFu, lane, 1);
    out[threadIdx.x] = v + (odd == 0xAAAAAAAAu ? 1000000 : 0) + 100 * down;
}

TEST(SimtEmulation, ReportsABarrierThatPartOfTheBlockNeverReaches) {
    std::vector<int> out(64);
    auto launch = [&] { RK_LAUNCH(divergent_barrier_kernel, dim3(1), dim3(64), nullptr)(out.data()); };
    EXPECT_THROW(launch(), std::logic_error);
}

TEST(SimtEmulation, WarpShufflesAndVotesFollowCudaSemantics) {
    std::vector<int> out(64);
    RK_LAUNCH(warp_ops_kernel, dim3(1), dim3(64), nullptr)(out.data());
    for (int t = 0; t < 64; ++t) {
        const int lane = t % 32, down = lane == 31 ? 31 : lane + 1;
        EXPECT_EQ(out[t], 3 * (31 * 32 / 2) + 1000000 + 100 * down) << "thread " << t;
    }
}

}  // namespace
