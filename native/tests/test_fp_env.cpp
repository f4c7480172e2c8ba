// The CPU backend computes under round-to-nearest without FTZ/DAZ whatever the caller's floating-point
// environment, and restores the caller's environment afterwards.
#include <gtest/gtest.h>

#include "test_helpers.h"

#if defined(__x86_64__)
#  include <immintrin.h>

namespace {

TEST(FpEnv, HostFlushToZeroAndRoundingModeDoNotChangeResults) {
    for (rk_isa isa : rk::test::supported_isas()) {
        rk::test::Context ctx(isa, 2);
        const rk_philox_stream s{42, 0, 0};
        const auto reference = rk::test::fill_uniform(ctx.get(), s, 200003);
        const unsigned int saved = _mm_getcsr();
        // FTZ + DAZ + round toward zero: a hostile host environment.
        const unsigned int hostile = (saved | 0x8040u | 0x6000u);
        _mm_setcsr(hostile);
        std::vector<float> got(reference.size());
        const rk_status status = rk_philox_fill_uniform(ctx.get(), &s, got.data(), static_cast<int64_t>(got.size()));
        const unsigned int after = _mm_getcsr();
        _mm_setcsr(saved);
        ASSERT_EQ(status, RK_STATUS_OK);
        EXPECT_EQ(after & ~0x3Fu, hostile & ~0x3Fu) << "the caller's MXCSR was not restored";
        for (size_t i = 0; i < got.size(); ++i)
            ASSERT_EQ(rk::test::float_bits(got[i]), rk::test::float_bits(reference[i])) << rk_isa_name(isa) << " " << i;
    }
}

}  // namespace
#endif
