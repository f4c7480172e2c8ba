// Fuzz harness: the elementwise training operations (docs/training.md sections 2 and 6): activations (every kind,
// forward and backward, in place, any slope, any kind value) and optimizer steps (SGD, Adam, AdamW over one to three
// tensors; hyperparameters in and out of range; NaN / infinite state; overlapping, null and oversized buffers).
// Invariants: the status contract; ReLU and LeakyReLU exactly as the doc writes them; every output the same bits on
// every context, in place or not, whole or split in two (elements are independent); an optimizer call over several
// tensors equals one call per tensor; a call is accepted exactly when its hyperparameters are valid and its state is
// finite; a refused call writes nothing, and a non-finite state element is named (the first in tensor, element order).
#include <algorithm>
#include <vector>

#include "c_abi.h"
#include "fuzz_common.h"

using namespace rkfuzz;

namespace {

// ---- Activations ----------------------------------------------------------------------------------------------

void fuzz_activation(Input& in, int64_t count) {
    const auto& ctxs = contexts();
    const int kind = in.u8() % 4;
    const float slope = in.flag() ? in.f32() : 0.01f;
    const bool slope_ok = kind != RK_ACTIVATION_LEAKY_RELU || std::isfinite(slope);
    const auto n = static_cast<size_t>(count);
    Buffer<float> x(n), dy(n), y(n), dx(n);
    for (size_t i = 0; i < n; ++i) {
        x.data()[i] = in.flag() ? in.f32() : in.f32_tame();
        dy.data()[i] = in.f32_tame();
    }
    const auto k = static_cast<rk_activation>(kind);
    const rk_status fs = rk_activation_forward(ctxs[0], k, slope, x.data(), y.data(), count);
    const bool forward_ok = status_ok(fs, "rk_activation_forward");
    FUZZ_CHECK(forward_ok || (!slope_ok && fs == RK_STATUS_INVALID_ARGUMENT),
               "rk_activation_forward refused a valid call: " + std::string(rk_last_error_message()));
    FUZZ_CHECK(!forward_ok || slope_ok, "rk_activation_forward accepted a non-finite slope");
    const bool backward_ok =
        status_ok(rk_activation_backward(ctxs[0], k, slope, x.data(), dy.data(), dx.data(), count), "rk_activation_backward");
    FUZZ_CHECK(backward_ok == forward_ok, "backward and forward disagree on accepting the call");
    if (!forward_ok) return;

    // ReLU and LeakyReLU as docs/training.md writes them.
    if (kind == RK_ACTIVATION_RELU || kind == RK_ACTIVATION_LEAKY_RELU)
        for (size_t i = 0; i < n; ++i) {
            const float xi = x.data()[i], di = dy.data()[i];
            float ey, ed;
            if (kind == RK_ACTIVATION_RELU) {
                const bool pass = xi > 0.0f || std::isnan(xi);
                ey = pass ? xi : 0.0f;
                ed = pass ? di : 0.0f;
            } else {
                ey = xi > 0.0f ? xi : xi * slope;
                ed = xi > 0.0f ? di : di * slope;
            }
            FUZZ_CHECK(same_bits(&ey, &y.data()[i], 1) && same_bits(&ed, &dx.data()[i], 1),
                       "element " + std::to_string(i) + " of kind " + std::to_string(kind) + " differs from the doc");
        }

    // Every context: the same bits, out of place, in place, and split in two at any element.
    const int64_t split = count > 0 ? in.range(0, count) : 0;
    for (rk_context* ctx : ctxs) {
        Buffer<float> y2(n), dx2(n), z(n), g(n);
        FUZZ_CHECK(status_ok(rk_activation_forward(ctx, k, slope, x.data(), y2.data(), count), "rk_activation_forward") &&
                       status_ok(rk_activation_backward(ctx, k, slope, x.data(), dy.data(), dx2.data(), count),
                                 "rk_activation_backward"),
                   "refused on another context");
        FUZZ_CHECK(same_bits(y.data(), y2.data(), n) && same_bits(dx.data(), dx2.data(), n), "differs between contexts");
        if (n > 0) {
            std::memcpy(z.data(), x.data(), x.bytes());
            std::memcpy(g.data(), dy.data(), dy.bytes());
        }
        FUZZ_CHECK(status_ok(rk_activation_forward(ctx, k, slope, z.data(), z.data(), count), "rk_activation_forward"), "");
        FUZZ_CHECK(status_ok(rk_activation_backward(ctx, k, slope, x.data(), g.data(), g.data(), count),
                             "rk_activation_backward"),
                   "");
        FUZZ_CHECK(same_bits(y.data(), z.data(), n) && same_bits(dx.data(), g.data(), n), "in place differs");
        for (const auto& [from, len] : {std::pair<int64_t, int64_t>{0, split}, {split, count - split}}) {
            FUZZ_CHECK(status_ok(rk_activation_forward(ctx, k, slope, x.data() + from, y2.data() + from, len),
                                 "rk_activation_forward"),
                       "");
            FUZZ_CHECK(status_ok(rk_activation_backward(ctx, k, slope, x.data() + from, dy.data() + from, dx2.data() + from, len),
                                 "rk_activation_backward"),
                       "");
        }
        FUZZ_CHECK(same_bits(y.data(), y2.data(), n) && same_bits(dx.data(), dx2.data(), n), "a split call differs");
    }
}

void fuzz_activation_invalid(Input& in, int64_t count) {
    rk_context* ctx = contexts()[0];
    const int64_t n = std::max<int64_t>(count, 2);
    Buffer<float> buf(static_cast<size_t>(n) + 1), other(static_cast<size_t>(n));
    const char* fn = "rk_activation_forward";
    rk_status st = RK_STATUS_OK, want = RK_STATUS_INVALID_ARGUMENT;
    switch (in.u8() % 6) {
        case 0:  // y overlaps x without being x
            st = rk_activation_forward(ctx, RK_ACTIVATION_GELU, 0.0f, buf.data(), buf.data() + 1, n);
            break;
        case 1:  // dx overlaps x
            fn = "rk_activation_backward";
            st = rk_activation_backward(ctx, RK_ACTIVATION_RELU, 0.0f, buf.data(), other.data(), buf.data() + 1, n);
            break;
        case 2: {  // a kind out of range
            const int kind = in.flag() ? 4 + in.u8() : -1 - in.u8();
            if (in.flag()) {
                st = rkfuzz_activation_forward(ctx, kind, 0.0f, buf.data(), buf.data(), n);
            } else {
                fn = "rk_activation_backward";
                st = rkfuzz_activation_backward(ctx, kind, 0.0f, buf.data(), other.data(), other.data(), n);
            }
            break;
        }
        case 3:  // a count no buffer holds
            want = RK_STATUS_SIZE_OVERFLOW;
            st = rk_activation_forward(ctx, RK_ACTIVATION_RELU, 0.0f, buf.data(), other.data(), overflowing_count(in, 4));
            break;
        case 4:  // null buffers
            want = RK_STATUS_NULL_POINTER;
            fn = "rk_activation_backward";
            st = rk_activation_backward(ctx, RK_ACTIVATION_GELU_TANH, 0.0f, buf.data(), nullptr, other.data(), n);
            break;
        default:  // a non-finite LeakyReLU slope
            st = rk_activation_forward(ctx, RK_ACTIVATION_LEAKY_RELU, in.flag() ? NAN : -INFINITY, buf.data(), other.data(), n);
    }
    FUZZ_CHECK(!status_ok(st, fn), std::string(fn) + " accepted an invalid call");
    FUZZ_CHECK(st == want, std::string(fn) + " refused with " + rk_status_name(st) + ", expected " + rk_status_name(want) +
                               ": " + rk_last_error_message());
}

// ---- Optimizers -----------------------------------------------------------------------------------------------

double binary_power(double beta, uint64_t t) {  // docs/training.md section 6
    double r = 1.0, b = beta;
    for (; t != 0; t >>= 1, b = b * b)
        if (t & 1u) r = r * b;
    return r;
}

bool finite_f32(double v) { return std::isfinite(static_cast<float>(v)); }

// A hyperparameter: usually a typical value, sometimes any double (NaN, infinities, negatives, huge).
double hyper(Input& in, double typical) { return in.u8() < 192 ? typical : in.f64(); }
int32_t flag_value(Input& in) { return in.u8() < 248 ? in.u8() & 1 : 2 + in.u8(); }

struct Problem {
    bool adam;
    rk_sgd_hyperparams sgd;
    rk_adam_hyperparams adm;
    int32_t first_step;
    int64_t step;
    std::vector<int64_t> counts;
    std::vector<std::vector<float>> p, g, m, v;  // m: SGD's momentum buffers
};

bool hyper_valid(const Problem& q) {
    const auto ge0 = [](double v) { return std::isfinite(v) && v >= 0.0; };
    if (!q.adam) {
        const rk_sgd_hyperparams& h = q.sgd;
        return ge0(h.lr) && ge0(h.momentum) && std::isfinite(h.dampening) && ge0(h.weight_decay) &&
               (h.nesterov == 0 || h.nesterov == 1) && (h.maximize == 0 || h.maximize == 1) &&
               (q.first_step == 0 || q.first_step == 1) && (!h.nesterov || (h.momentum > 0.0 && h.dampening == 0.0)) &&
               finite_f32(h.lr) && finite_f32(h.momentum) && finite_f32(1.0 - h.dampening) && finite_f32(h.weight_decay);
    }
    const rk_adam_hyperparams& h = q.adm;
    const auto in01 = [](double v) { return std::isfinite(v) && v >= 0.0 && v < 1.0; };
    if (!(ge0(h.lr) && in01(h.beta1) && in01(h.beta2) && ge0(h.eps) && ge0(h.weight_decay) &&
          (h.decoupled_weight_decay == 0 || h.decoupled_weight_decay == 1) && (h.maximize == 0 || h.maximize == 1) &&
          q.step >= 1))
        return false;
    const double bc1 = 1.0 - binary_power(h.beta1, static_cast<uint64_t>(q.step));
    return finite_f32(h.lr / bc1) && finite_f32(h.eps) &&
           (h.decoupled_weight_decay ? finite_f32(1.0 - h.lr * h.weight_decay) : finite_f32(h.weight_decay));
}

bool reads_state(const Problem& q) { return q.adam || (q.sgd.momentum != 0.0 && !q.first_step); }

// The first non-finite state element the call reads: "name[tensor][element]", or "" when there is none.
std::string first_bad_state(const Problem& q) {
    if (!reads_state(q)) return "";
    for (size_t i = 0; i < q.counts.size(); ++i)
        for (size_t j = 0; j < q.m[i].size(); ++j) {
            std::string name;
            if (!std::isfinite(q.m[i][j]))
                name = q.adam ? "exp_avg" : "momentum_buffers";
            else if (q.adam && !std::isfinite(q.v[i][j]))
                name = "exp_avg_sq";
            else
                continue;
            name += '[';
            name += std::to_string(i);
            name += "][";
            name += std::to_string(j);
            name += ']';
            return name;
        }
    return "";
}

// Runs the step on ctx over tensors [from, to) of state `s` (updated in place); returns the status.
rk_status run_step(rk_context* ctx, const Problem& q, Problem& s, size_t from, size_t to) {
    std::vector<float*> p, m, v;
    std::vector<const float*> g;
    for (size_t i = from; i < to; ++i) {
        p.push_back(s.p[i].data()), g.push_back(s.g[i].data()), m.push_back(s.m[i].data()), v.push_back(s.v[i].data());
    }
    const auto k = static_cast<int64_t>(to - from);
    if (q.adam)
        return rk_adam_step(ctx, &q.adm, q.step, k, p.data(), g.data(), m.data(), v.data(), q.counts.data() + from);
    return rk_sgd_step(ctx, &q.sgd, q.first_step, k, p.data(), g.data(), m.data(), q.counts.data() + from);
}

bool same_state(const Problem& a, const Problem& b) {
    for (size_t i = 0; i < a.counts.size(); ++i) {
        const size_t n = a.p[i].size();
        if (!same_bits(a.p[i].data(), b.p[i].data(), n) || !same_bits(a.m[i].data(), b.m[i].data(), n) ||
            !same_bits(a.v[i].data(), b.v[i].data(), n))
            return false;
    }
    return true;
}

void fuzz_optimizer(Input& in, int64_t count) {
    const auto& ctxs = contexts();
    Problem q{};
    q.adam = in.flag();
    q.sgd.struct_size = sizeof q.sgd;
    q.sgd.lr = hyper(in, 0.1);
    q.sgd.momentum = hyper(in, in.flag() ? 0.9 : 0.0);
    q.sgd.dampening = hyper(in, in.flag() ? 0.1 : 0.0);
    q.sgd.weight_decay = hyper(in, in.flag() ? 1e-4 : 0.0);
    q.sgd.nesterov = flag_value(in);
    q.sgd.maximize = flag_value(in);
    q.first_step = flag_value(in);
    q.adm.struct_size = sizeof q.adm;
    q.adm.lr = hyper(in, 1e-3);
    q.adm.beta1 = hyper(in, 0.9);
    q.adm.beta2 = hyper(in, 0.999);
    q.adm.eps = hyper(in, 1e-8);
    q.adm.weight_decay = hyper(in, in.flag() ? 0.01 : 0.0);
    q.adm.decoupled_weight_decay = flag_value(in);
    q.adm.maximize = flag_value(in);
    q.step = in.u8() < 240 ? in.range(1, 20) : static_cast<int64_t>(in.u64());
    const size_t tensors = 1 + in.u8() % 3;
    const bool hostile_state = in.u8() < 32;
    for (size_t i = 0; i < tensors; ++i) {
        const int64_t n = i == 0 ? count : in.range(0, 80);
        q.counts.push_back(n);
        q.p.emplace_back(), q.g.emplace_back(), q.m.emplace_back(), q.v.emplace_back();
        for (int64_t j = 0; j < n; ++j) {
            q.p[i].push_back(in.flag() ? in.f32() : in.f32_tame());
            q.g[i].push_back(in.f32_tame());
            q.m[i].push_back(hostile_state ? in.f32() : in.f32_tame());
            q.v[i].push_back(std::fabs(hostile_state ? in.f32() : in.f32_tame()));
        }
    }
    const bool valid = hyper_valid(q);
    const std::string bad = valid ? first_bad_state(q) : "";
    const char* fn = q.adam ? "rk_adam_step" : "rk_sgd_step";

    Problem ref = q;
    const rk_status st = run_step(ctxs[0], q, ref, 0, tensors);
    if (!status_ok(st, fn)) {
        const std::string msg = rk_last_error_message();
        FUZZ_CHECK(!valid || !bad.empty(), std::string(fn) + " refused a valid call: " + msg);
        FUZZ_CHECK(st == RK_STATUS_INVALID_ARGUMENT, std::string(fn) + " refused with " + rk_status_name(st) + ": " + msg);
        if (valid) FUZZ_CHECK(msg.find(bad + " is ") != std::string::npos, "the message does not name " + bad + ": " + msg);
        FUZZ_CHECK(same_state(q, ref), std::string(fn) + " wrote to its buffers although it refused the call");
        for (rk_context* ctx : ctxs) {
            Problem s = q;
            FUZZ_CHECK(run_step(ctx, q, s, 0, tensors) == st, "the status differs between contexts");
        }
        return;
    }
    FUZZ_CHECK(valid && bad.empty(), std::string(fn) + " accepted an invalid call" + (bad.empty() ? "" : " (" + bad + ")"));
    for (rk_context* ctx : ctxs) {
        Problem s = q, t = q;
        FUZZ_CHECK(status_ok(run_step(ctx, q, s, 0, tensors), fn), "refused on another context");
        FUZZ_CHECK(same_state(ref, s), "differs between contexts");
        for (size_t i = 0; i < tensors; ++i) FUZZ_CHECK(status_ok(run_step(ctx, q, t, i, i + 1), fn), "one tensor refused");
        FUZZ_CHECK(same_state(ref, t), "one call per tensor differs from one call for all");
    }
}

void fuzz_optimizer_invalid(Input& in, int64_t count) {
    rk_context* ctx = contexts()[0];
    const int64_t n = std::max<int64_t>(count, 2);
    Buffer<float> a(static_cast<size_t>(n) + 1), b(static_cast<size_t>(n)), c(static_cast<size_t>(n));
    std::fill(a.data(), a.data() + a.n, 0.0f), std::fill(b.data(), b.data() + b.n, 0.0f), std::fill(c.data(), c.data() + c.n, 0.0f);
    rk_adam_hyperparams h{};
    h.struct_size = sizeof h;
    h.lr = 1e-3, h.beta1 = 0.9, h.beta2 = 0.999, h.eps = 1e-8;
    float* p[2] = {a.data(), a.data()};
    const float* g[2] = {b.data(), b.data()};
    float* m[2] = {b.data() + 0, c.data()};
    float* v[2] = {c.data(), c.data()};
    int64_t counts[2] = {n, 0};
    rk_status want = RK_STATUS_INVALID_ARGUMENT;
    switch (in.u8() % 5) {
        case 0:  // exp_avg over a gradient (written over read): m[0] = b = g[0] as set up
            break;
        case 1:  // params over exp_avg_sq, one element apart (both inside a, so a wrong acceptance stays in bounds)
            p[0] = a.data() + 1, v[0] = a.data(), m[0] = c.data();
            break;
        case 2:  // a null pointer where the count is not 0
            want = RK_STATUS_NULL_POINTER;
            m[0] = nullptr;
            break;
        case 3:  // a count no buffer holds
            want = RK_STATUS_SIZE_OVERFLOW;
            counts[0] = overflowing_count(in, 4);
            break;
        default:  // two counts, each addressable, whose total is not: refused before any pointer of tensor 1 is read
            counts[0] = counts[1] = INT64_MAX / 8 + 1;
            p[1] = nullptr;
            want = RK_STATUS_SIZE_OVERFLOW;
            if (in.flag()) p[0] = nullptr, want = RK_STATUS_NULL_POINTER;  // tensor 0's null is found first
    }
    const rk_status st = rk_adam_step(ctx, &h, 1, 2, p, g, m, v, counts);
    FUZZ_CHECK(!status_ok(st, "rk_adam_step"), "rk_adam_step accepted an invalid call");
    FUZZ_CHECK(st == want, std::string("rk_adam_step refused with ") + rk_status_name(st) + ", expected " +
                               rk_status_name(want) + ": " + rk_last_error_message());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    Input in(data, size);
    const uint8_t size_mode = in.u8();
    const int64_t count = size_mode >= 248 ? in.range(1 << 16, 3 << 16) : in.range(0, 200);  // large: split across threads
    switch (in.u8() % 8) {
        case 0: fuzz_activation_invalid(in, count); break;
        case 1: fuzz_optimizer_invalid(in, count); break;
        case 2:
        case 3:
        case 4: fuzz_activation(in, count); break;
        default: fuzz_optimizer(in, count);
    }
    return 0;
}
