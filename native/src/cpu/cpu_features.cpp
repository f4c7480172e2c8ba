#include "cpu_features.h"

#include <cstdint>
#include <cstring>

#if defined(__x86_64__) || defined(_M_X64)
#  define RK_X86_64 1
#  if defined(_MSC_VER) && !defined(__clang__)
#    include <immintrin.h>
#    include <intrin.h>
#  else
#    include <cpuid.h>
#  endif
#endif
#if (defined(__aarch64__) || defined(_M_ARM64)) && defined(__linux__)
#  include <sys/auxv.h>
#  ifndef HWCAP_SHA2
#    define HWCAP_SHA2 (1 << 6)  // arch/arm64/include/uapi/asm/hwcap.h
#  endif
#endif

namespace rk::cpu {

#if defined(RK_X86_64)
namespace {

// The two compiler-specific primitives; everything else reads their bits the same way on every compiler.
struct CpuidRegs {
    uint32_t eax = 0, ebx = 0, ecx = 0, edx = 0;
};

CpuidRegs cpuid(uint32_t leaf, uint32_t subleaf) {
    CpuidRegs r;
#  if defined(_MSC_VER) && !defined(__clang__)
    int v[4] = {};
    __cpuidex(v, static_cast<int>(leaf), static_cast<int>(subleaf));
    r = {static_cast<uint32_t>(v[0]), static_cast<uint32_t>(v[1]), static_cast<uint32_t>(v[2]), static_cast<uint32_t>(v[3])};
#  else
    __cpuid_count(leaf, subleaf, r.eax, r.ebx, r.ecx, r.edx);
#  endif
    return r;
}

// XCR0: which register states the OS saves on a context switch (only valid when CPUID reports OSXSAVE).
uint64_t xcr0() {
#  if defined(_MSC_VER) && !defined(__clang__)
    return _xgetbv(0);
#  else
    uint32_t lo = 0, hi = 0;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return (static_cast<uint64_t>(hi) << 32) | lo;
#  endif
}

bool bit(uint32_t reg, int n) { return ((reg >> n) & 1u) != 0; }

// The features this library cares about: the CPU has them and the OS saves their registers (XCR0), as
// AVX and AVX-512 instructions fault otherwise.
struct X86Features {
    bool ssse3 = false, sse41 = false, sse42 = false, avx = false, avx2 = false, fma = false;
    bool sha = false;  // SHA-1/SHA-256 extensions (XMM only: no OS state beyond SSE's)
    bool avx512f = false, avx512dq = false, avx512bw = false, avx512vl = false;
};

X86Features detect() {
    X86Features f;
    const uint32_t max_leaf = cpuid(0, 0).eax;
    if (max_leaf < 1) return f;
    const CpuidRegs l1 = cpuid(1, 0);
    f.ssse3 = bit(l1.ecx, 9);
    f.sse41 = bit(l1.ecx, 19);
    f.sse42 = bit(l1.ecx, 20);
    const bool osxsave = bit(l1.ecx, 27);
    const uint64_t xcr = osxsave ? xcr0() : 0;
    const bool os_avx = (xcr & 0x6) == 0x6;         // SSE and AVX (YMM) state
    const bool os_avx512 = (xcr & 0xE6) == 0xE6;    // and opmask, ZMM0-15 high halves, ZMM16-31
    f.avx = os_avx && bit(l1.ecx, 28);
    f.fma = f.avx && bit(l1.ecx, 12);
    if (max_leaf >= 7) {
        const CpuidRegs l7 = cpuid(7, 0);
        f.avx2 = f.avx && bit(l7.ebx, 5);
        f.sha = bit(l7.ebx, 29);
        const bool avx512 = os_avx512 && bit(l7.ebx, 16);
        f.avx512f = avx512;
        f.avx512dq = avx512 && bit(l7.ebx, 17);
        f.avx512bw = avx512 && bit(l7.ebx, 30);
        f.avx512vl = avx512 && bit(l7.ebx, 31);
    }
    return f;
}

const X86Features& features() {
    static const X86Features f = detect();
    return f;
}

}  // namespace
#endif

bool isa_supported(rk_isa isa) {
    switch (isa) {
        case RK_ISA_SCALAR:
            return true;
#if defined(RK_HAVE_X86_KERNELS)
        case RK_ISA_AVX2:
            return features().avx2 && features().fma;
        case RK_ISA_AVX512: {
            const X86Features& f = features();
            return f.avx512f && f.avx512dq && f.avx512bw && f.avx512vl;
        }
#endif
#if defined(RK_HAVE_NEON_KERNELS)
        case RK_ISA_NEON:
            return true;  // Advanced SIMD is part of the AArch64 base architecture
#endif
        default:
            return false;
    }
}

bool sha256_instructions_supported() {
#if defined(RK_X86_64)
    const X86Features& f = features();
    return f.sha && f.ssse3 && f.sse41;
#elif (defined(__aarch64__) || defined(_M_ARM64)) && defined(__linux__)
    static const bool sha2 = (getauxval(AT_HWCAP) & HWCAP_SHA2) != 0;
    return sha2;
#elif defined(__aarch64__) && defined(__APPLE__)
    return true;  // every Apple ARM64 CPU has the SHA2 instructions
#else
    return false;
#endif
}

rk_isa best_isa() {
    if (isa_supported(RK_ISA_AVX512)) return RK_ISA_AVX512;
    if (isa_supported(RK_ISA_AVX2)) return RK_ISA_AVX2;
    if (isa_supported(RK_ISA_NEON)) return RK_ISA_NEON;
    return RK_ISA_SCALAR;
}

std::string cpu_description() {
    std::string text;
#if defined(RK_X86_64)
    if (cpuid(0x80000000u, 0).eax >= 0x80000004u) {
        char brand[49] = {};
        for (uint32_t leaf = 0; leaf < 3; ++leaf) {
            const CpuidRegs r = cpuid(0x80000002u + leaf, 0);
            const uint32_t words[4] = {r.eax, r.ebx, r.ecx, r.edx};
            std::memcpy(brand + 16 * leaf, words, 16);
        }
        text = brand;
        while (!text.empty() && text.front() == ' ') text.erase(text.begin());
        while (!text.empty() && text.back() == ' ') text.pop_back();
    } else {
        text = "x86-64";
    }
    const X86Features& f = features();
    const struct {
        const char* name;
        bool present;
    } flags[] = {
        {"sse4.2", f.sse42},     {"avx", f.avx},           {"avx2", f.avx2},         {"fma", f.fma},
        {"avx512f", f.avx512f}, {"avx512dq", f.avx512dq}, {"avx512bw", f.avx512bw}, {"avx512vl", f.avx512vl},
        {"sha", f.sha},
    };
    text += " [";
    bool first_flag = true;
    for (const auto& flag : flags) {
        if (!flag.present) continue;
        if (!first_flag) text += ' ';
        text += flag.name;
        first_flag = false;
    }
    text += "]";
#elif defined(__aarch64__) || defined(_M_ARM64)
    text = sha256_instructions_supported() ? "aarch64 [neon sha2]" : "aarch64 [neon]";
#else
    text = "unknown CPU";
#endif
    return text;
}

}  // namespace rk::cpu
