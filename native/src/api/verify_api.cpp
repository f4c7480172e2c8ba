// The golden suite through the C API: one runner for the C++ tests, the C# tests and the CLI.
#include <algorithm>
#include <cstring>
#include <string>

#include "../verify/golden.h"
#include "../verify/sha256.h"
#include "context.h"
#include "testing.h"
#include "errors.h"

using namespace rk::api;

namespace {

rk_status check_index(const char* fn, int32_t index) {
    const auto count = static_cast<int32_t>(rk::verify::golden_cases().size());
    if (index >= 0 && index < count) return RK_STATUS_OK;
    return fail(RK_STATUS_INVALID_ARGUMENT, std::string(fn) + ": index " + std::to_string(index) + " is not in [0, " +
                                                std::to_string(count) + ")");
}

rk_status copy_text(const char* fn, const char* what, const std::string& text, char* buffer, int64_t capacity) {
    if (rk_status s = check_not_null(fn, what, buffer); s != RK_STATUS_OK) return s;
    if (capacity < static_cast<int64_t>(text.size()) + 1)
        return fail(RK_STATUS_INVALID_ARGUMENT, std::string(fn) + ": '" + what + "' needs " +
                                                    std::to_string(text.size() + 1) + " bytes (got " +
                                                    std::to_string(capacity) + ")");
    std::memcpy(buffer, text.c_str(), text.size() + 1);
    return RK_STATUS_OK;
}

}  // namespace

extern "C" RK_API int32_t rk_golden_case_count(void) {
    return static_cast<int32_t>(rk::verify::golden_cases().size());
}

extern "C" RK_API rk_status rk_golden_case_info(int32_t index, char* name, int64_t name_capacity, char* expected_sha256,
                                                int64_t expected_capacity) {
    static const char* fn = "rk_golden_case_info";
    return guarded(fn, [&]() -> rk_status {
        if (rk_status s = check_index(fn, index); s != RK_STATUS_OK) return s;
        const auto& c = rk::verify::golden_cases()[static_cast<size_t>(index)];
        if (rk_status s = copy_text(fn, "name", c.name, name, name_capacity); s != RK_STATUS_OK) return s;
        if (rk_status s = copy_text(fn, "expected_sha256", rk::verify::golden_expected(c.name), expected_sha256,
                                    expected_capacity);
            s != RK_STATUS_OK)
            return s;
        return ok();
    });
}

extern "C" RK_API rk_status rk_golden_case_run(rk_context* context, int32_t index, char* sha256, int64_t capacity) {
    static const char* fn = "rk_golden_case_run";
    return guarded(fn, [&]() -> rk_status {
        if (rk_status s = check_context(fn, context); s != RK_STATUS_OK) return s;
        if (rk_status s = check_index(fn, index); s != RK_STATUS_OK) return s;
        if (rk_status s = check_not_null(fn, "sha256", sha256); s != RK_STATUS_OK) return s;
        if (capacity < 65)
            return fail(RK_STATUS_INVALID_ARGUMENT,
                        std::string(fn) + ": 'sha256' needs 65 bytes (got " + std::to_string(capacity) + ")");
        const auto& c = rk::verify::golden_cases()[static_cast<size_t>(index)];
        std::vector<uint8_t> out;
        if (rk_status s = c.run(context, out); s != RK_STATUS_OK) {
            const std::string inner = rk_last_error_message();
            return fail(s, std::string(fn) + ": case '" + c.name + "' failed: " + inner);
        }
        const std::string digest = rk::verify::sha256_hex(out.data(), out.size());
        std::memcpy(sha256, digest.c_str(), 65);
        return ok();
    });
}

namespace {

// rk_sha256 and its testing twin: the same argument checks and output, `hex` computing the digest.
rk_status sha256_call(const char* fn, std::string (*hex)(const void*, size_t), const void* data, int64_t bytes,
                      char* sha256, int64_t capacity) {
    return guarded(fn, [&]() -> rk_status {
        if (bytes < 0)
            return fail(RK_STATUS_INVALID_ARGUMENT, std::string(fn) + ": bytes is negative (" + std::to_string(bytes) + ")");
        if (bytes > 0)
            if (rk_status s = check_not_null(fn, "data", data); s != RK_STATUS_OK) return s;
        if (rk_status s = check_not_null(fn, "sha256", sha256); s != RK_STATUS_OK) return s;
        if (capacity < 65)
            return fail(RK_STATUS_INVALID_ARGUMENT,
                        std::string(fn) + ": 'sha256' needs 65 bytes (got " + std::to_string(capacity) + ")");
        const std::string digest = hex(bytes > 0 ? data : "", static_cast<size_t>(bytes));
        std::memcpy(sha256, digest.c_str(), 65);
        return ok();
    });
}

}  // namespace

extern "C" RK_API rk_status rk_sha256(const void* data, int64_t bytes, char* sha256, int64_t capacity) {
    return sha256_call("rk_sha256", &rk::verify::sha256_hex, data, bytes, sha256, capacity);
}

extern "C" RK_API rk_status rk_testing_sha256_portable(const void* data, int64_t bytes, char* sha256, int64_t capacity) {
    return sha256_call("rk_testing_sha256_portable", &rk::verify::sha256_hex_portable, data, bytes, sha256, capacity);
}

extern "C" RK_API const char* rk_testing_sha256_implementation(void) { return rk::verify::sha256_implementation(); }
