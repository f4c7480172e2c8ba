// Random123's known-answer vectors for philox4x32 (7 and 10 rounds), through the core and the C API.
#include <gtest/gtest.h>

#include "core/philox.h"
#include "reprokit/reprokit.h"
#include "test_vectors.h"

namespace {

TEST(PhiloxKat, AllPhilox4x32VectorsMatch) {
    const auto kats = rk::test::load_philox4x32_kats();
    ASSERT_GE(kats.size(), 20u) << "too few philox4x32 lines in philox_kat.txt";
    int tens = 0, sevens = 0;
    for (const auto& k : kats) {
        const auto core = rk::core::philox4x32(k.counter, k.key, k.rounds);
        uint32_t api[4] = {};
        ASSERT_EQ(rk_philox4x32(static_cast<uint32_t>(k.rounds), k.counter, k.key, api), RK_STATUS_OK);
        for (int i = 0; i < 4; ++i) {
            EXPECT_EQ(core.w[i], k.expected[i]) << "rounds " << k.rounds << " word " << i;
            EXPECT_EQ(api[i], k.expected[i]) << "rounds " << k.rounds << " word " << i;
        }
        tens += k.rounds == 10;
        sevens += k.rounds == 7;
    }
    EXPECT_GT(tens, 0);
    EXPECT_GT(sevens, 0);
}

}  // namespace
