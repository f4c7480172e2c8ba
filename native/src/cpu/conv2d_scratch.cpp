// Scratch memory of the CPU conv kernels and runners (conv2d_scratch.h).
#include "conv2d_scratch.h"

#include <new>

namespace rk::cpu {

// Each thread keeps a few blocks of up to kCachedBytes for reuse, so that repeated calls do not map and fault in
// fresh pages every time; larger requests are allocated and freed each time.
namespace {
constexpr size_t kCachedBytes = size_t{16} << 20;
constexpr int kSlots = 4;
struct ScratchCache {
    void* p[kSlots] = {};
    size_t cap[kSlots] = {};
    bool used[kSlots] = {};
    ~ScratchCache() {
        for (int i = 0; i < kSlots; ++i)
            if (p[i]) ::operator delete(p[i], std::align_val_t{64});
    }
};
// MinGW-w64 GCC keeps thread_local objects in emulated TLS, whose destructors in a DLL run on memory winpthreads has
// already released when a worker thread exits (Wine: _aligned_free of a garbage pointer). There the cache is off:
// every scratch block is allocated and freed per call (the contents are written before they are read either way).
#if defined(__MINGW32__)
constexpr bool kCacheScratch = false;
ScratchCache& thread_cache() {
    static ScratchCache unused;  // never used
    return unused;
}
#else
constexpr bool kCacheScratch = true;
thread_local ScratchCache t_cache;
ScratchCache& thread_cache() { return t_cache; }
#endif
}  // namespace

ConvScratch::ConvScratch(size_t bytes) {
    bytes = bytes == 0 ? 64 : (bytes + 63) / 64 * 64;
    if (kCacheScratch && bytes <= kCachedBytes) {
        ScratchCache& c = thread_cache();
        int pick = -1;
        for (int i = 0; i < kSlots; ++i)  // the smallest free block that fits, else any free block (grown)
            if (!c.used[i] && (pick < 0 || (c.cap[i] >= bytes && (c.cap[pick] < bytes || c.cap[i] < c.cap[pick]))))
                pick = i;
        if (pick >= 0) {
            if (c.cap[pick] < bytes) {
                if (c.p[pick]) ::operator delete(c.p[pick], std::align_val_t{64});
                c.p[pick] = nullptr;
                c.cap[pick] = 0;
                c.p[pick] = ::operator new(bytes, std::align_val_t{64});
                c.cap[pick] = bytes;
            }
            c.used[pick] = true;
            p_ = c.p[pick];
            return;
        }
    }
    p_ = ::operator new(bytes, std::align_val_t{64});
}

ConvScratch::~ConvScratch() {
    if (kCacheScratch) {
        ScratchCache& c = thread_cache();
        for (int i = 0; i < kSlots; ++i)
            if (c.p[i] == p_ && c.used[i]) {
                c.used[i] = false;
                return;
            }
    }
    ::operator delete(p_, std::align_val_t{64});
}

}  // namespace rk::cpu
