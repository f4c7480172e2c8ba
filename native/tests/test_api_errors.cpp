// Bad arguments at every entry point give a status and a message naming the function and argument;
// nothing crashes and nothing is written out of bounds.
#include <gtest/gtest.h>

#include <cstdlib>
#include <set>
#include <sstream>
#include <string>

#include "test_helpers.h"

namespace {

bool message_contains(const char* text) { return std::string(rk_last_error_message()).find(text) != std::string::npos; }

TEST(ApiErrors, VersionAndNames) {
    EXPECT_EQ(rk_abi_version(), static_cast<uint32_t>(RK_ABI_VERSION));
    EXPECT_STREQ(rk_version_string(), "0.1.0");
    EXPECT_STREQ(rk_status_name(RK_STATUS_NULL_POINTER), "RK_STATUS_NULL_POINTER");
    EXPECT_STREQ(rk_status_name(static_cast<rk_status>(999)), "RK_STATUS_UNKNOWN");
    EXPECT_STREQ(rk_isa_name(RK_ISA_AVX512), "avx512");
    char buf[256];
    ASSERT_EQ(rk_cpu_description(buf, sizeof buf), RK_STATUS_OK);
    EXPECT_GT(std::string(buf).size(), 0u);
    char tiny[4] = {'x', 'x', 'x', 'x'};
    ASSERT_EQ(rk_cpu_description(tiny, 3), RK_STATUS_OK);
    EXPECT_EQ(tiny[2], '\0');
    EXPECT_EQ(tiny[3], 'x') << "wrote past capacity";
    EXPECT_EQ(rk_cpu_description(nullptr, 10), RK_STATUS_NULL_POINTER);
    EXPECT_EQ(rk_cpu_description(buf, 0), RK_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(rk_cpu_isa_supported(RK_ISA_SCALAR, nullptr), RK_STATUS_NULL_POINTER);
}

// The library reads CPUID and XCR0 itself (the same code on every compiler, MSVC included); on GCC and Clang
// it must agree with the compiler's own detection, which also checks the OS saves the vector registers.
TEST(ApiErrors, CpuFeatureDetectionAgreesWithTheCompiler) {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    const auto supported = [](rk_isa isa) {
        int32_t v = -1;
        EXPECT_EQ(rk_cpu_isa_supported(isa, &v), RK_STATUS_OK);
        return v != 0;
    };
    EXPECT_EQ(supported(RK_ISA_AVX2), __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"));
    EXPECT_EQ(supported(RK_ISA_AVX512), __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
                                            __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl"));
    char buf[256];
    ASSERT_EQ(rk_cpu_description(buf, sizeof buf), RK_STATUS_OK);
    const std::string text = buf;
    const struct {
        const char* name;
        bool present;
    } flags[] = {
        {"sse4.2", __builtin_cpu_supports("sse4.2") != 0},     {"avx", __builtin_cpu_supports("avx") != 0},
        {"avx2", __builtin_cpu_supports("avx2") != 0},         {"fma", __builtin_cpu_supports("fma") != 0},
        {"avx512f", __builtin_cpu_supports("avx512f") != 0},   {"avx512dq", __builtin_cpu_supports("avx512dq") != 0},
        {"avx512bw", __builtin_cpu_supports("avx512bw") != 0}, {"avx512vl", __builtin_cpu_supports("avx512vl") != 0},
    };
    const size_t open = text.find(" [");
    ASSERT_TRUE(open != std::string::npos && text.back() == ']') << text;
    std::set<std::string> listed;
    std::istringstream words(text.substr(open + 2, text.size() - open - 3));
    for (std::string w; words >> w;) listed.insert(w);
    for (const auto& f : flags) EXPECT_EQ(listed.count(f.name) == 1, f.present) << f.name << " in " << text;
#else
    GTEST_SKIP() << "compares with GCC/Clang's __builtin_cpu_supports on x86-64 only";
#endif
}

TEST(ApiErrors, ContextCreation) {
    EXPECT_EQ(rk_cpu_context_create(nullptr, nullptr), RK_STATUS_NULL_POINTER);
    EXPECT_TRUE(message_contains("out_context"));

    rk_context* ctx = reinterpret_cast<rk_context*>(0x1);
    rk_cpu_context_options o{};
    o.struct_size = sizeof o;
    o.num_threads = -1;
    EXPECT_EQ(rk_cpu_context_create(&o, &ctx), RK_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(ctx, nullptr) << "the out handle must be cleared on failure";
    EXPECT_TRUE(message_contains("num_threads"));
    o.num_threads = 100000;
    EXPECT_EQ(rk_cpu_context_create(&o, &ctx), RK_STATUS_INVALID_ARGUMENT);
    o.num_threads = 1;
    o.isa = static_cast<rk_isa>(77);
    EXPECT_EQ(rk_cpu_context_create(&o, &ctx), RK_STATUS_INVALID_ARGUMENT);
    EXPECT_TRUE(message_contains("isa"));
    o.isa = RK_ISA_AUTO;
    o.struct_size = 4;
    EXPECT_EQ(rk_cpu_context_create(&o, &ctx), RK_STATUS_INVALID_ARGUMENT);
    EXPECT_TRUE(message_contains("struct_size"));

    int32_t neon = 1;
    ASSERT_EQ(rk_cpu_isa_supported(RK_ISA_NEON, &neon), RK_STATUS_OK);
#if defined(__x86_64__)
    EXPECT_EQ(neon, 0);
    o.struct_size = sizeof o;
    o.isa = RK_ISA_NEON;
    EXPECT_EQ(rk_cpu_context_create(&o, &ctx), RK_STATUS_UNSUPPORTED);
    EXPECT_TRUE(message_contains("neon"));
#endif
}

TEST(ApiErrors, EnvironmentOverridesAreValidated) {
    rk_context* ctx = nullptr;
    rk::test::set_env("RK_ISA", "sse9");
    EXPECT_EQ(rk_cpu_context_create(nullptr, &ctx), RK_STATUS_INVALID_ARGUMENT);
    EXPECT_TRUE(message_contains("RK_ISA='sse9'"));
    rk::test::set_env("RK_ISA", "scalar");
    rk::test::set_env("RK_NUM_THREADS", "3");
    ASSERT_EQ(rk_cpu_context_create(nullptr, &ctx), RK_STATUS_OK);
    rk_context_info info{};
    info.struct_size = sizeof info;
    ASSERT_EQ(rk_context_get_info(ctx, &info), RK_STATUS_OK);
    EXPECT_EQ(info.isa, RK_ISA_SCALAR);
    EXPECT_EQ(info.num_threads, 3);
    rk_context_destroy(ctx);
    rk::test::set_env("RK_NUM_THREADS", "zero");
    EXPECT_EQ(rk_cpu_context_create(nullptr, &ctx), RK_STATUS_INVALID_ARGUMENT);
    EXPECT_TRUE(message_contains("RK_NUM_THREADS='zero'"));
    rk::test::unset_env("RK_ISA");
    rk::test::unset_env("RK_NUM_THREADS");
}

TEST(ApiErrors, HandlesAreChecked) {
    rk_context* ctx = nullptr;
    ASSERT_EQ(rk_cpu_context_create(nullptr, &ctx), RK_STATUS_OK);
    rk_context_info info{};
    info.struct_size = sizeof info;
    ASSERT_EQ(rk_context_get_info(ctx, &info), RK_STATUS_OK);
    EXPECT_NE(info.isa, RK_ISA_AUTO);
    EXPECT_GE(info.num_threads, 1);
    info.struct_size = 0;
    EXPECT_EQ(rk_context_get_info(ctx, &info), RK_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(rk_context_get_info(ctx, nullptr), RK_STATUS_NULL_POINTER);
    ASSERT_EQ(rk_context_destroy(ctx), RK_STATUS_OK);
    // A destroyed handle is recognised, never dereferenced.
    EXPECT_EQ(rk_context_destroy(ctx), RK_STATUS_INVALID_HANDLE);
    const rk_philox_stream s{1, 2, 3};
    uint32_t out[4];
    EXPECT_EQ(rk_philox_fill_u32(ctx, &s, out, 4), RK_STATUS_INVALID_HANDLE);
    EXPECT_TRUE(message_contains("rk_philox_fill_u32"));
    int local = 0;
    EXPECT_EQ(rk_context_get_info(reinterpret_cast<rk_context*>(&local), &info), RK_STATUS_INVALID_HANDLE);
    EXPECT_EQ(rk_context_destroy(nullptr), RK_STATUS_OK);
}

TEST(ApiErrors, FillArguments) {
    rk::test::Context ctx(RK_ISA_SCALAR, 1);
    const rk_philox_stream s{1, 2, 3};
    uint32_t out[8] = {};
    float fout[8] = {};
    EXPECT_EQ(rk_philox_fill_u32(nullptr, &s, out, 8), RK_STATUS_NULL_POINTER);
    EXPECT_TRUE(message_contains("context"));
    EXPECT_EQ(rk_philox_fill_u32(ctx.get(), nullptr, out, 8), RK_STATUS_NULL_POINTER);
    EXPECT_TRUE(message_contains("stream"));
    EXPECT_EQ(rk_philox_fill_u32(ctx.get(), &s, nullptr, 8), RK_STATUS_NULL_POINTER);
    EXPECT_TRUE(message_contains("'out'"));
    EXPECT_EQ(rk_philox_fill_u32(ctx.get(), &s, out, -1), RK_STATUS_SIZE_OVERFLOW);
    EXPECT_TRUE(message_contains("negative"));
    EXPECT_EQ(rk_philox_fill_u32(ctx.get(), &s, out, INT64_MAX / 2), RK_STATUS_SIZE_OVERFLOW);
    EXPECT_TRUE(message_contains("addressable"));
    EXPECT_EQ(rk_philox_fill_uniform(ctx.get(), &s, fout, INT64_MAX), RK_STATUS_SIZE_OVERFLOW);
    // count 0 with a null buffer is a no-op.
    EXPECT_EQ(rk_philox_fill_u32(ctx.get(), &s, nullptr, 0), RK_STATUS_OK);
    EXPECT_STREQ(rk_last_error_message(), "") << "a successful call clears the last error";

    const uint32_t counter[4] = {}, key[2] = {};
    uint32_t block[4];
    EXPECT_EQ(rk_philox4x32(0, counter, key, block), RK_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(rk_philox4x32(17, counter, key, block), RK_STATUS_INVALID_ARGUMENT);
    EXPECT_EQ(rk_philox4x32(10, nullptr, key, block), RK_STATUS_NULL_POINTER);
    EXPECT_EQ(rk_philox4x32(10, counter, nullptr, block), RK_STATUS_NULL_POINTER);
    EXPECT_EQ(rk_philox4x32(10, counter, key, nullptr), RK_STATUS_NULL_POINTER);
}

}  // namespace
