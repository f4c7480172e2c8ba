// 2-D pooling (docs/training.md section 3), written once for every backend: the geometry, the output of one window
// and the gradient of one input element, over planes (n, c) in NCHW or NHWC.
//
// MaxPool2d (PyTorch's rule): window (p, q) covers rows p*sh - ph + i*dh (i < kh) and columns q*sw - pw + j*dw
// (j < kw) inside the input. max = -Inf, index = h0*W + w0 with h0 (w0) the window's first row (column) >= 0 (its
// first in-range position when it has one); then for rows, then columns, ascending: if (v > max or v is NaN)
// { max = v; index = h*W + w }. Backward, a gather: dx[h][w] = +0, then for every output (p, q) whose window contains
// (h, w), in ascending (p, q) order, if index[p][q] == h*W + w: dx = dx + dy[p][q].
//
// AvgPool2d (no dilation): rows [p*sh - ph, p*sh - ph + kh) clipped to [-ph, H + ph) give the pool size, clipped to
// [0, H) the summed rows (columns alike). sum = +0; sum = sum + x in row-major window order; y = sum / (float)d with
// d = divisor_override, or the pool size (count_include_pad), or the count of summed elements; an empty window gives
// +0. Backward: dx[h][w] = +0, then for every output whose summed window contains (h, w), ascending:
// dx = dx + dy[p][q] / (float)d(p, q).
//
// Global average pooling: y[n][c] = sum(plane) / (float)(H*W) (canonical sum over h*W + w); backward
// dx = dy[n][c] / (float)(H*W) for every element of the plane.
//
// A plane's element (h, w) is at plane[(h*W + w) * cs] with cs = 1 (NCHW) or C (NHWC); the same for outputs.
#pragma once

#include <cstdint>

#include "canonical_sum.h"
#include "lanes_scalar.h"
#include "rk_platform.h"

namespace rk::core {

enum class PoolMode : int32_t { kMax = 0, kAvg = 1, kGlobalAvg = 2 };

// A validated pooling problem (backend/pool2d_rules.cpp builds it). Global average pooling has p = q = 1.
struct PoolGeometry {
    PoolMode mode;
    int32_t nhwc;               // 0: NCHW, 1: NHWC
    int64_t n, c, h, w;         // input
    int64_t p, q;               // output height and width
    int32_t kh, kw, sh, sw, ph, pw, dh, dw;
    int32_t count_include_pad;  // avg
    int32_t divisor_override;   // avg; 0: none

    RK_HD int64_t planes() const { return n * c; }
    RK_HD int64_t plane_in() const { return h * w; }
    RK_HD int64_t plane_out() const { return p * q; }
    RK_HD int64_t x_count() const { return n * c * h * w; }
    RK_HD int64_t y_count() const { return n * c * p * q; }
    // Offset of plane (ni, ci)'s first element and the stride between its elements, in the input and the output.
    RK_HD int64_t in_plane_offset(int64_t ni, int64_t ci) const { return nhwc ? ni * h * w * c + ci : (ni * c + ci) * h * w; }
    RK_HD int64_t out_plane_offset(int64_t ni, int64_t ci) const { return nhwc ? ni * p * q * c + ci : (ni * c + ci) * p * q; }
    RK_HD int64_t elem_stride() const { return nhwc ? c : 1; }
};

// PyTorch's output size: floor((in + 2 pad - dil (k - 1) - 1 + (ceil ? s - 1 : 0)) / s) + 1, less one when ceil_mode
// and the last window would start past the input and its left padding ((o - 1) s >= in + pad). May be < 1 (invalid).
RK_HD int64_t pool_output_size(int64_t in, int64_t k, int64_t s, int64_t pad, int64_t dil, bool ceil_mode) {
    const int64_t span = in + 2 * pad - dil * (k - 1) - 1 + (ceil_mode ? s - 1 : 0);
    const int64_t floor_div = span >= 0 ? span / s : -((-span + s - 1) / s);
    int64_t o = floor_div + 1;
    if (ceil_mode && o >= 1 && (o - 1) * s >= in + pad) --o;
    return o;
}

// The first index of a window start >= 0 along one axis: start + ceil(-start / d) * d for start < 0.
RK_HD int64_t pool_first_in_range(int64_t start, int64_t d) {
    return start >= 0 ? start : start + ((-start + d - 1) / d) * d;
}

// ---- MaxPool2d -------------------------------------------------------------------------------------------------------

// The forward of output (op, oq) of one plane: y and the index h*W + w.
RK_HD void max_pool_at(const PoolGeometry& g, const float* plane, int64_t cs, int64_t op, int64_t oq, float& y,
                       int64_t& index) {
    const int64_t hs = op * g.sh - g.ph, ws = oq * g.sw - g.pw;
    const int64_t h0 = pool_first_in_range(hs, g.dh), w0 = pool_first_in_range(ws, g.dw);
    const int64_t h_end = hs + int64_t{g.dh} * (g.kh - 1) + 1, w_end = ws + int64_t{g.dw} * (g.kw - 1) + 1;
    float mx = ScalarLanes::as_f32(0xFF800000u);  // -Inf
    int64_t at = h0 * g.w + w0;
    for (int64_t hh = h0; hh < h_end && hh < g.h; hh += g.dh)
        for (int64_t ww = w0; ww < w_end && ww < g.w; ww += g.dw) {
            const float v = plane[(hh * g.w + ww) * cs];
            if (v > mx || v != v) {
                mx = v;
                at = hh * g.w + ww;
            }
        }
    y = mx;
    index = at;
}

// The outputs along one axis whose window contains input position x, ascending: o = (x + pad - i d) / s for the taps
// i with x + pad - i d >= 0 divisible by s and o < out (i descending gives o ascending). Calls fn(o) for each.
template <class Fn>
RK_HD void pool_windows_containing(int64_t x, int64_t out, int32_t k, int32_t s, int32_t pad, int32_t d, Fn fn) {
    for (int32_t i = k - 1; i >= 0; --i) {
        const int64_t t = x + pad - int64_t{i} * d;
        if (t < 0 || t % s != 0) continue;
        const int64_t o = t / s;
        if (o >= out) break;
        fn(o);
    }
}

// One step of a max-pooling gather: output o's gradient joins input `target`'s when o's index names it.
RK_HD float max_pool_grad_step(float acc, int64_t index, int64_t target, float dy) {
    return index == target ? ScalarLanes::fadd(acc, dy) : acc;
}

// One step of an average-pooling gather: output o's gradient over its divisor d (as float); over any lanes type.
template <class L = ScalarLanes>
RK_HD typename L::f32 avg_pool_grad_step(typename L::f32 acc, typename L::f32 dy, typename L::f32 d) {
    return L::fadd(acc, L::fdiv(dy, d));
}

// The backward (gather) of input (ih, iw) of one plane: dy and indices of the plane's outputs, element stride cs.
RK_HD float max_pool_backward_at(const PoolGeometry& g, const float* dy, const int64_t* indices, int64_t cs, int64_t ih,
                                 int64_t iw) {
    float acc = 0.0f;
    const int64_t target = ih * g.w + iw;
    pool_windows_containing(ih, g.p, g.kh, g.sh, g.ph, g.dh, [&](int64_t op) {
        pool_windows_containing(iw, g.q, g.kw, g.sw, g.pw, g.dw, [&](int64_t oq) {
            const int64_t o = (op * g.q + oq) * cs;
            acc = max_pool_grad_step(acc, indices[o], target, dy[o]);
        });
    });
    return acc;
}

// ---- AvgPool2d -------------------------------------------------------------------------------------------------------

// One axis of an average-pooling window o: the window [o s - pad, o s - pad + k) clipped to [-pad, in + pad) has
// `pool` positions (its part of the pool size), clipped to [0, in) it is [r0, r1) (the summed positions).
struct AvgExtent {
    int64_t r0, r1, pool;
};
RK_HD AvgExtent avg_pool_extent(int64_t o, int64_t in, int32_t k, int32_t s, int32_t pad) {
    const int64_t start = o * s - pad;
    const int64_t end = start + k < in + pad ? start + k : in + pad;
    return AvgExtent{start > 0 ? start : 0, end < in ? end : in, end - start};
}

// The divisor d of a window from its two extents (before its conversion to float); 0 when the summed window is empty.
RK_HD int64_t avg_pool_divisor_of(const PoolGeometry& g, const AvgExtent& eh, const AvgExtent& ew) {
    if (eh.r0 >= eh.r1 || ew.r0 >= ew.r1) return 0;
    if (g.divisor_override != 0) return g.divisor_override;
    return g.count_include_pad ? eh.pool * ew.pool : (eh.r1 - eh.r0) * (ew.r1 - ew.r0);
}

// The divisor d of output (op, oq).
RK_HD int64_t avg_pool_divisor(const PoolGeometry& g, int64_t op, int64_t oq) {
    return avg_pool_divisor_of(g, avg_pool_extent(op, g.h, g.kh, g.sh, g.ph), avg_pool_extent(oq, g.w, g.kw, g.sw, g.pw));
}

// The forward of output (op, oq) of one plane.
RK_HD float avg_pool_at(const PoolGeometry& g, const float* plane, int64_t cs, int64_t op, int64_t oq) {
    const AvgExtent eh = avg_pool_extent(op, g.h, g.kh, g.sh, g.ph), ew = avg_pool_extent(oq, g.w, g.kw, g.sw, g.pw);
    if (eh.r0 >= eh.r1 || ew.r0 >= ew.r1) return 0.0f;
    float sum = 0.0f;
    for (int64_t hh = eh.r0; hh < eh.r1; ++hh)
        for (int64_t ww = ew.r0; ww < ew.r1; ++ww) sum = ScalarLanes::fadd(sum, plane[(hh * g.w + ww) * cs]);
    return ScalarLanes::fdiv(sum, static_cast<float>(avg_pool_divisor_of(g, eh, ew)));
}

// The backward (gather) of input (ih, iw) of one plane.
RK_HD float avg_pool_backward_at(const PoolGeometry& g, const float* dy, int64_t cs, int64_t ih, int64_t iw) {
    float acc = 0.0f;
    pool_windows_containing(ih, g.p, g.kh, g.sh, g.ph, 1, [&](int64_t op) {
        pool_windows_containing(iw, g.q, g.kw, g.sw, g.pw, 1, [&](int64_t oq) {
            acc = avg_pool_grad_step(acc, dy[(op * g.q + oq) * cs], static_cast<float>(avg_pool_divisor(g, op, oq)));
        });
    });
    return acc;
}

// ---- Global average pooling -----------------------------------------------------------------------------------------

// (float)(H*W), the divisor of global average pooling.
RK_HD float global_avg_divisor(const PoolGeometry& g) { return static_cast<float>(g.h * g.w); }

// Global average of a plane from its canonical sum; over any lanes type (several channels' sums at once).
template <class L = ScalarLanes>
RK_HD typename L::f32 global_avg_from_sum(const PoolGeometry& g, typename L::f32 sum) {
    return L::fdiv(sum, L::fsplat(global_avg_divisor(g)));
}


// The forward of one plane, scalar (the canonical sum over h*W + w).
RK_HD float global_avg_pool_ref(const PoolGeometry& g, const float* plane, int64_t cs) {
    return global_avg_from_sum(g, canonical_sum(g.h * g.w, [&](int64_t i) { return plane[i * cs]; }));
}

// The backward value of every element of a plane.
RK_HD float global_avg_pool_grad(const PoolGeometry& g, float dy) { return ScalarLanes::fdiv(dy, global_avg_divisor(g)); }

}  // namespace rk::core
