// Optimizer steps (docs/training.md section 6): SGD and Adam / AdamW over sets of tensors, equal bit for bit to a
// scalar reference written from the doc's formulas on every ISA and thread count, over several steps and
// hyperparameter sets; the state check (first non-finite element named, nothing written); checkpoints; accuracy
// against float64; bad input.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "core/lanes_scalar.h"
#include "core/optimizer.h"
#include "test_helpers.h"

namespace {

float fma32(float a, float b, float c) { return rk::core::ScalarLanes::ffma(a, b, c); }

// beta^t as the doc defines it: r = 1, b = beta; while t > 0 { if t odd: r = r * b; t = t / 2; b = b * b }.
double doc_power(double beta, uint64_t t) {
    double r = 1.0, b = beta;
    for (; t > 0; t /= 2) {
        if (t % 2 == 1) r = r * b;
        b = b * b;
    }
    return r;
}

rk_sgd_hyperparams sgd(double lr, double momentum = 0, double dampening = 0, double wd = 0, bool nesterov = false,
                       bool maximize = false) {
    rk_sgd_hyperparams h{};
    h.struct_size = sizeof h;
    h.lr = lr;
    h.momentum = momentum;
    h.dampening = dampening;
    h.weight_decay = wd;
    h.nesterov = nesterov;
    h.maximize = maximize;
    return h;
}

rk_adam_hyperparams adam(double lr, double b1 = 0.9, double b2 = 0.999, double eps = 1e-8, double wd = 0,
                         bool decoupled = false, bool maximize = false) {
    rk_adam_hyperparams h{};
    h.struct_size = sizeof h;
    h.lr = lr;
    h.beta1 = b1;
    h.beta2 = b2;
    h.eps = eps;
    h.weight_decay = wd;
    h.decoupled_weight_decay = decoupled;
    h.maximize = maximize;
    return h;
}

// The doc's SGD, element by element.
void ref_sgd(const rk_sgd_hyperparams& h, bool first, float* p, const float* grad, float* b, size_t n) {
    const float lr = static_cast<float>(h.lr), mu = static_cast<float>(h.momentum),
                damp = static_cast<float>(1.0 - h.dampening), wd = static_cast<float>(h.weight_decay);
    for (size_t i = 0; i < n; ++i) {
        float g = h.maximize ? -grad[i] : grad[i];
        if (h.weight_decay != 0) g = fma32(wd, p[i], g);
        if (h.momentum != 0) {
            b[i] = first ? g : fma32(b[i], mu, g * damp);
            g = h.nesterov ? fma32(mu, b[i], g) : b[i];
        }
        p[i] = fma32(-lr, g, p[i]);
    }
}

// The doc's Adam / AdamW, element by element.
void ref_adam(const rk_adam_hyperparams& h, uint64_t t, float* p, const float* grad, float* m, float* v, size_t n) {
    const double bc1 = 1.0 - doc_power(h.beta1, t), bc2 = 1.0 - doc_power(h.beta2, t);
    const float step = static_cast<float>(h.lr / bc1), r = static_cast<float>(std::sqrt(bc2));
    const float omb1 = static_cast<float>(1.0 - h.beta1), omb2 = static_cast<float>(1.0 - h.beta2);
    const float b2 = static_cast<float>(h.beta2), eps = static_cast<float>(h.eps), wd = static_cast<float>(h.weight_decay);
    const double lr_wd = h.lr * h.weight_decay;
    const float decay = static_cast<float>(1.0 - lr_wd);
    for (size_t i = 0; i < n; ++i) {
        float g = h.maximize ? -grad[i] : grad[i];
        if (h.weight_decay != 0) {
            if (h.decoupled_weight_decay)
                p[i] = p[i] * decay;
            else
                g = fma32(wd, p[i], g);
        }
        m[i] = fma32(omb1, g - m[i], m[i]);
        v[i] = fma32(omb2 * g, g, v[i] * b2);
        p[i] = fma32(-step, m[i] / (std::sqrt(v[i]) / r + eps), p[i]);
    }
}

std::vector<float> normals(size_t n, uint64_t seed, float stddev) {
    std::vector<float> v(n);
    rk::test::Context ctx(RK_ISA_SCALAR, 1);
    const rk_philox_stream s{seed, 3, 0};
    EXPECT_EQ(rk_philox_fill_normal(ctx.get(), &s, 0.0f, stddev, v.data(), static_cast<int64_t>(n)), RK_STATUS_OK);
    return v;
}

// A set of tensors as slices of one buffer per role (adjacent, misaligned starts, empty ones included).
struct Tensors {
    std::vector<size_t> sizes, offsets;
    std::vector<float> p, g, s0, s1;
    std::vector<int64_t> counts;

    explicit Tensors(std::vector<size_t> sz) : sizes(std::move(sz)) {
        size_t at = 1;  // misaligned from the start
        for (size_t n : sizes) {
            offsets.push_back(at);
            counts.push_back(static_cast<int64_t>(n));
            at += n;
        }
        p = normals(at, 1, 1.0f);
        g.assign(at, 0.0f);
        s0.assign(at, 0.0f);
        s1.assign(at, 0.0f);
    }
    size_t count() const { return sizes.size(); }
    std::vector<float*> ptrs(std::vector<float>& v) {
        std::vector<float*> o;
        for (size_t off : offsets) o.push_back(v.data() + off);
        return o;
    }
    std::vector<const float*> grads() {
        std::vector<const float*> o;
        for (size_t off : offsets) o.push_back(g.data() + off);
        return o;
    }
    rk_status sgd_step(rk_context* c, const rk_sgd_hyperparams& h, bool first) {
        auto ps = ptrs(p), bs = ptrs(s0);
        auto gs = grads();
        return rk_sgd_step(c, &h, first, static_cast<int64_t>(count()), ps.data(), gs.data(), bs.data(), counts.data());
    }
    rk_status adam_step(rk_context* c, const rk_adam_hyperparams& h, int64_t t) {
        auto ps = ptrs(p), ms = ptrs(s0), vs = ptrs(s1);
        auto gs = grads();
        return rk_adam_step(c, &h, t, static_cast<int64_t>(count()), ps.data(), gs.data(), ms.data(), vs.data(),
                            counts.data());
    }
};

void expect_same(const std::vector<float>& got, const std::vector<float>& want, const std::string& what) {
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i) {
        if (std::isnan(want[i])) {
            ASSERT_TRUE(std::isnan(got[i])) << what << " element " << i;
        } else {
            ASSERT_EQ(rk::test::float_bits(got[i]), rk::test::float_bits(want[i]))
                << what << " element " << i << ": " << got[i] << " vs " << want[i];
        }
    }
}

const std::vector<size_t> kSizes = {70001, 0, 17, 1, 4099, 16, 130, 65};

// Gradients of step k: normals, and in the last step the hostile values (NaN, infinities, -0, subnormals, extremes)
// that the parameters then carry (the state of that step may become non-finite; no step follows it).
void gradients(Tensors& t, int k, bool hostile) {
    t.g = normals(t.g.size(), 100 + static_cast<uint64_t>(k), 0.1f);
    if (!hostile) return;
    const float inf = std::numeric_limits<float>::infinity();
    const float specials[] = {std::numeric_limits<float>::quiet_NaN(), inf, -inf, -0.0f, 1e-45f, 1e-40f, 3e38f, -3e38f};
    for (size_t i = 0; i < t.g.size(); i += 11) t.g[i] = specials[(i / 11) % 8];
}

TEST(Optimizers, SgdEqualsTheReferenceOnEveryIsaAndThreadCount) {
    const rk_sgd_hyperparams configs[] = {sgd(0.1),
                                          sgd(0.05, 0.9, 0.1, 1e-3),
                                          sgd(0.01, 0.9, 0.0, 1e-2, true),
                                          sgd(0.3, 0.5, 0.0, 0.0, false, true),
                                          sgd(0.1, 1.5, -0.25, 0.0, false, false)};
    for (const rk_sgd_hyperparams& h : configs) {
        // The reference: three steps (the first initialises the buffers), the last with hostile gradients.
        Tensors ref(kSizes);
        std::vector<std::vector<float>> ref_p, ref_b;
        for (int k = 0; k < 3; ++k) {
            gradients(ref, k, k == 2);
            for (size_t i = 0; i < ref.count(); ++i)
                ref_sgd(h, k == 0, ref.p.data() + ref.offsets[i], ref.g.data() + ref.offsets[i], ref.s0.data() + ref.offsets[i],
                        ref.sizes[i]);
            ref_p.push_back(ref.p);
            ref_b.push_back(ref.s0);
        }
        for (rk_isa isa : rk::test::supported_isas())
            for (int threads : {1, 2, 3}) {
                rk::test::Context ctx(isa, threads);
                Tensors t(kSizes);
                if (h.momentum != 0)  // the first step writes the buffers without reading them
                    for (size_t i = 0; i < t.count(); ++i)
                        std::fill_n(t.s0.begin() + static_cast<std::ptrdiff_t>(t.offsets[i]), t.sizes[i],
                                    std::numeric_limits<float>::quiet_NaN());
                const std::string where = std::string(rk_isa_name(isa)) + " x" + std::to_string(threads) + " lr " +
                                          std::to_string(h.lr) + " momentum " + std::to_string(h.momentum);
                for (int k = 0; k < 3; ++k) {
                    gradients(t, k, k == 2);
                    ASSERT_EQ(t.sgd_step(ctx.get(), h, k == 0), RK_STATUS_OK) << where << ": " << rk_last_error_message();
                    expect_same(t.p, ref_p[static_cast<size_t>(k)], where + " params, step " + std::to_string(k + 1));
                    if (h.momentum != 0)
                        expect_same(t.s0, ref_b[static_cast<size_t>(k)], where + " buffers, step " + std::to_string(k + 1));
                }
            }
    }
}

TEST(Optimizers, AdamEqualsTheReferenceOnEveryIsaAndThreadCount) {
    const rk_adam_hyperparams configs[] = {adam(1e-3),
                                           adam(1e-3, 0.9, 0.999, 1e-8, 1e-2, true),
                                           adam(3e-4, 0.8, 0.99, 1e-6, 1e-2, false, true),
                                           adam(0.1, 0.0, 0.0, 0.0),
                                           adam(0.01, 0.999999, 0.9999999, 1e-12, 0.5, true)};
    const int64_t steps[] = {1, 2, 3, 1000000007};
    for (const rk_adam_hyperparams& h : configs) {
        Tensors ref(kSizes);
        std::vector<std::vector<float>> ref_p, ref_m, ref_v;
        for (int k = 0; k < 4; ++k) {
            gradients(ref, k, k == 3);
            for (size_t i = 0; i < ref.count(); ++i) {
                const size_t o = ref.offsets[i];
                ref_adam(h, static_cast<uint64_t>(steps[k]), ref.p.data() + o, ref.g.data() + o, ref.s0.data() + o,
                         ref.s1.data() + o, ref.sizes[i]);
            }
            ref_p.push_back(ref.p);
            ref_m.push_back(ref.s0);
            ref_v.push_back(ref.s1);
        }
        for (rk_isa isa : rk::test::supported_isas())
            for (int threads : {1, 2, 3}) {
                rk::test::Context ctx(isa, threads);
                Tensors t(kSizes);
                const std::string where = std::string(rk_isa_name(isa)) + " x" + std::to_string(threads) + " lr " +
                                          std::to_string(h.lr) + " beta1 " + std::to_string(h.beta1);
                for (int k = 0; k < 4; ++k) {
                    gradients(t, k, k == 3);
                    ASSERT_EQ(t.adam_step(ctx.get(), h, steps[k]), RK_STATUS_OK) << where << ": " << rk_last_error_message();
                    const std::string at = where + ", step " + std::to_string(steps[k]);
                    expect_same(t.p, ref_p[static_cast<size_t>(k)], at + " params");
                    expect_same(t.s0, ref_m[static_cast<size_t>(k)], at + " exp_avg");
                    expect_same(t.s1, ref_v[static_cast<size_t>(k)], at + " exp_avg_sq");
                }
            }
    }
}

// The state belongs to the caller: six steps in a row equal three steps, the state copied elsewhere (a checkpoint
// saved and restored), three more steps.
TEST(Optimizers, CheckpointedStateContinuesExactly) {
    rk::test::Context ctx(rk::test::supported_isas().back(), 2);
    const rk_adam_hyperparams h = adam(1e-2, 0.9, 0.999, 1e-8, 1e-2, true);
    Tensors straight(kSizes), resumed(kSizes);
    for (int k = 0; k < 6; ++k) {
        gradients(straight, k, false);
        ASSERT_EQ(straight.adam_step(ctx.get(), h, k + 1), RK_STATUS_OK);
    }
    for (int k = 0; k < 3; ++k) {
        gradients(resumed, k, false);
        ASSERT_EQ(resumed.adam_step(ctx.get(), h, k + 1), RK_STATUS_OK);
    }
    Tensors restored(kSizes);
    restored.p = resumed.p;
    restored.s0 = resumed.s0;
    restored.s1 = resumed.s1;
    for (int k = 3; k < 6; ++k) {
        gradients(restored, k, false);
        ASSERT_EQ(restored.adam_step(ctx.get(), h, k + 1), RK_STATUS_OK);
    }
    expect_same(restored.p, straight.p, "params after a restore");
    expect_same(restored.s0, straight.s0, "exp_avg after a restore");
    expect_same(restored.s1, straight.s1, "exp_avg_sq after a restore");
}

// beta^t: the doc's sequence of binary64 products, close to the exact power.
TEST(Optimizers, BiasCorrectionPowersFollowTheDoc) {
    for (double beta : {0.9, 0.999, 0.5, 0.0, 0.99999999}) {
        for (uint64_t t : {uint64_t{1}, uint64_t{2}, uint64_t{3}, uint64_t{7}, uint64_t{1000}, uint64_t{123456789},
                           uint64_t{1} << 62}) {
            const double got = rk::core::binary_power(beta, t), want = doc_power(beta, t);
            EXPECT_EQ(std::memcmp(&got, &want, sizeof got), 0) << beta << "^" << t;
            // Each squaring doubles the relative error: at most about 2 t 2^-53 (far below float32's 2^-24 while
            // beta^t matters at all).
            if (want > 1e-300) {
                EXPECT_NEAR(got / std::pow(beta, static_cast<double>(t)), 1.0, 2.0 * static_cast<double>(t) * 0x1p-53 + 1e-15)
                    << beta << "^" << t;
            }
        }
    }
    EXPECT_EQ(rk::core::binary_power(0.5, 10), 1.0 / 1024);
    EXPECT_EQ(rk::core::binary_power(0.0, 1), 0.0);
}

// One step against float64 from the same float inputs: each output within a few float ulps of the binary64 value of
// the doc's formula (the update relative to its own size, the parameter to |p| + |update|).
TEST(Optimizers, AccuracyAgainstFloat64) {
    rk::test::Context ctx(rk::test::supported_isas().back(), 2);
    const size_t n = 1 << 18;
    for (bool decoupled : {false, true}) {
        const rk_adam_hyperparams h = adam(1e-3, 0.9, 0.999, 1e-8, 1e-2, decoupled);
        Tensors t({n});
        t.s0 = normals(n + 1, 7, 0.05f);
        t.s1 = normals(n + 1, 8, 0.01f);
        for (float& v : t.s1) v = v * v;
        gradients(t, 0, false);
        const std::vector<float> p0 = t.p, m0 = t.s0, v0 = t.s1;
        const int64_t step = 5;
        ASSERT_EQ(t.adam_step(ctx.get(), h, step), RK_STATUS_OK);
        const double bc1 = 1 - std::pow(h.beta1, step), bc2 = 1 - std::pow(h.beta2, step);
        double worst_p = 0, worst_m = 0, worst_v = 0;
        for (size_t i = 1; i <= n; ++i) {
            double g = t.g[i], p = p0[i];
            if (decoupled)
                p = p * (1 - h.lr * h.weight_decay);
            else
                g = g + h.weight_decay * p;
            const double m = m0[i] + (1 - h.beta1) * (g - m0[i]);
            const double v = v0[i] * h.beta2 + (1 - h.beta2) * g * g;
            const double upd = h.lr / bc1 * m / (std::sqrt(v) / std::sqrt(bc2) + h.eps);
            // Relative to the magnitudes of the terms (the gradient with its weight decay may cancel).
            const double gmag = std::fabs(t.g[i]) + (decoupled ? 0.0 : h.weight_decay * std::fabs(p0[i]));
            worst_m = std::max(worst_m, std::fabs(t.s0[i] - m) / (std::fabs(m0[i]) + gmag * (1 - h.beta1)));
            worst_v = std::max(worst_v, std::fabs(t.s1[i] - v) / (v0[i] * h.beta2 + (1 - h.beta2) * gmag * gmag));
            worst_p = std::max(worst_p, std::fabs(t.p[i] - (p - upd)) / (std::fabs(p) + std::fabs(upd)));
        }
        std::printf("adam%s accuracy (in units of 2^-24): m %.3f, v %.3f, p %.3f\n", decoupled ? "w" : "",
                    worst_m / 0x1p-24, worst_v / 0x1p-24, worst_p / 0x1p-24);
        // Bounds over the measured maxima: the float32 roundings of 1 - beta2, weight_decay and the bias corrections
        // add to the roundings of the operations themselves.
        EXPECT_LT(worst_m, 3 * 0x1p-24);
        EXPECT_LT(worst_v, 5 * 0x1p-24);
        EXPECT_LT(worst_p, 5 * 0x1p-24);
    }
}

// A NaN or infinity in the state: the first one in (tensor, element, state) order is named, nothing is written, on
// every ISA and thread count.
TEST(Optimizers, NonFiniteStateIsAnErrorNamingTheFirstElementAndNothingIsWritten) {
    for (rk_isa isa : rk::test::supported_isas())
        for (int threads : {1, 3}) {
            rk::test::Context ctx(isa, threads);
            const auto expect_refused = [&](Tensors& t, rk_status got, const char* message) {
                EXPECT_EQ(got, RK_STATUS_INVALID_ARGUMENT) << rk_isa_name(isa);
                EXPECT_NE(std::string(rk_last_error_message()).find(message), std::string::npos)
                    << rk_isa_name(isa) << " x" << threads << ": " << rk_last_error_message();
                (void)t;
            };
            Tensors t(kSizes);
            gradients(t, 0, false);
            const size_t last = t.offsets[0] + 70000;  // the last element of the big tensor
            t.s1[last] = std::numeric_limits<float>::infinity();
            t.s1[t.offsets[4] + 4000] = std::numeric_limits<float>::quiet_NaN();
            t.s0[t.offsets[6] + 3] = -std::numeric_limits<float>::infinity();
            const Tensors before = t;
            expect_refused(t, t.adam_step(ctx.get(), adam(1e-3), 1),
                           "rk_adam_step: exp_avg_sq[0][70000] is +Inf (the optimizer state must be finite; nothing was updated)");
            expect_same(t.p, before.p, "params after a refused step");
            expect_same(t.s0, before.s0, "exp_avg after a refused step");
            expect_same(t.s1, before.s1, "exp_avg_sq after a refused step");
            t.s1[last] = 0.0f;
            expect_refused(t, t.adam_step(ctx.get(), adam(1e-3), 2), "exp_avg_sq[4][4000] is NaN");
            t.s1[t.offsets[4] + 4000] = 0.0f;
            expect_refused(t, t.adam_step(ctx.get(), adam(1e-3), 2), "exp_avg[6][3] is -Inf");
            t.s1[t.offsets[6] + 3] = std::numeric_limits<float>::quiet_NaN();  // same element: exp_avg first
            expect_refused(t, t.adam_step(ctx.get(), adam(1e-3), 2), "exp_avg[6][3] is -Inf");
            expect_same(t.p, before.p, "params after refused steps");
            // SGD: the buffers are read after the first step only.
            Tensors s(kSizes);
            gradients(s, 0, false);
            std::fill(s.s0.begin(), s.s0.end(), std::numeric_limits<float>::quiet_NaN());
            EXPECT_EQ(s.sgd_step(ctx.get(), sgd(0.1, 0.9), true), RK_STATUS_OK) << "the first step does not read the buffers";
            s.s0[s.offsets[2] + 16] = std::numeric_limits<float>::infinity();
            const Tensors sb = s;
            expect_refused(s, s.sgd_step(ctx.get(), sgd(0.1, 0.9), false), "momentum_buffers[2][16] is +Inf");
            expect_same(s.p, sb.p, "SGD params after a refused step");
            EXPECT_EQ(s.sgd_step(ctx.get(), sgd(0.1), false), RK_STATUS_OK) << "without momentum there are no buffers";
        }
}

TEST(Optimizers, BadInputIsAClearError) {
    rk::test::Context ctx(RK_ISA_SCALAR, 1);
    rk_context* c = ctx.get();
    std::vector<float> p(128), g(128), m(128), v(128);
    float* ps[] = {p.data(), p.data() + 32};
    const float* gs[] = {g.data(), g.data() + 32};
    float* ms[] = {m.data(), m.data() + 32};
    float* vs[] = {v.data(), v.data() + 32};
    const int64_t counts[] = {32, 32};
    const auto expect = [](rk_status got, rk_status want, const char* fragment) {
        EXPECT_EQ(got, want) << rk_last_error_message();
        EXPECT_NE(std::string(rk_last_error_message()).find(fragment), std::string::npos) << rk_last_error_message();
    };
    const auto step_sgd = [&](rk_sgd_hyperparams h) { return rk_sgd_step(c, &h, 0, 2, ps, gs, ms, counts); };
    const auto step_adam = [&](rk_adam_hyperparams h, int64_t t = 1) { return rk_adam_step(c, &h, t, 2, ps, gs, ms, vs, counts); };
    const rk_status bad = RK_STATUS_INVALID_ARGUMENT;
    // Hyperparameters: PyTorch's ranges, finite, and a finite float32 for everything derived.
    expect(step_sgd(sgd(-0.1)), bad, "rk_sgd_step: hyper->lr must be finite and >= 0 (got -0.1)");
    expect(step_sgd(sgd(NAN)), bad, "hyper->lr must be finite and >= 0 (got nan)");
    expect(step_sgd(sgd(0.1, -0.5)), bad, "hyper->momentum must be finite and >= 0 (got -0.5)");
    expect(step_sgd(sgd(0.1, 0.9, INFINITY)), bad, "hyper->dampening must be finite (got inf)");
    expect(step_sgd(sgd(0.1, 0.9, 0, -1e-4)), bad, "hyper->weight_decay must be finite and >= 0 (got -1e-04)");
    expect(step_sgd(sgd(0.1, 0, 0, 0, true)), bad,
           "hyper->nesterov needs momentum > 0 and dampening = 0 (got momentum 0, dampening 0)");
    expect(step_sgd(sgd(0.1, 0.9, 0.1, 0, true)), bad, "hyper->nesterov needs momentum > 0 and dampening = 0");
    rk_sgd_hyperparams flag = sgd(0.1);
    flag.nesterov = 2;
    expect(step_sgd(flag), bad, "hyper->nesterov must be 0 or 1 (got 2)");
    flag = sgd(0.1);
    flag.maximize = -1;
    expect(step_sgd(flag), bad, "hyper->maximize must be 0 or 1 (got -1)");
    expect(step_sgd(sgd(1e39)), bad, "hyper->lr (1e+39): lr overflows float32");
    expect(step_sgd(sgd(0.1, 0.9, -1e39)), bad, "hyper->dampening (-1e+39): 1 - dampening overflows float32");
    rk_sgd_hyperparams small = sgd(0.1);
    small.struct_size = 8;
    expect(step_sgd(small), bad, "hyper->struct_size is 8, expected at least 48");
    expect(rk_sgd_step(c, nullptr, 0, 2, ps, gs, ms, counts), RK_STATUS_NULL_POINTER, "argument 'hyper' is null");
    const rk_sgd_hyperparams plain = sgd(0.1, 0.9);
    expect(rk_sgd_step(c, &plain, 2, 2, ps, gs, ms, counts), bad, "first_step must be 0 or 1 (got 2)");
    expect(step_adam(adam(0.1, 1.0)), bad, "rk_adam_step: hyper->beta1 must be finite and in [0, 1) (got 1)");
    expect(step_adam(adam(0.1, -0.1)), bad, "hyper->beta1 must be finite and in [0, 1) (got -0.1)");
    expect(step_adam(adam(0.1, 0.9, 1.5)), bad, "hyper->beta2 must be finite and in [0, 1) (got 1.5)");
    expect(step_adam(adam(0.1, 0.9, 0.999, -1e-8)), bad, "hyper->eps must be finite and >= 0 (got -1e-08)");
    expect(step_adam(adam(0.1, 0.9, 0.999, 1e-8, NAN)), bad, "hyper->weight_decay must be finite and >= 0 (got nan)");
    expect(step_adam(adam(1e30, 0.9999999999)), bad, "hyper->lr (1e+30): lr / (1 - beta1^step) overflows float32");
    expect(step_adam(adam(1e20, 0.9, 0.999, 1e-8, 1e20, true)), bad,
           "hyper->weight_decay (1e+20): 1 - lr * weight_decay overflows float32");
    expect(step_adam(adam(0.1, 0.9, 0.999, 1e39)), bad, "hyper->eps (1e+39): eps overflows float32");
    expect(step_adam(adam(0.1), 0), bad, "step must be at least 1 (got 0)");
    rk_adam_hyperparams aflag = adam(0.1);
    aflag.decoupled_weight_decay = 3;
    expect(step_adam(aflag), bad, "hyper->decoupled_weight_decay must be 0 or 1 (got 3)");
    // The tensor set.
    const rk_adam_hyperparams h = adam(1e-3);
    expect(rk_adam_step(c, &h, 1, -1, ps, gs, ms, vs, counts), RK_STATUS_SIZE_OVERFLOW,
           "argument 'tensor_count' is negative (-1)");
    expect(rk_adam_step(c, &h, 1, 2, nullptr, gs, ms, vs, counts), RK_STATUS_NULL_POINTER, "argument 'params' is null");
    expect(rk_adam_step(c, &h, 1, 2, ps, gs, ms, nullptr, counts), RK_STATUS_NULL_POINTER,
           "argument 'exp_avg_sq' is null");
    expect(rk_adam_step(c, &h, 1, 2, ps, gs, ms, vs, nullptr), RK_STATUS_NULL_POINTER, "argument 'counts' is null");
    EXPECT_EQ(rk_adam_step(c, &h, 1, 0, nullptr, nullptr, nullptr, nullptr, nullptr), RK_STATUS_OK) << "no tensors";
    expect(rk_sgd_step(c, &plain, 0, 2, ps, gs, nullptr, counts), RK_STATUS_NULL_POINTER,
           "argument 'momentum_buffers' is null");
    const rk_sgd_hyperparams no_momentum = sgd(0.1);
    EXPECT_EQ(rk_sgd_step(c, &no_momentum, 0, 2, ps, gs, nullptr, counts), RK_STATUS_OK) << "no buffers without momentum";
    const int64_t negative[] = {32, -3};
    expect(rk_adam_step(c, &h, 1, 2, ps, gs, ms, vs, negative), RK_STATUS_SIZE_OVERFLOW,
           "argument 'counts[1]' is negative (-3)");
    const int64_t huge[] = {INT64_MAX / 6, INT64_MAX / 6};
    expect(rk_adam_step(c, &h, 1, 2, ps, gs, ms, vs, huge), RK_STATUS_SIZE_OVERFLOW,
           "the total of counts[0 .. 1] exceeds the addressable size");
    float* null_p[] = {p.data(), nullptr};
    expect(rk_adam_step(c, &h, 1, 2, null_p, gs, ms, vs, counts), RK_STATUS_NULL_POINTER, "argument 'params[1]' is null");
    const int64_t empty[] = {32, 0};
    EXPECT_EQ(rk_adam_step(c, &h, 1, 2, null_p, gs, ms, vs, empty), RK_STATUS_OK) << "an empty tensor may be null";
    // Overlaps: a written buffer against any other buffer of the call.
    float* overlapping[] = {p.data(), g.data() + 40};
    expect(rk_adam_step(c, &h, 1, 2, overlapping, gs, ms, vs, counts), bad, "'params[1]' overlaps 'grads[1]'");
    float* same_as_params[] = {v.data(), p.data() + 32};
    expect(rk_adam_step(c, &h, 1, 2, ps, gs, ms, same_as_params, counts), bad, "'exp_avg_sq[1]' overlaps 'params[1]'");
    float* across[] = {m.data() + 16, v.data() + 32};
    expect(rk_adam_step(c, &h, 1, 2, ps, gs, ms, across, counts), bad, "'exp_avg_sq[0]' overlaps 'exp_avg[0]'");
    const float* shared_grads[] = {g.data(), g.data()};
    EXPECT_EQ(rk_adam_step(c, &h, 1, 2, ps, shared_grads, ms, vs, counts), RK_STATUS_OK)
        << "gradients are only read: they may share memory";
    expect(rk_adam_step(nullptr, &h, 1, 2, ps, gs, ms, vs, counts), RK_STATUS_NULL_POINTER, "argument 'context' is null");
}

}  // namespace
