// SHA-256 (FIPS 180-4) of a byte buffer, for golden digests: small, portable, no dependencies.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace rk::verify {

// Lower-case hex digest of data[0, size).
std::string sha256_hex(const void* data, size_t size);

}  // namespace rk::verify
