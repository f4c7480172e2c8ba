// Conv2d (C API): descriptor validation, algorithm resolution (Auto, support), workspace checks, overlap checks, then
// the CPU backend (cpu/conv2d_plan.h). docs/conv.md defines every result.
#include <cstdint>
#include <memory>
#include <string>

#include "../cpu/conv2d_plan.h"
#include "context.h"
#include "cuda_backend.h"
#include "errors.h"
#include "overlap.h"
#include "testing.h"

using namespace rk::api;
using rk::core::ConvGeometry;

namespace {

rk_status load_geometry(const char* fn, const rk_conv2d_desc* desc, ConvGeometry& g) {
    if (rk_status s = check_not_null(fn, "desc", desc); s != RK_STATUS_OK) return s;
    rk_status status = RK_STATUS_OK;
    const std::string why = rk::cpu::conv_geometry(*desc, g, status);
    if (!why.empty()) return fail(status, std::string(fn) + ": " + why);
    return RK_STATUS_OK;
}

// Resolves `requested` for `pass` (Auto by the documented rule; backward passes report RK_CONV_DIRECT). Both come
// as the caller's integers (enum_value): they may be any int.
rk_status resolve(const char* fn, const ConvGeometry& g, int32_t pass_value, int32_t requested_value,
                  rk_conv_algorithm& out) {
    if (pass_value < RK_CONV_PASS_FORWARD || pass_value > RK_CONV_PASS_BACKWARD_WEIGHTS)
        return fail(RK_STATUS_INVALID_ARGUMENT,
                    std::string(fn) + ": pass " + std::to_string(pass_value) + " is not a valid rk_conv_pass");
    if (requested_value < RK_CONV_AUTO || requested_value > RK_CONV_FFT)
        return fail(RK_STATUS_INVALID_ARGUMENT, std::string(fn) + ": algorithm " + std::to_string(requested_value) +
                                                    " is not a valid rk_conv_algorithm");
    const auto pass = static_cast<rk_conv_pass>(pass_value);
    const auto requested = static_cast<rk_conv_algorithm>(requested_value);
    if (requested == RK_CONV_AUTO) {
        out = pass == RK_CONV_PASS_FORWARD ? rk::cpu::conv_auto(g) : RK_CONV_DIRECT;
        return RK_STATUS_OK;
    }
    const std::string why = rk::cpu::conv_unsupported_reason(g, pass, requested);
    if (!why.empty()) return fail(RK_STATUS_UNSUPPORTED, std::string(fn) + ": " + why);
    out = pass == RK_CONV_PASS_FORWARD ? requested : RK_CONV_DIRECT;
    return RK_STATUS_OK;
}

rk_status make_plan(const char* fn, const ConvGeometry& g, rk_conv_pass pass, rk_conv_algorithm algorithm,
                    rk::cpu::ConvPlan& plan) {
    plan = rk::cpu::conv_plan(g, pass, algorithm);
    if (plan.floats < 0)
        return fail(RK_STATUS_SIZE_OVERFLOW, std::string(fn) + ": the workspace of " +
                                                 rk::cpu::conv_algorithm_name(algorithm) +
                                                 " for this shape exceeds the addressable size");
    return RK_STATUS_OK;
}

// The caller's workspace size: not negative, and (when the caller passes a workspace) at least what the plan needs.
// Checked before anything else looks at the workspace memory.
rk_status check_workspace(const char* fn, const rk::cpu::ConvPlan& plan, const void* workspace,
                          int64_t workspace_bytes) {
    if (workspace_bytes < 0)
        return fail(RK_STATUS_SIZE_OVERFLOW,
                    std::string(fn) + ": argument 'workspace_bytes' is negative (" + std::to_string(workspace_bytes) + ")");
    const int64_t need = plan.bytes();
    if (need != 0 && workspace != nullptr && workspace_bytes < need)
        return fail(RK_STATUS_INVALID_ARGUMENT, std::string(fn) + ": workspace_bytes is " +
                                                    std::to_string(workspace_bytes) + " but " +
                                                    rk::cpu::conv_algorithm_name(plan.algorithm) + " needs " +
                                                    std::to_string(need) +
                                                    " bytes for this shape (see rk_conv2d_query)");
    return RK_STATUS_OK;
}

// The workspace to use (after check_workspace): the caller's, aligned up to 64 bytes, or an internal allocation.
rk_status prepare_workspace(const rk::cpu::ConvPlan& plan, void* workspace,
                            std::unique_ptr<rk::cpu::ConvScratch>& owned, float*& ws) {
    ws = nullptr;
    const int64_t need = plan.bytes();
    if (need == 0) return RK_STATUS_OK;
    if (workspace == nullptr) {
        owned = std::make_unique<rk::cpu::ConvScratch>(static_cast<size_t>(need));
        ws = owned->floats();
        return RK_STATUS_OK;
    }
    const uintptr_t p = reinterpret_cast<uintptr_t>(workspace);
    ws = reinterpret_cast<float*>((p + 63) / 64 * 64);
    return RK_STATUS_OK;
}

uint64_t fbytes(int64_t count) { return static_cast<uint64_t>(count) * sizeof(float); }

// The CUDA path: every buffer must be device memory of the context; the workspace is not used (the device
// kernels need none).
rk_status conv_cuda(const char* fn, rk_context* context, rk::cuda::ConvOp op, const ConvGeometry& g,
                    std::initializer_list<std::pair<const char*, const void*>> buffers, const float* in0,
                    const float* in1, const float* bias, float* out0, float* out1) {
    for (const auto& [name, p] : buffers)
        if (rk_status s = check_device_buffer(fn, context, name, p); s != RK_STATUS_OK) return s;
    const rk::cuda::ConvArgs a{op, g, in0, in1, bias, out0, out1};
    return cuda_run(fn, [&](rk::cuda::PluginError& e) { return context->cuda->conv(context->cuda_context, &a, &e); });
}

rk::cuda::ConvOp forward_op(rk_conv_algorithm a) {
    switch (a) {
        case RK_CONV_IMPLICIT_GEMM: return rk::cuda::ConvOp::kForwardImplicitGemm;
        case RK_CONV_WINOGRAD_2X3: return rk::cuda::ConvOp::kForwardWinograd2x3;
        case RK_CONV_WINOGRAD_4X3: return rk::cuda::ConvOp::kForwardWinograd4x3;
        case RK_CONV_FFT: return rk::cuda::ConvOp::kForwardFft;
        default: return rk::cuda::ConvOp::kForwardDirect;
    }
}

// The conv kernels of a context (its ISA's table; scalar for an ISA without conv kernels).
const rk::cpu::ConvKernels& context_conv_kernels(const rk_context* context) {
    return rk::cpu::conv_kernels(context->isa);
}

}  // namespace

extern "C" RK_API rk_status rk_conv2d_output_shape(const rk_conv2d_desc* desc, int64_t* out_p, int64_t* out_q) {
    static const char* fn = "rk_conv2d_output_shape";
    return guarded(fn, [&]() -> rk_status {
        ConvGeometry g;
        if (rk_status s = load_geometry(fn, desc, g); s != RK_STATUS_OK) return s;
        if (out_p) *out_p = g.p;
        if (out_q) *out_q = g.q;
        return ok();
    });
}

extern "C" RK_API rk_status rk_conv2d_query(const rk_conv2d_desc* desc, rk_conv_pass pass,
                                            rk_conv_algorithm requested, rk_conv_algorithm* out_chosen,
                                            int64_t* out_workspace_bytes) {
    static const char* fn = "rk_conv2d_query";
    return guarded(fn, [&]() -> rk_status {
        ConvGeometry g;
        if (rk_status s = load_geometry(fn, desc, g); s != RK_STATUS_OK) return s;
        rk_conv_algorithm algo;
        if (rk_status s = resolve(fn, g, enum_value(pass), enum_value(requested), algo); s != RK_STATUS_OK) return s;
        rk::cpu::ConvPlan plan;
        if (rk_status s = make_plan(fn, g, pass, algo, plan); s != RK_STATUS_OK) return s;
        if (out_chosen) *out_chosen = algo;
        if (out_workspace_bytes) *out_workspace_bytes = plan.bytes();
        return ok();
    });
}

extern "C" RK_API rk_status rk_conv2d_forward(rk_context* context, const rk_conv2d_desc* desc,
                                              rk_conv_algorithm algorithm, const float* x, const float* w,
                                              const float* bias, float* y, void* workspace, int64_t workspace_bytes,
                                              rk_conv_algorithm* out_chosen) {
    static const char* fn = "rk_conv2d_forward";
    return guarded(fn, [&]() -> rk_status {
        if (rk_status s = check_context(fn, context); s != RK_STATUS_OK) return s;
        ConvGeometry g;
        if (rk_status s = load_geometry(fn, desc, g); s != RK_STATUS_OK) return s;
        rk_conv_algorithm algo;
        if (rk_status s = resolve(fn, g, RK_CONV_PASS_FORWARD, enum_value(algorithm), algo); s != RK_STATUS_OK)
            return s;
        rk::cpu::ConvPlan plan;
        if (rk_status s = make_plan(fn, g, RK_CONV_PASS_FORWARD, algo, plan); s != RK_STATUS_OK) return s;
        for (const auto& [name, p] : {std::pair<const char*, const void*>{"x", x}, {"w", w}, {"y", y}})
            if (rk_status s = check_not_null(fn, name, p); s != RK_STATUS_OK) return s;
        const Region rx{"x", x, fbytes(g.x_count())}, rw{"w", w, fbytes(g.w_count())},
            rb{"bias", bias, bias ? fbytes(g.k) : 0}, ry{"y", y, fbytes(g.y_count())},
            rws{"workspace", workspace, workspace ? static_cast<uint64_t>(plan.bytes()) : 0};
        if (rk_status s = check_workspace(fn, plan, workspace, workspace_bytes); s != RK_STATUS_OK) return s;
        if (rk_status s = check_overlaps(fn, {ry, rws}, {rx, rw, rb, ry, rws}); s != RK_STATUS_OK) return s;
        if (context->device == RK_DEVICE_CUDA) {
            if (rk_status s = conv_cuda(fn, context, forward_op(algo), g, {{"x", x}, {"w", w}, {"bias", bias}, {"y", y}},
                                        x, w, bias, y, nullptr);
                s != RK_STATUS_OK)
                return s;
            if (out_chosen) *out_chosen = algo;
            return ok();
        }
        std::unique_ptr<rk::cpu::ConvScratch> owned;
        float* ws = nullptr;
        if (rk_status s = prepare_workspace(plan, workspace, owned, ws); s != RK_STATUS_OK) return s;
        rk::cpu::conv_run_forward(context_conv_kernels(context), *context->pool, g, plan, x, w, bias, y, ws);
        if (out_chosen) *out_chosen = algo;
        return ok();
    });
}

extern "C" RK_API rk_status rk_conv2d_backward_data(rk_context* context, const rk_conv2d_desc* desc, const float* dy,
                                                    const float* w, float* dx, void* workspace,
                                                    int64_t workspace_bytes) {
    static const char* fn = "rk_conv2d_backward_data";
    return guarded(fn, [&]() -> rk_status {
        if (rk_status s = check_context(fn, context); s != RK_STATUS_OK) return s;
        ConvGeometry g;
        if (rk_status s = load_geometry(fn, desc, g); s != RK_STATUS_OK) return s;
        rk::cpu::ConvPlan plan;
        if (rk_status s = make_plan(fn, g, RK_CONV_PASS_BACKWARD_DATA, RK_CONV_DIRECT, plan); s != RK_STATUS_OK)
            return s;
        for (const auto& [name, p] : {std::pair<const char*, const void*>{"dy", dy}, {"w", w}, {"dx", dx}})
            if (rk_status s = check_not_null(fn, name, p); s != RK_STATUS_OK) return s;
        const Region rdy{"dy", dy, fbytes(g.y_count())}, rw{"w", w, fbytes(g.w_count())},
            rdx{"dx", dx, fbytes(g.x_count())},
            rws{"workspace", workspace, workspace ? static_cast<uint64_t>(plan.bytes()) : 0};
        if (rk_status s = check_workspace(fn, plan, workspace, workspace_bytes); s != RK_STATUS_OK) return s;
        if (rk_status s = check_overlaps(fn, {rdx, rws}, {rdy, rw, rdx, rws}); s != RK_STATUS_OK) return s;
        if (context->device == RK_DEVICE_CUDA)
            return conv_cuda(fn, context, rk::cuda::ConvOp::kBackwardData, g, {{"dy", dy}, {"w", w}, {"dx", dx}}, dy, w,
                             nullptr, dx, nullptr);
        std::unique_ptr<rk::cpu::ConvScratch> owned;
        float* ws = nullptr;
        if (rk_status s = prepare_workspace(plan, workspace, owned, ws); s != RK_STATUS_OK) return s;
        rk::cpu::conv_run_backward_data(context_conv_kernels(context), *context->pool, g, plan, dy, w, dx, ws);
        return ok();
    });
}

extern "C" RK_API rk_status rk_conv2d_backward_weights(rk_context* context, const rk_conv2d_desc* desc,
                                                       const float* x, const float* dy, float* dw, float* dbias,
                                                       void* workspace, int64_t workspace_bytes) {
    static const char* fn = "rk_conv2d_backward_weights";
    return guarded(fn, [&]() -> rk_status {
        if (rk_status s = check_context(fn, context); s != RK_STATUS_OK) return s;
        ConvGeometry g;
        if (rk_status s = load_geometry(fn, desc, g); s != RK_STATUS_OK) return s;
        rk::cpu::ConvPlan plan;
        if (rk_status s = make_plan(fn, g, RK_CONV_PASS_BACKWARD_WEIGHTS, RK_CONV_DIRECT, plan); s != RK_STATUS_OK)
            return s;
        for (const auto& [name, p] : {std::pair<const char*, const void*>{"x", x}, {"dy", dy}, {"dw", dw}})
            if (rk_status s = check_not_null(fn, name, p); s != RK_STATUS_OK) return s;
        const Region rx{"x", x, fbytes(g.x_count())}, rdy{"dy", dy, fbytes(g.y_count())},
            rdw{"dw", dw, fbytes(g.w_count())}, rdb{"dbias", dbias, dbias ? fbytes(g.k) : 0},
            rws{"workspace", workspace, workspace ? static_cast<uint64_t>(plan.bytes()) : 0};
        if (rk_status s = check_workspace(fn, plan, workspace, workspace_bytes); s != RK_STATUS_OK) return s;
        if (rk_status s = check_overlaps(fn, {rdw, rdb, rws}, {rx, rdy, rdw, rdb, rws}); s != RK_STATUS_OK) return s;
        if (context->device == RK_DEVICE_CUDA)
            return conv_cuda(fn, context, rk::cuda::ConvOp::kBackwardWeights, g,
                             {{"x", x}, {"dy", dy}, {"dw", dw}, {"dbias", dbias}}, x, dy, nullptr, dw, dbias);
        std::unique_ptr<rk::cpu::ConvScratch> owned;
        float* ws = nullptr;
        if (rk_status s = prepare_workspace(plan, workspace, owned, ws); s != RK_STATUS_OK) return s;
        rk::cpu::conv_run_backward_weights(context_conv_kernels(context), *context->pool, g, plan, x, dy, dw, dbias,
                                           ws);
        return ok();
    });
}

extern "C" RK_API const char* rk_testing_conv2d_kernels(const rk_context* context) {
    if (check_context("rk_testing_conv2d_kernels", context) != RK_STATUS_OK) return nullptr;
    return context->device == RK_DEVICE_CUDA ? "cuda" : context_conv_kernels(context).name;
}
