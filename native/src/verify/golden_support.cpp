// Hostile inputs for the golden cases (golden_support.h).
#include "golden_support.h"

#include <limits>

namespace rk::verify {

rk_status hostile_data(rk_context* c, int64_t n, std::vector<float>& x) {
    x.assign(static_cast<size_t>(n), 0.0f);
    const rk_philox_stream s{0xDA7A, 0, 0};
    RK_TRY(staged(c, [&](Staging& st) { return rk_philox_fill_normal(c, &s, 0.0f, 10.0f, st.out(x), n); }));
    const float specials[] = {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                              -std::numeric_limits<float>::infinity(), -0.0f, 0.0f, 1e-45f, -1e-45f, 1e-40f,
                              std::numeric_limits<float>::max(), -std::numeric_limits<float>::max(), 1.17549435e-38f};
    for (size_t i = 0; i < sizeof specials / sizeof specials[0] && i * 7 < x.size(); ++i) x[i * 7] = specials[i];
    return RK_STATUS_OK;
}

}  // namespace rk::verify
