// SHA-256 (rk_sha256): FIPS 180-4's known answers on both paths, the argument checks, and the hardware path (x86 SHA
// extensions, ARMv8 SHA2) equal to the portable reference at every start alignment and at the padding boundaries.
#include <gtest/gtest.h>

#include <cstdint>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "api/testing.h"
#include "reprokit/reprokit.h"

#if (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
#  include <cpuid.h>
#  define RK_TEST_CPUID 1
#elif defined(__aarch64__) && defined(__linux__)
#  include <sys/auxv.h>
#  ifndef HWCAP_SHA2
#    define HWCAP_SHA2 (1 << 6)
#  endif
#  define RK_TEST_HWCAP 1
#endif

namespace {

using Hash = rk_status (*)(const void*, int64_t, char*, int64_t);

std::string digest(Hash hash, const void* data, size_t size) {
    char out[65] = {};
    EXPECT_EQ(hash(data, static_cast<int64_t>(size), out, sizeof out), RK_STATUS_OK) << rk_last_error_message();
    return out;
}

std::string implementation() { return rk_testing_sha256_implementation(); }

// FIPS 180-4 examples (NIST's SHA256.pdf and SHA2_Additional): one block, the 448-bit message (padding in a second
// block), the 896-bit message, and a million 'a's.
TEST(Sha256, KnownAnswersOnBothPaths) {
    const struct {
        std::string message;
        const char* sha256;
    } cases[] = {
        {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
        {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
        {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
        {"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"},
        {std::string(1000000, 'a'), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"},
    };
    for (const auto& c : cases) {
        EXPECT_EQ(digest(&rk_sha256, c.message.data(), c.message.size()), c.sha256)
            << c.message.size() << " bytes, " << implementation();
        EXPECT_EQ(digest(&rk_testing_sha256_portable, c.message.data(), c.message.size()), c.sha256)
            << c.message.size() << " bytes, portable";
    }
    char out[65];
    ASSERT_EQ(rk_sha256(nullptr, 0, out, sizeof out), RK_STATUS_OK);  // data may be null when bytes is 0
    EXPECT_STREQ(out, cases[0].sha256);
}

TEST(Sha256, BadArguments) {
    for (Hash hash : {&rk_sha256, &rk_testing_sha256_portable}) {
        char buf[65], small[64];
        EXPECT_EQ(hash("x", -1, buf, sizeof buf), RK_STATUS_INVALID_ARGUMENT);
        EXPECT_EQ(hash(nullptr, 1, buf, sizeof buf), RK_STATUS_NULL_POINTER);
        EXPECT_EQ(hash("x", 1, nullptr, 65), RK_STATUS_NULL_POINTER);
        EXPECT_EQ(hash("x", 1, small, sizeof small), RK_STATUS_INVALID_ARGUMENT);
        EXPECT_NE(std::string(rk_last_error_message()).find("65 bytes"), std::string::npos) << rk_last_error_message();
    }
}

// The path follows the CPU, read here independently of the library's detection: a build that forgot to compile a
// kernel, or detection that misreads a bit, would fall back to the portable code silently (same digests, so the
// comparisons alone cannot see it).
TEST(Sha256, UsesTheCpuInstructionsWhereTheyExist) {
    std::cout << "[          ] rk_sha256 runs: " << implementation() << "\n";
    RecordProperty("sha256_implementation", implementation());
#if defined(RK_TEST_CPUID)
    unsigned a = 0, b = 0, c = 0, d = 0, sha = 0, sse41 = 0, ssse3 = 0;
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) sha = (b >> 29) & 1;
    if (__get_cpuid(1, &a, &b, &c, &d)) {
        sse41 = (c >> 19) & 1;
        ssse3 = (c >> 9) & 1;
    }
    EXPECT_EQ(implementation(), sha && sse41 && ssse3 ? "x86-sha" : "portable");
#elif defined(RK_TEST_HWCAP)
    EXPECT_EQ(implementation(), (getauxval(AT_HWCAP) & HWCAP_SHA2) != 0 ? "armv8-sha2" : "portable");
#else
    GTEST_SKIP() << "no independent CPU check on this platform; rk_sha256 runs " << implementation();
#endif
}

// Deterministic pseudo-random bytes (splitmix64).
std::vector<uint8_t> random_bytes(size_t n, uint64_t seed) {
    std::vector<uint8_t> out(n);
    for (size_t i = 0; i < n; ++i) {
        uint64_t z = (seed += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        out[i] = static_cast<uint8_t>(z ^ (z >> 31));
    }
    return out;
}

TEST(Sha256, HardwareMatchesPortable) {
    if (implementation() == "portable") {
        char cpu[256] = {};
        rk_cpu_description(cpu, sizeof cpu);
        GTEST_SKIP() << "rk_sha256 runs the portable code on this machine (" << cpu
                     << "): no SHA-256 instructions (x86: CPUID.7.0:EBX[29] with SSE4.1; ARM64: HWCAP_SHA2) or none "
                        "compiled into this build, so there is no second path to compare";
    }
    constexpr size_t kMax = size_t{3} << 20;
    const std::vector<uint8_t> bytes = random_bytes(kMax + 16, 2024);
    auto same = [&](size_t offset, size_t size) {
        const uint8_t* p = bytes.data() + offset;
        ASSERT_EQ(digest(&rk_sha256, p, size), digest(&rk_testing_sha256_portable, p, size))
            << size << " bytes at offset " << offset << " (" << implementation() << ")";
    };
    // Every start alignment, every length through three blocks: the 55/56 (one or two padding blocks), 63/64,
    // 119/120 boundaries and their neighbours.
    for (size_t offset = 0; offset < 16; ++offset)
        for (size_t size = 0; size <= 200; ++size) same(offset, size);
    for (size_t size : {size_t{4095}, size_t{4096}, size_t{4097}, size_t{65535}, size_t{65536}, size_t{65600}, kMax})
        for (size_t offset : {size_t{0}, size_t{1}, size_t{7}, size_t{15}}) same(offset, size);
    std::mt19937_64 rng(7);
    for (int i = 0; i < 12; ++i) same(rng() % 16, rng() % (kMax + 1));
}

}  // namespace
