// Conv2d rules every backend honours (docs/conv.md): pure functions of the problem shape, host only. The C API
// validates a descriptor and resolves the algorithm with these before it hands a call to a backend, so both backends
// (and rk_conv2d_query) see the same geometry and the same choice.
#pragma once

#include <string>

#include "../core/conv2d.h"
#include "reprokit/reprokit.h"

namespace rk::backend {

// Builds the geometry from a descriptor; "" if valid, else the reason (the caller adds the function name).
// `status` receives RK_STATUS_INVALID_ARGUMENT or RK_STATUS_SIZE_OVERFLOW on failure.
std::string conv_geometry(const rk_conv2d_desc& desc, core::ConvGeometry& g, rk_status& status);

// Auto's rule (docs/conv.md): a pure function of the shape.
rk_conv_algorithm conv_auto(const core::ConvGeometry& g);

// "" if `algorithm` (not Auto) computes `pass` for this shape, else why not.
std::string conv_unsupported_reason(const core::ConvGeometry& g, rk_conv_pass pass, rk_conv_algorithm algorithm);

// "RK_CONV_DIRECT", ... for messages.
const char* conv_algorithm_name(rk_conv_algorithm a);

}  // namespace rk::backend
