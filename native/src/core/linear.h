// Linear: y = x W^T + b, defined to be the 1x1 convolution it is (docs/training.md section 1). x [batch][in] is the
// NHWC image [1][1][batch][in] and W [out][in] the KCRS weights [out][in][1][1], so every canonical function of
// Linear -- the forward FMA chain over input features, the backward-data chain over output features, the chunked
// weight and bias gradients over batch rows -- is conv2d's (core/conv2d.h), and every backend runs Linear through its
// conv paths: one definition, one implementation.
#pragma once

#include <cstdint>

#include "conv2d.h"
#include "rk_platform.h"

namespace rk::core {

RK_HD ConvGeometry linear_geometry(int64_t batch, int64_t in_features, int64_t out_features) {
    ConvGeometry g{};
    g.n = 1;
    g.c = in_features;
    g.h = 1;
    g.w = batch;
    g.k = out_features;
    g.r = g.s = 1;
    g.sh = g.sw = 1;
    g.pt = g.pb = g.pl = g.pr = 0;
    g.dh = g.dw = 1;
    g.groups = 1;
    g.p = 1;
    g.q = batch;
    g.cg = in_features;
    g.kg = out_features;
    g.nhwc = true;
    return g;
}

}  // namespace rk::core
