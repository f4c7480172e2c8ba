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
// Checks (each an std::logic_error from the launch, naming the kernel, the block and the threads):
//   - data races (simt_racecheck.h): two threads touching the same byte of __shared__ or device memory with no
//     __syncthreads (same block) or no ordering at all (different blocks) between them, one of them writing;
//   - warp operations: the mask must include the caller and name only lanes that exist and have not exited;
//     the lanes that meet in one warp operation must all pass the same mask and call the same kind of operation,
//     and every lane the mask names must arrive (not exit, not wait at __syncthreads instead); a shuffle must
//     not read a lane outside the mask (its value is undefined on a GPU);
//   - barriers: a __syncthreads part of the block never reaches, and deadlocks, as before.
// Schedules (set_schedule): forward, reverse, or random with a seed. They decide the order in which the blocks of
// a grid run and, at every sweep of the scheduler, the order in which the fibers of a block are resumed. A
// kernel whose result depends on that order (a race the access check cannot see, e.g. the order of atomics)
// gives different bits under different schedules; schedules() lists the ones the tests use.
//
// Methods borrowed in spirit from HIP-CPU and ILGPU's CPU accelerator (fibers/threads per GPU thread with
// barrier emulation); the code is ReproKit's own.
#pragma once

#define RK_SIMT_EMULATION 1

#include <ucontext.h>

#include "simt_racecheck.h"

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

#include <algorithm>
#include <cstdint>
#include <cstdio>
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

enum class Schedule { kForward, kReverse, kRandom };

struct ScheduleSpec {
    Schedule kind;
    uint64_t seed;  // kRandom only
    const char* name;
};

// The schedules the tests run kernels under: forward, reverse and three fixed random seeds.
inline const std::vector<ScheduleSpec>& schedules() {
    static const std::vector<ScheduleSpec> all = {{Schedule::kForward, 0, "forward"},
                                                  {Schedule::kReverse, 0, "reverse"},
                                                  {Schedule::kRandom, 0x5EED0001u, "random-1"},
                                                  {Schedule::kRandom, 0x5EED0002u, "random-2"},
                                                  {Schedule::kRandom, 0x5EED0003u, "random-3"}};
    return all;
}

// The warp operations, for matching the lanes that meet in one.
enum class WarpOp { kShuffle, kVote, kSyncwarp };
inline const char* warp_op_name(WarpOp op) {
    return op == WarpOp::kShuffle ? "a shuffle (__shfl*_sync)"
           : op == WarpOp::kVote  ? "a vote (__ballot_sync/__any_sync/__all_sync)"
                                  : "__syncwarp";
}

class Emulator {
public:
    static Emulator& instance() {
        static Emulator e;
        return e;
    }

    void set_schedule(Schedule s, uint64_t seed = 0) {
        schedule_ = s;
        seed_ = seed;
    }
    void set_schedule(const ScheduleSpec& s) { set_schedule(s.kind, s.seed); }
    uint64_t launches() const { return launches_; }
    uint64_t barriers() const { return barriers_; }

    // Runs body() as every thread of every block of the grid; `kernel` names it in error messages.
    void launch(dim3 grid, dim3 block, const std::function<void()>& body, const char* kernel = "(unnamed)") {
        const uint64_t threads = static_cast<uint64_t>(block.x) * block.y * block.z;
        if (threads == 0 || threads > 1024 || grid.x == 0 || grid.y == 0 || grid.z == 0)
            throw std::invalid_argument("simt: invalid launch shape");
        ++launches_;
        grid_ = grid;
        block_dim_ = block;
        body_ = &body;
        kernel_ = kernel;
        fibers_.resize(threads);
        for (auto& f : fibers_)
            if (!f.stack) f.stack.reset(new char[kStackBytes]);
        warp_slots_.assign(((threads + kWarpSize - 1) / kWarpSize) * kWarpSize, 0);
        warps_.assign((threads + kWarpSize - 1) / kWarpSize, Warp{});
        order_.resize(threads);
        // The access check skips the emulator's own state (read by threadIdx and friends).
        racecheck::begin_launch(kernel, block.x, block.y, grid.x, grid.y);
        racecheck::ignore_range(this, sizeof *this);
        racecheck::ignore_range(fibers_.data(), fibers_.size() * sizeof(Fiber));
        // Block order: forward, reverse, or a seeded permutation.
        const uint64_t blocks = static_cast<uint64_t>(grid.x) * grid.y * grid.z;
        std::vector<uint64_t> block_order(blocks);
        for (uint64_t i = 0; i < blocks; ++i) block_order[i] = schedule_ == Schedule::kReverse ? blocks - 1 - i : i;
        if (schedule_ == Schedule::kRandom) {
            uint64_t rng = seed_ ^ 0xB10C5EEDull;
            shuffle(block_order.data(), blocks, rng);
        }
        for (uint64_t b : block_order)
            run_block(uint3{static_cast<unsigned>(b % grid.x), static_cast<unsigned>((b / grid.x) % grid.y),
                            static_cast<unsigned>(b / (static_cast<uint64_t>(grid.x) * grid.y))},
                      static_cast<uint32_t>(b));
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
        ++progress_;
        if (++block_arrived_ == live_) release_block();
        while (block_generation_ == gen) yield();
        me.waiting_block = false;
    }

    // Warp exchange: every lane in `mask` publishes `value`, then reads lane `src_of(lane)`'s value.
    template <class T, class SrcOf>
    T exchange(unsigned mask, T value, SrcOf src_of, const char* name) {
        static_assert(sizeof(T) <= 8, "simt: warp exchange of values up to 8 bytes");
        const unsigned lane = linear_tid() % kWarpSize, warp = linear_tid() / kWarpSize;
        const unsigned src = src_of(lane);
        if (src < kWarpSize && src != lane && ((mask >> src) & 1u) == 0)
            fail(std::string(name) + " in lane " + std::to_string(lane) + " reads lane " + std::to_string(src) +
                 ", which is not in the mask " + hex(mask) + " (its value is undefined on a GPU)");
        uint64_t bits = 0;
        std::memcpy(&bits, &value, sizeof(T));
        warp_slots_[warp * kWarpSize + lane] = bits;
        warp_barrier(mask, WarpOp::kShuffle, name);
        T out = value;
        if (src < kWarpSize) std::memcpy(&out, &warp_slots_[warp * kWarpSize + src], sizeof(T));
        warp_barrier(mask, WarpOp::kShuffle, name);
        return out;
    }
    unsigned ballot(unsigned mask, bool pred, const char* name) {
        const unsigned lane = linear_tid() % kWarpSize, warp = linear_tid() / kWarpSize;
        warp_slots_[warp * kWarpSize + lane] = pred ? 1 : 0;
        warp_barrier(mask, WarpOp::kVote, name);
        unsigned bits = 0;
        for (unsigned l = 0; l < kWarpSize; ++l)
            if (((mask >> l) & 1u) && warp_slots_[warp * kWarpSize + l]) bits |= 1u << l;
        warp_barrier(mask, WarpOp::kVote, name);
        return bits;
    }
    void syncwarp(unsigned mask) { warp_barrier(mask, WarpOp::kSyncwarp, "__syncwarp"); }

private:
    static constexpr size_t kStackBytes = 256 * 1024;

    struct Fiber {
        ucontext_t ctx{};
        std::unique_ptr<char[]> stack;
        uint3 tid{};
        bool done = false;
        bool waiting_block = false;
        bool in_builtin = false;  // the access check is paused (racecheck::pause) while it runs a built-in
    };
    // Lanes of one warp meeting in one warp operation.
    struct WarpGroup {
        uint64_t serial;
        unsigned mask, arrived;
        WarpOp op;
        const char* name;
    };
    struct Warp {
        std::vector<WarpGroup> pending;
        uint64_t sync_epoch = 0;  // advances at every __syncwarp of the whole warp (orders memory for the check)
    };

    unsigned linear_tid() const {
        const uint3& t = fibers_[current_].tid;
        return (t.z * block_dim_.y + t.y) * block_dim_.x + t.x;
    }

    static std::string hex(unsigned v) {
        char b[16];
        std::snprintf(b, sizeof b, "0x%08X", v);
        return b;
    }

    // Lanes of `mask` (in the caller's warp) that exist and have not exited.
    unsigned live_lanes(unsigned warp) const {
        unsigned m = 0;
        for (unsigned l = 0; l < kWarpSize; ++l) {
            const size_t t = static_cast<size_t>(warp) * kWarpSize + l;
            if (t < fibers_.size() && !fibers_[t].done) m |= 1u << l;
        }
        return m;
    }

    // Every lane the mask names and that has not arrived yet must still be able to: exist, not have exited, not
    // wait at __syncthreads.
    void check_lanes(unsigned mask, unsigned arrived, unsigned warp, const char* name) const {
        for (unsigned l = 0; l < kWarpSize; ++l) {
            if (((mask >> l) & 1u) == 0 || ((arrived >> l) & 1u)) continue;
            const size_t t = static_cast<size_t>(warp) * kWarpSize + l;
            if (t >= fibers_.size())
                fail(lane_error(name, mask, warp, l) + " does not exist (the block has " + std::to_string(fibers_.size()) +
                     " threads)");
            if (fibers_[t].done)
                fail(lane_error(name, mask, warp, l) + " has exited without calling it (the mask must name the active lanes)");
            if (fibers_[t].waiting_block) fail(lane_error(name, mask, warp, l) + " waits at __syncthreads instead");
        }
    }
    static std::string lane_error(const char* name, unsigned mask, unsigned warp, unsigned lane) {
        return std::string(name) + " with mask " + hex(mask) + " in warp " + std::to_string(warp) + ": lane " +
               std::to_string(lane);
    }

    const WarpGroup* find_group(const Warp& w, uint64_t serial) const {
        for (const WarpGroup& g : w.pending)
            if (g.serial == serial) return &g;
        return nullptr;
    }

    // The lanes of `mask` meet: each arrives, then waits until all have.
    void warp_barrier(unsigned mask, WarpOp op, const char* name) {
        const unsigned lane = linear_tid() % kWarpSize, warp = linear_tid() / kWarpSize;
        if (((mask >> lane) & 1u) == 0)
            fail(std::string(name) + " in lane " + std::to_string(lane) + " of warp " + std::to_string(warp) +
                 ": the mask " + hex(mask) + " does not include the calling lane");
        check_lanes(mask, 1u << lane, warp, name);
        Warp& w = warps_[warp];
        WarpGroup* g = nullptr;
        for (WarpGroup& p : w.pending) {
            if ((p.mask & mask) == 0) continue;
            const unsigned other = static_cast<unsigned>(__builtin_ctz(p.arrived));
            if (p.mask != mask)
                fail("lanes of warp " + std::to_string(warp) + " disagree on a warp operation's mask: lane " +
                     std::to_string(lane) + " calls " + name + " with " + hex(mask) + " while lane " +
                     std::to_string(other) + " waits in " + p.name + " with " + hex(p.mask));
            if (p.op != op)
                fail("lanes of warp " + std::to_string(warp) + " meet in different warp operations: lane " +
                     std::to_string(lane) + " calls " + warp_op_name(op) + " while lane " + std::to_string(other) +
                     " waits in " + warp_op_name(p.op) + " (mask " + hex(mask) + ")");
            g = &p;
        }
        if (!g) {
            w.pending.push_back(WarpGroup{++group_serial_, mask, 0, op, name});
            g = &w.pending.back();
        }
        g->arrived |= 1u << lane;
        ++progress_;
        const uint64_t serial = g->serial;
        if (g->arrived == mask) {
            w.pending.erase(w.pending.begin() + (g - w.pending.data()));
            if (op == WarpOp::kSyncwarp && (mask & live_lanes(warp)) == live_lanes(warp)) w.sync_epoch = ++sync_serial_;
            return;
        }
        for (;;) {
            yield();
            const WarpGroup* p = find_group(warps_[warp], serial);
            if (!p) break;
            check_lanes(mask, p->arrived, warp, name);
        }
    }

    void release_block() {
        block_arrived_ = 0;
        ++block_generation_;
        ++progress_;
        for (Fiber& f : fibers_) f.waiting_block = false;  // all released, though not yet resumed
    }

    [[noreturn]] void fail(const std::string& what) const {
        throw std::logic_error("simt emulation: " + what + " (kernel " + kernel_ + ", block " +
                               std::to_string(block_idx_.x) + "," + std::to_string(block_idx_.y) + "," +
                               std::to_string(block_idx_.z) + ")");
    }

    // splitmix64
    static uint64_t next_random(uint64_t& state) {
        uint64_t z = (state += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    template <class T>
    static void shuffle(T* v, uint64_t n, uint64_t& state) {
        for (uint64_t i = n; i > 1; --i) std::swap(v[i - 1], v[next_random(state) % i]);
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
            racecheck::pause();
            if (!e.error_) e.error_ = std::current_exception();
        }
        racecheck::pause();
        e.fibers_[e.current_].done = true;
        // Leaving (uc_link) returns to the scheduler; this fiber's stack is dead from here on.
#if defined(RK_SIMT_ASAN)
        __sanitizer_start_switch_fiber(nullptr, e.scheduler_stack_, e.scheduler_stack_size_);
#endif
    }

    void run_block(uint3 b, uint32_t linear) {
        block_idx_ = b;
        live_ = static_cast<unsigned>(fibers_.size());
        block_arrived_ = 0;
        for (auto& w : warps_) w = Warp{};
        racecheck::begin_block(linear);
        for (size_t i = 0; i < fibers_.size(); ++i) {
            Fiber& f = fibers_[i];
            f.done = false;
            f.waiting_block = false;
            f.in_builtin = false;
            f.tid = uint3{static_cast<unsigned>(i % block_dim_.x),
                          static_cast<unsigned>((i / block_dim_.x) % block_dim_.y),
                          static_cast<unsigned>(i / (static_cast<size_t>(block_dim_.x) * block_dim_.y))};
            getcontext(&f.ctx);
            f.ctx.uc_stack.ss_sp = f.stack.get();
            f.ctx.uc_stack.ss_size = kStackBytes;
            f.ctx.uc_link = &scheduler_;
            makecontext(&f.ctx, &Emulator::entry, 0);
        }
        const size_t n = fibers_.size();
        for (size_t k = 0; k < n; ++k) order_[k] = schedule_ == Schedule::kReverse ? n - 1 - k : k;
        uint64_t rng = seed_ ^ (0x9E3779B97F4A7C15ull * (linear + 1));
        size_t remaining = n;
        while (remaining > 0) {
            const uint64_t before = progress_;
            if (schedule_ == Schedule::kRandom) shuffle(order_.data(), n, rng);
            bool any_ran = false;
            for (size_t k = 0; k < n; ++k) {
                const size_t i = order_[k];
                Fiber& f = fibers_[i];
                if (f.done) continue;
                current_ = i;
                const unsigned warp = static_cast<unsigned>(i / kWarpSize);
                racecheck::resume(static_cast<uint32_t>(i), &block_generation_, &warps_[warp].sync_epoch,
                                  f.stack.get(), kStackBytes, f.in_builtin);
#if defined(RK_SIMT_ASAN)
                void* fake = nullptr;
                __sanitizer_start_switch_fiber(&fake, f.stack.get(), kStackBytes);
                swapcontext(&scheduler_, &f.ctx);
                __sanitizer_finish_switch_fiber(fake, nullptr, nullptr);
#else
                swapcontext(&scheduler_, &f.ctx);
#endif
                f.in_builtin = racecheck::suspend();
                any_ran = true;
                if (error_) {
                    std::exception_ptr e = error_;
                    error_ = nullptr;
                    std::rethrow_exception(e);
                }
                const std::string race = racecheck::take_report();
                if (!race.empty()) throw std::logic_error("simt emulation: " + race);
                if (f.done) {
                    --remaining;
                    --live_;
                    ++progress_;
                    if (block_arrived_ > 0) fail("a thread exited while others wait at __syncthreads");
                }
            }
            if (!any_ran) break;
            // A sweep in which no fiber arrived anywhere, no barrier opened and no fiber finished can never make
            // progress: every live fiber waits at a barrier that some other thread will never reach.
            if (remaining > 0 && progress_ == before)
                fail("deadlock: threads wait at a __syncthreads or warp operation that others never reach");
        }
    }

    Schedule schedule_ = Schedule::kForward;
    uint64_t seed_ = 0;
    dim3 grid_{}, block_dim_{};
    uint3 block_idx_{};
    const std::function<void()>* body_ = nullptr;
    const char* kernel_ = "(unnamed)";
    std::vector<Fiber> fibers_;
    std::vector<size_t> order_;
    std::vector<uint64_t> warp_slots_;
    std::vector<Warp> warps_;
    ucontext_t scheduler_{};
    const void* scheduler_stack_ = nullptr;  // AddressSanitizer's view of the scheduler's stack
    size_t scheduler_stack_size_ = 0;
    size_t current_ = 0;
    unsigned live_ = 0, block_arrived_ = 0;
    uint64_t block_generation_ = 0, progress_ = 0, group_serial_ = 0, sync_serial_ = 0;
    std::exception_ptr error_;
    uint64_t launches_ = 0, barriers_ = 0;
};

// The built-ins pause the access check while they run (their own bookkeeping is not the kernel's memory).
struct Builtin {
    Builtin() { racecheck::pause(); }
    ~Builtin() { racecheck::unpause(); }
    Builtin(const Builtin&) = delete;
    Builtin& operator=(const Builtin&) = delete;
};

// RK_LAUNCH(kernel, grid, block, stream)(args...)
template <class Kernel>
struct Launcher {
    Kernel* kernel;
    dim3 grid, block;
    const char* name;
    template <class... Args>
    void operator()(Args&&... args) const {
        Emulator::instance().launch(grid, block, [&] { kernel(args...); }, name);
    }
};

}  // namespace rk::simt

#define threadIdx (::rk::simt::Emulator::instance().thread_idx())
#define blockIdx (::rk::simt::Emulator::instance().block_idx())
#define blockDim (::rk::simt::Emulator::instance().block_dim())
#define gridDim (::rk::simt::Emulator::instance().grid_dim())
#define RK_LAUNCH(kernel, grid, block, stream) \
    (void)(stream), ::rk::simt::Launcher<decltype(kernel)>{kernel, dim3(grid), dim3(block), #kernel}

// Each built-in pauses the access check first (::rk::simt::Builtin), before it touches the emulator.
inline void __syncthreads() {
    const ::rk::simt::Builtin b;
    ::rk::simt::Emulator::instance().syncthreads();
}
inline void __syncwarp(unsigned mask = 0xFFFFFFFFu) {
    const ::rk::simt::Builtin b;
    ::rk::simt::Emulator::instance().syncwarp(mask);
}
inline void __threadfence_block() {}
template <class T>
T __shfl_sync(unsigned mask, T v, int src) {
    const ::rk::simt::Builtin b;
    return ::rk::simt::Emulator::instance().exchange(
        mask, v, [&](unsigned) { return static_cast<unsigned>(src) % 32u; }, "__shfl_sync");
}
template <class T>
T __shfl_xor_sync(unsigned mask, T v, int lane_mask) {
    const ::rk::simt::Builtin b;
    return ::rk::simt::Emulator::instance().exchange(
        mask, v, [&](unsigned lane) { return lane ^ static_cast<unsigned>(lane_mask); }, "__shfl_xor_sync");
}
template <class T>
T __shfl_down_sync(unsigned mask, T v, unsigned delta) {
    const ::rk::simt::Builtin b;
    return ::rk::simt::Emulator::instance().exchange(
        mask, v, [&](unsigned lane) { return lane + delta; }, "__shfl_down_sync");
}
template <class T>
T __shfl_up_sync(unsigned mask, T v, unsigned delta) {
    const ::rk::simt::Builtin b;
    return ::rk::simt::Emulator::instance().exchange(
        mask, v, [&](unsigned lane) { return lane >= delta ? lane - delta : lane; }, "__shfl_up_sync");
}
inline unsigned __ballot_sync(unsigned mask, int pred) {
    const ::rk::simt::Builtin b;
    return ::rk::simt::Emulator::instance().ballot(mask, pred != 0, "__ballot_sync");
}
inline int __any_sync(unsigned mask, int pred) {
    const ::rk::simt::Builtin b;
    return ::rk::simt::Emulator::instance().ballot(mask, pred != 0, "__any_sync") != 0;
}
inline int __all_sync(unsigned mask, int pred) {
    const ::rk::simt::Builtin b;
    return ::rk::simt::Emulator::instance().ballot(mask, pred != 0, "__all_sync") == mask;
}
inline int __popc(unsigned x) { return __builtin_popcount(x); }
inline int __popcll(unsigned long long x) { return __builtin_popcountll(x); }
inline int __ffs(int x) { return __builtin_ffs(x); }
inline int __clz(int x) { return x == 0 ? 32 : __builtin_clz(static_cast<unsigned>(x)); }
// Atomics: reported to the access check as atomic (they race only with plain accesses), then done plainly.
template <class T>
T atomicAdd(T* p, T v) {
    ::rk::simt::racecheck::atomic_access(p, sizeof(T));
    const ::rk::simt::Builtin b;
    const T old = *p;
    *p = old + v;
    return old;
}
template <class T>
T atomicMin(T* p, T v) {
    ::rk::simt::racecheck::atomic_access(p, sizeof(T));
    const ::rk::simt::Builtin b;
    const T old = *p;
    *p = v < old ? v : old;
    return old;
}
template <class T>
T atomicMax(T* p, T v) {
    ::rk::simt::racecheck::atomic_access(p, sizeof(T));
    const ::rk::simt::Builtin b;
    const T old = *p;
    *p = v > old ? v : old;
    return old;
}
