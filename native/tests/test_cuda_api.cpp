// The CUDA path of the C API. CTest runs this binary three ways (native/tests/CMakeLists.txt):
//   gpu             the plugin next to libreprokit: on a machine with a GPU every test runs on device 0; without
//                   one the device tests skip, naming the reason, and the "no device" behaviour is checked;
//   simt-emulation  REPROKIT_CUDA_PLUGIN = the emulated plugin (simt/emulated_plugin.cpp): every device test runs
//                   the real kernel sources on the emulated device, through the same C API path;
//   cpu             REPROKIT_CUDA_PLUGIN = a missing file: the error names where the plugin was looked for.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "test_helpers.h"

namespace {

// Device 0 if a CUDA device can be used, else the reason it cannot.
bool cuda_device(std::string& why) {
    int32_t count = 0;
    const rk_status s = rk_cuda_device_count(&count);
    if (s != RK_STATUS_OK) {
        why = std::string("CUDA is not available: ") + rk_last_error_message();
        return false;
    }
    if (count == 0) {
        why = "no CUDA device is present (rk_cuda_device_count = 0)";
        return false;
    }
    return true;
}

class CudaDevice : public ::testing::Test {
protected:
    void SetUp() override {
        std::string why;
        if (!cuda_device(why)) {
            GTEST_SKIP() << why;
        }
        ASSERT_EQ(rk_cuda_context_create(0, &ctx_), RK_STATUS_OK) << rk_last_error_message();
    }
    void TearDown() override {
        for (void* p : buffers_) EXPECT_EQ(rk_device_free(ctx_, p), RK_STATUS_OK) << rk_last_error_message();
        if (ctx_) {
            EXPECT_EQ(rk_context_destroy(ctx_), RK_STATUS_OK);
        }
    }

    void* alloc(int64_t bytes) {
        void* p = nullptr;
        EXPECT_EQ(rk_device_alloc(ctx_, bytes, &p), RK_STATUS_OK) << rk_last_error_message();
        buffers_.push_back(p);
        return p;
    }
    template <class T>
    T* upload(const std::vector<T>& v) {
        auto* d = static_cast<T*>(alloc(static_cast<int64_t>(v.size() * sizeof(T))));
        EXPECT_EQ(rk_memcpy(ctx_, d, v.data(), static_cast<int64_t>(v.size() * sizeof(T)), RK_COPY_HOST_TO_DEVICE, 0),
                  RK_STATUS_OK);
        return d;
    }
    template <class T>
    std::vector<T> download(const T* d, size_t n) {
        std::vector<T> v(n);
        EXPECT_EQ(rk_memcpy(ctx_, v.data(), d, static_cast<int64_t>(n * sizeof(T)), RK_COPY_DEVICE_TO_HOST, 0),
                  RK_STATUS_OK)
            << rk_last_error_message();
        return v;
    }

    rk_context* ctx_ = nullptr;
    std::vector<void*> buffers_;
    rk::test::Context cpu_{RK_ISA_AUTO, 2};
};

TEST_F(CudaDevice, EveryGoldenCaseMatchesItsRecordedDigestOnTheDevice) {
    const int32_t n = rk_golden_case_count();
    ASSERT_GT(n, 0);
    for (int32_t i = 0; i < n; ++i) {
        char name[128], expected[65], actual[65];
        ASSERT_EQ(rk_golden_case_info(i, name, sizeof name, expected, sizeof expected), RK_STATUS_OK);
        ASSERT_EQ(rk_golden_case_run(ctx_, i, actual, sizeof actual), RK_STATUS_OK) << name << ": " << rk_last_error_message();
        EXPECT_STREQ(actual, expected) << "golden case " << name << " differs on the CUDA device";
    }
}

TEST_F(CudaDevice, ContextAndDeviceDescribeThemselves) {
    rk_context_info info{};
    info.struct_size = sizeof info;
    ASSERT_EQ(rk_context_get_info(ctx_, &info), RK_STATUS_OK);
    EXPECT_EQ(info.device_kind, RK_DEVICE_CUDA);
    EXPECT_EQ(info.device_index, 0);
    EXPECT_EQ(info.isa, RK_ISA_AUTO);
    rk_cuda_device_info d{};
    d.struct_size = sizeof d;
    ASSERT_EQ(rk_cuda_device_get_info(0, &d), RK_STATUS_OK) << rk_last_error_message();
    EXPECT_GT(std::strlen(d.name), 0u);
    EXPECT_GE(d.sm_count, 1);
    EXPECT_GT(d.total_memory, 0);
    std::printf("[ INFO     ] device 0: %s, compute capability %d.%d, %d SMs, driver %d, runtime %d\n", d.name,
                d.compute_major, d.compute_minor, d.sm_count, d.driver_version, d.runtime_version);
}

TEST_F(CudaDevice, MemoryRoundTripsSynchronouslyAndOnTheStream) {
    std::vector<uint32_t> host(1000);
    for (uint32_t i = 0; i < host.size(); ++i) host[i] = i * 2654435761u;
    uint32_t* a = upload(host);
    auto* b = static_cast<uint32_t*>(alloc(4000));
    ASSERT_EQ(rk_memcpy(ctx_, b, a, 4000, RK_COPY_DEVICE_TO_DEVICE, 1), RK_STATUS_OK);
    std::vector<uint32_t> back(1000, 0);
    ASSERT_EQ(rk_memcpy(ctx_, back.data(), b, 4000, RK_COPY_DEVICE_TO_HOST, 1), RK_STATUS_OK);
    ASSERT_EQ(rk_context_synchronize(ctx_), RK_STATUS_OK);
    EXPECT_EQ(back, host);
    ASSERT_EQ(rk_cuda_context_set_stream(ctx_, nullptr), RK_STATUS_OK);  // the default stream
}

TEST_F(CudaDevice, HostPointersAreRefusedWithAClearMessage) {
    std::vector<uint32_t> host(16);
    const rk_philox_stream s{1, 2, 3};
    EXPECT_EQ(rk_philox_fill_u32(ctx_, &s, host.data(), 16), RK_STATUS_INVALID_ARGUMENT);
    EXPECT_NE(std::string(rk_last_error_message()).find("'out' is host memory"), std::string::npos) << rk_last_error_message();
    auto* y = static_cast<float*>(alloc(64));
    std::vector<float> x(16, 1.0f);
    EXPECT_EQ(rk_dropout_forward(ctx_, &s, 0.5, 0, x.data(), y, 16, RK_MASK_NONE, nullptr), RK_STATUS_INVALID_ARGUMENT);
    EXPECT_NE(std::string(rk_last_error_message()).find("'x'"), std::string::npos) << rk_last_error_message();
    EXPECT_EQ(rk_memcpy(ctx_, host.data(), x.data(), 64, RK_COPY_DEVICE_TO_HOST, 0), RK_STATUS_INVALID_ARGUMENT);
    EXPECT_NE(std::string(rk_last_error_message()).find("'src'"), std::string::npos) << rk_last_error_message();
}

TEST_F(CudaDevice, EveryOperationMatchesTheCpuBitForBit) {
    const rk_philox_stream s{0xC0FFEE, 3, 5};
    const int64_t n = 5001;
    // Fills: u32, uniform, normal.
    auto* du = static_cast<uint32_t*>(alloc(n * 4));
    ASSERT_EQ(rk_philox_fill_u32(ctx_, &s, du, n), RK_STATUS_OK);
    EXPECT_EQ(download(du, n), rk::test::fill_u32(cpu_.get(), s, n));
    auto* dn = static_cast<float*>(alloc(n * 4));
    std::vector<float> cn(n);
    ASSERT_EQ(rk_philox_fill_normal(ctx_, &s, 1.0f, 2.0f, dn, n), RK_STATUS_OK);
    ASSERT_EQ(rk_philox_fill_normal(cpu_.get(), &s, 1.0f, 2.0f, cn.data(), n), RK_STATUS_OK);
    const std::vector<float> gn = download(dn, n);
    EXPECT_EQ(0, std::memcmp(gn.data(), cn.data(), n * 4));
    // Dropout with a packed mask, then backward from it.
    auto* dy = static_cast<float*>(alloc(n * 4));
    auto* dm = static_cast<uint32_t*>(alloc((n + 31) / 32 * 4));
    std::vector<float> cy(n);
    std::vector<uint32_t> cm((n + 31) / 32);
    ASSERT_EQ(rk_dropout_forward(ctx_, &s, 0.3, 77, dn, dy, n, RK_MASK_BITS, dm), RK_STATUS_OK) << rk_last_error_message();
    ASSERT_EQ(rk_dropout_forward(cpu_.get(), &s, 0.3, 77, cn.data(), cy.data(), n, RK_MASK_BITS, cm.data()), RK_STATUS_OK);
    EXPECT_EQ(0, std::memcmp(download(dy, n).data(), cy.data(), n * 4));
    EXPECT_EQ(download(dm, cm.size()), cm);
    ASSERT_EQ(rk_dropout_backward(ctx_, &s, 0.3, 77, dn, dy, n, RK_MASK_BITS, dm), RK_STATUS_OK);
    ASSERT_EQ(rk_dropout_backward(cpu_.get(), &s, 0.3, 77, cn.data(), cy.data(), n, RK_MASK_BITS, cm.data()), RK_STATUS_OK);
    EXPECT_EQ(0, std::memcmp(download(dy, n).data(), cy.data(), n * 4));
    // Permutation.
    auto* dp = static_cast<uint64_t*>(alloc(1000 * 8));
    std::vector<uint64_t> cp(1000);
    ASSERT_EQ(rk_permutation(ctx_, 123457, 9, 1, 0, 500, dp, 1000), RK_STATUS_OK);
    ASSERT_EQ(rk_permutation(cpu_.get(), 123457, 9, 1, 0, 500, cp.data(), 1000), RK_STATUS_OK);
    EXPECT_EQ(download(dp, 1000), cp);
}

TEST_F(CudaDevice, SamplingRowErrorsNameTheRowAndTheLogit) {
    const int64_t vocab = 100, batch = 3;
    std::vector<float> logits(vocab * batch, 0.5f);
    logits[2 * vocab + 41] = std::numeric_limits<float>::quiet_NaN();
    float* dl = upload(logits);
    auto* dt = static_cast<int32_t*>(alloc(batch * 4));
    const std::vector<rk_sampling_params> params(batch, rk_sampling_params{1.0f, 0, 1.0, 0.0});
    const std::vector<rk_philox_stream> streams(batch, rk_philox_stream{1, 0, 0});
    EXPECT_EQ(rk_sample(ctx_, dl, batch, vocab, vocab, params.data(), streams.data(), dt, nullptr, nullptr, nullptr),
              RK_STATUS_INVALID_ARGUMENT);
    const std::string msg = rk_last_error_message();
    EXPECT_NE(msg.find("row 2"), std::string::npos) << msg;
    EXPECT_NE(msg.find("[41] is NaN"), std::string::npos) << msg;
}

TEST_F(CudaDevice, ConvEveryForwardAlgorithmMatchesTheCpu) {
    rk_conv2d_desc d{};
    d.struct_size = sizeof d;
    d.layout = RK_LAYOUT_NCHW;
    d.n = 1, d.c = 6, d.h = 12, d.w = 10, d.k = 5, d.r = 3, d.s = 3;
    d.stride_h = d.stride_w = d.dilation_h = d.dilation_w = d.groups = 1;
    d.pad_top = d.pad_bottom = d.pad_left = d.pad_right = 1;
    std::vector<float> x(6 * 12 * 10), w(5 * 6 * 9), y(5 * 12 * 10), cy(y.size());
    const rk_philox_stream s{5, 5, 5};
    ASSERT_EQ(rk_philox_fill_normal(cpu_.get(), &s, 0.0f, 1.0f, x.data(), static_cast<int64_t>(x.size())), RK_STATUS_OK);
    ASSERT_EQ(rk_philox_fill_normal(cpu_.get(), &s, 0.0f, 0.3f, w.data(), static_cast<int64_t>(w.size())), RK_STATUS_OK);
    float* dx = upload(x);
    float* dw = upload(w);
    auto* dy = static_cast<float*>(alloc(static_cast<int64_t>(y.size() * 4)));
    for (rk_conv_algorithm a : {RK_CONV_AUTO, RK_CONV_DIRECT, RK_CONV_IMPLICIT_GEMM, RK_CONV_WINOGRAD_2X3,
                                RK_CONV_WINOGRAD_4X3, RK_CONV_FFT}) {
        rk_conv_algorithm chosen = RK_CONV_AUTO;
        ASSERT_EQ(rk_conv2d_forward(ctx_, &d, a, dx, dw, nullptr, dy, nullptr, 0, &chosen), RK_STATUS_OK)
            << rk_last_error_message();
        ASSERT_EQ(rk_conv2d_forward(cpu_.get(), &d, a, x.data(), w.data(), nullptr, cy.data(), nullptr, 0, nullptr),
                  RK_STATUS_OK);
        EXPECT_NE(chosen, RK_CONV_AUTO);
        EXPECT_EQ(0, std::memcmp(download(dy, y.size()).data(), cy.data(), y.size() * 4)) << "algorithm " << a;
    }
}

// Linear (a 1x1 convolution on the device too): every pass, with and without bias, the CPU's bits.
TEST_F(CudaDevice, LinearEveryPassMatchesTheCpu) {
    const int64_t batch = 37, in = 29, out = 11;
    std::vector<float> x(batch * in), w(out * in), b(out), dyv(batch * out);
    const rk_philox_stream s{8, 1, 2};
    for (auto* v : {&x, &w, &b, &dyv})
        ASSERT_EQ(rk_philox_fill_normal(cpu_.get(), &s, 0.0f, 1.0f, v->data(), static_cast<int64_t>(v->size())), RK_STATUS_OK);
    float *dx = upload(x), *dw = upload(w), *db = upload(b), *ddy = upload(dyv);
    auto* dy = static_cast<float*>(alloc(batch * out * 4));
    auto* ddx = static_cast<float*>(alloc(batch * in * 4));
    auto* ddw = static_cast<float*>(alloc(out * in * 4));
    auto* ddb = static_cast<float*>(alloc(out * 4));
    std::vector<float> cy(batch * out), cdx(batch * in), cdw(out * in), cdb(out);
    for (const float* bias : {static_cast<const float*>(db), static_cast<const float*>(nullptr)}) {
        ASSERT_EQ(rk_linear_forward(ctx_, batch, in, out, dx, dw, bias, dy), RK_STATUS_OK) << rk_last_error_message();
        ASSERT_EQ(rk_linear_forward(cpu_.get(), batch, in, out, x.data(), w.data(), bias ? b.data() : nullptr, cy.data()),
                  RK_STATUS_OK);
        EXPECT_EQ(0, std::memcmp(download(dy, cy.size()).data(), cy.data(), cy.size() * 4)) << (bias ? "bias" : "no bias");
    }
    ASSERT_EQ(rk_linear_backward_data(ctx_, batch, in, out, ddy, dw, ddx), RK_STATUS_OK) << rk_last_error_message();
    ASSERT_EQ(rk_linear_backward_data(cpu_.get(), batch, in, out, dyv.data(), w.data(), cdx.data()), RK_STATUS_OK);
    EXPECT_EQ(0, std::memcmp(download(ddx, cdx.size()).data(), cdx.data(), cdx.size() * 4));
    ASSERT_EQ(rk_linear_backward_weights(ctx_, batch, in, out, dx, ddy, ddw, ddb), RK_STATUS_OK) << rk_last_error_message();
    ASSERT_EQ(rk_linear_backward_weights(cpu_.get(), batch, in, out, x.data(), dyv.data(), cdw.data(), cdb.data()),
              RK_STATUS_OK);
    EXPECT_EQ(0, std::memcmp(download(ddw, cdw.size()).data(), cdw.data(), cdw.size() * 4));
    EXPECT_EQ(0, std::memcmp(download(ddb, cdb.size()).data(), cdb.data(), cdb.size() * 4));
    // Host memory on a CUDA context is refused by name, like every operation's.
    EXPECT_EQ(rk_linear_forward(ctx_, batch, in, out, x.data(), dw, nullptr, dy), RK_STATUS_INVALID_ARGUMENT);
    EXPECT_NE(std::string(rk_last_error_message()).find("'x' is host memory"), std::string::npos) << rk_last_error_message();
}

TEST_F(CudaDevice, NormalizationEveryPassMatchesTheCpu) {
    const int64_t n = 3, c = 5, h = 30, w = 31, e = n * c * h * w;  // 2,790 positions per channel: two chunks
    std::vector<float> x(e), dyv(e), g(c), b(c), rm(c, 0.5f), rv(c, 2.0f);
    const rk_philox_stream s{9, 1, 2};
    for (auto* v : {&x, &dyv, &g, &b})
        ASSERT_EQ(rk_philox_fill_normal(cpu_.get(), &s, 0.5f, 1.0f, v->data(), static_cast<int64_t>(v->size())), RK_STATUS_OK);
    float *dx_ = upload(x), *ddy = upload(dyv), *dg = upload(g), *dbeta = upload(b), *drm = upload(rm), *drv = upload(rv);
    auto* dy = static_cast<float*>(alloc(e * 4));
    auto* dm = static_cast<float*>(alloc(c * 4));
    auto* di = static_cast<float*>(alloc(c * 4));
    auto* dgg = static_cast<float*>(alloc(c * 4));
    auto* dgb = static_cast<float*>(alloc(c * 4));
    std::vector<float> cy(e), cm(c), ci(c), crm = rm, crv = rv, cdx(e), cgg(c), cgb(c);
    auto same = [&](const float* dev, const std::vector<float>& host, const char* what) {
        EXPECT_EQ(0, std::memcmp(download(dev, host.size()).data(), host.data(), host.size() * 4)) << what;
    };
    ASSERT_EQ(rk_batchnorm2d_forward_training(ctx_, n, c, h, w, 1e-5f, 0.1f, dx_, dg, dbeta, dy, dm, di, drm, drv), RK_STATUS_OK)
        << rk_last_error_message();
    ASSERT_EQ(rk_batchnorm2d_forward_training(cpu_.get(), n, c, h, w, 1e-5f, 0.1f, x.data(), g.data(), b.data(), cy.data(),
                                              cm.data(), ci.data(), crm.data(), crv.data()),
              RK_STATUS_OK);
    same(dy, cy, "bn y");
    same(dm, cm, "bn mean");
    same(di, ci, "bn invstd");
    same(drm, crm, "bn running mean");
    same(drv, crv, "bn running var");
    ASSERT_EQ(rk_batchnorm2d_backward_training(ctx_, n, c, h, w, dx_, ddy, dg, dm, di, dy, dgg, dgb), RK_STATUS_OK)
        << rk_last_error_message();
    ASSERT_EQ(rk_batchnorm2d_backward_training(cpu_.get(), n, c, h, w, x.data(), dyv.data(), g.data(), cm.data(), ci.data(),
                                               cdx.data(), cgg.data(), cgb.data()),
              RK_STATUS_OK);
    same(dy, cdx, "bn dx");
    same(dgg, cgg, "bn dgamma");
    same(dgb, cgb, "bn dbeta");
    ASSERT_EQ(rk_batchnorm2d_forward_inference(ctx_, n, c, h, w, 1e-5f, dx_, dg, nullptr, drm, drv, dy), RK_STATUS_OK);
    ASSERT_EQ(rk_batchnorm2d_forward_inference(cpu_.get(), n, c, h, w, 1e-5f, x.data(), g.data(), nullptr, crm.data(),
                                               crv.data(), cy.data()),
              RK_STATUS_OK);
    same(dy, cy, "bn eval y");
    ASSERT_EQ(rk_batchnorm2d_backward_inference(ctx_, n, c, h, w, 1e-5f, ddy, dg, drv, dy), RK_STATUS_OK);
    ASSERT_EQ(rk_batchnorm2d_backward_inference(cpu_.get(), n, c, h, w, 1e-5f, dyv.data(), g.data(), crv.data(), cdx.data()),
              RK_STATUS_OK);
    same(dy, cdx, "bn eval dx");
    // LayerNorm: 2,325 rows of 6 (two row chunks for dγ, dβ), then 3 rows of 4,650 (three chunks per row).
    for (const auto& [rows, d] : {std::pair<int64_t, int64_t>{e / 6, 6}, {3, e / 3}}) {
        auto* lm = static_cast<float*>(alloc(rows * 4));
        auto* li = static_cast<float*>(alloc(rows * 4));
        auto* lg = static_cast<float*>(alloc(d * 4));
        auto* lb = static_cast<float*>(alloc(d * 4));
        std::vector<float> gamma(d, 1.5f), hm(rows), hi(rows), hg(d), hb(d);
        float* dgamma = upload(gamma);
        ASSERT_EQ(rk_layernorm_forward(ctx_, rows, d, 1e-5f, dx_, dgamma, nullptr, dy, lm, li), RK_STATUS_OK)
            << rk_last_error_message();
        ASSERT_EQ(rk_layernorm_forward(cpu_.get(), rows, d, 1e-5f, x.data(), gamma.data(), nullptr, cy.data(), hm.data(),
                                       hi.data()),
                  RK_STATUS_OK);
        same(dy, cy, "ln y");
        same(lm, hm, "ln mean");
        same(li, hi, "ln invstd");
        ASSERT_EQ(rk_layernorm_backward(ctx_, rows, d, dx_, ddy, dgamma, lm, li, dy, lg, lb), RK_STATUS_OK)
            << rk_last_error_message();
        ASSERT_EQ(rk_layernorm_backward(cpu_.get(), rows, d, x.data(), dyv.data(), gamma.data(), hm.data(), hi.data(),
                                        cdx.data(), hg.data(), hb.data()),
                  RK_STATUS_OK);
        same(dy, cdx, "ln dx");
        same(lg, hg, "ln dgamma");
        same(lb, hb, "ln dbeta");
    }
    EXPECT_EQ(rk_layernorm_forward(ctx_, 3, e / 3, 1e-5f, x.data(), nullptr, nullptr, dy, dm, di), RK_STATUS_INVALID_ARGUMENT);
    EXPECT_NE(std::string(rk_last_error_message()).find("'x' is host memory"), std::string::npos) << rk_last_error_message();
}

// Activations: every kind, both passes, in place too, on hostile values: the CPU's bits.
TEST_F(CudaDevice, ActivationsMatchTheCpu) {
    const size_t n = 4099;  // past a block and a grid-stride step, not a multiple of 32
    std::vector<float> x(n), dyv(n);
    const rk_philox_stream s{9, 1, 2};
    ASSERT_EQ(rk_philox_fill_normal(cpu_.get(), &s, 0.0f, 4.0f, x.data(), static_cast<int64_t>(n)), RK_STATUS_OK);
    ASSERT_EQ(rk_philox_fill_normal(cpu_.get(), &s, 0.0f, 1.0f, dyv.data(), static_cast<int64_t>(n)), RK_STATUS_OK);
    const float special[] = {0.0f, -0.0f, std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                             -std::numeric_limits<float>::infinity(), 1e-40f, -1e-40f, 10.0f, -10.0f, 3.4e38f};
    for (size_t i = 0; i < sizeof special / sizeof special[0]; ++i) x[i * 7] = special[i];
    float *dx = upload(x), *ddy = upload(dyv);
    auto* dout = static_cast<float*>(alloc(static_cast<int64_t>(n * 4)));
    std::vector<float> want(n);
    for (const rk_activation kind : {RK_ACTIVATION_RELU, RK_ACTIVATION_LEAKY_RELU, RK_ACTIVATION_GELU,
                                     RK_ACTIVATION_GELU_TANH}) {
        const int64_t c = static_cast<int64_t>(n);
        ASSERT_EQ(rk_activation_forward(ctx_, kind, 0.01f, dx, dout, c), RK_STATUS_OK) << rk_last_error_message();
        ASSERT_EQ(rk_activation_forward(cpu_.get(), kind, 0.01f, x.data(), want.data(), c), RK_STATUS_OK);
        EXPECT_EQ(0, std::memcmp(download(dout, n).data(), want.data(), n * 4)) << "forward, kind " << kind;
        ASSERT_EQ(rk_activation_backward(ctx_, kind, 0.01f, dx, ddy, dout, c), RK_STATUS_OK) << rk_last_error_message();
        ASSERT_EQ(rk_activation_backward(cpu_.get(), kind, 0.01f, x.data(), dyv.data(), want.data(), c), RK_STATUS_OK);
        EXPECT_EQ(0, std::memcmp(download(dout, n).data(), want.data(), n * 4)) << "backward, kind " << kind;
        // In place: dx on dy.
        float* dtmp = upload(dyv);
        ASSERT_EQ(rk_activation_backward(ctx_, kind, 0.01f, dx, dtmp, dtmp, c), RK_STATUS_OK) << rk_last_error_message();
        EXPECT_EQ(0, std::memcmp(download(dtmp, n).data(), want.data(), n * 4)) << "backward in place, kind " << kind;
    }
    EXPECT_EQ(rk_activation_forward(ctx_, RK_ACTIVATION_RELU, 0.0f, x.data(), dout, static_cast<int64_t>(n)),
              RK_STATUS_INVALID_ARGUMENT);
    EXPECT_NE(std::string(rk_last_error_message()).find("'x' is host memory"), std::string::npos) << rk_last_error_message();
}

// Optimizer steps over several tensors (one empty, one past a tile): SGD with momentum and Nesterov, Adam and AdamW,
// several steps; the CPU's bits. A non-finite state element is named as on the CPU, and nothing is written.
TEST_F(CudaDevice, OptimizerStepsMatchTheCpu) {
    const std::vector<int64_t> counts = {5000, 0, 37, 4096};
    const rk_philox_stream s{10, 1, 2};
    struct Set {
        std::vector<std::vector<float>> p, g, m, v;
    } host;
    for (int64_t c : counts) {
        for (auto* vec : {&host.p, &host.g}) {
            vec->emplace_back(static_cast<size_t>(c));
            ASSERT_EQ(rk_philox_fill_normal(cpu_.get(), &s, 0.0f, 1.0f, vec->back().data(), c), RK_STATUS_OK);
        }
        host.m.emplace_back(static_cast<size_t>(c));
        host.v.emplace_back(static_cast<size_t>(c));
    }
    const size_t k = counts.size();
    // Device copies of every array; the host arrays of pointers for both contexts.
    std::vector<float*> dp(k), dg(k), dm(k), dv(k), hp(k), hg(k), hm(k), hv(k);
    Set cpu = host;
    for (size_t i = 0; i < k; ++i) {
        if (counts[i] == 0) continue;
        dp[i] = upload(host.p[i]), dg[i] = upload(host.g[i]), dm[i] = upload(host.m[i]), dv[i] = upload(host.v[i]);
        hp[i] = cpu.p[i].data(), hg[i] = cpu.g[i].data(), hm[i] = cpu.m[i].data(), hv[i] = cpu.v[i].data();
    }
    const auto cg = [](const std::vector<float*>& v) { return reinterpret_cast<const float* const*>(v.data()); };
    const auto expect_same = [&](const std::string& what) {
        for (size_t i = 0; i < k; ++i) {
            const size_t n = static_cast<size_t>(counts[i]);
            if (n == 0) continue;
            EXPECT_EQ(0, std::memcmp(download(dp[i], n).data(), cpu.p[i].data(), n * 4)) << what << " p" << i;
            EXPECT_EQ(0, std::memcmp(download(dm[i], n).data(), cpu.m[i].data(), n * 4)) << what << " m" << i;
            EXPECT_EQ(0, std::memcmp(download(dv[i], n).data(), cpu.v[i].data(), n * 4)) << what << " v" << i;
        }
    };
    rk_sgd_hyperparams sh{};
    sh.struct_size = sizeof sh;
    sh.lr = 0.05, sh.momentum = 0.9, sh.weight_decay = 1e-3, sh.nesterov = 1;
    const int64_t kk = static_cast<int64_t>(k);
    for (int32_t first : {1, 0, 0}) {
        ASSERT_EQ(rk_sgd_step(ctx_, &sh, first, kk, dp.data(), cg(dg), dm.data(), counts.data()), RK_STATUS_OK)
            << rk_last_error_message();
        ASSERT_EQ(rk_sgd_step(cpu_.get(), &sh, first, kk, hp.data(), cg(hg), hm.data(), counts.data()), RK_STATUS_OK);
    }
    expect_same("sgd");
    for (int32_t decoupled : {0, 1}) {
        rk_adam_hyperparams ah{};
        ah.struct_size = sizeof ah;
        ah.lr = 1e-3, ah.beta1 = 0.9, ah.beta2 = 0.999, ah.eps = 1e-8, ah.weight_decay = 0.01;
        ah.decoupled_weight_decay = decoupled;
        for (int64_t t : {1, 2, 3}) {
            ASSERT_EQ(rk_adam_step(ctx_, &ah, t, kk, dp.data(), cg(dg), dm.data(), dv.data(), counts.data()), RK_STATUS_OK)
                << rk_last_error_message();
            ASSERT_EQ(rk_adam_step(cpu_.get(), &ah, t, kk, hp.data(), cg(hg), hm.data(), hv.data(), counts.data()),
                      RK_STATUS_OK);
        }
        expect_same(decoupled ? "adamw" : "adam");
    }
    // A NaN in v of tensor 3, element 100, and an infinity later in m of tensor 3: the first is named, nothing moves.
    const float nan = std::numeric_limits<float>::quiet_NaN(), inf = std::numeric_limits<float>::infinity();
    ASSERT_EQ(rk_memcpy(ctx_, dv[3] + 100, &nan, 4, RK_COPY_HOST_TO_DEVICE, 0), RK_STATUS_OK);
    ASSERT_EQ(rk_memcpy(ctx_, dm[3] + 4000, &inf, 4, RK_COPY_HOST_TO_DEVICE, 0), RK_STATUS_OK);
    const std::vector<float> p0 = download(dp[0], 5000);
    rk_adam_hyperparams ah{};
    ah.struct_size = sizeof ah;
    ah.lr = 1e-3, ah.beta1 = 0.9, ah.beta2 = 0.999, ah.eps = 1e-8;
    EXPECT_EQ(rk_adam_step(ctx_, &ah, 4, kk, dp.data(), cg(dg), dm.data(), dv.data(), counts.data()),
              RK_STATUS_INVALID_ARGUMENT);
    EXPECT_NE(std::string(rk_last_error_message()).find("exp_avg_sq[3][100] is NaN"), std::string::npos)
        << rk_last_error_message();
    EXPECT_EQ(download(dp[0], 5000), p0);
}

// ---- Without a usable device -------------------------------------------------------------------------------

// Cross-entropy on the device: every reduction, forward and backward, the CPU's bits; a bad target named by its row
// (read back from the device) with nothing written.
TEST_F(CudaDevice, CrossEntropyEveryReductionMatchesTheCpu) {
    const int64_t batch = 21, classes = 2085;
    std::vector<float> x(batch * classes), dl(batch);
    const rk_philox_stream s{9, 2, 3};
    ASSERT_EQ(rk_philox_fill_normal(cpu_.get(), &s, 0.0f, 3.0f, x.data(), batch * classes), RK_STATUS_OK);
    ASSERT_EQ(rk_philox_fill_normal(cpu_.get(), &s, 0.0f, 1.0f, dl.data(), batch), RK_STATUS_OK);
    std::vector<int64_t> t(batch);
    for (int64_t r = 0; r < batch; ++r) t[r] = r % 4 == 1 ? -100 : (r * 331) % classes;
    float *dx = upload(x), *ddl = upload(dl);
    int64_t* dt = upload(t);
    auto* dout = static_cast<float*>(alloc(batch * 4));
    auto* ddx = static_cast<float*>(alloc(batch * classes * 4));
    for (const float eps : {0.0f, 0.2f})
        for (const rk_loss_reduction reduction : {RK_REDUCTION_NONE, RK_REDUCTION_SUM, RK_REDUCTION_MEAN}) {
            const size_t outs = reduction == RK_REDUCTION_NONE ? batch : 1;
            std::vector<float> cl(outs), cdx(x.size());
            ASSERT_EQ(rk_cross_entropy_forward(ctx_, batch, classes, dx, dt, -100, eps, reduction, dout), RK_STATUS_OK)
                << rk_last_error_message();
            ASSERT_EQ(rk_cross_entropy_forward(cpu_.get(), batch, classes, x.data(), t.data(), -100, eps, reduction, cl.data()),
                      RK_STATUS_OK);
            EXPECT_EQ(0, std::memcmp(download(dout, outs).data(), cl.data(), outs * 4)) << "forward " << reduction;
            ASSERT_EQ(rk_cross_entropy_backward(ctx_, batch, classes, dx, dt, -100, eps, reduction, ddl, ddx), RK_STATUS_OK)
                << rk_last_error_message();
            ASSERT_EQ(rk_cross_entropy_backward(cpu_.get(), batch, classes, x.data(), t.data(), -100, eps, reduction,
                                                dl.data(), cdx.data()),
                      RK_STATUS_OK);
            EXPECT_EQ(0, std::memcmp(download(ddx, cdx.size()).data(), cdx.data(), cdx.size() * 4)) << "backward " << reduction;
        }
    t[13] = classes;
    t[19] = -7;
    int64_t* bad = upload(t);
    const std::vector<float> sentinel(batch, 5.0f);
    ASSERT_EQ(rk_memcpy(ctx_, dout, sentinel.data(), batch * 4, RK_COPY_HOST_TO_DEVICE, 0), RK_STATUS_OK);
    EXPECT_EQ(rk_cross_entropy_forward(ctx_, batch, classes, dx, bad, -100, 0.0f, RK_REDUCTION_NONE, dout),
              RK_STATUS_INVALID_ARGUMENT);
    EXPECT_NE(std::string(rk_last_error_message()).find("row 13: targets[13] is 2085, which is outside [0, 2085)"),
              std::string::npos)
        << rk_last_error_message();
    EXPECT_EQ(download(dout, batch), sentinel);
}

// Pooling on the device: max (indices, overlapping windows, dilation, ceil_mode) and average in both layouts, global
// average pooling; forward and backward, the CPU's bits.
TEST_F(CudaDevice, PoolingEveryModeMatchesTheCpu) {
    rk_pool2d_desc descs[3] = {};
    for (rk_pool2d_desc& d : descs) {
        d.struct_size = sizeof d;
        d.n = 2;
        d.c = 5;
        d.h = 11;
        d.w = 13;
        d.kernel_h = 3;
        d.kernel_w = 2;
        d.stride_h = d.stride_w = 1;
        d.pad_h = d.pad_w = 1;
        d.dilation_h = d.dilation_w = 1;
    }
    descs[0].mode = RK_POOL_MAX;
    descs[0].dilation_h = 2;
    descs[0].ceil_mode = 1;
    descs[0].stride_w = 2;
    descs[1].mode = RK_POOL_MAX;
    descs[1].layout = RK_LAYOUT_NHWC;
    descs[2].mode = RK_POOL_AVG;
    descs[2].layout = RK_LAYOUT_NHWC;
    descs[2].stride_h = 2;
    descs[2].ceil_mode = 1;
    const int64_t xn = 2 * 5 * 11 * 13;
    std::vector<float> x(xn);
    const rk_philox_stream s{4, 4, 4};
    ASSERT_EQ(rk_philox_fill_normal(cpu_.get(), &s, 0.0f, 2.0f, x.data(), xn), RK_STATUS_OK);
    for (size_t i = 0; i < x.size(); i += 3) x[i] = std::round(x[i]);  // ties
    float* dx = upload(x);
    auto* dgrad = static_cast<float*>(alloc(xn * 4));
    for (const rk_pool2d_desc& d : descs) {
        int64_t p = 0, q = 0;
        ASSERT_EQ(rk_pool2d_output_shape(&d, &p, &q), RK_STATUS_OK);
        const int64_t yn = 2 * 5 * p * q;
        const bool max = d.mode == RK_POOL_MAX;
        std::vector<float> dyv(yn), cy(yn), cdx(xn);
        std::vector<int64_t> ci(yn);
        ASSERT_EQ(rk_philox_fill_normal(cpu_.get(), &s, 0.0f, 1.0f, dyv.data(), yn), RK_STATUS_OK);
        float* ddy = upload(dyv);
        auto* dy = static_cast<float*>(alloc(yn * 4));
        auto* di = static_cast<int64_t*>(alloc(yn * 8));
        ASSERT_EQ(rk_pool2d_forward(ctx_, &d, dx, dy, max ? di : nullptr), RK_STATUS_OK) << rk_last_error_message();
        ASSERT_EQ(rk_pool2d_forward(cpu_.get(), &d, x.data(), cy.data(), max ? ci.data() : nullptr), RK_STATUS_OK);
        EXPECT_EQ(0, std::memcmp(download(dy, yn).data(), cy.data(), yn * 4)) << "forward, mode " << d.mode;
        if (max) {
            EXPECT_EQ(download(di, yn), ci);
        }
        ASSERT_EQ(rk_pool2d_backward(ctx_, &d, ddy, max ? di : nullptr, dgrad), RK_STATUS_OK) << rk_last_error_message();
        ASSERT_EQ(rk_pool2d_backward(cpu_.get(), &d, dyv.data(), max ? ci.data() : nullptr, cdx.data()), RK_STATUS_OK);
        EXPECT_EQ(0, std::memcmp(download(dgrad, xn).data(), cdx.data(), xn * 4)) << "backward, mode " << d.mode;
    }
    for (const rk_conv_layout layout : {RK_LAYOUT_NCHW, RK_LAYOUT_NHWC}) {
        std::vector<float> cy(10), cdx(xn);
        auto* dy = static_cast<float*>(alloc(10 * 4));
        ASSERT_EQ(rk_global_avg_pool2d_forward(ctx_, layout, 2, 5, 11, 13, dx, dy), RK_STATUS_OK) << rk_last_error_message();
        ASSERT_EQ(rk_global_avg_pool2d_forward(cpu_.get(), layout, 2, 5, 11, 13, x.data(), cy.data()), RK_STATUS_OK);
        EXPECT_EQ(0, std::memcmp(download(dy, 10).data(), cy.data(), 40)) << "global forward";
        ASSERT_EQ(rk_global_avg_pool2d_backward(ctx_, layout, 2, 5, 11, 13, dy, dgrad), RK_STATUS_OK);
        ASSERT_EQ(rk_global_avg_pool2d_backward(cpu_.get(), layout, 2, 5, 11, 13, cy.data(), cdx.data()), RK_STATUS_OK);
        EXPECT_EQ(0, std::memcmp(download(dgrad, xn).data(), cdx.data(), xn * 4)) << "global backward";
    }
}

TEST(CudaUnavailable, ContextCreationExplainsWhy) {
    std::string why;
    if (cuda_device(why)) {
        GTEST_SKIP() << "a CUDA device is present: the device tests cover this machine";
    }
    rk_context* ctx = reinterpret_cast<rk_context*>(0x1);
    EXPECT_EQ(rk_cuda_context_create(0, &ctx), RK_STATUS_UNSUPPORTED);
    EXPECT_EQ(ctx, nullptr);
    const std::string msg = rk_last_error_message();
    EXPECT_TRUE(msg.find("CUDA is not available") != std::string::npos || msg.find("no CUDA device") != std::string::npos)
        << msg;
    if (const char* plugin = std::getenv("REPROKIT_CUDA_PLUGIN"); plugin && *plugin) {
        EXPECT_NE(msg.find(plugin), std::string::npos) << "the message should name where the plugin was looked for: " << msg;
    }
}

TEST(CudaApi, BadArgumentsAreRefusedOnEveryMachine) {
    rk::test::Context cpu(RK_ISA_SCALAR, 1);
    EXPECT_EQ(rk_cuda_context_set_stream(cpu.get(), nullptr), RK_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(rk_cuda_device_count(nullptr), RK_STATUS_NULL_POINTER);
    EXPECT_EQ(rk_cuda_context_create(0, nullptr), RK_STATUS_NULL_POINTER);
    EXPECT_EQ(rk_context_synchronize(cpu.get()), RK_STATUS_OK);
    void* p = nullptr;
    EXPECT_EQ(rk_device_alloc(cpu.get(), -1, &p), RK_STATUS_SIZE_OVERFLOW);
    EXPECT_EQ(rk_memcpy(cpu.get(), &p, &p, 8, static_cast<rk_copy_kind>(7), 0), RK_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(rk_memcpy(cpu.get(), &p, &p, 8, RK_COPY_HOST_TO_DEVICE, 2), RK_STATUS_INVALID_ARGUMENT);
    std::string why;
    if (cuda_device(why)) {
        rk_context* ctx = nullptr;
        EXPECT_EQ(rk_cuda_context_create(999, &ctx), RK_STATUS_INVALID_ARGUMENT);
        EXPECT_NE(std::string(rk_last_error_message()).find("999"), std::string::npos);
        rk_cuda_device_info info{};
        info.struct_size = 4;
        EXPECT_EQ(rk_cuda_device_get_info(0, &info), RK_STATUS_INVALID_ARGUMENT);
    }
}

// A CPU context's "device" memory is aligned host memory: the same code serves both kinds of context.
TEST(CudaApi, CpuContextsAllocateAndCopyHostMemory) {
    rk::test::Context cpu(RK_ISA_SCALAR, 1);
    void* p = nullptr;
    ASSERT_EQ(rk_device_alloc(cpu.get(), 100, &p), RK_STATUS_OK);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 64, 0u);
    const char text[] = "reprokit";
    ASSERT_EQ(rk_memcpy(cpu.get(), p, text, sizeof text, RK_COPY_HOST_TO_DEVICE, 0), RK_STATUS_OK);
    char back[sizeof text] = {};
    ASSERT_EQ(rk_memcpy(cpu.get(), back, p, sizeof text, RK_COPY_DEVICE_TO_HOST, 1), RK_STATUS_OK);
    EXPECT_STREQ(back, text);
    EXPECT_EQ(rk_device_free(cpu.get(), p), RK_STATUS_OK);
    EXPECT_EQ(rk_device_free(cpu.get(), nullptr), RK_STATUS_OK);
    rk_context_info info{};
    info.struct_size = sizeof info;
    ASSERT_EQ(rk_context_get_info(cpu.get(), &info), RK_STATUS_OK);
    EXPECT_EQ(info.device_kind, RK_DEVICE_CPU);
}

}  // namespace
