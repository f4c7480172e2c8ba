#include "errors.h"

#include <charconv>
#include <cmath>
#include <cstddef>
#include <limits>

namespace rk::api {
namespace {
thread_local std::string t_last_error;
}

rk_status fail(rk_status status, std::string message) {
    try {
        t_last_error = std::move(message);
    } catch (...) {
        t_last_error.clear();  // keep the status even if the message cannot be stored
    }
    return status;
}

rk_status ok() {
    t_last_error.clear();
    return RK_STATUS_OK;
}

namespace {
template <class T>
std::string shortest(T v) {
    if (std::isnan(v)) return "nan";
    if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
    char buf[64];
    const std::to_chars_result r = std::to_chars(buf, buf + sizeof buf, v);
    return std::string(buf, r.ptr);
}
}  // namespace

std::string format_number(double v) { return shortest(v); }
std::string format_number(float v) { return shortest(v); }

rk_status check_not_null(const char* function, const char* name, const void* p) {
    if (p != nullptr) return RK_STATUS_OK;
    return fail(RK_STATUS_NULL_POINTER, std::string(function) + ": argument '" + name + "' is null");
}

rk_status check_count(const char* function, const char* name, int64_t count, uint64_t element_size) {
    if (count < 0)
        return fail(RK_STATUS_SIZE_OVERFLOW, std::string(function) + ": argument '" + name +
                                                 "' is negative (" + std::to_string(count) + ")");
    const uint64_t max_bytes = static_cast<uint64_t>(std::numeric_limits<std::ptrdiff_t>::max());
    if (element_size != 0 && static_cast<uint64_t>(count) > max_bytes / element_size)
        return fail(RK_STATUS_SIZE_OVERFLOW, std::string(function) + ": argument '" + name + "' (" +
                                                 std::to_string(count) + " elements of " +
                                                 std::to_string(element_size) +
                                                 " bytes) exceeds the addressable size");
    return RK_STATUS_OK;
}

}  // namespace rk::api

extern "C" RK_API const char* rk_last_error_message(void) { return rk::api::t_last_error.c_str(); }
