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
    // If another caller is using the pool, or `wake` is false, all pieces run on this thread instead (same results).
    void run(int pieces, const std::function<void(int)>& task, bool wake = true);

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

// The one rule for when a call's pieces run on several threads: only when each piece holds at least kMinPieceWork
// units of work, the caller stating the work of one of its units in the time of a multiply-add of a vectorized
// convolution or GEMM (1), roughly: an element of a memory-bound pass (read, a few operations, write; a Philox draw,
// a normalized element, an optimizer update) takes about as long as kWorkPerMemoryElement of them. Otherwise the
// calling thread runs the same pieces itself, one after the other: the pieces (and so every result) are the same
// either way; only the wake-up is saved. A smaller piece is not worth a thread: waking one, waiting for it and moving
// the piece's data to its core cost more than the piece saves. Measured on a 2-core EPYC VM (AVX-512): a wake-up round
// trip takes 25-60 us; a convolution of ~100 us (4.7 M multiply-adds) ran slower on 2 threads than on 1, one of
// ~400 us 1.5x faster; 2^22 multiply-adds are ~100-400 us of one thread's work, and 2^22 / 16 = 262144 elements of an
// elementwise pass ~80-300 us.
constexpr uint64_t kWorkPerMemoryElement = 16;
constexpr uint64_t kMinPieceWork = uint64_t{1} << 22;

// The threshold in use: kMinPieceWork, or the environment variable RK_PARALLEL_MIN_WORK (a decimal count, read once;
// 0 wakes the threads for every split call). The native tests set 0 so that every split runs on the pool's threads;
// a machine whose threads wake faster may set it lower. Results are the same for any value.
uint64_t min_piece_work();

// Splits [0, n) into at most pool.size() contiguous ranges (boundaries multiples of `align`,
// at least `min_per_piece` elements each) and runs fn(begin, end) for each (under the canonical floating-point
// environment: the pool's threads set it, the caller's thread runs under the C API's guard). The ranges depend only
// on n, min_per_piece, align and pool.size(); `work_per_unit` (the work of one of the n units) decides, by the rule
// above, whether they run on the pool's threads or all on the calling thread.
void parallel_for(ThreadPool& pool, uint64_t n, uint64_t min_per_piece, uint64_t align, uint64_t work_per_unit,
                  const std::function<void(uint64_t, uint64_t)>& fn);

}  // namespace rk::cpu
