// Token sampling on the device (docs/sampling.md): one block of 256 threads per row. The row's arithmetic is the
// core's (sample_scale, sample_exp, sample_weight, top_p_mass, top_p_ties_kept, float_at_least, the draw); the
// kernel only organises it in parallel passes. After the exponential everything is integer arithmetic, and the
// block reductions combine with min / max / integer sums, which are exact in any order, so the result is the
// CPU's bit for bit whatever the block size or the order in which threads run.
//
// Passes over a row: (1) validation, the largest logit and the greedy token; (2) top-k threshold by an 8-bit
// radix selection on order keys (count histograms); (3) e and w per token into scratch, W, and with top-p the
// first 11-bit level of the crossing weight's mass histogram; (4) top-p: the crossing weight by the rest of that
// 11/11/9-bit radix selection on weight keys (levels 2 and 3 over the chosen bucket), then ties kept by index
// with a block scan; (5) min-p; (6) W', kept count, and the draw by a chunked block scan in index order.
#pragma once

#include "../../core/lanes_scalar.h"
#include "../../core/sampling.h"
#include "../../backend/ops.h"
#include "device_compat.cuh"

namespace rk::cuda {

using backend::SampleRowStatus;

using L1 = core::ScalarLanes;  // one GPU thread = one lane of the core's templates

constexpr unsigned kSampleThreads = 256;  // a multiple of 32: the reductions assume whole warps
constexpr unsigned kSampleWarps = kSampleThreads / 32;
constexpr unsigned kSampleMaxBlocks = 128;  // rows in flight; each owns vocab * 12 bytes of scratch
constexpr unsigned kFullWarp = 0xFFFFFFFFu;

struct SampleDeviceArgs {
    const float* logits;
    int64_t batch;
    uint32_t vocab;
    int64_t row_stride;
    const core::SampleParams* params;   // device copies of the host arrays
    const core::PhiloxStream* streams;
    int32_t* tokens;
    float* probs;
    float* logprobs;
    int32_t* kept_counts;
    SampleRowStatus* status;  // batch entries
    float* e_scratch;         // gridDim.x * vocab
    uint64_t* w_scratch;      // gridDim.x * vocab
};

inline uint64_t sample_scratch_bytes_device(uint32_t vocab, uint64_t batch) {
    const uint64_t blocks = batch < kSampleMaxBlocks ? batch : kSampleMaxBlocks;
    return blocks * vocab * (sizeof(float) + sizeof(uint64_t));
}

struct MinOp {
    template <class T>
    __device__ T operator()(T a, T b) const { return b < a ? b : a; }
};
struct MaxOp {
    template <class T>
    __device__ T operator()(T a, T b) const { return b > a ? b : a; }
};
struct SumOp {
    template <class T>
    __device__ T operator()(T a, T b) const { return a + b; }
};

// Every thread of the block gets op over all threads' values. `smem` holds kSampleWarps values of T.
template <class T, class Op>
__device__ T block_reduce(T v, Op op, T* smem) {
    for (int d = 16; d > 0; d /= 2) v = op(v, __shfl_xor_sync(kFullWarp, v, d));
    const unsigned lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    __syncthreads();  // the previous use of smem is over
    if (lane == 0) smem[warp] = v;
    __syncthreads();
    T r = smem[0];
    for (unsigned w = 1; w < kSampleWarps; ++w) r = op(r, smem[w]);
    return r;
}

// Inclusive prefix sum over the block in thread order; `total` receives the block's sum.
__device__ inline uint64_t block_inclusive_scan(uint64_t v, uint64_t* smem, uint64_t& total) {
    const unsigned lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    for (unsigned d = 1; d < 32; d *= 2) {
        const uint64_t t = __shfl_up_sync(kFullWarp, v, d);
        if (lane >= d) v += t;
    }
    __syncthreads();
    if (lane == 31) smem[warp] = v;
    __syncthreads();
    uint64_t before = 0;
    total = 0;
    for (unsigned w = 0; w < kSampleWarps; ++w) {
        if (w < warp) before += smem[w];
        total += smem[w];
    }
    return v + before;
}

__device__ inline float positive_infinity() { return core::bits_float(0x7F800000u); }
__device__ inline bool finite_logit(float x) { return x > -positive_infinity() && x < positive_infinity(); }

// The k-th largest finite logit (multiplicity counted), or -Inf when fewer than k are finite.
__device__ inline float kth_largest_logit(const float* l, uint32_t vocab, uint32_t k, uint32_t* hist) {
    __shared__ uint32_t s_prefix, s_need;
    __shared__ bool s_short;
    uint32_t prefix = 0, need = k;
    for (int level = 0; level < 4; ++level) {
        const int shift = 24 - 8 * level;
        for (unsigned d = threadIdx.x; d < 256; d += blockDim.x) hist[d] = 0;
        __syncthreads();
        for (uint32_t i = threadIdx.x; i < vocab; i += blockDim.x) {
            const float x = l[i];
            if (!finite_logit(x)) continue;
            const uint32_t key = core::float_order_key(x);
            if (level == 0 || (key >> (shift + 8)) == (prefix >> (shift + 8))) atomicAdd(&hist[(key >> shift) & 0xFFu], 1u);
        }
        __syncthreads();
        if (threadIdx.x == 0) {
            uint32_t total = 0;
            for (unsigned d = 0; d < 256; ++d) total += hist[d];
            s_short = level == 0 && total < need;
            uint32_t d = 255, acc = 0;
            if (!s_short) {
                while (acc + hist[d] < need) acc += hist[d--];
                s_need = need - acc;
                s_prefix = prefix | (d << shift);
            }
        }
        __syncthreads();
        if (s_short) return -positive_infinity();
        prefix = s_prefix;
        need = s_need;
        __syncthreads();
    }
    return core::float_from_order_key(prefix);
}

// The first digit of crossing_weight's radix selection (the weight key's top 11 bits): the exponential pass adds
// each positive weight to hist[weight_digit0(w)] as it computes it, so that the selection's first level needs no
// pass of its own.
__device__ inline uint32_t weight_digit0(uint64_t w) { return (core::sample_weight_key(w) >> 20) & 0x7FFu; }

// The largest weight v with (mass of weights >= v) >= target, 1 <= target <= W: radix selection on the weight
// keys, digits of 11, 11 and 9 bits (core::weighted_threshold's definition, in parallel). `hist` holds the first
// level's weight-mass histogram on entry (from the exponential pass).
__device__ inline uint64_t crossing_weight(const uint64_t* w, uint32_t vocab, uint64_t target, uint64_t* hist) {
    __shared__ uint32_t s_prefix;
    __shared__ uint64_t s_target;
    const uint32_t shifts[3] = {20, 9, 0}, masks[3] = {0x7FF, 0x7FF, 0x1FF};
    uint32_t prefix = 0;
    for (int level = 0; level < 3; ++level) {
        const uint32_t shift = shifts[level], mask = masks[level];
        if (level > 0) {  // level 0's histogram comes filled
            const uint32_t chosen = shifts[level - 1];
            for (unsigned d = threadIdx.x; d <= mask; d += blockDim.x) hist[d] = 0;
            __syncthreads();
            for (uint32_t i = threadIdx.x; i < vocab; i += blockDim.x) {
                const uint64_t wi = w[i];
                if (wi == 0) continue;
                const uint32_t key = core::sample_weight_key(wi);
                if ((key >> chosen) == (prefix >> chosen))  // in the chosen bucket
                    atomicAdd(reinterpret_cast<unsigned long long*>(&hist[(key >> shift) & mask]),
                              static_cast<unsigned long long>(wi));
            }
        }
        __syncthreads();
        if (threadIdx.x == 0) {
            uint64_t above = 0;
            uint32_t d = mask;
            while (above + hist[d] < target) above += hist[d--];
            s_target = target - above;
            s_prefix = prefix | (d << shift);
        }
        __syncthreads();
        prefix = s_prefix;
        target = s_target;
        __syncthreads();
    }
    return core::sample_weight_of_key(prefix);
}

__device__ inline void sample_row_status(const SampleDeviceArgs& a, int64_t row, core::SampleError e, int64_t index) {
    if (threadIdx.x == 0) a.status[row] = SampleRowStatus{static_cast<int32_t>(e), 0, index};
}

__global__ void __launch_bounds__(256) sample_kernel(SampleDeviceArgs a) {
    __shared__ uint64_t red_u64[kSampleWarps];
    __shared__ uint32_t red_u32[kSampleWarps];
    __shared__ float red_f32[kSampleWarps];
    __shared__ uint32_t hist32[256];
    __shared__ uint64_t hist64[2048];
    const float inf = positive_infinity();
    const uint32_t V = a.vocab, none = 0xFFFFFFFFu;
    float* e = a.e_scratch + static_cast<uint64_t>(blockIdx.x) * V;
    uint64_t* w = a.w_scratch + static_cast<uint64_t>(blockIdx.x) * V;

    for (int64_t row = blockIdx.x; row < a.batch; row += gridDim.x) {
        const float* l = a.logits + row * a.row_stride;
        const core::SampleParams p = a.params[row];
        const core::PhiloxStream stream = a.streams[row];

        // (1) Validation and the largest logit.
        uint32_t bad = none;
        float lmax = -inf;
        for (uint32_t i = threadIdx.x; i < V; i += blockDim.x) {
            const float x = l[i];
            if (!(x < inf)) bad = bad == none ? i : bad;  // i ascends per thread: its first bad index
            else if (x > lmax) lmax = x;
        }
        bad = block_reduce(bad, MinOp{}, red_u32);
        lmax = block_reduce(lmax, MaxOp{}, red_f32);
        if (bad != none) {
            sample_row_status(a, row, core::SampleError::kBadLogit, bad);
            continue;
        }
        if (lmax == -inf) {
            sample_row_status(a, row, core::SampleError::kNoFiniteLogit, -1);
            continue;
        }
        if (core::sample_is_greedy(p)) {  // the smallest index among the maximal logits (-0 == +0)
            uint32_t tok = none;
            for (uint32_t i = threadIdx.x; i < V && tok == none; i += blockDim.x)
                if (l[i] == lmax) tok = i;
            tok = block_reduce(tok, MinOp{}, red_u32);
            if (threadIdx.x == 0) {
                a.tokens[row] = static_cast<int32_t>(tok);
                if (a.probs) a.probs[row] = 1.0f;
                if (a.logprobs) a.logprobs[row] = 0.0f;
                if (a.kept_counts) a.kept_counts[row] = 1;
            }
            sample_row_status(a, row, core::SampleError::kNone, -1);
            continue;
        }
        const float T = p.temperature;
        const float m = core::sample_scale<L1>(lmax, T);
        if (m == inf) {
            uint32_t at = none;
            for (uint32_t i = threadIdx.x; i < V && at == none; i += blockDim.x)
                if (core::sample_scale<L1>(l[i], T) == inf) at = i;
            at = block_reduce(at, MinOp{}, red_u32);
            sample_row_status(a, row, core::SampleError::kScaledOverflow, at);
            continue;
        }
        if (m == -inf) {
            sample_row_status(a, row, core::SampleError::kNoFiniteScaled, -1);
            continue;
        }

        // (2) Top-k: keep finite l with l / T >= t_k / T, t_k the k-th largest finite logit.
        float t_scaled = -inf;
        if (p.top_k > 0 && static_cast<uint32_t>(p.top_k) < V) {
            const float t = kth_largest_logit(l, V, static_cast<uint32_t>(p.top_k), hist32);
            if (t > -inf) t_scaled = core::sample_scale<L1>(t, T);
        }

        // (3) e and w of every token (0 for tokens top-k removed), and W; with top-p, the first level of the
        // crossing weight's selection (the mass per top digit of the weight key) on the way.
        const bool top_p = p.top_p < 1.0;
        if (top_p) {
            for (unsigned d = threadIdx.x; d < 2048; d += blockDim.x) hist64[d] = 0;
            __syncthreads();
        }
        uint64_t total = 0;
        for (uint32_t i = threadIdx.x; i < V; i += blockDim.x) {
            const float x = l[i];
            float ei = 0.0f;
            if (finite_logit(x)) {
                const float s = core::sample_scale<L1>(x, T);
                if (s >= t_scaled) ei = core::sample_exp<L1>(s, m);
            }
            const uint64_t wi = core::sample_weight(ei);
            e[i] = ei;
            w[i] = wi;
            total += wi;
            if (top_p && wi != 0)
                atomicAdd(reinterpret_cast<unsigned long long*>(&hist64[weight_digit0(wi)]),
                          static_cast<unsigned long long>(wi));
        }
        total = block_reduce(total, SumOp{}, red_u64);  // its barriers also complete the histogram

        // (4) Top-p: tokens ranked (w desc, index asc) are kept while the mass above them is < P.
        if (top_p) {
            const uint64_t P = core::top_p_mass(p.top_p, total);
            const uint64_t v = crossing_weight(w, V, P, hist64);
            uint64_t above = 0;
            for (uint32_t i = threadIdx.x; i < V; i += blockDim.x)
                if (w[i] > v) above += w[i];
            above = block_reduce(above, SumOp{}, red_u64);
            const uint64_t ties = core::top_p_ties_kept(P, above, v);
            uint64_t seen = 0;  // ties at v in earlier chunks
            for (uint32_t base = 0; base < V; base += blockDim.x) {
                const uint32_t i = base + threadIdx.x;
                const bool tie = i < V && w[i] == v;
                uint64_t chunk = 0;
                const uint64_t rank = block_inclusive_scan(tie ? 1 : 0, red_u64, chunk) + seen;  // 1-based for ties
                if (i < V && (w[i] < v || (tie && rank > ties))) w[i] = 0;
                seen += chunk;
            }
            __syncthreads();
        }

        // (5) Min-p: keep e >= f, f the smallest float >= min_p.
        if (p.min_p > 0.0) {
            const float f = core::float_at_least(p.min_p);
            for (uint32_t i = threadIdx.x; i < V; i += blockDim.x)
                if (e[i] < f) w[i] = 0;
            __syncthreads();
        }

        // (6) The final set: W', its size, and the draw in index order.
        uint64_t kept_mass = 0;
        uint32_t kept = 0;
        for (uint32_t i = threadIdx.x; i < V; i += blockDim.x) {
            kept_mass += w[i];
            kept += w[i] != 0 ? 1 : 0;
        }
        kept_mass = block_reduce(kept_mass, SumOp{}, red_u64);
        kept = block_reduce(kept, SumOp{}, red_u32);
        const uint64_t r = core::sample_draw_target(core::sample_draw_word(stream), kept_mass);
        uint64_t before = 0;
        uint32_t tok = none;
        for (uint32_t base = 0; base < V && tok == none; base += blockDim.x) {
            const uint32_t i = base + threadIdx.x;
            const uint64_t wi = i < V ? w[i] : 0;
            uint64_t chunk = 0;
            const uint64_t incl = block_inclusive_scan(wi, red_u64, chunk) + before;
            const uint32_t mine = (wi != 0 && incl > r && incl - wi <= r) ? i : none;
            tok = block_reduce(mine, MinOp{}, red_u32);
            before += chunk;
        }
        if (threadIdx.x == 0) {
            const float prob = core::sample_prob(w[tok], kept_mass);
            a.tokens[row] = static_cast<int32_t>(tok);
            if (a.probs) a.probs[row] = prob;
            if (a.logprobs) a.logprobs[row] = core::sample_logprob(prob);
            if (a.kept_counts) a.kept_counts[row] = static_cast<int32_t>(kept);
        }
        sample_row_status(a, row, core::SampleError::kNone, -1);
        __syncthreads();  // the next row reuses e, w and the shared arrays
    }
}

inline unsigned sample_blocks(int64_t batch) {
    return static_cast<unsigned>(batch < kSampleMaxBlocks ? batch : kSampleMaxBlocks);
}

inline void launch_sample(const SampleDeviceArgs& a, cudaStream_t stream) {
    if (a.batch == 0) return;
    RK_LAUNCH(sample_kernel, dim3(sample_blocks(a.batch)), dim3(kSampleThreads), stream)(a);
}

}  // namespace rk::cuda
