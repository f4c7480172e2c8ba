// The golden suite: named cases that run ReproKit's public entry points on fixed inputs; the
// SHA-256 of each output is the same on every backend, and is compared with the digests recorded
// in tests/golden/digests.txt (compiled into the library, so `reprokit verify` works anywhere).
// Digests change only with a documented spec change.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "reprokit/reprokit.h"

namespace rk::verify {

struct GoldenCase {
    const char* name;
    // Runs the case on `context`; returns the output bytes, or a non-OK status (message recorded).
    rk_status (*run)(rk_context* context, std::vector<uint8_t>& out);
};

const std::vector<GoldenCase>& golden_cases();

// The recorded digest of a case ("" if none is recorded yet).
const char* golden_expected(const char* name);

}  // namespace rk::verify
