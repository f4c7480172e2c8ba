// Small helpers shared by the native tests: contexts per ISA and fills through the C API.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <vector>

#include "reprokit/reprokit.h"

namespace rk::test {

// Sets or removes an environment variable of this process (POSIX setenv/unsetenv; the CRT's _putenv_s on Windows,
// which is the environment getenv reads there).
inline void set_env(const char* name, const char* value) {
#if defined(_WIN32)
    _putenv_s(name, value);
#else
    setenv(name, value, 1);
#endif
}
inline void unset_env(const char* name) {
#if defined(_WIN32)
    _putenv_s(name, "");  // an empty value removes the variable
#else
    unsetenv(name);
#endif
}

// The ISAs this machine runs (scalar always first).
inline std::vector<rk_isa> supported_isas() {
    std::vector<rk_isa> out;
    for (rk_isa isa : {RK_ISA_SCALAR, RK_ISA_AVX2, RK_ISA_AVX512, RK_ISA_NEON}) {
        int32_t ok = 0;
        if (rk_cpu_isa_supported(isa, &ok) == RK_STATUS_OK && ok) out.push_back(isa);
    }
    return out;
}

// Owns a context for one (ISA, thread count).
class Context {
public:
    Context(rk_isa isa, int threads) {
        rk_cpu_context_options o{};
        o.struct_size = sizeof(o);
        o.isa = isa;
        o.num_threads = threads;
        const rk_status s = rk_cpu_context_create(&o, &ctx_);
        EXPECT_EQ(s, RK_STATUS_OK) << rk_last_error_message();
    }
    ~Context() { rk_context_destroy(ctx_); }
    Context(const Context&) = delete;
    Context& operator=(const Context&) = delete;
    rk_context* get() const { return ctx_; }

private:
    rk_context* ctx_ = nullptr;
};

inline std::vector<uint32_t> fill_u32(rk_context* ctx, rk_philox_stream s, int64_t n) {
    std::vector<uint32_t> v(static_cast<size_t>(n));
    EXPECT_EQ(rk_philox_fill_u32(ctx, &s, v.data(), n), RK_STATUS_OK) << rk_last_error_message();
    return v;
}

inline std::vector<float> fill_uniform(rk_context* ctx, rk_philox_stream s, int64_t n) {
    std::vector<float> v(static_cast<size_t>(n));
    EXPECT_EQ(rk_philox_fill_uniform(ctx, &s, v.data(), n), RK_STATUS_OK) << rk_last_error_message();
    return v;
}

inline uint32_t float_bits(float f) {
    uint32_t b;
    static_assert(sizeof b == sizeof f);
    std::memcpy(&b, &f, sizeof b);
    return b;
}

}  // namespace rk::test
