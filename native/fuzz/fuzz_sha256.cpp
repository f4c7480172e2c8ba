// Fuzz harness: rk_sha256 (the CPU's SHA instructions where it has them) against the portable reference
// (rk_testing_sha256_portable) on arbitrary bytes. Invariants: both succeed with 64 lower-case hex digits, the same
// digest, at any start alignment; longer messages (beyond libFuzzer's -max_len) come from repeating the input.
// Input: one byte (start offset mod 16, repeat count), then the message.
#include "api/testing.h"
#include "fuzz_common.h"

using namespace rkfuzz;

namespace {

bool is_hex64(const char* s) {
    for (int i = 0; i < 64; ++i)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return false;
    return s[64] == '\0';
}

void check_same(const uint8_t* p, size_t n, size_t offset) {
    Buffer<char> hw(65), portable(65);
    FUZZ_CHECK(status_ok(rk_sha256(n != 0 ? p : nullptr, static_cast<int64_t>(n), hw.data(), 65), "rk_sha256"),
               "rk_sha256 refused a valid message");
    FUZZ_CHECK(status_ok(rk_testing_sha256_portable(p, static_cast<int64_t>(n), portable.data(), 65),
                         "rk_testing_sha256_portable"),
               "the portable SHA-256 refused a valid message");
    FUZZ_CHECK(is_hex64(hw.data()) && is_hex64(portable.data()), "a digest is not 64 lower-case hex digits");
    FUZZ_CHECK(std::strcmp(hw.data(), portable.data()) == 0,
               std::string(rk_testing_sha256_implementation()) + " gives " + hw.data() + ", portable " +
                   portable.data() + " for " + std::to_string(n) + " bytes at offset " + std::to_string(offset));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    Input in(data, size);
    const uint8_t control = in.u8();
    const size_t offset = control % 16;
    const size_t repeat = control < 240 ? 1 : size_t{1} << (control - 240) % 8;  // 1 .. 128 copies, rarely
    const size_t n = in.remaining();
    const uint8_t* message = data + (size - n);
    // An exact-size buffer (AddressSanitizer sees any read past the message), the message at `offset` from its start.
    Buffer<uint8_t> buf(offset + n * repeat);
    for (size_t r = 0; r < repeat; ++r)
        if (n != 0) std::memcpy(buf.data() + offset + r * n, message, n);
    check_same(buf.data() + offset, n * repeat, offset);
    // Every prefix of a short message too (each length crosses a different padding case).
    if (repeat == 1 && n <= 192)
        for (size_t k = 0; k < n; ++k) check_same(buf.data() + offset, k, offset);
    return 0;
}
