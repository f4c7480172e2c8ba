// reprokit_sha256_bench: rk_sha256's throughput on one thread (the CPU's SHA instructions where it has them) beside the
// portable reference (rk_testing_sha256_portable) and a memcpy of the same buffer, runs interleaved so that a busy
// machine affects all alike. Prints best and median GB/s over the runs and checks that both paths give one digest.
//
//   reprokit_sha256_bench [--mib N] [--repeat R] [--misalign B]
//
// --misalign B starts the message B bytes past a 64-byte boundary (C# arrays are not 64-byte aligned).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "api/testing.h"
#include "reprokit/reprokit.h"

namespace {

double now() {
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

[[noreturn]] void usage(const char* why) {
    std::fprintf(stderr,
                 "reprokit_sha256_bench: %s\nusage: reprokit_sha256_bench [--mib N] [--repeat R] [--misalign B]\n", why);
    std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
    size_t mib = 64;
    int repeat = 7, misalign = 0;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (i + 1 >= argc) usage(("missing value after " + a).c_str());
        const std::string v = argv[++i];
        if (a == "--mib") mib = std::strtoull(v.c_str(), nullptr, 10);
        else if (a == "--repeat") repeat = std::atoi(v.c_str());
        else if (a == "--misalign") misalign = std::atoi(v.c_str());
        else usage(("unknown option " + a).c_str());
    }
    if (mib < 1 || mib > 4096 || repeat < 1 || misalign < 0 || misalign > 63)
        usage("mib must be 1..4096, repeat >= 1, misalign 0..63");

    const size_t n = mib << 20;
    std::vector<uint8_t> storage(n + 128), copy_to(n + 128);
    uint8_t* data = reinterpret_cast<uint8_t*>((reinterpret_cast<uintptr_t>(storage.data()) + 63) & ~uintptr_t{63}) + misalign;
    uint64_t state = 1;
    for (size_t i = 0; i < n; ++i) data[i] = static_cast<uint8_t>((state = state * 6364136223846793005ull + 1) >> 56);
    std::memset(copy_to.data(), 0, copy_to.size());

    struct Case {
        std::string name;
        std::vector<double> seconds;
    };
    std::vector<Case> cases = {{std::string("rk_sha256 (") + rk_testing_sha256_implementation() + ")", {}},
                               {"portable", {}},
                               {"memcpy (read + write)", {}}};
    char digests[2][65] = {};
    for (int r = 0; r < repeat + 1; ++r) {  // run 0 warms up (page faults, caches) and is not counted
        for (size_t c = 0; c < cases.size(); ++c) {
            rk_status status = RK_STATUS_OK;
            const double t0 = now();
            if (c == 0) status = rk_sha256(data, static_cast<int64_t>(n), digests[0], 65);
            else if (c == 1) status = rk_testing_sha256_portable(data, static_cast<int64_t>(n), digests[1], 65);
            else std::memcpy(copy_to.data() + misalign, data, n);
            const double t = now() - t0;
            if (status != RK_STATUS_OK) {
                std::fprintf(stderr, "reprokit_sha256_bench: %s\n", rk_last_error_message());
                return 1;
            }
            if (r > 0) cases[c].seconds.push_back(t);
        }
    }
    char cpu[256] = {};
    rk_cpu_description(cpu, sizeof cpu);
    std::printf("sha256 bench: %zu MiB, one thread, message %d bytes past 64-byte alignment, %d runs\ncpu: %s\n", mib,
                misalign, repeat, cpu);
    std::printf("%-28s %10s %12s\n", "case", "best GB/s", "median GB/s");
    for (Case& c : cases) {
        std::sort(c.seconds.begin(), c.seconds.end());
        std::printf("%-28s %10.3f %12.3f\n", c.name.c_str(), static_cast<double>(n) / c.seconds.front() / 1e9,
                    static_cast<double>(n) / c.seconds[c.seconds.size() / 2] / 1e9);
    }
    std::printf("digest %s (%s)\n", digests[0], std::strcmp(digests[0], digests[1]) == 0 ? "same on both paths" : "DIFFERS");
    if (std::strcmp(digests[0], digests[1]) != 0) {
        std::fprintf(stderr, "reprokit_sha256_bench: portable digest %s differs\n", digests[1]);
        return 1;
    }
    return 0;
}
