// reprokit_mathcheck: accuracy and cross-ISA identity of the portable float32 math
// (native/src/core/portable_math.h) over all 2^32 inputs, or every K-th bit pattern.
//
//   reprokit_mathcheck [--sample K] [--threads T] [--isa scalar|avx2|avx512|neon[,...]] [--fn exp,...]
//
// Errors are measured on the scalar instantiation; each vector ISA compared (--isa; default: every
// one this machine runs; "scalar" alone compares none) must give the same bits. Per function it
// prints the maximum error in ulps of the exact result with the input where it occurs (separately
// for subnormal results when there are any), how many results are not the correctly rounded float,
// a digest of all (input, result) pairs to compare other machines and backends with, the ISA
// comparison and the special values. The reference is float64 libm (erfinv: Newton on libm
// erf/erfc), accurate to well under 1e-6 float ulp. Exit status 1 when a bound is exceeded, a special
// value, a NaN's bits or a zero's sign is wrong, or an ISA differs; 2 on bad arguments.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "mathcheck_batch.h"
#include "mathcheck_reference.h"
#include "reprokit/reprokit.h"

namespace rk::mathcheck {

void batch_scalar(Fn fn, const float* in, float* out, std::size_t n) { batch<core::ScalarLanes>(fn, in, out, n); }

namespace {

struct FnInfo {
    const char* name;
    double bound;  // ulp
};
constexpr FnInfo kFns[kNumFns] = {{"exp", 1.0},    {"log", 1.0},    {"sinpi", 1.0}, {"cospi", 1.0},
                                  {"erf", 2.0},    {"erfinv", 4.0}, {"tanh", 2.0}};

constexpr int kNumIsas = 4;  // scalar, avx2, avx512, neon

struct Isa {
    const char* name;
    void (*batch)(Fn, const float*, float*, std::size_t);
    bool available;
};

// splitmix64's finaliser: the digest sums it over (input, result) pairs, so that it does not depend
// on the order in which threads finish, and compares results across machines and backends.
uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

// Keeps the larger error, and of equal errors the smaller input bits, so that results do not depend
// on how the work was split between threads.
void take_max(double err, uint32_t at, double& max_err, uint32_t& max_at) {
    if (err > max_err || (err == max_err && err > 0.0 && at < max_at)) {
        max_err = err;
        max_at = at;
    }
}

struct Stats {
    double max_err = 0.0;
    uint32_t max_at = 0;
    double max_err_sub = 0.0;  // over subnormal results only
    uint32_t max_at_sub = 0;
    double max_err_norm = 0.0;  // over all other results
    uint32_t max_at_norm = 0;
    uint64_t not_cr = 0;        // results that are not the correctly rounded float
    uint64_t zero_sign = 0;     // exact zero results with the wrong sign
    uint64_t noncanon_nan = 0;  // NaN results other than 0x7FC00000
    uint64_t digest = 0;        // order-independent hash of every (input, result) pair
    uint64_t mismatch[kNumIsas] = {};  // per ISA: bits differing from scalar
    uint32_t mismatch_at[kNumIsas] = {};

    void merge(const Stats& o) {
        take_max(o.max_err, o.max_at, max_err, max_at);
        take_max(o.max_err_sub, o.max_at_sub, max_err_sub, max_at_sub);
        take_max(o.max_err_norm, o.max_at_norm, max_err_norm, max_at_norm);
        not_cr += o.not_cr;
        digest += o.digest;
        zero_sign += o.zero_sign;
        noncanon_nan += o.noncanon_nan;
        for (int i = 0; i < kNumIsas; ++i) {
            if (o.mismatch[i] && (!mismatch[i] || o.mismatch_at[i] < mismatch_at[i])) mismatch_at[i] = o.mismatch_at[i];
            mismatch[i] += o.mismatch[i];
        }
    }
};

float eval_scalar(Fn fn, float x) {
    float y;
    batch_scalar(fn, &x, &y, 1);
    return y;
}

// Special values, required bit for bit.
int check_specials(Fn fn) {
    struct Case {
        float x;
        uint32_t want;
    };
    const float inf = INFINITY, nan = NAN;
    const uint32_t qnan = 0x7FC00000u, pinf = 0x7F800000u, ninf = 0xFF800000u, one = 0x3F800000u,
                   mone = 0xBF800000u, pz = 0u, nz = 0x80000000u;
    std::vector<Case> cases = {{nan, qnan}, {-nan, qnan}};
    switch (fn) {
        case kExp:
            cases.insert(cases.end(), {{0.0f, one}, {-0.0f, one}, {inf, pinf}, {-inf, pz}, {100.0f, pinf},
                                       {-200.0f, pz}, {float_of(0x42B17218u), pinf}, {float_of(0xC2CFF1B4u), 1u},
                                       {float_of(0xC2CFF1B5u), pz}});
            break;
        case kLog:
            cases.insert(cases.end(), {{1.0f, pz}, {0.0f, ninf}, {-0.0f, ninf}, {-1.0f, qnan}, {-inf, qnan},
                                       {inf, pinf}});
            break;
        case kSinpi:
            cases.insert(cases.end(), {{0.0f, pz}, {-0.0f, nz}, {1.0f, pz}, {-1.0f, nz}, {2.0f, pz}, {-3.0f, nz},
                                       {0x1p23f + 1.0f, pz}, {-0x1p30f, nz}, {0.5f, one}, {-0.5f, mone},
                                       {1.5f, mone}, {inf, qnan}, {-inf, qnan}});
            break;
        case kCospi:
            cases.insert(cases.end(), {{0.0f, one}, {-0.0f, one}, {1.0f, mone}, {0.5f, pz}, {-0.5f, pz},
                                       {1.5f, pz}, {-2.5f, pz}, {0x1p22f + 0.5f, pz}, {0x1p23f + 1.0f, mone},
                                       {0x1p30f, one}, {inf, qnan}, {-inf, qnan}});
            break;
        case kErf:
            cases.insert(cases.end(),
                         {{0.0f, pz}, {-0.0f, nz}, {inf, one}, {-inf, mone}, {10.0f, one}, {-10.0f, mone}});
            break;
        case kErfinv:
            cases.insert(cases.end(), {{0.0f, pz}, {-0.0f, nz}, {1.0f, pinf}, {-1.0f, ninf}, {1.5f, qnan},
                                       {-1.0000001f, qnan}, {inf, qnan}, {-inf, qnan}});
            break;
        case kTanh:
            cases.insert(cases.end(), {{0.0f, pz}, {-0.0f, nz}, {inf, one}, {-inf, mone}, {20.0f, one},
                                       {-20.0f, mone}, {100.0f, one}, {float_of(1u), 1u}, {float_of(0x80000001u), 0x80000001u}});
            break;
        case kNumFns: break;
    }
    int bad = 0;
    for (const Case& c : cases) {
        const uint32_t got = bits_of(eval_scalar(fn, c.x));
        if (got != c.want) {
            std::printf("        SPECIAL FAIL %s(%a) = %a [0x%08" PRIX32 "], want 0x%08" PRIX32 "\n", kFns[fn].name,
                        c.x, float_of(got), got, c.want);
            ++bad;
        }
    }
    return bad;
}

int usage() {
    std::fprintf(stderr,
                 "usage: reprokit_mathcheck [--sample K] [--threads T] [--isa scalar|avx2|avx512|neon[,...]] "
                 "[--fn exp|log|sinpi|cospi|erf|erfinv|tanh[,...]]\n");
    return 2;
}

bool in_list(const std::string& list, const char* name) {
    size_t pos = 0;
    while (pos <= list.size()) {
        size_t end = list.find(',', pos);
        if (end == std::string::npos) end = list.size();
        if (list.compare(pos, end - pos, name) == 0) return true;
        pos = end + 1;
    }
    return false;
}

int run(int argc, char** argv) {
    uint64_t sample = 1;
    unsigned threads = std::max(1u, std::thread::hardware_concurrency());
    std::string isa_list, fn_list;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (i + 1 >= argc) return usage();
        if (arg == "--sample") sample = std::strtoull(argv[++i], nullptr, 10);
        else if (arg == "--threads") threads = static_cast<unsigned>(std::strtoul(argv[++i], nullptr, 10));
        else if (arg == "--isa") isa_list = argv[++i];
        else if (arg == "--fn") fn_list = argv[++i];
        else return usage();
    }
    if (sample == 0 || threads == 0) return usage();

    auto supported = [](rk_isa isa) {
        int32_t ok = 0;
        return rk_cpu_isa_supported(isa, &ok) == RK_STATUS_OK && ok != 0;
    };
    Isa isas[kNumIsas] = {{"scalar", batch_scalar, true},
                          {"avx2", nullptr, false},
                          {"avx512", nullptr, false},
                          {"neon", nullptr, false}};
#if defined(RK_HAVE_X86_KERNELS)
    isas[1] = {"avx2", batch_avx2, supported(RK_ISA_AVX2)};
    isas[2] = {"avx512", batch_avx512, supported(RK_ISA_AVX512)};
#endif
#if defined(RK_HAVE_NEON_KERNELS)
    isas[3] = {"neon", batch_neon, supported(RK_ISA_NEON)};
#endif
    (void)supported;
    bool use[kNumIsas];
    for (int i = 0; i < kNumIsas; ++i) {
        use[i] = i == 0 || (isa_list.empty() ? isas[i].available : in_list(isa_list, isas[i].name));
        if (use[i] && !isas[i].available) {
            std::fprintf(stderr, "ISA %s is not available on this machine or build\n", isas[i].name);
            return 2;
        }
    }
    bool fn_on[kNumFns];
    for (int f = 0; f < kNumFns; ++f) fn_on[f] = fn_list.empty() || in_list(fn_list, kFns[f].name);

    const uint64_t total = ((1ull << 32) + sample - 1) / sample;  // inputs i * sample
    const uint64_t chunk = 1u << 16;
    const uint64_t nchunks = (total + chunk - 1) / chunk;
    std::printf("reprokit_mathcheck: %" PRIu64 " inputs (every %" PRIu64 "th bit pattern), %u threads, ISAs:",
                total, sample, threads);
    for (int i = 0; i < kNumIsas; ++i)
        if (use[i]) std::printf(" %s", isas[i].name);
    std::printf("\n");
    std::fflush(stdout);

    std::atomic<uint64_t> next{0}, done{0};
    std::vector<std::vector<Stats>> per_thread(threads, std::vector<Stats>(kNumFns));
    auto worker = [&](unsigned t) {
        std::vector<float> in(chunk), ref_out(chunk), out(chunk);
        for (uint64_t c; (c = next.fetch_add(1)) < nchunks; done.fetch_add(1)) {
            const uint64_t first = c * chunk;
            const std::size_t n = static_cast<std::size_t>(std::min(chunk, total - first));
            for (std::size_t j = 0; j < n; ++j) in[j] = float_of(static_cast<uint32_t>((first + j) * sample));
            for (int f = 0; f < kNumFns; ++f) {
                if (!fn_on[f]) continue;
                const Fn fn = static_cast<Fn>(f);
                Stats& st = per_thread[t][f];
                batch_scalar(fn, in.data(), ref_out.data(), n);
                for (int i = 1; i < kNumIsas; ++i) {
                    if (!use[i]) continue;
                    isas[i].batch(fn, in.data(), out.data(), n);
                    for (std::size_t j = 0; j < n; ++j) {
                        if (bits_of(out[j]) != bits_of(ref_out[j]) && st.mismatch[i]++ == 0) {
                            st.mismatch_at[i] = bits_of(in[j]);
                        }
                    }
                }
                for (std::size_t j = 0; j < n; ++j) {
                    const float y = ref_out[j];
                    st.digest += mix64((static_cast<uint64_t>(bits_of(in[j])) << 32) | bits_of(y));
                    const double ref = reference(fn, in[j], y);
                    const double err = ulp_error(y, ref);
                    take_max(err, bits_of(in[j]), st.max_err, st.max_at);
                    if (std::fabs(ref) < 0x1p-126 && ref != 0.0) {
                        take_max(err, bits_of(in[j]), st.max_err_sub, st.max_at_sub);
                    } else {
                        take_max(err, bits_of(in[j]), st.max_err_norm, st.max_at_norm);
                    }
                    if (std::isnan(y)) {
                        if (bits_of(y) != 0x7FC00000u) ++st.noncanon_nan;
                    } else if (static_cast<double>(y) != static_cast<double>(static_cast<float>(ref))) {
                        ++st.not_cr;
                    } else if (y == 0.0f && std::signbit(y) != std::signbit(ref)) {
                        ++st.zero_sign;
                    }
                }
            }
        }
    };
    std::vector<std::thread> pool;
    const auto start = std::chrono::steady_clock::now();
    for (unsigned t = 0; t < threads; ++t) pool.emplace_back(worker, t);
    for (uint64_t last = 0;;) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        const uint64_t d = done.load();
        const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        if (d == nchunks) break;
        if (secs >= 10.0 * (last + 1)) {
            last = static_cast<uint64_t>(secs / 10.0);
            std::fprintf(stderr, "  %5.1f%% after %.0f s\n", 100.0 * d / nchunks, secs);
        }
    }
    for (std::thread& th : pool) th.join();

    int failures = 0;
    for (int f = 0; f < kNumFns; ++f) {
        if (!fn_on[f]) continue;
        Stats st;
        for (unsigned t = 0; t < threads; ++t) st.merge(per_thread[t][f]);
        const Fn fn = static_cast<Fn>(f);
        const float x = float_of(st.max_at);
        std::printf("%-7s max %.6f ulp at x = %a (0x%08" PRIX32 ", %s = %a), bound %.0f ulp%s\n", kFns[f].name,
                    st.max_err, x, st.max_at, kFns[f].name, eval_scalar(fn, x), kFns[f].bound,
                    st.max_err > kFns[f].bound ? "  EXCEEDED" : "");
        failures += st.max_err > kFns[f].bound;
        if (st.max_err_sub > 0.0) {
            std::printf("        normal results: max %.6f ulp at x = %a (0x%08" PRIX32 ")\n", st.max_err_norm,
                        float_of(st.max_at_norm), st.max_at_norm);
            std::printf("        subnormal results: max %.6f ulp at x = %a (0x%08" PRIX32 ")\n", st.max_err_sub,
                        float_of(st.max_at_sub), st.max_at_sub);
        }
        std::printf("        not correctly rounded: %" PRIu64 " (%.4g%%)\n", st.not_cr,
                    100.0 * static_cast<double>(st.not_cr) / static_cast<double>(total));
        std::printf("        results digest: %016" PRIx64 "\n", st.digest);
        if (st.zero_sign || st.noncanon_nan) {
            std::printf("        FAILED: wrong-signed zeros: %" PRIu64 ", non-canonical NaNs: %" PRIu64 "\n",
                        st.zero_sign, st.noncanon_nan);
            ++failures;
        }
        for (int i = 1; i < kNumIsas; ++i) {
            if (!use[i]) continue;
            if (st.mismatch[i]) {
                std::printf("        %s: FAILED, %" PRIu64 " results differ from scalar, first at x = %a (0x%08" PRIX32
                            ")\n",
                            isas[i].name, st.mismatch[i], float_of(st.mismatch_at[i]), st.mismatch_at[i]);
                ++failures;
            } else {
                std::printf("        %s: identical to scalar\n", isas[i].name);
            }
        }
        const int bad = check_specials(fn);
        std::printf("        special values: %s\n", bad ? "FAILED" : "ok");
        failures += bad;
    }
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::printf("%s in %.1f s\n", failures ? "FAILED" : "PASSED", secs);
    return failures ? 1 : 0;
}

}  // namespace
}  // namespace rk::mathcheck

int main(int argc, char** argv) { return rk::mathcheck::run(argc, argv); }
