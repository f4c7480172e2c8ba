// Conv2d kernels for one ISA, written once over an ISA description I. Include only from the conv2d_<isa>.cpp files,
// with I defined in their anonymous namespace (so every instantiation stays local to its ISA-flagged file).
//
// I provides the lanes interface of core/lanes_scalar.h plus
//   kGemmMR, kGemmNV   register tile of the GEMM paths: kGemmMR broadcast rows x kGemmNV vectors
//   kRowMR, kRowNV     register tile of the row paths: kRowMR channels x kRowNV vectors of columns
//   kCplxMR, kCplxNV   register tile of the FFT's complex products
//   load_range(p, lo, hi)   lanes [lo, hi) from p[lane], the others +0 (other lanes' memory is not touched)
//   store_n(p, v, n)        lanes [0, n) to p[lane]
//   range_mask(lo, hi), bits_mask(bits)   masks of lanes [lo, hi) / of the set bits
//   fma_masked(m, a, b, c)  fma(a, b, c) where m is set, c elsewhere
//
// Every kernel computes whole canonical chains (core/conv2d.h) for the outputs it owns: vector lanes run independent
// outputs, never parts of one reduction, so tile shapes and thread splits never change a bit.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>

#include "../core/conv2d.h"
#include "../core/int_math.h"
#include "conv2d_plan.h"

// Full unrolling of the small register-tile loops (GCC; other compilers unroll constant trip counts on their own).
#if defined(__GNUC__) && !defined(__clang__)
#define RK_CONV_PRAGMA(x) _Pragma(#x)
#define RK_CONV_UNROLL(n) RK_CONV_PRAGMA(GCC unroll n)
#else
#define RK_CONV_UNROLL(n)
#endif

namespace rk::cpu {

// ---- Tile picker ----------------------------------------------------------------------------------------------------
// Register-tile kernels are templates over their tile sizes (rows, vectors, taps), so that their accumulators stay in
// registers; the edges of a problem need every smaller size too. tile_table<MaxA>(make) and
// tile_table<MaxA, MaxB>(make) build, at compile time, the table of make's results for each size A in 1 .. MaxA (and
// B in 1 .. MaxB). make is a lambda []<int A>() or []<int A, int B>(), typically returning &kernel<A, B>, so exactly
// the variants 1 .. Max are instantiated. Held in a static constexpr, the table picks a variant with one indexed load:
// table(a) or table(a, b), for sizes in range.
template <class Entry, int MaxA, int... MaxB>
struct TileTable {
    static_assert(sizeof...(MaxB) <= 1, "one or two tile sizes");
    static constexpr int kB = (1 * ... * MaxB);  // range of the second size (1 when there is none)
    std::array<Entry, MaxA * kB> entries;  // [a - 1][b - 1]

    constexpr Entry operator()(int a) const requires(sizeof...(MaxB) == 0) { return entries[a - 1]; }
    constexpr Entry operator()(int a, int b) const requires(sizeof...(MaxB) == 1) {
        return entries[(a - 1) * kB + (b - 1)];
    }
};

namespace conv_detail {
// make's result for the sizes of flat index K: (K + 1), or (K / kB + 1, K % kB + 1).
template <int K, int MaxA, int... MaxB, class Make>
constexpr auto tile_entry(Make make) {
    if constexpr (sizeof...(MaxB) == 0) {
        return make.template operator()<K + 1>();
    } else {
        constexpr int kB = (1 * ... * MaxB);
        return make.template operator()<K / kB + 1, K % kB + 1>();
    }
}
template <int MaxA, int... MaxB, class Make, int... K>
constexpr auto tile_table(Make make, std::integer_sequence<int, K...>) {
    using Entry = decltype(tile_entry<0, MaxA, MaxB...>(make));
    return TileTable<Entry, MaxA, MaxB...>{{tile_entry<K, MaxA, MaxB...>(make)...}};
}
}  // namespace conv_detail

template <int MaxA, int... MaxB, class Make>
constexpr auto tile_table(Make make) {
    return conv_detail::tile_table<MaxA, MaxB...>(make, std::make_integer_sequence<int, MaxA * (1 * ... * MaxB)>{});
}

// The index arithmetic, checked at compile time.
static_assert(tile_table<3>([]<int A> { return A; })(2) == 2);
static_assert(tile_table<3, 4>([]<int A, int B> { return 10 * A + B; })(3, 2) == 32);
static_assert(tile_table<3, 4>([]<int A, int B> { return 10 * A + B; })(1, 4) == 14);

template <class I>
struct ConvImpl {
    using f32 = typename I::f32;
    using mask = typename I::mask;
    static constexpr int W = I::kWidth;

    enum : int { kCStore = 0, kCLoad = 1, kCAdd = 2 };

    // ---- GEMM micro-kernel ---------------------------------------------------------------------------------------
    // acc[i][v] over t in [0, nkk): acc = fma(A_i(t), B(t)[v*W .. v*W + W), acc) with A_i(t) = a[i][kb ? kb[t] : t]
    // (broadcast) and B(t) = b + (boff ? boff[t] : t * ldb). acc starts at +0 (kCStore, kCAdd) or at c (kCLoad); at the
    // end c = acc (kCStore, kCLoad) or c = c + acc (kCAdd). c is MR rows of ldc floats.
    template <int MR, int NV, bool kATable, bool kBTable>
    static void gemm_tile(int64_t nkk, const float* const* a, const int64_t* kb, const float* b, const int64_t* boff,
                          int64_t ldb, float* c, int64_t ldc, int mode) {
        f32 acc[MR][NV];
        for (int i = 0; i < MR; ++i)
            for (int v = 0; v < NV; ++v) acc[i][v] = mode == kCLoad ? I::fload(c + i * ldc + v * W) : I::fsplat(0.0f);
        const float* ap[MR];
        for (int i = 0; i < MR; ++i) ap[i] = a[i];
        for (int64_t t = 0; t < nkk; ++t) {
            const int64_t o = kATable ? kb[t] : t;
            const float* bp = kBTable ? b + boff[t] : b + t * ldb;
            f32 bv[NV];
            for (int v = 0; v < NV; ++v) bv[v] = I::fload(bp + v * W);
            for (int i = 0; i < MR; ++i) {
                const f32 av = I::fsplat(ap[i][o]);
                for (int v = 0; v < NV; ++v) acc[i][v] = I::ffma(av, bv[v], acc[i][v]);
            }
        }
        for (int i = 0; i < MR; ++i)
            for (int v = 0; v < NV; ++v) {
                float* cp = c + i * ldc + v * W;
                I::fstore(cp, mode == kCAdd ? I::fadd(I::fload(cp), acc[i][v]) : acc[i][v]);
            }
    }

    using GemmFn = void (*)(int64_t, const float* const*, const int64_t*, const float*, const int64_t*, int64_t,
                            float*, int64_t, int);

    // gemm_tile<MR, NV, AT, BT> for 1 <= mr <= kGemmMR, 1 <= nv <= kGemmNV.
    template <bool AT, bool BT>
    static GemmFn gemm_tile_for(int mr, int nv) {
        static constexpr auto tiles =
            tile_table<I::kGemmMR, I::kGemmNV>([]<int MR, int NV> { return &gemm_tile<MR, NV, AT, BT>; });
        return tiles(mr, nv);
    }

    // Tiles sharing one B panel and one kk list, blocked over kk (blocks of about kKBlockBytes of B, 576 taps of 64
    // lanes: whole 3x3 x 64-channel chains stay in one block, larger ones are cut so that each block's A rows stay in
    // cache across the tiles); each tile's accumulators go through its C buffer between blocks, so every output still
    // sees one sequential chain over kk. arows: ntiles rows of kGemmMR pointers; mrs: rows used per tile.
    static constexpr int64_t kKBlockBytes = 147456;
    static constexpr int kMaxTiles = 24;

    template <bool AT, bool BT>
    static void run_tiles(int64_t ntiles, const float* const* arows, const int* mrs, int nv, int64_t nkk,
                          const int64_t* kb, const float* b, const int64_t* boff, int64_t ldb, float* cbuf) {
        constexpr int MR = I::kGemmMR, LDC = I::kGemmNV * W;
        const int64_t kc = std::max<int64_t>(8, kKBlockBytes / (int64_t{nv} * W * 4));
        for (int64_t k0 = 0; k0 < nkk; k0 += kc) {
            const int64_t len = std::min(kc, nkk - k0);
            for (int64_t t = 0; t < ntiles; ++t) {
                const float* const* ar = arows + t * MR;
                const float* alin[MR];
                if (!AT) {
                    for (int i = 0; i < mrs[t]; ++i) alin[i] = ar[i] + k0;
                    ar = alin;
                }
                gemm_tile_for<AT, BT>(mrs[t], nv)(len, ar, AT ? kb + k0 : nullptr, BT ? b : b + k0 * ldb,
                                                  BT ? boff + k0 : nullptr, ldb, cbuf + t * MR * LDC, LDC,
                                                  k0 == 0 ? kCStore : kCLoad);
            }
        }
    }

    // rows x cols block of c (row stride ldc) -> dst[col * ldd + row].
    static void store_transposed(const float* c, int64_t ldc, int64_t rows, int64_t cols, float* dst, int64_t ldd) {
        int64_t col = 0;
        for (; col + W <= cols; col += W) {
            int64_t row = 0;
            for (; row + W <= rows; row += W) I::transpose(c + row * ldc + col, ldc, dst + col * ldd + row, ldd);
            for (; row < rows; ++row)
                for (int l = 0; l < W; ++l) dst[(col + l) * ldd + row] = c[row * ldc + col + l];
        }
        for (; col < cols; ++col)
            for (int64_t row = 0; row < rows; ++row) dst[col * ldd + row] = c[row * ldc + col];
    }

    // NHWC copy with channels padded to cp: xt[n][i][j][c] = x~[n][c][i - pt][j - pl] (0 for c >= C).
    // Units: (n, row i of the copy), hp x wp from the plan.
    static void nhwc_copy(const ConvKernelArgs& A, float* xt, int64_t begin, int64_t end) {
        const core::ConvGeometry& g = A.g;
        const int64_t hp = A.plan.hp, wp = A.plan.wp, cp = A.plan.cp;
        for (int64_t u = begin; u < end; ++u) {
            const int64_t n = u / hp, i = u % hp, h = i - g.pt;
            float* row = xt + (n * hp + i) * wp * cp;
            copy_floats(row, nullptr, wp * cp);
            if (h < 0 || h >= g.h) continue;
            const int64_t j0 = g.pl, j1 = std::min(wp, g.pl + g.w);
            if (g.nhwc) {
                for (int64_t j = j0; j < j1; ++j) copy_floats(row + j * cp, A.x + ((n * g.h + h) * g.w + (j - g.pl)) * g.c, g.c);
                continue;
            }
            const int64_t hw = g.h * g.w;
            const float* src = A.x + (n * g.c * g.h + h) * g.w - g.pl;  // channel c, column j: src[c * hw + j]
            int64_t c0 = 0;
            for (; c0 + W <= g.c; c0 += W) {
                int64_t j = j0;
                for (; j + W <= j1; j += W) I::transpose(src + c0 * hw + j, hw, row + j * cp + c0, cp);
                for (; j < j1; ++j)
                    for (int l = 0; l < W; ++l) row[j * cp + c0 + l] = src[(c0 + l) * hw + j];
            }
            for (; c0 < g.c; ++c0)
                for (int64_t j = j0; j < j1; ++j) row[j * cp + c0] = src[c0 * hw + j];
        }
    }
    // dst[0 .. cnt) = src[0 .. cnt), whole vectors then a partial one.
    static void store_row(float* dst, const float* src, int64_t cnt) {
        int64_t l = 0;
        for (; l + W <= cnt; l += W) I::fstore(dst + l, I::fload(src + l));
        if (l < cnt) I::store_n(dst + l, I::fload(src + l), static_cast<int>(cnt - l));
    }
    // Rows of c (stride ldc): c[row][l] = c[row][l] + bias[l] for l < cnt (lanes past cnt are left as they are).
    static void add_bias_rows(float* c, int64_t ldc, int64_t rows, const float* bias, int64_t cnt) {
        for (int64_t l = 0; l < cnt; l += W) {
            const int64_t m = std::min<int64_t>(W, cnt - l);
            const f32 bv = m == W ? I::fload(bias + l) : I::load_range(bias + l, 0, static_cast<int>(m));
            for (int64_t row = 0; row < rows; ++row) I::fstore(c + row * ldc + l, I::fadd(I::fload(c + row * ldc + l), bv));
        }
    }

    // ---- Loads of activation columns -------------------------------------------------------------------------------
    // Lane l: column col = col0 + l * step; base[col * estride] if 0 <= col < ncols, else +0.
    static f32 load_cols(const float* base, int64_t col0, int64_t step, int64_t ncols, int64_t estride) {
        if (step == 1 && estride == 1) {
            const int64_t lo = std::clamp<int64_t>(-col0, 0, W), hi = std::clamp<int64_t>(ncols - col0, 0, W);
            if (lo == 0 && hi == W) return I::fload(base + col0);
            if (lo >= hi) return I::fsplat(0.0f);
            return I::load_range(base + col0, static_cast<int>(lo), static_cast<int>(hi));
        }
        alignas(64) float tmp[W];
        for (int l = 0; l < W; ++l) {
            const int64_t col = col0 + l * step;
            tmp[l] = (col >= 0 && col < ncols) ? base[col * estride] : 0.0f;
        }
        return I::fload(tmp);
    }

    // ---- Forward, row path: lanes over output columns q -------------------------------------------------------------
    // Channels k0 .. k0 + MR - 1 (one group), output row p, columns q0 .. q0 + NV * W - 1.
    template <int MR, int NV>
    static void forward_row_tile(const ConvKernelArgs& A, int64_t n, int64_t grp, int64_t k0, int64_t p, int64_t q0) {
        const core::ConvGeometry& g = A.g;
        f32 acc[MR][NV];
        for (int i = 0; i < MR; ++i)
            for (int v = 0; v < NV; ++v) acc[i][v] = I::fsplat(0.0f);
        const int64_t rs = g.r * g.s, crs = g.cg * rs, est = g.nhwc ? g.c : 1;
        const float* wk = A.w + k0 * crs;
        for (int64_t ci = 0; ci < g.cg; ++ci) {
            const int64_t c = grp * g.cg + ci;
            for (int64_t r = 0; r < g.r; ++r) {
                const int64_t h = p * g.sh - g.pt + r * g.dh;
                const bool row_in = h >= 0 && h < g.h;
                const float* row = nullptr;
                if (row_in) row = A.x + (g.nhwc ? (n * g.h + h) * g.w * g.c + c : ((n * g.c + c) * g.h + h) * g.w);
                for (int64_t s = 0; s < g.s; ++s) {
                    const int64_t col0 = q0 * g.sw - g.pl + s * g.dw;
                    f32 xv[NV];
                    for (int v = 0; v < NV; ++v)
                        xv[v] = row_in ? load_cols(row, col0 + v * W * g.sw, g.sw, g.w, est) : I::fsplat(0.0f);
                    const int64_t widx = (ci * g.r + r) * g.s + s;
                    for (int i = 0; i < MR; ++i) {
                        const f32 wv = I::fsplat(wk[i * crs + widx]);
                        for (int v = 0; v < NV; ++v) acc[i][v] = I::ffma(xv[v], wv, acc[i][v]);
                    }
                }
            }
        }
        for (int i = 0; i < MR; ++i) {
            const int64_t k = k0 + i;
            for (int v = 0; v < NV; ++v) {
                const int64_t qv = q0 + v * W;
                const int64_t cnt = std::min<int64_t>(W, g.q - qv);
                if (cnt <= 0) break;
                const f32 val = A.bias ? I::fadd(acc[i][v], I::fsplat(A.bias[k])) : acc[i][v];
                if (!g.nhwc) {
                    float* dst = A.y + ((n * g.k + k) * g.p + p) * g.q + qv;
                    if (cnt == W)
                        I::fstore(dst, val);
                    else
                        I::store_n(dst, val, static_cast<int>(cnt));
                } else {
                    alignas(64) float tmp[W];
                    I::fstore(tmp, val);
                    for (int64_t l = 0; l < cnt; ++l) A.y[((n * g.p + p) * g.q + qv + l) * g.k + k] = tmp[l];
                }
            }
        }
    }

    // Units: (n, group, output row p); depthwise NHWC (conv_dw_nhwc): (n, p).
    static void forward_row(const ConvKernelArgs& A, int64_t begin, int64_t end) {
        const core::ConvGeometry& g = A.g;
        constexpr int64_t span = int64_t{I::kRowNV} * W;
        if (conv_dw_nhwc(g)) {
            dw_nhwc_rows<true>(A, begin, end);
            return;
        }
        if (g.cg == 1 && !g.nhwc && g.sw == 1) {
            static constexpr auto plane_kernel =
                tile_table<I::kRowNV>([]<int NV> { return &forward_dw_plane<NV>; });
            const int nv = static_cast<int>(std::min<int64_t>(I::kRowNV, core::ceil_div(g.q, W)));
            const int64_t slack = int64_t{I::kRowNV} * W + g.s * g.dw;
            ConvScratch plane((static_cast<size_t>((g.h + g.pt + g.pb) * (g.w + g.pl + g.pr) + slack)) * sizeof(float));
            for (int64_t u = begin; u < end;) {  // units (n, group, p): the unit of row 0 does the whole plane
                const int64_t n = u / (g.groups * g.p), grp = (u / g.p) % g.groups, p = u % g.p;
                if (p != 0) {
                    u += g.p - p;
                    continue;
                }
                pad_plane(A, n, grp, plane.floats(), slack);
                for (int64_t kq = 0; kq < g.kg; ++kq) plane_kernel(nv)(A, n, grp * g.kg + kq, plane.floats());
                u += g.p;
            }
            return;
        }
        static constexpr auto row_tile =
            tile_table<I::kRowMR, I::kRowNV>([]<int MR, int NV> { return &forward_row_tile<MR, NV>; });
        for (int64_t u = begin; u < end; ++u) {
            const int64_t n = u / (g.groups * g.p), grp = (u / g.p) % g.groups, p = u % g.p;
            for (int64_t kq = 0; kq < g.kg; kq += I::kRowMR) {
                const int mr = static_cast<int>(std::min<int64_t>(I::kRowMR, g.kg - kq));
                for (int64_t q0 = 0; q0 < g.q; q0 += span) {
                    const int nv = static_cast<int>(std::min<int64_t>(I::kRowNV, core::ceil_div(g.q - q0, W)));
                    row_tile(mr, nv)(A, n, grp, grp * g.kg + kq, p, q0);
                }
            }
        }
    }

    // ---- Forward, GEMM path: lanes over output channels ------------------------------------------------------------
    // Units: (n, block of positions_per_unit output positions in (p, q) order).
    static void forward_gemm(const ConvKernelArgs& A, int64_t begin, int64_t end) {
        const core::ConvGeometry& g = A.g;
        constexpr int MR = I::kGemmMR, NV = I::kGemmNV, LDC = NV * W;
        const int64_t pq = g.p * g.q, kvecs = core::ceil_div(g.kg, W), kgp = A.plan.kgp;
        alignas(64) float cbuf[kMaxTiles * MR * LDC];
        const float* arows[kMaxTiles * MR];
        int mrs[kMaxTiles];
        for (int64_t u = begin; u < end; ++u) {
            const int64_t n = u / A.units_per_image, blk = u % A.units_per_image;
            const int64_t pos0 = blk * A.positions_per_unit, pos1 = std::min(pq, pos0 + A.positions_per_unit);
            const int64_t ntiles = core::ceil_div(pos1 - pos0, MR);
            for (int64_t grp = 0; grp < g.groups; ++grp) {
                const float* abase = A.a + n * A.a_img + grp * g.cg * A.a_chan;
                for (int64_t t = 0; t < ntiles; ++t) {
                    mrs[t] = static_cast<int>(std::min<int64_t>(MR, pos1 - pos0 - t * MR));
                    for (int i = 0; i < mrs[t]; ++i) {
                        const int64_t pos = pos0 + t * MR + i, p = pos / g.q, q = pos % g.q;
                        arows[t * MR + i] = abase + p * g.sh * A.a_row + q * g.sw * A.a_col;
                    }
                }
                for (int64_t kv0 = 0; kv0 < kvecs; kv0 += NV) {
                    const int nv = static_cast<int>(std::min<int64_t>(NV, kvecs - kv0));
                    const float* b = A.panel + grp * A.ntaps * kgp + kv0 * W;
                    run_tiles<true, false>(ntiles, arows, mrs, nv, A.ntaps, A.taps, b, nullptr, kgp, cbuf);
                    // cbuf is [position][LDC] for the unit's positions (tiles are consecutive).
                    const int64_t klanes = std::min<int64_t>(nv * W, g.kg - kv0 * W), npos = pos1 - pos0;
                    const int64_t k0 = grp * g.kg + kv0 * W;
                    if (A.bias) add_bias_rows(cbuf, LDC, npos, A.bias + k0, klanes);
                    if (!g.nhwc) {
                        store_transposed(cbuf, LDC, npos, klanes, A.y + (n * g.k + k0) * pq + pos0, pq);
                    } else {
                        for (int64_t i = 0; i < npos; ++i) store_row(A.y + (n * pq + pos0 + i) * g.k + k0, cbuf + i * LDC, klanes);
                    }
                }
            }
        }
    }

    // ---- Backward data, row path: lanes over input columns w --------------------------------------------------------
    // Channels c0 .. c0 + MR - 1 (one group), input row h, columns w = phase + stride_w * m for m = m0, m0 + 1, ...
    // (one lane each): all lanes of a phase reach outputs through the same taps s, at consecutive columns q. Taps that
    // reach no output are skipped per lane (masked FMA), exactly as the canonical function skips them.
    template <int MR, int NV>
    static void backward_data_row_tile(const ConvKernelArgs& A, int64_t n, int64_t grp, int64_t c0, int64_t h, int64_t phase,
                                       int64_t m0) {
        const core::ConvGeometry& g = A.g;
        f32 acc[MR][NV];
        for (int i = 0; i < MR; ++i)
            for (int v = 0; v < NV; ++v) acc[i][v] = I::fsplat(0.0f);
        const int64_t rs = g.r * g.s, crs = g.cg * rs, est = g.nhwc ? g.k : 1;
        const int64_t mcount = core::ceil_div(g.w - phase, g.sw);  // columns of this phase
        for (int64_t kq = 0; kq < g.kg; ++kq) {
            const int64_t k = grp * g.kg + kq;
            const float* wk = A.w + k * crs + (c0 - grp * g.cg) * rs;
            for (int64_t r = 0; r < g.r; ++r) {
                const int64_t p = core::conv_tap_target(h, g.pt, r, g.dh, g.sh, g.p);
                if (p < 0) continue;
                const float* row = A.dy + (g.nhwc ? (n * g.p + p) * g.q * g.k + k : ((n * g.k + k) * g.p + p) * g.q);
                for (int64_t s = 0; s < g.s; ++s) {
                    const int64_t a = phase + g.pl - s * g.dw;  // w + pl - s * dw = a + stride_w * m
                    if (((a % g.sw) + g.sw) % g.sw != 0) continue;
                    const int64_t qa = a / g.sw;  // q = qa + m
                    for (int v = 0; v < NV; ++v) {
                        const int64_t mv = m0 + v * W, qv = qa + mv;
                        const int64_t lo = std::clamp<int64_t>(-qv, 0, W);
                        const int64_t hi = std::clamp<int64_t>(std::min(g.q - qv, mcount - mv), 0, W);
                        if (lo >= hi) continue;
                        const bool full = lo == 0 && hi == W;
                        f32 dv;
                        if (est == 1)
                            dv = full ? I::fload(row + qv)
                                      : I::load_range(row + qv, static_cast<int>(lo), static_cast<int>(hi));
                        else
                            dv = load_cols(row, qv, 1, g.q, est);  // lanes outside [lo, hi) are masked below
                        const mask m = I::range_mask(static_cast<int>(lo), static_cast<int>(hi));
                        for (int i = 0; i < MR; ++i) {
                            const f32 wv = I::fsplat(wk[i * rs + r * g.s + s]);
                            acc[i][v] = full ? I::ffma(dv, wv, acc[i][v]) : I::fma_masked(m, dv, wv, acc[i][v]);
                        }
                    }
                }
            }
        }
        for (int i = 0; i < MR; ++i) {
            const int64_t c = c0 + i;
            for (int v = 0; v < NV; ++v) {
                const int64_t mv = m0 + v * W;
                const int64_t cnt = std::min<int64_t>(W, mcount - mv);
                if (cnt <= 0) break;
                const int64_t w0 = phase + g.sw * mv;
                if (!g.nhwc && g.sw == 1) {
                    float* dst = A.dx + ((n * g.c + c) * g.h + h) * g.w + w0;
                    if (cnt == W)
                        I::fstore(dst, acc[i][v]);
                    else
                        I::store_n(dst, acc[i][v], static_cast<int>(cnt));
                } else {
                    alignas(64) float tmp[W];
                    I::fstore(tmp, acc[i][v]);
                    for (int64_t l = 0; l < cnt; ++l) {
                        const int64_t w = w0 + g.sw * l;
                        A.dx[g.nhwc ? ((n * g.h + h) * g.w + w) * g.c + c : ((n * g.c + c) * g.h + h) * g.w + w] = tmp[l];
                    }
                }
            }
        }
    }

    // Backward data, depthwise-style (Cg = 1), NCHW, stride 1 x 1: a whole input plane (n, c). Which lanes of each
    // column vector a tap s reaches (0 <= q < Q, w < W) is the same for every row, so it is computed once per plane;
    // rows p outside [0, P) are skipped, lanes outside by masked FMAs, exactly as the canonical function skips them.
    template <int NV>
    static void backward_data_dw_plane(const ConvKernelArgs& A, int64_t n, int64_t c, int64_t* lohi) {
        const core::ConvGeometry& g = A.g;
        const int64_t rs = g.r * g.s, pq = g.p * g.q;
        float* dxc = A.dx + (n * g.c + c) * g.h * g.w;
        for (int64_t w0 = 0; w0 < g.w; w0 += int64_t{NV} * W) {
            for (int64_t s = 0; s < g.s; ++s)
                for (int v = 0; v < NV; ++v) {
                    const int64_t qv = w0 + v * W + g.pl - s * g.dw;
                    lohi[2 * (s * NV + v)] = std::clamp<int64_t>(-qv, 0, W);
                    lohi[2 * (s * NV + v) + 1] = std::clamp<int64_t>(std::min(g.q - qv, g.w - w0 - v * W), 0, W);
                }
            for (int64_t h = 0; h < g.h; ++h) {
                f32 acc[NV];
                RK_CONV_UNROLL(4)
                for (int v = 0; v < NV; ++v) acc[v] = I::fsplat(0.0f);
                for (int64_t kq = 0; kq < g.kg; ++kq) {
                    const int64_t k = c * g.kg + kq;
                    const float* dyk = A.dy + (n * g.k + k) * pq;
                    const float* wk = A.w + k * rs;
                    for (int64_t r = 0; r < g.r; ++r) {
                        const int64_t p = h + g.pt - r * g.dh;
                        if (p < 0 || p >= g.p) continue;
                        const float* row = dyk + p * g.q + w0 + g.pl;
                        for (int64_t s = 0; s < g.s; ++s) {
                            const f32 wv = I::fsplat(wk[r * g.s + s]);
                            const float* src = row - s * g.dw;
                            RK_CONV_UNROLL(4)
                            for (int v = 0; v < NV; ++v) {
                                const int lo = static_cast<int>(lohi[2 * (s * NV + v)]);
                                const int hi = static_cast<int>(lohi[2 * (s * NV + v) + 1]);
                                if (lo == 0 && hi == W)
                                    acc[v] = I::ffma(I::fload(src + v * W), wv, acc[v]);
                                else if (lo < hi)
                                    acc[v] = I::fma_masked(I::range_mask(lo, hi), I::load_range(src + v * W, lo, hi), wv,
                                                           acc[v]);
                            }
                        }
                    }
                }
                RK_CONV_UNROLL(4)
                for (int v = 0; v < NV; ++v) {
                    const int64_t cnt = std::min<int64_t>(W, g.w - w0 - v * W);
                    if (cnt <= 0) break;
                    float* dst = dxc + h * g.w + w0 + v * W;
                    if (cnt == W)
                        I::fstore(dst, acc[v]);
                    else
                        I::store_n(dst, acc[v], static_cast<int>(cnt));
                }
            }
        }
    }

    // Depthwise NHWC (groups = C = K), lanes over channels, NB vectors of channels c0 .. c0 + ccount - 1 at once.
    // Forward (kFwd): output (n, i = p, j = q); padded taps enter as +0 vectors. Backward data: input (n, i = h, j = w);
    // a tap reaches an output or not for every lane alike, so skipped taps are skipped for the whole block.
    // wt: weights transposed to [r * S + s][kp].
    // Channel vectors per block (one accumulator each).
    static constexpr int kBlockVecs = 8;

    template <int NB, bool kFwd>
    static void dw_nhwc_block(const ConvKernelArgs& A, const float* wt, int64_t n, int64_t i, int64_t j, int64_t c0,
                              int64_t ccount) {
        const core::ConvGeometry& g = A.g;
        const int64_t kp = A.plan.kp;
        f32 acc[NB];
        RK_CONV_UNROLL(8)
        for (int v = 0; v < NB; ++v) acc[v] = I::fsplat(0.0f);
        for (int64_t r = 0; r < g.r; ++r) {
            int64_t row;
            bool row_ok;
            if (kFwd) {
                row = i * g.sh - g.pt + r * g.dh;
                row_ok = row >= 0 && row < g.h;
            } else {
                row = core::conv_tap_target(i, g.pt, r, g.dh, g.sh, g.p);
                if (row < 0) continue;
                row_ok = true;
            }
            for (int64_t s = 0; s < g.s; ++s) {
                int64_t col;
                bool ok;
                const float* src;
                if (kFwd) {
                    col = j * g.sw - g.pl + s * g.dw;
                    ok = row_ok && col >= 0 && col < g.w;
                    src = ok ? A.x + ((n * g.h + row) * g.w + col) * g.c + c0 : nullptr;
                } else {
                    col = core::conv_tap_target(j, g.pl, s, g.dw, g.sw, g.q);
                    if (col < 0) continue;
                    ok = true;
                    src = A.dy + ((n * g.p + row) * g.q + col) * g.k + c0;
                }
                const float* wr = wt + (r * g.s + s) * kp + c0;
                RK_CONV_UNROLL(8)
                for (int v = 0; v < NB; ++v) {
                    const int64_t m = std::min<int64_t>(W, ccount - v * W);
                    f32 xv = I::fsplat(0.0f);
                    if (ok) xv = m == W ? I::fload(src + v * W) : I::load_range(src + v * W, 0, static_cast<int>(m));
                    acc[v] = I::ffma(xv, I::fload(wr + v * W), acc[v]);
                }
            }
        }
        float* dst = kFwd ? A.y + ((n * g.p + i) * g.q + j) * g.k + c0 : A.dx + ((n * g.h + i) * g.w + j) * g.c + c0;
        RK_CONV_UNROLL(8)
        for (int v = 0; v < NB; ++v) {
            const int64_t m = std::min<int64_t>(W, ccount - v * W);
            f32 val = acc[v];
            if (kFwd && A.bias)
                val = I::fadd(val, m == W ? I::fload(A.bias + c0 + v * W)
                                          : I::load_range(A.bias + c0 + v * W, 0, static_cast<int>(m)));
            if (m == W)
                I::fstore(dst + v * W, val);
            else
                I::store_n(dst + v * W, val, static_cast<int>(m));
        }
    }

    // Units (n, output row p) (forward) or (n, input row h) (backward data); the weights are transposed once per call.
    template <bool kFwd>
    static void dw_nhwc_rows(const ConvKernelArgs& A, int64_t begin, int64_t end) {
        const core::ConvGeometry& g = A.g;
        const int64_t nrows = kFwd ? g.p : g.h;
        ConvScratch wt_mem(static_cast<size_t>(g.r * g.s * A.plan.kp) * sizeof(float));
        dw_transpose_weights(A, wt_mem.floats());
        for (int64_t u = begin; u < end; ++u) dw_nhwc_row<kFwd>(A, wt_mem.floats(), u / nrows, u % nrows);
    }

    // One output row p (forward) or input row h (backward data) of a depthwise NHWC convolution.
    template <bool kFwd>
    static void dw_nhwc_row(const ConvKernelArgs& A, const float* wt, int64_t n, int64_t i) {
        const core::ConvGeometry& g = A.g;
        static constexpr auto block = tile_table<kBlockVecs>([]<int NB> { return &dw_nhwc_block<NB, kFwd>; });
        const int64_t cols = kFwd ? g.q : g.w;
        for (int64_t j = 0; j < cols; ++j)
            for (int64_t c0 = 0; c0 < g.c; c0 += kBlockVecs * W) {
                const int64_t ccount = std::min<int64_t>(kBlockVecs * W, g.c - c0);
                block(static_cast<int>(core::ceil_div(ccount, W)))(A, wt, n, i, j, c0, ccount);
            }
    }

    // Weights transposed to [r * S + s][kp] (0 past K) for the depthwise NHWC kernels.
    static void dw_transpose_weights(const ConvKernelArgs& A, float* wt) {
        const core::ConvGeometry& g = A.g;
        for (int64_t t = 0; t < g.r * g.s; ++t)
            for (int64_t k = 0; k < A.plan.kp; ++k) wt[t * A.plan.kp + k] = k < g.k ? A.w[k * g.r * g.s + t] : 0.0f;
    }

    // Units: (n, group, input row h); depthwise NHWC (conv_dw_nhwc): (n, h).
    static void backward_data_row(const ConvKernelArgs& A, int64_t begin, int64_t end) {
        const core::ConvGeometry& g = A.g;
        constexpr int64_t span = int64_t{I::kRowNV} * W;
        if (conv_dw_nhwc(g)) {
            dw_nhwc_rows<false>(A, begin, end);
            return;
        }
        if (g.cg == 1 && !g.nhwc && g.sh == 1 && g.sw == 1) {
            static constexpr auto plane_kernel =
                tile_table<I::kRowNV>([]<int NV> { return &backward_data_dw_plane<NV>; });
            const int nv = static_cast<int>(std::min<int64_t>(I::kRowNV, core::ceil_div(g.w, W)));
            ConvScratch lohi(static_cast<size_t>(2 * g.s * I::kRowNV) * sizeof(int64_t));
            for (int64_t u = begin; u < end;) {  // units (n, group, h): the unit of row 0 does the whole plane
                const int64_t n = u / (g.groups * g.h), grp = (u / g.h) % g.groups, h = u % g.h;
                if (h != 0) {
                    u += g.h - h;
                    continue;
                }
                plane_kernel(nv)(A, n, grp, lohi.ints());
                u += g.h;
            }
            return;
        }
        static constexpr auto row_tile =
            tile_table<I::kRowMR, I::kRowNV>([]<int MR, int NV> { return &backward_data_row_tile<MR, NV>; });
        for (int64_t u = begin; u < end; ++u) {
            const int64_t n = u / (g.groups * g.h), grp = (u / g.h) % g.groups, h = u % g.h;
            for (int64_t ci = 0; ci < g.cg; ci += I::kRowMR) {
                const int mr = static_cast<int>(std::min<int64_t>(I::kRowMR, g.cg - ci));
                for (int64_t phase = 0; phase < std::min(g.sw, g.w); ++phase) {
                    const int64_t mcount = core::ceil_div(g.w - phase, g.sw);
                    for (int64_t m0 = 0; m0 < mcount; m0 += span) {
                        const int nv = static_cast<int>(std::min<int64_t>(I::kRowNV, core::ceil_div(mcount - m0, W)));
                        row_tile(mr, nv)(A, n, grp, grp * g.cg + ci, h, phase, m0);
                    }
                }
            }
        }
    }

    // ---- Forward, depthwise (one input channel per output channel, cg = 1), NCHW, stride_w 1 -----------------------
    // A whole output plane (n, k) from its input channel copied into a zero-padded scratch plane xp (hp x wp, plus
    // slack for the last vector), so that every tap is a plain load: padded taps read +0 and take part in the chain.
    template <int PR, int NV>
    static void forward_dw_rows(const ConvKernelArgs& A, const float* xp, int64_t wp, const float* wk, float* yk, int64_t p,
                                int64_t q0, f32 bv) {
        const core::ConvGeometry& g = A.g;
        f32 acc[PR][NV];
RK_CONV_UNROLL(8)
        for (int j = 0; j < PR; ++j)
RK_CONV_UNROLL(4)
            for (int v = 0; v < NV; ++v) acc[j][v] = I::fsplat(0.0f);
        const float* base = xp + p * g.sh * wp + q0;
        const int64_t rstep = g.sh * wp;
        for (int64_t r = 0; r < g.r; ++r) {
            const float* row = base + r * g.dh * wp;
            for (int64_t s = 0; s < g.s; ++s) {
                const f32 wv = I::fsplat(wk[r * g.s + s]);
                const float* src = row + s * g.dw;
RK_CONV_UNROLL(8)
                for (int j = 0; j < PR; ++j)
RK_CONV_UNROLL(4)
                    for (int v = 0; v < NV; ++v) acc[j][v] = I::ffma(I::fload(src + j * rstep + v * W), wv, acc[j][v]);
            }
        }
RK_CONV_UNROLL(8)
        for (int j = 0; j < PR; ++j)
RK_CONV_UNROLL(4)
            for (int v = 0; v < NV; ++v) {
                const int64_t cnt = std::min<int64_t>(W, g.q - q0 - v * W);
                if (cnt <= 0) break;
                const f32 val = A.bias ? I::fadd(acc[j][v], bv) : acc[j][v];
                float* dst = yk + (p + j) * g.q + q0 + v * W;
                if (cnt == W)
                    I::fstore(dst, val);
                else
                    I::store_n(dst, val, static_cast<int>(cnt));
            }
    }

    template <int NV>
    static void forward_dw_plane(const ConvKernelArgs& A, int64_t n, int64_t k, float* xp) {
        const core::ConvGeometry& g = A.g;
        const int64_t wp = g.w + g.pl + g.pr;
        const float* wk = A.w + k * g.r * g.s;
        float* yk = A.y + (n * g.k + k) * g.p * g.q;
        const f32 bv = I::fsplat(A.bias ? A.bias[k] : 0.0f);
        for (int64_t q0 = 0; q0 < g.q; q0 += int64_t{NV} * W) {
            int64_t p = 0;
            for (; p + 4 <= g.p; p += 4) forward_dw_rows<4, NV>(A, xp, wp, wk, yk, p, q0, bv);
            for (; p < g.p; ++p) forward_dw_rows<1, NV>(A, xp, wp, wk, yk, p, q0, bv);
        }
    }

    // dst[0 .. cnt) = src[0 .. cnt) (src null: +0), by vectors.
    static void copy_floats(float* dst, const float* src, int64_t cnt) {
        int64_t l = 0;
        for (; l + W <= cnt; l += W) I::fstore(dst + l, src ? I::fload(src + l) : I::fsplat(0.0f));
        if (l < cnt)
            I::store_n(dst + l, src ? I::load_range(src + l, 0, static_cast<int>(cnt - l)) : I::fsplat(0.0f),
                       static_cast<int>(cnt - l));
    }

    // Copies channel c of image n into the zero-padded plane xp (hp x wp, then slack zeros).
    static void pad_plane(const ConvKernelArgs& A, int64_t n, int64_t c, float* xp, int64_t slack) {
        const core::ConvGeometry& g = A.g;
        const int64_t hp = g.h + g.pt + g.pb, wp = g.w + g.pl + g.pr;
        const float* src = A.x + (n * g.c + c) * g.h * g.w;
        copy_floats(xp, nullptr, g.pt * wp + g.pl);
        for (int64_t h = 0; h < g.h; ++h) {
            float* d = xp + (g.pt + h) * wp + g.pl;
            copy_floats(d, src + h * g.w, g.w);
            copy_floats(d + g.w, nullptr, h + 1 < g.h ? g.pr + g.pl : g.pr);
        }
        copy_floats(xp + (g.pt + g.h) * wp, nullptr, (hp - g.pt - g.h) * wp + slack);
    }

    // ---- Backward data, GEMM path: lanes over input channels ----------------------------------------------------------
    // Units: (n, block of A.positions_per_unit input rows). Input positions whose rows have the same valid taps r (a row
    // signature) and whose columns have the same valid taps s (a column signature) share one tap table over
    // (k', r, s) in canonical order that holds only the taps reaching an output; they are tiled together, across rows.
    static void backward_data_gemm(const ConvKernelArgs& A, int64_t begin, int64_t end) {
        const core::ConvGeometry& g = A.g;
        constexpr int MR = I::kGemmMR, NV = I::kGemmNV, LDC = NV * W;
        constexpr int64_t kTilePos = int64_t{kMaxTiles} * MR;
        const int64_t rs = g.r * g.s, nkk = g.kg * rs, cgp = A.plan.cgp, cvecs = core::ceil_div(g.cg, W);
        const int64_t rows_per_unit = A.positions_per_unit, units_per_image = A.units_per_image;
        // Scratch: tap tables (kb, boff), per-row valid taps (r, p) and signature ids, positions of one signature pair.
        ConvScratch scratch(static_cast<size_t>(2 * nkk + 2 * rows_per_unit * g.r + 2 * rows_per_unit + 2 * kTilePos) *
                            sizeof(int64_t));
        int64_t* kb = scratch.ints();
        int64_t* boff = kb + nkk;
        int64_t* rr = boff + nkk;                    // [row][R]: valid r
        int64_t* pp = rr + rows_per_unit * g.r;      // [row][R]: their output rows p
        int64_t* nrow = pp + rows_per_unit * g.r;    // [row]: number of valid r
        int64_t* rsig = nrow + rows_per_unit;        // [row]: representative row of its signature
        int64_t* pos_h = rsig + rows_per_unit;       // [position]: input row
        int64_t* pos_w = pos_h + kTilePos;           // [position]: input column
        alignas(64) float cbuf[kMaxTiles * MR * LDC];
        const float* arows[kMaxTiles * MR];
        int mrs[kMaxTiles];
        for (int64_t u = begin; u < end; ++u) {
            const int64_t n = u / units_per_image, h0 = (u % units_per_image) * rows_per_unit;
            const int64_t nh = std::min(rows_per_unit, g.h - h0);
            for (int64_t i = 0; i < nh; ++i) {
                int64_t cnt = 0;
                for (int64_t r = 0; r < g.r; ++r) {
                    const int64_t p = core::conv_tap_target(h0 + i, g.pt, r, g.dh, g.sh, g.p);
                    if (p < 0) continue;
                    rr[i * g.r + cnt] = r;
                    pp[i * g.r + cnt] = p;
                    ++cnt;
                }
                nrow[i] = cnt;
                rsig[i] = i;
                for (int64_t j = 0; j < i; ++j) {  // same valid r and the same relative p: same signature
                    if (rsig[j] != j || nrow[j] != cnt) continue;
                    bool same = true;
                    for (int64_t t = 0; t < cnt && same; ++t)
                        same = rr[j * g.r + t] == rr[i * g.r + t] &&
                               pp[j * g.r + t] - pp[j * g.r] == pp[i * g.r + t] - pp[i * g.r];
                    if (same) {
                        rsig[i] = j;
                        break;
                    }
                }
            }
            for (int64_t rep = 0; rep < nh; ++rep) {
                if (rsig[rep] != rep) continue;
                const int64_t nr = nrow[rep];
                const int64_t* rrr = rr + rep * g.r;
                const int64_t* rpp = pp + rep * g.r;
                for (int64_t sig = 0; sig < A.nsigs; ++sig) {
                    const int64_t* cols = A.sig_cols + A.sig_col_start[sig];
                    const int64_t ncols = A.sig_col_start[sig + 1] - A.sig_col_start[sig];
                    const int64_t* st = A.sig_taps + 2 * A.sig_start[sig];
                    const int64_t ns = A.sig_start[sig + 1] - A.sig_start[sig];
                    if (ncols == 0) continue;
                    int64_t e = 0;
                    for (int64_t kq = 0; kq < g.kg && nr > 0; ++kq)
                        for (int64_t ri = 0; ri < nr; ++ri)
                            for (int64_t si = 0; si < ns; ++si) {
                                kb[e] = kq * A.a_chan + (rpp[ri] - rpp[0]) * A.a_row + st[2 * si + 1] * A.a_col;
                                boff[e] = ((kq * g.r + rrr[ri]) * g.s + st[2 * si]) * cgp;
                                ++e;
                            }
                    // Positions (h, w) of this signature pair, row by row, in batches of kTilePos.
                    int64_t hi = rep, ci = 0;
                    while (hi < nh) {
                        int64_t npos = 0;
                        while (npos < kTilePos && hi < nh) {
                            if (rsig[hi] != rep) {
                                ++hi;
                                continue;
                            }
                            pos_h[npos] = hi;
                            pos_w[npos] = cols[ci];
                            ++npos;
                            if (++ci == ncols) {
                                ci = 0;
                                ++hi;
                            }
                        }
                        if (npos == 0) break;
                        write_or_compute_dx(A, n, h0, e, kb, boff, npos, pos_h, pos_w, pp, cbuf, arows, mrs, cgp, nkk,
                                            cvecs);
                    }
                }
            }
        }
    }

    static void write_or_compute_dx(const ConvKernelArgs& A, int64_t n, int64_t h0, int64_t ntaps, const int64_t* kb,
                                    const int64_t* boff, int64_t npos, const int64_t* pos_h, const int64_t* pos_w,
                                    const int64_t* pp, float* cbuf, const float** arows, int* mrs, int64_t cgp,
                                    int64_t nkk, int64_t cvecs) {
        const core::ConvGeometry& g = A.g;
        constexpr int MR = I::kGemmMR, NV = I::kGemmNV, LDC = NV * W;
        auto dx_index = [&](int64_t i, int64_t cc) {
            const int64_t h = h0 + pos_h[i], w = pos_w[i];
            return g.nhwc ? ((n * g.h + h) * g.w + w) * g.c + cc : ((n * g.c + cc) * g.h + h) * g.w + w;
        };
        if (ntaps == 0) {  // no tap reaches an output: dx = +0
            for (int64_t i = 0; i < npos; ++i)
                for (int64_t cc = 0; cc < g.c; ++cc) A.dx[dx_index(i, cc)] = 0.0f;
            return;
        }
        const int64_t ntiles = core::ceil_div(npos, MR);
        for (int64_t grp = 0; grp < g.groups; ++grp) {
            const float* abase = A.a + n * A.a_img + grp * g.kg * A.a_chan;
            for (int64_t t = 0; t < ntiles; ++t) {
                mrs[t] = static_cast<int>(std::min<int64_t>(MR, npos - t * MR));
                for (int i = 0; i < mrs[t]; ++i) {
                    const int64_t pi = t * MR + i;
                    arows[t * MR + i] = abase + pp[pos_h[pi] * g.r] * A.a_row + A.first_q[pos_w[pi]] * A.a_col;
                }
            }
            for (int64_t cv0 = 0; cv0 < cvecs; cv0 += NV) {
                const int nv = static_cast<int>(std::min<int64_t>(NV, cvecs - cv0));
                const float* b = A.panel + grp * nkk * cgp + cv0 * W;
                const int64_t clanes = std::min<int64_t>(nv * W, g.cg - cv0 * W);
                run_tiles<true, true>(ntiles, arows, mrs, nv, ntaps, kb, b, boff, 0, cbuf);
                const int64_t c0 = grp * g.cg + cv0 * W;
                if (g.nhwc) {
                    for (int64_t i = 0; i < npos; ++i) store_row(A.dx + dx_index(i, c0), cbuf + i * LDC, clanes);
                } else {
                    for (int64_t l = 0; l < clanes; ++l) {
                        float* dst = A.dx + ((n * g.c + c0 + l) * g.h + h0) * g.w;
                        for (int64_t i = 0; i < npos; ++i) dst[pos_h[i] * g.w + pos_w[i]] = cbuf[i * LDC + l];
                    }
                }
            }
        }
    }

    // base[t] = offset of x~ at tap (0, 0) of position j0 + t, j = (n * P + p) * Q + q, in A's strides.
    static void position_bases(const ConvKernelArgs& A, int64_t j0, int64_t len, int64_t* base) {
        const core::ConvGeometry& g = A.g;
        int64_t n = j0 / (g.p * g.q), p = (j0 / g.q) % g.p, q = j0 % g.q;
        int64_t row = n * A.a_img + p * g.sh * A.a_row;
        for (int64_t t = 0; t < len; ++t) {
            base[t] = row + q * g.sw * A.a_col;
            if (++q == g.q) {
                q = 0;
                if (++p == g.p) {
                    p = 0;
                    ++n;
                }
                row = n * A.a_img + p * g.sh * A.a_row;
            }
        }
    }

    // dy transposed: dyt[j][col(k)], j = (n * P + p) * Q + q, col(k) = (k / Kg) * kgp + k % Kg (GEMM layout) or k
    // (depthwise layout, row length kp); padding columns are 0. Units: blocks of kConvTransposeRows positions.
    static void transpose_dy(const ConvKernelArgs& A, float* dyt, int64_t begin, int64_t end) {
        const core::ConvGeometry& g = A.g;
        const bool gemm = A.plan.path == ConvPath::kGemm;
        const int64_t ldt = gemm ? g.groups * A.plan.kgp : A.plan.kp, pq = g.p * g.q, npq = g.n * pq;
        auto column = [&](int64_t k) { return gemm ? (k / g.kg) * A.plan.kgp + k % g.kg : k; };
        for (int64_t u = begin; u < end; ++u) {
            const int64_t j0 = u * kConvTransposeRows, j1 = std::min(npq, j0 + kConvTransposeRows);
            copy_floats(dyt + j0 * ldt, nullptr, (j1 - j0) * ldt);
            if (g.nhwc) {
                for (int64_t j = j0; j < j1; ++j)
                    for (int64_t grp = 0; grp < g.groups; ++grp)
                        copy_floats(dyt + j * ldt + column(grp * g.kg), A.dy + j * g.k + grp * g.kg, g.kg);
                continue;
            }
            for (int64_t j = j0; j < j1;) {  // runs of positions within one image: dy[n][k][pq .. pq + run)
                const int64_t n = j / pq, pos = j % pq, run = std::min(j1 - j, pq - pos);
                const float* src = A.dy + n * g.k * pq + pos;
                float* dst = dyt + j * ldt;
                int64_t k0 = 0;
                for (; k0 < g.k; k0 += W) {
                    const int64_t kn = std::min<int64_t>(W, g.k - k0);
                    const bool whole = kn == W && column(k0 + W - 1) == column(k0) + W - 1;  // one group, contiguous
                    int64_t t = 0;
                    if (whole)
                        for (; t + W <= run; t += W) I::transpose(src + k0 * pq + t, pq, dst + t * ldt + column(k0), ldt);
                    for (; t < run; ++t)
                        for (int64_t l = 0; l < kn; ++l) dst[t * ldt + column(k0 + l)] = src[(k0 + l) * pq + t];
                }
                j += run;
            }
        }
    }

    // ---- Backward weights, GEMM path: lanes over output channels ------------------------------------------------------
    // Units: (group, block of kConvPanel channels, block of positions_per_unit weight taps kk = (c', r, s)). Chunks of
    // kConvReductionChunk positions in order; each tile's chunk sum is added to its running total.
    static void backward_weights_gemm(const ConvKernelArgs& A, int64_t begin, int64_t end) {
        const core::ConvGeometry& g = A.g;
        constexpr int MR = I::kGemmMR, NV = I::kGemmNV, LDC = NV * W;
        constexpr int64_t kChunk = core::kConvReductionChunk;
        const int64_t pq = g.p * g.q, npq = g.n * pq, kblocks = A.plan.kgp / kConvPanel;
        const int64_t ldt = g.groups * A.plan.kgp;
        const int64_t max_tiles = core::ceil_div(A.positions_per_unit, MR);
        const int64_t max_kv = core::ceil_div(kConvPanel / W, NV);
        ConvScratch totals_mem(static_cast<size_t>(max_tiles * max_kv * MR * LDC) * sizeof(float));
        ConvScratch base_mem(static_cast<size_t>(kChunk) * sizeof(int64_t));
        float* totals = totals_mem.floats();
        int64_t* base = base_mem.ints();
        const float* arow[MR];
        for (int64_t u = begin; u < end; ++u) {
            const int64_t grp = u / (kblocks * A.tile_groups), kb64 = (u / A.tile_groups) % kblocks;
            const int64_t tgi = u % A.tile_groups;
            const int64_t kk0 = tgi * A.positions_per_unit, kk1 = std::min(A.ntaps, kk0 + A.positions_per_unit);
            const int64_t kvalid = std::min<int64_t>(kConvPanel, g.kg - kb64 * kConvPanel);
            const int64_t kvecs = core::ceil_div(kvalid, W), nkv = core::ceil_div(kvecs, NV);
            const int64_t ntiles = core::ceil_div(kk1 - kk0, MR);
            const float* abase = A.a + grp * g.cg * A.a_chan;
            for (int64_t j0 = 0; j0 < npq; j0 += kChunk) {
                const int64_t len = std::min(kChunk, npq - j0);
                position_bases(A, j0, len, base);
                for (int64_t kvb = 0; kvb < nkv; ++kvb) {
                    const int nv = static_cast<int>(std::min<int64_t>(NV, kvecs - kvb * NV));
                    const float* b = A.dyt + j0 * ldt + grp * A.plan.kgp + kb64 * kConvPanel + kvb * NV * W;
                    for (int64_t ti = 0; ti < ntiles; ++ti) {
                        const int64_t kkt = kk0 + ti * MR;
                        const int mr = static_cast<int>(std::min<int64_t>(MR, kk1 - kkt));
                        for (int i = 0; i < mr; ++i) arow[i] = abase + A.taps[kkt + i];
                        gemm_tile_for<true, false>(mr, nv)(len, arow, base, b, nullptr, ldt,
                                                           totals + (ti * max_kv + kvb) * MR * LDC, LDC,
                                                           j0 == 0 ? kCStore : kCAdd);
                    }
                }
            }
            for (int64_t ti = 0; ti < ntiles; ++ti) {
                const int64_t kkt = kk0 + ti * MR;
                const int64_t mr = std::min<int64_t>(MR, kk1 - kkt);
                for (int64_t l = 0; l < kvalid; ++l) {
                    const int64_t kvb = l / (NV * W), lane = l % (NV * W);
                    const int64_t k = grp * g.kg + kb64 * kConvPanel + l;
                    const float* tot = totals + (ti * max_kv + kvb) * MR * LDC + lane;
                    for (int64_t i = 0; i < mr; ++i) A.dw[k * A.ntaps + kkt + i] = tot[i * LDC];
                }
            }
        }
    }

    // ---- Backward weights, depthwise (C = K = groups): lanes over channels ----------------------------------------------
    // Units: (block of kConvLanePad channels, block of kConvDwTaps taps (r, s)). xt is the padded NHWC copy.
    template <int NT>
    static void depthwise_chunk(const ConvKernelArgs& A, const int64_t* base, int64_t len, const float* dyt, int64_t t0,
                                int64_t ch0, float* totals, bool first) {
        constexpr int NVV = static_cast<int>(kConvLanePad) / W;
        f32 acc[NT][NVV];
        for (int i = 0; i < NT; ++i)
            for (int v = 0; v < NVV; ++v) acc[i][v] = I::fsplat(0.0f);
        const int64_t kp = A.plan.kp;
        for (int64_t t = 0; t < len; ++t) {
            const float* xb = A.xt + base[t] + ch0;
            for (int v = 0; v < NVV; ++v) {
                const f32 dv = I::fload(dyt + t * kp + ch0 + v * W);
                for (int i = 0; i < NT; ++i) acc[i][v] = I::ffma(dv, I::fload(xb + A.taps[t0 + i] + v * W), acc[i][v]);
            }
        }
        for (int i = 0; i < NT; ++i)
            for (int v = 0; v < NVV; ++v) {
                float* tp = totals + i * kConvLanePad + v * W;
                I::fstore(tp, first ? acc[i][v] : I::fadd(I::fload(tp), acc[i][v]));
            }
    }

    static void backward_weights_depthwise(const ConvKernelArgs& A, int64_t begin, int64_t end) {
        static constexpr auto chunk = tile_table<kConvDwTaps>([]<int NT> { return &depthwise_chunk<NT>; });
        const core::ConvGeometry& g = A.g;
        constexpr int64_t kChunk = core::kConvReductionChunk;
        const int64_t pq = g.p * g.q, npq = g.n * pq, rs = g.r * g.s;
        alignas(64) float totals[kConvDwTaps * kConvLanePad];
        int64_t base[kChunk];
        for (int64_t u = begin; u < end; ++u) {
            const int64_t ch0 = (u / A.tile_groups) * kConvLanePad, t0 = (u % A.tile_groups) * kConvDwTaps;
            const int nt = static_cast<int>(std::min<int64_t>(kConvDwTaps, rs - t0));
            for (int64_t j0 = 0; j0 < npq; j0 += kChunk) {
                const int64_t len = std::min(kChunk, npq - j0);
                position_bases(A, j0, len, base);
                chunk(nt)(A, base, len, A.dyt + j0 * A.plan.kp, t0, ch0, totals, j0 == 0);
            }
            for (int64_t l = 0; l < kConvLanePad && ch0 + l < g.k; ++l)
                for (int i = 0; i < nt; ++i) A.dw[(ch0 + l) * rs + t0 + i] = totals[i * kConvLanePad + l];
        }
    }

    // ---- Bias gradient from dy transposed: units = blocks of kConvLanePad columns ------------------------------------
    static void backward_bias_t(const ConvKernelArgs& A, int64_t begin, int64_t end) {
        const core::ConvGeometry& g = A.g;
        constexpr int NVV = static_cast<int>(kConvLanePad) / W;
        constexpr int64_t kChunk = core::kConvReductionChunk;
        const bool gemm = A.plan.path == ConvPath::kGemm;
        const int64_t ldt = gemm ? g.groups * A.plan.kgp : A.plan.kp, npq = g.n * g.p * g.q;
        for (int64_t u = begin; u < end; ++u) {
            const int64_t col0 = u * kConvLanePad;
            f32 total[NVV];
            for (int v = 0; v < NVV; ++v) total[v] = I::fsplat(0.0f);
            for (int64_t j0 = 0; j0 < npq; j0 += kChunk) {
                const int64_t j1 = std::min(npq, j0 + kChunk);
                f32 acc[NVV];
                for (int v = 0; v < NVV; ++v) acc[v] = I::fsplat(0.0f);
                for (int64_t j = j0; j < j1; ++j)
                    for (int v = 0; v < NVV; ++v) acc[v] = I::fadd(acc[v], I::fload(A.dyt + j * ldt + col0 + v * W));
                for (int v = 0; v < NVV; ++v) total[v] = j0 == 0 ? acc[v] : I::fadd(total[v], acc[v]);
            }
            alignas(64) float out[kConvLanePad];
            for (int v = 0; v < NVV; ++v) I::fstore(out + v * W, total[v]);
            for (int64_t l = 0; l < kConvLanePad; ++l) {
                const int64_t col = col0 + l;
                if (gemm) {
                    const int64_t grp = col / A.plan.kgp, kq = col % A.plan.kgp;
                    if (kq < g.kg) A.dbias[grp * g.kg + kq] = out[l];
                } else if (col < g.k) {
                    A.dbias[col] = out[l];
                }
            }
        }
    }

    // ---- Output store shared by Winograd and FFT: value vector for channels k0 .. k0 + cnt - 1 at (n, p, q) ----------
    static void store_channels(const ConvKernelArgs& A, int64_t n, int64_t k0, int64_t cnt, int64_t p, int64_t q, f32 val) {
        const core::ConvGeometry& g = A.g;
        if (g.nhwc) {
            float* dst = A.y + ((n * g.p + p) * g.q + q) * g.k + k0;
            if (cnt == W)
                I::fstore(dst, val);
            else
                I::store_n(dst, val, static_cast<int>(cnt));
        } else {
            alignas(64) float tmp[W];
            I::fstore(tmp, val);
            for (int64_t l = 0; l < cnt; ++l) A.y[((n * g.k + k0 + l) * g.p + p) * g.q + q] = tmp[l];
        }
    }

    // NCHW: vals[b] (lanes = channels k0 .. k0 + cnt - 1) for columns q0 .. q0 + ncols - 1 (ncols <= W) of output row
    // p, by one transpose and one vector store per channel.
    static void store_cols_nchw(const ConvKernelArgs& A, int64_t n, int64_t k0, int64_t cnt, int64_t p, int64_t q0,
                                int64_t ncols, const f32* vals) {
        const core::ConvGeometry& g = A.g;
        alignas(64) float tmp[W * W], out[W * W];
        for (int64_t b = 0; b < W; ++b) I::fstore(tmp + b * W, b < ncols ? vals[b] : I::fsplat(0.0f));
        I::transpose(tmp, W, out, W);
        for (int64_t l = 0; l < cnt; ++l) {
            float* dst = A.y + ((n * g.k + k0 + l) * g.p + p) * g.q + q0;
            if (ncols == W)
                I::fstore(dst, I::fload(out + l * W));
            else
                I::store_n(dst, I::fload(out + l * W), static_cast<int>(ncols));
        }
    }

    static f32 bias_lanes(const ConvKernelArgs& A, int64_t k0, int64_t cnt) {
        if (cnt == W) return I::fload(A.bias + k0);
        return I::load_range(A.bias + k0, 0, static_cast<int>(cnt));
    }

    // ---- Winograd F(m x m, 3 x 3) -------------------------------------------------------------------------------------
    // Units: (n, block of tiles_per_unit tiles in (tp, tq) order). Per unit: input transforms (lanes over channels),
    // the channel products (GEMM over c' per transformed element; depthwise: one fma), output transforms (lanes over
    // output channels).
    template <class WT>
    static void forward_winograd(const ConvKernelArgs& A, int64_t begin, int64_t end) {
        const core::ConvGeometry& g = A.g;
        const ConvPlan& pl = A.plan;
        constexpr int M = WT::kM, AL = WT::kAlpha, X = AL * AL;
        constexpr int MR = I::kGemmMR, NV = I::kGemmNV;
        const bool dwise = g.depthwise();
        const int64_t tb = A.tiles_per_unit, cp = pl.cp, kgp = pl.kgp;
        const int64_t mcols = dwise ? pl.kp : g.groups * kgp, ntiles_img = pl.tiles_p * pl.tiles_q;
        const int64_t kvecs = core::ceil_div(g.kg, W);
        ConvScratch vmem(static_cast<size_t>(X * tb * cp) * sizeof(float));
        ConvScratch mmem(static_cast<size_t>(X * tb * mcols) * sizeof(float));
        float* V = vmem.floats();
        float* Mb = mmem.floats();
        const float* arow[MR];
        for (int64_t u = begin; u < end; ++u) {
            const int64_t n = u / A.units_per_image, blk = u % A.units_per_image;
            const int64_t t0 = blk * tb, nt = std::min(tb, ntiles_img - t0);
            for (int64_t ti = 0; ti < nt; ++ti) {
                const int64_t tile = t0 + ti, tp = tile / pl.tiles_q, tq = tile % pl.tiles_q;
                const float* src = A.xt + ((n * pl.hp + tp * M) * pl.wp + tq * M) * cp;
                for (int64_t cv = 0; cv < cp; cv += W) {
                    f32 d[X], v[X];
                    for (int i = 0; i < AL; ++i)
                        for (int j = 0; j < AL; ++j) d[i * AL + j] = I::fload(src + (i * pl.wp + j) * cp + cv);
                    core::winograd_input_2d<WT, I>(d, v);
                    for (int xi = 0; xi < X; ++xi) I::fstore(V + (xi * tb + ti) * cp + cv, v[xi]);
                }
            }
            if (dwise) {
                for (int64_t xi = 0; xi < X; ++xi)
                    for (int64_t ti = 0; ti < nt; ++ti)
                        for (int64_t kv = 0; kv < mcols; kv += W)
                            I::fstore(Mb + (xi * tb + ti) * mcols + kv,
                                      I::ffma(I::fload(A.u + xi * pl.kp + kv), I::fload(V + (xi * tb + ti) * cp + kv),
                                              I::fsplat(0.0f)));
            } else {
                for (int64_t xi = 0; xi < X; ++xi)
                    for (int64_t grp = 0; grp < g.groups; ++grp)
                        for (int64_t kv0 = 0; kv0 < kvecs; kv0 += NV) {
                            const int nv = static_cast<int>(std::min<int64_t>(NV, kvecs - kv0));
                            const float* b = A.u + (xi * g.groups + grp) * g.cg * kgp + kv0 * W;
                            for (int64_t ti0 = 0; ti0 < nt; ti0 += MR) {
                                const int mr = static_cast<int>(std::min<int64_t>(MR, nt - ti0));
                                for (int i = 0; i < mr; ++i) arow[i] = V + (xi * tb + ti0 + i) * cp + grp * g.cg;
                                gemm_tile_for<false, false>(mr, nv)(g.cg, arow, nullptr, b, nullptr, kgp,
                                                                    Mb + (xi * tb + ti0) * mcols + grp * kgp + kv0 * W,
                                                                    mcols, kCStore);
                            }
                        }
            }
            // Runs of tiles side by side in one tile row: NCHW stores each output row of a run (up to W columns)
            // with one transpose and one vector store per channel.
            constexpr int kRun = W >= M ? W / M : 1;
            for (int64_t ti = 0; ti < nt;) {
                const int64_t tile = t0 + ti, p0 = (tile / pl.tiles_q) * M, q0 = (tile % pl.tiles_q) * M;
                const int64_t run = (!g.nhwc && W >= M)
                                        ? std::min<int64_t>({kRun, pl.tiles_q - tile % pl.tiles_q, nt - ti})
                                        : 1;
                for (int64_t grp = 0; grp < (dwise ? 1 : g.groups); ++grp) {
                    const int64_t kcount = dwise ? g.k : g.kg;
                    for (int64_t kq = 0; kq < kcount; kq += W) {
                        const int64_t cnt = std::min<int64_t>(W, kcount - kq);
                        const int64_t col = (dwise ? 0 : grp * kgp) + kq, k0 = grp * g.kg + kq;
                        const f32 bv = A.bias ? bias_lanes(A, k0, cnt) : I::fsplat(0.0f);
                        f32 ys[kRun][M * M];
                        for (int64_t t = 0; t < run; ++t) {
                            f32 m[X];
                            for (int xi = 0; xi < X; ++xi) m[xi] = I::fload(Mb + (xi * tb + ti + t) * mcols + col);
                            core::winograd_output_2d<WT, I>(m, ys[t]);
                            if (A.bias)
                                for (int e = 0; e < M * M; ++e) ys[t][e] = I::fadd(ys[t][e], bv);
                        }
                        for (int a = 0; a < M && p0 + a < g.p; ++a) {
                            if (run > 1 || (!g.nhwc && W >= M)) {
                                f32 row[W];
                                const int64_t ncols = std::min<int64_t>(run * M, g.q - q0);
                                for (int64_t b = 0; b < ncols; ++b) row[b] = ys[b / M][a * M + b % M];
                                store_cols_nchw(A, n, k0, cnt, p0 + a, q0, ncols, row);
                            } else {
                                for (int b = 0; b < M && q0 + b < g.q; ++b)
                                    store_channels(A, n, k0, cnt, p0 + a, q0 + b, ys[0][a * M + b]);
                            }
                        }
                    }
                }
                ti += run;
            }
        }
    }

    // Weight transforms U = G g G^T with lanes over output channels. Layout [xi][g][c'][kgp] (depthwise: [xi][kp]).
    // Units: (g, c', block of kConvLanePad channels k') (depthwise: blocks of channels); padding lanes are 0.
    template <class WT>
    static void winograd_weights(const ConvKernelArgs& A, float* U, int64_t begin, int64_t end) {
        const core::ConvGeometry& g = A.g;
        constexpr int AL = WT::kAlpha, X = AL * AL, NVV = static_cast<int>(kConvLanePad) / W;
        const bool dwise = g.depthwise();
        const int64_t kgp = A.plan.kgp, kp = A.plan.kp, kblocks = dwise ? kp / kConvLanePad : kgp / kConvLanePad;
        alignas(64) float tmp[W];
        for (int64_t u = begin; u < end; ++u) {
            const int64_t kb = u % kblocks, pair = u / kblocks, grp = dwise ? 0 : pair / g.cg, ci = dwise ? 0 : pair % g.cg;
            for (int vv = 0; vv < NVV; ++vv) {
                const int64_t kq0 = kb * kConvLanePad + vv * W;
                f32 gw[9], uw[X];
                for (int e = 0; e < 9; ++e) {
                    for (int l = 0; l < W; ++l) {
                        const int64_t kq = kq0 + l;
                        const bool in = dwise ? kq < g.k : kq < g.kg;
                        tmp[l] = in ? A.w[g.w_index(dwise ? kq : grp * g.kg + kq, ci, e / 3, e % 3)] : 0.0f;
                    }
                    gw[e] = I::fload(tmp);
                }
                core::winograd_weight_2d<WT, I>(gw, uw);
                for (int xi = 0; xi < X; ++xi)
                    I::fstore(dwise ? U + xi * kp + kq0 : U + ((xi * g.groups + grp) * g.cg + ci) * kgp + kq0, uw[xi]);
            }
        }
    }
    static void winograd2_weights(const ConvKernelArgs& A, float* U, int64_t b, int64_t e) {
        winograd_weights<core::WinogradF2<I>>(A, U, b, e);
    }
    static void winograd4_weights(const ConvKernelArgs& A, float* U, int64_t b, int64_t e) {
        winograd_weights<core::WinogradF4<I>>(A, U, b, e);
    }

    static void forward_winograd2(const ConvKernelArgs& A, int64_t b, int64_t e) {
        forward_winograd<core::WinogradF2<I>>(A, b, e);
    }
    static void forward_winograd4(const ConvKernelArgs& A, int64_t b, int64_t e) {
        forward_winograd<core::WinogradF4<I>>(A, b, e);
    }

    // ---- FFT ----------------------------------------------------------------------------------------------------------
    // Weights: V = conj(F(w padded to 16 x 16)), layout [bin][g][c'][re | im][kgp] (depthwise: [bin][re | im][kp]).
    // Units: (g, c', block of kConvLanePad channels k') (depthwise: blocks of channels).
    static void fft_weights(const ConvKernelArgs& A, float* V, int64_t begin, int64_t end) {
        const core::ConvGeometry& g = A.g;
        const bool dwise = g.depthwise();
        const int64_t kgp = A.plan.kgp, kp = A.plan.kp, kblocks = dwise ? kp / kConvLanePad : kgp / kConvLanePad;
        constexpr int NVV = static_cast<int>(kConvLanePad) / W;
        f32 patch[256], wr[core::kFftBins], wi[core::kFftBins];
        alignas(64) float tmp[W];
        for (int64_t u = begin; u < end; ++u) {
            const int64_t kb = u % kblocks, pair = u / kblocks, grp = dwise ? 0 : pair / g.cg, ci = dwise ? 0 : pair % g.cg;
            for (int vv = 0; vv < NVV; ++vv) {
                const int64_t kq0 = kb * kConvLanePad + vv * W;  // channel within the group (depthwise: k)
                for (int e = 0; e < 256; ++e) {
                    const int i = e / 16, j = e % 16;
                    for (int l = 0; l < W; ++l) {
                        const int64_t kq = kq0 + l;
                        const bool in = i < g.r && j < g.s && (dwise ? kq < g.k : kq < g.kg);
                        tmp[l] = in ? A.w[g.w_index(dwise ? kq : grp * g.kg + kq, ci, i, j)] : 0.0f;
                    }
                    patch[e] = I::fload(tmp);
                }
                core::fft_forward_2d<I>(patch, wr, wi);
                for (int b = 0; b < core::kFftBins; ++b) {
                    float* dst = dwise ? V + b * 2 * kp + kq0 : V + ((b * g.groups + grp) * g.cg + ci) * 2 * kgp + kq0;
                    const int64_t imo = dwise ? kp : kgp;
                    I::fstore(dst, wr[b]);
                    I::fstore(dst + imo, I::fneg(wi[b]));
                }
            }
        }
    }

    template <int MR, int NV>
    static void cgemm_tile(int64_t nc, const float* const* ar, const float* const* ai, const float* b, int64_t ldb,
                           int64_t im_off, float* cr, int64_t ldc, int64_t c_im_off) {
        f32 accr[MR][NV], acci[MR][NV];
        for (int i = 0; i < MR; ++i)
            for (int v = 0; v < NV; ++v) accr[i][v] = acci[i][v] = I::fsplat(0.0f);
        for (int64_t t = 0; t < nc; ++t) {
            f32 br[NV], bi[NV];
            for (int v = 0; v < NV; ++v) {
                br[v] = I::fload(b + t * ldb + v * W);
                bi[v] = I::fload(b + t * ldb + im_off + v * W);
            }
            for (int i = 0; i < MR; ++i) {
                const f32 dr = I::fsplat(ar[i][t]), di = I::fsplat(ai[i][t]);
                for (int v = 0; v < NV; ++v) core::fft_cmac<I>(dr, di, br[v], bi[v], accr[i][v], acci[i][v]);
            }
        }
        for (int i = 0; i < MR; ++i)
            for (int v = 0; v < NV; ++v) {
                I::fstore(cr + i * ldc + v * W, accr[i][v]);
                I::fstore(cr + i * ldc + c_im_off + v * W, acci[i][v]);
            }
    }

    // Units: (n, block of tiles_per_unit tiles).
    static void forward_fft(const ConvKernelArgs& A, int64_t begin, int64_t end) {
        static constexpr auto cplx_tile =
            tile_table<I::kCplxMR, I::kCplxNV>([]<int MR, int NV> { return &cgemm_tile<MR, NV>; });
        const core::ConvGeometry& g = A.g;
        const ConvPlan& pl = A.plan;
        constexpr int B = core::kFftBins, MR = I::kCplxMR, NV = I::kCplxNV;
        const bool dwise = g.depthwise();
        const int64_t tb = A.tiles_per_unit, cp = pl.cp, kgp = pl.kgp, mh = pl.tile_h, mw = pl.tile_w;
        const int64_t mcols = dwise ? pl.kp : g.groups * kgp, ntiles_img = pl.tiles_p * pl.tiles_q;
        const int64_t kvecs = core::ceil_div(g.kg, W);
        ConvScratch dmem(static_cast<size_t>(B * tb * 2 * cp) * sizeof(float));
        ConvScratch zmem(static_cast<size_t>(B * tb * 2 * mcols) * sizeof(float));
        ConvScratch tmem(static_cast<size_t>(256 + 2 * B) * sizeof(f32));
        float* D = dmem.floats();
        float* Z = zmem.floats();
        f32* patch = reinterpret_cast<f32*>(tmem.floats());
        f32* fr = patch + 256;
        f32* fi = fr + B;
        const float* ar[MR];
        const float* ai[MR];
        for (int64_t u = begin; u < end; ++u) {
            const int64_t n = u / A.units_per_image, blk = u % A.units_per_image;
            const int64_t t0 = blk * tb, nt = std::min(tb, ntiles_img - t0);
            for (int64_t ti = 0; ti < nt; ++ti) {
                const int64_t tile = t0 + ti, tp = tile / pl.tiles_q, tq = tile % pl.tiles_q;
                const float* src = A.xt + ((n * pl.hp + tp * mh) * pl.wp + tq * mw) * cp;
                for (int64_t cv = 0; cv < cp; cv += W) {
                    for (int i = 0; i < 16; ++i)
                        for (int j = 0; j < 16; ++j) patch[i * 16 + j] = I::fload(src + (i * pl.wp + j) * cp + cv);
                    core::fft_forward_2d<I>(patch, fr, fi);
                    for (int b = 0; b < B; ++b) {
                        I::fstore(D + ((b * tb + ti) * 2) * cp + cv, fr[b]);
                        I::fstore(D + ((b * tb + ti) * 2 + 1) * cp + cv, fi[b]);
                    }
                }
            }
            if (dwise) {
                for (int64_t b = 0; b < B; ++b)
                    for (int64_t ti = 0; ti < nt; ++ti)
                        for (int64_t kv = 0; kv < mcols; kv += W) {
                            f32 re = I::fsplat(0.0f), im = I::fsplat(0.0f);
                            const float* d = D + ((b * tb + ti) * 2) * cp + kv;
                            const float* v = A.u + b * 2 * pl.kp + kv;
                            core::fft_cmac<I>(I::fload(d), I::fload(d + cp), I::fload(v), I::fload(v + pl.kp), re, im);
                            I::fstore(Z + ((b * tb + ti) * 2) * mcols + kv, re);
                            I::fstore(Z + ((b * tb + ti) * 2 + 1) * mcols + kv, im);
                        }
            } else {
                for (int64_t b = 0; b < B; ++b)
                    for (int64_t grp = 0; grp < g.groups; ++grp)
                        for (int64_t kv0 = 0; kv0 < kvecs; kv0 += NV) {
                            const int nv = static_cast<int>(std::min<int64_t>(NV, kvecs - kv0));
                            const float* wb = A.u + (b * g.groups + grp) * g.cg * 2 * kgp + kv0 * W;
                            for (int64_t ti0 = 0; ti0 < nt; ti0 += MR) {
                                const int mr = static_cast<int>(std::min<int64_t>(MR, nt - ti0));
                                for (int i = 0; i < mr; ++i) {
                                    ar[i] = D + ((b * tb + ti0 + i) * 2) * cp + grp * g.cg;
                                    ai[i] = ar[i] + cp;
                                }
                                cplx_tile(mr, nv)(g.cg, ar, ai, wb, 2 * kgp, kgp,
                                                  Z + ((b * tb + ti0) * 2) * mcols + grp * kgp + kv0 * W, 2 * mcols,
                                                  mcols);
                            }
                        }
            }
            for (int64_t ti = 0; ti < nt; ++ti) {
                const int64_t tile = t0 + ti, p0 = (tile / pl.tiles_q) * mh, q0 = (tile % pl.tiles_q) * mw;
                for (int64_t grp = 0; grp < (dwise ? 1 : g.groups); ++grp) {
                    const int64_t kcount = dwise ? g.k : g.kg;
                    for (int64_t kq = 0; kq < kcount; kq += W) {
                        const int64_t cnt = std::min<int64_t>(W, kcount - kq);
                        const int64_t col = (dwise ? 0 : grp * kgp) + kq, k0 = grp * g.kg + kq;
                        for (int b = 0; b < B; ++b) {
                            fr[b] = I::fload(Z + ((b * tb + ti) * 2) * mcols + col);
                            fi[b] = I::fload(Z + ((b * tb + ti) * 2 + 1) * mcols + col);
                        }
                        core::fft_inverse_2d<I>(fr, fi, patch);
                        const f32 bv = A.bias ? bias_lanes(A, k0, cnt) : I::fsplat(0.0f);
                        const f32 scale = I::fsplat(core::kFftScale);
                        for (int64_t a = 0; a < mh && p0 + a < g.p; ++a) {
                            f32 row[16];
                            const int64_t ncols = std::min<int64_t>(mw, g.q - q0);
                            for (int64_t b = 0; b < ncols; ++b) {
                                const f32 z = I::fmul(patch[a * 16 + b], scale);
                                row[b] = A.bias ? I::fadd(z, bv) : z;
                            }
                            if (g.nhwc) {
                                for (int64_t b = 0; b < ncols; ++b) store_channels(A, n, k0, cnt, p0 + a, q0 + b, row[b]);
                            } else {
                                for (int64_t b0 = 0; b0 < ncols; b0 += W)
                                    store_cols_nchw(A, n, k0, cnt, p0 + a, q0 + b0, std::min<int64_t>(W, ncols - b0),
                                                    row + b0);
                            }
                        }
                    }
                }
            }
        }
    }

    static ConvKernels table(const char* name) {
        return ConvKernels{name,
                           &forward_row,
                           &forward_gemm,
                           &forward_winograd2,
                           &forward_winograd4,
                           &forward_fft,
                           &fft_weights,
                           &backward_data_row,
                           &backward_data_gemm,
                           &backward_weights_gemm,
                           &backward_weights_depthwise,
                           &backward_bias_t,
                           &nhwc_copy,
                           &winograd2_weights,
                           &winograd4_weights,
                           &transpose_dy};
    }
};

}  // namespace rk::cpu
