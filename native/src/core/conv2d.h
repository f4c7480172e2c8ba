// Conv2d: the canonical functions (docs/conv.md), written once.
//
// - Direct (= implicit GEMM) forward, backward-data, backward-weights and bias gradient: the per-output FMA chains,
//   as plain reference functions (conv_*_ref) that every fast path must match bit for bit.
// - Winograd F(2x2,3x3) and F(4x4,3x3): the 1-D transforms (fixed evaluation order, float32 constants) and their
//   2-D application, templated over the lanes type; a backend runs them with one tile or channel per lane.
// - FFT convolution on 16x16 tiles: the twiddle table, the radix-2 FFT of length 16 and the 2-D real forward /
//   complex-to-real inverse transforms, templated over the lanes type.
// Every backend instantiates these; none re-implements them.
#pragma once

#include <cstdint>

#include "lanes_scalar.h"
#include "rk_platform.h"

namespace rk::core {

// Positions per chunk of the weight- and bias-gradient reductions (RK_CONV_REDUCTION_CHUNK).
constexpr int64_t kConvReductionChunk = 256;

// A validated conv2d problem. Indices are logical (n, c, h, w); `nhwc` only changes addresses.
struct ConvGeometry {
    int64_t n, c, h, w, k, r, s;
    int64_t sh, sw, pt, pb, pl, pr, dh, dw, groups;
    int64_t p, q;    // output height and width
    int64_t cg, kg;  // input / output channels per group
    bool nhwc;

    RK_HD int64_t x_index(int64_t in, int64_t ic, int64_t ih, int64_t iw) const {
        return nhwc ? ((in * h + ih) * w + iw) * c + ic : ((in * c + ic) * h + ih) * w + iw;
    }
    RK_HD int64_t y_index(int64_t in, int64_t ok, int64_t op, int64_t oq) const {
        return nhwc ? ((in * p + op) * q + oq) * k + ok : ((in * k + ok) * p + op) * q + oq;
    }
    // Weights are KCRS in both layouts: w[k][c'][r][s], c' the channel within the group.
    RK_HD int64_t w_index(int64_t ok, int64_t ic, int64_t kr, int64_t ks) const { return ((ok * cg + ic) * r + kr) * s + ks; }
    RK_HD int64_t x_count() const { return n * c * h * w; }
    RK_HD int64_t y_count() const { return n * k * p * q; }
    RK_HD int64_t w_count() const { return k * cg * r * s; }
    // Depthwise with one output channel per input channel (groups = C = K): each output channel reads one input
    // channel, so backends may vectorise across channels.
    RK_HD bool depthwise() const { return cg == 1 && kg == 1; }
};

// Output size along one axis; the caller has checked in + pad_lo + pad_hi >= dil * (kernel - 1) + 1.
RK_HD int64_t conv_output_size(int64_t in, int64_t pad_lo, int64_t pad_hi, int64_t kernel, int64_t dil, int64_t stride) {
    return (in + pad_lo + pad_hi - dil * (kernel - 1) - 1) / stride + 1;
}

// x~: the input zero-padded with +0 (any position outside the input reads +0).
RK_HD float conv_padded_x(const ConvGeometry& g, const float* x, int64_t n, int64_t c, int64_t h, int64_t w) {
    return (h >= 0 && h < g.h && w >= 0 && w < g.w) ? x[g.x_index(n, c, h, w)] : 0.0f;
}

// ---- Direct canonical functions (reference forms) ------------------------------------------------------------

// y[n][k][p][q]: acc = +0; for c' (ascending) for r for s: acc = fma(x~[..], w[k][c'][r][s], acc); y = acc + bias[k].
RK_HD float conv_forward_ref(const ConvGeometry& g, const float* x, const float* w, const float* bias, int64_t n,
                             int64_t k, int64_t p, int64_t q) {
    const int64_t grp = k / g.kg;
    float acc = 0.0f;
    for (int64_t ci = 0; ci < g.cg; ++ci)
        for (int64_t r = 0; r < g.r; ++r)
            for (int64_t s = 0; s < g.s; ++s)
                acc = ScalarLanes::ffma(
                    conv_padded_x(g, x, n, grp * g.cg + ci, p * g.sh - g.pt + r * g.dh, q * g.sw - g.pl + s * g.dw),
                    w[g.w_index(k, ci, r, s)], acc);
    return bias ? acc + bias[k] : acc;
}

// The output row (or column) a tap reaches from input coordinate `i`: (i + pad - t * dil) / stride when that is an
// exact, in-range quotient; -1 when the tap is skipped.
RK_HD int64_t conv_tap_target(int64_t i, int64_t pad, int64_t t, int64_t dil, int64_t stride, int64_t out) {
    const int64_t u = i + pad - t * dil;
    if (u < 0 || u % stride != 0) return -1;
    const int64_t o = u / stride;
    return o < out ? o : -1;
}

// dx[n][c][h][w]: acc = +0; for k' in the group (ascending) for r for s: if the tap reaches an output (p, q):
// acc = fma(dy[n][k][p][q], w[k][c'][r][s], acc). Taps that reach no output are skipped (not multiplied by 0).
RK_HD float conv_backward_data_ref(const ConvGeometry& g, const float* dy, const float* w, int64_t n, int64_t c,
                                   int64_t h, int64_t wc) {
    const int64_t grp = c / g.cg, ci = c % g.cg;
    float acc = 0.0f;
    for (int64_t kk = 0; kk < g.kg; ++kk) {
        const int64_t k = grp * g.kg + kk;
        for (int64_t r = 0; r < g.r; ++r) {
            const int64_t p = conv_tap_target(h, g.pt, r, g.dh, g.sh, g.p);
            if (p < 0) continue;
            for (int64_t s = 0; s < g.s; ++s) {
                const int64_t q = conv_tap_target(wc, g.pl, s, g.dw, g.sw, g.q);
                if (q < 0) continue;
                acc = ScalarLanes::ffma(dy[g.y_index(n, k, p, q)], w[g.w_index(k, ci, r, s)], acc);
            }
        }
    }
    return acc;
}

// dw[k][c'][r][s]: positions j = (n * P + p) * Q + q in chunks of kConvReductionChunk; chunk sum: acc = +0,
// acc = fma(dy[n][k][p][q], x~[..], acc) for j ascending; total = S_0, then total = total + S_i in chunk order.
RK_HD float conv_backward_weights_ref(const ConvGeometry& g, const float* x, const float* dy, int64_t k, int64_t ci,
                                      int64_t r, int64_t s) {
    const int64_t c = (k / g.kg) * g.cg + ci;
    const int64_t positions = g.n * g.p * g.q;
    float total = 0.0f;
    for (int64_t j0 = 0; j0 < positions; j0 += kConvReductionChunk) {
        const int64_t j1 = j0 + kConvReductionChunk < positions ? j0 + kConvReductionChunk : positions;
        float acc = 0.0f;
        for (int64_t j = j0; j < j1; ++j) {
            const int64_t n = j / (g.p * g.q), p = (j / g.q) % g.p, q = j % g.q;
            acc = ScalarLanes::ffma(dy[g.y_index(n, k, p, q)],
                                    conv_padded_x(g, x, n, c, p * g.sh - g.pt + r * g.dh, q * g.sw - g.pl + s * g.dw),
                                    acc);
        }
        total = j0 == 0 ? acc : total + acc;
    }
    return total;
}

// dbias[k]: the same chunks; chunk sum acc = +0, acc = acc + dy[n][k][p][q]; total = S_0 + S_1 + ... in order.
RK_HD float conv_backward_bias_ref(const ConvGeometry& g, const float* dy, int64_t k) {
    const int64_t positions = g.n * g.p * g.q;
    float total = 0.0f;
    for (int64_t j0 = 0; j0 < positions; j0 += kConvReductionChunk) {
        const int64_t j1 = j0 + kConvReductionChunk < positions ? j0 + kConvReductionChunk : positions;
        float acc = 0.0f;
        for (int64_t j = j0; j < j1; ++j)
            acc = acc + dy[g.y_index(j / (g.p * g.q), k, (j / g.q) % g.p, j % g.q)];
        total = j0 == 0 ? acc : total + acc;
    }
    return total;
}

// ---- Winograd F(m x m, 3 x 3) ---------------------------------------------------------------------------------
//
// Tiles of m x m outputs anchored at output (0, 0); tile (tp, tq) reads the alpha x alpha patch
// d[i][j] = x~[n][c][tp*m - pt + i][tq*m - pl + j], alpha = m + 2. Per tile and output channel k:
//   U_c = G g_c G^T (g_c = w[k][c'] 3x3),  V_c = B^T d_c B,
//   M[xi] = +0; M[xi] = fma(U_c[xi], V_c[xi], M[xi]) for c' ascending (each of the alpha^2 elements xi),
//   Y = A^T M A,  y = Y + bias[k] (outputs outside P x Q are discarded).
// A 2-D transform T X T^T applies the 1-D transform to every column of X (X's rows combined), then to every row of
// the result. The 1-D transforms are evaluated exactly as written below (fma(a, b, c) = a*b + c, one rounding).

template <class L>
struct WinogradF2 {
    using f32 = typename L::f32;
    static constexpr int kM = 2, kAlpha = 4;
    // B^T = [[1,0,-1,0],[0,1,1,0],[0,-1,1,0],[0,1,0,-1]]
    RK_HD static void input(const f32* d, f32* o) {
        o[0] = L::fsub(d[0], d[2]);
        o[1] = L::fadd(d[1], d[2]);
        o[2] = L::fsub(d[2], d[1]);
        o[3] = L::fsub(d[1], d[3]);
    }
    // G = [[1,0,0],[1/2,1/2,1/2],[1/2,-1/2,1/2],[0,0,1]]
    RK_HD static void weight(const f32* g, f32* o) {
        const f32 t = L::fadd(g[0], g[2]);
        o[0] = g[0];
        o[1] = L::fmul(L::fsplat(0.5f), L::fadd(t, g[1]));
        o[2] = L::fmul(L::fsplat(0.5f), L::fsub(t, g[1]));
        o[3] = g[2];
    }
    // A^T = [[1,1,1,0],[0,1,-1,-1]]
    RK_HD static void output(const f32* m, f32* o) {
        o[0] = L::fadd(L::fadd(m[0], m[1]), m[2]);
        o[1] = L::fsub(L::fsub(m[1], m[2]), m[3]);
    }
};

template <class L>
struct WinogradF4 {
    using f32 = typename L::f32;
    static constexpr int kM = 4, kAlpha = 6;
    // B^T = [[4,0,-5,0,1,0],[0,-4,-4,1,1,0],[0,4,-4,-1,1,0],[0,-2,-1,2,1,0],[0,2,-1,-2,1,0],[0,4,0,-5,0,1]]
    RK_HD static void input(const f32* d, f32* o) {
        const f32 a = L::ffma(L::fsplat(-4.0f), d[2], d[4]);  // d4 - 4 d2
        const f32 b = L::ffma(L::fsplat(-4.0f), d[1], d[3]);  // d3 - 4 d1
        const f32 c = L::fsub(d[4], d[2]);
        const f32 e = L::fsub(d[3], d[1]);
        o[0] = L::ffma(L::fsplat(4.0f), d[0], L::ffma(L::fsplat(-5.0f), d[2], d[4]));
        o[1] = L::fadd(a, b);
        o[2] = L::fsub(a, b);
        o[3] = L::ffma(L::fsplat(2.0f), e, c);
        o[4] = L::ffma(L::fsplat(-2.0f), e, c);
        o[5] = L::ffma(L::fsplat(4.0f), d[1], L::ffma(L::fsplat(-5.0f), d[3], d[5]));
    }
    // G = [[1/4,0,0],[-1/6,-1/6,-1/6],[-1/6,1/6,-1/6],[1/24,1/12,1/6],[1/24,-1/12,1/6],[0,0,1]], each constant the
    // float32 nearest to it: 1/6 = 0x1.555556p-3, 1/12 = 0x1.555556p-4, 1/24 = 0x1.555556p-5.
    RK_HD static void weight(const f32* g, f32* o) {
        const f32 t = L::fadd(g[0], g[2]);
        const f32 v = L::ffma(L::fsplat(0x1.555556p-5f), g[0], L::fmul(L::fsplat(0x1.555556p-3f), g[2]));
        o[0] = L::fmul(L::fsplat(0.25f), g[0]);
        o[1] = L::fmul(L::fsplat(-0x1.555556p-3f), L::fadd(t, g[1]));
        o[2] = L::fmul(L::fsplat(-0x1.555556p-3f), L::fsub(t, g[1]));
        o[3] = L::ffma(L::fsplat(0x1.555556p-4f), g[1], v);
        o[4] = L::ffma(L::fsplat(-0x1.555556p-4f), g[1], v);
        o[5] = g[2];
    }
    // A^T = [[1,1,1,1,1,0],[0,1,-1,2,-2,0],[0,1,1,4,4,0],[0,1,-1,8,-8,1]]
    RK_HD static void output(const f32* m, f32* o) {
        const f32 a = L::fadd(m[1], m[2]);
        const f32 b = L::fsub(m[1], m[2]);
        const f32 c = L::fadd(m[3], m[4]);
        const f32 e = L::fsub(m[3], m[4]);
        o[0] = L::fadd(L::fadd(m[0], a), c);
        o[1] = L::ffma(L::fsplat(2.0f), e, b);
        o[2] = L::ffma(L::fsplat(4.0f), c, a);
        o[3] = L::fadd(L::ffma(L::fsplat(8.0f), e, b), m[5]);
    }
};

// 2-D transforms on row-major arrays. in: rows x cols_in; columns first, then rows.
// Input:  d[alpha][alpha] -> v[alpha][alpha]  (B^T d B)
template <class W, class L>
RK_HD void winograd_input_2d(const typename L::f32* d, typename L::f32* v) {
    constexpr int A = W::kAlpha;
    typename L::f32 col[A], t[A], tmp[A * A];
    for (int j = 0; j < A; ++j) {
        for (int i = 0; i < A; ++i) col[i] = d[i * A + j];
        W::input(col, t);
        for (int i = 0; i < A; ++i) tmp[i * A + j] = t[i];
    }
    for (int i = 0; i < A; ++i) W::input(tmp + i * A, v + i * A);
}

// Weights: g[3][3] -> u[alpha][alpha]  (G g G^T)
template <class W, class L>
RK_HD void winograd_weight_2d(const typename L::f32* g, typename L::f32* u) {
    constexpr int A = W::kAlpha;
    typename L::f32 col[3], t[A], tmp[A * 3];
    for (int j = 0; j < 3; ++j) {
        for (int i = 0; i < 3; ++i) col[i] = g[i * 3 + j];
        W::weight(col, t);
        for (int i = 0; i < A; ++i) tmp[i * 3 + j] = t[i];
    }
    for (int i = 0; i < A; ++i) W::weight(tmp + i * 3, u + i * A);
}

// Output: m[alpha][alpha] -> y[m][m]  (A^T m A)
template <class W, class L>
RK_HD void winograd_output_2d(const typename L::f32* m, typename L::f32* y) {
    constexpr int A = W::kAlpha, M = W::kM;
    typename L::f32 col[A], t[M], tmp[M * A];
    for (int j = 0; j < A; ++j) {
        for (int i = 0; i < A; ++i) col[i] = m[i * A + j];
        W::output(col, t);
        for (int i = 0; i < M; ++i) tmp[i * A + j] = t[i];
    }
    for (int i = 0; i < M; ++i) W::output(tmp + i * A, y + i * M);
}

// Reference: the m x m outputs of tile (tp, tq), channel k, image n (outputs past P x Q included; callers discard).
template <class W>
RK_HD void winograd_forward_tile_ref(const ConvGeometry& g, const float* x, const float* w, const float* bias,
                                      int64_t n, int64_t k, int64_t tp, int64_t tq, float* out) {
    using L = ScalarLanes;
    constexpr int A = W::kAlpha, M = W::kM;
    float acc[A * A], d[A * A], v[A * A], gw[9], u[A * A];
    for (int e = 0; e < A * A; ++e) acc[e] = 0.0f;
    const int64_t grp = k / g.kg;
    for (int64_t ci = 0; ci < g.cg; ++ci) {
        for (int i = 0; i < A; ++i)
            for (int j = 0; j < A; ++j)
                d[i * A + j] = conv_padded_x(g, x, n, grp * g.cg + ci, tp * M - g.pt + i, tq * M - g.pl + j);
        for (int e = 0; e < 9; ++e) gw[e] = w[g.w_index(k, ci, e / 3, e % 3)];
        winograd_input_2d<W, L>(d, v);
        winograd_weight_2d<W, L>(gw, u);
        for (int e = 0; e < A * A; ++e) acc[e] = L::ffma(u[e], v[e], acc[e]);
    }
    winograd_output_2d<W, L>(acc, out);
    if (bias)
        for (int e = 0; e < M * M; ++e) out[e] = out[e] + bias[k];
}

// ---- FFT convolution on 16 x 16 tiles ---------------------------------------------------------------------------
//
// Output tiles of (17 - R) x (17 - S) anchored at output (0, 0); tile (tp, tq) reads the 16 x 16 patch
// d[i][j] = x~[n][c][tp*(17-R) - pt + i][tq*(17-S) - pl + j]. Per tile and output channel k:
//   D_c = F(d_c), W_c = F(w[k][c'] zero-padded to 16 x 16), V_c = conj(W_c)   (F: fft_forward_2d, 16 x 9 bins)
//   Z = +0; for c' ascending: Z = cmac(D_c, V_c, Z) per bin                  (fft_cmac)
//   z = fft_inverse_2d(Z);  y[a][b] = z[a][b] * 2^-8 + bias[k]   (a < 17 - R, b < 17 - S; the rest discarded)
constexpr int kFftSize = 16;
constexpr int kFftBins = 16 * 9;  // u in [0, 16), v in [0, 8]: bin u * 9 + v
constexpr float kFftScale = 0.00390625f;  // 2^-8 = 1 / (16 * 16), exact

// exp(-2 pi i j / 16) for j = 0..7 as float32 (each the float nearest the real value): re = cos, im = -sin.
// cos(pi/8) = 0x1.d906bcp-1, sin(pi/8) = 0x1.87de2ap-2, cos(pi/4) = sin(pi/4) = 0x1.6a09e6p-1.
struct FftTwiddles {
    RK_HD static constexpr float re(int j) {
        switch (j) {
            case 0: return 1.0f;
            case 1: return 0x1.d906bcp-1f;
            case 2: return 0x1.6a09e6p-1f;
            case 3: return 0x1.87de2ap-2f;
            case 4: return 0.0f;
            case 5: return -0x1.87de2ap-2f;
            case 6: return -0x1.6a09e6p-1f;
            default: return -0x1.d906bcp-1f;
        }
    }
    RK_HD static constexpr float im(int j) {
        switch (j) {
            case 0: return 0.0f;
            case 1: return -0x1.87de2ap-2f;
            case 2: return -0x1.6a09e6p-1f;
            case 3: return -0x1.d906bcp-1f;
            case 4: return -1.0f;
            case 5: return -0x1.d906bcp-1f;
            case 6: return -0x1.6a09e6p-1f;
            default: return -0x1.87de2ap-2f;
        }
    }
};

// In-place radix-2 decimation-in-time FFT of length 16 (inverse: conjugate twiddles, no scaling). Inputs are taken in
// bit-reversed order; stages of half-size 1, 2, 4, 8; in a stage the butterfly (a, b) at offset j uses twiddle
// index t = j * 8 / half: t = 0 multiplies by 1 (t = b), t = 4 by -i (+i inverse: exact swaps and negations), other
// t by the table: tr = fma(wr, br, -(wi * bi)), ti = fma(wr, bi, wi * br); then a' = a + t, b' = a - t.
template <class L>
RK_HD void fft16(typename L::f32* re, typename L::f32* im, bool inverse) {
    using f32 = typename L::f32;
    constexpr int kRev[16] = {0, 8, 4, 12, 2, 10, 6, 14, 1, 9, 5, 13, 3, 11, 7, 15};
    f32 ar[16], ai[16];
    for (int i = 0; i < 16; ++i) {
        ar[i] = re[kRev[i]];
        ai[i] = im[kRev[i]];
    }
    for (int half = 1; half < 16; half *= 2) {
        for (int start = 0; start < 16; start += 2 * half) {
            for (int j = 0; j < half; ++j) {
                const int a = start + j, b = a + half, t = j * (8 / half);
                f32 tr, ti;
                if (t == 0) {
                    tr = ar[b];
                    ti = ai[b];
                } else if (t == 4) {
                    tr = inverse ? L::fneg(ai[b]) : ai[b];
                    ti = inverse ? ar[b] : L::fneg(ar[b]);
                } else {
                    const f32 wr = L::fsplat(FftTwiddles::re(t));
                    const f32 wi = L::fsplat(inverse ? -FftTwiddles::im(t) : FftTwiddles::im(t));
                    tr = L::ffma(wr, ar[b], L::fneg(L::fmul(wi, ai[b])));
                    ti = L::ffma(wr, ai[b], L::fmul(wi, ar[b]));
                }
                const f32 xr = ar[a], xi = ai[a];
                ar[a] = L::fadd(xr, tr);
                ai[a] = L::fadd(xi, ti);
                ar[b] = L::fsub(xr, tr);
                ai[b] = L::fsub(xi, ti);
            }
        }
    }
    for (int i = 0; i < 16; ++i) {
        re[i] = ar[i];
        im[i] = ai[i];
    }
}

// Forward 2-D transform of a real 16 x 16 patch d (row-major): each row i as a complex FFT with imaginary parts +0,
// keeping bins v = 0..8; then each of those 9 columns as a complex FFT over i. Out: bins [u * 9 + v].
template <class L>
RK_HD void fft_forward_2d(const typename L::f32* d, typename L::f32* out_re, typename L::f32* out_im) {
    using f32 = typename L::f32;
    f32 re[16], im[16];
    for (int i = 0; i < 16; ++i) {
        for (int j = 0; j < 16; ++j) {
            re[j] = d[i * 16 + j];
            im[j] = L::fsplat(0.0f);
        }
        fft16<L>(re, im, false);
        for (int v = 0; v < 9; ++v) {
            out_re[i * 9 + v] = re[v];
            out_im[i * 9 + v] = im[v];
        }
    }
    for (int v = 0; v < 9; ++v) {
        for (int i = 0; i < 16; ++i) {
            re[i] = out_re[i * 9 + v];
            im[i] = out_im[i * 9 + v];
        }
        fft16<L>(re, im, false);
        for (int u = 0; u < 16; ++u) {
            out_re[u * 9 + v] = re[u];
            out_im[u * 9 + v] = im[u];
        }
    }
}

// Inverse 2-D transform (unscaled) to a real 16 x 16 patch z: each column v = 0..8 as an inverse complex FFT over u;
// then each row i as the inverse complex FFT of the Hermitian spectrum F[v] (v <= 8), F[16 - v] = conj(F[v])
// (v = 1..7), keeping the real parts.
template <class L>
RK_HD void fft_inverse_2d(const typename L::f32* in_re, const typename L::f32* in_im, typename L::f32* z) {
    using f32 = typename L::f32;
    f32 re[16], im[16], tre[16 * 9], tim[16 * 9];
    for (int v = 0; v < 9; ++v) {
        for (int u = 0; u < 16; ++u) {
            re[u] = in_re[u * 9 + v];
            im[u] = in_im[u * 9 + v];
        }
        fft16<L>(re, im, true);
        for (int i = 0; i < 16; ++i) {
            tre[i * 9 + v] = re[i];
            tim[i * 9 + v] = im[i];
        }
    }
    for (int i = 0; i < 16; ++i) {
        for (int v = 0; v < 9; ++v) {
            re[v] = tre[i * 9 + v];
            im[v] = tim[i * 9 + v];
        }
        for (int v = 9; v < 16; ++v) {
            re[v] = tre[i * 9 + 16 - v];
            im[v] = L::fneg(tim[i * 9 + 16 - v]);
        }
        fft16<L>(re, im, true);
        for (int j = 0; j < 16; ++j) z[i * 16 + j] = re[j];
    }
}

// One step of the channel accumulation, Z += D * V (V = conj of the weights' transform):
// re = fma(dr, vr, re); re = fma(-di, vi, re); im = fma(dr, vi, im); im = fma(di, vr, im).
template <class L>
RK_HD void fft_cmac(typename L::f32 dr, typename L::f32 di, typename L::f32 vr, typename L::f32 vi,
                    typename L::f32& re, typename L::f32& im) {
    re = L::ffma(dr, vr, re);
    re = L::ffma(L::fneg(di), vi, re);
    im = L::ffma(dr, vi, im);
    im = L::ffma(di, vr, im);
}

// Reference: the 16 x 16 block z * 2^-8 + bias of tile (tp, tq), channel k, image n (only the first (17 - R) x
// (17 - S) entries are outputs).
RK_HD void fft_forward_tile_ref(const ConvGeometry& g, const float* x, const float* w, const float* bias, int64_t n,
                                 int64_t k, int64_t tp, int64_t tq, float* out) {
    using L = ScalarLanes;
    float zr[kFftBins], zi[kFftBins], dr[kFftBins], di[kFftBins], wr[kFftBins], wi[kFftBins], d[256], wp[256];
    for (int b = 0; b < kFftBins; ++b) zr[b] = zi[b] = 0.0f;
    const int64_t grp = k / g.kg, mh = 17 - g.r, mw = 17 - g.s;
    for (int64_t ci = 0; ci < g.cg; ++ci) {
        for (int i = 0; i < 16; ++i)
            for (int j = 0; j < 16; ++j) {
                d[i * 16 + j] = conv_padded_x(g, x, n, grp * g.cg + ci, tp * mh - g.pt + i, tq * mw - g.pl + j);
                wp[i * 16 + j] = (i < g.r && j < g.s) ? w[g.w_index(k, ci, i, j)] : 0.0f;
            }
        fft_forward_2d<L>(d, dr, di);
        fft_forward_2d<L>(wp, wr, wi);
        for (int b = 0; b < kFftBins; ++b) fft_cmac<L>(dr[b], di[b], wr[b], L::fneg(wi[b]), zr[b], zi[b]);
    }
    fft_inverse_2d<L>(zr, zi, out);
    for (int e = 0; e < 256; ++e) out[e] = bias ? out[e] * kFftScale + bias[k] : out[e] * kFftScale;
}

}  // namespace rk::core
