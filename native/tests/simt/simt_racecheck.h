// The SIMT emulation's data-race check (simt_racecheck.cpp): every load and store the kernel code makes is
// reported to it by the compiler's instrumentation, and it keeps, per byte of memory, who wrote and who read it
// and when, in the ordering a GPU guarantees:
//   - two accesses are ordered if they are made by the same thread, or by threads of one block with a
//     __syncthreads between them, or by lanes of one warp with a __syncwarp of the whole warp between them;
//   - nothing else is ordered: not two threads of a block in the same barrier interval, not two blocks of a grid
//     (they run at the same time on a GPU; the emulation runs them one after another);
//   - two unordered accesses to the same byte by different threads are a race if one of them is a plain write
//     (write/write or write/read); atomics race only with plain accesses.
// __shared__ memory is per block (its record starts empty with every block), device memory is per launch.
//
// How accesses are seen: the translation units that include the kernels are compiled with GCC's ThreadSanitizer
// instrumentation only (-fsanitize=thread at compile time, -U__SANITIZE_THREAD__, no function entry/exit hooks; no
// TSan runtime is linked), which calls __tsan_{read,write}{1,2,4,8,16}(address) and friends before every memory
// access that was not optimised into a register; simt_racecheck.cpp defines those callbacks (hidden, so they never
// clash with a real runtime). The emulator says which fiber runs (resume/suspend), pauses the check inside its own
// built-ins, and reports atomics itself. Accesses to the running fiber's own stack (a thread's locals) and to the
// emulator's state are private and skipped. Without the instrumentation (other compilers, sanitizer builds), the
// callbacks are never called and available() is false: the emulation's other checks and the schedules still run.
//
// The check's own translation unit is compiled without instrumentation.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace rk::simt::racecheck {

// Whether this build instruments the kernel code (RK_SIMT_RACECHECK), so that races are reported.
bool available();
// Switches the check on or off (on by default where available); tests switch it off to show what only the
// schedules catch.
void set_enabled(bool on);
bool enabled();

// One launch: the kernel's name, the block shape, and memory to skip (the emulator's state).
void begin_launch(const char* kernel, unsigned block_x, unsigned block_y, unsigned grid_x, unsigned grid_y);
void ignore_range(const void* p, size_t bytes);  // up to a few ranges per launch, cleared by begin_launch
void begin_block(uint32_t block_linear);
// Before the emulator resumes a fiber: its linear thread index in the block, where it finds its block's barrier
// generation and its warp's __syncwarp generation, its stack, and whether it was inside a built-in.
void resume(uint32_t thread_linear, const uint64_t* block_epoch, const uint64_t* warp_epoch, const void* stack,
            size_t stack_bytes, bool paused);
// After the fiber returned to the scheduler; returns whether it is inside a built-in.
bool suspend();
// Called by the built-ins on entry and exit (on the fiber).
void pause();
void unpause();
// An atomic read-modify-write of [p, p + bytes) by the running thread (the built-ins call it before pause()).
void atomic_access(const void* p, size_t bytes);

// The first race found since the last call (empty if none); taking it clears it.
std::string take_report();
// Accesses checked since the process started (for the tests' statistics).
uint64_t accesses_checked();

}  // namespace rk::simt::racecheck
