// The part of a convolution call that follows validation, shared by conv2d and linear (which is a 1x1 convolution,
// docs/training.md): the backend's workspace, null / workspace / overlap / memory checks, then the backend.
#include "conv_call.h"

#include <string>
#include <vector>

#include "../backend/conv2d_rules.h"

namespace rk::api {

// The path every pass shares once the geometry and the algorithm are known (`a` holds them and the buffers):
// the workspace the context's backend needs, the buffers (`required` must not be null; `written` must not overlap
// anything in `all`), the caller's workspace size, the context's memory, then the call.
rk_status run_conv(const char* fn, rk_context* context, rk::backend::ConvArgs& a, int64_t workspace_bytes,
                   std::initializer_list<Named> required, std::initializer_list<Region> written,
                   std::initializer_list<Region> all, std::initializer_list<Named> data) {
    int64_t need = 0;
    if (rk_status s = run_op(fn, [&](rk::backend::OpError& e) {
            return context->ops->conv_workspace(context->impl, &a, &need, &e);
        });
        s != RK_STATUS_OK)
        return s;
    for (const auto& [name, p] : required)
        if (rk_status s = check_not_null(fn, name, p); s != RK_STATUS_OK) return s;
    if (workspace_bytes < 0)
        return fail(RK_STATUS_SIZE_OVERFLOW,
                    std::string(fn) + ": argument 'workspace_bytes' is negative (" + std::to_string(workspace_bytes) + ")");
    if (need != 0 && a.workspace != nullptr && workspace_bytes < need)
        return fail(RK_STATUS_INVALID_ARGUMENT, std::string(fn) + ": workspace_bytes is " +
                                                    std::to_string(workspace_bytes) + " but " +
                                                    rk::backend::conv_algorithm_name(a.algorithm) + " needs " +
                                                    std::to_string(need) +
                                                    " bytes for this shape (see rk_conv2d_query)");
    const Region ws{"workspace", a.workspace, a.workspace ? static_cast<uint64_t>(need) : 0};
    std::vector<Region> outputs(written), regions(all);
    outputs.push_back(ws);
    regions.push_back(ws);
    if (rk_status s = check_overlaps(fn, outputs, regions); s != RK_STATUS_OK) return s;
    for (const auto& [name, p] : data)
        if (rk_status s = check_data(fn, context, name, p); s != RK_STATUS_OK) return s;
    if (a.workspace != nullptr && need != 0)
        if (rk_status s = check_data(fn, context, "workspace", a.workspace); s != RK_STATUS_OK) return s;
    return run_op(fn, [&](rk::backend::OpError& e) { return context->ops->conv(context->impl, &a, &e); });
}

rk::backend::ConvArgs conv_args(rk_conv_pass pass, rk_conv_algorithm algorithm, const core::ConvGeometry& g,
                                void* workspace) {
    rk::backend::ConvArgs a{};
    a.pass = pass;
    a.algorithm = algorithm;
    a.g = g;
    a.workspace = workspace;
    return a;
}

}  // namespace rk::api
