// The SIMT emulation's data-race check: see simt_racecheck.h for the model. Compiled without instrumentation
// (this is the instrumentation's runtime).
//
// Shadow memory: one Cell per byte, in pages of 4096 cells found through a map keyed by address / 4096 (with a
// one-page cache per kind of memory). A Cell holds two summaries: of the writes and of the reads since the last
// plain write. A summary keeps, lexicographically, the latest (block, barrier epoch, warp, warp epoch) at which
// it was touched and whether more than one block / warp / thread touched it at that latest point. Accesses at
// earlier points of the same block are ordered before anything that follows in that block, so forgetting them
// loses nothing: the summary answers exactly "is some recorded access unordered with this one?".
//
// __shared__ variables are static storage of the kernel's module (the emulation declares them `static`), so
// the module's writable segments are "shared" memory, whose pages are forgotten at every block start; all
// other memory (heap, other stacks, other modules) is device memory, forgotten at every launch.
#include "simt_racecheck.h"

#include <link.h>

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <unordered_map>
#include <vector>

namespace rk::simt::racecheck {
namespace {

enum class Kind : uint8_t { kRead, kWrite, kAtomic };

enum : uint8_t { kAny = 1, kMultiBlock = 2, kMultiWarp = 4, kMultiThread = 8, kAtomicWrites = 16 };

// Where an access happens in the order a GPU guarantees.
struct Point {
    uint32_t block, epoch, wepoch;
    uint16_t tid;
    uint8_t warp;
};

struct Summary {
    uint32_t block, epoch, wepoch;
    uint16_t tid;
    uint8_t warp, flags;
    uint32_t other_block;  // for reports: another (block, thread) of the summary, when one of the multi flags is set
    uint16_t other_tid;
    uint16_t pad;

    bool any() const { return (flags & kAny) != 0; }

    void reset(const Point& x, uint8_t extra = 0) {
        block = x.block, epoch = x.epoch, wepoch = x.wepoch, tid = x.tid, warp = x.warp;
        flags = static_cast<uint8_t>(kAny | extra);
        other_block = x.block, other_tid = x.tid;
    }

    void note_other(const Point& x) {
        if (other_block == block && other_tid == tid) other_block = x.block, other_tid = x.tid;
    }

    void add(const Point& x) {
        if (!any()) return reset(x);
        if (flags & kMultiBlock) return;
        if (x.block != block) {
            flags |= kMultiBlock;
            return note_other(x);
        }
        if (x.epoch != epoch) {  // a later barrier interval of the block: the earlier ones are ordered before it
            const uint8_t keep = flags & kAtomicWrites;
            return reset(x, keep);
        }
        if (flags & kMultiWarp) return;
        if (x.warp != warp) {
            flags |= kMultiWarp;
            return note_other(x);
        }
        if (x.wepoch != wepoch) {
            const uint8_t keep = flags & kAtomicWrites;
            return reset(x, keep);
        }
        if (x.tid != tid) {
            flags |= kMultiThread;
            note_other(x);
        }
    }

    // Whether some access of the summary is unordered with x and made by another thread.
    bool conflicts(const Point& x) const {
        if (!any()) return false;
        if ((flags & kMultiBlock) || block != x.block) return true;
        if (epoch != x.epoch) return false;  // epoch < x.epoch: a __syncthreads lies between
        if ((flags & kMultiWarp) || warp != x.warp) return true;
        if (wepoch != x.wepoch) return false;  // a __syncwarp of the whole warp lies between
        return (flags & kMultiThread) || tid != x.tid;
    }

    // A (block, thread) of the summary other than x's.
    void other_than(const Point& x, uint32_t& b, uint16_t& t) const {
        if (block != x.block || tid != x.tid) b = block, t = tid;
        else b = other_block, t = other_tid;
    }
};

struct Cell {
    Summary w, r;
};

constexpr size_t kPageBits = 12, kPageBytes = size_t{1} << kPageBits;

struct Page {
    uint64_t stamp;
    Cell cells[kPageBytes];
};

struct Region {
    std::unordered_map<uintptr_t, Page*> pages;
    uintptr_t cached_key = ~uintptr_t{0};
    Page* cached = nullptr;
};

struct Range {
    uintptr_t lo;
    size_t bytes;
};

// What the callbacks read: plain data, constant-initialised (callbacks may run before and after static
// construction, from instrumented code outside any kernel, and then find running == false).
struct Hot {
    bool disabled, running, paused, in_hook, reported;
    uint32_t block, tid;
    const uint64_t* block_epoch;
    const uint64_t* warp_epoch;
    uintptr_t stack_lo;
    size_t stack_bytes;
    Range ignored[4];
    size_t ignored_count;
    Range module_rw[4];  // this module's writable segments: where `static` (__shared__) variables live
    size_t module_rw_count;
    uint64_t checked;
};
Hot g_hot{};

// The rest, created at the first launch and never destroyed.
struct State {
    const char* kernel = "";
    unsigned bx = 1, by = 1, gx = 1, gy = 1;
    uint64_t serial = 0, launch_stamp = 0, block_stamp = 0;
    Region device, shared;
    std::vector<Page*> free_pages;
    std::string report;
};

State& st() {
    static State* s = new State();
    return *s;
}

// Module-local anchor: the writable segments of the object that holds it hold the kernels' __shared__ variables.
char g_anchor;

int find_module(dl_phdr_info* info, size_t, void*) {
    const auto anchor = reinterpret_cast<uintptr_t>(&g_anchor);
    Range rw[4];
    size_t n = 0;
    bool mine = false;
    for (int i = 0; i < info->dlpi_phnum; ++i) {
        const ElfW(Phdr)& ph = info->dlpi_phdr[i];
        if (ph.p_type != PT_LOAD) continue;
        const uintptr_t lo = info->dlpi_addr + ph.p_vaddr;
        if (anchor >= lo && anchor < lo + ph.p_memsz) mine = true;
        if ((ph.p_flags & PF_W) && n < 4) rw[n++] = {lo, static_cast<size_t>(ph.p_memsz)};
    }
    if (!mine) return 0;
    for (size_t i = 0; i < n; ++i) g_hot.module_rw[i] = rw[i];
    g_hot.module_rw_count = n;
    return 1;
}

bool is_shared(uintptr_t a) {
    for (size_t i = 0; i < g_hot.module_rw_count; ++i)
        if (a - g_hot.module_rw[i].lo < g_hot.module_rw[i].bytes) return true;
    return false;
}

Page* page_for(Region& region, uint64_t stamp, uintptr_t key) {
    if (key == region.cached_key && region.cached->stamp == stamp) return region.cached;
    Page*& p = region.pages[key];
    if (!p) {
        State& s = st();
        if (!s.free_pages.empty()) {
            p = s.free_pages.back();
            s.free_pages.pop_back();
        } else {
            p = static_cast<Page*>(std::malloc(sizeof(Page)));
            if (!p) {
                std::fprintf(stderr, "simt racecheck: out of memory for shadow pages\n");
                std::abort();
            }
        }
        p->stamp = ~stamp;
    }
    if (p->stamp != stamp) {
        std::memset(p->cells, 0, sizeof p->cells);
        p->stamp = stamp;
    }
    region.cached_key = key;
    region.cached = p;
    return p;
}

void release_pages(Region& region) {
    for (auto& kv : region.pages) st().free_pages.push_back(kv.second);
    region.pages.clear();
    region.cached_key = ~uintptr_t{0};
    region.cached = nullptr;
}

std::string coords(uint32_t linear, unsigned dx, unsigned dy) {
    char b[48];
    std::snprintf(b, sizeof b, "(%u,%u,%u)", linear % dx, (linear / dx) % dy, linear / (dx * dy));
    return b;
}

const char* verb(Kind k) { return k == Kind::kRead ? "reads" : k == Kind::kWrite ? "writes" : "atomically updates"; }

void report(const Point& x, Kind k, uintptr_t addr, size_t size, uintptr_t byte, bool shared, const char* what,
            const Summary& other) {
    State& s = st();
    uint32_t ob = 0;
    uint16_t ot = 0;
    other.other_than(x, ob, ot);
    char msg[640];
    std::snprintf(msg, sizeof msg,
                  "data race in kernel %s on %s memory: thread %s of block %s %s %zu bytes at 0x%" PRIxPTR
                  " (byte 0x%" PRIxPTR "), which thread %s of block %s %s %s",
                  s.kernel, shared ? "__shared__" : "device", coords(x.tid, s.bx, s.by).c_str(),
                  coords(x.block, s.gx, s.gy).c_str(), verb(k), size, addr, byte, coords(ot, s.bx, s.by).c_str(),
                  coords(ob, s.gx, s.gy).c_str(), what,
                  ob != x.block ? "(different blocks of a grid are never ordered)"
                                : "in the same barrier interval (no __syncthreads between them)");
    s.report = msg;
    g_hot.reported = true;
}

void check(uintptr_t addr, size_t size, Kind k) {
    State& s = st();
    const Point x{g_hot.block, static_cast<uint32_t>(*g_hot.block_epoch), static_cast<uint32_t>(*g_hot.warp_epoch),
                  static_cast<uint16_t>(g_hot.tid), static_cast<uint8_t>(g_hot.tid / 32)};
    ++g_hot.checked;
    for (size_t i = 0; i < size; ++i) {
        const uintptr_t a = addr + i;
        const bool shared = is_shared(a);
        Page* page = shared ? page_for(s.shared, s.block_stamp, a >> kPageBits)
                            : page_for(s.device, s.launch_stamp, a >> kPageBits);
        Cell& c = page->cells[a & (kPageBytes - 1)];
        const bool atomic_writes = (c.w.flags & kAtomicWrites) != 0;
        const char* wrote = atomic_writes ? "updates atomically" : "writes";
        switch (k) {
            case Kind::kRead:
                if (c.w.conflicts(x)) return report(x, k, addr, size, a, shared, wrote, c.w);
                c.r.add(x);
                break;
            case Kind::kWrite:
                if (c.w.conflicts(x)) return report(x, k, addr, size, a, shared, wrote, c.w);
                if (c.r.conflicts(x)) return report(x, k, addr, size, a, shared, "reads", c.r);
                c.w.reset(x);
                c.r = Summary{};
                break;
            case Kind::kAtomic:
                if (!atomic_writes && c.w.conflicts(x)) return report(x, k, addr, size, a, shared, wrote, c.w);
                if (c.r.conflicts(x)) return report(x, k, addr, size, a, shared, "reads", c.r);
                if (atomic_writes) c.w.add(x);
                else c.w.reset(x, kAtomicWrites);
                c.r = Summary{};
                break;
        }
    }
}

inline void on_access(uintptr_t a, size_t n, Kind k) {
    Hot& h = g_hot;
    if (!h.running || h.paused || h.in_hook || h.reported || h.disabled) return;
    if (a - h.stack_lo < h.stack_bytes) return;  // the thread's own locals
    for (size_t i = 0; i < h.ignored_count; ++i)
        if (a - h.ignored[i].lo < h.ignored[i].bytes) return;
    h.in_hook = true;
    check(a, n, k);
    h.in_hook = false;
}

}  // namespace

bool available() {
#if defined(RK_SIMT_RACECHECK)
    return true;
#else
    return false;
#endif
}

void set_enabled(bool on) { g_hot.disabled = !on; }
bool enabled() { return available() && !g_hot.disabled; }

void begin_launch(const char* kernel, unsigned block_x, unsigned block_y, unsigned grid_x, unsigned grid_y) {
    State& s = st();
    if (g_hot.module_rw_count == 0) dl_iterate_phdr(find_module, nullptr);
    s.kernel = kernel;
    s.bx = block_x, s.by = block_y, s.gx = grid_x, s.gy = grid_y;
    s.launch_stamp = ++s.serial;
    s.report.clear();
    release_pages(s.device);
    release_pages(s.shared);
    g_hot.ignored_count = 0;
    g_hot.reported = false;
    g_hot.running = false;
}

void ignore_range(const void* p, size_t bytes) {
    if (g_hot.ignored_count < sizeof g_hot.ignored / sizeof g_hot.ignored[0])
        g_hot.ignored[g_hot.ignored_count++] = {reinterpret_cast<uintptr_t>(p), bytes};
}

void begin_block(uint32_t block_linear) {
    g_hot.block = block_linear;
    st().block_stamp = ++st().serial;
}

void resume(uint32_t thread_linear, const uint64_t* block_epoch, const uint64_t* warp_epoch, const void* stack,
            size_t stack_bytes, bool paused) {
    Hot& h = g_hot;
    h.tid = thread_linear;
    h.block_epoch = block_epoch;
    h.warp_epoch = warp_epoch;
    h.stack_lo = reinterpret_cast<uintptr_t>(stack);
    h.stack_bytes = stack_bytes;
    h.paused = paused;
    h.running = true;
}

bool suspend() {
    g_hot.running = false;
    return g_hot.paused;
}

void pause() { g_hot.paused = true; }
void unpause() { g_hot.paused = false; }

void atomic_access(const void* p, size_t bytes) { on_access(reinterpret_cast<uintptr_t>(p), bytes, Kind::kAtomic); }

std::string take_report() {
    std::string r;
    if (g_hot.reported) r.swap(st().report);
    g_hot.reported = false;
    return r;
}

uint64_t accesses_checked() { return g_hot.checked; }

}  // namespace rk::simt::racecheck

// The instrumentation's callbacks: GCC's -fsanitize=thread ABI (the calls it emits before memory accesses), with
// no ThreadSanitizer runtime. Hidden, so that a module's instrumented code calls its own check (the emulated plugin
// and the test executable each have one). The atomics the instrumented code performs (libstdc++'s reference
// counts, static-initialisation guards) are done here, sequentially consistent; they are the host's, never a
// kernel's (kernel atomics are the emulation's atomicAdd/Min/Max).
#if defined(RK_SIMT_RACECHECK)
namespace rc = rk::simt::racecheck;
#  define RK_SIMT_HOOK extern "C" __attribute__((visibility("hidden")))
#  define RK_SIMT_ACCESS(n)                                                                                         \
      RK_SIMT_HOOK void __tsan_read##n(void* a) { rc::on_access(reinterpret_cast<uintptr_t>(a), n, rc::Kind::kRead); } \
      RK_SIMT_HOOK void __tsan_write##n(void* a) { rc::on_access(reinterpret_cast<uintptr_t>(a), n, rc::Kind::kWrite); } \
      RK_SIMT_HOOK void __tsan_unaligned_read##n(void* a) {                                                       \
          rc::on_access(reinterpret_cast<uintptr_t>(a), n, rc::Kind::kRead);                                       \
      }                                                                                                            \
      RK_SIMT_HOOK void __tsan_unaligned_write##n(void* a) {                                                      \
          rc::on_access(reinterpret_cast<uintptr_t>(a), n, rc::Kind::kWrite);                                      \
      }
RK_SIMT_ACCESS(1)
RK_SIMT_ACCESS(2)
RK_SIMT_ACCESS(4)
RK_SIMT_ACCESS(8)
RK_SIMT_ACCESS(16)
RK_SIMT_HOOK void __tsan_read_range(void* a, size_t n) { rc::on_access(reinterpret_cast<uintptr_t>(a), n, rc::Kind::kRead); }
RK_SIMT_HOOK void __tsan_write_range(void* a, size_t n) { rc::on_access(reinterpret_cast<uintptr_t>(a), n, rc::Kind::kWrite); }
RK_SIMT_HOOK void __tsan_vptr_update(void**, void*) {}
RK_SIMT_HOOK void __tsan_vptr_read(void**) {}
RK_SIMT_HOOK void __tsan_func_entry(void*) {}
RK_SIMT_HOOK void __tsan_func_exit() {}
RK_SIMT_HOOK void __tsan_init() {}
RK_SIMT_HOOK void __tsan_atomic_thread_fence(int) { __atomic_thread_fence(__ATOMIC_SEQ_CST); }
RK_SIMT_HOOK void __tsan_atomic_signal_fence(int) { __atomic_signal_fence(__ATOMIC_SEQ_CST); }
#  define RK_SIMT_ATOMICS(bits, T)                                                                                  \
      RK_SIMT_HOOK T __tsan_atomic##bits##_load(const volatile T* a, int) { return __atomic_load_n(a, __ATOMIC_SEQ_CST); } \
      RK_SIMT_HOOK void __tsan_atomic##bits##_store(volatile T* a, T v, int) { __atomic_store_n(a, v, __ATOMIC_SEQ_CST); } \
      RK_SIMT_HOOK T __tsan_atomic##bits##_exchange(volatile T* a, T v, int) {                                     \
          return __atomic_exchange_n(a, v, __ATOMIC_SEQ_CST);                                                       \
      }                                                                                                             \
      RK_SIMT_HOOK T __tsan_atomic##bits##_fetch_add(volatile T* a, T v, int) {                                    \
          return __atomic_fetch_add(a, v, __ATOMIC_SEQ_CST);                                                        \
      }                                                                                                             \
      RK_SIMT_HOOK T __tsan_atomic##bits##_fetch_sub(volatile T* a, T v, int) {                                    \
          return __atomic_fetch_sub(a, v, __ATOMIC_SEQ_CST);                                                        \
      }                                                                                                             \
      RK_SIMT_HOOK T __tsan_atomic##bits##_fetch_and(volatile T* a, T v, int) {                                    \
          return __atomic_fetch_and(a, v, __ATOMIC_SEQ_CST);                                                        \
      }                                                                                                             \
      RK_SIMT_HOOK T __tsan_atomic##bits##_fetch_or(volatile T* a, T v, int) {                                     \
          return __atomic_fetch_or(a, v, __ATOMIC_SEQ_CST);                                                         \
      }                                                                                                             \
      RK_SIMT_HOOK T __tsan_atomic##bits##_fetch_xor(volatile T* a, T v, int) {                                    \
          return __atomic_fetch_xor(a, v, __ATOMIC_SEQ_CST);                                                        \
      }                                                                                                             \
      RK_SIMT_HOOK T __tsan_atomic##bits##_fetch_nand(volatile T* a, T v, int) {                                   \
          return __atomic_fetch_nand(a, v, __ATOMIC_SEQ_CST);                                                       \
      }                                                                                                             \
      RK_SIMT_HOOK int __tsan_atomic##bits##_compare_exchange_strong(volatile T* a, T* c, T v, int, int) {         \
          return __atomic_compare_exchange_n(a, c, v, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);                   \
      }                                                                                                             \
      RK_SIMT_HOOK int __tsan_atomic##bits##_compare_exchange_weak(volatile T* a, T* c, T v, int, int) {           \
          return __atomic_compare_exchange_n(a, c, v, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);                   \
      }                                                                                                             \
      RK_SIMT_HOOK T __tsan_atomic##bits##_compare_exchange_val(volatile T* a, T c, T v, int, int) {               \
          __atomic_compare_exchange_n(a, &c, v, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);                         \
          return c;                                                                                                 \
      }
RK_SIMT_ATOMICS(8, uint8_t)
RK_SIMT_ATOMICS(16, uint16_t)
RK_SIMT_ATOMICS(32, uint32_t)
RK_SIMT_ATOMICS(64, uint64_t)
#endif
