// The SIMT emulation's own checks (simt/simt_emulation.h, simt/simt_racecheck.h), each proven on a deliberately
// broken kernel, next to the correct kernel that must pass: data races on __shared__ and device memory (within a
// barrier interval, across blocks, atomics against plain accesses, __syncwarp's ordering), warp operations whose
// mask does not match the lanes that call them, and schedules that expose order-dependent results forward and
// reverse cannot. CTest label: simt-emulation (with test_simt_kernels.cpp).
#include "simt/simt_emulation.h"

#include <gtest/gtest.h>

#include <functional>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace racecheck = rk::simt::racecheck;
using rk::simt::Emulator;
using rk::simt::Schedule;
using rk::simt::ScheduleSpec;

constexpr unsigned kFull = 0xFFFFFFFFu;

// fn() must fail with an emulation error whose message contains every part.
void expect_error(const std::function<void()>& fn, std::initializer_list<const char*> parts) {
    try {
        fn();
    } catch (const std::logic_error& e) {
        const std::string what = e.what();
        for (const char* p : parts) EXPECT_NE(what.find(p), std::string::npos) << "'" << p << "' not in: " << what;
        return;
    }
    ADD_FAILURE() << "the emulation reported nothing";
}

class SimtChecks : public ::testing::Test {
protected:
    void SetUp() override { reset(); }
    void TearDown() override { reset(); }
    static void reset() {
        Emulator::instance().set_schedule(Schedule::kForward);
        racecheck::set_enabled(true);
    }
    static void set(const ScheduleSpec& s) { Emulator::instance().set_schedule(s); }
};

#define RK_REQUIRE_RACECHECK()                                                                                    \
    if (!racecheck::available())                                                                                  \
    GTEST_SKIP() << "built without the access instrumentation (GCC builds without sanitizers have it; see "       \
                    "native/tests/CMakeLists.txt)"

// ---- Data races on __shared__ memory ---------------------------------------------------------------------------

// Broken: reads the neighbour's slot in the barrier interval in which the neighbour writes it.
__global__ void shared_neighbour_without_barrier(int* out) {
    __shared__ int s[64];
    const unsigned t = threadIdx.x;
    s[t] = static_cast<int>(t * t);
    out[t] = s[(t + 1) % 64];
}

// Correct: the same with the __syncthreads it needs.
__global__ void shared_neighbour_with_barrier(int* out) {
    __shared__ int s[64];
    const unsigned t = threadIdx.x;
    s[t] = static_cast<int>(t * t);
    __syncthreads();
    out[blockIdx.x * 64 + t] = s[(t + 1) % 64];
}

TEST_F(SimtChecks, RaceOnSharedMemoryWithoutBarrierIsReportedUnderEverySchedule) {
    RK_REQUIRE_RACECHECK();
    for (const ScheduleSpec& s : rk::simt::schedules()) {
        SCOPED_TRACE(s.name);
        set(s);
        std::vector<int> out(64);
        expect_error([&] { RK_LAUNCH(shared_neighbour_without_barrier, dim3(1), dim3(64), nullptr)(out.data()); },
                     {"data race in kernel shared_neighbour_without_barrier", "__shared__ memory", "4 bytes",
                      "same barrier interval"});
        std::vector<int> good(64);
        RK_LAUNCH(shared_neighbour_with_barrier, dim3(1), dim3(64), nullptr)(good.data());
        for (unsigned t = 0; t < 64; ++t) EXPECT_EQ(good[t], static_cast<int>(((t + 1) % 64) * ((t + 1) % 64)));
    }
}

// Broken: every thread writes the flag (the same value: no schedule can tell, but it is a write/write race).
__global__ void shared_flag_written_by_all(int* out) {
    __shared__ int flag;
    flag = 1;
    __syncthreads();
    out[blockIdx.x * blockDim.x + threadIdx.x] = flag;
}

// Correct: one thread writes it.
__global__ void shared_flag_written_by_one(int* out) {
    __shared__ int flag;
    if (threadIdx.x == 0) flag = 1;
    __syncthreads();
    out[blockIdx.x * blockDim.x + threadIdx.x] = flag;
}

TEST_F(SimtChecks, SameValueWriteWriteRaceIsReportedThoughNoScheduleSeesIt) {
    RK_REQUIRE_RACECHECK();
    // Without the access check, every schedule gives the same result: only the check finds this race.
    racecheck::set_enabled(false);
    for (const ScheduleSpec& s : rk::simt::schedules()) {
        set(s);
        std::vector<int> out(64);
        RK_LAUNCH(shared_flag_written_by_all, dim3(2), dim3(32), nullptr)(out.data());
        EXPECT_EQ(out, std::vector<int>(64, 1)) << s.name;
    }
    reset();
    std::vector<int> out(64);
    expect_error([&] { RK_LAUNCH(shared_flag_written_by_all, dim3(2), dim3(32), nullptr)(out.data()); },
                 {"data race in kernel shared_flag_written_by_all", "__shared__ memory", "writes 4 bytes",
                  "which thread (0,0,0) of block (0,0,0) writes"});
    RK_LAUNCH(shared_flag_written_by_one, dim3(2), dim3(32), nullptr)(out.data());
    EXPECT_EQ(out, std::vector<int>(64, 1));
}

// ---- Data races on device memory -------------------------------------------------------------------------------

// Broken: two threads write each output element (threads 2i and 2i + 1 both write element i).
__global__ void two_threads_per_output(int* out) { out[threadIdx.x / 2] = static_cast<int>(threadIdx.x / 2); }

// Correct: one thread per element.
__global__ void one_thread_per_output(int* out) { out[threadIdx.x] = static_cast<int>(threadIdx.x); }

// Broken: every block writes the same elements; blocks of a grid are never ordered (a __syncthreads does not help).
__global__ void blocks_write_the_same_output(int* out) {
    __syncthreads();
    out[threadIdx.x] = static_cast<int>(blockIdx.x);
}

// Broken: block 1 reads what block 0 writes.
__global__ void block_reads_another_blocks_output(int* out, int* copy) {
    if (blockIdx.x == 0) out[threadIdx.x] = 7;
    else copy[threadIdx.x] = out[threadIdx.x];
}

// Correct: __syncthreads orders device memory within a block.
__global__ void device_memory_through_barrier(int* out, int* next) {
    const unsigned t = threadIdx.x, base = blockIdx.x * blockDim.x;
    out[base + t] = static_cast<int>(base + t);
    __syncthreads();
    next[base + t] = out[base + (t + 1) % blockDim.x];
}

// Broken: the same without the barrier.
__global__ void device_memory_without_barrier(int* out, int* next) {
    const unsigned t = threadIdx.x, base = blockIdx.x * blockDim.x;
    out[base + t] = static_cast<int>(base + t);
    next[base + t] = out[base + (t + 1) % blockDim.x];
}

TEST_F(SimtChecks, TwoThreadsWritingOneOutputElementAreReported) {
    RK_REQUIRE_RACECHECK();
    std::vector<int> out(64);
    expect_error([&] { RK_LAUNCH(two_threads_per_output, dim3(1), dim3(64), nullptr)(out.data()); },
                 {"data race in kernel two_threads_per_output", "device memory", "thread (1,0,0) of block (0,0,0) writes",
                  "which thread (0,0,0) of block (0,0,0) writes"});
    RK_LAUNCH(one_thread_per_output, dim3(1), dim3(64), nullptr)(out.data());
    for (int t = 0; t < 64; ++t) EXPECT_EQ(out[t], t);
}

TEST_F(SimtChecks, BlocksTouchingTheSameDeviceMemoryAreReported) {
    RK_REQUIRE_RACECHECK();
    std::vector<int> out(32), copy(32);
    expect_error([&] { RK_LAUNCH(blocks_write_the_same_output, dim3(2), dim3(32), nullptr)(out.data()); },
                 {"data race in kernel blocks_write_the_same_output", "device memory", "of block (1,0,0) writes",
                  "of block (0,0,0) writes", "different blocks of a grid are never ordered"});
    expect_error(
        [&] { RK_LAUNCH(block_reads_another_blocks_output, dim3(2), dim3(32), nullptr)(out.data(), copy.data()); },
        {"data race in kernel block_reads_another_blocks_output", "of block (1,0,0) reads", "of block (0,0,0) writes"});
}

TEST_F(SimtChecks, BarrierOrdersDeviceMemoryWithinABlock) {
    RK_REQUIRE_RACECHECK();
    std::vector<int> out(128), next(128);
    RK_LAUNCH(device_memory_through_barrier, dim3(2), dim3(64), nullptr)(out.data(), next.data());
    for (int i = 0; i < 128; ++i) EXPECT_EQ(next[i], (i / 64) * 64 + (i % 64 + 1) % 64);
    expect_error(
        [&] { RK_LAUNCH(device_memory_without_barrier, dim3(2), dim3(64), nullptr)(out.data(), next.data()); },
        {"data race in kernel device_memory_without_barrier", "device memory", "same barrier interval"});
}

// ---- Atomics ---------------------------------------------------------------------------------------------------

// Correct: atomics into a shared histogram between two barriers.
__global__ void shared_histogram(int* out) {
    __shared__ unsigned hist[8];
    const unsigned t = threadIdx.x;
    if (t < 8) hist[t] = 0;
    __syncthreads();
    atomicAdd(&hist[t % 8], 1u);
    __syncthreads();
    out[blockIdx.x * blockDim.x + t] = static_cast<int>(hist[t % 8]);
}

// Broken: reads the histogram in the interval in which other threads still add to it.
__global__ void shared_histogram_read_too_early(int* out) {
    __shared__ unsigned hist[8];
    const unsigned t = threadIdx.x;
    if (t < 8) hist[t] = 0;
    __syncthreads();
    atomicAdd(&hist[t % 8], 1u);
    out[t] = static_cast<int>(hist[(t + 1) % 8]);
}

// Broken: a plain write into memory other threads update atomically in the same interval.
__global__ void plain_write_among_atomics(int* out) {
    __shared__ unsigned total;
    if (threadIdx.x == 0) total = 0;
    __syncthreads();
    atomicAdd(&total, 1u);
    if (threadIdx.x == 5) total = 100;
    __syncthreads();
    out[threadIdx.x] = static_cast<int>(total);
}

TEST_F(SimtChecks, AtomicsRaceOnlyWithPlainAccesses) {
    RK_REQUIRE_RACECHECK();
    std::vector<int> out(128);
    RK_LAUNCH(shared_histogram, dim3(2), dim3(64), nullptr)(out.data());
    EXPECT_EQ(out, std::vector<int>(128, 8));
    expect_error([&] { RK_LAUNCH(shared_histogram_read_too_early, dim3(1), dim3(64), nullptr)(out.data()); },
                 {"data race in kernel shared_histogram_read_too_early", "__shared__ memory", "atomically",
                  "reads"});
    expect_error([&] { RK_LAUNCH(plain_write_among_atomics, dim3(1), dim3(64), nullptr)(out.data()); },
                 {"data race in kernel plain_write_among_atomics", "thread (5,0,0) of block (0,0,0) writes"});
}

// ---- __syncwarp orders memory within its warp (only) -----------------------------------------------------------

__global__ void exchange_through_syncwarp(int* out) {
    __shared__ int s[64];
    const unsigned t = threadIdx.x;
    s[t] = static_cast<int>(t);
    __syncwarp();
    out[t] = s[t ^ 1u];  // a lane of the same warp: ordered by the __syncwarp
}

__global__ void exchange_across_warps_through_syncwarp(int* out) {
    __shared__ int s[64];
    const unsigned t = threadIdx.x;
    s[t] = static_cast<int>(t);
    __syncwarp();
    out[t] = s[(t + 32) % 64];  // a lane of the other warp: __syncwarp does not order it
}

TEST_F(SimtChecks, SyncwarpOrdersSharedMemoryWithinTheWarpOnly) {
    RK_REQUIRE_RACECHECK();
    std::vector<int> out(64);
    RK_LAUNCH(exchange_through_syncwarp, dim3(1), dim3(64), nullptr)(out.data());
    for (int t = 0; t < 64; ++t) EXPECT_EQ(out[t], t ^ 1);
    expect_error([&] { RK_LAUNCH(exchange_across_warps_through_syncwarp, dim3(1), dim3(64), nullptr)(out.data()); },
                 {"data race in kernel exchange_across_warps_through_syncwarp", "__shared__ memory"});
}

// The check's record of __shared__ memory starts over with every block (each block has its own copy on a GPU).
TEST_F(SimtChecks, SharedMemoryOfConsecutiveBlocksDoesNotRace) {
    RK_REQUIRE_RACECHECK();
    std::vector<int> out(64 * 8);
    for (const ScheduleSpec& s : rk::simt::schedules()) {
        set(s);
        RK_LAUNCH(shared_neighbour_with_barrier, dim3(8), dim3(64), nullptr)(out.data());
    }
    const uint64_t before = racecheck::accesses_checked();
    RK_LAUNCH(shared_neighbour_with_barrier, dim3(1), dim3(64), nullptr)(out.data());
    EXPECT_GE(racecheck::accesses_checked() - before, 64u * 3) << "a write and two reads per thread at least";
}

// ---- Warp operations and their masks ---------------------------------------------------------------------------

// Broken: half the warp has left when the other half shuffles with the full mask.
__global__ void shuffle_full_mask_after_half_exited(int* out) {
    const int lane = static_cast<int>(threadIdx.x % 32);
    if (lane >= 16) return;
    out[threadIdx.x] = __shfl_sync(kFull, lane, 0);
}

// Correct: the mask names the lanes that call.
__global__ void shuffle_mask_of_the_calling_half(int* out) {
    const int lane = static_cast<int>(threadIdx.x % 32);
    if (lane >= 16) return;
    out[threadIdx.x] = __shfl_sync(0x0000FFFFu, lane * 10, 3);
}

// Broken: the mask leaves out lanes that call it.
__global__ void shuffle_mask_without_the_caller(int* out) {
    out[threadIdx.x] = __shfl_sync(0x0000FFFFu, static_cast<int>(threadIdx.x), 0);
}

// Broken: the two halves call with overlapping, different masks.
__global__ void shuffle_masks_disagree(int* out) {
    const int lane = static_cast<int>(threadIdx.x % 32);
    const unsigned mask = lane < 16 ? 0x0000FFFFu : kFull;
    out[threadIdx.x] = __shfl_sync(mask, lane, 0);
}

// Correct: two disjoint groups shuffle at the same time, each with its own mask (a divergent warp).
__global__ void shuffle_in_two_disjoint_groups(int* out) {
    const int lane = static_cast<int>(threadIdx.x % 32);
    const unsigned mask = lane < 16 ? 0x0000FFFFu : 0xFFFF0000u;
    out[threadIdx.x] = __shfl_sync(mask, lane, lane < 16 ? 0 : 16);
}

// Broken: lanes meet in different operations.
__global__ void ballot_meets_shuffle(int* out) {
    const int lane = static_cast<int>(threadIdx.x % 32);
    if (lane % 2 == 0) out[threadIdx.x] = static_cast<int>(__ballot_sync(kFull, 1));
    else out[threadIdx.x] = __shfl_sync(kFull, lane, 0);
}

// Broken: lanes 8..15 read lanes 16..23, which are not in the mask (undefined on a GPU).
__global__ void shuffle_reads_outside_the_mask(int* out) {
    const int lane = static_cast<int>(threadIdx.x % 32);
    if (lane >= 16) return;
    out[threadIdx.x] = __shfl_down_sync(0x0000FFFFu, lane, 8);
}

// Broken: the block's second warp has 16 threads, and the full mask names 16 that do not exist.
__global__ void full_mask_in_a_partial_warp(int* out) {
    out[threadIdx.x] = static_cast<int>(__ballot_sync(kFull, threadIdx.x % 2));
}

// Broken: lane 0 goes to __syncthreads while the others wait for it in __syncwarp.
__global__ void syncwarp_while_a_lane_waits_at_syncthreads(int* out) {
    if (threadIdx.x % 32 == 0) __syncthreads();
    else __syncwarp();
    out[threadIdx.x] = 1;
}

TEST_F(SimtChecks, WarpOperationMasksMustMatchTheCallingLanes) {
    for (const ScheduleSpec& s : rk::simt::schedules()) {
        SCOPED_TRACE(s.name);
        set(s);
        std::vector<int> out(64, -1);
        expect_error([&] { RK_LAUNCH(shuffle_full_mask_after_half_exited, dim3(1), dim3(64), nullptr)(out.data()); },
                     {"__shfl_sync with mask 0xFFFFFFFF", "has exited without calling it",
                      "kernel shuffle_full_mask_after_half_exited"});
        expect_error([&] { RK_LAUNCH(shuffle_mask_without_the_caller, dim3(1), dim3(32), nullptr)(out.data()); },
                     {"the mask 0x0000FFFF does not include the calling lane"});
        expect_error([&] { RK_LAUNCH(shuffle_masks_disagree, dim3(1), dim3(32), nullptr)(out.data()); },
                     {"disagree on a warp operation's mask"});
        expect_error([&] { RK_LAUNCH(ballot_meets_shuffle, dim3(1), dim3(32), nullptr)(out.data()); },
                     {"meet in different warp operations"});
        expect_error([&] { RK_LAUNCH(shuffle_reads_outside_the_mask, dim3(1), dim3(32), nullptr)(out.data()); },
                     {"__shfl_down_sync in lane", "which is not in the mask 0x0000FFFF"});
        expect_error([&] { RK_LAUNCH(full_mask_in_a_partial_warp, dim3(1), dim3(48), nullptr)(out.data()); },
                     {"__ballot_sync with mask 0xFFFFFFFF in warp 1", "does not exist (the block has 48 threads)"});
        expect_error(
            [&] { RK_LAUNCH(syncwarp_while_a_lane_waits_at_syncthreads, dim3(1), dim3(64), nullptr)(out.data()); },
            {"__syncwarp with mask 0xFFFFFFFF", "waits at __syncthreads instead"});

        out.assign(64, -1);
        RK_LAUNCH(shuffle_mask_of_the_calling_half, dim3(1), dim3(64), nullptr)(out.data());
        for (int t = 0; t < 64; ++t) EXPECT_EQ(out[t], t % 32 < 16 ? 30 : -1) << "thread " << t;
        RK_LAUNCH(shuffle_in_two_disjoint_groups, dim3(1), dim3(64), nullptr)(out.data());
        for (int t = 0; t < 64; ++t) EXPECT_EQ(out[t], t % 32 < 16 ? 0 : 16) << "thread " << t;
    }
}

// ---- Schedules -------------------------------------------------------------------------------------------------

// Broken (no data race: only atomics): the first and the last thread to take a ticket add their index, so the
// result depends on the order in which threads run. Forward and reverse give the same sum (0 + 63 and 63 + 0).
__global__ void first_and_last_ticket(unsigned* counter, unsigned* result) {
    const unsigned ticket = atomicAdd(counter, 1u);
    if (ticket == 0 || ticket == blockDim.x - 1) atomicAdd(result, threadIdx.x);
}

// Broken: the block that comes first wins; blocks run in any order on a GPU.
__global__ void first_block_wins(unsigned* counter, unsigned* winner) {
    if (atomicAdd(counter, 1u) == 0) *winner = blockIdx.x;
}

TEST_F(SimtChecks, RandomSchedulesExposeOrderDependenceForwardAndReverseMiss) {
    auto ticket_sum = [](const ScheduleSpec& s) {
        Emulator::instance().set_schedule(s);
        unsigned counter = 0, result = 0;
        RK_LAUNCH(first_and_last_ticket, dim3(1), dim3(64), nullptr)(&counter, &result);
        EXPECT_EQ(counter, 64u);
        return result;
    };
    const auto& all = rk::simt::schedules();
    ASSERT_GE(all.size(), 5u);
    EXPECT_EQ(ticket_sum(all[0]), 63u) << "forward";
    EXPECT_EQ(ticket_sum(all[1]), 63u) << "reverse";
    int differ = 0;
    for (size_t i = 2; i < all.size(); ++i) {
        ASSERT_EQ(all[i].kind, Schedule::kRandom);
        const unsigned r = ticket_sum(all[i]);
        EXPECT_EQ(r, ticket_sum(all[i])) << all[i].name << " is not reproducible";
        differ += r != 63u ? 1 : 0;
    }
    EXPECT_GE(differ, 2) << "the random schedules must expose the order dependence";

    std::vector<unsigned> winners;
    for (const ScheduleSpec& s : all) {
        set(s);
        unsigned counter = 0, winner = ~0u;
        RK_LAUNCH(first_block_wins, dim3(16), dim3(1), nullptr)(&counter, &winner);
        winners.push_back(winner);
    }
    EXPECT_EQ(winners[0], 0u);
    EXPECT_EQ(winners[1], 15u);
    EXPECT_TRUE(winners[2] != winners[0] || winners[3] != winners[0] || winners[4] != winners[0])
        << "random schedules run the blocks in other orders";
}

}  // namespace
