#include "thread_pool.h"

#include <algorithm>
#include <cstdlib>

#include "fp_env.h"

namespace rk::cpu {

ThreadPool::ThreadPool(int threads) {
    for (int i = 1; i < threads; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
}

ThreadPool::~ThreadPool() {
    {
        std::lock_guard<std::mutex> lock(m_);
        stop_ = true;
    }
    start_cv_.notify_all();
    for (auto& t : workers_) t.join();
}

void ThreadPool::worker_loop(int index) {
    // The pool's own threads compute only ReproKit's pieces: the canonical environment for their whole life (the
    // calling thread's piece runs under the C API's guard, errors.h).
    const CanonicalFpEnv canonical_fp;
    uint64_t seen = 0;
    for (;;) {
        const std::function<void(int)>* task;
        bool mine;
        {
            std::unique_lock<std::mutex> lock(m_);
            start_cv_.wait(lock, [&] { return stop_ || generation_ != seen; });
            if (stop_) return;
            seen = generation_;
            task = task_;
            mine = index < pieces_;
        }
        if (mine) (*task)(index);
        {
            std::lock_guard<std::mutex> lock(m_);
            if (--pending_ == 0) done_cv_.notify_one();
        }
    }
}

void ThreadPool::run(int pieces, const std::function<void(int)>& task, bool wake) {
    pieces = std::clamp(pieces, 1, size());
    if (pieces == 1 || !wake) {
        for (int p = 0; p < pieces; ++p) task(p);
        return;
    }
    std::unique_lock<std::mutex> busy(busy_, std::try_to_lock);
    if (!busy.owns_lock()) {
        for (int p = 0; p < pieces; ++p) task(p);
        return;
    }
    {
        std::lock_guard<std::mutex> lock(m_);
        task_ = &task;
        pieces_ = pieces;
        pending_ = static_cast<int>(workers_.size());
        ++generation_;
    }
    start_cv_.notify_all();
    task(0);
    std::unique_lock<std::mutex> lock(m_);
    done_cv_.wait(lock, [&] { return pending_ == 0; });
}

uint64_t min_piece_work() {
    // Read once: the rule must not change between the calls of a run (it cannot change results, only the threads used).
    static const uint64_t value = [] {
        const char* env = std::getenv("RK_PARALLEL_MIN_WORK");
        if (env == nullptr || *env == '\0') return kMinPieceWork;
        char* end = nullptr;
        const unsigned long long v = std::strtoull(env, &end, 10);
        return (end != nullptr && *end == '\0' && env[0] != '-') ? static_cast<uint64_t>(v) : kMinPieceWork;
    }();
    return value;
}

void parallel_for(ThreadPool& pool, uint64_t n, uint64_t min_per_piece, uint64_t align, uint64_t work_per_unit,
                  const std::function<void(uint64_t, uint64_t)>& fn) {
    min_per_piece = std::max<uint64_t>(min_per_piece, 1);
    const uint64_t by_size = std::max<uint64_t>(n / min_per_piece, 1);
    const int pieces = static_cast<int>(std::min<uint64_t>(by_size, static_cast<uint64_t>(pool.size())));
    uint64_t per = (n + pieces - 1) / pieces;
    per = (per + align - 1) / align * align;
    // The rule above, on a piece of `per` units (the last may be shorter).
    work_per_unit = std::max<uint64_t>(work_per_unit, 1);
    const uint64_t min_work = min_piece_work();
    const bool wake = per >= (min_work + work_per_unit - 1) / work_per_unit;
    pool.run(pieces, [&](int p) {
        const uint64_t begin = std::min<uint64_t>(n, per * static_cast<uint64_t>(p));
        const uint64_t end = std::min<uint64_t>(n, begin + per);
        if (begin >= end) return;
        fn(begin, end);
    }, wake);
}

}  // namespace rk::cpu
