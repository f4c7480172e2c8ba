// reprokit_golden: runs the golden suite on every ISA and thread count this machine has, checks that
// they all agree, and prints "name sha256" lines (or writes them to the digests file with --write).
// Recording digests is for spec changes only; `reprokit verify` is the user-facing check.
#include <cstdio>
#include <cstring>
#include <map>
#include <string>

#include "reprokit/reprokit.h"

int main(int argc, char** argv) {
    const char* write_path = nullptr;
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--write") == 0 && i + 1 < argc) {
            write_path = argv[++i];
        } else {
            std::fprintf(stderr, "usage: reprokit_golden [--write tests/golden/digests.txt]\n");
            return 2;
        }
    }
    const int32_t n = rk_golden_case_count();
    std::map<int32_t, std::string> digests;
    bool agree = true;
    for (rk_isa isa : {RK_ISA_SCALAR, RK_ISA_AVX2, RK_ISA_AVX512, RK_ISA_NEON}) {
        int32_t supported = 0;
        if (rk_cpu_isa_supported(isa, &supported) != RK_STATUS_OK || !supported) continue;
        for (int threads : {1, 2, 3}) {
            rk_cpu_context_options o{};
            o.struct_size = sizeof o;
            o.isa = isa;
            o.num_threads = threads;
            rk_context* ctx = nullptr;
            if (rk_cpu_context_create(&o, &ctx) != RK_STATUS_OK) {
                std::fprintf(stderr, "context: %s\n", rk_last_error_message());
                return 1;
            }
            for (int32_t i = 0; i < n; ++i) {
                char digest[65];
                if (rk_golden_case_run(ctx, i, digest, sizeof digest) != RK_STATUS_OK) {
                    std::fprintf(stderr, "%s\n", rk_last_error_message());
                    return 1;
                }
                auto [it, inserted] = digests.emplace(i, digest);
                if (!inserted && it->second != digest) {
                    char name[128], expected[65];
                    rk_golden_case_info(i, name, sizeof name, expected, sizeof expected);
                    std::fprintf(stderr, "MISMATCH %s on %s with %d threads\n", name, rk_isa_name(isa), threads);
                    agree = false;
                }
            }
            rk_context_destroy(ctx);
            std::fprintf(stderr, "ran %d cases on %s with %d thread(s)\n", n, rk_isa_name(isa), threads);
        }
    }
    if (!agree) return 1;
    FILE* out = stdout;
    std::string header;
    if (write_path != nullptr) {
        // Keep the file's comment header, replace the digest lines.
        if (FILE* in = std::fopen(write_path, "r")) {
            char line[1024];
            while (std::fgets(line, sizeof line, in) && line[0] == '#') header += line;
            std::fclose(in);
        }
        out = std::fopen(write_path, "w");
        if (out == nullptr) {
            std::fprintf(stderr, "cannot write %s\n", write_path);
            return 1;
        }
        std::fputs(header.c_str(), out);
    }
    for (const auto& [i, digest] : digests) {
        char name[128], expected[65];
        rk_golden_case_info(i, name, sizeof name, expected, sizeof expected);
        std::fprintf(out, "%s %s\n", name, digest.c_str());
    }
    if (out != stdout) std::fclose(out);
    return 0;
}
