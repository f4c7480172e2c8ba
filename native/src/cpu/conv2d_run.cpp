// Conv2d on the CPU: runs a planned pass. Prepares operands in the workspace (padded copies, packed weight panels,
// transposed dy, transformed tiles) and splits the kernels' independent work units over the context's threads.
// Compiled without ISA flags; the ISA files only compute ranges of units (conv2d_kernels.h).
#include "conv2d_run.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <vector>

#include "../core/int_math.h"

namespace rk::cpu {

using core::ConvGeometry;
using core::ceil_div;

const ConvKernels& conv_kernels(rk_isa isa) {
    switch (isa) {
#if defined(RK_HAVE_X86_KERNELS)
        case RK_ISA_AVX2: return conv_kernels_avx2();
        case RK_ISA_AVX512: return conv_kernels_avx512();
#endif
#if defined(RK_HAVE_NEON_KERNELS)
        case RK_ISA_NEON: return conv_kernels_neon();
#endif
        default: return conv_kernels_scalar();
    }
}

namespace {

// Padded rows shorter than this are written element by element (pad_copy).
constexpr int64_t kShortRow = 32;

// Copies x into the zero-padded buffer xp in x's own layout: xp[n][c][i][j] (NCHW) or xp[n][i][j][c] (NHWC),
// i in [0, hp), j in [0, wp), holding x~[n][c][i - pt][j - pl].
void pad_copy(ThreadPool& pool, const ConvGeometry& g, int64_t hp, int64_t wp, const float* x, float* xp) {
    run_units(pool, g.n * hp, static_cast<double>(g.n * hp) * static_cast<double>(wp * g.c), [&](int64_t b, int64_t e) {
        for (int64_t u = b; u < e; ++u) {
            const int64_t n = u / hp, i = u % hp, h = i - g.pt;
            const bool row_in = h >= 0 && h < g.h;
            if (g.nhwc) {
                float* dst = xp + (n * hp + i) * wp * g.c;
                for (int64_t j = 0; j < wp; ++j) {
                    const int64_t wc = j - g.pl;
                    if (row_in && wc >= 0 && wc < g.w) {
                        const float* src = x + ((n * g.h + h) * g.w + wc) * g.c;
                        std::copy(src, src + g.c, dst + j * g.c);
                    } else {
                        std::fill(dst + j * g.c, dst + (j + 1) * g.c, 0.0f);
                    }
                }
            } else if (wp < kShortRow) {
                // Short rows (small images): one pass per row, not three library calls of a few floats each.
                for (int64_t c = 0; c < g.c; ++c) {
                    float* dst = xp + ((n * g.c + c) * hp + i) * wp;
                    const float* src = row_in ? x + ((n * g.c + c) * g.h + h) * g.w : x;
                    for (int64_t j = 0; j < wp; ++j) {
                        const int64_t wc = j - g.pl;
                        dst[j] = row_in && wc >= 0 && wc < g.w ? src[wc] : 0.0f;
                    }
                }
            } else {
                for (int64_t c = 0; c < g.c; ++c) {
                    float* dst = xp + ((n * g.c + c) * hp + i) * wp;
                    if (!row_in) {
                        std::fill(dst, dst + wp, 0.0f);
                        continue;
                    }
                    const float* src = x + ((n * g.c + c) * g.h + h) * g.w;
                    std::fill(dst, dst + g.pl, 0.0f);
                    std::copy(src, src + g.w, dst + g.pl);
                    std::fill(dst + g.pl + g.w, dst + wp, 0.0f);
                }
            }
        }
    });
}

// Strides of a (possibly padded) activation buffer with hp x wp planes and `ch` channels, in g's layout.
void set_strides(ConvKernelArgs& a, const ConvGeometry& g, int64_t ch, int64_t hp, int64_t wp) {
    if (g.nhwc) {
        a.a_img = hp * wp * ch;
        a.a_chan = 1;
        a.a_row = wp * ch;
        a.a_col = ch;
    } else {
        a.a_img = ch * hp * wp;
        a.a_chan = hp * wp;
        a.a_row = wp;
        a.a_col = 1;
    }
}

// Offsets of the taps kk = (c', r, s) (ascending) in a buffer with a's strides.
std::vector<int64_t> tap_offsets(const ConvKernelArgs& a, const ConvGeometry& g) {
    std::vector<int64_t> t(static_cast<size_t>(g.cg * g.r * g.s));
    for (int64_t ci = 0; ci < g.cg; ++ci)
        for (int64_t r = 0; r < g.r; ++r)
            for (int64_t s = 0; s < g.s; ++s)
                t[static_cast<size_t>((ci * g.r + r) * g.s + s)] = ci * a.a_chan + r * g.dh * a.a_row + s * g.dw * a.a_col;
    return t;
}

// Items (tiles, rows) per work unit: `preferred`, made smaller (down to 1) when that would leave fewer than two units
// per thread. Blocking never changes a result (every chain is computed whole inside one unit).
int64_t block_size(int64_t items, int64_t preferred, int threads) {
    const int64_t want_units = 2 * static_cast<int64_t>(threads);
    if (threads <= 1 || items >= preferred * want_units) return preferred;
    return std::max<int64_t>(1, std::min(preferred, ceil_div(items, want_units)));
}

constexpr int64_t kGemmPositionsPerUnit = 96;  // a multiple of every ISA's tile height
constexpr int64_t kWinogradTilesPerUnit = 18;
constexpr int64_t kFftTilesPerUnit = 8;
constexpr int64_t kWeightGradOutputsPerUnit = 48;

}  // namespace

void conv_run_forward(const ConvKernels& k, ThreadPool& pool, const ConvGeometry& g, const ConvPlan& plan,
                      const float* x, const float* w, const float* bias, float* y, float* ws) {
    ConvKernelArgs a;
    a.g = g;
    a.plan = plan;
    a.x = x;
    a.w = w;
    a.bias = bias;
    a.y = y;
    if (plan.path == ConvPath::kPointwise) {
        conv_run_pointwise(k, pool, g, RK_CONV_PASS_FORWARD, x, w, bias, y, nullptr);
        return;
    }
    switch (plan.path) {
        case ConvPath::kRow:
            run_units(pool, g.n * (conv_dw_nhwc(g) ? 1 : g.groups) * g.p, conv_macs(g),
                      [&](int64_t b, int64_t e) { k.forward_row(a, b, e); });
            return;
        case ConvPath::kGemm: {
            float* panel = ws + plan.off_w;
            const int64_t nkk = g.cg * g.r * g.s;
            run_units(pool, g.groups * nkk, static_cast<double>(g.groups * nkk * plan.kgp), [&](int64_t b, int64_t e) {
                for (int64_t u = b; u < e; ++u) {
                    const int64_t grp = u / nkk, kk = u % nkk;
                    float* dst = panel + u * plan.kgp;
                    for (int64_t kq = 0; kq < g.kg; ++kq) dst[kq] = w[(grp * g.kg + kq) * nkk + kk];
                    std::fill(dst + g.kg, dst + plan.kgp, 0.0f);
                }
            });
            if (plan.pad_copy) {
                pad_copy(pool, g, plan.hp, plan.wp, x, ws + plan.off_x);
                a.a = ws + plan.off_x;
            } else {
                a.a = x;
            }
            set_strides(a, g, g.c, plan.hp, plan.wp);
            const std::vector<int64_t> taps = tap_offsets(a, g);
            a.taps = taps.data();
            a.ntaps = nkk;
            a.panel = panel;
            a.positions_per_unit = kGemmPositionsPerUnit;
            a.units_per_image = ceil_div(g.p * g.q, kGemmPositionsPerUnit);
            run_units(pool, g.n * a.units_per_image, conv_macs(g), [&](int64_t b, int64_t e) { k.forward_gemm(a, b, e); });
            return;
        }
        case ConvPath::kWinograd2:
        case ConvPath::kWinograd4: {
            const bool f4 = plan.path == ConvPath::kWinograd4;
            float* u = ws + plan.off_w;
            const bool dw = g.depthwise();
            const int64_t kblocks = dw ? plan.kp / kConvLanePad : plan.kgp / kConvLanePad;
            const double alpha2 = static_cast<double>((plan.tile_h + 2) * (plan.tile_w + 2));
            run_units(pool, dw ? kblocks : g.groups * g.cg * kblocks, alpha2 * 4 * static_cast<double>(g.k * g.cg),
                      [&](int64_t b, int64_t e) {
                (f4 ? k.winograd4_weights : k.winograd2_weights)(a, u, b, e);
            });
            run_units(pool, g.n * plan.hp, static_cast<double>(g.n * plan.hp * plan.wp * plan.cp),
                      [&](int64_t b, int64_t e) { k.nhwc_copy(a, ws + plan.off_x, b, e); });
            a.xt = ws + plan.off_x;
            a.u = u;
            a.tiles_per_unit = block_size(g.n * plan.tiles_p * plan.tiles_q, kWinogradTilesPerUnit, pool.size());
            a.units_per_image = ceil_div(plan.tiles_p * plan.tiles_q, a.tiles_per_unit);
            run_units(pool, g.n * a.units_per_image,
                      static_cast<double>(g.n * plan.tiles_p * plan.tiles_q) * alpha2 * static_cast<double>(g.c * g.kg),
                      [&](int64_t b, int64_t e) {
                (f4 ? k.forward_winograd4 : k.forward_winograd2)(a, b, e);
            });
            return;
        }
        case ConvPath::kFft: {
            float* v = ws + plan.off_w;
            const bool dw = g.depthwise();
            // Units: (group, c', block of kConvLanePad output channels); depthwise: blocks of channels.
            const int64_t kblocks = dw ? plan.kp / kConvLanePad : plan.kgp / kConvLanePad;
            const int64_t units = dw ? kblocks : g.groups * g.cg * kblocks;
            run_units(pool, units, 512.0 * static_cast<double>(g.k * g.cg), [&](int64_t b, int64_t e) { k.fft_weights(a, v, b, e); });
            run_units(pool, g.n * plan.hp, static_cast<double>(g.n * plan.hp * plan.wp * plan.cp),
                      [&](int64_t b, int64_t e) { k.nhwc_copy(a, ws + plan.off_x, b, e); });
            a.xt = ws + plan.off_x;
            a.u = v;
            a.tiles_per_unit = block_size(g.n * plan.tiles_p * plan.tiles_q, kFftTilesPerUnit, pool.size());
            a.units_per_image = ceil_div(plan.tiles_p * plan.tiles_q, a.tiles_per_unit);
            run_units(pool, g.n * a.units_per_image,
                      512.0 * static_cast<double>(g.n * plan.tiles_p * plan.tiles_q) * static_cast<double>(g.c * g.kg),
                      [&](int64_t b, int64_t e) { k.forward_fft(a, b, e); });
            return;
        }
        default: {
            run_units(pool, g.n * g.k, conv_macs(g), [&](int64_t b, int64_t e) {
                for (int64_t u = b; u < e; ++u) {
                    const int64_t n = u / g.k, kk = u % g.k;
                    for (int64_t p = 0; p < g.p; ++p)
                        for (int64_t q = 0; q < g.q; ++q)
                            y[g.y_index(n, kk, p, q)] = core::conv_forward_ref(g, x, w, bias, n, kk, p, q);
                }
            });
            return;
        }
    }
}

void conv_run_backward_data(const ConvKernels& k, ThreadPool& pool, const ConvGeometry& g, const ConvPlan& plan,
                            const float* dy, const float* w, float* dx, float* ws) {
    ConvKernelArgs a;
    a.g = g;
    a.plan = plan;
    a.dy = dy;
    a.w = w;
    a.dx = dx;
    if (plan.path == ConvPath::kPointwise) {
        conv_run_pointwise(k, pool, g, RK_CONV_PASS_BACKWARD_DATA, dy, w, nullptr, dx, nullptr);
        return;
    }
    if (plan.path == ConvPath::kRow) {
        run_units(pool, g.n * (conv_dw_nhwc(g) ? 1 : g.groups) * g.h, conv_macs(g),
                  [&](int64_t b, int64_t e) { k.backward_data_row(a, b, e); });
        return;
    }
    // Gemm: panel [g][kk' = (k', r, s)][cgp] = w[g*Kg + k'][c'][r][s].
    float* panel = ws + plan.off_w;
    const int64_t nkk = g.kg * g.r * g.s, rs = g.r * g.s;
    run_units(pool, g.groups * nkk, static_cast<double>(g.groups * nkk * plan.cgp), [&](int64_t b, int64_t e) {
        for (int64_t u = b; u < e; ++u) {
            const int64_t grp = u / nkk, kk = u % nkk, kq = kk / rs, t = kk % rs;
            float* dst = panel + u * plan.cgp;
            const float* src = w + (grp * g.kg + kq) * g.cg * rs + t;
            for (int64_t ci = 0; ci < g.cg; ++ci) dst[ci] = src[ci * rs];
            std::fill(dst + g.cg, dst + plan.cgp, 0.0f);
        }
    });
    a.panel = panel;
    a.a = dy;
    set_strides(a, g, g.k, g.p, g.q);
    // Column signatures: the valid taps s of input column w, with their q relative to the first one.
    std::vector<int32_t> sig_of_w(static_cast<size_t>(g.w));
    std::vector<int64_t> first_q(static_cast<size_t>(g.w)), sig_start{0}, sig_taps, sig_col_start, sig_cols;
    std::map<std::vector<int64_t>, int32_t> ids;
    std::vector<std::vector<int64_t>> cols_of;
    for (int64_t wc = 0; wc < g.w; ++wc) {
        std::vector<int64_t> key;
        int64_t q0 = -1;
        for (int64_t s = 0; s < g.s; ++s) {
            const int64_t q = core::conv_tap_target(wc, g.pl, s, g.dw, g.sw, g.q);
            if (q < 0) continue;
            if (q0 < 0) q0 = q;
            key.push_back(s);
            key.push_back(q - q0);
        }
        first_q[static_cast<size_t>(wc)] = q0 < 0 ? 0 : q0;
        auto [it, inserted] = ids.emplace(key, static_cast<int32_t>(ids.size()));
        if (inserted) {
            sig_taps.insert(sig_taps.end(), key.begin(), key.end());
            sig_start.push_back(static_cast<int64_t>(sig_taps.size()) / 2);
            cols_of.emplace_back();
        }
        sig_of_w[static_cast<size_t>(wc)] = it->second;
        cols_of[static_cast<size_t>(it->second)].push_back(wc);
    }
    for (const auto& cols : cols_of) {
        sig_col_start.push_back(static_cast<int64_t>(sig_cols.size()));
        sig_cols.insert(sig_cols.end(), cols.begin(), cols.end());
    }
    sig_col_start.push_back(static_cast<int64_t>(sig_cols.size()));
    a.sig_of_w = sig_of_w.data();
    a.first_q = first_q.data();
    a.sig_start = sig_start.data();
    a.sig_taps = sig_taps.data();
    a.sig_col_start = sig_col_start.data();
    a.sig_cols = sig_cols.data();
    a.nsigs = static_cast<int64_t>(cols_of.size());
    a.rows_per_unit = std::min(g.h, block_size(g.n * g.h, kConvRowsPerUnit, pool.size()));
    a.units_per_image = ceil_div(g.h, a.rows_per_unit);
    run_units(pool, g.n * a.units_per_image, conv_macs(g), [&](int64_t b, int64_t e) { k.backward_data_gemm(a, b, e); });
}

void conv_run_backward_weights(const ConvKernels& k, ThreadPool& pool, const ConvGeometry& g, const ConvPlan& plan,
                               const float* x, const float* dy, float* dw, float* dbias, float* ws) {
    ConvKernelArgs a;
    a.g = g;
    a.plan = plan;
    a.x = x;
    a.dy = dy;
    a.dw = dw;
    a.dbias = dbias;
    const int64_t npq = g.n * g.p * g.q;
    if (plan.path == ConvPath::kPointwise) {
        conv_run_pointwise(k, pool, g, RK_CONV_PASS_BACKWARD_WEIGHTS, x, dy, nullptr, dw, dbias);
        return;
    }
    if (plan.path == ConvPath::kGeneric) {
        const int64_t nkk = g.cg * g.r * g.s;
        run_units(pool, g.k * (nkk + 1), conv_macs(g), [&](int64_t b, int64_t e) {
            for (int64_t u = b; u < e; ++u) {
                const int64_t kk = u / (nkk + 1), t = u % (nkk + 1);
                if (t == nkk) {
                    if (dbias) dbias[kk] = core::conv_backward_bias_ref(g, dy, kk);
                } else {
                    dw[kk * nkk + t] =
                        core::conv_backward_weights_ref(g, x, dy, kk, t / (g.r * g.s), (t / g.s) % g.r, t % g.s);
                }
            }
        });
        return;
    }
    // dy transposed to [j][g][kgp] (gemm) or [j][kp] (depthwise), j = (n * P + p) * Q + q; padding columns are 0.
    float* dyt = ws + plan.off_dy;
    const int64_t ldt = plan.path == ConvPath::kGemm ? g.groups * plan.kgp : plan.kp;
    run_units(pool, ceil_div(npq, kConvTransposeRows), static_cast<double>(npq * ldt),
              [&](int64_t b, int64_t e) { k.transpose_dy(a, dyt, b, e); });
    a.dyt = dyt;
    std::vector<int64_t> taps;
    int64_t units = 0;
    if (plan.path == ConvPath::kGemm) {
        if (plan.pad_copy) {
            pad_copy(pool, g, plan.hp, plan.wp, x, ws + plan.off_x);
            a.a = ws + plan.off_x;
        } else {
            a.a = x;
        }
        set_strides(a, g, g.c, plan.hp, plan.wp);
        taps = tap_offsets(a, g);
        a.ntaps = g.cg * g.r * g.s;
        a.tile_groups = ceil_div(a.ntaps, kWeightGradOutputsPerUnit);
        a.taps_per_unit = kWeightGradOutputsPerUnit;
        units = g.groups * (plan.kgp / kConvPanel) * a.tile_groups;
    } else {
        run_units(pool, g.n * plan.hp, static_cast<double>(g.n * plan.hp * plan.wp * plan.cp),
                      [&](int64_t b, int64_t e) { k.nhwc_copy(a, ws + plan.off_x, b, e); });
        a.xt = ws + plan.off_x;
        a.a = a.xt;  // always NHWC: [n][hp][wp][cp]
        a.a_img = plan.hp * plan.wp * plan.cp;
        a.a_chan = 1;
        a.a_row = plan.wp * plan.cp;
        a.a_col = plan.cp;
        a.ntaps = g.r * g.s;
        taps.resize(static_cast<size_t>(a.ntaps));
        for (int64_t r = 0; r < g.r; ++r)
            for (int64_t s = 0; s < g.s; ++s) taps[static_cast<size_t>(r * g.s + s)] = r * g.dh * a.a_row + s * g.dw * a.a_col;
        a.tile_groups = ceil_div(a.ntaps, kConvDwTaps);
        units = (plan.kp / kConvLanePad) * a.tile_groups;
    }
    a.taps = taps.data();
    run_units(pool, units, conv_macs(g), [&](int64_t b, int64_t e) {
        (plan.path == ConvPath::kGemm ? k.backward_weights_gemm : k.backward_weights_depthwise)(a, b, e);
    });
    if (dbias) {
        // Units: blocks of kConvLanePad columns of dyt.
        run_units(pool, ldt / kConvLanePad, static_cast<double>(npq * ldt), [&](int64_t b, int64_t e) { k.backward_bias_t(a, b, e); });
    }
}

}  // namespace rk::cpu
