// Fuzz harness: the Philox block function, stream fills, distributions, words-to-uniform and permutations.
// Invariants: the status contract; OK outputs are in the documented range, deterministic, identical on every
// context (ISA, thread count), and element i is a pure function of (stream, i) (a fill from offset + d equals
// the tail of the fill from offset).
#include "fuzz_common.h"

using namespace rkfuzz;

namespace {

enum Op : uint8_t { kU32, kUniform, kUniformRange, kNormal, kTruncNormal, kBernoulli, kInt64, kPermutation, kWords, kBlock, kOpCount };

// Words each element consumes (normal: a pair per two elements).
uint64_t words_per_element(Op op) { return op == kInt64 ? 2 : 1; }

struct Call {
    Op op;
    rk_philox_stream stream;
    float f0, f1, f2, f3;
    double p;
    int64_t lo, hi;
    uint64_t n, first, subsequence;
    int32_t inverse;
};

template <class T>
rk_status run(rk_context* ctx, const Call& c, const rk_philox_stream* st, T* out, int64_t count) {
    if constexpr (std::is_same_v<T, uint32_t>) return rk_philox_fill_u32(ctx, st, out, count);
    if constexpr (std::is_same_v<T, uint8_t>) return rk_philox_fill_bernoulli(ctx, st, c.p, out, count);
    if constexpr (std::is_same_v<T, int64_t>) return rk_philox_fill_int64(ctx, st, c.lo, c.hi, out, count);
    if constexpr (std::is_same_v<T, uint64_t>)
        return rk_permutation(ctx, c.n, c.stream.seed, c.subsequence, c.inverse, c.first, out, count);
    if constexpr (std::is_same_v<T, float>) {
        switch (c.op) {
            case kUniform: return rk_philox_fill_uniform(ctx, st, out, count);
            case kUniformRange: return rk_philox_fill_uniform_range(ctx, st, c.f0, c.f1, out, count);
            case kNormal: return rk_philox_fill_normal(ctx, st, c.f0, c.f1, out, count);
            default: return rk_philox_fill_truncated_normal(ctx, st, c.f0, c.f1, c.f2, c.f3, out, count);
        }
    }
}

const char* name_of(Op op) {
    static const char* names[] = {"rk_philox_fill_u32",       "rk_philox_fill_uniform",
                                  "rk_philox_fill_uniform_range", "rk_philox_fill_normal",
                                  "rk_philox_fill_truncated_normal", "rk_philox_fill_bernoulli",
                                  "rk_philox_fill_int64",     "rk_permutation",
                                  "rk_uniform_from_words",    "rk_philox4x32"};
    return names[op];
}

// Range checks of OK outputs.
void check_values(const Call& c, const float* v, size_t n) {
    for (size_t i = 0; i < n; ++i) {
        const float x = v[i];
        const std::string at = std::string(name_of(c.op)) + " element " + std::to_string(i);
        switch (c.op) {
            case kUniform: FUZZ_CHECK(x > 0.0f && x <= 1.0f, at + " outside (0, 1]"); break;
            case kUniformRange: {
                // fma(u, high - low, low) with u <= 1 stays within [low, low + fl(high - low)]. That upper end can
                // pass `high` by rounding (low = -1, high = 0.75 * 2^-23 gives 2^-23 for u = 1), so this is the bound
                // the definition guarantees, not the header's "[low, high]".
                const float span = c.f1 - c.f0, top = c.f0 + span;
                FUZZ_CHECK(x >= c.f0 && x <= top, at + " outside [low, low + (high - low)]");
                break;
            }
            case kNormal: {
                // fma(std, r * cospi(t), mean) with |r| <= sqrt(-2 ln 2^-32) < 6.7: infinite only where that can overflow.
                const bool can_overflow = std::fabs(static_cast<double>(c.f0)) + 6.7 * static_cast<double>(c.f1) > 3.4028234663852886e38;
                FUZZ_CHECK(!std::isnan(x) && (std::isfinite(x) || can_overflow), at + " is not finite");
                break;
            }
            case kTruncNormal: FUZZ_CHECK(x >= c.f2 && x <= c.f3, at + " outside [a, b]"); break;
            default: break;
        }
    }
}
template <class T>
void check_values(const Call& c, const T* v, size_t n) {
    for (size_t i = 0; i < n; ++i) {
        const std::string at = std::string(name_of(c.op)) + " element " + std::to_string(i);
        if constexpr (std::is_same_v<T, uint8_t>) FUZZ_CHECK(v[i] == 0 || v[i] == 1, at + " is not 0 or 1");
        if constexpr (std::is_same_v<T, int64_t>) FUZZ_CHECK(v[i] >= c.lo && v[i] < c.hi, at + " outside [low, high)");
        if constexpr (std::is_same_v<T, uint64_t>) FUZZ_CHECK(v[i] < c.n, at + " is not below n");
    }
}

template <class T>
void fuzz_fill(Input& in, Call& c) {
    const auto& ctxs = contexts();
    const char* fn = name_of(c.op);
    const uint8_t mode = in.u8();
    int64_t count;
    if (mode < 16) {  // a count no buffer can hold: refused before any memory is touched
        count = overflowing_count(in, sizeof(T));
        T dummy[1];
        const rk_status s = run<T>(ctxs[0], c, &c.stream, dummy, count);
        FUZZ_CHECK(!status_ok(s, fn), std::string(fn) + " accepted count " + std::to_string(count));
        FUZZ_CHECK(s == RK_STATUS_SIZE_OVERFLOW || (c.op == kPermutation && s == RK_STATUS_INVALID_ARGUMENT),
                   std::string(fn) + " refused count " + std::to_string(count) + " with " + rk_status_name(s));
        return;
    }
    count = mode >= 248 ? in.range(1 << 16, 3 << 16) : in.range(0, 300);  // large ones split across threads
    if (c.op == kPermutation && c.n - std::min(c.first, c.n) < static_cast<uint64_t>(count) && in.flag())
        count = static_cast<int64_t>(c.n - std::min(c.first, c.n));
    const bool null_out = in.u8() < 8, null_stream = in.u8() < 8;
    Buffer<T> out(static_cast<size_t>(count));
    const rk_status s = run<T>(ctxs[0], c, null_stream ? nullptr : &c.stream, null_out ? nullptr : out.data(), count);
    if (!status_ok(s, fn)) return;
    FUZZ_CHECK(!(null_out && count > 0), std::string(fn) + " accepted a null out for count " + std::to_string(count));
    FUZZ_CHECK(!null_stream || c.op == kPermutation, std::string(fn) + " accepted a null stream");
    if (null_out || count == 0) return;
    const size_t n = static_cast<size_t>(count);
    check_values(c, out.data(), n);
    if (c.op == kPermutation) {  // the inverse maps every output back to its position
        Call inv = c;
        inv.inverse = 1 - c.inverse;
        for (size_t i = 0; i < std::min<size_t>(n, 64); ++i) {
            uint64_t back = 0;
            inv.first = out.data()[i];
            FUZZ_CHECK(status_ok(run<uint64_t>(ctxs[0], inv, nullptr, &back, 1), fn), "inverse permutation failed");
            FUZZ_CHECK(back == c.first + i, "perm^-1(perm(i)) != i at i = " + std::to_string(c.first + i));
        }
    }
    // Deterministic, and the same bits on every context.
    for (rk_context* ctx : ctxs) {
        Buffer<T> again(n);
        FUZZ_CHECK(status_ok(run<T>(ctx, c, &c.stream, again.data(), count), fn), std::string(fn) + " failed on a repeat");
        FUZZ_CHECK(same_bits(out.data(), again.data(), n), std::string(fn) + " differs between calls or contexts");
    }
    // Element i depends only on (stream, i): the fill from a later offset is the tail of this one.
    if (c.op == kPermutation || n < 3 || n > 4096) return;
    const uint64_t skip_elements = c.op == kNormal ? 2 : 1;
    const uint64_t skip_words = skip_elements * words_per_element(c.op);
    if (c.stream.offset > UINT64_MAX - 2 * static_cast<uint64_t>(count)) return;
    Call shifted = c;
    shifted.stream.offset += skip_words;
    Buffer<T> tail(n - skip_elements);
    FUZZ_CHECK(status_ok(run<T>(ctxs[0], shifted, &shifted.stream, tail.data(), count - static_cast<int64_t>(skip_elements)), fn),
               std::string(fn) + " failed on a shifted stream");
    FUZZ_CHECK(same_bits(out.data() + skip_elements, tail.data(), tail.n),
               std::string(fn) + ": element i is not a pure function of (stream, i)");
    if constexpr (std::is_same_v<T, float>) {
        if (c.op != kUniform) return;
        // The fill equals rk_uniform_from_words over the word fill
        Buffer<uint32_t> words(n);
        Buffer<float> from_words(n);
        FUZZ_CHECK(status_ok(rk_philox_fill_u32(ctxs[0], &c.stream, words.data(), count), "rk_philox_fill_u32"), "");
        FUZZ_CHECK(status_ok(rk_uniform_from_words(words.data(), from_words.data(), count), "rk_uniform_from_words"), "");
        FUZZ_CHECK(same_bits(out.data(), from_words.data(), n), "fill_uniform != uniform_from_words(fill_u32)");
    }
}

void fuzz_words(Input& in) {
    const uint8_t mode = in.u8();
    if (mode < 16) {
        const int64_t count = overflowing_count(in, sizeof(float));
        uint32_t w[1] = {0};
        float f[1];
        const rk_status s = rk_uniform_from_words(w, f, count);
        FUZZ_CHECK(!status_ok(s, "rk_uniform_from_words") && s == RK_STATUS_SIZE_OVERFLOW, "count accepted");
        return;
    }
    const int64_t count = in.range(0, 64);
    Buffer<uint32_t> words(static_cast<size_t>(count));
    for (int64_t i = 0; i < count; ++i) words.data()[i] = in.u32();
    Buffer<float> out(static_cast<size_t>(count));
    const bool null_words = in.u8() < 8, null_out = in.u8() < 8;
    const rk_status s = rk_uniform_from_words(null_words ? nullptr : words.data(), null_out ? nullptr : out.data(), count);
    if (!status_ok(s, "rk_uniform_from_words")) return;
    FUZZ_CHECK(count == 0 || (!null_words && !null_out), "null pointer accepted");
    for (int64_t i = 0; i < count && !null_out; ++i) {
        const float x = out.data()[i];
        FUZZ_CHECK(x > 0.0f && x <= 1.0f, "rk_uniform_from_words outside (0, 1]");
        // Monotone: the formula is (float)w * 2^-32 + 2^-33, exact except for the conversion.
        FUZZ_CHECK(x == static_cast<float>(words.data()[i]) * 0x1p-32f + 0x1p-33f, "rk_uniform_from_words formula");
    }
}

void fuzz_block(Input& in) {
    uint32_t counter[4], key[2], out[4], again[4];
    for (auto& w : counter) w = in.flag() ? in.u32() : in.u8();
    for (auto& w : key) w = in.u32();
    const uint32_t rounds = in.u8() % 20;
    const uint8_t nulls = in.u8();
    const rk_status s = rk_philox4x32(rounds, (nulls & 0xF0) == 0x10 ? nullptr : counter,
                                      (nulls & 0xF0) == 0x20 ? nullptr : key, (nulls & 0xF0) == 0x30 ? nullptr : out);
    if (!status_ok(s, "rk_philox4x32")) return;
    FUZZ_CHECK(rounds >= 1 && rounds <= 16, "rk_philox4x32 accepted rounds " + std::to_string(rounds));
    FUZZ_CHECK(status_ok(rk_philox4x32(rounds, counter, key, again), "rk_philox4x32"), "");
    FUZZ_CHECK(std::memcmp(out, again, sizeof out) == 0, "rk_philox4x32 is not deterministic");
    // With 10 rounds, block b of subsequence (counter[2], counter[3]) is words [4b, 4b + 4) of the stream.
    const uint64_t block = counter[0] | static_cast<uint64_t>(counter[1]) << 32;
    if (rounds == 10 && block < (uint64_t{1} << 62)) {
        rk_philox_stream st{key[0] | static_cast<uint64_t>(key[1]) << 32,
                            counter[2] | static_cast<uint64_t>(counter[3]) << 32, 4 * block};
        uint32_t words[4];
        FUZZ_CHECK(status_ok(rk_philox_fill_u32(contexts()[0], &st, words, 4), "rk_philox_fill_u32"), "");
        FUZZ_CHECK(std::memcmp(out, words, sizeof out) == 0, "rk_philox4x32 block != stream words");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    Input in(data, size);
    Call c{};
    c.op = static_cast<Op>(in.u8() % kOpCount);
    c.stream = stream(in);
    c.f0 = in.f32_tame();
    c.f1 = in.f32_tame();
    c.f2 = in.f32_tame();
    c.f3 = in.f32_tame();
    c.p = in.f64();
    c.lo = in.flag() ? static_cast<int64_t>(in.u64()) : in.range(-100, 100);
    c.hi = in.flag() ? static_cast<int64_t>(in.u64()) : in.range(-100, 100);
    const uint8_t n_mode = in.u8();
    c.n = n_mode < 200 ? static_cast<uint64_t>(in.range(0, 2000)) : n_mode < 240 ? in.u64() : (uint64_t{1} << 63) + in.u8() - 1;
    c.first = in.flag() ? in.u64() % (c.n + 1 == 0 ? c.n : c.n + 1) : in.u8();
    c.subsequence = in.u64();
    c.inverse = in.u8() < 250 ? static_cast<int32_t>(in.u8() & 1) : static_cast<int32_t>(in.u32());
    switch (c.op) {
        case kU32: fuzz_fill<uint32_t>(in, c); break;
        case kUniform:
        case kUniformRange:
        case kNormal:
        case kTruncNormal: fuzz_fill<float>(in, c); break;
        case kBernoulli: fuzz_fill<uint8_t>(in, c); break;
        case kInt64: fuzz_fill<int64_t>(in, c); break;
        case kPermutation: fuzz_fill<uint64_t>(in, c); break;
        case kWords: fuzz_words(in); break;
        default: fuzz_block(in); break;
    }
    return 0;
}
