// Dropout on the CPU backend: independent pieces whose starts are multiples of 64, so that bit-packed mask words are
// never shared by two threads; each piece runs the ISA's fused kernel (dropout_impl.h).
#include "cpu_backend.h"

namespace rk::cpu {
namespace {

constexpr uint64_t kMinElementsPerThread = 1u << 16;  // below this, threading costs more than it saves
// a Philox-drawn element, for parallel_for's rule (thread_pool.h)
constexpr uint64_t kWorkPerElement = kWorkPerMemoryElement;
constexpr uint64_t kPieceAlign = 64;                   // whole 32-bit mask words (and 64-element steps) per piece

}  // namespace

int32_t dropout(void* impl, const backend::DropoutArgs* args, backend::OpError*) {
    CpuBackend& b = *static_cast<CpuBackend*>(impl);
    const backend::DropoutArgs& a = *args;
    using backend::MaskFormat;
    const bool bytes = a.mask_format == MaskFormat::kBytes, bits = a.mask_format == MaskFormat::kBits;
    if (a.mode == backend::DropoutMode::kApplyMask) {
        const auto* mask_bytes = bytes ? static_cast<const uint8_t*>(a.mask) : nullptr;
        const auto* mask_bits = bits ? static_cast<const uint32_t*>(a.mask) : nullptr;
        parallel_for(b.pool, a.count, kMinElementsPerThread, kPieceAlign, kWorkPerElement, [&](uint64_t begin, uint64_t end) {
            b.kernels.dropout_apply_mask(mask_bytes ? mask_bytes + begin : nullptr,
                                         mask_bits ? mask_bits + begin / 32 : nullptr, a.x + begin, a.y + begin,
                                         end - begin, a.scale);
        });
        return RK_STATUS_OK;
    }
    // One thread is Philox-bound; several are memory-bound and gain by non-temporal stores of y.
    const bool stream_y = b.pool.size() > 1;
    auto* mask_bytes = bytes ? static_cast<uint8_t*>(a.mask) : nullptr;
    auto* mask_bits = bits ? static_cast<uint32_t*>(a.mask) : nullptr;
    parallel_for(b.pool, a.count, kMinElementsPerThread, kPieceAlign, kWorkPerElement, [&](uint64_t begin, uint64_t end) {
        b.kernels.dropout(a.stream, a.element_offset + begin, end - begin, a.threshold, a.scale,
                          a.x ? a.x + begin : nullptr, a.y ? a.y + begin : nullptr,
                          mask_bytes ? mask_bytes + begin : nullptr, mask_bits ? mask_bits + begin / 32 : nullptr,
                          stream_y);
    });
    return RK_STATUS_OK;
}

}  // namespace rk::cpu
