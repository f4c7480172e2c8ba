// Status + thread-local message plumbing for the C API. Every entry point runs its body through
// guarded(), which turns exceptions (allocation failures, internal errors) into statuses, so no C++
// exception ever crosses the C boundary.
#pragma once

#include <cstdint>
#include <new>
#include <string>

#include "reprokit/reprokit.h"

namespace rk::api {

// Records `message` as this thread's last error and returns `status`.
rk_status fail(rk_status status, std::string message);
// Clears this thread's last error and returns RK_STATUS_OK.
rk_status ok();

template <class Body>
rk_status guarded(const char* function, Body&& body) noexcept {
    try {
        return body();
    } catch (const std::bad_alloc&) {
        return fail(RK_STATUS_OUT_OF_MEMORY, std::string(function) + ": out of memory");
    } catch (const std::exception& e) {
        return fail(RK_STATUS_INTERNAL, std::string(function) + ": internal error: " + e.what());
    } catch (...) {
        return fail(RK_STATUS_INTERNAL, std::string(function) + ": unknown internal error");
    }
}

// Argument checks shared by every entry point. Each returns RK_STATUS_OK or records a message
// naming the function and the argument.
rk_status check_not_null(const char* function, const char* name, const void* p);
// count >= 0 and count * element_size bytes addressable.
rk_status check_count(const char* function, const char* name, int64_t count, uint64_t element_size);

}  // namespace rk::api
