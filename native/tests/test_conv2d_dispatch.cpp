// Conv2d ISA dispatch: a context's conv calls run its own ISA's conv kernels, never a silent fallback to the scalar
// ones. The bitwise tests of test_conv2d.cpp cannot see such a fallback (scalar gives the same bits); this asks the
// library which kernel table a context's rk_conv2d_* calls use (api/testing.h, an internal test entry point).
#include <gtest/gtest.h>

#include <algorithm>

#include "api/testing.h"
#include "test_helpers.h"

TEST(Conv2dDispatch, EverySupportedIsaRunsItsOwnConvKernels) {
    const std::vector<rk_isa> isas = rk::test::supported_isas();
#if defined(__aarch64__) || defined(_M_ARM64)
    // ARM64 builds (qemu included) run NEON: without it the loop below would not check the NEON kernels at all.
    ASSERT_NE(std::find(isas.begin(), isas.end(), RK_ISA_NEON), isas.end());
#endif
    for (rk_isa isa : isas) {
        rk::test::Context ctx(isa, 1);
        const char* name = rk_testing_conv2d_kernels(ctx.get());
        ASSERT_NE(name, nullptr) << rk_isa_name(isa) << ": " << rk_last_error_message();
        EXPECT_STREQ(name, rk_isa_name(isa));
    }
}

TEST(Conv2dDispatch, RejectsANullContext) {
    EXPECT_EQ(rk_testing_conv2d_kernels(nullptr), nullptr);
}
