// reprokit_sample_bench: rk_sample per batch beside the time of reading the logits once, the same cases as
// `reprokit bench sample` (logits N(0, 3^2) from stream (2024, 0, 0), row r's stream (7, r, 0)), interleaved rounds,
// best of R, with a digest of every output (tokens, probability and log-probability bits, kept counts) so that two
// builds can be checked for equal results (docs/benchmarks.md, "Token sampling").
//
//   reprokit_sample_bench [--isa scalar|avx2|avx512] [--threads T] [--repeat R] [--vocab V,V..] [--batch B,B..]
//                         [--params all|topp|topk|minp|none]
//
// "read" is the CLI's floor: one pass that sums the logits in a single 8-float accumulator (the CLI's Vector<float>
// loop), single thread; "read4" sums with four 16-float accumulators (the fastest read of the logits, one thread).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#if defined(__x86_64__) || defined(_M_X64)
#  include <immintrin.h>
#endif

#include "reprokit/reprokit.h"

namespace {

double now() { return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count(); }

std::vector<int> parse_list(const std::string& s) {
    std::vector<int> out;
    size_t at = 0;
    while (at <= s.size()) {
        const size_t comma = s.find(',', at);
        out.push_back(std::atoi(s.substr(at, comma == std::string::npos ? std::string::npos : comma - at).c_str()));
        if (comma == std::string::npos) break;
        at = comma + 1;
    }
    return out;
}

// The CLI's read: one accumulator of 8 floats (a dependent chain of adds).
__attribute__((noinline)) float read_one(const float* x, size_t n) {
    float acc[8] = {};
    size_t i = 0;
    for (; i + 8 <= n; i += 8)
        for (int j = 0; j < 8; ++j) acc[j] += x[i + j];
    float s = 0;
    for (int j = 0; j < 8; ++j) s += acc[j];
    for (; i < n; ++i) s += x[i];
    return s;
}

__attribute__((noinline)) float read_four(const float* x, size_t n) {
    float acc[64] = {};
    size_t i = 0;
    for (; i + 64 <= n; i += 64)
        for (int j = 0; j < 64; ++j) acc[j] += x[i + j];
    float s = 0;
    for (int j = 0; j < 64; ++j) s += acc[j];
    for (; i < n; ++i) s += x[i];
    return s;
}

uint64_t fnv(uint64_t h, const void* p, size_t n) {
    const unsigned char* b = static_cast<const unsigned char*>(p);
    for (size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

}  // namespace

int main(int argc, char** argv) {
    rk_isa isa = RK_ISA_AUTO;
    int threads = 1, repeat = 9;
    std::vector<int> vocabs = {32000, 128256, 262144}, batches = {1, 8, 32};
    std::string which = "all";
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string a = argv[i], v = argv[i + 1];
        if (a == "--isa") isa = v == "scalar" ? RK_ISA_SCALAR : v == "avx2" ? RK_ISA_AVX2 : RK_ISA_AVX512;
        else if (a == "--threads") threads = std::atoi(v.c_str());
        else if (a == "--repeat") repeat = std::atoi(v.c_str());
        else if (a == "--vocab") vocabs = parse_list(v);
        else if (a == "--batch") batches = parse_list(v);
        else if (a == "--params") which = v;
        else {
            std::fprintf(stderr, "unknown option %s\n", a.c_str());
            return 2;
        }
    }
    struct Set {
        const char* name;
        rk_sampling_params p;
    };
    std::vector<Set> sets;
    if (which == "all" || which == "topk") sets.push_back({"T0.7 k50 p0.9", {0.7f, 50, 0.9, 0.0}});
    if (which == "all" || which == "topp") sets.push_back({"T1 p0.95", {1.0f, 0, 0.95, 0.0}});
    if (which == "all" || which == "minp") sets.push_back({"min_p 0.05", {1.0f, 0, 1.0, 0.05}});
    if (which == "all" || which == "none") sets.push_back({"T1 none", {1.0f, 0, 1.0, 0.0}});

    rk_cpu_context_options options{};
    options.struct_size = sizeof options;
    options.isa = isa;
    options.num_threads = threads;
    rk_context* ctx = nullptr;
    if (rk_cpu_context_create(&options, &ctx) != RK_STATUS_OK) {
        std::fprintf(stderr, "reprokit_sample_bench: %s\n", rk_last_error_message());
        return 1;
    }
    std::printf("%7s %3s %-14s %10s %9s %9s %7s %7s  digest\n", "V", "B", "params", "us", "read us", "read4 us",
                "x read", "x read4");
    uint64_t all = 1469598103934665603ull;
    for (int v : vocabs)
        for (int b : batches) {
            const size_t n = static_cast<size_t>(v) * b;
            std::vector<float> logits(n);
            const rk_philox_stream fill{2024, 0, 0};
            rk_philox_fill_normal(ctx, &fill, 0.0f, 3.0f, logits.data(), static_cast<int64_t>(n));
            std::vector<rk_philox_stream> streams(b);
            for (int r = 0; r < b; ++r) streams[r] = {7, static_cast<uint64_t>(r), 0};
            std::vector<int32_t> tokens(b), kept(b);
            std::vector<float> probs(b), logprobs(b);
            std::vector<double> best(sets.size(), 1e30);
            std::vector<uint64_t> digest(sets.size());
            double read = 1e30, read4 = 1e30;
            volatile float sink = 0;
            for (int rep = 0; rep <= repeat; ++rep) {
                double t0 = now();
                sink = sink + read_one(logits.data(), n);
                if (rep) read = std::min(read, now() - t0);
                t0 = now();
                sink = sink + read_four(logits.data(), n);
                if (rep) read4 = std::min(read4, now() - t0);
                for (size_t s = 0; s < sets.size(); ++s) {
                    std::vector<rk_sampling_params> ps(b, sets[s].p);
                    t0 = now();
                    if (rk_sample(ctx, logits.data(), b, v, v, ps.data(), streams.data(), tokens.data(), probs.data(),
                                  logprobs.data(), kept.data()) != RK_STATUS_OK) {
                        std::fprintf(stderr, "rk_sample: %s\n", rk_last_error_message());
                        return 1;
                    }
                    if (rep) best[s] = std::min(best[s], now() - t0);
                    uint64_t h = 1469598103934665603ull;
                    h = fnv(h, tokens.data(), b * 4);
                    h = fnv(h, probs.data(), b * 4);
                    h = fnv(h, logprobs.data(), b * 4);
                    h = fnv(h, kept.data(), b * 4);
                    digest[s] = h;
                }
            }
            for (size_t s = 0; s < sets.size(); ++s) {
                std::printf("%7d %3d %-14s %10.1f %9.1f %9.1f %7.1f %7.1f  %016llx\n", v, b, sets[s].name, best[s] * 1e6,
                            read * 1e6, read4 * 1e6, best[s] / read, best[s] / read4,
                            static_cast<unsigned long long>(digest[s]));
                all = fnv(all, &digest[s], 8);
            }
            std::fflush(stdout);
        }
    std::printf("all digests: %016llx\n", static_cast<unsigned long long>(all));
    rk_context_destroy(ctx);
    return 0;
}
