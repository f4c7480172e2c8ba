// Conv2d on the CPU, ISA-independent part: validation, Auto, support, workspace plans, operand packing, threading,
// and the reference (generic) path. Compiled without ISA flags.
#include "conv2d_plan.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <limits>
#include <map>
#include <mutex>
#include <new>
#include <vector>

#include "fp_env.h"

namespace rk::cpu {

using core::ConvGeometry;

namespace {

constexpr int64_t kMaxFloats = (int64_t{1} << 61) / 4;  // byte counts stay far below 2^63

// a * b, or -1 if either is negative or the product passes kMaxFloats.
int64_t mul(int64_t a, int64_t b) {
    if (a < 0 || b < 0) return -1;
    if (a != 0 && b > kMaxFloats / a) return -1;
    return a * b;
}
int64_t mul(std::initializer_list<int64_t> v) {
    int64_t r = 1;
    for (int64_t x : v) r = mul(r, x);
    return r;
}
using core::ceil_div;
using core::round_up;

// Workspace parts: offsets rounded up to 16 floats (64 bytes).
struct Layout {
    int64_t floats = 0;
    bool overflow = false;
    int64_t add(int64_t count) {
        if (count < 0 || floats > kMaxFloats - round_up(count, 16)) {
            overflow = true;
            return -1;
        }
        const int64_t at = floats;
        floats += round_up(count, 16);
        return at;
    }
};

}  // namespace

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
    const std::pair<const char*, int64_t> counts[] = {{"x (n * c * h * w)", mul({g.n, g.c, g.h, g.w})},
                                                     {"y (n * k * p * q)", mul({g.n, g.k, g.p, g.q})},
                                                     {"w (k * c / groups * r * s)", mul({g.k, g.cg, g.r, g.s})}};
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
        if (any_pad) plan.off_x = ws.add(mul({g.n, g.c, plan.hp, plan.wp}));
    };
    if (pass == RK_CONV_PASS_FORWARD) {
        switch (algorithm) {
            case RK_CONV_DIRECT: plan.path = ConvPath::kRow; break;
            case RK_CONV_IMPLICIT_GEMM:
                if (g.kg >= 8) {
                    plan.path = ConvPath::kGemm;
                    padded_copy();
                    plan.off_w = ws.add(mul({g.groups, g.cg, g.r, g.s, plan.kgp}));
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
                plan.off_x = ws.add(mul({g.n, plan.hp, plan.wp, plan.cp}));
                plan.off_w = g.depthwise() ? ws.add(mul({alpha * alpha, plan.kp}))
                                                      : ws.add(mul({alpha * alpha, g.groups, g.cg, plan.kgp}));
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
                plan.off_x = ws.add(mul({g.n, plan.hp, plan.wp, plan.cp}));
                plan.off_w = g.depthwise() ? ws.add(mul({core::kFftBins, 2, plan.kp}))
                                                      : ws.add(mul({core::kFftBins, g.groups, g.cg, 2, plan.kgp}));
                break;
            default: break;
        }
    } else if (pass == RK_CONV_PASS_BACKWARD_DATA) {
        if (g.cg >= 8) {
            plan.path = ConvPath::kGemm;
            plan.off_w = ws.add(mul({g.groups, g.kg, g.r, g.s, plan.cgp}));
        } else {
            plan.path = ConvPath::kRow;
        }
    } else {
        if (g.kg >= 8) {
            plan.path = ConvPath::kGemm;
            padded_copy();
            plan.off_dy = ws.add(mul({g.n, g.p, g.q, g.groups, plan.kgp}));
        } else if (g.depthwise()) {
            plan.path = ConvPath::kDepthwise;
            plan.hp = g.h + g.pt + g.pb;
            plan.wp = g.w + g.pl + g.pr;
            plan.off_x = ws.add(mul({g.n, plan.hp, plan.wp, plan.cp}));
            plan.off_dy = ws.add(mul({g.n, g.p, g.q, plan.kp}));
        } else {
            plan.path = ConvPath::kGeneric;
        }
    }
    plan.floats = ws.overflow ? -1 : ws.floats;
    return plan;
}

// ---- Scratch ----------------------------------------------------------------------------------------------------

// Each thread keeps a few blocks of up to kCachedBytes for reuse, so that repeated calls do not map and fault in
// fresh pages every time; larger requests are allocated and freed each time.
namespace {
constexpr size_t kCachedBytes = size_t{16} << 20;
constexpr int kSlots = 4;
struct ScratchCache {
    void* p[kSlots] = {};
    size_t cap[kSlots] = {};
    bool used[kSlots] = {};
    ~ScratchCache() {
        for (int i = 0; i < kSlots; ++i)
            if (p[i]) ::operator delete(p[i], std::align_val_t{64});
    }
};
// MinGW-w64 GCC keeps thread_local objects in emulated TLS, whose destructors in a DLL run on memory winpthreads has
// already released when a worker thread exits (Wine: _aligned_free of a garbage pointer). There the cache is off:
// every scratch block is allocated and freed per call (the contents are written before they are read either way).
#if defined(__MINGW32__)
constexpr bool kCacheScratch = false;
ScratchCache& thread_cache() {
    static ScratchCache unused;  // never used
    return unused;
}
#else
constexpr bool kCacheScratch = true;
thread_local ScratchCache t_cache;
ScratchCache& thread_cache() { return t_cache; }
#endif
}  // namespace

ConvScratch::ConvScratch(size_t bytes) {
    bytes = bytes == 0 ? 64 : (bytes + 63) / 64 * 64;
    if (kCacheScratch && bytes <= kCachedBytes) {
        ScratchCache& c = thread_cache();
        int pick = -1;
        for (int i = 0; i < kSlots; ++i)  // the smallest free block that fits, else any free block (grown)
            if (!c.used[i] && (pick < 0 || (c.cap[i] >= bytes && (c.cap[pick] < bytes || c.cap[i] < c.cap[pick]))))
                pick = i;
        if (pick >= 0) {
            if (c.cap[pick] < bytes) {
                if (c.p[pick]) ::operator delete(c.p[pick], std::align_val_t{64});
                c.p[pick] = nullptr;
                c.cap[pick] = 0;
                c.p[pick] = ::operator new(bytes, std::align_val_t{64});
                c.cap[pick] = bytes;
            }
            c.used[pick] = true;
            p_ = c.p[pick];
            return;
        }
    }
    p_ = ::operator new(bytes, std::align_val_t{64});
}

ConvScratch::~ConvScratch() {
    if (kCacheScratch) {
        ScratchCache& c = thread_cache();
        for (int i = 0; i < kSlots; ++i)
            if (c.p[i] == p_ && c.used[i]) {
                c.used[i] = false;
                return;
            }
    }
    ::operator delete(p_, std::align_val_t{64});
}

// ---- Dispatch ---------------------------------------------------------------------------------------------------

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

// Splits [0, units) over the pool; each piece runs under the canonical FP environment (parallel_for). An exception
// in a piece (an allocation failure in a kernel's scratch) is caught there and rethrown on the calling thread, so it
// never leaves a worker thread; the C API turns it into a status.
template <class Fn>
void run_units(ThreadPool& pool, int64_t units, Fn fn) {
    if (units <= 0) return;
    std::mutex m;
    std::exception_ptr error;
    parallel_for(pool, static_cast<uint64_t>(units), 1, 1, [&](uint64_t b, uint64_t e) {
        try {
            fn(static_cast<int64_t>(b), static_cast<int64_t>(e));
        } catch (...) {
            std::lock_guard<std::mutex> lock(m);
            if (!error) error = std::current_exception();
        }
    });
    if (error) std::rethrow_exception(error);
}

// Copies x into the zero-padded buffer xp in x's own layout: xp[n][c][i][j] (NCHW) or xp[n][i][j][c] (NHWC),
// i in [0, hp), j in [0, wp), holding x~[n][c][i - pt][j - pl].
void pad_copy(ThreadPool& pool, const ConvGeometry& g, int64_t hp, int64_t wp, const float* x, float* xp) {
    run_units(pool, g.n * hp, [&](int64_t b, int64_t e) {
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
    CanonicalFpEnv fp;
    ConvKernelArgs a;
    a.g = g;
    a.plan = plan;
    a.x = x;
    a.w = w;
    a.bias = bias;
    a.y = y;
    switch (plan.path) {
        case ConvPath::kRow:
            run_units(pool, g.n * (conv_dw_nhwc(g) ? 1 : g.groups) * g.p, [&](int64_t b, int64_t e) { k.forward_row(a, b, e); });
            return;
        case ConvPath::kGemm: {
            float* panel = ws + plan.off_w;
            const int64_t nkk = g.cg * g.r * g.s;
            run_units(pool, g.groups * nkk, [&](int64_t b, int64_t e) {
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
            run_units(pool, g.n * a.units_per_image, [&](int64_t b, int64_t e) { k.forward_gemm(a, b, e); });
            return;
        }
        case ConvPath::kWinograd2:
        case ConvPath::kWinograd4: {
            const bool f4 = plan.path == ConvPath::kWinograd4;
            float* u = ws + plan.off_w;
            const bool dw = g.depthwise();
            const int64_t kblocks = dw ? plan.kp / kConvLanePad : plan.kgp / kConvLanePad;
            run_units(pool, dw ? kblocks : g.groups * g.cg * kblocks, [&](int64_t b, int64_t e) {
                (f4 ? k.winograd4_weights : k.winograd2_weights)(a, u, b, e);
            });
            run_units(pool, g.n * plan.hp, [&](int64_t b, int64_t e) { k.nhwc_copy(a, ws + plan.off_x, b, e); });
            a.xt = ws + plan.off_x;
            a.u = u;
            a.tiles_per_unit = block_size(g.n * plan.tiles_p * plan.tiles_q, kWinogradTilesPerUnit, pool.size());
            a.units_per_image = ceil_div(plan.tiles_p * plan.tiles_q, a.tiles_per_unit);
            run_units(pool, g.n * a.units_per_image, [&](int64_t b, int64_t e) {
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
            run_units(pool, units, [&](int64_t b, int64_t e) { k.fft_weights(a, v, b, e); });
            run_units(pool, g.n * plan.hp, [&](int64_t b, int64_t e) { k.nhwc_copy(a, ws + plan.off_x, b, e); });
            a.xt = ws + plan.off_x;
            a.u = v;
            a.tiles_per_unit = block_size(g.n * plan.tiles_p * plan.tiles_q, kFftTilesPerUnit, pool.size());
            a.units_per_image = ceil_div(plan.tiles_p * plan.tiles_q, a.tiles_per_unit);
            run_units(pool, g.n * a.units_per_image, [&](int64_t b, int64_t e) { k.forward_fft(a, b, e); });
            return;
        }
        default: {
            run_units(pool, g.n * g.k, [&](int64_t b, int64_t e) {
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
    CanonicalFpEnv fp;
    ConvKernelArgs a;
    a.g = g;
    a.plan = plan;
    a.dy = dy;
    a.w = w;
    a.dx = dx;
    if (plan.path == ConvPath::kRow) {
        run_units(pool, g.n * (conv_dw_nhwc(g) ? 1 : g.groups) * g.h,
                  [&](int64_t b, int64_t e) { k.backward_data_row(a, b, e); });
        return;
    }
    // Gemm: panel [g][kk' = (k', r, s)][cgp] = w[g*Kg + k'][c'][r][s].
    float* panel = ws + plan.off_w;
    const int64_t nkk = g.kg * g.r * g.s, rs = g.r * g.s;
    run_units(pool, g.groups * nkk, [&](int64_t b, int64_t e) {
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
    a.positions_per_unit = std::min(g.h, block_size(g.n * g.h, kConvRowsPerUnit, pool.size()));  // rows per unit
    a.units_per_image = ceil_div(g.h, a.positions_per_unit);
    run_units(pool, g.n * a.units_per_image, [&](int64_t b, int64_t e) { k.backward_data_gemm(a, b, e); });
}

void conv_run_backward_weights(const ConvKernels& k, ThreadPool& pool, const ConvGeometry& g, const ConvPlan& plan,
                               const float* x, const float* dy, float* dw, float* dbias, float* ws) {
    CanonicalFpEnv fp;
    ConvKernelArgs a;
    a.g = g;
    a.plan = plan;
    a.x = x;
    a.dy = dy;
    a.dw = dw;
    a.dbias = dbias;
    const int64_t npq = g.n * g.p * g.q;
    if (plan.path == ConvPath::kGeneric) {
        const int64_t nkk = g.cg * g.r * g.s;
        run_units(pool, g.k * (nkk + 1), [&](int64_t b, int64_t e) {
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
    run_units(pool, ceil_div(npq, kConvTransposeRows), [&](int64_t b, int64_t e) { k.transpose_dy(a, dyt, b, e); });
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
        a.positions_per_unit = kWeightGradOutputsPerUnit;
        units = g.groups * (plan.kgp / kConvPanel) * a.tile_groups;
    } else {
        run_units(pool, g.n * plan.hp, [&](int64_t b, int64_t e) { k.nhwc_copy(a, ws + plan.off_x, b, e); });
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
    run_units(pool, units, [&](int64_t b, int64_t e) {
        (plan.path == ConvPath::kGemm ? k.backward_weights_gemm : k.backward_weights_depthwise)(a, b, e);
    });
    if (dbias) {
        // Units: blocks of kConvLanePad columns of dyt.
        run_units(pool, ldt / kConvLanePad, [&](int64_t b, int64_t e) { k.backward_bias_t(a, b, e); });
    }
}

}  // namespace rk::cpu
