// A small persistent pool owned by a CPU context. Work is split into independent output ranges
// only (never a reduction), so results do not depend on the number of threads.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace rk::cpu {

class ThreadPool {
public:
    explicit ThreadPool(int threads);
    ~ThreadPool();
    ThreadPool(const ThreadPool&) = delete;
    ThreadPool& operator=(const ThreadPool&) = delete;

    int size() const { return static_cast<int>(workers_.size()) + 1; }

    // Runs task(0) .. task(pieces - 1) (pieces <= size()), piece 0 on the calling thread, and waits.
    // If another caller is using the pool, all pieces run on this thread instead (same results).
    void run(int pieces, const std::function<void(int)>& task);

private:
    void worker_loop(int index);

    std::vector<std::thread> workers_;
    std::mutex busy_;  // one run() at a time
    std::mutex m_;
    std::condition_variable start_cv_, done_cv_;
    const std::function<void(int)>* task_ = nullptr;
    int pieces_ = 0;
    uint64_t generation_ = 0;
    int pending_ = 0;
    bool stop_ = false;
};

// Splits [0, n) into at most pool.size() contiguous ranges (boundaries multiples of `align`,
// at least `min_per_piece` elements each) and runs fn(begin, end) for each (under the canonical floating-point
// environment: the pool's threads set it, the caller's thread runs under the C API's guard).
void parallel_for(ThreadPool& pool, uint64_t n, uint64_t min_per_piece, uint64_t align,
                  const std::function<void(uint64_t, uint64_t)>& fn);

}  // namespace rk::cpu
