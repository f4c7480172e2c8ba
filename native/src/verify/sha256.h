// SHA-256 (FIPS 180-4) of a byte buffer, for golden digests and rk_sha256: no dependencies. Uses the CPU's SHA
// instructions where it has them (x86 SHA extensions, ARMv8 SHA2), else portable C++; SHA-256 is defined bit for bit,
// so every path gives the same digest (the native tests and fuzz_sha256 compare them).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace rk::verify {

// Lower-case hex digest of data[0, size) (data may be null when size is 0), by the fastest path this CPU runs.
std::string sha256_hex(const void* data, size_t size);

// The same digest by the portable code whatever the CPU: the reference the tests and the fuzz harness compare with.
std::string sha256_hex_portable(const void* data, size_t size);

// The path sha256_hex takes on this machine: "x86-sha", "armv8-sha2" or "portable" (chosen once, at first use).
const char* sha256_implementation();

}  // namespace rk::verify
