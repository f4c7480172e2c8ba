// Running a validated convolution through the context's backend (conv_call.cpp): used by conv2d_api.cpp and by
// linear_api.cpp (a linear layer is a 1x1 convolution, docs/training.md).
#pragma once

#include <cstdint>
#include <initializer_list>
#include <utility>

#include "../backend/ops.h"
#include "context.h"
#include "overlap.h"

namespace rk::api {

inline uint64_t fbytes(int64_t count) { return static_cast<uint64_t>(count) * sizeof(float); }

// A named argument pointer, for null and memory checks.
using Named = std::pair<const char*, const void*>;

// The path every pass shares once the geometry and the algorithm are known (`a` holds them and the buffers):
// the workspace the context's backend needs, the buffers (`required` must not be null; `written` must not overlap
// anything in `all`), the caller's workspace size, the context's memory, then the call.
rk_status run_conv(const char* fn, rk_context* context, rk::backend::ConvArgs& a, int64_t workspace_bytes,
                   std::initializer_list<Named> required, std::initializer_list<Region> written,
                   std::initializer_list<Region> all, std::initializer_list<Named> data);

// The arguments of one pass (buffers null, to be set by the caller).
rk::backend::ConvArgs conv_args(rk_conv_pass pass, rk_conv_algorithm algorithm, const core::ConvGeometry& g,
                                void* workspace);

}  // namespace rk::api
