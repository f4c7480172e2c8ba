// Status + thread-local message plumbing for the C API. Every entry point runs its body through
// guarded(), which turns exceptions (allocation failures, internal errors) into statuses, so no C++
// exception ever crosses the C boundary, and which runs the whole call (validation, per-call constants, the
// backend) under the canonical floating-point environment (docs/spec.md): the one place every entry point passes.
#pragma once

#include <cstdint>
#include <cstring>
#include <new>
#include <string>

#include "../cpu/fp_env.h"
#include "reprokit/reprokit.h"

namespace rk::api {

// Records `message` as this thread's last error and returns `status`.
rk_status fail(rk_status status, std::string message);
// Clears this thread's last error and returns RK_STATUS_OK.
rk_status ok();

template <class Body>
rk_status guarded(const char* function, Body&& body) noexcept {
    // Round to nearest, no FTZ/DAZ for everything this call computes on this thread; the caller's environment
    // (rounding mode, flush modes) is restored on return. Worker threads set it once (thread_pool.cpp).
    const rk::cpu::CanonicalFpEnv canonical_fp;
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

// The value of an enum argument or field as an int32_t. A C or C# caller may pass any int where the C API
// takes an enum; in C++, reading an enum object that holds a value outside its enumerators' range is undefined
// (UBSan reports it), so entry points read the bits as an integer, validate it, and only then convert back.
template <class E>
int32_t enum_value(const E& e) {
    static_assert(sizeof(E) == sizeof(int32_t), "C API enums are int-sized");
    int32_t v;
    std::memcpy(&v, &e, sizeof v);
    return v;
}

// A number for a message: the shortest decimal that reads back as exactly `v` (so a float argument prints as the
// float it is, 0.1f as "0.1", and a double as the double it is), "nan", "inf" or "-inf". Every message formats its
// numbers through these two.
std::string format_number(double v);
std::string format_number(float v);

// Argument checks shared by every entry point. Each returns RK_STATUS_OK or records a message
// naming the function and the argument.
rk_status check_not_null(const char* function, const char* name, const void* p);
// count >= 0 and count * element_size bytes addressable.
rk_status check_count(const char* function, const char* name, int64_t count, uint64_t element_size);

}  // namespace rk::api
