// reprokit_dropout_bench: dropout forward/backward throughput beside the memory bound of the same
// traffic (a copy that reads x and writes y), both on the same buffers and thread count, runs
// interleaved so that a busy machine affects both alike. Reports best and median over the runs, best
// against the best copy, and the median of each round's ratio to that copy (the steadiest figure).
//
//   reprokit_dropout_bench [--isa scalar|avx2|avx512|neon] [--threads T] [--count N] [--repeat R]
//                          [--misalign F]
//
// --misalign F offsets x and y by F floats from a 64-byte boundary (C# arrays are not 64-byte aligned).
// The copy bound is the faster of memcpy and, on x86-64, a copy with non-temporal stores (what the
// dropout kernels use for large outputs), split over the same threads as the dropout call.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#if defined(__x86_64__) || defined(_M_X64)
#  include <emmintrin.h>
#  define RK_BENCH_NT 1
#endif

#include "reprokit/reprokit.h"

namespace {

double now() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

void copy_piece(const float* x, float* y, size_t n, bool nontemporal) {
#if defined(RK_BENCH_NT)
    if (nontemporal) {
        size_t i = 0;
        for (; i < n && (reinterpret_cast<uintptr_t>(y + i) & 15) != 0; ++i) y[i] = x[i];
        for (; i + 4 <= n; i += 4) _mm_stream_ps(y + i, _mm_loadu_ps(x + i));
        for (; i < n; ++i) y[i] = x[i];
        _mm_sfence();
        return;
    }
#endif
    (void)nontemporal;
    std::memcpy(y, x, n * sizeof(float));
}

void copy(const float* x, float* y, size_t n, int threads, bool nontemporal) {
    std::vector<std::thread> pool;
    const size_t per = (n / static_cast<size_t>(threads)) & ~size_t{63};
    for (int t = 1; t < threads; ++t) {
        const size_t b = per * static_cast<size_t>(t), e = t == threads - 1 ? n : b + per;
        pool.emplace_back(copy_piece, x + b, y + b, e - b, nontemporal);
    }
    copy_piece(x, y, threads > 1 ? per : n, nontemporal);
    for (auto& th : pool) th.join();
}

[[noreturn]] void usage(const char* why) {
    std::fprintf(stderr,
                 "reprokit_dropout_bench: %s\nusage: reprokit_dropout_bench [--isa scalar|avx2|avx512|neon] "
                 "[--threads T] [--count N] [--repeat R] [--misalign F]\n",
                 why);
    std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
    rk_isa isa = RK_ISA_AUTO;
    int threads = 1, repeat = 15, misalign = 0;
    size_t n = size_t{1} << 24;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (i + 1 >= argc) usage(("missing value after " + a).c_str());
        const std::string v = argv[++i];
        if (a == "--isa") {
            if (v == "scalar") isa = RK_ISA_SCALAR;
            else if (v == "avx2") isa = RK_ISA_AVX2;
            else if (v == "avx512") isa = RK_ISA_AVX512;
            else if (v == "neon") isa = RK_ISA_NEON;
            else usage(("unknown ISA " + v).c_str());
        } else if (a == "--threads") {
            threads = std::atoi(v.c_str());
        } else if (a == "--count") {
            n = std::strtoull(v.c_str(), nullptr, 10);
        } else if (a == "--repeat") {
            repeat = std::atoi(v.c_str());
        } else if (a == "--misalign") {
            misalign = std::atoi(v.c_str());
        } else {
            usage(("unknown option " + a).c_str());
        }
    }
    if (threads < 1 || threads > 256 || repeat < 1 || n < 64 || misalign < 0 || misalign > 15)
        usage("threads must be 1..256, repeat >= 1, count >= 64, misalign 0..15");

    rk_cpu_context_options options{};
    options.struct_size = sizeof options;
    options.isa = isa;
    options.num_threads = threads;
    rk_context* ctx = nullptr;
    if (rk_cpu_context_create(&options, &ctx) != RK_STATUS_OK) {
        std::fprintf(stderr, "reprokit_dropout_bench: %s\n", rk_last_error_message());
        return 1;
    }
    // 64-byte-aligned storage, then offset by `misalign` floats.
    std::vector<float> xs(n + 32), ys(n + 32);
    const auto align = [&](std::vector<float>& v) {
        return reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(v.data()) + 63) & ~uintptr_t{63}) + misalign;
    };
    float* x = align(xs);
    float* y = align(ys);
    for (size_t i = 0; i < n; ++i) x[i] = static_cast<float>(i % 1013) * 0.01f - 5.0f;
    std::memset(ys.data(), 0, ys.size() * sizeof(float));
    std::vector<uint8_t> bytes(n);
    std::vector<uint32_t> bits((n + 31) / 32);
    const rk_philox_stream stream{42, 0, 0};
    const double p = 0.1;
    const int64_t count = static_cast<int64_t>(n);

    struct Case {
        const char* name;
        std::vector<double> seconds;
    };
    std::vector<Case> cases = {{"forward", {}},        {"forward+bits", {}},  {"forward+bytes", {}},
                               {"backward-regen", {}}, {"backward-bits", {}}, {"backward-bytes", {}},
                               {"mask-bits", {}},      {"copy (memcpy)", {}}, {"copy (NT stores)", {}}};
#if !defined(RK_BENCH_NT)
    cases.pop_back();
#endif
    rk_status status = RK_STATUS_OK;
    for (int r = 0; r < repeat + 1; ++r) {  // run 0 warms up (page faults, thread start) and is not counted
        for (size_t c = 0; c < cases.size(); ++c) {
            const double t0 = now();
            switch (c) {
                case 0: status = rk_dropout_forward(ctx, &stream, p, 0, x, y, count, RK_MASK_NONE, nullptr); break;
                case 1: status = rk_dropout_forward(ctx, &stream, p, 0, x, y, count, RK_MASK_BITS, bits.data()); break;
                case 2: status = rk_dropout_forward(ctx, &stream, p, 0, x, y, count, RK_MASK_BYTES, bytes.data()); break;
                case 3: status = rk_dropout_backward(ctx, &stream, p, 0, x, y, count, RK_MASK_NONE, nullptr); break;
                case 4: status = rk_dropout_backward(ctx, nullptr, p, 0, x, y, count, RK_MASK_BITS, bits.data()); break;
                case 5: status = rk_dropout_backward(ctx, nullptr, p, 0, x, y, count, RK_MASK_BYTES, bytes.data()); break;
                case 6: status = rk_dropout_mask(ctx, &stream, p, 0, count, RK_MASK_BITS, bits.data()); break;
                case 7: copy(x, y, n, threads, false); break;
                default: copy(x, y, n, threads, true); break;
            }
            const double t = now() - t0;
            if (status != RK_STATUS_OK) {
                std::fprintf(stderr, "reprokit_dropout_bench: %s\n", rk_last_error_message());
                return 1;
            }
            if (r > 0) cases[c].seconds.push_back(t);
        }
    }
    double bound = 0;
    size_t bound_case = 7;
    for (size_t c = 7; c < cases.size(); ++c) {
        const double rate = static_cast<double>(n) / *std::min_element(cases[c].seconds.begin(), cases[c].seconds.end());
        if (rate > bound) bound = rate, bound_case = c;
    }
    // The median over rounds of (bound copy's time / case's time) in the same round: the runs of one
    // round are back to back, so this ratio shrugs off a neighbour's load better than best/bound.
    const auto paired = [&](const Case& c) {
        std::vector<double> ratios;
        for (size_t r = 0; r < c.seconds.size(); ++r) ratios.push_back(cases[bound_case].seconds[r] / c.seconds[r]);
        std::sort(ratios.begin(), ratios.end());
        return ratios[ratios.size() / 2];
    };
    std::vector<double> paired_ratio;
    for (const Case& c : cases) paired_ratio.push_back(paired(c));
    std::printf("dropout bench: %zu float32 elements, p = %.2f, %d thread(s), ISA %s, x and y %d floats past 64-byte "
                "alignment, %d runs\n",
                n, p, threads, rk_isa_name(isa), misalign, repeat);
    std::printf("%-17s %10s %10s %12s %14s\n", "case", "best G/s", "median G/s", "best/bound", "paired median");
    for (size_t i = 0; i < cases.size(); ++i) {
        Case& c = cases[i];
        std::sort(c.seconds.begin(), c.seconds.end());
        const double best = static_cast<double>(n) / c.seconds.front() / 1e9;
        const double median = static_cast<double>(n) / c.seconds[c.seconds.size() / 2] / 1e9;
        std::printf("%-17s %10.3f %10.3f %11.0f%% %13.0f%%\n", c.name, best, median, 100.0 * best * 1e9 / bound,
                    100.0 * paired_ratio[i]);
    }
    std::printf("memory bound (best copy reading x, writing y): %.3f G elements/s = %.1f GB/s\n", bound / 1e9,
                bound * 8.0 / 1e9);
    rk_context_destroy(ctx);
    return 0;
}
