// Activation kernels (docs/training.md section 2) over an ISA description I (elementwise_table_impl.h): whole vectors
// through the core's activation templates, kUnroll at a time (1: the
// bodies of GELU are long enough to fill the pipeline); the elements before the first aligned output (when the
// output gets non-temporal stores) and the tail go through one vector of zero-padded lanes, so an ISA file compiles
// no scalar instantiation of its own. Inputs of a vector step are loaded before its outputs are stored, so y may be x
// and dx may be dy.
#pragma once

#include <cstdint>

#include "../core/activation.h"
#include "cpu_inline.h"

namespace rk::cpu {

template <class I>
struct ActivationKernels {
    using F = typename I::f32;
    static constexpr uint64_t W = static_cast<uint64_t>(I::kWidth);
    static constexpr uint64_t kUnroll = 1;
    // Outputs of at least this many elements (1 MiB) get non-temporal stores where the ISA has them: a plain store
    // of a line far out of cache first reads it (12 bytes of traffic per forward element instead of 8).
    static constexpr uint64_t kStreamMin = uint64_t{1} << 18;

    template <core::ActivationKind K, bool kBackward>
    RK_CPU_INLINE static F apply(float s, F x, F dy) {
        if constexpr (kBackward)
            return core::activation_backward<I>(K, s, x, dy);
        else
            return core::activation_forward<I>(K, s, x);
    }

    template <bool kBackward>
    RK_CPU_INLINE static F second(F x, F dy, F t, F central, F pt) {
        if constexpr (kBackward)
            return core::gelu_backward_second<I>(x, dy, t, central, pt);
        else
            return core::gelu_forward_second<I>(x, t, central, pt);
    }

    RK_CPU_INLINE static void store(float* p, F v, bool stream) {
        if constexpr (I::kStreamStores) {
            if (stream) {
                I::stream_store(p, v);
                return;
            }
        }
        I::fstore(p, v);
    }

    // dy is x itself in the forward (loaded, unused).
    template <core::ActivationKind K, bool kBackward>
    static void run(float s, const float* x, const float* dy, float* out, uint64_t n, bool allow_stream) {
        const auto partial = [&](uint64_t k, uint64_t len) {  // len < W elements from k, through one vector
            alignas(64) float bx[W] = {}, bdy[W] = {}, bo[W];
            for (uint64_t i = 0; i < len; ++i) {
                bx[i] = x[k + i];
                bdy[i] = dy[k + i];
            }
            I::fstore(bo, apply<K, kBackward>(s, I::fload(bx), I::fload(bdy)));
            for (uint64_t i = 0; i < len; ++i) out[k + i] = bo[i];
        };
        uint64_t k = 0;
        bool stream = false;
        if constexpr (I::kStreamStores) {
            const auto a = reinterpret_cast<uintptr_t>(out);
            if (allow_stream && n >= kStreamMin && a % sizeof(float) == 0) {
                stream = true;
                k = ((I::kStreamAlign - a % I::kStreamAlign) % I::kStreamAlign) / sizeof(float);  // < W
                if (k > 0) partial(0, k);
            }
        }
        if constexpr (K == core::ActivationKind::kGelu) {
            // Software-pipelined: the first half (core::gelu_first) of vector i + 1 is computed before the second half
            // of vector i, so that the two long chains of dependent operations overlap (about 1.3x here). Vector
            // i + 1's inputs are loaded before vector i's output is stored.
            if (n - k >= W) {
                F x0 = I::fload(x + k), d0 = I::fload(dy + k), t0, c0, p0;
                core::gelu_first<I>(x0, t0, c0, p0);
                for (; n - k >= 2 * W; k += W) {
                    const F x1 = I::fload(x + k + W), d1 = I::fload(dy + k + W);
                    F t1, c1, p1;
                    core::gelu_first<I>(x1, t1, c1, p1);
                    store(out + k, second<kBackward>(x0, d0, t0, c0, p0), stream);
                    x0 = x1;
                    d0 = d1;
                    t0 = t1;
                    c0 = c1;
                    p0 = p1;
                }
                store(out + k, second<kBackward>(x0, d0, t0, c0, p0), stream);
                k += W;
            }
        }
        for (; n - k >= kUnroll * W; k += kUnroll * W) {
            F r[kUnroll];
            for (uint64_t u = 0; u < kUnroll; ++u)
                r[u] = apply<K, kBackward>(s, I::fload(x + k + u * W), I::fload(dy + k + u * W));
            for (uint64_t u = 0; u < kUnroll; ++u) store(out + k + u * W, r[u], stream);
        }
        for (; n - k >= W; k += W) store(out + k, apply<K, kBackward>(s, I::fload(x + k), I::fload(dy + k)), stream);
        if (k < n) partial(k, n - k);
        if constexpr (I::kStreamStores)
            if (stream) I::stream_fence();
    }

    template <bool kBackward>
    static void dispatch(core::ActivationKind kind, float s, const float* x, const float* dy, float* out, uint64_t n,
                         bool stream) {
        using core::ActivationKind;
        switch (kind) {
            case ActivationKind::kRelu: return run<ActivationKind::kRelu, kBackward>(s, x, dy, out, n, stream);
            case ActivationKind::kLeakyRelu: return run<ActivationKind::kLeakyRelu, kBackward>(s, x, dy, out, n, stream);
            case ActivationKind::kGelu: return run<ActivationKind::kGelu, kBackward>(s, x, dy, out, n, stream);
            case ActivationKind::kGeluTanh: return run<ActivationKind::kGeluTanh, kBackward>(s, x, dy, out, n, stream);
        }
    }

    static void forward(core::ActivationKind kind, float s, const float* x, float* out, uint64_t n, bool stream) {
        dispatch<false>(kind, s, x, x, out, n, stream);
    }
    static void backward(core::ActivationKind kind, float s, const float* x, const float* dy, float* out, uint64_t n,
                         bool stream) {
        dispatch<true>(kind, s, x, dy, out, n, stream);
    }
};

}  // namespace rk::cpu
