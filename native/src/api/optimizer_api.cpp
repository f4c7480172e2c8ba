// Optimizer steps (C API, docs/training.md section 6): the hyperparameters (PyTorch's ranges, all finite, every
// float32 they give finite), the tensor set (counts, nulls, overlaps, the context's memory), the per-call constants in
// binary64 (core/optimizer.h), then the context's backend, which checks the state before it writes anything.
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "../core/optimizer.h"
#include "context.h"
#include "errors.h"

using namespace rk::api;
using rk::backend::OptimizerArgs;
using rk::backend::OptimizerKind;
using rk::backend::OptimizerTensor;

namespace {

// A hyperparameter: finite, at least `low` and, when bounded, below `high`.
rk_status check_hyper(const char* fn, const char* name, double v, double low, bool bounded = false,
                      double high = 0.0) {
    if (std::isfinite(v) && v >= low && (!bounded || v < high)) return RK_STATUS_OK;
    const std::string range = bounded ? "in [" + format_number(low) + ", " + format_number(high) + ")"
                                      : ">= " + format_number(low);
    return fail(RK_STATUS_INVALID_ARGUMENT, std::string(fn) + ": hyper->" + name + " must be finite and " + range +
                                                " (got " + format_number(v) + ")");
}

rk_status check_flag(const char* fn, const char* name, int32_t v) {
    if (v == 0 || v == 1) return RK_STATUS_OK;
    return fail(RK_STATUS_INVALID_ARGUMENT, std::string(fn) + ": " + name + " must be 0 or 1 (got " +
                                                std::to_string(v) + ")");
}

// A float32 the call derives from a hyperparameter must be finite (e.g. lr = 1e39 has no float32).
rk_status check_float(const char* fn, const char* name, double given, float derived, const char* what) {
    if (std::isfinite(derived)) return RK_STATUS_OK;
    return fail(RK_STATUS_INVALID_ARGUMENT, std::string(fn) + ": hyper->" + name + " (" + format_number(given) +
                                                "): " + what + " overflows float32");
}

rk_status check_struct_size(const char* fn, uint32_t got, size_t want) {
    if (got >= want) return RK_STATUS_OK;
    return fail(RK_STATUS_INVALID_ARGUMENT, std::string(fn) + ": hyper->struct_size is " + std::to_string(got) +
                                                ", expected at least " + std::to_string(want));
}

std::string at(const char* name, int64_t i) { return std::string(name) + "[" + std::to_string(i) + "]"; }

// The tensor set: `roles` names the arrays (params, grads, then the state arrays in use; null names an unused one),
// `written` says which of them the step writes.
struct TensorSet {
    int64_t count;
    const int64_t* counts;
    float* const* arrays[4];
    const char* names[4];
    bool written[4];
};

// Counts, null pointers, overlaps and the context's memory; fills the backend's tensor table.
rk_status check_tensors(const char* fn, rk_context* context, const TensorSet& t, std::vector<OptimizerTensor>& out,
                        uint64_t& total) {
    if (rk_status s = check_count(fn, "tensor_count", t.count, sizeof(void*)); s != RK_STATUS_OK) return s;
    total = 0;
    if (t.count == 0) return RK_STATUS_OK;
    for (int r = 0; r < 4; ++r)
        if (t.names[r])
            if (rk_status s = check_not_null(fn, t.names[r], t.arrays[r]); s != RK_STATUS_OK) return s;
    if (rk_status s = check_not_null(fn, "counts", t.counts); s != RK_STATUS_OK) return s;
    const uint64_t max_total = static_cast<uint64_t>(std::numeric_limits<std::ptrdiff_t>::max()) / sizeof(float);
    struct Buffer {
        uintptr_t start, end;
        int role;
        int64_t tensor;
    };
    std::vector<Buffer> buffers;
    out.assign(static_cast<size_t>(t.count), OptimizerTensor{});
    for (int64_t i = 0; i < t.count; ++i) {
        const int64_t n = t.counts[i];
        if (rk_status s = check_count(fn, at("counts", i).c_str(), n, sizeof(float)); s != RK_STATUS_OK) return s;
        if (static_cast<uint64_t>(n) > max_total - total)
            return fail(RK_STATUS_SIZE_OVERFLOW, std::string(fn) + ": the total of counts[0 .. " + std::to_string(i) +
                                                     "] exceeds the addressable size");
        total += static_cast<uint64_t>(n);
        OptimizerTensor& o = out[static_cast<size_t>(i)];
        o.count = static_cast<uint64_t>(n);
        for (int r = 0; r < 4; ++r) {
            if (!t.names[r]) continue;
            float* p = t.arrays[r][i];
            if (n == 0) continue;  // no memory: the pointer is not used, and may be null
            if (rk_status s = check_not_null(fn, at(t.names[r], i).c_str(), p); s != RK_STATUS_OK) return s;
            const auto start = reinterpret_cast<uintptr_t>(p);
            buffers.push_back({start, start + static_cast<uintptr_t>(n) * sizeof(float), r, i});
            switch (r) {
                case 0: o.param = p; break;
                case 1: o.grad = p; break;
                case 2: o.state0 = p; break;
                default: o.state1 = p; break;
            }
        }
    }
    // Overlaps: sorted by start, each buffer against those still open; a pair is an error when either is written
    // (gradients may share memory with each other: they are only read).
    std::sort(buffers.begin(), buffers.end(), [](const Buffer& a, const Buffer& b) {
        return a.start != b.start ? a.start < b.start : a.role != b.role ? a.role < b.role : a.tensor < b.tensor;
    });
    std::vector<Buffer> open;
    for (const Buffer& b : buffers) {
        open.erase(std::remove_if(open.begin(), open.end(), [&](const Buffer& o) { return o.end <= b.start; }),
                   open.end());
        for (const Buffer& o : open)
            if (t.written[o.role] || t.written[b.role]) {
                const Buffer& w = t.written[b.role] ? b : o;
                const Buffer& other = &w == &b ? o : b;
                return fail(RK_STATUS_INVALID_ARGUMENT, std::string(fn) + ": '" + at(t.names[w.role], w.tensor) +
                                                            "' overlaps '" + at(t.names[other.role], other.tensor) + "'");
            }
        open.push_back(b);
    }
    for (const Buffer& b : buffers)
        if (rk_status s = check_data(fn, context, at(t.names[b.role], b.tensor).c_str(),
                                     reinterpret_cast<const void*>(b.start));
            s != RK_STATUS_OK)
            return s;
    return RK_STATUS_OK;
}

// Runs a validated step; a non-finite state element is reported by name, tensor and element.
rk_status run_step(const char* fn, rk_context* context, OptimizerArgs& a, const std::vector<OptimizerTensor>& tensors,
                   const char* state0, const char* state1) {
    if (a.total == 0) return ok();
    a.tensors = tensors.data();
    a.tensor_count = tensors.size();
    rk::backend::OptimizerFailure failed{-1, 0, 0, 0.0f};
    if (rk_status s = run_op(fn, [&](rk::backend::OpError& e) {
            return context->ops->optimizer(context->impl, &a, &failed, &e);
        });
        s != RK_STATUS_OK)
        return s;
    if (failed.tensor < 0) return ok();
    const char* what = std::isnan(failed.value) ? "NaN" : failed.value > 0 ? "+Inf" : "-Inf";
    return fail(RK_STATUS_INVALID_ARGUMENT, std::string(fn) + ": " + at(failed.state == 0 ? state0 : state1, failed.tensor) +
                                                "[" + std::to_string(failed.element) + "] is " + what +
                                                " (the optimizer state must be finite; nothing was updated)");
}

}  // namespace

extern "C" RK_API rk_status rk_sgd_step(rk_context* context, const rk_sgd_hyperparams* hyper, int32_t first_step,
                                        int64_t tensor_count, float* const* params, const float* const* grads,
                                        float* const* momentum_buffers, const int64_t* counts) {
    static const char* fn = "rk_sgd_step";
    return guarded(fn, [&]() -> rk_status {
        if (rk_status s = check_context(fn, context); s != RK_STATUS_OK) return s;
        if (rk_status s = check_not_null(fn, "hyper", hyper); s != RK_STATUS_OK) return s;
        if (rk_status s = check_struct_size(fn, hyper->struct_size, sizeof(rk_sgd_hyperparams)); s != RK_STATUS_OK)
            return s;
        const rk_sgd_hyperparams& h = *hyper;
        if (rk_status s = check_hyper(fn, "lr", h.lr, 0.0); s != RK_STATUS_OK) return s;
        if (rk_status s = check_hyper(fn, "momentum", h.momentum, 0.0); s != RK_STATUS_OK) return s;
        if (!std::isfinite(h.dampening))
            return fail(RK_STATUS_INVALID_ARGUMENT, std::string(fn) + ": hyper->dampening must be finite (got " +
                                                        format_number(h.dampening) + ")");
        if (rk_status s = check_hyper(fn, "weight_decay", h.weight_decay, 0.0); s != RK_STATUS_OK) return s;
        if (rk_status s = check_flag(fn, "hyper->nesterov", h.nesterov); s != RK_STATUS_OK) return s;
        if (rk_status s = check_flag(fn, "hyper->maximize", h.maximize); s != RK_STATUS_OK) return s;
        if (h.nesterov && (h.momentum <= 0.0 || h.dampening != 0.0))
            return fail(RK_STATUS_INVALID_ARGUMENT,
                        std::string(fn) + ": hyper->nesterov needs momentum > 0 and dampening = 0 (got momentum " +
                            format_number(h.momentum) + ", dampening " + format_number(h.dampening) + ")");
        if (rk_status s = check_flag(fn, "first_step", first_step); s != RK_STATUS_OK) return s;
        OptimizerArgs a{};
        a.kind = OptimizerKind::kSgd;
        a.sgd = rk::core::sgd_constants(h.lr, h.momentum, h.dampening, h.weight_decay, h.nesterov != 0,
                                        h.maximize != 0, first_step != 0);
        if (rk_status s = check_float(fn, "lr", h.lr, a.sgd.neg_lr, "lr"); s != RK_STATUS_OK) return s;
        if (rk_status s = check_float(fn, "momentum", h.momentum, a.sgd.momentum, "momentum"); s != RK_STATUS_OK)
            return s;
        if (rk_status s = check_float(fn, "dampening", h.dampening, a.sgd.dampening_factor, "1 - dampening");
            s != RK_STATUS_OK)
            return s;
        if (rk_status s = check_float(fn, "weight_decay", h.weight_decay, a.sgd.weight_decay, "weight_decay");
            s != RK_STATUS_OK)
            return s;
        const bool momentum = a.sgd.has_momentum != 0;
        a.check_state0 = momentum && !first_step;
        TensorSet t{tensor_count,
                    counts,
                    {params, const_cast<float* const*>(grads), momentum ? momentum_buffers : nullptr, nullptr},
                    {"params", "grads", momentum ? "momentum_buffers" : nullptr, nullptr},
                    {true, false, true, false}};
        std::vector<OptimizerTensor> tensors;
        if (rk_status s = check_tensors(fn, context, t, tensors, a.total); s != RK_STATUS_OK) return s;
        return run_step(fn, context, a, tensors, "momentum_buffers", "momentum_buffers");
    });
}

extern "C" RK_API rk_status rk_adam_step(rk_context* context, const rk_adam_hyperparams* hyper, int64_t step,
                                         int64_t tensor_count, float* const* params, const float* const* grads,
                                         float* const* exp_avg, float* const* exp_avg_sq, const int64_t* counts) {
    static const char* fn = "rk_adam_step";
    return guarded(fn, [&]() -> rk_status {
        if (rk_status s = check_context(fn, context); s != RK_STATUS_OK) return s;
        if (rk_status s = check_not_null(fn, "hyper", hyper); s != RK_STATUS_OK) return s;
        if (rk_status s = check_struct_size(fn, hyper->struct_size, sizeof(rk_adam_hyperparams)); s != RK_STATUS_OK)
            return s;
        const rk_adam_hyperparams& h = *hyper;
        if (rk_status s = check_hyper(fn, "lr", h.lr, 0.0); s != RK_STATUS_OK) return s;
        if (rk_status s = check_hyper(fn, "beta1", h.beta1, 0.0, true, 1.0); s != RK_STATUS_OK) return s;
        if (rk_status s = check_hyper(fn, "beta2", h.beta2, 0.0, true, 1.0); s != RK_STATUS_OK) return s;
        if (rk_status s = check_hyper(fn, "eps", h.eps, 0.0); s != RK_STATUS_OK) return s;
        if (rk_status s = check_hyper(fn, "weight_decay", h.weight_decay, 0.0); s != RK_STATUS_OK) return s;
        if (rk_status s = check_flag(fn, "hyper->decoupled_weight_decay", h.decoupled_weight_decay); s != RK_STATUS_OK)
            return s;
        if (rk_status s = check_flag(fn, "hyper->maximize", h.maximize); s != RK_STATUS_OK) return s;
        if (step < 1)
            return fail(RK_STATUS_INVALID_ARGUMENT,
                        std::string(fn) + ": step must be at least 1 (got " + std::to_string(step) + ")");
        OptimizerArgs a{};
        a.kind = OptimizerKind::kAdam;
        a.adam = rk::core::adam_constants(h.lr, h.beta1, h.beta2, h.eps, h.weight_decay, h.decoupled_weight_decay != 0,
                                          h.maximize != 0, static_cast<uint64_t>(step));
        if (rk_status s = check_float(fn, "lr", h.lr, a.adam.neg_step, "lr / (1 - beta1^step)"); s != RK_STATUS_OK)
            return s;
        if (rk_status s = check_float(fn, "eps", h.eps, a.adam.eps, "eps"); s != RK_STATUS_OK) return s;
        if (rk_status s = check_float(fn, "weight_decay", h.weight_decay,
                                      h.decoupled_weight_decay ? a.adam.decay : a.adam.weight_decay,
                                      h.decoupled_weight_decay ? "1 - lr * weight_decay" : "weight_decay");
            s != RK_STATUS_OK)
            return s;
        a.check_state0 = a.check_state1 = 1;
        TensorSet t{tensor_count,
                    counts,
                    {params, const_cast<float* const*>(grads), exp_avg, exp_avg_sq},
                    {"params", "grads", "exp_avg", "exp_avg_sq"},
                    {true, false, true, true}};
        std::vector<OptimizerTensor> tensors;
        if (rk_status s = check_tensors(fn, context, t, tensors, a.total); s != RK_STATUS_OK) return s;
        return run_step(fn, context, a, tensors, "exp_avg", "exp_avg_sq");
    });
}
