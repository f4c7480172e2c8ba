// Conv2d rules every backend honours (docs/conv.md): descriptor validation into a geometry, Auto's choice, and which
// algorithm computes which pass. Pure functions of the shape; the C API applies them before a backend runs a call.
#include "conv2d_rules.h"

#include <cstring>
#include <utility>

#include "../core/int_math.h"

namespace rk::backend {

using core::ConvGeometry;

const char* conv_algorithm_name(rk_conv_algorithm a) {
    switch (a) {
        case RK_CONV_AUTO: return "RK_CONV_AUTO";
        case RK_CONV_DIRECT: return "RK_CONV_DIRECT";
        case RK_CONV_IMPLICIT_GEMM: return "RK_CONV_IMPLICIT_GEMM";
        case RK_CONV_WINOGRAD_2X3: return "RK_CONV_WINOGRAD_2X3";
        case RK_CONV_WINOGRAD_4X3: return "RK_CONV_WINOGRAD_4X3";
        case RK_CONV_FFT: return "RK_CONV_FFT";
    }
    return "(invalid rk_conv_algorithm)";
}

std::string conv_geometry(const rk_conv2d_desc& d, ConvGeometry& g, rk_status& status) {
    status = RK_STATUS_INVALID_ARGUMENT;
    if (d.struct_size < sizeof(rk_conv2d_desc))
        return "desc->struct_size is " + std::to_string(d.struct_size) + ", expected at least " +
               std::to_string(sizeof(rk_conv2d_desc));
    // The layout as an integer: a C or C# caller may store any int in the field, and reading an enum object whose
    // value is outside the enumerators' range is undefined in C++.
    int32_t layout;
    static_assert(sizeof layout == sizeof d.layout);
    std::memcpy(&layout, &d.layout, sizeof layout);
    if (layout != RK_LAYOUT_NCHW && layout != RK_LAYOUT_NHWC)
        return "desc->layout " + std::to_string(layout) + " is not RK_LAYOUT_NCHW or RK_LAYOUT_NHWC";
    const std::pair<const char*, int64_t> sizes[] = {{"n", d.n}, {"c", d.c}, {"h", d.h}, {"w", d.w},
                                                    {"k", d.k}, {"r", d.r}, {"s", d.s}};
    for (const auto& [name, v] : sizes) {
        if (v < 0) {
            status = RK_STATUS_SIZE_OVERFLOW;
            return std::string("desc->") + name + " is negative (" + std::to_string(v) + ")";
        }
        if (v == 0) return std::string("desc->") + name + " must be at least 1 (got 0)";
        if (v > (int64_t{1} << 40)) {
            status = RK_STATUS_SIZE_OVERFLOW;
            return std::string("desc->") + name + " (" + std::to_string(v) + ") exceeds 2^40";
        }
    }
    const std::pair<const char*, int32_t> at_least_one[] = {
        {"stride_h", d.stride_h}, {"stride_w", d.stride_w}, {"dilation_h", d.dilation_h},
        {"dilation_w", d.dilation_w}, {"groups", d.groups}};
    for (const auto& [name, v] : at_least_one)
        if (v < 1) return std::string("desc->") + name + " must be at least 1 (got " + std::to_string(v) + ")";
    const std::pair<const char*, int32_t> pads[] = {
        {"pad_top", d.pad_top}, {"pad_bottom", d.pad_bottom}, {"pad_left", d.pad_left}, {"pad_right", d.pad_right}};
    for (const auto& [name, v] : pads)
        if (v < 0) return std::string("desc->") + name + " is negative (" + std::to_string(v) + ")";
    if (d.c % d.groups != 0)
        return "desc->groups (" + std::to_string(d.groups) + ") does not divide desc->c (" + std::to_string(d.c) + ")";
    if (d.k % d.groups != 0)
        return "desc->groups (" + std::to_string(d.groups) + ") does not divide desc->k (" + std::to_string(d.k) + ")";
    // The kernel fits iff dilation * (r - 1) + 1 <= padded extent, tested without forming the product (which could
    // pass 2^63 for sizes near 2^40); the padded extents stay below 2^41.
    const int64_t in_h = d.h + d.pad_top + d.pad_bottom, in_w = d.w + d.pad_left + d.pad_right;
    if (d.r - 1 > (in_h - 1) / d.dilation_h)
        return "the kernel's dilated height dilation_h * (r - 1) + 1 (dilation_h = " + std::to_string(d.dilation_h) +
               ", r = " + std::to_string(d.r) + ") exceeds the padded input height h + pad_top + pad_bottom = " +
               std::to_string(in_h);
    if (d.s - 1 > (in_w - 1) / d.dilation_w)
        return "the kernel's dilated width dilation_w * (s - 1) + 1 (dilation_w = " + std::to_string(d.dilation_w) +
               ", s = " + std::to_string(d.s) + ") exceeds the padded input width w + pad_left + pad_right = " +
               std::to_string(in_w);
    g.n = d.n;
    g.c = d.c;
    g.h = d.h;
    g.w = d.w;
    g.k = d.k;
    g.r = d.r;
    g.s = d.s;
    g.sh = d.stride_h;
    g.sw = d.stride_w;
    g.pt = d.pad_top;
    g.pb = d.pad_bottom;
    g.pl = d.pad_left;
    g.pr = d.pad_right;
    g.dh = d.dilation_h;
    g.dw = d.dilation_w;
    g.groups = d.groups;
    g.cg = d.c / d.groups;
    g.kg = d.k / d.groups;
    g.p = core::conv_output_size(g.h, g.pt, g.pb, g.r, g.dh, g.sh);
    g.q = core::conv_output_size(g.w, g.pl, g.pr, g.s, g.dw, g.sw);
    g.nhwc = layout == RK_LAYOUT_NHWC;
    status = RK_STATUS_SIZE_OVERFLOW;
    const std::pair<const char*, int64_t> counts[] = {{"x (n * c * h * w)", core::size_product({g.n, g.c, g.h, g.w})},
                                                     {"y (n * k * p * q)", core::size_product({g.n, g.k, g.p, g.q})},
                                                     {"w (k * c / groups * r * s)", core::size_product({g.k, g.cg, g.r, g.s})}};
    for (const auto& [name, v] : counts)
        if (v < 0) return std::string("the element count of ") + name + " exceeds the addressable size";
    status = RK_STATUS_OK;
    return "";
}

// Auto (docs/conv.md), a pure function of the shape: with stride 1, dilation 1, groups 1 and C, K >= 16,
//   3x3: Winograd F(4x4, 3x3) if P, Q >= 8 and C * K <= 65536, else Winograd F(2x2, 3x3) if P, Q >= 4;
//   R, S in [5, 13]: FFT if C * K <= 16384 and P * Q >= 576;
// everything else implicit GEMM.
rk_conv_algorithm conv_auto(const ConvGeometry& g) {
    const bool plain = g.sh == 1 && g.sw == 1 && g.dh == 1 && g.dw == 1 && g.groups == 1 && g.c >= 16 && g.k >= 16;
    if (!plain) return RK_CONV_IMPLICIT_GEMM;
    const int64_t ck = (g.c <= 65536 && g.k <= 65536) ? g.c * g.k : INT64_MAX;  // no overflow for huge c, k
    if (g.r == 3 && g.s == 3) {
        if (g.p >= 8 && g.q >= 8 && ck <= 65536) return RK_CONV_WINOGRAD_4X3;
        if (g.p >= 4 && g.q >= 4) return RK_CONV_WINOGRAD_2X3;
    } else if (g.r >= 5 && g.r <= 13 && g.s >= 5 && g.s <= 13) {
        if (ck <= 16384 && g.p * g.q >= 576) return RK_CONV_FFT;
    }
    return RK_CONV_IMPLICIT_GEMM;
}

std::string conv_unsupported_reason(const ConvGeometry& g, rk_conv_pass pass, rk_conv_algorithm a) {
    const std::string name = conv_algorithm_name(a);
    if (pass != RK_CONV_PASS_FORWARD) {
        if (a == RK_CONV_DIRECT || a == RK_CONV_IMPLICIT_GEMM) return "";
        return name + " computes the forward pass only; backward passes use RK_CONV_DIRECT";
    }
    auto need = [&](bool ok, const std::string& what, int64_t got) -> std::string {
        return ok ? "" : name + " needs " + what + " (got " + std::to_string(got) + ")";
    };
    switch (a) {
        case RK_CONV_DIRECT:
        case RK_CONV_IMPLICIT_GEMM: return "";
        case RK_CONV_WINOGRAD_2X3:
        case RK_CONV_WINOGRAD_4X3:
            for (const std::string& why :
                 {need(g.r == 3, "r = 3", g.r), need(g.s == 3, "s = 3", g.s), need(g.sh == 1, "stride_h = 1", g.sh),
                  need(g.sw == 1, "stride_w = 1", g.sw), need(g.dh == 1, "dilation_h = 1", g.dh),
                  need(g.dw == 1, "dilation_w = 1", g.dw)})
                if (!why.empty()) return why;
            return "";
        case RK_CONV_FFT:
            for (const std::string& why :
                 {need(g.r <= 13, "r <= 13", g.r), need(g.s <= 13, "s <= 13", g.s),
                  need(g.sh == 1, "stride_h = 1", g.sh), need(g.sw == 1, "stride_w = 1", g.sw),
                  need(g.dh == 1, "dilation_h = 1", g.dh), need(g.dw == 1, "dilation_w = 1", g.dw)})
                if (!why.empty()) return why;
            return "";
        default: return "algorithm " + std::to_string(static_cast<int>(a)) + " is not a valid rk_conv_algorithm";
    }
}

}  // namespace rk::backend
