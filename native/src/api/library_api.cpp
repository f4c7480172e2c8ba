// Library-level information: versions, status and ISA names, CPU description (C API).
#include <algorithm>
#include <cstring>
#include <string>

#include "../cpu/cpu_features.h"
#include "errors.h"

using namespace rk::api;

#define RK_STRINGIFY2(x) #x
#define RK_STRINGIFY(x) RK_STRINGIFY2(x)

extern "C" RK_API uint32_t rk_abi_version(void) { return RK_ABI_VERSION; }

extern "C" RK_API const char* rk_version_string(void) {
    return RK_STRINGIFY(RK_VERSION_MAJOR) "." RK_STRINGIFY(RK_VERSION_MINOR) "." RK_STRINGIFY(RK_VERSION_PATCH);
}

extern "C" RK_API const char* rk_status_name(rk_status status) {
    switch (enum_value(status)) {
        case RK_STATUS_OK: return "RK_STATUS_OK";
        case RK_STATUS_NULL_POINTER: return "RK_STATUS_NULL_POINTER";
        case RK_STATUS_INVALID_ARGUMENT: return "RK_STATUS_INVALID_ARGUMENT";
        case RK_STATUS_SIZE_OVERFLOW: return "RK_STATUS_SIZE_OVERFLOW";
        case RK_STATUS_OUT_OF_MEMORY: return "RK_STATUS_OUT_OF_MEMORY";
        case RK_STATUS_UNSUPPORTED: return "RK_STATUS_UNSUPPORTED";
        case RK_STATUS_INVALID_HANDLE: return "RK_STATUS_INVALID_HANDLE";
        case RK_STATUS_INTERNAL: return "RK_STATUS_INTERNAL";
    }
    return "RK_STATUS_UNKNOWN";
}

extern "C" RK_API const char* rk_isa_name(rk_isa isa) {
    switch (enum_value(isa)) {
        case RK_ISA_AUTO: return "auto";
        case RK_ISA_SCALAR: return "scalar";
        case RK_ISA_AVX2: return "avx2";
        case RK_ISA_AVX512: return "avx512";
        case RK_ISA_NEON: return "neon";
    }
    return "unknown";
}

extern "C" RK_API rk_status rk_cpu_isa_supported(rk_isa isa, int32_t* out_supported) {
    static const char* fn = "rk_cpu_isa_supported";
    return guarded(fn, [&]() -> rk_status {
        if (rk_status s = check_not_null(fn, "out_supported", out_supported); s != RK_STATUS_OK) return s;
        const int32_t v = enum_value(isa);
        *out_supported = v >= RK_ISA_SCALAR && v <= RK_ISA_NEON && rk::cpu::isa_supported(static_cast<rk_isa>(v)) ? 1 : 0;
        return ok();
    });
}

extern "C" RK_API rk_status rk_cpu_description(char* buffer, int64_t capacity) {
    static const char* fn = "rk_cpu_description";
    return guarded(fn, [&]() -> rk_status {
        if (rk_status s = check_not_null(fn, "buffer", buffer); s != RK_STATUS_OK) return s;
        if (capacity < 1)
            return fail(RK_STATUS_INVALID_ARGUMENT,
                        std::string(fn) + ": capacity must be at least 1 (got " + std::to_string(capacity) + ")");
        const std::string text = rk::cpu::cpu_description();
        const size_t n = std::min<uint64_t>(text.size(), static_cast<uint64_t>(capacity - 1));
        std::memcpy(buffer, text.data(), n);
        buffer[n] = '\0';
        return ok();
    });
}
