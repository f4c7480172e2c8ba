// Cross-entropy (C API, docs/training.md section 5): sizes, label smoothing, reduction, pointers and overlaps, the
// per-call constants (k = 1 - eps, eps / C), then the context's backend, which checks every target first and reports
// the first bad one (its row and value) before writing anything.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "../core/cross_entropy.h"
#include "../core/int_math.h"
#include "../cpu/cpu_backend.h"
#include "../cpu/cpu_features.h"
#include "context.h"
#include "errors.h"
#include "overlap.h"
#include "testing.h"

using namespace rk::api;

namespace {

constexpr int64_t kMaxClasses = int64_t{1} << 40;

struct Call {
    const char* fn;
    rk_context* context;
    int64_t batch, classes;
    const float* logits;
    const int64_t* targets;
    int64_t ignore_index;
    float label_smoothing;
    int32_t reduction;  // the caller's value (enum_value)
};

// Sizes, label smoothing and reduction; fills the argument struct's shape and constants.
rk_status check_call(const Call& c, rk::backend::CrossEntropyArgs& a) {
    const std::string fn(c.fn);
    if (rk_status s = check_context(c.fn, c.context); s != RK_STATUS_OK) return s;
    if (c.batch < 0)
        return fail(RK_STATUS_SIZE_OVERFLOW, fn + ": batch is negative (" + std::to_string(c.batch) + ")");
    if (c.classes < 0)
        return fail(RK_STATUS_SIZE_OVERFLOW, fn + ": classes is negative (" + std::to_string(c.classes) + ")");
    if (c.classes == 0) return fail(RK_STATUS_INVALID_ARGUMENT, fn + ": classes must be at least 1 (got 0)");
    if (c.classes > kMaxClasses)
        return fail(RK_STATUS_SIZE_OVERFLOW, fn + ": classes (" + std::to_string(c.classes) + ") exceeds 2^40");
    if (rk::core::size_product({c.batch, c.classes}) < 0)
        return fail(RK_STATUS_SIZE_OVERFLOW,
                    fn + ": the element count of logits (batch * classes) exceeds the addressable size");
    if (!(c.label_smoothing >= 0.0f && c.label_smoothing <= 1.0f))
        return fail(RK_STATUS_INVALID_ARGUMENT,
                    fn + ": label_smoothing must be in [0, 1] (got " + format_number(c.label_smoothing) + ")");
    if (c.reduction < RK_REDUCTION_NONE || c.reduction > RK_REDUCTION_MEAN)
        return fail(RK_STATUS_INVALID_ARGUMENT,
                    fn + ": reduction " + std::to_string(c.reduction) + " is not a valid rk_loss_reduction");
    a = rk::backend::CrossEntropyArgs{};
    a.reduction = static_cast<rk::backend::LossReduction>(c.reduction);
    a.batch = c.batch;
    a.classes = c.classes;
    a.ignore_index = c.ignore_index;
    a.constants = rk::core::cross_entropy_constants(c.label_smoothing, c.classes);
    a.logits = c.logits;
    a.targets = c.targets;
    return RK_STATUS_OK;
}

// The backend call; a bad target is reported with its row and value.
rk_status run(const Call& c, const rk::backend::CrossEntropyArgs& a) {
    rk::backend::CrossEntropyFailure failed{-1, 0};
    if (rk_status s = run_op(c.fn, [&](rk::backend::OpError& e) {
            return c.context->ops->cross_entropy(c.context->impl, &a, &failed, &e);
        });
        s != RK_STATUS_OK)
        return s;
    if (failed.row >= 0) {
        const std::string row = std::to_string(failed.row);
        return fail(RK_STATUS_INVALID_ARGUMENT,
                    std::string(c.fn) + ": row " + row + ": targets[" + row + "] is " + std::to_string(failed.target) +
                        ", which is outside [0, " + std::to_string(c.classes) + ") and is not ignore_index (" +
                        std::to_string(c.ignore_index) + ")");
    }
    return ok();
}

uint64_t fbytes(int64_t count) { return static_cast<uint64_t>(count) * sizeof(float); }

}  // namespace

extern "C" RK_API rk_status rk_cross_entropy_forward(rk_context* context, int64_t batch, int64_t classes,
                                                     const float* logits, const int64_t* targets, int64_t ignore_index,
                                                     float label_smoothing, rk_loss_reduction reduction, float* loss) {
    static const char* fn = "rk_cross_entropy_forward";
    return guarded(fn, [&]() -> rk_status {
        const Call c{fn, context, batch, classes, logits, targets, ignore_index, label_smoothing, enum_value(reduction)};
        rk::backend::CrossEntropyArgs a;
        if (rk_status s = check_call(c, a); s != RK_STATUS_OK) return s;
        const int64_t outputs = a.reduction == rk::backend::LossReduction::kNone ? batch : 1;
        if (outputs == 0) return ok();
        if (batch > 0) {
            if (rk_status s = check_not_null(fn, "logits", logits); s != RK_STATUS_OK) return s;
            if (rk_status s = check_not_null(fn, "targets", targets); s != RK_STATUS_OK) return s;
        }
        if (rk_status s = check_not_null(fn, "loss", loss); s != RK_STATUS_OK) return s;
        const Region rl{"logits", logits, fbytes(batch * classes)}, rt{"targets", targets, static_cast<uint64_t>(batch) * 8},
            ro{"loss", loss, fbytes(outputs)};
        if (rk_status s = check_overlaps(fn, {ro}, {rl, rt, ro}); s != RK_STATUS_OK) return s;
        for (const auto& [name, p] : {std::pair<const char*, const void*>{"logits", logits}, {"targets", targets},
                                      {"loss", loss}})
            if (rk_status s = check_data(fn, context, name, p); s != RK_STATUS_OK) return s;
        a.backward = 0;
        a.out = loss;
        return run(c, a);
    });
}

extern "C" RK_API rk_status rk_cross_entropy_backward(rk_context* context, int64_t batch, int64_t classes,
                                                      const float* logits, const int64_t* targets,
                                                      int64_t ignore_index, float label_smoothing,
                                                      rk_loss_reduction reduction, const float* dloss,
                                                      float* dlogits) {
    static const char* fn = "rk_cross_entropy_backward";
    return guarded(fn, [&]() -> rk_status {
        const Call c{fn, context, batch, classes, logits, targets, ignore_index, label_smoothing, enum_value(reduction)};
        rk::backend::CrossEntropyArgs a;
        if (rk_status s = check_call(c, a); s != RK_STATUS_OK) return s;
        if (batch == 0) return ok();
        const int64_t grads = a.reduction == rk::backend::LossReduction::kNone ? batch : 1;
        for (const auto& [name, p] : {std::pair<const char*, const void*>{"logits", logits}, {"targets", targets},
                                      {"dloss", dloss}, {"dlogits", dlogits}})
            if (rk_status s = check_not_null(fn, name, p); s != RK_STATUS_OK) return s;
        const Region rl{"logits", logits, fbytes(batch * classes)}, rt{"targets", targets, static_cast<uint64_t>(batch) * 8},
            rd{"dloss", dloss, fbytes(grads)}, rx{"dlogits", dlogits, fbytes(batch * classes)};
        if (rk_status s = check_overlaps(fn, {rx}, {rl, rt, rd, rx}); s != RK_STATUS_OK) return s;
        for (const auto& [name, p] : {std::pair<const char*, const void*>{"logits", logits}, {"targets", targets},
                                      {"dloss", dloss}, {"dlogits", dlogits}})
            if (rk_status s = check_data(fn, context, name, p); s != RK_STATUS_OK) return s;
        a.backward = 1;
        a.dloss = dloss;
        a.out = dlogits;
        return run(c, a);
    });
}

extern "C" RK_API rk_status rk_testing_canonical_sum(rk_isa isa, const float* v, int64_t n, float* out) {
    static const char* fn = "rk_testing_canonical_sum";
    return guarded(fn, [&]() -> rk_status {
        const int32_t value = enum_value(isa);
        if (value < RK_ISA_SCALAR || value > RK_ISA_NEON)
            return fail(RK_STATUS_INVALID_ARGUMENT, std::string(fn) + ": isa " + std::to_string(value) + " is not a CPU ISA");
        if (!rk::cpu::isa_supported(isa) || !rk::cpu::isa_built(isa))
            return fail(RK_STATUS_UNSUPPORTED, std::string(fn) + ": ISA '" + rk_isa_name(isa) + "' is not available here");
        if (rk_status s = check_count(fn, "n", n, sizeof(float)); s != RK_STATUS_OK) return s;
        if (n > 0)
            if (rk_status s = check_not_null(fn, "v", v); s != RK_STATUS_OK) return s;
        if (rk_status s = check_not_null(fn, "out", out); s != RK_STATUS_OK) return s;
        *out = rk::cpu::loss_kernels(isa).canonical_sum(v, n);
        return ok();
    });
}
