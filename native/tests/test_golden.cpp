// The golden suite: every case gives its recorded digest (tests/golden/digests.txt) on every ISA
// and thread count this machine runs, ARM64 under qemu included.
#include <gtest/gtest.h>

#include <string>

#include "test_helpers.h"

namespace {

TEST(Golden, EveryCaseMatchesItsRecordedDigestOnEveryBackend) {
    const int32_t n = rk_golden_case_count();
    ASSERT_GE(n, 7);
    for (rk_isa isa : rk::test::supported_isas()) {
        for (int threads : {1, 2, 3}) {
            rk::test::Context ctx(isa, threads);
            for (int32_t i = 0; i < n; ++i) {
                char name[128], expected[65], got[65];
                ASSERT_EQ(rk_golden_case_info(i, name, sizeof name, expected, sizeof expected), RK_STATUS_OK);
                ASSERT_EQ(rk_golden_case_run(ctx.get(), i, got, sizeof got), RK_STATUS_OK) << rk_last_error_message();
                ASSERT_STRNE(expected, "") << name << ": no digest recorded; after a documented spec change run "
                                           << "build/bin/reprokit_golden --write tests/golden/digests.txt";
                EXPECT_STREQ(got, expected) << name << " on " << rk_isa_name(isa) << " with " << threads << " threads";
            }
        }
    }
}

TEST(Golden, BadArguments) {
    rk::test::Context ctx(RK_ISA_SCALAR, 1);
    char buf[65], small[8];
    EXPECT_EQ(rk_golden_case_run(ctx.get(), -1, buf, sizeof buf), RK_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(rk_golden_case_run(ctx.get(), rk_golden_case_count(), buf, sizeof buf), RK_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(rk_golden_case_run(ctx.get(), 0, small, sizeof small), RK_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(rk_golden_case_run(nullptr, 0, buf, sizeof buf), RK_STATUS_NULL_POINTER);
    EXPECT_EQ(rk_golden_case_info(0, small, 1, buf, sizeof buf), RK_STATUS_INVALID_ARGUMENT);
}

// rk_sha256 against FIPS 180-4's examples and a million 'a's (NIST), across the 55/56/64-byte padding boundaries.
TEST(Sha256, KnownAnswers) {
    char got[65];
    ASSERT_EQ(rk_sha256(nullptr, 0, got, sizeof got), RK_STATUS_OK);
    EXPECT_STREQ(got, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    ASSERT_EQ(rk_sha256("abc", 3, got, sizeof got), RK_STATUS_OK);
    EXPECT_STREQ(got, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    const std::string two_blocks = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";  // 56 bytes
    ASSERT_EQ(rk_sha256(two_blocks.data(), static_cast<int64_t>(two_blocks.size()), got, sizeof got), RK_STATUS_OK);
    EXPECT_STREQ(got, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    const std::string million(1000000, 'a');
    ASSERT_EQ(rk_sha256(million.data(), static_cast<int64_t>(million.size()), got, sizeof got), RK_STATUS_OK);
    EXPECT_STREQ(got, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, BadArguments) {
    char buf[65], small[64];
    EXPECT_EQ(rk_sha256("x", -1, buf, sizeof buf), RK_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(rk_sha256(nullptr, 1, buf, sizeof buf), RK_STATUS_NULL_POINTER);
    EXPECT_EQ(rk_sha256("x", 1, nullptr, 65), RK_STATUS_NULL_POINTER);
    EXPECT_EQ(rk_sha256("x", 1, small, sizeof small), RK_STATUS_INVALID_ARGUMENT);
    EXPECT_NE(std::string(rk_last_error_message()).find("65 bytes"), std::string::npos) << rk_last_error_message();
}

}  // namespace
