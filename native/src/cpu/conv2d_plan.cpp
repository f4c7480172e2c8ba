// Conv2d on the CPU: the plan of a call (which kernel path runs, and where its workspace parts live). A pure function
// of the shape, pass and algorithm: the workspace layout never depends on the ISA or the thread count.
#include "conv2d_plan.h"

#include "../core/int_math.h"

namespace rk::cpu {

using core::ConvGeometry;
using core::ceil_div;
using core::round_up;

namespace {

// Workspace parts: offsets rounded up to 16 floats (64 bytes).
struct Layout {
    int64_t floats = 0;
    bool overflow = false;
    int64_t add(int64_t count) {
        if (count < 0 || floats > core::kMaxElements - round_up(count, 16)) {
            overflow = true;
            return -1;
        }
        const int64_t at = floats;
        floats += round_up(count, 16);
        return at;
    }
};

}  // namespace

ConvPlan conv_plan(const ConvGeometry& g, rk_conv_pass pass, rk_conv_algorithm algorithm) {
    ConvPlan plan;
    plan.pass = pass;
    plan.algorithm = algorithm;
    plan.kgp = round_up(g.kg, kConvPanel);
    plan.cgp = round_up(g.cg, kConvPanel);
    plan.cp = round_up(g.c, kConvLanePad);
    plan.kp = round_up(g.k, kConvLanePad);
    Layout ws;
    const bool any_pad = g.pt > 0 || g.pb > 0 || g.pl > 0 || g.pr > 0;
    auto padded_copy = [&] {
        plan.pad_copy = any_pad;
        plan.hp = g.h + g.pt + g.pb;
        plan.wp = g.w + g.pl + g.pr;
        if (any_pad) plan.off_x = ws.add(core::size_product({g.n, g.c, plan.hp, plan.wp}));
    };
    const bool pointwise = conv_pointwise(g) && (pass != RK_CONV_PASS_FORWARD || algorithm == RK_CONV_IMPLICIT_GEMM);
    if (pointwise) {
        plan.path = ConvPath::kPointwise;
    } else if (pass == RK_CONV_PASS_FORWARD) {
        switch (algorithm) {
            case RK_CONV_DIRECT: plan.path = ConvPath::kRow; break;
            case RK_CONV_IMPLICIT_GEMM:
                if (g.kg >= 8) {
                    plan.path = ConvPath::kGemm;
                    padded_copy();
                    plan.off_w = ws.add(core::size_product({g.groups, g.cg, g.r, g.s, plan.kgp}));
                } else {
                    plan.path = ConvPath::kRow;
                }
                break;
            case RK_CONV_WINOGRAD_2X3:
            case RK_CONV_WINOGRAD_4X3: {
                const int64_t m = algorithm == RK_CONV_WINOGRAD_2X3 ? 2 : 4, alpha = m + 2;
                plan.path = algorithm == RK_CONV_WINOGRAD_2X3 ? ConvPath::kWinograd2 : ConvPath::kWinograd4;
                plan.tile_h = plan.tile_w = m;
                plan.tiles_p = ceil_div(g.p, m);
                plan.tiles_q = ceil_div(g.q, m);
                plan.hp = plan.tiles_p * m + 2;
                plan.wp = plan.tiles_q * m + 2;
                plan.off_x = ws.add(core::size_product({g.n, plan.hp, plan.wp, plan.cp}));
                plan.off_w = g.depthwise() ? ws.add(core::size_product({alpha * alpha, plan.kp}))
                                                      : ws.add(core::size_product({alpha * alpha, g.groups, g.cg, plan.kgp}));
                break;
            }
            case RK_CONV_FFT:
                plan.path = ConvPath::kFft;
                plan.tile_h = 17 - g.r;
                plan.tile_w = 17 - g.s;
                plan.tiles_p = ceil_div(g.p, plan.tile_h);
                plan.tiles_q = ceil_div(g.q, plan.tile_w);
                plan.hp = (plan.tiles_p - 1) * plan.tile_h + 16;
                plan.wp = (plan.tiles_q - 1) * plan.tile_w + 16;
                plan.off_x = ws.add(core::size_product({g.n, plan.hp, plan.wp, plan.cp}));
                plan.off_w = g.depthwise() ? ws.add(core::size_product({core::kFftBins, 2, plan.kp}))
                                                      : ws.add(core::size_product({core::kFftBins, g.groups, g.cg, 2, plan.kgp}));
                break;
            default: break;
        }
    } else if (pass == RK_CONV_PASS_BACKWARD_DATA) {
        if (g.cg >= 8) {
            plan.path = ConvPath::kGemm;
            plan.off_w = ws.add(core::size_product({g.groups, g.kg, g.r, g.s, plan.cgp}));
        } else {
            plan.path = ConvPath::kRow;
        }
    } else {
        if (g.kg >= 8) {
            plan.path = ConvPath::kGemm;
            padded_copy();
            plan.off_dy = ws.add(core::size_product({g.n, g.p, g.q, g.groups, plan.kgp}));
        } else if (g.depthwise()) {
            plan.path = ConvPath::kDepthwise;
            plan.hp = g.h + g.pt + g.pb;
            plan.wp = g.w + g.pl + g.pr;
            plan.off_x = ws.add(core::size_product({g.n, plan.hp, plan.wp, plan.cp}));
            plan.off_dy = ws.add(core::size_product({g.n, g.p, g.q, plan.kp}));
        } else {
            plan.path = ConvPath::kGeneric;
        }
    }
    plan.floats = ws.overflow ? -1 : ws.floats;
    return plan;
}

int64_t conv_workspace_bytes(const ConvGeometry& g, rk_conv_pass pass, rk_conv_algorithm algorithm) {
    const ConvPlan plan = conv_plan(g, pass, algorithm);
    return plan.floats < 0 ? -1 : plan.bytes();
}

}  // namespace rk::cpu
