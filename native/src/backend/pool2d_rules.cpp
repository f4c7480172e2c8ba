// Pooling rules every backend honours (docs/training.md section 3): a descriptor's validation into a geometry, with
// PyTorch's limits (padding at most half the kernel, an output of at least one position) and ReproKit's (sizes up to
// 2^40, every tensor addressable). Pure functions of the descriptor; the C API applies them before a backend runs.
#include "pool2d_rules.h"

#include <cstring>
#include <utility>

#include "../core/int_math.h"

namespace rk::backend {

namespace {

constexpr int64_t kMaxSize = int64_t{1} << 40;  // as conv2d's sizes

// n, c, h, w in [1, 2^40]; "" when valid.
std::string check_sizes(const std::pair<const char*, int64_t> (&sizes)[4], const char* prefix, rk_status& status) {
    for (const auto& [name, v] : sizes) {
        if (v < 0) {
            status = RK_STATUS_SIZE_OVERFLOW;
            return std::string(prefix) + name + " is negative (" + std::to_string(v) + ")";
        }
        if (v == 0) return std::string(prefix) + name + " must be at least 1 (got 0)";
        if (v > kMaxSize) {
            status = RK_STATUS_SIZE_OVERFLOW;
            return std::string(prefix) + name + " (" + std::to_string(v) + ") exceeds 2^40";
        }
    }
    return "";
}

std::string check_layout(int32_t layout, const char* what) {
    if (layout != RK_LAYOUT_NCHW && layout != RK_LAYOUT_NHWC)
        return std::string(what) + " " + std::to_string(layout) + " is not RK_LAYOUT_NCHW or RK_LAYOUT_NHWC";
    return "";
}

// x (n * c * h * w) and y (n * c * p * q) addressable.
std::string check_counts(int64_t n, int64_t c, int64_t h, int64_t w, int64_t p, int64_t q, rk_status& status) {
    if (core::size_product({n, c, h, w}) < 0) {
        status = RK_STATUS_SIZE_OVERFLOW;
        return "the element count of x (n * c * h * w) exceeds the addressable size";
    }
    if (core::size_product({n, c, p, q}) < 0) {
        status = RK_STATUS_SIZE_OVERFLOW;
        return "the element count of y (n * c * out_h * out_w) exceeds the addressable size";
    }
    return "";
}

}  // namespace

std::string pool_geometry(const rk_pool2d_desc& d, core::PoolGeometry& g, rk_status& status) {
    status = RK_STATUS_INVALID_ARGUMENT;
    if (d.struct_size < sizeof(rk_pool2d_desc))
        return "desc->struct_size is " + std::to_string(d.struct_size) + ", expected at least " +
               std::to_string(sizeof(rk_pool2d_desc));
    // Enum fields as integers: a C or C# caller may store any int there (see conv2d_rules.cpp).
    int32_t mode, layout;
    static_assert(sizeof mode == sizeof d.mode && sizeof layout == sizeof d.layout);
    std::memcpy(&mode, &d.mode, sizeof mode);
    std::memcpy(&layout, &d.layout, sizeof layout);
    if (mode != RK_POOL_MAX && mode != RK_POOL_AVG)
        return "desc->mode " + std::to_string(mode) + " is not RK_POOL_MAX or RK_POOL_AVG";
    if (std::string why = check_layout(layout, "desc->layout"); !why.empty()) return why;
    const std::pair<const char*, int64_t> sizes[] = {{"n", d.n}, {"c", d.c}, {"h", d.h}, {"w", d.w}};
    if (std::string why = check_sizes(sizes, "desc->", status); !why.empty()) return why;
    status = RK_STATUS_INVALID_ARGUMENT;
    const std::pair<const char*, int32_t> at_least_one[] = {{"kernel_h", d.kernel_h}, {"kernel_w", d.kernel_w},
                                                            {"stride_h", d.stride_h}, {"stride_w", d.stride_w},
                                                            {"dilation_h", d.dilation_h}, {"dilation_w", d.dilation_w}};
    for (const auto& [name, v] : at_least_one)
        if (v < 1) return std::string("desc->") + name + " must be at least 1 (got " + std::to_string(v) + ")";
    // PyTorch's limit: padding at most half the kernel (the kernel size, not its dilated extent).
    const std::pair<const char*, std::pair<int32_t, int32_t>> pads[] = {{"pad_h", {d.pad_h, d.kernel_h}},
                                                                        {"pad_w", {d.pad_w, d.kernel_w}}};
    for (const auto& [name, pk] : pads) {
        if (pk.first < 0) return std::string("desc->") + name + " is negative (" + std::to_string(pk.first) + ")";
        if (pk.first > pk.second / 2)
            return std::string("desc->") + name + " (" + std::to_string(pk.first) +
                   ") exceeds half the kernel size (" + std::to_string(pk.second) + " / 2), as PyTorch requires";
    }
    if (mode == RK_POOL_AVG && (d.dilation_h != 1 || d.dilation_w != 1))
        return "desc->dilation_h and dilation_w must be 1 for RK_POOL_AVG (got " + std::to_string(d.dilation_h) + ", " +
               std::to_string(d.dilation_w) + ")";
    if (mode == RK_POOL_MAX && d.divisor_override != 0)
        return "desc->divisor_override must be 0 for RK_POOL_MAX (got " + std::to_string(d.divisor_override) + ")";
    const bool ceil_mode = d.ceil_mode != 0;
    const int64_t p = core::pool_output_size(d.h, d.kernel_h, d.stride_h, d.pad_h, d.dilation_h, ceil_mode);
    const int64_t q = core::pool_output_size(d.w, d.kernel_w, d.stride_w, d.pad_w, d.dilation_w, ceil_mode);
    if (p < 1 || q < 1)
        return "the output size " + std::to_string(p) + " x " + std::to_string(q) +
               " is too small (the dilated window, dilation * (kernel - 1) + 1, exceeds the padded input)";
    if (std::string why = check_counts(d.n, d.c, d.h, d.w, p, q, status); !why.empty()) return why;
    g = core::PoolGeometry{};
    g.mode = mode == RK_POOL_MAX ? core::PoolMode::kMax : core::PoolMode::kAvg;
    g.nhwc = layout == RK_LAYOUT_NHWC ? 1 : 0;
    g.n = d.n;
    g.c = d.c;
    g.h = d.h;
    g.w = d.w;
    g.p = p;
    g.q = q;
    g.kh = d.kernel_h;
    g.kw = d.kernel_w;
    g.sh = d.stride_h;
    g.sw = d.stride_w;
    g.ph = d.pad_h;
    g.pw = d.pad_w;
    g.dh = d.dilation_h;
    g.dw = d.dilation_w;
    g.count_include_pad = d.count_include_pad != 0 ? 1 : 0;
    g.divisor_override = mode == RK_POOL_AVG ? d.divisor_override : 0;
    status = RK_STATUS_OK;
    return "";
}

std::string global_pool_geometry(int32_t layout, int64_t n, int64_t c, int64_t h, int64_t w, core::PoolGeometry& g,
                                 rk_status& status) {
    status = RK_STATUS_INVALID_ARGUMENT;
    if (std::string why = check_layout(layout, "layout"); !why.empty()) return why;
    const std::pair<const char*, int64_t> sizes[] = {{"n", n}, {"c", c}, {"h", h}, {"w", w}};
    if (std::string why = check_sizes(sizes, "", status); !why.empty()) return why;
    if (std::string why = check_counts(n, c, h, w, 1, 1, status); !why.empty()) return why;
    g = core::PoolGeometry{};
    g.mode = core::PoolMode::kGlobalAvg;
    g.nhwc = layout == RK_LAYOUT_NHWC ? 1 : 0;
    g.n = n;
    g.c = c;
    g.h = h;
    g.w = w;
    g.p = g.q = 1;
    g.kh = g.kw = g.sh = g.sw = g.dh = g.dw = 1;
    status = RK_STATUS_OK;
    return "";
}

}  // namespace rk::backend
