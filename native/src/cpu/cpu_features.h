// What this CPU (and this build) can run.
#pragma once

#include <string>

#include "reprokit/reprokit.h"

namespace rk::cpu {

bool isa_supported(rk_isa isa);
// The best ISA this machine runs (never RK_ISA_AUTO).
rk_isa best_isa();
// Brand string and feature flags, e.g. "Intel(R) Xeon(R) ... [sse4.2 avx2 fma avx512f ...]".
std::string cpu_description();

}  // namespace rk::cpu
