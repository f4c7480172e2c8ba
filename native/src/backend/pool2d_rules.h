// Pooling rules every backend honours (docs/training.md section 3): descriptor validation into a geometry, host only.
// The C API validates with these before it hands a call to a backend, so both backends (and rk_pool2d_output_shape)
// see the same geometry.
#pragma once

#include <string>

#include "../core/pool2d.h"
#include "reprokit/reprokit.h"

namespace rk::backend {

// Builds the geometry from a descriptor; "" if valid, else the reason (the caller adds the function name).
// `status` receives RK_STATUS_INVALID_ARGUMENT or RK_STATUS_SIZE_OVERFLOW on failure.
std::string pool_geometry(const rk_pool2d_desc& desc, core::PoolGeometry& g, rk_status& status);

// The geometry of global average pooling (p = q = 1), or the reason it is invalid (sizes, layout, element counts).
std::string global_pool_geometry(int32_t layout, int64_t n, int64_t c, int64_t h, int64_t w, core::PoolGeometry& g,
                                 rk_status& status);

}  // namespace rk::backend
