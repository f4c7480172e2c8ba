// reprokit_cuda_check: the device checks of scripts/gpu-check.sh, over the C API only (no CUDA toolkit, no .NET),
// each writing one JSON object (docs/cuda.md, "On a machine with a GPU"):
//
//   reprokit_cuda_check info    [--json FILE]           the device, the driver, the library
//   reprokit_cuda_check golden  [--json FILE]           every golden case on the device, against the CPU's digest
//                                                       and the recorded one
//   reprokit_cuda_check compare [--small] [--json FILE] every operation and variant on the device against the CPU,
//                                                       bit for bit (fills, permutations, dropout, sampling, conv2d,
//                                                       cross-entropy, pooling)
//   reprokit_cuda_check bench   [--small] [--repeat R] [--json FILE]   (also cross-entropy B256 V50257, ResNet's stem
//                                                       max pooling with indices and its backward, global average pooling)
//                                                       device memory bandwidth (a device-to-device rk_memcpy), then
//                                                       fills and dropout in GB/s against it, permutation, sampling
//                                                       (V = 128256, B = 1 and 32), conv2d ResNet 3x3 in GFLOP/s
//   options: --device N (default 0), --small (sizes for the SIMT-emulated plugin: a dry run, not a measurement)
//
// Exit status: 0 all equal / done, 1 a mismatch or an API error, 2 usage, 3 no CUDA device (the reason printed).
// Timing: steady_clock around the operation and rk_context_synchronize; best and median of --repeat runs after one
// warm-up run.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "reprokit/reprokit.h"

namespace {

// ---- JSON -----------------------------------------------------------------------------------------------------

std::string quote(const std::string& s) {
    std::string o = "\"";
    for (char ch : s) {
        const auto c = static_cast<unsigned char>(ch);
        if (c == '"' || c == '\\') {
            o += '\\';
            o += ch;
        } else if (c < 0x20) {
            char b[8];
            std::snprintf(b, sizeof b, "\\u%04x", c);
            o += b;
        } else {
            o += ch;
        }
    }
    return o + "\"";
}
std::string num(double v) {
    if (!std::isfinite(v)) return "null";
    char b[64];
    std::snprintf(b, sizeof b, "%.6g", v);
    return b;
}
std::string num(int64_t v) { return std::to_string(v); }

// A JSON object built field by field.
class Obj {
public:
    Obj& add(const std::string& k, const std::string& raw) {
        body_ += (body_.empty() ? "" : ", ") + quote(k) + ": " + raw;
        return *this;
    }
    Obj& str(const std::string& k, const std::string& v) { return add(k, quote(v)); }
    Obj& dbl(const std::string& k, double v) { return add(k, num(v)); }
    Obj& i64(const std::string& k, int64_t v) { return add(k, num(v)); }
    Obj& flag(const std::string& k, bool v) { return add(k, v ? "true" : "false"); }
    std::string text() const { return "{" + body_ + "}"; }

private:
    std::string body_;
};
std::string array(const std::vector<std::string>& items) {
    std::string o = "[";
    for (size_t i = 0; i < items.size(); ++i) o += (i ? ",\n  " : "\n  ") + items[i];
    return o + (items.empty() ? "]" : "\n]");
}

// ---- Contexts and buffers -------------------------------------------------------------------------------------

struct ApiError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

void check(rk_status s, const char* what) {
    if (s != RK_STATUS_OK) throw ApiError(std::string(what) + ": " + rk_status_name(s) + ": " + rk_last_error_message());
}
#define RK_CHECK(call) check((call), #call)

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

struct Machine {
    rk_context* gpu = nullptr;
    rk_context* cpu = nullptr;
    std::vector<void*> owned;

    ~Machine() {
        for (void* p : owned) rk_device_free(gpu, p);
        if (gpu) rk_context_destroy(gpu);
        if (cpu) rk_context_destroy(cpu);
    }
    template <class T>
    T* alloc(size_t n) {
        void* p = nullptr;
        RK_CHECK(rk_device_alloc(gpu, static_cast<int64_t>(std::max<size_t>(n, 1) * sizeof(T)), &p));
        owned.push_back(p);
        return static_cast<T*>(p);
    }
    void release(void* p) {
        auto it = std::find(owned.begin(), owned.end(), p);
        if (it != owned.end()) owned.erase(it);
        RK_CHECK(rk_device_free(gpu, p));
    }
    template <class T>
    T* upload(const std::vector<T>& v) {
        T* d = alloc<T>(v.size());
        if (!v.empty())
            RK_CHECK(rk_memcpy(gpu, d, v.data(), static_cast<int64_t>(v.size() * sizeof(T)), RK_COPY_HOST_TO_DEVICE, 0));
        return d;
    }
    template <class T>
    std::vector<T> download(const T* d, size_t n) {
        std::vector<T> v(n);
        if (n) RK_CHECK(rk_memcpy(gpu, v.data(), d, static_cast<int64_t>(n * sizeof(T)), RK_COPY_DEVICE_TO_HOST, 0));
        return v;
    }
    void sync() { RK_CHECK(rk_context_synchronize(gpu)); }
};

// 3: no usable device (the script reports "no device" rather than a failure).
int open_machine(Machine& m, int device) {
    int32_t count = 0;
    if (rk_cuda_device_count(&count) != RK_STATUS_OK) {
        std::printf("no CUDA device: %s\n", rk_last_error_message());
        return 3;
    }
    if (count <= device) {
        std::printf("no CUDA device %d (rk_cuda_device_count = %d)\n", device, count);
        return 3;
    }
    RK_CHECK(rk_cuda_context_create(device, &m.gpu));
    rk_cpu_context_options o{};
    o.struct_size = sizeof o;  // ISA and threads: RK_ISA / RK_NUM_THREADS, else the best ISA on every hardware thread
    RK_CHECK(rk_cpu_context_create(&o, &m.cpu));
    return 0;
}

std::string device_json(int device) {
    rk_cuda_device_info d{};
    d.struct_size = sizeof d;
    Obj o;
    o.i64("index", device);
    if (rk_cuda_device_get_info(device, &d) == RK_STATUS_OK) {
        o.str("name", d.name)
            .str("compute_capability", std::to_string(d.compute_major) + "." + std::to_string(d.compute_minor))
            .i64("sm_count", d.sm_count)
            .i64("total_memory", d.total_memory)
            .i64("driver_version", d.driver_version)
            .i64("runtime_version", d.runtime_version);
    }
    return o.text();
}

template <class T>
bool same_bits(const std::vector<T>& a, const std::vector<T>& b, int64_t& first_diff) {
    first_diff = -1;
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i)
        if (std::memcmp(&a[i], &b[i], sizeof(T)) != 0) {
            first_diff = static_cast<int64_t>(i);
            return false;
        }
    return true;
}

// ---- compare --------------------------------------------------------------------------------------------------

struct Compare {
    Machine& m;
    std::vector<std::string> rows;
    int mismatches = 0;

    template <class T>
    void record(const std::string& name, const std::vector<T>& gpu, const std::vector<T>& cpu) {
        int64_t at = -1;
        const bool eq = same_bits(gpu, cpu, at);
        if (!eq) {
            ++mismatches;
            std::printf("MISMATCH %s (first difference at element %lld of %zu)\n", name.c_str(),
                        static_cast<long long>(at), cpu.size());
        }
        Obj o;
        o.str("name", name).i64("elements", static_cast<int64_t>(cpu.size())).flag("equal", eq);
        if (!eq) o.i64("first_difference", at);
        rows.push_back(o.text());
    }

    // Runs `op` on both contexts into outputs of n elements and compares them.
    template <class T>
    void output(const std::string& name, size_t n, const std::function<void(rk_context*, T*)>& op) {
        T* d = m.alloc<T>(n);
        std::vector<T> c(n);
        op(m.gpu, d);
        op(m.cpu, c.data());
        record(name, m.download(d, n), c);
        m.release(d);
    }
};

std::vector<float> normal_host(rk_context* cpu, size_t n, uint64_t seed, float stddev) {
    std::vector<float> v(n);
    const rk_philox_stream s{seed, 0, 0};
    RK_CHECK(rk_philox_fill_normal(cpu, &s, 0.0f, stddev, v.data(), static_cast<int64_t>(n)));
    return v;
}

void compare_fills(Compare& c, size_t n) {
    const rk_philox_stream streams[] = {{0xC0FFEE, 3, 5}, {7, ~uint64_t{0}, ~uint64_t{0} - 5}};  // the second wraps 2^64
    for (int si = 0; si < 2; ++si) {
        const rk_philox_stream s = streams[si];
        const std::string at = si == 0 ? "" : " (offset wraps 2^64)";
        const auto cnt = static_cast<int64_t>(n);
        c.output<uint32_t>("fill u32" + at, n, [&](rk_context* x, uint32_t* o) { RK_CHECK(rk_philox_fill_u32(x, &s, o, cnt)); });
        c.output<float>("fill uniform" + at, n, [&](rk_context* x, float* o) { RK_CHECK(rk_philox_fill_uniform(x, &s, o, cnt)); });
        c.output<float>("fill uniform_range [-2, 3)" + at, n, [&](rk_context* x, float* o) {
            RK_CHECK(rk_philox_fill_uniform_range(x, &s, -2.0f, 3.0f, o, cnt));
        });
        c.output<float>("fill normal (1, 2), odd count" + at, n | 1, [&](rk_context* x, float* o) {
            RK_CHECK(rk_philox_fill_normal(x, &s, 1.0f, 2.0f, o, static_cast<int64_t>(n | 1)));
        });
        c.output<float>("fill truncated_normal (0, 1, [-2, 2])" + at, n, [&](rk_context* x, float* o) {
            RK_CHECK(rk_philox_fill_truncated_normal(x, &s, 0.0f, 1.0f, -2.0f, 2.0f, o, cnt));
        });
        c.output<uint8_t>("fill bernoulli 0.3" + at, n, [&](rk_context* x, uint8_t* o) {
            RK_CHECK(rk_philox_fill_bernoulli(x, &s, 0.3, o, cnt));
        });
        c.output<int64_t>("fill int64 [-1000, 2^40)" + at, n, [&](rk_context* x, int64_t* o) {
            RK_CHECK(rk_philox_fill_int64(x, &s, -1000, int64_t{1} << 40, o, cnt));
        });
    }
    for (int inverse = 0; inverse < 2; ++inverse)
        c.output<uint64_t>(std::string("permutation n = 3N + 1, first 17") + (inverse ? ", inverse" : ""), n,
                           [&](rk_context* x, uint64_t* o) {
                               RK_CHECK(rk_permutation(x, 3 * n + 1, 99, 4, inverse, 17, o, static_cast<int64_t>(n)));
                           });
}

void compare_dropout(Compare& c, size_t n, bool small) {
    const rk_philox_stream s{42, 1, 3};
    const std::vector<float> x = normal_host(c.m.cpu, n, 5, 1.0f);
    const float* dx = c.m.upload(x);
    const auto cnt = static_cast<int64_t>(n);
    const std::vector<double> ps = small ? std::vector<double>{0.1} : std::vector<double>{0.0, 0.1, 0.5, 1.0};
    for (double p : ps)
        for (uint64_t off : {uint64_t{0}, uint64_t{77}}) {
            char tag[64];
            std::snprintf(tag, sizeof tag, " p=%g offset=%llu", p, static_cast<unsigned long long>(off));
            auto in = [&](rk_context* ctx) { return ctx == c.m.gpu ? dx : x.data(); };
            c.output<float>(std::string("dropout forward") + tag, n, [&](rk_context* ctx, float* y) {
                RK_CHECK(rk_dropout_forward(ctx, &s, p, off, in(ctx), y, cnt, RK_MASK_NONE, nullptr));
            });
            for (rk_mask_format f : {RK_MASK_BYTES, RK_MASK_BITS}) {
                const char* fname = f == RK_MASK_BYTES ? "bytes" : "bits";
                int64_t mask_bytes = 0;
                RK_CHECK(rk_dropout_mask_bytes(f, cnt, &mask_bytes));
                const auto mb = static_cast<size_t>(mask_bytes);
                // Forward with a mask: y and the mask both compared.
                float* gy = c.m.alloc<float>(n);
                uint8_t* gm = c.m.alloc<uint8_t>(mb);
                std::vector<float> cy(n);
                std::vector<uint8_t> cm(mb);
                RK_CHECK(rk_dropout_forward(c.m.gpu, &s, p, off, dx, gy, cnt, f, gm));
                RK_CHECK(rk_dropout_forward(c.m.cpu, &s, p, off, x.data(), cy.data(), cnt, f, cm.data()));
                c.record(std::string("dropout forward+") + fname + " (y)" + tag, c.m.download(gy, n), cy);
                c.record(std::string("dropout forward+") + fname + " (mask)" + tag, c.m.download(gm, mb), cm);
                c.output<uint8_t>(std::string("dropout mask ") + fname + tag, mb, [&](rk_context* ctx, uint8_t* o) {
                    RK_CHECK(rk_dropout_mask(ctx, &s, p, off, cnt, f, o));
                });
                // Backward from the stored mask (the CPU's, on both).
                const uint8_t* gmask = c.m.upload(cm);
                c.output<float>(std::string("dropout backward from ") + fname + tag, n, [&](rk_context* ctx, float* o) {
                    RK_CHECK(rk_dropout_backward(ctx, &s, p, off, in(ctx), o, cnt, f,
                                                 ctx == c.m.gpu ? static_cast<const void*>(gmask) : cm.data()));
                });
                c.m.release(gy);
                c.m.release(gm);
                c.m.release(const_cast<uint8_t*>(gmask));
            }
            c.output<float>(std::string("dropout backward regenerated") + tag, n, [&](rk_context* ctx, float* o) {
                RK_CHECK(rk_dropout_backward(ctx, &s, p, off, in(ctx), o, cnt, RK_MASK_NONE, nullptr));
            });
        }
    c.m.release(const_cast<float*>(dx));
}

struct SampleFamily {
    const char* name;
    rk_sampling_params p;
};
const SampleFamily kFamilies[] = {
    {"greedy", {0.0f, 0, 1.0, 0.0}},
    {"T0.7 k50 p0.9", {0.7f, 50, 0.9, 0.0}},
    {"T1 p0.95", {1.0f, 0, 0.95, 0.0}},
    {"min_p 0.05", {1.0f, 0, 1.0, 0.05}},
    {"top_k 1", {1.0f, 1, 1.0, 0.0}},
    {"top_k >= V", {1.0f, 1 << 22, 1.0, 0.0}},
    {"T0.8 k40 p0.8 min_p 0.02", {0.8f, 40, 0.8, 0.02}},
    {"T1.3 plain", {1.3f, 0, 1.0, 0.0}},
};

void compare_sampling(Compare& c, bool small) {
    struct Shape {
        int64_t v, b;
    };
    const std::vector<Shape> shapes = small ? std::vector<Shape>{{1000, 3}, {100, 5}}
                                            : std::vector<Shape>{{128256, 33}, {1000, 130}, {1, 3}, {(1 << 21) - 1, 1}};
    const size_t nf = sizeof kFamilies / sizeof kFamilies[0];
    for (const Shape& sh : shapes) {
        const auto v = static_cast<size_t>(sh.v), b = static_cast<size_t>(sh.b);
        std::vector<float> logits = normal_host(c.m.cpu, v * b, 2024, 3.0f);
        // Row kinds: r % 4 == 1 ties (rounded logits), 2 bans (every third logit -Inf), 3 a flat row.
        for (size_t r = 0; r < b; ++r)
            for (size_t i = 0; i < v; ++i) {
                float& l = logits[r * v + i];
                if (r % 4 == 1) l = std::round(l);
                if (r % 4 == 2 && i % 3 == 1 && v > 1) l = -std::numeric_limits<float>::infinity();
                if (r % 4 == 3) l = 0.25f;
            }
        const float* dl = c.m.upload(logits);
        std::vector<rk_philox_stream> streams(b);
        for (size_t r = 0; r < b; ++r) streams[r] = rk_philox_stream{7, r, 2 * r};
        for (size_t fi = 0; fi <= nf; ++fi) {  // each family on every row, then a batch mixing them row by row
            std::vector<rk_sampling_params> ps(b);
            for (size_t r = 0; r < b; ++r) ps[r] = kFamilies[fi < nf ? fi : r % nf].p;
            const std::string name = "sample V" + std::to_string(v) + " B" + std::to_string(b) + " " +
                                     (fi < nf ? kFamilies[fi].name : "mixed families");
            int32_t* gt = c.m.alloc<int32_t>(b);
            float* gp = c.m.alloc<float>(b);
            float* gl = c.m.alloc<float>(b);
            int32_t* gk = c.m.alloc<int32_t>(b);
            std::vector<int32_t> ct(b), ck(b);
            std::vector<float> cp(b), cl(b);
            RK_CHECK(rk_sample(c.m.gpu, dl, sh.b, sh.v, sh.v, ps.data(), streams.data(), gt, gp, gl, gk));
            RK_CHECK(rk_sample(c.m.cpu, logits.data(), sh.b, sh.v, sh.v, ps.data(), streams.data(), ct.data(), cp.data(),
                               cl.data(), ck.data()));
            c.record(name + " (tokens)", c.m.download(gt, b), ct);
            c.record(name + " (probs)", c.m.download(gp, b), cp);
            c.record(name + " (logprobs)", c.m.download(gl, b), cl);
            c.record(name + " (kept counts)", c.m.download(gk, b), ck);
            for (void* p : {static_cast<void*>(gt), static_cast<void*>(gp), static_cast<void*>(gl), static_cast<void*>(gk)})
                c.m.release(p);
        }
        c.m.release(const_cast<float*>(dl));
    }
}

rk_conv2d_desc conv(int64_t n, int64_t ch, int64_t h, int64_t w, int64_t k, int64_t r, int32_t stride, int32_t pad,
                    int32_t dil, int32_t groups, bool nhwc = false) {
    rk_conv2d_desc d{};
    d.struct_size = sizeof d;
    d.layout = nhwc ? RK_LAYOUT_NHWC : RK_LAYOUT_NCHW;
    d.n = n, d.c = ch, d.h = h, d.w = w, d.k = k, d.r = r, d.s = r;
    d.stride_h = d.stride_w = stride;
    d.pad_top = d.pad_bottom = d.pad_left = d.pad_right = pad;
    d.dilation_h = d.dilation_w = dil;
    d.groups = groups;
    return d;
}

const char* algo_name(rk_conv_algorithm a) {
    switch (a) {
        case RK_CONV_AUTO: return "auto";
        case RK_CONV_DIRECT: return "direct";
        case RK_CONV_IMPLICIT_GEMM: return "implicit-gemm";
        case RK_CONV_WINOGRAD_2X3: return "winograd2x3";
        case RK_CONV_WINOGRAD_4X3: return "winograd4x3";
        case RK_CONV_FFT: return "fft";
    }
    return "?";
}

void compare_conv(Compare& c, bool small) {
    struct Shape {
        const char* name;
        rk_conv2d_desc d;
    };
    const std::vector<Shape> shapes =
        small ? std::vector<Shape>{{"3x3 pad 1", conv(1, 4, 8, 8, 5, 3, 1, 1, 1, 1)},
                                   {"NHWC stride 2 dilation 2", conv(1, 4, 9, 7, 3, 3, 2, 2, 2, 1, true)},
                                   {"groups 4", conv(1, 8, 6, 6, 8, 3, 1, 1, 1, 4)},
                                   {"7x7 pad 3", conv(1, 2, 12, 12, 2, 7, 1, 3, 1, 1)}}
              : std::vector<Shape>{{"resnet-like 16->24 20x20 3x3", conv(2, 16, 20, 20, 24, 3, 1, 1, 1, 1)},
                                   {"8x8x192x192 3x3 (grid-stride loops)", conv(8, 8, 192, 192, 16, 3, 1, 1, 1, 1)},
                                   {"NHWC stride 2 dilation 2", conv(2, 12, 17, 19, 10, 3, 2, 2, 2, 1, true)},
                                   {"groups 4", conv(2, 16, 14, 14, 32, 3, 1, 1, 1, 4)},
                                   {"depthwise 32 28x28", conv(2, 32, 28, 28, 32, 3, 1, 1, 1, 32)},
                                   {"7x7 pad 3", conv(2, 16, 40, 40, 16, 7, 1, 3, 1, 1)},
                                   {"1x1 64->48", conv(4, 64, 14, 14, 48, 1, 1, 0, 1, 1)}};
    for (const Shape& sh : shapes) {
        const rk_conv2d_desc& d = sh.d;
        int64_t p = 0, q = 0;
        RK_CHECK(rk_conv2d_output_shape(&d, &p, &q));
        const auto xn = static_cast<size_t>(d.n * d.c * d.h * d.w), yn = static_cast<size_t>(d.n * d.k * p * q),
                   wn = static_cast<size_t>(d.k * (d.c / d.groups) * d.r * d.s), kn = static_cast<size_t>(d.k);
        const std::vector<float> x = normal_host(c.m.cpu, xn, 11, 1.0f), w = normal_host(c.m.cpu, wn, 12, 0.3f),
                                 bias = normal_host(c.m.cpu, kn, 13, 1.0f), dy = normal_host(c.m.cpu, yn, 14, 1.0f);
        const float *gx = c.m.upload(x), *gw = c.m.upload(w), *gb = c.m.upload(bias), *gdy = c.m.upload(dy);
        auto pick = [&](rk_context* ctx, const float* g, const std::vector<float>& h) { return ctx == c.m.gpu ? g : h.data(); };
        for (rk_conv_algorithm a : {RK_CONV_AUTO, RK_CONV_DIRECT, RK_CONV_IMPLICIT_GEMM, RK_CONV_WINOGRAD_2X3,
                                    RK_CONV_WINOGRAD_4X3, RK_CONV_FFT}) {
            if (rk_conv2d_query(&d, RK_CONV_PASS_FORWARD, a, nullptr, nullptr) != RK_STATUS_OK) continue;
            c.output<float>(std::string("conv ") + sh.name + " forward " + algo_name(a) + " + bias", yn,
                            [&](rk_context* ctx, float* y) {
                                RK_CHECK(rk_conv2d_forward(ctx, &d, a, pick(ctx, gx, x), pick(ctx, gw, w),
                                                           pick(ctx, gb, bias), y, nullptr, 0, nullptr));
                            });
        }
        c.output<float>(std::string("conv ") + sh.name + " backward data", xn, [&](rk_context* ctx, float* o) {
            RK_CHECK(rk_conv2d_backward_data(ctx, &d, pick(ctx, gdy, dy), pick(ctx, gw, w), o, nullptr, 0));
        });
        float* gdw = c.m.alloc<float>(wn);
        float* gdb = c.m.alloc<float>(kn);
        std::vector<float> cdw(wn), cdb(kn);
        RK_CHECK(rk_conv2d_backward_weights(c.m.gpu, &d, gx, gdy, gdw, gdb, nullptr, 0));
        RK_CHECK(rk_conv2d_backward_weights(c.m.cpu, &d, x.data(), dy.data(), cdw.data(), cdb.data(), nullptr, 0));
        c.record(std::string("conv ") + sh.name + " backward weights (dw)", c.m.download(gdw, wn), cdw);
        c.record(std::string("conv ") + sh.name + " backward weights (dbias)", c.m.download(gdb, kn), cdb);
        for (const float* g : {static_cast<const float*>(gdw), static_cast<const float*>(gdb), gx, gw, gb, gdy})
            c.m.release(const_cast<float*>(g));
    }
}

// BatchNorm2d (training with running statistics, backward, evaluation) and LayerNorm (forward, backward with dγ, dβ),
// device against CPU: several chunks per channel / row, so the block sums' chunk order is exercised.
void compare_normalization(Compare& c, bool small) {
    const int64_t n = small ? 2 : 16, ch = small ? 3 : 64, hw = small ? 37 : 56, e = n * ch * hw * hw;
    const auto en = static_cast<size_t>(e), cn = static_cast<size_t>(ch);
    const std::vector<float> x = normal_host(c.m.cpu, en, 31, 2.0f), dy = normal_host(c.m.cpu, en, 32, 1.0f),
                             g = normal_host(c.m.cpu, cn, 33, 1.0f);
    const float *gx = c.m.upload(x), *gdy = c.m.upload(dy), *gg = c.m.upload(g);
    auto pick = [&](rk_context* ctx, const float* dev, const std::vector<float>& h) { return ctx == c.m.gpu ? dev : h.data(); };
    float *gm = c.m.alloc<float>(cn), *gi = c.m.alloc<float>(cn);
    std::vector<float> cm(cn), ci(cn);
    c.output<float>("batchnorm2d forward training", en, [&](rk_context* ctx, float* y) {
        RK_CHECK(rk_batchnorm2d_forward_training(ctx, n, ch, hw, hw, 1e-5f, 0.1f, pick(ctx, gx, x), pick(ctx, gg, g),
                                                 pick(ctx, gg, g), y, ctx == c.m.gpu ? gm : cm.data(),
                                                 ctx == c.m.gpu ? gi : ci.data(), nullptr, nullptr));
    });
    c.record("batchnorm2d saved mean", c.m.download(gm, cn), cm);
    c.record("batchnorm2d saved invstd", c.m.download(gi, cn), ci);
    c.output<float>("batchnorm2d backward training (dx)", en, [&](rk_context* ctx, float* dx) {
        RK_CHECK(rk_batchnorm2d_backward_training(ctx, n, ch, hw, hw, pick(ctx, gx, x), pick(ctx, gdy, dy),
                                                  pick(ctx, gg, g), pick(ctx, gm, cm), pick(ctx, gi, ci), dx, nullptr,
                                                  nullptr));
    });
    c.output<float>("batchnorm2d forward inference", en, [&](rk_context* ctx, float* y) {
        RK_CHECK(rk_batchnorm2d_forward_inference(ctx, n, ch, hw, hw, 1e-5f, pick(ctx, gx, x), pick(ctx, gg, g), nullptr,
                                                  pick(ctx, gm, cm), pick(ctx, gi, ci), y));
    });
    const int64_t rows = n * ch, d = hw * hw;
    float *lm = c.m.alloc<float>(static_cast<size_t>(rows)), *li = c.m.alloc<float>(static_cast<size_t>(rows));
    std::vector<float> hm(static_cast<size_t>(rows)), hi(hm.size());
    c.output<float>("layernorm forward", en, [&](rk_context* ctx, float* y) {
        RK_CHECK(rk_layernorm_forward(ctx, rows, d, 1e-5f, pick(ctx, gx, x), nullptr, nullptr, y,
                                      ctx == c.m.gpu ? lm : hm.data(), ctx == c.m.gpu ? li : hi.data()));
    });
    c.output<float>("layernorm backward (dx)", en, [&](rk_context* ctx, float* dx) {
        RK_CHECK(rk_layernorm_backward(ctx, rows, d, pick(ctx, gx, x), pick(ctx, gdy, dy), nullptr, pick(ctx, lm, hm),
                                       pick(ctx, li, hi), dx, nullptr, nullptr));
    });
    for (const float* p : {gx, gdy, gg, static_cast<const float*>(gm), static_cast<const float*>(gi),
                           static_cast<const float*>(lm), static_cast<const float*>(li)})
        c.m.release(const_cast<float*>(p));
}

// Cross-entropy (every reduction, forward and backward, label smoothing) and pooling (max with indices, average,
// global average; forward and backward), device against CPU.
void compare_training(Compare& c, bool small) {
    const int64_t batch = small ? 9 : 512, classes = small ? 2085 : 50257;
    const std::vector<float> x = normal_host(c.m.cpu, static_cast<size_t>(batch * classes), 21, 3.0f),
                             dl = normal_host(c.m.cpu, static_cast<size_t>(batch), 22, 1.0f);
    std::vector<int64_t> t(static_cast<size_t>(batch));
    for (int64_t r = 0; r < batch; ++r) t[static_cast<size_t>(r)] = r % 7 == 3 ? -100 : (r * 7919) % classes;
    const float *gx = c.m.upload(x), *gdl = c.m.upload(dl);
    const int64_t* gt = c.m.upload(t);
    auto pick = [&](rk_context* ctx, const auto* g, const auto& h) { return ctx == c.m.gpu ? g : h.data(); };
    for (const float eps : {0.0f, 0.1f})
        for (const rk_loss_reduction red : {RK_REDUCTION_NONE, RK_REDUCTION_SUM, RK_REDUCTION_MEAN}) {
            const std::string tag = " reduction " + std::to_string(static_cast<int>(red)) + " eps " + (eps > 0 ? "0.1" : "0");
            const size_t outs = red == RK_REDUCTION_NONE ? static_cast<size_t>(batch) : 1;
            c.output<float>("cross_entropy forward" + tag, outs, [&](rk_context* ctx, float* o) {
                RK_CHECK(rk_cross_entropy_forward(ctx, batch, classes, pick(ctx, gx, x), pick(ctx, gt, t), -100, eps, red, o));
            });
            c.output<float>("cross_entropy backward" + tag, x.size(), [&](rk_context* ctx, float* o) {
                RK_CHECK(rk_cross_entropy_backward(ctx, batch, classes, pick(ctx, gx, x), pick(ctx, gt, t), -100, eps, red,
                                                   pick(ctx, gdl, dl), o));
            });
        }
    for (const void* g : {static_cast<const void*>(gx), static_cast<const void*>(gdl), static_cast<const void*>(gt)})
        c.m.release(const_cast<void*>(g));

    const int64_t n = small ? 1 : 8, ch = small ? 5 : 64, hw = small ? 13 : 112;
    const std::vector<float> px = normal_host(c.m.cpu, static_cast<size_t>(n * ch * hw * hw), 23, 1.0f);
    const float* gpx = c.m.upload(px);
    for (const rk_conv_layout layout : {RK_LAYOUT_NCHW, RK_LAYOUT_NHWC})
        for (const rk_pool_mode mode : {RK_POOL_MAX, RK_POOL_AVG}) {
            rk_pool2d_desc d{};
            d.struct_size = sizeof d;
            d.mode = mode;
            d.layout = layout;
            d.n = n, d.c = ch, d.h = d.w = hw;
            d.kernel_h = d.kernel_w = 3;
            d.stride_h = d.stride_w = 2;
            d.pad_h = d.pad_w = 1;
            d.dilation_h = d.dilation_w = 1;
            d.ceil_mode = 1;
            d.count_include_pad = 0;
            int64_t p = 0, q = 0;
            RK_CHECK(rk_pool2d_output_shape(&d, &p, &q));
            const size_t yn = static_cast<size_t>(n * ch * p * q);
            const std::string tag = std::string(mode == RK_POOL_MAX ? "max" : "avg") + (layout == RK_LAYOUT_NHWC ? " nhwc" : " nchw");
            const std::vector<float> dy = normal_host(c.m.cpu, yn, 24, 1.0f);
            const float* gdy = c.m.upload(dy);
            std::vector<int64_t> ci(mode == RK_POOL_MAX ? yn : 0);
            int64_t* gi = mode == RK_POOL_MAX ? c.m.alloc<int64_t>(yn) : nullptr;
            c.output<float>("pool2d " + tag + " forward", yn, [&](rk_context* ctx, float* o) {
                RK_CHECK(rk_pool2d_forward(ctx, &d, pick(ctx, gpx, px), o, mode == RK_POOL_MAX ? (ctx == c.m.gpu ? gi : ci.data()) : nullptr));
            });
            if (gi) c.record("pool2d " + tag + " indices", c.m.download(gi, yn), ci);
            c.output<float>("pool2d " + tag + " backward", px.size(), [&](rk_context* ctx, float* o) {
                RK_CHECK(rk_pool2d_backward(ctx, &d, pick(ctx, gdy, dy), gi ? (ctx == c.m.gpu ? gi : ci.data()) : nullptr, o));
            });
            c.m.release(const_cast<float*>(gdy));
            if (gi) c.m.release(gi);
        }
    for (const rk_conv_layout layout : {RK_LAYOUT_NCHW, RK_LAYOUT_NHWC}) {
        const std::string tag = layout == RK_LAYOUT_NHWC ? " nhwc" : " nchw";
        c.output<float>("global_avg_pool2d forward" + tag, static_cast<size_t>(n * ch), [&](rk_context* ctx, float* o) {
            RK_CHECK(rk_global_avg_pool2d_forward(ctx, layout, n, ch, hw, hw, pick(ctx, gpx, px), o));
        });
        c.output<float>("global_avg_pool2d backward" + tag, px.size(), [&](rk_context* ctx, float* o) {
            RK_CHECK(rk_global_avg_pool2d_backward(ctx, layout, n, ch, hw, hw, pick(ctx, gpx, px), o));
        });
    }
    c.m.release(const_cast<float*>(gpx));
}

// Activations (every kind, both passes) and optimizer steps (SGD with Nesterov momentum, Adam, AdamW; three steps
// over two tensors each), the CPU's bits.
void compare_elementwise(Compare& c, size_t n) {
    std::vector<float> x = normal_host(c.m.cpu, n, 11, 3.0f);
    const std::vector<float> dy = normal_host(c.m.cpu, n, 12, 1.0f);
    x[0] = -0.0f, x[1] = 0.0f, x[2] = std::numeric_limits<float>::quiet_NaN(), x[3] = std::numeric_limits<float>::infinity();
    const float* gx = c.m.upload(x);
    const float* gdy = c.m.upload(dy);
    const auto cnt = static_cast<int64_t>(n);
    const char* names[] = {"relu", "leaky_relu 0.01", "gelu", "gelu_tanh"};
    for (int k = 0; k < 4; ++k) {
        const auto kind = static_cast<rk_activation>(k);
        c.output<float>(std::string("activation ") + names[k] + " forward", n, [&](rk_context* ctx, float* o) {
            RK_CHECK(rk_activation_forward(ctx, kind, 0.01f, ctx == c.m.gpu ? gx : x.data(), o, cnt));
        });
        c.output<float>(std::string("activation ") + names[k] + " backward", n, [&](rk_context* ctx, float* o) {
            const bool dev = ctx == c.m.gpu;
            RK_CHECK(rk_activation_backward(ctx, kind, 0.01f, dev ? gx : x.data(), dev ? gdy : dy.data(), o, cnt));
        });
    }
    // Two tensors: n and 4097 elements (a tile and one more).
    const int64_t counts[2] = {cnt, 4097};
    for (int opt = 0; opt < 3; ++opt) {
        std::vector<float> hp[2], hg[2], hm[2], hv[2];
        float *dp[2], *dm[2], *dv[2], *pp[2], *pm[2], *pv[2];
        const float *dg[2], *pg[2];
        for (int i = 0; i < 2; ++i) {
            const auto ni = static_cast<size_t>(counts[i]);
            hp[i] = normal_host(c.m.cpu, ni, 20 + i, 1.0f), hg[i] = normal_host(c.m.cpu, ni, 30 + i, 1.0f);
            hm[i].assign(ni, 0.0f), hv[i].assign(ni, 0.0f);
            dp[i] = c.m.upload(hp[i]), dg[i] = c.m.upload(hg[i]), dm[i] = c.m.upload(hm[i]), dv[i] = c.m.upload(hv[i]);
            pp[i] = hp[i].data(), pg[i] = hg[i].data(), pm[i] = hm[i].data(), pv[i] = hv[i].data();
        }
        const char* label = opt == 0 ? "sgd nesterov" : opt == 1 ? "adam" : "adamw";
        for (int t = 1; t <= 3; ++t)
            for (rk_context* ctx : {c.m.gpu, c.m.cpu}) {
                const bool dev = ctx == c.m.gpu;
                if (opt == 0) {
                    rk_sgd_hyperparams h{};
                    h.struct_size = sizeof h;
                    h.lr = 0.05, h.momentum = 0.9, h.weight_decay = 1e-3, h.nesterov = 1;
                    RK_CHECK(rk_sgd_step(ctx, &h, t == 1, 2, dev ? dp : pp, dev ? dg : pg, dev ? dm : pm, counts));
                } else {
                    rk_adam_hyperparams h{};
                    h.struct_size = sizeof h;
                    h.lr = 1e-3, h.beta1 = 0.9, h.beta2 = 0.999, h.eps = 1e-8, h.weight_decay = 0.01;
                    h.decoupled_weight_decay = opt == 2;
                    RK_CHECK(rk_adam_step(ctx, &h, t, 2, dev ? dp : pp, dev ? dg : pg, dev ? dm : pm, dev ? dv : pv, counts));
                }
            }
        for (int i = 0; i < 2; ++i) {
            const auto ni = static_cast<size_t>(counts[i]);
            const std::string at = std::string("optimizer ") + label + " tensor " + std::to_string(i);
            c.record(at + " param", c.m.download(dp[i], ni), hp[i]);
            c.record(at + (opt == 0 ? " momentum" : " exp_avg"), c.m.download(dm[i], ni), hm[i]);
            if (opt != 0) c.record(at + " exp_avg_sq", c.m.download(dv[i], ni), hv[i]);
            for (void* d : {static_cast<void*>(dp[i]), const_cast<void*>(static_cast<const void*>(dg[i])),
                            static_cast<void*>(dm[i]), static_cast<void*>(dv[i])})
                c.m.release(d);
        }
    }
    c.m.release(const_cast<float*>(gx));
    c.m.release(const_cast<float*>(gdy));
}

// ---- bench ----------------------------------------------------------------------------------------------------

struct Timing {
    double best, median;
};

Timing time_it(Machine& m, int repeat, const std::function<void()>& op) {
    op();  // warm-up (first launch, lazy module load)
    m.sync();
    std::vector<double> t;
    for (int r = 0; r < repeat; ++r) {
        const double t0 = now();
        op();
        m.sync();
        t.push_back(now() - t0);
    }
    std::sort(t.begin(), t.end());
    return {t.front(), t[t.size() / 2]};
}

struct Bench {
    Machine& m;
    int repeat;
    std::vector<std::string> rows;
    double copy_gbs = 0;

    // `bytes` of memory traffic per run: GB/s and the fraction of the copy's GB/s.
    void traffic(const std::string& name, double bytes, double elements, const std::function<void()>& op) {
        const Timing t = time_it(m, repeat, op);
        const double gbs = bytes / t.best / 1e9;
        Obj o;
        o.str("name", name).dbl("best_ms", t.best * 1e3).dbl("median_ms", t.median * 1e3).dbl("bytes", bytes);
        o.dbl("gb_per_s", gbs).dbl("gelements_per_s", elements / t.best / 1e9);
        if (copy_gbs > 0) o.dbl("fraction_of_copy", gbs / copy_gbs);
        rows.push_back(o.text());
        std::printf("%-44s %10.3f ms %10.1f GB/s %8.3f G/s%s\n", name.c_str(), t.best * 1e3, gbs, elements / t.best / 1e9,
                    copy_gbs > 0 ? ("  " + std::to_string(static_cast<int>(std::lround(100 * gbs / copy_gbs))) +
                                    " % of copy")
                                       .c_str()
                                 : "");
    }
    void rate(const std::string& name, double work, const char* unit, const std::function<void()>& op) {
        const Timing t = time_it(m, repeat, op);
        Obj o;
        o.str("name", name).dbl("best_ms", t.best * 1e3).dbl("median_ms", t.median * 1e3).dbl(unit, work / t.best / 1e9);
        rows.push_back(o.text());
        std::printf("%-44s %10.3f ms %10.2f %s (median %.3f ms)\n", name.c_str(), t.best * 1e3, work / t.best / 1e9, unit,
                    t.median * 1e3);
    }
};

void bench_all(Bench& b, bool small) {
    Machine& m = b.m;
    const size_t n = small ? size_t{1} << 16 : size_t{1} << 28;  // 1 GiB of floats per buffer on a GPU
    const auto cnt = static_cast<int64_t>(n);
    const rk_philox_stream s{42, 0, 0};
    float* x = m.alloc<float>(n);
    float* y = m.alloc<float>(n);
    uint8_t* bytes = m.alloc<uint8_t>(n);
    uint32_t* bits = m.alloc<uint32_t>((n + 31) / 32);
    RK_CHECK(rk_philox_fill_normal(m.gpu, &s, 0.0f, 1.0f, x, cnt));
    const double f4 = 4.0 * static_cast<double>(n), dn = static_cast<double>(n);

    // The bound: a device-to-device copy reads and writes n floats.
    b.traffic("memory: device-to-device copy (read + write)", 2 * f4, dn, [&] {
        RK_CHECK(rk_memcpy(m.gpu, y, x, static_cast<int64_t>(4 * n), RK_COPY_DEVICE_TO_DEVICE, 1));
    });
    {
        // Parse back the copy's GB/s (the first row) as the bound of the rest.
        const std::string& r = b.rows.back();
        const size_t at = r.find("\"gb_per_s\": ");
        b.copy_gbs = at == std::string::npos ? 0 : std::atof(r.c_str() + at + 12);
    }
    b.traffic("philox u32 (write)", f4, dn, [&] { RK_CHECK(rk_philox_fill_u32(m.gpu, &s, reinterpret_cast<uint32_t*>(y), cnt)); });
    b.traffic("philox uniform (write)", f4, dn, [&] { RK_CHECK(rk_philox_fill_uniform(m.gpu, &s, y, cnt)); });
    b.traffic("philox normal (write)", f4, dn, [&] { RK_CHECK(rk_philox_fill_normal(m.gpu, &s, 0.0f, 1.0f, y, cnt)); });
    b.traffic("philox truncated normal (write)", f4, dn,
              [&] { RK_CHECK(rk_philox_fill_truncated_normal(m.gpu, &s, 0.0f, 1.0f, -2.0f, 2.0f, y, cnt)); });
    b.traffic("philox bernoulli bytes (write)", dn, dn, [&] { RK_CHECK(rk_philox_fill_bernoulli(m.gpu, &s, 0.3, bytes, cnt)); });
    b.traffic("dropout forward p=0.1 (read x, write y)", 2 * f4, dn,
              [&] { RK_CHECK(rk_dropout_forward(m.gpu, &s, 0.1, 0, x, y, cnt, RK_MASK_NONE, nullptr)); });
    b.traffic("dropout forward+bits", 2 * f4 + dn / 8, dn,
              [&] { RK_CHECK(rk_dropout_forward(m.gpu, &s, 0.1, 0, x, y, cnt, RK_MASK_BITS, bits)); });
    b.traffic("dropout forward+bytes", 2 * f4 + dn, dn,
              [&] { RK_CHECK(rk_dropout_forward(m.gpu, &s, 0.1, 0, x, y, cnt, RK_MASK_BYTES, bytes)); });
    b.traffic("dropout backward regenerated", 2 * f4, dn,
              [&] { RK_CHECK(rk_dropout_backward(m.gpu, &s, 0.1, 0, x, y, cnt, RK_MASK_NONE, nullptr)); });
    b.traffic("dropout backward from bits", 2 * f4 + dn / 8, dn,
              [&] { RK_CHECK(rk_dropout_backward(m.gpu, &s, 0.1, 0, x, y, cnt, RK_MASK_BITS, bits)); });
    b.traffic("permutation (write u64)", 8.0 * static_cast<double>(n / 2), static_cast<double>(n / 2), [&] {
        RK_CHECK(rk_permutation(m.gpu, uint64_t{1} << 40, 9, 1, 0, 0, reinterpret_cast<uint64_t*>(y), cnt / 2));
    });
    m.release(bytes);
    m.release(bits);

    // Sampling: the C# bench's parameter sets (SampleBench.ParameterSets).
    const SampleFamily sets[] = {{"T0.7 k50 p0.9", {0.7f, 50, 0.9, 0.0}},
                                 {"T1 p0.95", {1.0f, 0, 0.95, 0.0}},
                                 {"min_p 0.05", {1.0f, 0, 1.0, 0.05}}};
    const int64_t vocab = small ? 1000 : 128256;
    for (int64_t batch : {int64_t{1}, small ? int64_t{4} : int64_t{32}}) {
        RK_CHECK(rk_philox_fill_normal(m.gpu, &s, 0.0f, 3.0f, x, vocab * batch));  // logits in x
        int32_t* tokens = m.alloc<int32_t>(static_cast<size_t>(batch));
        std::vector<rk_philox_stream> streams(static_cast<size_t>(batch));
        for (int64_t r = 0; r < batch; ++r) streams[static_cast<size_t>(r)] = rk_philox_stream{7, static_cast<uint64_t>(r), 0};
        for (const SampleFamily& f : sets) {
            const std::vector<rk_sampling_params> ps(static_cast<size_t>(batch), f.p);
            b.rate("sample V" + std::to_string(vocab) + " B" + std::to_string(batch) + " " + f.name,
                   static_cast<double>(vocab * batch), "glogits_per_s", [&] {
                       RK_CHECK(rk_sample(m.gpu, x, batch, vocab, vocab, ps.data(), streams.data(), tokens, nullptr,
                                          nullptr, nullptr));
                   });
        }
        m.release(tokens);
    }
    // Activations (x -> y: 8 bytes per element; backward x, dy -> dx: 12) and an Adam step over one tensor of n
    // elements (p, g, m, v read, p, m, v written: 28 bytes per element; the state check reads m and v again).
    const char* act_names[] = {"relu", "leaky_relu", "gelu", "gelu_tanh"};
    for (int k = 0; k < 4; ++k) {
        const auto kind = static_cast<rk_activation>(k);
        b.traffic(std::string("activation ") + act_names[k] + " forward", 2 * f4, dn,
                  [&] { RK_CHECK(rk_activation_forward(m.gpu, kind, 0.01f, x, y, cnt)); });
        b.traffic(std::string("activation ") + act_names[k] + " backward (in place)", 3 * f4, dn,
                  [&] { RK_CHECK(rk_activation_backward(m.gpu, kind, 0.01f, x, y, y, cnt)); });
    }
    {
        float* am = m.alloc<float>(n);
        float* av = m.alloc<float>(n);
        RK_CHECK(rk_philox_fill_uniform(m.gpu, &s, am, cnt));
        RK_CHECK(rk_philox_fill_uniform(m.gpu, &s, av, cnt));
        rk_adam_hyperparams h{};
        h.struct_size = sizeof h;
        h.lr = 1e-3, h.beta1 = 0.9, h.beta2 = 0.999, h.eps = 1e-8, h.weight_decay = 0.01, h.decoupled_weight_decay = 1;
        float* ps[1] = {y};
        const float* gs[1] = {x};
        float* ms[1] = {am};
        float* vs[1] = {av};
        const int64_t counts[1] = {cnt};
        int64_t t = 0;
        b.traffic("adamw step (state check included)", 9 * f4, dn,
                  [&] { RK_CHECK(rk_adam_step(m.gpu, &h, ++t, 1, ps, gs, ms, vs, counts)); });
        m.release(am);
        m.release(av);
    }

    m.release(x);
    m.release(y);

    // Conv2d: ResNet 3x3 (8 x 64 x 56 x 56 -> 64, pad 1), every forward algorithm and both backward passes.
    const rk_conv2d_desc d = small ? conv(1, 8, 8, 8, 8, 3, 1, 1, 1, 1) : conv(8, 64, 56, 56, 64, 3, 1, 1, 1, 1);
    int64_t p = 0, q = 0;
    RK_CHECK(rk_conv2d_output_shape(&d, &p, &q));
    const auto xn = static_cast<size_t>(d.n * d.c * d.h * d.w), yn = static_cast<size_t>(d.n * d.k * p * q),
               wn = static_cast<size_t>(d.k * d.c * d.r * d.s);
    const double flops = 2.0 * static_cast<double>(d.n * d.k * p * q) * static_cast<double>(d.c * d.r * d.s);
    float* cx = m.alloc<float>(xn);
    float* cw = m.alloc<float>(wn);
    float* cy = m.alloc<float>(yn);
    float* cdx = m.alloc<float>(xn);
    float* cdw = m.alloc<float>(wn);
    float* cdb = m.alloc<float>(static_cast<size_t>(d.k));
    RK_CHECK(rk_philox_fill_normal(m.gpu, &s, 0.0f, 1.0f, cx, static_cast<int64_t>(xn)));
    RK_CHECK(rk_philox_fill_normal(m.gpu, &s, 0.0f, 0.1f, cw, static_cast<int64_t>(wn)));
    RK_CHECK(rk_philox_fill_normal(m.gpu, &s, 0.0f, 1.0f, cy, static_cast<int64_t>(yn)));
    const std::string shape = small ? "conv 1x8x8x8 3x3" : "conv resnet 8x64x56x56 3x3";
    for (rk_conv_algorithm a : {RK_CONV_AUTO, RK_CONV_DIRECT, RK_CONV_IMPLICIT_GEMM, RK_CONV_WINOGRAD_2X3,
                                RK_CONV_WINOGRAD_4X3, RK_CONV_FFT}) {
        rk_conv_algorithm chosen = RK_CONV_AUTO;
        if (rk_conv2d_query(&d, RK_CONV_PASS_FORWARD, a, &chosen, nullptr) != RK_STATUS_OK) continue;
        const std::string label = a == RK_CONV_AUTO ? std::string("auto=") + algo_name(chosen) : algo_name(a);
        b.rate(shape + " forward " + label, flops, "gflop_per_s",
               [&] { RK_CHECK(rk_conv2d_forward(m.gpu, &d, a, cx, cw, nullptr, cy, nullptr, 0, nullptr)); });
    }
    b.rate(shape + " backward data", flops, "gflop_per_s",
           [&] { RK_CHECK(rk_conv2d_backward_data(m.gpu, &d, cy, cw, cdx, nullptr, 0)); });
    b.rate(shape + " backward weights + bias", flops, "gflop_per_s",
           [&] { RK_CHECK(rk_conv2d_backward_weights(m.gpu, &d, cx, cy, cdw, cdb, nullptr, 0)); });
    for (float* g : {cx, cw, cy, cdx, cdw, cdb}) m.release(g);

    // Cross-entropy: B rows of a GPT-2 vocabulary (read the logits: forward twice, backward three times + write).
    const int64_t ce_b = small ? 4 : 256, ce_v = small ? 1000 : 50257;
    const auto ce_n = static_cast<size_t>(ce_b * ce_v);
    float* logits = m.alloc<float>(ce_n);
    float* dlogits = m.alloc<float>(ce_n);
    float* loss = m.alloc<float>(1);
    float* dloss = m.alloc<float>(1);
    RK_CHECK(rk_philox_fill_normal(m.gpu, &s, 0.0f, 3.0f, logits, static_cast<int64_t>(ce_n)));
    RK_CHECK(rk_philox_fill_normal(m.gpu, &s, 0.0f, 1.0f, dloss, 1));
    std::vector<int64_t> ht(static_cast<size_t>(ce_b));
    for (int64_t r = 0; r < ce_b; ++r) ht[static_cast<size_t>(r)] = (r * 7919) % ce_v;
    const int64_t* targets = m.upload(ht);
    const std::string ce = "cross_entropy B" + std::to_string(ce_b) + " V" + std::to_string(ce_v);
    const double ce4 = 4.0 * static_cast<double>(ce_n);
    b.traffic(ce + " forward mean", 2 * ce4, static_cast<double>(ce_n), [&] {
        RK_CHECK(rk_cross_entropy_forward(m.gpu, ce_b, ce_v, logits, targets, -100, 0.0f, RK_REDUCTION_MEAN, loss));
    });
    b.traffic(ce + " backward mean", 4 * ce4, static_cast<double>(ce_n), [&] {
        RK_CHECK(rk_cross_entropy_backward(m.gpu, ce_b, ce_v, logits, targets, -100, 0.0f, RK_REDUCTION_MEAN, dloss, dlogits));
    });
    for (const void* g : {static_cast<const void*>(logits), static_cast<const void*>(dlogits), static_cast<const void*>(loss),
                          static_cast<const void*>(dloss), static_cast<const void*>(targets)})
        m.release(const_cast<void*>(g));

    // Pooling: ResNet's stem max pooling (8 x 64 x 112 x 112, 3x3 stride 2 pad 1) with indices, its backward, and
    // global average pooling of the same tensor.
    rk_pool2d_desc pd{};
    pd.struct_size = sizeof pd;
    pd.mode = RK_POOL_MAX;
    pd.layout = RK_LAYOUT_NCHW;
    pd.n = small ? 1 : 8, pd.c = small ? 4 : 64, pd.h = pd.w = small ? 16 : 112;
    pd.kernel_h = pd.kernel_w = 3;
    pd.stride_h = pd.stride_w = 2;
    pd.pad_h = pd.pad_w = 1;
    pd.dilation_h = pd.dilation_w = 1;
    int64_t pp = 0, pq = 0;
    RK_CHECK(rk_pool2d_output_shape(&pd, &pp, &pq));
    const auto pxn = static_cast<size_t>(pd.n * pd.c * pd.h * pd.w), pyn = static_cast<size_t>(pd.n * pd.c * pp * pq);
    float* px = m.alloc<float>(pxn);
    float* pdx = m.alloc<float>(pxn);
    float* py = m.alloc<float>(pyn);
    int64_t* pi = m.alloc<int64_t>(pyn);
    RK_CHECK(rk_philox_fill_normal(m.gpu, &s, 0.0f, 1.0f, px, static_cast<int64_t>(pxn)));
    const std::string pool = small ? "maxpool 1x4x16x16 3x3/2" : "maxpool resnet 8x64x112x112 3x3/2";
    const double px4 = 4.0 * static_cast<double>(pxn), py4 = 4.0 * static_cast<double>(pyn);
    b.traffic(pool + " forward + indices", px4 + 3 * py4, static_cast<double>(pyn),
              [&] { RK_CHECK(rk_pool2d_forward(m.gpu, &pd, px, py, pi)); });
    b.traffic(pool + " backward", px4 + 3 * py4, static_cast<double>(pxn),
              [&] { RK_CHECK(rk_pool2d_backward(m.gpu, &pd, py, pi, pdx)); });
    b.traffic(std::string("global average pool ") + (small ? "1x4x16x16" : "8x64x112x112"), px4, static_cast<double>(pxn), [&] {
        RK_CHECK(rk_global_avg_pool2d_forward(m.gpu, RK_LAYOUT_NCHW, pd.n, pd.c, pd.h, pd.w, px, py));
    });
    for (const void* g : {static_cast<const void*>(px), static_cast<const void*>(pdx), static_cast<const void*>(py),
                          static_cast<const void*>(pi)})
        m.release(const_cast<void*>(g));
}

[[noreturn]] void usage(const char* why) {
    std::fprintf(stderr,
                 "reprokit_cuda_check: %s\nusage: reprokit_cuda_check info|golden|compare|bench [--small] [--repeat R] "
                 "[--device N] [--json FILE]\n",
                 why);
    std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 2) usage("no command");
    const std::string cmd = argv[1];
    if (cmd != "info" && cmd != "golden" && cmd != "compare" && cmd != "bench") usage(("unknown command " + cmd).c_str());
    bool small = false;
    int repeat = 10, device = 0;
    const char* json_path = nullptr;
    for (int i = 2; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--small") {
            small = true;
        } else if ((a == "--repeat" || a == "--device" || a == "--json") && i + 1 < argc) {
            const char* v = argv[++i];
            if (a == "--repeat") repeat = std::atoi(v);
            else if (a == "--device") device = std::atoi(v);
            else json_path = v;
        } else {
            usage(("unknown option " + a).c_str());
        }
    }
    if (repeat < 1 || device < 0) usage("--repeat must be >= 1, --device >= 0");

    const double t0 = now();
    Obj out;
    out.str("tool", "reprokit_cuda_check").str("command", cmd).str("library", rk_version_string()).flag("small", small);
    int rc = 0;
    try {
        Machine m;
        rc = open_machine(m, device);
        if (rc == 3) {
            out.str("error", "no CUDA device").str("reason", rk_last_error_message());
        } else {
            out.add("device", device_json(device));
            if (cmd == "info") {
                std::printf("device %d: %s\n", device, device_json(device).c_str());
            } else if (cmd == "golden") {
                const int32_t n = rk_golden_case_count();
                std::vector<std::string> rows;
                int bad = 0;
                for (int32_t i = 0; i < n; ++i) {
                    char name[128], expected[65], gpu[65], cpu[65];
                    RK_CHECK(rk_golden_case_info(i, name, sizeof name, expected, sizeof expected));
                    RK_CHECK(rk_golden_case_run(m.gpu, i, gpu, sizeof gpu));
                    RK_CHECK(rk_golden_case_run(m.cpu, i, cpu, sizeof cpu));
                    const bool ok = std::strcmp(gpu, cpu) == 0 && std::strcmp(gpu, expected) == 0;
                    if (!ok) {
                        ++bad;
                        std::printf("MISMATCH golden %s: device %s, CPU %s, recorded %s\n", name, gpu, cpu, expected);
                    }
                    Obj o;
                    o.str("name", name).str("device", gpu).flag("equals_cpu", std::strcmp(gpu, cpu) == 0);
                    o.flag("equals_recorded", std::strcmp(gpu, expected) == 0);
                    rows.push_back(o.text());
                }
                std::printf("golden: %d cases, %d differ from the CPU or the recorded digest\n", n, bad);
                out.i64("cases", n).i64("mismatches", bad).add("results", array(rows));
                rc = bad == 0 && n > 0 ? 0 : 1;
            } else if (cmd == "compare") {
                Compare c{m, {}, 0};
                const size_t n = small ? 5001 : 8400013;  // > 4 * 256 * 4096: the grid-stride loops go round
                compare_fills(c, n);
                compare_dropout(c, small ? 5001 : 4200007, small);
                compare_sampling(c, small);
                compare_conv(c, small);
                compare_training(c, small);
                compare_normalization(c, small);
                compare_elementwise(c, small ? 5001 : 4200007);
                std::printf("compare: %zu outputs, %d differ\n", c.rows.size(), c.mismatches);
                out.i64("outputs", static_cast<int64_t>(c.rows.size())).i64("mismatches", c.mismatches);
                out.add("results", array(c.rows));
                rc = c.mismatches == 0 ? 0 : 1;
            } else {
                Bench b{m, small ? 2 : repeat, {}, 0};
                bench_all(b, small);
                out.i64("repeat", b.repeat).dbl("copy_gb_per_s", b.copy_gbs).add("results", array(b.rows));
            }
        }
    } catch (const std::exception& e) {
        std::printf("ERROR %s\n", e.what());
        out.str("error", e.what());
        rc = 1;
    }
    out.dbl("seconds", now() - t0).flag("passed", rc == 0).i64("exit", rc);
    if (json_path) {
        FILE* f = std::fopen(json_path, "w");
        if (!f) {
            std::fprintf(stderr, "reprokit_cuda_check: cannot write %s\n", json_path);
            return 1;
        }
        std::fprintf(f, "%s\n", out.text().c_str());
        std::fclose(f);
    }
    return rc;
}
