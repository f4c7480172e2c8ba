#include "cpu_features.h"

#include <cstring>

#if defined(__x86_64__) || defined(_M_X64)
#  include <cpuid.h>
#endif

namespace rk::cpu {

bool isa_supported(rk_isa isa) {
    switch (isa) {
        case RK_ISA_SCALAR:
            return true;
#if defined(RK_HAVE_X86_KERNELS)
        case RK_ISA_AVX2:
            // __builtin_cpu_supports also checks that the OS saves the vector registers (XCR0).
            return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
        case RK_ISA_AVX512:
            return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
                   __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
#endif
#if defined(RK_HAVE_NEON_KERNELS)
        case RK_ISA_NEON:
            return true;  // Advanced SIMD is part of the AArch64 base architecture
#endif
        default:
            return false;
    }
}

rk_isa best_isa() {
    if (isa_supported(RK_ISA_AVX512)) return RK_ISA_AVX512;
    if (isa_supported(RK_ISA_AVX2)) return RK_ISA_AVX2;
    if (isa_supported(RK_ISA_NEON)) return RK_ISA_NEON;
    return RK_ISA_SCALAR;
}

std::string cpu_description() {
    std::string text;
#if defined(__x86_64__) || defined(_M_X64)
    unsigned int regs[12] = {};
    unsigned int max_ext = __get_cpuid_max(0x80000000u, nullptr);
    if (max_ext >= 0x80000004u) {
        for (unsigned int leaf = 0; leaf < 3; ++leaf)
            __get_cpuid(0x80000002u + leaf, &regs[4 * leaf], &regs[4 * leaf + 1], &regs[4 * leaf + 2],
                        &regs[4 * leaf + 3]);
        char brand[49] = {};
        std::memcpy(brand, regs, 48);
        text = brand;
        while (!text.empty() && text.front() == ' ') text.erase(text.begin());
    } else {
        text = "x86-64";
    }
    text += " [";
    // __builtin_cpu_supports needs literal names.
    const struct { const char* name; bool present; } features[] = {
        {"sse4.2", __builtin_cpu_supports("sse4.2") != 0},     {"avx", __builtin_cpu_supports("avx") != 0},
        {"avx2", __builtin_cpu_supports("avx2") != 0},         {"fma", __builtin_cpu_supports("fma") != 0},
        {"avx512f", __builtin_cpu_supports("avx512f") != 0},   {"avx512dq", __builtin_cpu_supports("avx512dq") != 0},
        {"avx512bw", __builtin_cpu_supports("avx512bw") != 0}, {"avx512vl", __builtin_cpu_supports("avx512vl") != 0},
    };
    bool first_feature = true;
    for (const auto& f : features) {
        if (!f.present) continue;
        if (!first_feature) text += ' ';
        text += f.name;
        first_feature = false;
    }
    text += "]";
#elif defined(__aarch64__)
    text = "aarch64 [neon]";
#else
    text = "unknown CPU";
#endif
    return text;
}

}  // namespace rk::cpu
