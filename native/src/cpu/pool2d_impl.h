// Pooling kernels for one ISA, written once over an ISA description I. Include only from the pool2d_<isa>.cpp files,
// with I defined in their anonymous namespace (so every instantiation keeps its file's ISA flags).
//
// I provides the lanes interface of core/lanes_scalar.h plus
//   load_strided(p, s)       lanes p[0], p[s], p[2 s], ... (reads no other float)
//   store_index64(dst, v)    W int64 values from W non-negative int32 lanes
//   eq_index64(p, t)         the mask of lanes k with p[k] == t (W int64 values)
//
// Vector lanes always run independent outputs (NCHW forward: output columns; NHWC: channels), each through the same
// operations as the core's per-output functions (core/pool2d.h), which the kernels call for the edges and tails. The
// NCHW forward's vector path covers the columns whose windows lie inside the input; others go through the core.
#pragma once

#include <cstdint>

#include "../core/canonical_sum.h"
#include "../core/pool2d.h"
#include "pool2d_kernels.h"

namespace rk::cpu {

template <class I>
struct PoolRows {
    using f32 = typename I::f32;
    using u32 = typename I::u32;
    using mask = typename I::mask;
    using S = core::ScalarLanes;
    static constexpr int W = I::kWidth;

    static float minus_inf() { return S::as_f32(0xFF800000u); }

    // lane * s as int32 lanes.
    static u32 lane_times(int64_t s) {
        alignas(64) uint32_t v[W];
        for (int l = 0; l < W; ++l) v[l] = static_cast<uint32_t>(l * s);
        return I::uload(v);
    }

    // Whether window positions h * W + w of planes of this shape (with the first-row overshoot of max pooling) fit
    // int32 lanes.
    static bool index_fits_int32(const core::PoolGeometry& g) {
        return (g.h + g.dh + 1) * (g.w + g.dw + 1) < (int64_t{1} << 31);
    }

    // The interior output columns [q_lo, q_hi): windows entirely inside [0, W).
    static void interior_columns(const core::PoolGeometry& g, int64_t& q_lo, int64_t& q_hi) {
        q_lo = (g.pw + g.sw - 1) / g.sw;
        const int64_t last = g.w - 1 + g.pw - int64_t{g.dw} * (g.kw - 1);  // q * sw <= last
        q_hi = last < 0 ? 0 : last / g.sw + 1;
        if (q_hi > g.q) q_hi = g.q;
        if (q_hi < q_lo) q_hi = q_lo;
    }

    // The interior output rows [p_lo, p_hi): windows entirely inside [0, H).
    static void interior_rows(const core::PoolGeometry& g, int64_t& p_lo, int64_t& p_hi) {
        p_lo = (g.ph + g.sh - 1) / g.sh;
        const int64_t last = g.h - 1 + g.ph - int64_t{g.dh} * (g.kh - 1);  // p * sh <= last
        p_hi = last < 0 ? 0 : last / g.sh + 1;
        if (p_hi > g.p) p_hi = g.p;
        if (p_hi < p_lo) p_hi = p_lo;
    }

    // ---- Forward ----------------------------------------------------------------------------------------------------

    static void forward(const PoolKernelArgs& k, int64_t begin, int64_t end) {
        if (k.a->g.nhwc) forward_nhwc(k, begin, end);
        else if (across_planes(k.a->g)) forward_nchw_planes(k, begin, end);
        else forward_nchw(k, begin, end);
    }

    // NCHW max pooling whose interior output columns are fewer than the lanes, so that the row path below would run
    // them all through the core: lanes run W planes at one output instead (forward_nchw_planes). Needs the planes'
    // positions (and W of them apart, for load_strided's gather) to fit int32 lanes.
    static bool across_planes(const core::PoolGeometry& g) {
        if (W == 1 || g.mode != core::PoolMode::kMax || !index_fits_int32(g)) return false;
        if (g.h * g.w * W >= (int64_t{1} << 31)) return false;
        int64_t q_lo, q_hi;
        interior_columns(g, q_lo, q_hi);
        return q_hi - q_lo < W;
    }

    // NCHW max pooling across planes. Units are numbered p * planes + plane here (the units' set is the same, only the
    // numbering differs, so the op's split is unchanged): a range holds runs of consecutive planes at one output row.
    // Lanes run W consecutive planes at one output (p, q), in core::max_pool_at's order (rows, then columns,
    // ascending; the window's positions and indices are the same in every lane); outputs whose window is not interior,
    // and the planes left over from whole vectors, go through the core.
    static void forward_nchw_planes(const PoolKernelArgs& k, int64_t begin, int64_t end) {
        const backend::PoolArgs& a = *k.a;
        const core::PoolGeometry& g = a.g;
        const int64_t planes = g.planes(), hw = g.h * g.w, pq = g.p * g.q;
        int64_t p_lo, p_hi, q_lo, q_hi;
        interior_rows(g, p_lo, p_hi);
        interior_columns(g, q_lo, q_hi);
        for (int64_t u = begin; u < end;) {
            const int64_t p = u / planes, first = u % planes;
            const int64_t last = (end - p * planes < planes ? end - p * planes : planes);  // planes [first, last)
            const int64_t hs = p * g.sh - g.ph;
            const bool row_interior = p >= p_lo && p < p_hi;
            auto scalar = [&](int64_t plane, int64_t q) {
                int64_t index;
                core::max_pool_at(g, a.in + plane * hw, 1, p, q, a.out[plane * pq + p * g.q + q], index);
                if (a.indices_out) a.indices_out[plane * pq + p * g.q + q] = index;
            };
            int64_t plane = first;
            for (; plane + W <= last; plane += W) {
                const float* xs = a.in + plane * hw;
                for (int64_t q = 0; q < g.q; ++q) {
                    if (!row_interior || q < q_lo || q >= q_hi) {
                        for (int l = 0; l < W; ++l) scalar(plane + l, q);
                        continue;
                    }
                    const int64_t ws = q * g.sw - g.pw;
                    f32 mx = I::fsplat(minus_inf());
                    u32 idx = I::usplat(static_cast<uint32_t>(hs * g.w + ws));
                    for (int64_t h = hs; h < hs + int64_t{g.dh} * g.kh; h += g.dh)
                        for (int64_t w = ws; w < ws + int64_t{g.dw} * g.kw; w += g.dw) {
                            const f32 v = I::load_strided(xs + h * g.w + w, hw);
                            const mask m = I::mor(I::fgt(v, mx), I::fisnan(v));
                            mx = I::fselect(m, v, mx);
                            idx = I::uselect(m, I::usplat(static_cast<uint32_t>(h * g.w + w)), idx);
                        }
                    alignas(64) float ys[W];
                    alignas(64) int64_t is[W];
                    I::fstore(ys, mx);
                    I::store_index64(is, idx);
                    const int64_t o = plane * pq + p * g.q + q;
                    for (int l = 0; l < W; ++l) a.out[o + l * pq] = ys[l];
                    if (a.indices_out)
                        for (int l = 0; l < W; ++l) a.indices_out[o + l * pq] = is[l];
                }
            }
            for (; plane < last; ++plane)
                for (int64_t q = 0; q < g.q; ++q) scalar(plane, q);
            u = p * planes + last;
        }
    }

    static void forward_nchw(const PoolKernelArgs& k, int64_t begin, int64_t end) {
        const backend::PoolArgs& a = *k.a;
        const core::PoolGeometry& g = a.g;
        const bool max = g.mode == core::PoolMode::kMax;
        int64_t q_lo, q_hi;
        interior_columns(g, q_lo, q_hi);
        const bool vector_ok = index_fits_int32(g);
        const u32 lane_sw = lane_times(g.sw);
        for (int64_t u = begin; u < end; ++u) {
            const int64_t plane = u / g.p, p = u % g.p;
            const float* xp = a.in + plane * g.h * g.w;
            float* yp = a.out + plane * g.p * g.q + p * g.q;
            int64_t* ip = a.indices_out ? a.indices_out + plane * g.p * g.q + p * g.q : nullptr;
            auto scalar = [&](int64_t q) {
                if (max) {
                    int64_t index;
                    core::max_pool_at(g, xp, 1, p, q, yp[q], index);
                    if (ip) ip[q] = index;
                } else {
                    yp[q] = core::avg_pool_at(g, xp, 1, p, q);
                }
            };
            int64_t q = 0;
            for (; q < q_lo; ++q) scalar(q);
            if (vector_ok) {
                if (max) {
                    const int64_t hs = p * g.sh - g.ph, h0 = core::pool_first_in_range(hs, g.dh);
                    const int64_t h_end = hs + int64_t{g.dh} * (g.kh - 1) + 1 < g.h ? hs + int64_t{g.dh} * (g.kh - 1) + 1 : g.h;
                    for (; q + W <= q_hi; q += W) {
                        const int64_t ws = q * g.sw - g.pw;
                        f32 mx = I::fsplat(minus_inf());
                        u32 idx = I::uadd(I::usplat(static_cast<uint32_t>(h0 * g.w + ws)), lane_sw);
                        for (int64_t h = h0; h < h_end; h += g.dh) {
                            const float* row = xp + h * g.w;
                            for (int32_t j = 0; j < g.kw; ++j) {
                                const int64_t col = ws + int64_t{j} * g.dw;
                                const f32 v = I::load_strided(row + col, g.sw);
                                const mask m = I::mor(I::fgt(v, mx), I::fisnan(v));
                                mx = I::fselect(m, v, mx);
                                idx = I::uselect(m, I::uadd(I::usplat(static_cast<uint32_t>(h * g.w + col)), lane_sw), idx);
                            }
                        }
                        I::fstore(yp + q, mx);
                        if (ip) I::store_index64(ip + q, idx);
                    }
                } else if (q + W <= q_hi) {
                    const core::AvgExtent eh = k.avg_rows[p], ew = k.avg_cols[q];
                    if (eh.r0 < eh.r1) {  // interior columns share the column extent's lengths, hence the divisor
                        const f32 d = I::fsplat(static_cast<float>(core::avg_pool_divisor_of(g, eh, ew)));
                        for (; q + W <= q_hi; q += W) {
                            const int64_t ws = q * g.sw - g.pw;
                            f32 sum = I::fsplat(0.0f);
                            for (int64_t h = eh.r0; h < eh.r1; ++h)
                                for (int32_t j = 0; j < g.kw; ++j)
                                    sum = I::fadd(sum, I::load_strided(xp + h * g.w + ws + j, g.sw));
                            I::fstore(yp + q, I::fdiv(sum, d));
                        }
                    }
                }
            }
            for (; q < g.q; ++q) scalar(q);
        }
    }

    static void forward_nhwc(const PoolKernelArgs& k, int64_t begin, int64_t end) {
        const backend::PoolArgs& a = *k.a;
        const core::PoolGeometry& g = a.g;
        const bool max = g.mode == core::PoolMode::kMax;
        const int64_t C = g.c, cv = index_fits_int32(g) || !max ? C / W * W : 0;  // channels in full vectors
        for (int64_t u = begin; u < end; ++u) {
            const int64_t n = u / g.p, p = u % g.p;
            const float* xn = a.in + n * g.h * g.w * C;
            const int64_t hs = p * g.sh - g.ph;
            for (int64_t q = 0; q < g.q; ++q) {
                const int64_t o = ((n * g.p + p) * g.q + q) * C;
                float* yo = a.out + o;
                if (max) {
                    const int64_t ws = q * g.sw - g.pw;
                    const int64_t h0 = core::pool_first_in_range(hs, g.dh), w0 = core::pool_first_in_range(ws, g.dw);
                    const int64_t h_end = hs + int64_t{g.dh} * (g.kh - 1) + 1 < g.h ? hs + int64_t{g.dh} * (g.kh - 1) + 1 : g.h;
                    const int64_t w_end = ws + int64_t{g.dw} * (g.kw - 1) + 1 < g.w ? ws + int64_t{g.dw} * (g.kw - 1) + 1 : g.w;
                    for (int64_t c = 0; c < cv; c += W) {
                        f32 mx = I::fsplat(minus_inf());
                        u32 idx = I::usplat(static_cast<uint32_t>(h0 * g.w + w0));
                        for (int64_t h = h0; h < h_end; h += g.dh)
                            for (int64_t w = w0; w < w_end; w += g.dw) {
                                const f32 v = I::fload(xn + (h * g.w + w) * C + c);
                                const mask m = I::mor(I::fgt(v, mx), I::fisnan(v));
                                mx = I::fselect(m, v, mx);
                                idx = I::uselect(m, I::usplat(static_cast<uint32_t>(h * g.w + w)), idx);
                            }
                        I::fstore(yo + c, mx);
                        if (a.indices_out) I::store_index64(a.indices_out + o + c, idx);
                    }
                    for (int64_t c = cv; c < C; ++c) {
                        int64_t index;
                        core::max_pool_at(g, xn + c, C, p, q, yo[c], index);
                        if (a.indices_out) a.indices_out[o + c] = index;
                    }
                } else {
                    const core::AvgExtent eh = k.avg_rows[p], ew = k.avg_cols[q];
                    const int64_t divisor = core::avg_pool_divisor_of(g, eh, ew);
                    if (divisor == 0) {  // empty summed window: +0
                        for (int64_t c = 0; c < C; ++c) yo[c] = 0.0f;
                        continue;
                    }
                    const f32 d = I::fsplat(static_cast<float>(divisor));
                    for (int64_t c = 0; c < cv; c += W) {
                        f32 sum = I::fsplat(0.0f);
                        for (int64_t h = eh.r0; h < eh.r1; ++h)
                            for (int64_t w = ew.r0; w < ew.r1; ++w) sum = I::fadd(sum, I::fload(xn + (h * g.w + w) * C + c));
                        I::fstore(yo + c, I::fdiv(sum, d));
                    }
                    for (int64_t c = cv; c < C; ++c) yo[c] = core::avg_pool_at(g, xn + c, C, p, q);
                }
            }
        }
    }

    // ---- Backward (a gather per input element) ------------------------------------------------------------------------

    // The outputs along the height whose window contains row h, ascending, into rows[] (at most kh; returns the count).
    static int64_t rows_containing(const core::PoolGeometry& g, int64_t h, int64_t* rows) {
        int64_t n = 0;
        core::pool_windows_containing(h, g.p, g.kh, g.sh, g.ph, g.dh, [&](int64_t op) { rows[n++] = op; });
        return n;
    }

    // Calls fn(q) for the outputs along the width whose window contains column w, ascending.
    template <class Fn>
    static void for_cols(const PoolKernelArgs& k, int64_t w, Fn fn) {
        const core::PoolGeometry& g = k.a->g;
        if (k.col_start) {
            for (int64_t i = k.col_start[w]; i < k.col_start[w + 1]; ++i) fn(k.col_list[i]);
        } else {
            core::pool_windows_containing(w, g.q, g.kw, g.sw, g.pw, g.dw, fn);
        }
    }

    static float avg_divisor(const PoolKernelArgs& k, int64_t op, int64_t oq) {
        return static_cast<float>(core::avg_pool_divisor_of(k.a->g, k.avg_rows[op], k.avg_cols[oq]));
    }

    static void backward(const PoolKernelArgs& k, int64_t begin, int64_t end) {
        if (k.a->g.nhwc) backward_nhwc(k, begin, end);
        else backward_nchw(k, begin, end);
    }

    // Rows of candidates are at most kh long; longer kernels enumerate them in pieces of this many.
    static constexpr int64_t kRowBuffer = 64;

    static void backward_nchw(const PoolKernelArgs& k, int64_t begin, int64_t end) {
        if (k.owner) {
            backward_nchw_scatter(k, begin, end);
            return;
        }
        const backend::PoolArgs& a = *k.a;
        const core::PoolGeometry& g = a.g;
        const bool max = g.mode == core::PoolMode::kMax;
        for (int64_t u = begin; u < end; ++u) {
            const int64_t plane = u / g.h, h = u % g.h;
            const float* dy = a.in + plane * g.p * g.q;
            const int64_t* idx = max ? a.indices_in + plane * g.p * g.q : nullptr;
            float* dx = a.out + plane * g.h * g.w + h * g.w;
            if (g.kh > kRowBuffer) {  // long kernels: the core's per-element gather
                for (int64_t w = 0; w < g.w; ++w)
                    dx[w] = max ? core::max_pool_backward_at(g, dy, idx, 1, h, w) : core::avg_pool_backward_at(g, dy, 1, h, w);
                continue;
            }
            int64_t rows[kRowBuffer];
            const int64_t nrows = rows_containing(g, h, rows);
            for (int64_t w = 0; w < g.w; ++w) {
                float acc = 0.0f;
                const int64_t target = h * g.w + w;
                for (int64_t r = 0; r < nrows; ++r) {
                    const int64_t op = rows[r];
                    for_cols(k, w, [&](int64_t oq) {
                        const int64_t o = op * g.q + oq;
                        if (max) {
                            acc = core::max_pool_grad_step(acc, idx[o], target, dy[o]);
                        } else {
                            acc = core::avg_pool_grad_step(acc, dy[o], avg_divisor(k, op, oq));
                        }
                    });
                }
                dx[w] = acc;
            }
        }
    }

    // NCHW max pooling whose windows do not overlap (k.owner set; units are planes): a scatter. Each element of dx has
    // at most one candidate, owner[h * W + w]; the gather's result is +0, plus dy[o] where o's index names the element.
    // So the plane is set to +0, then each output o whose index names an element of its own window takes that element's
    // step of max_pool_grad_step (from +0): the same single step the gather takes there, and none elsewhere.
    static void backward_nchw_scatter(const PoolKernelArgs& k, int64_t begin, int64_t end) {
        const backend::PoolArgs& a = *k.a;
        const core::PoolGeometry& g = a.g;
        const int64_t hw = g.h * g.w, pq = g.p * g.q;
        for (int64_t plane = begin; plane < end; ++plane) {
            const float* dy = a.in + plane * pq;
            const int64_t* idx = a.indices_in + plane * pq;
            float* dx = a.out + plane * hw;
            for (int64_t i = 0; i < hw; ++i) dx[i] = 0.0f;
            for (int64_t o = 0; o < pq; ++o) {
                const int64_t t = idx[o];
                if (static_cast<uint64_t>(t) < static_cast<uint64_t>(hw) && k.owner[t] == o)
                    dx[t] = core::max_pool_grad_step(dx[t], t, t, dy[o]);
            }
        }
    }

    static void backward_nhwc(const PoolKernelArgs& k, int64_t begin, int64_t end) {
        const backend::PoolArgs& a = *k.a;
        const core::PoolGeometry& g = a.g;
        const bool max = g.mode == core::PoolMode::kMax;
        const int64_t C = g.c, cv = C / W * W;
        for (int64_t u = begin; u < end; ++u) {
            const int64_t n = u / g.h, h = u % g.h;
            const float* dyn = a.in + n * g.p * g.q * C;
            const int64_t* idxn = max ? a.indices_in + n * g.p * g.q * C : nullptr;
            float* dxr = a.out + (n * g.h + h) * g.w * C;
            if (g.kh > kRowBuffer) {
                for (int64_t w = 0; w < g.w; ++w)
                    for (int64_t c = 0; c < C; ++c)
                        dxr[w * C + c] = max ? core::max_pool_backward_at(g, dyn + c, idxn + c, C, h, w)
                                             : core::avg_pool_backward_at(g, dyn + c, C, h, w);
                continue;
            }
            int64_t rows[kRowBuffer];
            const int64_t nrows = rows_containing(g, h, rows);
            for (int64_t w = 0; w < g.w; ++w) {
                float* dx = dxr + w * C;
                const int64_t target = h * g.w + w;
                for (int64_t c = 0; c < cv; c += W) {
                    f32 acc = I::fsplat(0.0f);
                    for (int64_t r = 0; r < nrows; ++r) {
                        const int64_t op = rows[r];
                        for_cols(k, w, [&](int64_t oq) {
                            const int64_t o = (op * g.q + oq) * C + c;
                            if (max) {
                                const mask m = I::eq_index64(idxn + o, target);
                                acc = I::fselect(m, I::fadd(acc, I::fload(dyn + o)), acc);
                            } else {
                                acc = core::avg_pool_grad_step<I>(acc, I::fload(dyn + o), I::fsplat(avg_divisor(k, op, oq)));
                            }
                        });
                    }
                    I::fstore(dx + c, acc);
                }
                for (int64_t c = cv; c < C; ++c) {
                    float acc = 0.0f;
                    for (int64_t r = 0; r < nrows; ++r) {
                        const int64_t op = rows[r];
                        for_cols(k, w, [&](int64_t oq) {
                            const int64_t o = (op * g.q + oq) * C + c;
                            if (max) {
                                acc = core::max_pool_grad_step(acc, idxn[o], target, dyn[o]);
                            } else {
                                acc = core::avg_pool_grad_step(acc, dyn[o], avg_divisor(k, op, oq));
                            }
                        });
                    }
                    dx[c] = acc;
                }
            }
        }
    }

    // ---- Global average pooling -------------------------------------------------------------------------------------

    static void global_forward(const PoolKernelArgs& k, int64_t begin, int64_t end) {
        const backend::PoolArgs& a = *k.a;
        const core::PoolGeometry& g = a.g;
        const int64_t hw = g.h * g.w;
        if (!g.nhwc) {
            for (int64_t plane = begin; plane < end; ++plane)
                a.out[plane] = core::global_avg_from_sum(g, core::canonical_sum_lanes<I>(a.in + plane * hw, hw));
            return;
        }
        const int64_t C = g.c, blocks = (C + kGlobalChannelBlock - 1) / kGlobalChannelBlock;
        for (int64_t u = begin; u < end; ++u) {
            const int64_t n = u / blocks, c_begin = u % blocks * kGlobalChannelBlock;
            const int64_t c_end = c_begin + kGlobalChannelBlock < C ? c_begin + kGlobalChannelBlock : C;
            const float* xn = a.in + n * hw * C;
            int64_t c = c_begin;
            for (; c + W <= c_end; c += W) I::fstore(a.out + n * C + c, core::global_avg_from_sum<I>(g, channels_sum(xn + c, hw, C)));
            for (; c < c_end; ++c) a.out[n * C + c] = core::global_avg_pool_ref(g, xn + c, C);
        }
    }

    // The canonical sums of W channels at once over hw positions of stride C: lane l of the definition (positions
    // l, l + 16, ... of a chunk) is register acc[l], holding that lane for W channels; the tree and the chunk order
    // are the core's, applied to whole registers.
    static f32 channels_sum(const float* x, int64_t hw, int64_t C) {
        f32 total = I::fsplat(0.0f);
        for (int64_t c0 = 0; c0 < hw; c0 += core::kSumChunk) {
            const int64_t m = hw - c0 < core::kSumChunk ? hw - c0 : core::kSumChunk;
            const float* v = x + c0 * C;
            f32 acc[core::kSumLanes];
            for (int l = 0; l < core::kSumLanes; ++l) acc[l] = I::fsplat(0.0f);
            int64_t i = 0;
            for (; i + core::kSumLanes <= m; i += core::kSumLanes)
                for (int l = 0; l < core::kSumLanes; ++l) acc[l] = I::fadd(acc[l], I::fload(v + (i + l) * C));
            for (int l = 0; i + l < m; ++l) acc[l] = I::fadd(acc[l], I::fload(v + (i + l) * C));
            f32 t[8], uu[4];
            for (int l = 0; l < 8; ++l) t[l] = I::fadd(acc[l], acc[l + 8]);
            for (int l = 0; l < 4; ++l) uu[l] = I::fadd(t[l], t[l + 4]);
            total = I::fadd(total, I::fadd(I::fadd(uu[0], uu[2]), I::fadd(uu[1], uu[3])));
        }
        return total;
    }

    static void global_backward(const PoolKernelArgs& k, int64_t begin, int64_t end) {
        const backend::PoolArgs& a = *k.a;
        const core::PoolGeometry& g = a.g;
        const int64_t hw = g.h * g.w;
        if (!g.nhwc) {
            for (int64_t plane = begin; plane < end; ++plane) {
                const f32 v = I::fsplat(k.global_grad[plane]);
                float* dx = a.out + plane * hw;
                int64_t i = 0;
                for (; i + W <= hw; i += W) I::fstore(dx + i, v);
                for (; i < hw; ++i) dx[i] = k.global_grad[plane];
            }
            return;
        }
        const int64_t C = g.c;
        for (int64_t n = begin; n < end; ++n) {
            const float* gr = k.global_grad + n * C;
            for (int64_t pos = 0; pos < hw; ++pos) {
                float* dx = a.out + (n * hw + pos) * C;
                int64_t c = 0;
                for (; c + W <= C; c += W) I::fstore(dx + c, I::fload(gr + c));
                for (; c < C; ++c) dx[c] = gr[c];
            }
        }
    }

    static PoolKernels table(const char* name) { return PoolKernels{name, forward, backward, global_forward, global_backward}; }
};

}  // namespace rk::cpu
