// Conv2d kernels: the building blocks that the passes and algorithms share, for one ISA description I (conv2d_impl.h
// lists what I provides): the generic tile picker (kernel variants by compile-time tile size, chosen at run time), the
// GEMM micro-kernel with its k-blocked driver, and the vector loads, copies and stores that several kernels need (the
// NHWC copy of x among them). The passes and algorithms (conv2d_forward.h, conv2d_backward_data.h, ...) derive from
// ConvTiles<I> to use them.
#pragma once

#include <algorithm>
#include <cstdint>
#include <utility>

#include "../core/conv2d.h"
#include "../core/int_math.h"
#include "conv2d_kernels.h"
#include "cpu_inline.h"

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
// table(a) or table(a, b), for sizes in range. The table's type includes Make (the lambda's type) and it holds a
// plain array, so that its code, like the kernels', is local to the ISA file that builds it: the entries' type alone is
// the same in every ISA file, and an inline function shared by ISA-flagged files may be linked from any of them.
template <class Make, class Entry, int MaxA, int... MaxB>
struct TileTable {
    static_assert(sizeof...(MaxB) <= 1, "one or two tile sizes");
    static constexpr int kB = (1 * ... * MaxB);  // range of the second size (1 when there is none)
    Entry entries[MaxA * kB];                    // [a - 1][b - 1]

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
    return TileTable<Make, Entry, MaxA, MaxB...>{{tile_entry<K, MaxA, MaxB...>(make)...}};
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

// ---- Shared building blocks over one ISA description ----------------------------------------------------------------
template <class I>
struct ConvTiles {
    using f32 = typename I::f32;
    using mask = typename I::mask;
    static constexpr int W = I::kWidth;

    enum : int { kCStore = 0, kCLoad = 1, kCAdd = 2 };

    // ---- GEMM micro-kernel ------------------------------------------------------------------------------------------
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

    // ---- Copies, loads and stores of vectors ------------------------------------------------------------------------
    // dst[0 .. cnt) = src[0 .. cnt) (src null: +0), by vectors.
    static void copy_floats(float* dst, const float* src, int64_t cnt) {
        int64_t l = 0;
        for (; l + W <= cnt; l += W) I::fstore(dst + l, src ? I::fload(src + l) : I::fsplat(0.0f));
        if (l < cnt)
            I::store_n(dst + l, src ? I::load_range(src + l, 0, static_cast<int>(cnt - l)) : I::fsplat(0.0f),
                       static_cast<int>(cnt - l));
    }

    // The first cnt (1 .. W) lanes of val to dst: a whole vector when cnt == W.
    RK_CPU_INLINE static void store_lanes(float* dst, f32 val, int64_t cnt) {
        if (cnt == W)
            I::fstore(dst, val);
        else
            I::store_n(dst, val, static_cast<int>(cnt));
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
            for (int64_t row = 0; row < rows; ++row)
                I::fstore(c + row * ldc + l, I::fadd(I::fload(c + row * ldc + l), bv));
        }
    }

    // Activation columns, lane l: column col = col0 + l * step; base[col * estride] if 0 <= col < ncols, else +0.
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

    // ---- The NHWC copy read by Winograd, FFT and the depthwise weight gradient --------------------------------------
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
                for (int64_t j = j0; j < j1; ++j)
                    copy_floats(row + j * cp, A.x + ((n * g.h + h) * g.w + (j - g.pl)) * g.c, g.c);
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

    // ---- Output stores of Winograd and FFT (lanes over output channels) ---------------------------------------------
    // Value vector for channels k0 .. k0 + cnt - 1 at (n, p, q).
    static void store_channels(const ConvKernelArgs& A, int64_t n, int64_t k0, int64_t cnt, int64_t p, int64_t q,
                               f32 val) {
        const core::ConvGeometry& g = A.g;
        if (g.nhwc) {
            float* dst = A.y + ((n * g.p + p) * g.q + q) * g.k + k0;
            store_lanes(dst, val, cnt);
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
            store_lanes(dst, I::fload(out + l * W), ncols);
        }
    }

    // Bias of channels k0 .. k0 + cnt - 1 (lanes past cnt +0).
    static f32 bias_lanes(const ConvKernelArgs& A, int64_t k0, int64_t cnt) {
        if (cnt == W) return I::fload(A.bias + k0);
        return I::load_range(A.bias + k0, 0, static_cast<int>(cnt));
    }
};

}  // namespace rk::cpu
