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

}  // namespace
