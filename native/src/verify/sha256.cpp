// SHA-256 message padding and the digest's hex text around a block function (sha256_blocks.h), and the run-time choice
// of that function: the CPU's SHA instructions when it has them and this build compiled them, else the portable code.
#include "sha256.h"

#include <cstring>

#include "../cpu/cpu_features.h"
#include "sha256_blocks.h"

namespace rk::verify {
namespace {

struct Implementation {
    Sha256Blocks blocks;
    const char* name;
};

Implementation choose() {
#if defined(RK_HAVE_SHA256_X86)
    if (cpu::sha256_instructions_supported()) return {&sha256_blocks_x86, "x86-sha"};
#elif defined(RK_HAVE_SHA256_ARMV8)
    if (cpu::sha256_instructions_supported()) return {&sha256_blocks_armv8, "armv8-sha2"};
#endif
    return {&sha256_blocks_portable, "portable"};
}

const Implementation& chosen() {
    static const Implementation impl = choose();
    return impl;
}

std::string digest(Sha256Blocks blocks, const void* data, size_t size) {
    uint32_t h[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    const auto* bytes = static_cast<const uint8_t*>(data);
    const size_t whole = size / 64;
    if (whole != 0) blocks(h, bytes, whole);
    // Padding (FIPS 180-4 section 5.1.1): 0x80, zeros, the length in bits big-endian; one block or two.
    uint8_t tail[128] = {};
    const size_t rest = size - 64 * whole;
    if (rest != 0) std::memcpy(tail, bytes + 64 * whole, rest);
    tail[rest] = 0x80;
    const size_t tail_len = rest + 1 + 8 <= 64 ? 64 : 128;
    const uint64_t bits = static_cast<uint64_t>(size) * 8;
    for (int i = 0; i < 8; ++i) tail[tail_len - 1 - i] = static_cast<uint8_t>(bits >> (8 * i));
    blocks(h, tail, tail_len / 64);
    static const char* hex = "0123456789abcdef";
    std::string out(64, '0');
    for (int i = 0; i < 8; ++i)
        for (int j = 0; j < 8; ++j) out[8 * i + j] = hex[(h[i] >> (28 - 4 * j)) & 0xF];
    return out;
}

}  // namespace

std::string sha256_hex(const void* data, size_t size) { return digest(chosen().blocks, data, size); }

std::string sha256_hex_portable(const void* data, size_t size) { return digest(&sha256_blocks_portable, data, size); }

const char* sha256_implementation() { return chosen().name; }

}  // namespace rk::verify
