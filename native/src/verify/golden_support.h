// What the golden cases share (golden.cpp, golden_training.cpp): appending outputs to a case's bytes, running an
// operation with its buffers where the context computes (Staging), and hostile inputs.
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "../api/errors.h"
#include "reprokit/reprokit.h"

namespace rk::verify {

// Appends a typed buffer's bytes to the case output.
template <class T>
void append(std::vector<uint8_t>& out, const std::vector<T>& v) {
    const auto* p = reinterpret_cast<const uint8_t*>(v.data());
    out.insert(out.end(), p, p + v.size() * sizeof(T));
}

// Floats are hashed with every NaN replaced by the canonical quiet NaN: NaN payloads are not part of
// the contract (x86 produces 0xFFC00000 where ARM64 produces 0x7FC00000 for inf - inf).
inline void append(std::vector<uint8_t>& out, const std::vector<float>& v) {
    for (float f : v) {
        uint32_t bits;
        std::memcpy(&bits, &f, 4);
        if (std::isnan(f)) bits = 0x7FC00000u;
        const auto* p = reinterpret_cast<const uint8_t*>(&bits);
        out.insert(out.end(), p, p + 4);
    }
}

#define RK_TRY(expr)                            \
    do {                                        \
        const rk_status _s = (expr);            \
        if (_s != RK_STATUS_OK) return _s;      \
    } while (0)

// One operation's buffers where the context computes: on a CPU context the host vectors themselves; on a CUDA
// context device copies, filled from the host vectors before the call (so elements a call does not write keep
// their host values, as on the CPU) and copied back after it. A staging failure is reported with its own message.
class Staging {
public:
    explicit Staging(rk_context* c) : c_(c) {
        rk_context_info info{};
        info.struct_size = sizeof info;
        device_ = rk_context_get_info(c, &info) == RK_STATUS_OK && info.device_kind != RK_DEVICE_CPU;
    }
    ~Staging() {
        for (const Buffer& b : buffers_) rk_device_free(c_, b.device);
    }
    Staging(const Staging&) = delete;
    Staging& operator=(const Staging&) = delete;

    template <class T>
    const T* in(const std::vector<T>& v) {
        return static_cast<const T*>(map(const_cast<T*>(v.data()), v.size() * sizeof(T), false));
    }
    template <class T>
    T* out(std::vector<T>& v) {
        return static_cast<T*>(map(v.data(), v.size() * sizeof(T), true));
    }

    // Runs op(*this) and copies the outputs back; the first failure wins.
    template <class Op>
    rk_status run(Op op) {
        const rk_status s = op(*this);
        if (error_ != RK_STATUS_OK) return rk::api::fail(error_, message_);
        if (s != RK_STATUS_OK) return s;
        if (!device_) return RK_STATUS_OK;
        for (const Buffer& b : buffers_)
            if (b.copy_back) RK_TRY(rk_memcpy(c_, b.host, b.device, static_cast<int64_t>(b.bytes), RK_COPY_DEVICE_TO_HOST, 0));
        return RK_STATUS_OK;
    }

private:
    struct Buffer {
        void* host;
        void* device;
        size_t bytes;
        bool copy_back;
    };

    void* map(void* host, size_t bytes, bool copy_back) {
        if (!device_ || error_ != RK_STATUS_OK) return host;
        void* d = nullptr;
        rk_status s = rk_device_alloc(c_, static_cast<int64_t>(bytes), &d);
        if (s == RK_STATUS_OK) buffers_.push_back({host, d, bytes, copy_back});
        if (s == RK_STATUS_OK && bytes > 0)
            s = rk_memcpy(c_, d, host, static_cast<int64_t>(bytes), RK_COPY_HOST_TO_DEVICE, 0);
        if (s != RK_STATUS_OK) {
            error_ = s;
            message_ = rk_last_error_message();
        }
        return d;
    }

    rk_context* c_;
    bool device_ = false;
    std::vector<Buffer> buffers_;
    rk_status error_ = RK_STATUS_OK;
    std::string message_;
};

// RK_TRY(staged(c, [&](Staging& st) { return rk_op(c, st.in(x), st.out(y), ...); }))
template <class Op>
rk_status staged(rk_context* c, Op op) {
    Staging st(c);
    return st.run(op);
}

// Inputs with the values that break careless code: NaN, infinities, signed zeros, subnormals, extremes; n normal
// values (stddev 10) with those at every 7th position from the start.
rk_status hostile_data(rk_context* c, int64_t n, std::vector<float>& x);

// The training operations' cases (golden_training.cpp).
rk_status linear(rk_context* c, std::vector<uint8_t>& out);
rk_status normalization(rk_context* c, std::vector<uint8_t>& out);
rk_status cross_entropy(rk_context* c, std::vector<uint8_t>& out);
rk_status max_pool2d(rk_context* c, std::vector<uint8_t>& out);
rk_status avg_pool2d(rk_context* c, std::vector<uint8_t>& out);
rk_status global_avg_pool2d(rk_context* c, std::vector<uint8_t>& out);
rk_status activations(rk_context* c, std::vector<uint8_t>& out);
rk_status optimizers(rk_context* c, std::vector<uint8_t>& out);

}  // namespace rk::verify
