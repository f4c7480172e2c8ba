// Shared pieces of the fuzz harnesses (docs/reliability.md): a reader that turns the fuzzer's bytes into
// structured arguments, exact-size buffers (so AddressSanitizer sees any write past what the harness told
// the API), the status invariant every entry point promises, and contexts for cross-ISA / cross-thread checks.
//
// Every harness is an LLVMFuzzerTestOneInput; it is linked either with libFuzzer (REPROKIT_FUZZ=ON) or with
// replay_main.cpp, which runs it on the checked-in inputs under CTest. An invariant violation prints what
// failed and aborts, which both drivers report as a failure.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <limits>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "reprokit/reprokit.h"

namespace rkfuzz {

[[noreturn]] inline void violated(const char* file, int line, const char* condition, const std::string& detail) {
    std::fprintf(stderr, "%s:%d: invariant violated: %s\n  %s\n", file, line, condition, detail.c_str());
    std::fflush(stderr);
    std::abort();
}

#define FUZZ_CHECK(cond, detail)                                                        \
    do {                                                                                \
        if (!(cond)) ::rkfuzz::violated(__FILE__, __LINE__, #cond, std::string(detail)); \
    } while (0)

// Reads the fuzzer's bytes as a sequence of typed values; past the end every read gives 0.
class Input {
public:
    Input(const uint8_t* data, size_t size) : d_(data), n_(size) {}

    uint8_t u8() { return pos_ < n_ ? d_[pos_++] : 0; }
    uint32_t u32() {
        uint32_t v = 0;
        for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(u8()) << (8 * i);
        return v;
    }
    uint64_t u64() { return static_cast<uint64_t>(u32()) | static_cast<uint64_t>(u32()) << 32; }
    bool flag() { return (u8() & 1) != 0; }
    // A value in [lo, hi] (inclusive); one byte when the span fits in one, else more.
    int64_t range(int64_t lo, int64_t hi) {
        const uint64_t span = static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo);
        const uint64_t raw = span < 256 ? u8() : span < 65536 ? (u8() | static_cast<uint64_t>(u8()) << 8) : u64();
        return static_cast<int64_t>(static_cast<uint64_t>(lo) + (span == UINT64_MAX ? raw : raw % (span + 1)));
    }
    // A float, often one of the values that break arithmetic (NaN, infinities, zeros, denormals, extremes).
    float f32() {
        static const float special[] = {0.0f,
                                        -0.0f,
                                        1.0f,
                                        -1.0f,
                                        0.5f,
                                        std::numeric_limits<float>::quiet_NaN(),
                                        -std::numeric_limits<float>::quiet_NaN(),
                                        std::numeric_limits<float>::infinity(),
                                        -std::numeric_limits<float>::infinity(),
                                        std::numeric_limits<float>::min(),
                                        std::numeric_limits<float>::denorm_min(),
                                        std::numeric_limits<float>::max(),
                                        -std::numeric_limits<float>::max(),
                                        1e-30f,
                                        100.0f,
                                        0.99999994f};
        const uint8_t sel = u8();
        if (sel < 2 * std::size(special)) return special[sel % std::size(special)];
        const uint32_t bits = u32();
        float f;
        std::memcpy(&f, &bits, sizeof f);
        return f;
    }
    // A "tame" float: mostly small finite values, sometimes special ones.
    float f32_tame() {
        const uint8_t sel = u8();
        if (sel < 16) return f32();
        return static_cast<float>(static_cast<int8_t>(u8())) / 16.0f;
    }
    double f64() {
        static const double special[] = {0.0,
                                         -0.0,
                                         1.0,
                                         0.5,
                                         std::numeric_limits<double>::quiet_NaN(),
                                         std::numeric_limits<double>::infinity(),
                                         -std::numeric_limits<double>::infinity(),
                                         std::numeric_limits<double>::denorm_min(),
                                         1e-300,
                                         0x1p-32,
                                         1.0 - 0x1p-32,
                                         1.0 - 0x1p-53,
                                         1.0 + 0x1p-52,
                                         -1.0,
                                         2.0,
                                         0.9};
        const uint8_t sel = u8();
        if (sel < 2 * std::size(special)) return special[sel % std::size(special)];
        if (sel < 128) return static_cast<double>(u8()) / 255.0;  // a plain probability
        const uint64_t bits = u64();
        double f;
        std::memcpy(&f, &bits, sizeof f);
        return f;
    }
    size_t remaining() const { return n_ - (pos_ < n_ ? pos_ : n_); }

private:
    const uint8_t* d_;
    size_t n_;
    size_t pos_ = 0;
};

// A heap buffer of exactly n elements (n may be 0: a valid, empty allocation), filled with a marker pattern.
template <class T>
struct Buffer {
    explicit Buffer(size_t count) : n(count), p(new T[count]) { std::memset(static_cast<void*>(p.get()), 0xA5, count * sizeof(T)); }
    T* data() { return p.get(); }
    const T* data() const { return p.get(); }
    size_t bytes() const { return n * sizeof(T); }
    size_t n;
    std::unique_ptr<T[]> p;
};

// Byte equality that treats any two NaNs as equal (the contract never compares NaN payloads).
template <class T>
bool same_bits(const T* a, const T* b, size_t n) {
    for (size_t i = 0; i < n; ++i) {
        if constexpr (std::is_floating_point_v<T>) {
            if (std::isnan(a[i]) && std::isnan(b[i])) continue;
        }
        if (std::memcmp(&a[i], &b[i], sizeof(T)) != 0) return false;
    }
    return true;
}

// The status invariant of every entry point: a known status, never an internal error or (with the small sizes
// the harnesses use) out-of-memory, and on failure a non-empty message that starts with the function's name.
inline bool status_ok(rk_status s, const char* function) {
    const int v = static_cast<int>(s);
    FUZZ_CHECK(v >= RK_STATUS_OK && v <= RK_STATUS_INTERNAL,
               std::string(function) + " returned an unknown status " + std::to_string(v));
    if (s == RK_STATUS_OK) return true;
    const char* message = rk_last_error_message();
    FUZZ_CHECK(message != nullptr && message[0] != '\0',
               std::string(function) + " failed with " + rk_status_name(s) + " but left no message");
    FUZZ_CHECK(std::strncmp(message, function, std::strlen(function)) == 0,
               std::string(function) + " failed with a message that does not name it: " + message);
    FUZZ_CHECK(s != RK_STATUS_INTERNAL, std::string(function) + " reported an internal error: " + message);
    FUZZ_CHECK(s != RK_STATUS_OUT_OF_MEMORY, std::string(function) + " ran out of memory on a small input: " + message);
    return false;
}

// Contexts shared by every input (created once, never destroyed): [0] scalar on one thread (the reference),
// then the best ISA on three threads, then AVX2 on two threads where the best ISA is AVX-512.
inline const std::vector<rk_context*>& contexts() {
    static const std::vector<rk_context*> all = [] {
        std::vector<rk_context*> out;
        auto add = [&](rk_isa isa, int threads) {
            rk_cpu_context_options o{};
            o.struct_size = sizeof o;
            o.isa = isa;
            o.num_threads = threads;
            rk_context* c = nullptr;
            const rk_status s = rk_cpu_context_create(&o, &c);
            FUZZ_CHECK(s == RK_STATUS_OK, std::string("creating a fuzz context: ") + rk_last_error_message());
            out.push_back(c);
        };
        add(RK_ISA_SCALAR, 1);
        rk_isa best = RK_ISA_SCALAR;
        for (rk_isa isa : {RK_ISA_AVX2, RK_ISA_AVX512, RK_ISA_NEON}) {
            int32_t supported = 0;
            if (rk_cpu_isa_supported(isa, &supported) == RK_STATUS_OK && supported) best = isa;
        }
        add(best, 3);
        if (best == RK_ISA_AVX512) add(RK_ISA_AVX2, 2);
        return out;
    }();
    return all;
}

// A count the API must refuse with RK_STATUS_SIZE_OVERFLOW for elements of `element_size` bytes: negative, or
// (for elements wider than a byte) more elements than PTRDIFF_MAX bytes hold. No buffer is that large, so
// the API has to refuse before it touches memory.
inline int64_t overflowing_count(Input& in, size_t element_size) {
    const int64_t max = std::numeric_limits<int64_t>::max();
    switch (in.u8() % 5) {
        case 0: return -1;
        case 1: return std::numeric_limits<int64_t>::min();
        case 2: return -static_cast<int64_t>(in.u32() | 1u);
        case 3: if (element_size > 1) return max / static_cast<int64_t>(element_size) + 1; return -2;
        default: if (element_size > 1) return max; return -3;
    }
}

// A tensor dimension: in [1, max] for a problem small enough to run, or (huge) one of the sizes an API must handle at
// its edges: 0, negative, about 2^40, a large power of two, near INT64_MAX.
inline int64_t fuzz_dimension(Input& in, bool huge, int64_t max) {
    if (!huge) return in.range(1, max);
    switch (in.u8() % 6) {
        case 0: return 0;
        case 1: return -in.range(1, 3);
        case 2: return (int64_t{1} << 40) + in.range(-1, 1);
        case 3: return int64_t{1} << (20 + in.u8() % 24);
        case 4: return std::numeric_limits<int64_t>::max() - in.range(0, 2);
        default: return in.range(1, max);
    }
}

// A stream from the input: mostly small positions, sometimes any 64-bit value (offset near 2^64 included).
inline rk_philox_stream stream(Input& in) {
    rk_philox_stream s{};
    s.seed = in.flag() ? in.u64() : in.u8();
    s.subsequence = in.flag() ? in.u64() : in.u8();
    s.offset = in.flag() ? in.u64() : in.u8();
    return s;
}

}  // namespace rkfuzz
