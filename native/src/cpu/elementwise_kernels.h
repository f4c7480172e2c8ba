// The CPU kernels of the elementwise training operations (activations, optimizer steps): a table of their own, one
// instance per ISA (elementwise_<isa>.cpp), all from the same templates (activation_impl.h, optimizer_impl.h) over the
// core's canonical functions, so every ISA computes the same bits. Kernels run on any piece [0, n) of a call.
#pragma once

#include <cstdint>

#include "../core/activation.h"
#include "../core/optimizer.h"
#include "reprokit/reprokit.h"

namespace rk::cpu {

struct ElementwiseKernels {
    const char* isa_name;
    // out = f(x) (out may be x); stream: out may get non-temporal stores (worth it when it is far out of cache).
    void (*activation_forward)(core::ActivationKind kind, float negative_slope, const float* x, float* out, uint64_t n,
                               bool stream);
    // out = f'(x) dy (out may be dy).
    void (*activation_backward)(core::ActivationKind kind, float negative_slope, const float* x, const float* dy,
                                float* out, uint64_t n, bool stream);
    // The first j in [0, n) where a[j] or (b not null) b[j] is NaN or infinite, with *which = 0 (a) or 1 (b; a is
    // checked first at the same j); n when every element is finite.
    uint64_t (*first_nonfinite)(const float* a, const float* b, uint64_t n, int32_t* which);
    // One step of n elements (b null without momentum).
    void (*sgd)(const core::SgdConstants& c, float* p, const float* g, float* b, uint64_t n);
    void (*adam)(const core::AdamConstants& c, float* p, const float* g, float* m, float* v, uint64_t n);
};

const ElementwiseKernels& elementwise_kernels_scalar();
#if defined(RK_HAVE_X86_KERNELS)
const ElementwiseKernels& elementwise_kernels_avx2();
const ElementwiseKernels& elementwise_kernels_avx512();
#endif
#if defined(RK_HAVE_NEON_KERNELS)
const ElementwiseKernels& elementwise_kernels_neon();
#endif

// The table of a built ISA (a CPU context's, never RK_ISA_AUTO).
inline const ElementwiseKernels& elementwise_kernels(rk_isa isa) {
    switch (isa) {
#if defined(RK_HAVE_X86_KERNELS)
        case RK_ISA_AVX2: return elementwise_kernels_avx2();
        case RK_ISA_AVX512: return elementwise_kernels_avx512();
#endif
#if defined(RK_HAVE_NEON_KERNELS)
        case RK_ISA_NEON: return elementwise_kernels_neon();
#endif
        default: return elementwise_kernels_scalar();
    }
}

}  // namespace rk::cpu
