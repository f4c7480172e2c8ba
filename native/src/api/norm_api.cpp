// BatchNorm2d and LayerNorm (C API, docs/training.md section 4): sizes, eps and momentum, pointers (required or
// optional), overlaps and memory, then one NormArgs for the context's backend.
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "../core/int_math.h"
#include "../core/normalization.h"
#include "context.h"
#include "errors.h"
#include "overlap.h"

using namespace rk::api;
using rk::backend::NormArgs;
using rk::backend::NormPass;
using rk::core::NormGeometry;

namespace {

constexpr int64_t kMaxSize = int64_t{1} << 40;

// Each size in [1, 2^40] and the tensor addressable.
rk_status check_sizes(const char* fn, std::initializer_list<std::pair<const char*, int64_t>> sizes) {
    std::vector<int64_t> dims;
    for (const auto& [name, v] : sizes) {
        if (v < 0)
            return fail(RK_STATUS_SIZE_OVERFLOW, std::string(fn) + ": " + name + " is negative (" + std::to_string(v) + ")");
        if (v == 0) return fail(RK_STATUS_INVALID_ARGUMENT, std::string(fn) + ": " + name + " must be at least 1 (got 0)");
        if (v > kMaxSize)
            return fail(RK_STATUS_SIZE_OVERFLOW, std::string(fn) + ": " + name + " (" + std::to_string(v) + ") exceeds 2^40");
        dims.push_back(v);
    }
    int64_t count = 1;
    for (int64_t d : dims) {
        count = rk::core::size_product({count, d});
        if (count < 0)
            return fail(RK_STATUS_SIZE_OVERFLOW, std::string(fn) + ": the element count exceeds the addressable size");
    }
    return RK_STATUS_OK;
}

rk_status check_eps(const char* fn, float eps) {
    if (std::isfinite(eps) && eps >= 0.0f) return RK_STATUS_OK;
    return fail(RK_STATUS_INVALID_ARGUMENT, std::string(fn) + ": eps must be finite and at least 0 (got " + format_number(eps) + ")");
}

// A buffer argument: its name, pointer, element count, and whether it may be null / is written.
struct Buffer {
    const char* name;
    const void* p;
    int64_t count;
    bool optional;
    bool written;
};

// Null checks, overlaps (no written buffer may overlap another), and the context's memory; then the backend.
rk_status run(const char* fn, rk_context* context, const NormArgs& a, std::initializer_list<Buffer> buffers) {
    std::vector<Region> written, all;
    for (const Buffer& b : buffers) {
        if (!b.optional)
            if (rk_status s = check_not_null(fn, b.name, b.p); s != RK_STATUS_OK) return s;
        if (!b.p) continue;
        const Region r{b.name, b.p, static_cast<uint64_t>(b.count) * sizeof(float)};
        all.push_back(r);
        if (b.written) written.push_back(r);
    }
    if (rk_status s = check_overlaps(fn, written, all); s != RK_STATUS_OK) return s;
    for (const Buffer& b : buffers)
        if (b.p)
            if (rk_status s = check_data(fn, context, b.name, b.p); s != RK_STATUS_OK) return s;
    return run_op(fn, [&](rk::backend::OpError& e) { return context->ops->normalization(context->impl, &a, &e); });
}

NormArgs args(NormPass pass, const NormGeometry& g) {
    NormArgs a{};
    a.pass = pass;
    a.g = g;
    return a;
}

}  // namespace

extern "C" RK_API rk_status rk_batchnorm2d_forward_training(rk_context* context, int64_t n, int64_t c, int64_t h,
                                                            int64_t w, float eps, float momentum, const float* x,
                                                            const float* gamma, const float* beta, float* y,
                                                            float* save_mean, float* save_invstd, float* running_mean,
                                                            float* running_var) {
    static const char* fn = "rk_batchnorm2d_forward_training";
    return guarded(fn, [&]() -> rk_status {
        if (rk_status s = check_context(fn, context); s != RK_STATUS_OK) return s;
        if (rk_status s = check_sizes(fn, {{"n", n}, {"c", c}, {"h", h}, {"w", w}}); s != RK_STATUS_OK) return s;
        if (rk_status s = check_eps(fn, eps); s != RK_STATUS_OK) return s;
        if (!(momentum >= 0.0f && momentum <= 1.0f))
            return fail(RK_STATUS_INVALID_ARGUMENT, std::string(fn) + ": momentum must be in [0, 1] (got " + format_number(momentum) + ")");
        const NormGeometry g = rk::core::batchnorm2d_geometry(n, c, h, w);
        if (g.group_size() < 2)
            return fail(RK_STATUS_INVALID_ARGUMENT, std::string(fn) + ": training needs more than one value per channel (n * h * w is 1)");
        if ((running_mean == nullptr) != (running_var == nullptr))
            return fail(RK_STATUS_INVALID_ARGUMENT, std::string(fn) + ": running_mean and running_var must both be given or both be null");
        NormArgs a = args(NormPass::kForwardTraining, g);
        a.eps = eps;
        a.momentum = momentum;
        a.x = x, a.gamma = gamma, a.beta = beta, a.out = y, a.mean = save_mean, a.invstd = save_invstd;
        a.running_mean = running_mean, a.running_var = running_var;
        const int64_t e = g.elements();
        return run(fn, context, a,
                   {{"x", x, e, false, false}, {"gamma", gamma, c, true, false}, {"beta", beta, c, true, false},
                    {"y", y, e, false, true}, {"save_mean", save_mean, c, false, true},
                    {"save_invstd", save_invstd, c, false, true}, {"running_mean", running_mean, c, true, true},
                    {"running_var", running_var, c, true, true}});
    });
}

extern "C" RK_API rk_status rk_batchnorm2d_forward_inference(rk_context* context, int64_t n, int64_t c, int64_t h,
                                                             int64_t w, float eps, const float* x, const float* gamma,
                                                             const float* beta, const float* running_mean,
                                                             const float* running_var, float* y) {
    static const char* fn = "rk_batchnorm2d_forward_inference";
    return guarded(fn, [&]() -> rk_status {
        if (rk_status s = check_context(fn, context); s != RK_STATUS_OK) return s;
        if (rk_status s = check_sizes(fn, {{"n", n}, {"c", c}, {"h", h}, {"w", w}}); s != RK_STATUS_OK) return s;
        if (rk_status s = check_eps(fn, eps); s != RK_STATUS_OK) return s;
        const NormGeometry g = rk::core::batchnorm2d_geometry(n, c, h, w);
        NormArgs a = args(NormPass::kForwardEval, g);
        a.eps = eps;
        a.x = x, a.gamma = gamma, a.beta = beta, a.out = y;
        a.running_mean = const_cast<float*>(running_mean), a.running_var = const_cast<float*>(running_var);
        const int64_t e = g.elements();
        return run(fn, context, a,
                   {{"x", x, e, false, false}, {"gamma", gamma, c, true, false}, {"beta", beta, c, true, false},
                    {"running_mean", running_mean, c, false, false}, {"running_var", running_var, c, false, false},
                    {"y", y, e, false, true}});
    });
}

extern "C" RK_API rk_status rk_batchnorm2d_backward_training(rk_context* context, int64_t n, int64_t c, int64_t h,
                                                             int64_t w, const float* x, const float* dy,
                                                             const float* gamma, const float* save_mean,
                                                             const float* save_invstd, float* dx, float* dgamma,
                                                             float* dbeta) {
    static const char* fn = "rk_batchnorm2d_backward_training";
    return guarded(fn, [&]() -> rk_status {
        if (rk_status s = check_context(fn, context); s != RK_STATUS_OK) return s;
        if (rk_status s = check_sizes(fn, {{"n", n}, {"c", c}, {"h", h}, {"w", w}}); s != RK_STATUS_OK) return s;
        const NormGeometry g = rk::core::batchnorm2d_geometry(n, c, h, w);
        NormArgs a = args(NormPass::kBackwardTraining, g);
        a.x = x, a.dy = dy, a.gamma = gamma, a.out = dx, a.dgamma = dgamma, a.dbeta = dbeta;
        a.mean = const_cast<float*>(save_mean), a.invstd = const_cast<float*>(save_invstd);
        const int64_t e = g.elements();
        return run(fn, context, a,
                   {{"x", x, e, false, false}, {"dy", dy, e, false, false}, {"gamma", gamma, c, true, false},
                    {"save_mean", save_mean, c, false, false}, {"save_invstd", save_invstd, c, false, false},
                    {"dx", dx, e, false, true}, {"dgamma", dgamma, c, true, true}, {"dbeta", dbeta, c, true, true}});
    });
}

extern "C" RK_API rk_status rk_batchnorm2d_backward_inference(rk_context* context, int64_t n, int64_t c, int64_t h,
                                                              int64_t w, float eps, const float* dy, const float* gamma,
                                                              const float* running_var, float* dx) {
    static const char* fn = "rk_batchnorm2d_backward_inference";
    return guarded(fn, [&]() -> rk_status {
        if (rk_status s = check_context(fn, context); s != RK_STATUS_OK) return s;
        if (rk_status s = check_sizes(fn, {{"n", n}, {"c", c}, {"h", h}, {"w", w}}); s != RK_STATUS_OK) return s;
        if (rk_status s = check_eps(fn, eps); s != RK_STATUS_OK) return s;
        const NormGeometry g = rk::core::batchnorm2d_geometry(n, c, h, w);
        NormArgs a = args(NormPass::kBackwardEval, g);
        a.eps = eps;
        a.dy = dy, a.gamma = gamma, a.out = dx, a.running_var = const_cast<float*>(running_var);
        // The eval constants read a running mean too (unused by the backward): pass the variance, never null.
        a.running_mean = const_cast<float*>(running_var);
        const int64_t e = g.elements();
        return run(fn, context, a,
                   {{"dy", dy, e, false, false}, {"gamma", gamma, c, true, false},
                    {"running_var", running_var, c, false, false}, {"dx", dx, e, false, true}});
    });
}

extern "C" RK_API rk_status rk_layernorm_forward(rk_context* context, int64_t rows, int64_t features, float eps,
                                                 const float* x, const float* gamma, const float* beta, float* y,
                                                 float* save_mean, float* save_invstd) {
    static const char* fn = "rk_layernorm_forward";
    return guarded(fn, [&]() -> rk_status {
        if (rk_status s = check_context(fn, context); s != RK_STATUS_OK) return s;
        if (rk_status s = check_sizes(fn, {{"rows", rows}, {"features", features}}); s != RK_STATUS_OK) return s;
        if (rk_status s = check_eps(fn, eps); s != RK_STATUS_OK) return s;
        const NormGeometry g = rk::core::layernorm_geometry(rows, features);
        NormArgs a = args(NormPass::kForwardTraining, g);
        a.eps = eps;
        a.x = x, a.gamma = gamma, a.beta = beta, a.out = y, a.mean = save_mean, a.invstd = save_invstd;
        const int64_t e = g.elements();
        return run(fn, context, a,
                   {{"x", x, e, false, false}, {"gamma", gamma, features, true, false},
                    {"beta", beta, features, true, false}, {"y", y, e, false, true},
                    {"save_mean", save_mean, rows, false, true}, {"save_invstd", save_invstd, rows, false, true}});
    });
}

extern "C" RK_API rk_status rk_layernorm_backward(rk_context* context, int64_t rows, int64_t features, const float* x,
                                                  const float* dy, const float* gamma, const float* save_mean,
                                                  const float* save_invstd, float* dx, float* dgamma, float* dbeta) {
    static const char* fn = "rk_layernorm_backward";
    return guarded(fn, [&]() -> rk_status {
        if (rk_status s = check_context(fn, context); s != RK_STATUS_OK) return s;
        if (rk_status s = check_sizes(fn, {{"rows", rows}, {"features", features}}); s != RK_STATUS_OK) return s;
        const NormGeometry g = rk::core::layernorm_geometry(rows, features);
        NormArgs a = args(NormPass::kBackwardTraining, g);
        a.x = x, a.dy = dy, a.gamma = gamma, a.out = dx, a.dgamma = dgamma, a.dbeta = dbeta;
        a.mean = const_cast<float*>(save_mean), a.invstd = const_cast<float*>(save_invstd);
        const int64_t e = g.elements();
        return run(fn, context, a,
                   {{"x", x, e, false, false}, {"dy", dy, e, false, false}, {"gamma", gamma, features, true, false},
                    {"save_mean", save_mean, rows, false, false}, {"save_invstd", save_invstd, rows, false, false},
                    {"dx", dx, e, false, true}, {"dgamma", dgamma, features, true, true},
                    {"dbeta", dbeta, features, true, true}});
    });
}
