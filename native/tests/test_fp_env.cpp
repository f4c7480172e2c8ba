// The canonical floating-point environment on every call (docs/spec.md, "Floating-point environment"): whatever
// rounding mode and flush-to-zero modes the calling thread has set, every operation -- its per-call constants
// included (dropout's scale from p, a uniform range's width, truncated-normal parameters, sampling's temperature) --
// returns the bits it returns under round-to-nearest with gradual underflow, and the caller's environment is back
// when the call returns.
//
// The inputs are chosen so that a missing guard shows: subnormal data (DAZ reads it as 0, FTZ flushes subnormal
// results), and constants whose rounding differs under round-toward-zero (1 - 1e-8, 1 / 0.9, 0.7 / ...).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "test_helpers.h"

#if defined(__x86_64__) || defined(_M_X64)
#  include <immintrin.h>
#  define RK_TEST_FP_ENV 1
#elif defined(__aarch64__)
#  define RK_TEST_FP_ENV 1
#endif

#if defined(RK_TEST_FP_ENV)
namespace {

// The calling thread's control word: MXCSR (x86-64) or FPCR (AArch64).
uint64_t read_control() {
#if defined(__x86_64__) || defined(_M_X64)
    return _mm_getcsr() & ~0x3Fu;  // without the sticky exception flags, which any computation may set
#else
    uint64_t fpcr;
    __asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
    return fpcr;
#endif
}

void write_control(uint64_t v) {
#if defined(__x86_64__) || defined(_M_X64)
    _mm_setcsr(static_cast<unsigned>(v) | (_mm_getcsr() & 0x3Fu));
#else
    __asm__ volatile("msr fpcr, %0" : : "r"(v));
#endif
}

// Round toward zero with flush-to-zero: x86 MXCSR RC = 11, FTZ and DAZ; AArch64 FPCR RMode = RZ (11), FZ.
uint64_t hostile(uint64_t canonical) {
#if defined(__x86_64__) || defined(_M_X64)
    return canonical | 0x6000u | 0x8000u | 0x0040u;
#else
    return canonical | (3ull << 22) | (1ull << 24);
#endif
}

// Sets the hostile environment for its lifetime (restores the previous one even when an assertion returns early).
class HostileFpEnv {
public:
    HostileFpEnv() : saved_(read_control()) { write_control(hostile(saved_)); }
    ~HostileFpEnv() { write_control(saved_); }
    HostileFpEnv(const HostileFpEnv&) = delete;
    HostileFpEnv& operator=(const HostileFpEnv&) = delete;
    uint64_t expected() const { return hostile(saved_); }

private:
    uint64_t saved_;
};

template <class T>
std::vector<uint8_t> bytes_of(const std::vector<T>& v) {
    std::vector<uint8_t> b(v.size() * sizeof(T));
    if (!b.empty()) std::memcpy(b.data(), v.data(), b.size());
    return b;
}

// Subnormal and ordinary values mixed: i-th value of a deterministic pattern.
std::vector<float> mixed_data(size_t n, float subnormal_scale) {
    std::vector<float> v(n);
    for (size_t i = 0; i < n; ++i) {
        const float ordinary = static_cast<float>(static_cast<int>(i % 23) - 11) * 0.0625f + 0.03125f;
        v[i] = i % 3 == 0 ? ordinary * subnormal_scale : ordinary;
    }
    return v;
}

struct Call {
    std::string name;
    std::function<std::vector<uint8_t>(rk_context*)> run;  // fails the test on a non-OK status
};

#define RK_OK(expr) EXPECT_EQ((expr), RK_STATUS_OK) << #expr << ": " << rk_last_error_message()

rk_conv2d_desc conv_desc(int64_t c, int64_t k, int64_t hw, int64_t rs, int32_t pad) {
    rk_conv2d_desc d{};
    d.struct_size = sizeof d;
    d.layout = RK_LAYOUT_NCHW;
    d.n = 2;
    d.c = c;
    d.h = d.w = hw;
    d.k = k;
    d.r = d.s = rs;
    d.stride_h = d.stride_w = 1;
    d.dilation_h = d.dilation_w = 1;
    d.pad_top = d.pad_bottom = d.pad_left = d.pad_right = pad;
    d.groups = 1;
    return d;
}

// Every operation of the C API that computes floating-point values (and the integer ones, for completeness).
std::vector<Call> every_operation() {
    const rk_philox_stream s{0x1234, 5, 7};
    const size_t n = 70001;  // several pieces on several threads, odd tails
    std::vector<Call> calls;
    calls.push_back({"fill_u32", [=](rk_context* c) {
                         std::vector<uint32_t> o(n);
                         RK_OK(rk_philox_fill_u32(c, &s, o.data(), static_cast<int64_t>(n)));
                         return bytes_of(o);
                     }});
    calls.push_back({"fill_uniform", [=](rk_context* c) {
                         std::vector<float> o(n);
                         RK_OK(rk_philox_fill_uniform(c, &s, o.data(), static_cast<int64_t>(n)));
                         return bytes_of(o);
                     }});
    calls.push_back({"fill_uniform_range", [=](rk_context* c) {  // width 1 - 1e-8: 1 to nearest, below 1 toward 0
                         std::vector<float> o(n);
                         RK_OK(rk_philox_fill_uniform_range(c, &s, 1e-8f, 1.0f, o.data(), static_cast<int64_t>(n)));
                         return bytes_of(o);
                     }});
    calls.push_back({"fill_normal", [=](rk_context* c) {
                         std::vector<float> o(n);
                         RK_OK(rk_philox_fill_normal(c, &s, 0.1f, 1e-38f, o.data(), static_cast<int64_t>(n)));
                         return bytes_of(o);
                     }});
    calls.push_back({"fill_truncated_normal", [=](rk_context* c) {
                         std::vector<float> o(n);
                         RK_OK(rk_philox_fill_truncated_normal(c, &s, 0.3f, 0.7f, -1.1f, 2.3f, o.data(),
                                                               static_cast<int64_t>(n)));
                         return bytes_of(o);
                     }});
    calls.push_back({"fill_bernoulli", [=](rk_context* c) {
                         std::vector<uint8_t> o(n);
                         RK_OK(rk_philox_fill_bernoulli(c, &s, 0.3, o.data(), static_cast<int64_t>(n)));
                         return o;
                     }});
    calls.push_back({"fill_int64", [=](rk_context* c) {
                         std::vector<int64_t> o(n);
                         RK_OK(rk_philox_fill_int64(c, &s, -5, 1000003, o.data(), static_cast<int64_t>(n)));
                         return bytes_of(o);
                     }});
    calls.push_back({"permutation", [=](rk_context* c) {
                         std::vector<uint64_t> o(5000);
                         RK_OK(rk_permutation(c, 1000003, 9, 2, 0, 17, o.data(), 5000));
                         return bytes_of(o);
                     }});
    calls.push_back({"uniform_from_words", [=](rk_context*) {
                         std::vector<uint32_t> w(1000);
                         for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<uint32_t>(i * 2654435761u);
                         std::vector<float> o(w.size());
                         RK_OK(rk_uniform_from_words(w.data(), o.data(), static_cast<int64_t>(w.size())));
                         return bytes_of(o);
                     }});
    calls.push_back({"dropout_scale", [=](rk_context*) {  // 1 / 0.9: rounds differently toward zero
                         std::vector<float> o(1);
                         RK_OK(rk_dropout_scale(0.1, o.data()));
                         return bytes_of(o);
                     }});
    const std::vector<float> x = mixed_data(n, 1e-39f);
    for (const rk_mask_format format : {RK_MASK_NONE, RK_MASK_BYTES, RK_MASK_BITS}) {
        const std::string tag = std::to_string(static_cast<int>(format));
        calls.push_back({"dropout_forward." + tag, [=](rk_context* c) {
                             std::vector<float> y(n);
                             std::vector<uint8_t> mask(n);
                             RK_OK(rk_dropout_forward(c, &s, 0.1, 3, x.data(), y.data(), static_cast<int64_t>(n), format,
                                                      format == RK_MASK_NONE ? nullptr : mask.data()));
                             std::vector<uint8_t> out = bytes_of(y);
                             out.insert(out.end(), mask.begin(), mask.end());
                             return out;
                         }});
        calls.push_back({"dropout_backward." + tag, [=](rk_context* c) {
                             std::vector<uint8_t> mask(n);
                             if (format != RK_MASK_NONE) {
                                 RK_OK(rk_dropout_mask(c, &s, 0.1, 3, static_cast<int64_t>(n), format, mask.data()));
                             }
                             std::vector<float> dx(n);
                             RK_OK(rk_dropout_backward(c, &s, 0.1, 3, x.data(), dx.data(), static_cast<int64_t>(n),
                                                       format, format == RK_MASK_NONE ? nullptr : mask.data()));
                             return bytes_of(dx);
                         }});
    }
    const int64_t batch = 6, vocab = 3001;
    const std::vector<float> logits = mixed_data(static_cast<size_t>(batch * vocab), 1e-39f);
    calls.push_back({"sample", [=](rk_context* c) {
                         std::vector<rk_sampling_params> p(static_cast<size_t>(batch));
                         std::vector<rk_philox_stream> st(static_cast<size_t>(batch));
                         const rk_sampling_params kinds[] = {{0.7f, 0, 1.0, 0.0},  {0.7f, 40, 1.0, 0.0},
                                                             {1.3f, 0, 0.9, 0.0},  {0.9f, 0, 1.0, 0.05},
                                                             {0.3f, 0, 0.95, 0.01}, {0.0f, 0, 1.0, 0.0}};
                         for (int64_t r = 0; r < batch; ++r) {
                             p[static_cast<size_t>(r)] = kinds[r];
                             st[static_cast<size_t>(r)] = rk_philox_stream{77, static_cast<uint64_t>(r), 4};
                         }
                         std::vector<int32_t> tokens(static_cast<size_t>(batch)), kept(static_cast<size_t>(batch));
                         std::vector<float> probs(static_cast<size_t>(batch)), logprobs(static_cast<size_t>(batch));
                         RK_OK(rk_sample(c, logits.data(), batch, vocab, vocab, p.data(), st.data(), tokens.data(),
                                         probs.data(), logprobs.data(), kept.data()));
                         std::vector<uint8_t> out = bytes_of(tokens);
                         for (const auto& part : {bytes_of(probs), bytes_of(logprobs), bytes_of(kept)})
                             out.insert(out.end(), part.begin(), part.end());
                         return out;
                     }});
    const rk_conv_algorithm algorithms[] = {RK_CONV_DIRECT, RK_CONV_IMPLICIT_GEMM, RK_CONV_WINOGRAD_2X3,
                                            RK_CONV_WINOGRAD_4X3, RK_CONV_FFT};
    const rk_conv2d_desc d = conv_desc(16, 16, 12, 3, 1);
    const auto cx = mixed_data(static_cast<size_t>(d.n * d.c * d.h * d.w), 1e-39f);
    const auto cw = mixed_data(static_cast<size_t>(d.k * d.c * d.r * d.s), 1e-3f);
    const auto cb = mixed_data(static_cast<size_t>(d.k), 1e-39f);
    const auto dy = mixed_data(static_cast<size_t>(d.n * d.k * 12 * 12), 1e-39f);
    for (const rk_conv_algorithm algo : algorithms) {
        calls.push_back({"conv2d_forward." + std::to_string(static_cast<int>(algo)), [=](rk_context* c) {
                             std::vector<float> y(static_cast<size_t>(d.n * d.k * 12 * 12));
                             RK_OK(rk_conv2d_forward(c, &d, algo, cx.data(), cw.data(), cb.data(), y.data(), nullptr, 0,
                                                     nullptr));
                             return bytes_of(y);
                         }});
    }
    calls.push_back({"linear", [=](rk_context* c) {  // 288 rows of 16 features (subnormals among them) to 16
                         std::vector<float> y(288 * 16), dx(cx.size()), dw(16 * 16), db(16);
                         RK_OK(rk_linear_forward(c, 288, 16, 16, cx.data(), cw.data(), cb.data(), y.data()));
                         RK_OK(rk_linear_backward_data(c, 288, 16, 16, y.data(), cw.data(), dx.data()));
                         RK_OK(rk_linear_backward_weights(c, 288, 16, 16, cx.data(), y.data(), dw.data(), db.data()));
                         std::vector<uint8_t> out = bytes_of(y);
                         for (const auto& part : {bytes_of(dx), bytes_of(dw), bytes_of(db)})
                             out.insert(out.end(), part.begin(), part.end());
                         return out;
                     }});
    calls.push_back({"normalization", [=](rk_context* c) {  // BatchNorm2d over 16x16x12x12, LayerNorm over 144 rows
                         const int64_t e = static_cast<int64_t>(cx.size());
                         std::vector<float> y(cx.size()), m(16), is(16), rm(16, 0.5f), rv(16, 2.0f), dx(cx.size()),
                             dg(16), db(16), lm(256), li(256), ldg(144), ldb(144);
                         RK_OK(rk_batchnorm2d_forward_training(c, 16, 16, 12, 1, 1e-5f, 0.1f, cx.data(), cb.data(), cb.data(),
                                                               y.data(), m.data(), is.data(), rm.data(), rv.data()));
                         RK_OK(rk_batchnorm2d_backward_training(c, 16, 16, 12, 1, cx.data(), y.data(), cb.data(), m.data(),
                                                                is.data(), dx.data(), dg.data(), db.data()));
                         std::vector<uint8_t> out = bytes_of(y);
                         for (const auto& part : {bytes_of(m), bytes_of(is), bytes_of(rm), bytes_of(rv), bytes_of(dx),
                                                  bytes_of(dg), bytes_of(db)})
                             out.insert(out.end(), part.begin(), part.end());
                         RK_OK(rk_batchnorm2d_forward_inference(c, 16, 16, 12, 1, 1e-5f, cx.data(), cb.data(), nullptr,
                                                                rm.data(), rv.data(), y.data()));
                         RK_OK(rk_layernorm_forward(c, e / 144, 144, 1e-5f, cx.data(), nullptr, nullptr, dx.data(), lm.data(),
                                                    li.data()));
                         RK_OK(rk_layernorm_backward(c, e / 144, 144, cx.data(), y.data(), nullptr, lm.data(), li.data(),
                                                     dx.data(), ldg.data(), ldb.data()));
                         for (const auto& part : {bytes_of(y), bytes_of(dx), bytes_of(lm), bytes_of(li), bytes_of(ldg),
                                                  bytes_of(ldb)})
                             out.insert(out.end(), part.begin(), part.end());
                         return out;
                     }});
    // Cross-entropy: rows with subnormal logits across a chunk of the canonical sum, label smoothing, every reduction.
    const int64_t ce_batch = 9, ce_classes = 2061;
    const auto ce_x = mixed_data(static_cast<size_t>(ce_batch * ce_classes), 1e-39f);
    std::vector<int64_t> ce_t(static_cast<size_t>(ce_batch));
    for (int64_t r = 0; r < ce_batch; ++r) ce_t[static_cast<size_t>(r)] = r == 4 ? -100 : (r * 229) % ce_classes;
    const auto ce_dl = mixed_data(static_cast<size_t>(ce_batch), 1e-39f);
    for (const rk_loss_reduction reduction : {RK_REDUCTION_NONE, RK_REDUCTION_SUM, RK_REDUCTION_MEAN}) {
        calls.push_back({"cross_entropy." + std::to_string(static_cast<int>(reduction)), [=](rk_context* c) {
                             std::vector<float> loss(static_cast<size_t>(ce_batch)), dx(ce_x.size());
                             RK_OK(rk_cross_entropy_forward(c, ce_batch, ce_classes, ce_x.data(), ce_t.data(), -100, 0.1f,
                                                            reduction, loss.data()));
                             RK_OK(rk_cross_entropy_backward(c, ce_batch, ce_classes, ce_x.data(), ce_t.data(), -100, 0.1f,
                                                             reduction, ce_dl.data(), dx.data()));
                             std::vector<uint8_t> out = bytes_of(loss);
                             const auto part = bytes_of(dx);
                             out.insert(out.end(), part.begin(), part.end());
                             return out;
                         }});
    }
    // Pooling: max (indices) and average with subnormal inputs and gradients, overlapping windows; global average.
    for (const rk_pool_mode mode : {RK_POOL_MAX, RK_POOL_AVG}) {
        rk_pool2d_desc pd{};
        pd.struct_size = sizeof pd;
        pd.mode = mode;
        pd.layout = mode == RK_POOL_MAX ? RK_LAYOUT_NCHW : RK_LAYOUT_NHWC;
        pd.n = 2;
        pd.c = 19;
        pd.h = 12;
        pd.w = 21;
        pd.kernel_h = pd.kernel_w = 3;
        pd.stride_h = pd.stride_w = 1;
        pd.pad_h = pd.pad_w = 1;
        pd.dilation_h = pd.dilation_w = 1;
        pd.count_include_pad = 0;
        const auto px = mixed_data(static_cast<size_t>(2 * 19 * 12 * 21), 1e-39f);
        calls.push_back({std::string("pool2d.") + (mode == RK_POOL_MAX ? "max" : "avg"), [=](rk_context* c) {
                             std::vector<float> y(px.size()), dx(px.size());
                             std::vector<int64_t> idx(px.size());
                             const bool max = mode == RK_POOL_MAX;
                             RK_OK(rk_pool2d_forward(c, &pd, px.data(), y.data(), max ? idx.data() : nullptr));
                             RK_OK(rk_pool2d_backward(c, &pd, px.data(), max ? idx.data() : nullptr, dx.data()));
                             std::vector<uint8_t> out = bytes_of(y);
                             for (const auto& part : {bytes_of(dx), bytes_of(idx)}) out.insert(out.end(), part.begin(), part.end());
                             return out;
                         }});
    }
    const auto gx = mixed_data(static_cast<size_t>(2 * 3 * 50 * 45), 1e-39f);
    calls.push_back({"global_avg_pool2d", [=](rk_context* c) {
                         std::vector<float> y(6), dx(gx.size());
                         RK_OK(rk_global_avg_pool2d_forward(c, RK_LAYOUT_NCHW, 2, 3, 50, 45, gx.data(), y.data()));
                         RK_OK(rk_global_avg_pool2d_backward(c, RK_LAYOUT_NHWC, 2, 3, 50, 45, gx.data(), dx.data()));
                         std::vector<uint8_t> out = bytes_of(y);
                         const auto part = bytes_of(dx);
                         out.insert(out.end(), part.begin(), part.end());
                         return out;
                     }});
    calls.push_back({"conv2d_backward", [=](rk_context* c) {
                         std::vector<float> dx(cx.size()), dw(cw.size()), db(static_cast<size_t>(d.k));
                         RK_OK(rk_conv2d_backward_data(c, &d, dy.data(), cw.data(), dx.data(), nullptr, 0));
                         RK_OK(rk_conv2d_backward_weights(c, &d, cx.data(), dy.data(), dw.data(), db.data(), nullptr, 0));
                         std::vector<uint8_t> out = bytes_of(dx);
                         for (const auto& part : {bytes_of(dw), bytes_of(db)}) out.insert(out.end(), part.begin(), part.end());
                         return out;
                     }});
    // Activations (every kind, both passes) and optimizer steps (the binary64 constants too: lr = 0.1 and 1 - 0.9^t
    // round differently toward zero).
    // The inputs are made here, not in the calls: they run under the hostile environment too.
    const std::vector<float> ax = mixed_data(n, 1e-39f), ady = mixed_data(n, 1e-38f);
    for (const rk_activation kind : {RK_ACTIVATION_RELU, RK_ACTIVATION_LEAKY_RELU, RK_ACTIVATION_GELU,
                                     RK_ACTIVATION_GELU_TANH}) {
        calls.push_back({"activation." + std::to_string(static_cast<int>(kind)), [=](rk_context* c) {
                             std::vector<float> y(n), dx(n);
                             RK_OK(rk_activation_forward(c, kind, 0.1f, ax.data(), y.data(), static_cast<int64_t>(n)));
                             RK_OK(rk_activation_backward(c, kind, 0.1f, ax.data(), ady.data(), dx.data(),
                                                          static_cast<int64_t>(n)));
                             std::vector<uint8_t> out = bytes_of(y);
                             const auto part = bytes_of(dx);
                             out.insert(out.end(), part.begin(), part.end());
                             return out;
                         }});
    }
    calls.push_back({"sgd_step", [=](rk_context* c) {
                         std::vector<float> p = ax, b(n);
                         float* ps[] = {p.data()};
                         const float* gs[] = {ady.data()};
                         float* bs[] = {b.data()};
                         const int64_t counts[] = {static_cast<int64_t>(n)};
                         rk_sgd_hyperparams h{};
                         h.struct_size = sizeof h;
                         h.lr = 0.1;
                         h.momentum = 0.9;
                         h.dampening = 0.3;
                         h.weight_decay = 1e-4;
                         for (int32_t first : {1, 0}) RK_OK(rk_sgd_step(c, &h, first, 1, ps, gs, bs, counts));
                         std::vector<uint8_t> out = bytes_of(p);
                         const auto part = bytes_of(b);
                         out.insert(out.end(), part.begin(), part.end());
                         return out;
                     }});
    for (int32_t decoupled : {0, 1}) {
        calls.push_back({"adam_step." + std::to_string(decoupled), [=](rk_context* c) {
                             std::vector<float> p = ax, m(n), v(n);
                             float* ps[] = {p.data()};
                             const float* gs[] = {ady.data()};
                             float* ms[] = {m.data()};
                             float* vs[] = {v.data()};
                             const int64_t counts[] = {static_cast<int64_t>(n)};
                             rk_adam_hyperparams h{};
                             h.struct_size = sizeof h;
                             h.lr = 0.1;
                             h.beta1 = 0.9;
                             h.beta2 = 0.999;
                             h.eps = 1e-8;
                             h.weight_decay = 0.01;
                             h.decoupled_weight_decay = decoupled;
                             for (int64_t t : {1, 2, 3}) RK_OK(rk_adam_step(c, &h, t, 1, ps, gs, ms, vs, counts));
                             std::vector<uint8_t> out = bytes_of(p);
                             for (const auto& part : {bytes_of(m), bytes_of(v)}) out.insert(out.end(), part.begin(), part.end());
                             return out;
                         }});
    }
    return calls;
}

// Every operation, on every ISA and 1 and 3 threads, called with the hostile environment set, returns the bits it
// returns under the canonical environment, and leaves the hostile environment as it found it.
TEST(FpEnv, EveryOperationIgnoresTheCallersRoundingAndFlushModes) {
    const std::vector<Call> calls = every_operation();
    for (rk_isa isa : rk::test::supported_isas())
        for (int threads : {1, 3}) {
            rk::test::Context ctx(isa, threads);
            for (const Call& call : calls) {
                const std::vector<uint8_t> reference = call.run(ctx.get());
                std::vector<uint8_t> got;
                uint64_t after = 0, expected = 0;
                {
                    HostileFpEnv env;
                    expected = env.expected();
                    got = call.run(ctx.get());
                    after = read_control();
                }
                const std::string where = std::string(rk_isa_name(isa)) + " x" + std::to_string(threads) + " " + call.name;
                EXPECT_EQ(after, expected) << where << ": the caller's floating-point environment was not restored";
                ASSERT_EQ(got.size(), reference.size()) << where;
                size_t differ = 0;
                for (size_t i = 0; i < got.size(); ++i) differ += got[i] != reference[i];
                EXPECT_EQ(differ, 0u) << where << ": " << differ << " of " << got.size()
                                      << " output bytes change under round-toward-zero with flush-to-zero";
            }
        }
}

// The golden suite under the hostile environment: every digest equals the recorded one.
TEST(FpEnv, GoldenDigestsHoldUnderTheHostileEnvironment) {
    for (rk_isa isa : rk::test::supported_isas()) {
        rk::test::Context ctx(isa, 2);
        HostileFpEnv env;
        for (int32_t i = 0; i < rk_golden_case_count(); ++i) {
            char name[128], expected[65], got[65];
            ASSERT_EQ(rk_golden_case_info(i, name, sizeof name, expected, sizeof expected), RK_STATUS_OK);
            ASSERT_EQ(rk_golden_case_run(ctx.get(), i, got, sizeof got), RK_STATUS_OK) << rk_last_error_message();
            EXPECT_STREQ(got, expected) << rk_isa_name(isa) << " " << name;
            EXPECT_EQ(read_control(), env.expected()) << name << ": the caller's environment was not restored";
        }
    }
}

// Plain float arithmetic, in a function the compiler cannot move across the environment changes (without
// -frounding-math it may otherwise compute it before the control word is written).
#if defined(__clang__)
__attribute__((noinline, optnone))
#elif defined(__GNUC__)
__attribute__((noinline, noipa))
#endif
void unguarded(float a, float b, float c, float& difference, float& product) {
    difference = a - b;
    product = c * 0.5f;
}

// The check itself: the hostile environment does change plain arithmetic that nothing guards, so the tests above
// could fail.
TEST(FpEnv, TheHostileEnvironmentChangesUnguardedArithmetic) {
    float canonical_difference, canonical_product, hostile_difference, hostile_product;
    unguarded(1.0f, 1e-8f, 1e-39f, canonical_difference, canonical_product);
    {
        HostileFpEnv env;
        unguarded(1.0f, 1e-8f, 1e-39f, hostile_difference, hostile_product);
    }
    EXPECT_NE(rk::test::float_bits(canonical_difference), rk::test::float_bits(hostile_difference));
    EXPECT_NE(rk::test::float_bits(canonical_product), rk::test::float_bits(hostile_product));
}

}  // namespace
#endif
