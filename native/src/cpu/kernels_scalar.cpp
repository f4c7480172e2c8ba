// Scalar kernels: the portable reference path (every other ISA must match it bit for bit).
#include "../core/uniform.h"
#include "kernels.h"
#include "philox_fill.h"

namespace rk::cpu {
namespace {

struct NoSimd {
    static constexpr uint32_t kLanes = 0;
    using vec = uint32_t;
};

struct U32Sink {
    using out_t = uint32_t;
    static uint32_t scalar(uint32_t w) { return w; }
    static void store(uint32_t*, const uint32_t*) {}
};

struct UniformSink {
    using out_t = float;
    static float scalar(uint32_t w) { return core::uniform_from_word(w); }
    static void store(float*, const uint32_t*) {}
};

void fill_u32(const core::PhiloxStream& s, uint64_t first, uint32_t* out, uint64_t n) {
    fill_stream<NoSimd, U32Sink>(s, first, out, n);
}
void fill_uniform(const core::PhiloxStream& s, uint64_t first, float* out, uint64_t n) {
    fill_stream<NoSimd, UniformSink>(s, first, out, n);
}

}  // namespace

const KernelTable& kernels_scalar() {
    static const KernelTable table{"scalar", fill_u32, fill_uniform};
    return table;
}

}  // namespace rk::cpu
