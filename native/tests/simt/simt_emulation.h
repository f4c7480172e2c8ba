// A small SIMT emulation for the tests: the CUDA kernels of native/src/cuda/kernels compile with the host
// compiler and run on the CPU, so CI (no GPU) executes the same kernel source as the GPU and compares it
// bit for bit with the CPU backend.
//
// Model (what the kernels may rely on, as on a GPU):
//   - one fiber (ucontext) per GPU thread; the blocks of a grid run one after another, the threads of a
//     block interleave only at barriers (__syncthreads) and warp operations;
//   - __syncthreads: every live thread of the block must arrive; a thread that exits while others wait,
//     or a barrier no thread can pass, is reported as an error (a GPU would hang or misbehave);
//   - warp size 32; __shfl*_sync / __ballot_sync / __any_sync / __all_sync / __syncwarp exchange values
//     through per-warp scratch between two warp barriers of the lanes named in the mask;
//   - __shared__ variables are per block (static storage reused by the next block: as on a GPU, their
//     content at block start is unspecified, and kernels must write before they read);
//   - atomics are plain read-modify-writes (the fibers of a block never run concurrently);
//   - device memory is host memory.
// Schedules: blocks can run with their fibers resumed in forward or reverse order (set_schedule), so a
// test can run a kernel twice and catch results that depend on the order of threads between barriers
// (a missing __syncthreads).
//
// Methods borrowed in spirit from HIP-CPU and ILGPU's CPU accelerator (fibers/threads per GPU thread with
// barrier emulation); the code is ReproKit's own.
#pragma once

#define RK_SIMT_EMULATION 1

#include <ucontext.h>

// AddressSanitizer must be told about stack switches, or it reports false stack overflows and leaks.
#if defined(__SANITIZE_ADDRESS__)
#  define RK_SIMT_ASAN 1
#elif defined(__has_feature)
#  if __has_feature(address_sanitizer)
#    define RK_SIMT_ASAN 1
#  endif
#endif
#if defined(RK_SIMT_ASAN)
#  include <sanitizer/common_interface_defs.h>
#endif

#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

struct dim3 {
    unsigned x, y, z;
    constexpr dim3(unsigned x_ = 1, unsigned y_ = 1, unsigned z_ = 1) : x(x_), y(y_), z(z_) {}
};
struct uint3 {
    unsigned x, y, z;
};
using cudaStream_t = struct rk_simt_stream*;

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __shared__ static

namespace rk::simt {

constexpr unsigned kWarpSize = 32;

enum class Schedule { kForward, kReverse };

class Emulator {
public:
    static Emulator& instance() {
        static Emulator e;
        return e;
    }

    void set_schedule(Schedule s) { schedule_ = s; }
    uint64_t launches() const { return launches_; }
    uint64_t barriers() const { return barriers_; }

    // Runs body() as every thread of every block of the grid.
    void launch(dim3 grid, dim3 block, const std::function<void()>& body) {
        const uint64_t threads = static_cast<uint64_t>(block.x) * block.y * block.z;
        if (threads == 0 || threads > 1024 || grid.x == 0 || grid.y == 0 || grid.z == 0)
            throw std::invalid_argument("simt: invalid launch shape");
        ++launches_;
        grid_ = grid;
        block_dim_ = block;
        body_ = &body;
        fibers_.resize(threads);
        for (auto& f : fibers_)
            if (!f.stack) f.stack.reset(new char[kStackBytes]);
        warp_slots_.assign(((threads + kWarpSize - 1) / kWarpSize) * kWarpSize, 0);
        warps_.assign((threads + kWarpSize - 1) / kWarpSize, WarpBarrier{});
        for (unsigned bz = 0; bz < grid.z; ++bz)
            for (unsigned by = 0; by < grid.y; ++by)
                for (unsigned bx = 0; bx < grid.x; ++bx) run_block(uint3{bx, by, bz});
        body_ = nullptr;
    }

    // ---- What the CUDA built-ins resolve to ----
    const uint3& thread_idx() const { return fibers_[current_].tid; }
    const uint3& block_idx() const { return block_idx_; }
    const dim3& block_dim() const { return block_dim_; }
    const dim3& grid_dim() const { return grid_; }

    void syncthreads() {
        ++barriers_;
        Fiber& me = fibers_[current_];
        const uint64_t gen = block_generation_;
        me.waiting_block = true;
        if (++block_arrived_ == live_) release_block();
        while (block_generation_ == gen) yield();
        me.waiting_block = false;
    }

    // Warp exchange: every lane in `mask` publishes `value`, then reads lane `src_of(lane)`'s value.
    template <class T, class SrcOf>
    T exchange(unsigned mask, T value, SrcOf src_of) {
        static_assert(sizeof(T) <= 8, "simt: warp exchange of values up to 8 bytes");
        const unsigned lane = linear_tid() % kWarpSize, warp = linear_tid() / kWarpSize;
        check_mask(mask, lane);
        uint64_t bits = 0;
        std::memcpy(&bits, &value, sizeof(T));
        warp_slots_[warp * kWarpSize + lane] = bits;
        warp_barrier(mask);
        const unsigned src = src_of(lane);
        T out = value;
        if (src < kWarpSize && ((mask >> src) & 1u)) std::memcpy(&out, &warp_slots_[warp * kWarpSize + src], sizeof(T));
        warp_barrier(mask);
        return out;
    }
    unsigned ballot(unsigned mask, bool pred) {
        const unsigned lane = linear_tid() % kWarpSize, warp = linear_tid() / kWarpSize;
        check_mask(mask, lane);
        warp_slots_[warp * kWarpSize + lane] = pred ? 1 : 0;
        warp_barrier(mask);
        unsigned bits = 0;
        for (unsigned l = 0; l < kWarpSize; ++l)
            if (((mask >> l) & 1u) && warp_slots_[warp * kWarpSize + l]) bits |= 1u << l;
        warp_barrier(mask);
        return bits;
    }
    void syncwarp(unsigned mask) {
        check_mask(mask, linear_tid() % kWarpSize);
        warp_barrier(mask);
    }

private:
    static constexpr size_t kStackBytes = 256 * 1024;

    struct Fiber {
        ucontext_t ctx{};
        std::unique_ptr<char[]> stack;
        uint3 tid{};
        bool done = false;
        bool waiting_block = false;
    };
    struct WarpBarrier {
        unsigned arrived = 0;
        uint64_t generation = 0;
    };

    unsigned linear_tid() const {
        const uint3& t = fibers_[current_].tid;
        return (t.z * block_dim_.y + t.y) * block_dim_.x + t.x;
    }

    void check_mask(unsigned mask, unsigned lane) const {
        if (((mask >> lane) & 1u) == 0) fail("a warp operation's mask does not include the calling lane");
    }

    void warp_barrier(unsigned mask) {
        const unsigned warp = linear_tid() / kWarpSize;
        WarpBarrier& b = warps_[warp];
        const uint64_t gen = b.generation;
        unsigned expected = 0;
        for (unsigned l = 0; l < kWarpSize; ++l)
            if ((mask >> l) & 1u) {
                const size_t t = static_cast<size_t>(warp) * kWarpSize + l;
                if (t >= fibers_.size() || fibers_[t].done)
                    fail("a warp operation's mask names a lane that does not exist or has exited");
                ++expected;
            }
        if (++b.arrived == expected) {
            b.arrived = 0;
            ++b.generation;
        }
        while (b.generation == gen) yield();
    }

    void release_block() {
        block_arrived_ = 0;
        ++block_generation_;
    }

    [[noreturn]] void fail(const std::string& what) const {
        throw std::logic_error("simt emulation: " + what + " (block " + std::to_string(block_idx_.x) + "," +
                               std::to_string(block_idx_.y) + "," + std::to_string(block_idx_.z) + ")");
    }

    void yield() {
#if defined(RK_SIMT_ASAN)
        void* fake = nullptr;
        __sanitizer_start_switch_fiber(&fake, scheduler_stack_, scheduler_stack_size_);
        swapcontext(&fibers_[current_].ctx, &scheduler_);
        __sanitizer_finish_switch_fiber(fake, &scheduler_stack_, &scheduler_stack_size_);
#else
        swapcontext(&fibers_[current_].ctx, &scheduler_);
#endif
    }

    static void entry() {
        Emulator& e = instance();
#if defined(RK_SIMT_ASAN)
        __sanitizer_finish_switch_fiber(nullptr, &e.scheduler_stack_, &e.scheduler_stack_size_);
#endif
        try {
            (*e.body_)();
        } catch (...) {
            if (!e.error_) e.error_ = std::current_exception();
        }
        e.fibers_[e.current_].done = true;
        // Leaving (uc_link) returns to the scheduler; this fiber's stack is dead from here on.
#if defined(RK_SIMT_ASAN)
        __sanitizer_start_switch_fiber(nullptr, e.scheduler_stack_, e.scheduler_stack_size_);
#endif
    }

    void run_block(uint3 b) {
        block_idx_ = b;
        live_ = static_cast<unsigned>(fibers_.size());
        block_arrived_ = 0;
        for (auto& w : warps_) w = WarpBarrier{};
        for (size_t i = 0; i < fibers_.size(); ++i) {
            Fiber& f = fibers_[i];
            f.done = false;
            f.waiting_block = false;
            f.tid = uint3{static_cast<unsigned>(i % block_dim_.x),
                          static_cast<unsigned>((i / block_dim_.x) % block_dim_.y),
                          static_cast<unsigned>(i / (static_cast<size_t>(block_dim_.x) * block_dim_.y))};
            getcontext(&f.ctx);
            f.ctx.uc_stack.ss_sp = f.stack.get();
            f.ctx.uc_stack.ss_size = kStackBytes;
            f.ctx.uc_link = &scheduler_;
            makecontext(&f.ctx, &Emulator::entry, 0);
        }
        size_t remaining = fibers_.size();
        while (remaining > 0) {
            const uint64_t before = state_signature(remaining);
            bool any_ran = false;
            for (size_t k = 0; k < fibers_.size(); ++k) {
                const size_t i = schedule_ == Schedule::kForward ? k : fibers_.size() - 1 - k;
                Fiber& f = fibers_[i];
                if (f.done) continue;
                current_ = i;
#if defined(RK_SIMT_ASAN)
                void* fake = nullptr;
                __sanitizer_start_switch_fiber(&fake, f.stack.get(), kStackBytes);
                swapcontext(&scheduler_, &f.ctx);
                __sanitizer_finish_switch_fiber(fake, nullptr, nullptr);
#else
                swapcontext(&scheduler_, &f.ctx);
#endif
                any_ran = true;
                if (error_) {
                    std::exception_ptr e = error_;
                    error_ = nullptr;
                    std::rethrow_exception(e);
                }
                if (f.done) {
                    --remaining;
                    --live_;
                    if (block_arrived_ > 0) fail("a thread exited while others wait at __syncthreads");
                }
            }
            if (!any_ran) break;
            // A sweep that changed no barrier and finished no fiber can never make progress: every live
            // fiber waits at a barrier that some other thread will never reach.
            if (remaining > 0 && state_signature(remaining) == before)
                fail("deadlock: threads wait at a __syncthreads or warp operation that others never reach");
        }
    }

    uint64_t state_signature(size_t remaining) const {
        uint64_t h = remaining * 0x9E3779B97F4A7C15ull + block_generation_ * 1000003u + block_arrived_;
        for (const WarpBarrier& w : warps_) h = h * 31 + w.generation * 1009u + w.arrived;
        return h;
    }

    Schedule schedule_ = Schedule::kForward;
    dim3 grid_{}, block_dim_{};
    uint3 block_idx_{};
    const std::function<void()>* body_ = nullptr;
    std::vector<Fiber> fibers_;
    std::vector<uint64_t> warp_slots_;
    std::vector<WarpBarrier> warps_;
    ucontext_t scheduler_{};
    const void* scheduler_stack_ = nullptr;  // AddressSanitizer's view of the scheduler's stack
    size_t scheduler_stack_size_ = 0;
    size_t current_ = 0;
    unsigned live_ = 0, block_arrived_ = 0;
    uint64_t block_generation_ = 0;
    std::exception_ptr error_;
    uint64_t launches_ = 0, barriers_ = 0;
};

// RK_LAUNCH(kernel, grid, block, stream)(args...)
template <class Kernel>
struct Launcher {
    Kernel* kernel;
    dim3 grid, block;
    template <class... Args>
    void operator()(Args&&... args) const {
        Emulator::instance().launch(grid, block, [&] { kernel(args...); });
    }
};

}  // namespace rk::simt

#define threadIdx (::rk::simt::Emulator::instance().thread_idx())
#define blockIdx (::rk::simt::Emulator::instance().block_idx())
#define blockDim (::rk::simt::Emulator::instance().block_dim())
#define gridDim (::rk::simt::Emulator::instance().grid_dim())
#define RK_LAUNCH(kernel, grid, block, stream) \
    (void)(stream), ::rk::simt::Launcher<decltype(kernel)>{kernel, dim3(grid), dim3(block)}

inline void __syncthreads() { ::rk::simt::Emulator::instance().syncthreads(); }
inline void __syncwarp(unsigned mask = 0xFFFFFFFFu) { ::rk::simt::Emulator::instance().syncwarp(mask); }
inline void __threadfence_block() {}
template <class T>
T __shfl_sync(unsigned mask, T v, int src) {
    return ::rk::simt::Emulator::instance().exchange(mask, v, [&](unsigned) { return static_cast<unsigned>(src) % 32u; });
}
template <class T>
T __shfl_xor_sync(unsigned mask, T v, int lane_mask) {
    return ::rk::simt::Emulator::instance().exchange(mask, v, [&](unsigned lane) { return lane ^ static_cast<unsigned>(lane_mask); });
}
template <class T>
T __shfl_down_sync(unsigned mask, T v, unsigned delta) {
    return ::rk::simt::Emulator::instance().exchange(mask, v, [&](unsigned lane) { return lane + delta; });
}
template <class T>
T __shfl_up_sync(unsigned mask, T v, unsigned delta) {
    return ::rk::simt::Emulator::instance().exchange(mask, v, [&](unsigned lane) { return lane >= delta ? lane - delta : lane; });
}
inline unsigned __ballot_sync(unsigned mask, int pred) { return ::rk::simt::Emulator::instance().ballot(mask, pred != 0); }
inline int __any_sync(unsigned mask, int pred) { return __ballot_sync(mask, pred) != 0; }
inline int __all_sync(unsigned mask, int pred) { return __ballot_sync(mask, pred) == mask; }
inline int __popc(unsigned x) { return __builtin_popcount(x); }
inline int __popcll(unsigned long long x) { return __builtin_popcountll(x); }
inline int __ffs(int x) { return __builtin_ffs(x); }
inline int __clz(int x) { return x == 0 ? 32 : __builtin_clz(static_cast<unsigned>(x)); }
template <class T>
T atomicAdd(T* p, T v) {
    const T old = *p;
    *p = old + v;
    return old;
}
template <class T>
T atomicMin(T* p, T v) {
    const T old = *p;
    *p = v < old ? v : old;
    return old;
}
template <class T>
T atomicMax(T* p, T v) {
    const T old = *p;
    *p = v > old ? v : old;
    return old;
}
