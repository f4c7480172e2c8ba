// Overlap checks of the caller's buffers (C API). An output that shares memory with another argument
// would make the result depend on the order of the writes inside a kernel, which no backend defines,
// so every entry point refuses it up front with the two arguments' names.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "errors.h"

namespace rk::api {

// A caller's buffer: its argument name, start and length in bytes (null or empty: no memory).
struct Region {
    const char* name;
    const void* p;
    uint64_t bytes;
};

inline bool overlaps(const Region& a, const Region& b) {
    const auto pa = reinterpret_cast<uintptr_t>(a.p), pb = reinterpret_cast<uintptr_t>(b.p);
    return a.p && b.p && a.bytes != 0 && b.bytes != 0 && pa < pb + b.bytes && pb < pa + a.bytes;
}

// Each written region must not overlap any other region (a region is not compared with itself).
inline rk_status check_overlaps(const char* fn, const std::vector<Region>& written, const std::vector<Region>& all) {
    for (const Region& out : written)
        for (const Region& other : all)
            if (out.p != other.p || out.name != other.name)
                if (overlaps(out, other))
                    return fail(RK_STATUS_INVALID_ARGUMENT,
                                std::string(fn) + ": '" + out.name + "' overlaps '" + other.name + "'");
    return RK_STATUS_OK;
}

}  // namespace rk::api
