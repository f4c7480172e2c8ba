// What this CPU (and this build) can run.
#pragma once

#include <string>

#include "reprokit/reprokit.h"

namespace rk::cpu {

bool isa_supported(rk_isa isa);
// The best ISA this machine runs (never RK_ISA_AUTO).
rk_isa best_isa();
// The CPU's SHA-256 instructions: x86 SHA extensions (CPUID leaf 7 EBX bit 29) with the SSSE3 and SSE4.1 shuffles the
// kernel needs, or ARMv8 SHA2 (Linux: getauxval(AT_HWCAP) & HWCAP_SHA2). For verify/sha256.cpp's choice of kernel.
bool sha256_instructions_supported();
// Brand string and feature flags, e.g. "Intel(R) Xeon(R) ... [sse4.2 avx2 fma avx512f ...]".
std::string cpu_description();

}  // namespace rk::cpu
