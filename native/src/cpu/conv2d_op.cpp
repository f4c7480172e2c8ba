// Conv2d on the CPU backend: the workspace a call needs (its plan), the workspace it uses (the caller's, aligned up to
// 64 bytes, or scratch), and the run of the planned pass (conv2d_run.cpp).
#include <cstdint>
#include <memory>
#include <string>

#include "../backend/conv2d_rules.h"
#include "conv2d_run.h"
#include "cpu_backend.h"

namespace rk::cpu {

int32_t conv_workspace(void*, const backend::ConvArgs* args, int64_t* bytes, backend::OpError* err) {
    *bytes = conv_workspace_bytes(args->g, args->pass, args->algorithm);
    if (*bytes >= 0) return RK_STATUS_OK;
    const std::string what = std::string("the workspace of ") + backend::conv_algorithm_name(args->algorithm) +
                             " for this shape exceeds the addressable size";
    return op_error(err, RK_STATUS_SIZE_OVERFLOW, what.c_str());
}

int32_t conv(void* impl, const backend::ConvArgs* args, backend::OpError*) {
    CpuBackend& b = *static_cast<CpuBackend*>(impl);
    const backend::ConvArgs& a = *args;
    const ConvPlan plan = conv_plan(a.g, a.pass, a.algorithm);  // the C API checked its size (conv_workspace)
    std::unique_ptr<ConvScratch> owned;
    float* ws = nullptr;
    if (plan.bytes() != 0) {
        if (a.workspace == nullptr) {
            owned = std::make_unique<ConvScratch>(static_cast<size_t>(plan.bytes()));
            ws = owned->floats();
        } else {
            const uintptr_t p = reinterpret_cast<uintptr_t>(a.workspace);
            ws = reinterpret_cast<float*>((p + 63) / 64 * 64);  // plan.bytes() includes 64 bytes for this
        }
    }
    switch (a.pass) {
        case RK_CONV_PASS_FORWARD:
            conv_run_forward(b.conv, b.pool, a.g, plan, a.in0, a.in1, a.bias, a.out0, ws);
            break;
        case RK_CONV_PASS_BACKWARD_DATA: conv_run_backward_data(b.conv, b.pool, a.g, plan, a.in0, a.in1, a.out0, ws); break;
        case RK_CONV_PASS_BACKWARD_WEIGHTS:
            conv_run_backward_weights(b.conv, b.pool, a.g, plan, a.in0, a.in1, a.out0, a.out1, ws);
            break;
    }
    return RK_STATUS_OK;
}

}  // namespace rk::cpu
