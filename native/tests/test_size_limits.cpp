// Size arithmetic at the C API: every entry point that takes a length refuses counts past 2^63 (negative int64),
// element counts whose byte size passes the addressable size, and sums or products of sizes that overflow, with
// RK_STATUS_SIZE_OVERFLOW (or the documented domain error) and a message naming the function. None of these tests
// allocates a large buffer: the API must decide before it touches memory. Counts past 2^31 that are valid on a
// 64-bit machine are not truncated to 32 bits: with a null buffer they reach the null-pointer check.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>

#include "test_helpers.h"

namespace {

constexpr int64_t kI64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kI64Min = std::numeric_limits<int64_t>::min();
constexpr uint64_t kU64Max = std::numeric_limits<uint64_t>::max();
// Counts of 4- and 8-byte elements whose byte size passes PTRDIFF_MAX; negative counts (2^63 and up as u64).
constexpr int64_t kFloatBytesOverflow = kI64Max / 4 + 1;
constexpr int64_t kWideBytesOverflow = kI64Max / 8 + 1;
constexpr int64_t kNegative[] = {-1, kI64Min, -(int64_t{1} << 31), -(int64_t{1} << 32) - 1};
// Valid 64-bit counts that a 32-bit truncation would turn into 0, a negative or a small number.
constexpr int64_t kPast2To31[] = {int64_t{1} << 31, (int64_t{1} << 32) + 3, int64_t{1} << 40};

// Expects `status` with a message that starts with `fn` and contains `what`.
void expect_refused(rk_status got, rk_status want, const char* fn, const char* what) {
    EXPECT_EQ(got, want) << fn << ": " << rk_status_name(got) << " " << rk_last_error_message();
    const std::string m = rk_last_error_message();
    EXPECT_EQ(m.rfind(fn, 0), 0u) << "message does not start with " << fn << ": " << m;
    EXPECT_NE(m.find(what), std::string::npos) << "message lacks '" << what << "': " << m;
}

class SizeLimits : public ::testing::Test {
protected:
    rk::test::Context ctx_{RK_ISA_SCALAR, 1};
    rk_philox_stream st_{1, 2, 3};
    rk_context* c() const { return ctx_.get(); }
};

// Calls one fill entry point with `out` and `count`.
using FillCall = rk_status (*)(rk_context*, const rk_philox_stream*, void*, int64_t);

struct Fill {
    const char* name;
    size_t element_size;
    FillCall call;
};

const Fill kFills[] = {
    {"rk_philox_fill_u32", 4,
     [](rk_context* c, const rk_philox_stream* s, void* o, int64_t n) { return rk_philox_fill_u32(c, s, static_cast<uint32_t*>(o), n); }},
    {"rk_philox_fill_uniform", 4,
     [](rk_context* c, const rk_philox_stream* s, void* o, int64_t n) { return rk_philox_fill_uniform(c, s, static_cast<float*>(o), n); }},
    {"rk_philox_fill_uniform_range", 4,
     [](rk_context* c, const rk_philox_stream* s, void* o, int64_t n) {
         return rk_philox_fill_uniform_range(c, s, -1.0f, 1.0f, static_cast<float*>(o), n);
     }},
    {"rk_philox_fill_normal", 4,
     [](rk_context* c, const rk_philox_stream* s, void* o, int64_t n) {
         return rk_philox_fill_normal(c, s, 0.0f, 1.0f, static_cast<float*>(o), n);
     }},
    {"rk_philox_fill_truncated_normal", 4,
     [](rk_context* c, const rk_philox_stream* s, void* o, int64_t n) {
         return rk_philox_fill_truncated_normal(c, s, 0.0f, 1.0f, -2.0f, 2.0f, static_cast<float*>(o), n);
     }},
    {"rk_philox_fill_bernoulli", 1,
     [](rk_context* c, const rk_philox_stream* s, void* o, int64_t n) {
         return rk_philox_fill_bernoulli(c, s, 0.5, static_cast<uint8_t*>(o), n);
     }},
    {"rk_philox_fill_int64", 8,
     [](rk_context* c, const rk_philox_stream* s, void* o, int64_t n) {
         return rk_philox_fill_int64(c, s, -5, 5, static_cast<int64_t*>(o), n);
     }},
    {"rk_uniform_from_words", 4,
     [](rk_context*, const rk_philox_stream*, void* o, int64_t n) {
         static const uint32_t words[1] = {0};
         return rk_uniform_from_words(words, static_cast<float*>(o), n);
     }},
    {"rk_permutation", 8,
     [](rk_context* c, const rk_philox_stream*, void* o, int64_t n) {
         return rk_permutation(c, uint64_t{1} << 63, 7, 0, 0, 0, static_cast<uint64_t*>(o), n);
     }},
};

TEST_F(SizeLimits, FillsRefuseNegativeAndByteOverflowingCounts) {
    for (const Fill& f : kFills) {
        SCOPED_TRACE(f.name);
        uint64_t canary = 0x0123456789abcdefULL;  // a real buffer: a wrong acceptance would write into it
        for (int64_t n : kNegative) expect_refused(f.call(c(), &st_, &canary, n), RK_STATUS_SIZE_OVERFLOW, f.name, "negative");
        if (f.element_size > 1) {
            const int64_t over = f.element_size == 4 ? kFloatBytesOverflow : kWideBytesOverflow;
            for (int64_t n : {over, kI64Max})
                expect_refused(f.call(c(), &st_, &canary, n), RK_STATUS_SIZE_OVERFLOW, f.name, "addressable");
        }
        EXPECT_EQ(canary, 0x0123456789abcdefULL) << "a refused call wrote to the buffer";
    }
}

TEST_F(SizeLimits, FillsKeepCountsPast2To31) {
    for (const Fill& f : kFills) {
        SCOPED_TRACE(f.name);
        for (int64_t n : kPast2To31) expect_refused(f.call(c(), &st_, nullptr, n), RK_STATUS_NULL_POINTER, f.name, "'out'");
        // A byte-sized element: every non-negative int64 count is addressable, so INT64_MAX reaches the pointer check.
        if (f.element_size == 1) expect_refused(f.call(c(), &st_, nullptr, kI64Max), RK_STATUS_NULL_POINTER, f.name, "'out'");
    }
}

TEST_F(SizeLimits, PermutationRangesPast2To63) {
    uint64_t out[2] = {};
    for (uint64_t n : {(uint64_t{1} << 63) + 1, kU64Max, uint64_t{0}})
        expect_refused(rk_permutation(c(), n, 1, 0, 0, 0, out, 1), RK_STATUS_INVALID_ARGUMENT, "rk_permutation", "n must be");
    // first + count past n (and past 2^64 - 1 as a sum): refused without wrapping.
    const uint64_t n = uint64_t{1} << 63;
    expect_refused(rk_permutation(c(), n, 1, 0, 0, n - 1, out, 2), RK_STATUS_INVALID_ARGUMENT, "rk_permutation", "pass n");
    expect_refused(rk_permutation(c(), n, 1, 0, 0, kU64Max, out, 2), RK_STATUS_INVALID_ARGUMENT, "rk_permutation", "pass n");
    expect_refused(rk_permutation(c(), 10, 1, 0, 0, kU64Max - 1, out, 2), RK_STATUS_INVALID_ARGUMENT, "rk_permutation", "pass n");
    // The last position of the largest permutation is valid.
    ASSERT_EQ(rk_permutation(c(), n, 1, 0, 0, n - 1, out, 1), RK_STATUS_OK) << rk_last_error_message();
    EXPECT_LT(out[0], n);
}

TEST_F(SizeLimits, DropoutCountsOffsetsAndMaskBytes) {
    float data[4] = {};
    uint8_t mask[4] = {};
    const char* fwd = "rk_dropout_forward";
    for (int64_t n : kNegative) {
        expect_refused(rk_dropout_forward(c(), &st_, 0.5, 0, data, data, n, RK_MASK_NONE, nullptr), RK_STATUS_SIZE_OVERFLOW, fwd, "negative");
        expect_refused(rk_dropout_backward(c(), &st_, 0.5, 0, data, data, n, RK_MASK_NONE, nullptr), RK_STATUS_SIZE_OVERFLOW,
                       "rk_dropout_backward", "negative");
        expect_refused(rk_dropout_mask(c(), &st_, 0.5, 0, n, RK_MASK_BITS, mask), RK_STATUS_SIZE_OVERFLOW, "rk_dropout_mask", "negative");
        int64_t bytes = -7;
        expect_refused(rk_dropout_mask_bytes(RK_MASK_BITS, n, &bytes), RK_STATUS_SIZE_OVERFLOW, "rk_dropout_mask_bytes", "negative");
        EXPECT_EQ(bytes, -7);
    }
    for (int64_t n : {kFloatBytesOverflow, kI64Max})
        expect_refused(rk_dropout_forward(c(), &st_, 0.5, 0, data, data, n, RK_MASK_NONE, nullptr), RK_STATUS_SIZE_OVERFLOW, fwd,
                       "addressable");
    // The mask-only call writes no floats, but a count whose floats could not exist is refused all the same
    // (one count domain for forward, backward and mask).
    expect_refused(rk_dropout_mask(c(), &st_, 0.5, 0, kI64Max, RK_MASK_BYTES, mask), RK_STATUS_SIZE_OVERFLOW, "rk_dropout_mask",
                   "addressable");
    // element_offset + count past 2^64 - 1.
    expect_refused(rk_dropout_forward(c(), &st_, 0.5, kU64Max, data, data, 2, RK_MASK_NONE, nullptr), RK_STATUS_SIZE_OVERFLOW,
                   fwd, "element_offset");
    expect_refused(rk_dropout_mask(c(), &st_, 0.5, kU64Max - 3, 4, RK_MASK_BYTES, mask), RK_STATUS_SIZE_OVERFLOW,
                   "rk_dropout_mask", "element_offset");
    // The largest offset whose end (element_offset + count) is still representable is fine.
    ASSERT_EQ(rk_dropout_mask(c(), &st_, 0.5, kU64Max - 4, 4, RK_MASK_BYTES, mask), RK_STATUS_OK) << rk_last_error_message();
    // Counts past 2^31 are kept: the mask sizes are exact, and the calls reach the pointer checks.
    for (int64_t n : kPast2To31) {
        int64_t bytes = 0;
        ASSERT_EQ(rk_dropout_mask_bytes(RK_MASK_BITS, n, &bytes), RK_STATUS_OK);
        EXPECT_EQ(bytes, (n + 31) / 32 * 4);
        ASSERT_EQ(rk_dropout_mask_bytes(RK_MASK_BYTES, n, &bytes), RK_STATUS_OK);
        EXPECT_EQ(bytes, n);
        expect_refused(rk_dropout_forward(c(), &st_, 0.5, 0, nullptr, data, n, RK_MASK_NONE, nullptr), RK_STATUS_NULL_POINTER, fwd, "'x'");
    }
    int64_t bytes = 0;
    ASSERT_EQ(rk_dropout_mask_bytes(RK_MASK_BITS, kI64Max, &bytes), RK_STATUS_OK);  // (count + 31) must not wrap
    EXPECT_EQ(static_cast<uint64_t>(bytes), (static_cast<uint64_t>(kI64Max) + 31) / 32 * 4);
}

TEST_F(SizeLimits, SamplingSizes) {
    float logits[4] = {0, 1, 2, 3};
    rk_sampling_params params{1.0f, 0, 1.0, 0.0};
    int32_t token = -1;
    const char* fn = "rk_sample";
    for (int64_t n : kNegative) {
        expect_refused(rk_sample(c(), logits, n, 4, 4, &params, &st_, &token, nullptr, nullptr, nullptr), RK_STATUS_SIZE_OVERFLOW, fn,
                       "negative");
        expect_refused(rk_sample(c(), logits, 1, n, 4, &params, &st_, &token, nullptr, nullptr, nullptr), RK_STATUS_SIZE_OVERFLOW, fn,
                       "negative");
        expect_refused(rk_sample(c(), logits, 1, 4, n, &params, &st_, &token, nullptr, nullptr, nullptr), RK_STATUS_INVALID_ARGUMENT, fn,
                       "row_stride");
    }
    // vocab at or past 2^21 (the sampler's limit), 2^31 and 2^40 included.
    for (int64_t v : {int64_t{1} << 21, int64_t{1} << 31, (int64_t{1} << 32) + 1, int64_t{1} << 40})
        expect_refused(rk_sample(c(), logits, 1, v, v, &params, &st_, &token, nullptr, nullptr, nullptr), RK_STATUS_INVALID_ARGUMENT, fn,
                       "vocab");
    expect_refused(rk_sample(c(), logits, 1, kI64Max, kI64Max, &params, &st_, &token, nullptr, nullptr, nullptr),
                   RK_STATUS_SIZE_OVERFLOW, fn, "addressable");
    // (batch - 1) * row_stride + vocab floats past the addressable size.
    expect_refused(rk_sample(c(), logits, int64_t{1} << 40, 4, int64_t{1} << 30, &params, &st_, &token, nullptr, nullptr, nullptr),
                   RK_STATUS_SIZE_OVERFLOW, fn, "row_stride");
    expect_refused(rk_sample(c(), logits, 2, 4, kI64Max / 4, &params, &st_, &token, nullptr, nullptr, nullptr),
                   RK_STATUS_SIZE_OVERFLOW, fn, "row_stride");
    // A batch past 2^31 rows with a small stride is addressable: it reaches the pointer checks.
    for (int64_t b : kPast2To31)
        expect_refused(rk_sample(c(), nullptr, b, 4, 4, &params, &st_, &token, nullptr, nullptr, nullptr), RK_STATUS_NULL_POINTER, fn,
                       "'logits'");
    EXPECT_EQ(token, -1) << "a refused call wrote a token";
}

rk_conv2d_desc desc(int64_t n, int64_t c, int64_t h, int64_t w, int64_t k, int64_t r, int64_t s) {
    rk_conv2d_desc d{};
    d.struct_size = sizeof d;
    d.layout = RK_LAYOUT_NCHW;
    d.n = n, d.c = c, d.h = h, d.w = w, d.k = k, d.r = r, d.s = s;
    d.stride_h = d.stride_w = d.dilation_h = d.dilation_w = d.groups = 1;
    return d;
}

TEST_F(SizeLimits, Conv2dShapes) {
    float buf[4] = {};
    // Each size: negative, past 2^40 (the per-dimension limit).
    for (int field = 0; field < 7; ++field) {
        for (int64_t v : {int64_t{-1}, kI64Min, (int64_t{1} << 40) + 1, kI64Max}) {
            rk_conv2d_desc d = desc(1, 1, 4, 4, 1, 1, 1);
            int64_t* f[] = {&d.n, &d.c, &d.h, &d.w, &d.k, &d.r, &d.s};
            *f[field] = v;
            SCOPED_TRACE("field " + std::to_string(field) + " = " + std::to_string(v));
            int64_t p = 0, q = 0;
            expect_refused(rk_conv2d_output_shape(&d, &p, &q), RK_STATUS_SIZE_OVERFLOW, "rk_conv2d_output_shape", "desc->");
            expect_refused(rk_conv2d_forward(c(), &d, RK_CONV_DIRECT, buf, buf, nullptr, buf + 2, nullptr, 0, nullptr),
                           RK_STATUS_SIZE_OVERFLOW, "rk_conv2d_forward", "desc->");
        }
    }
    // Products of sizes within 2^40 each whose element counts pass the addressable size: x, y and w.
    const int64_t big = int64_t{1} << 40;
    const char* what[] = {"x (n * c * h * w)", "x (n * c * h * w)", "w (k * c / groups * r * s)"};
    const rk_conv2d_desc over[] = {desc(big, big, 1, 1, 1, 1, 1), desc(1, 1 << 20, 1 << 20, 1 << 20, 1, 1, 1),
                                   desc(1, big, 1, 1, big, 1, 1)};
    for (int i = 0; i < 3; ++i) {
        SCOPED_TRACE(i);
        expect_refused(rk_conv2d_output_shape(&over[i], nullptr, nullptr), RK_STATUS_SIZE_OVERFLOW, "rk_conv2d_output_shape", what[i]);
        int64_t ws = -1;
        expect_refused(rk_conv2d_query(&over[i], RK_CONV_PASS_BACKWARD_WEIGHTS, RK_CONV_AUTO, nullptr, &ws), RK_STATUS_SIZE_OVERFLOW,
                       "rk_conv2d_query", what[i]);
        EXPECT_EQ(ws, -1);
        expect_refused(rk_conv2d_backward_data(c(), &over[i], buf, buf, buf + 2, nullptr, 0), RK_STATUS_SIZE_OVERFLOW,
                       "rk_conv2d_backward_data", what[i]);
        expect_refused(rk_conv2d_backward_weights(c(), &over[i], buf, buf, buf + 2, nullptr, nullptr, 0), RK_STATUS_SIZE_OVERFLOW,
                       "rk_conv2d_backward_weights", what[i]);
    }
    // Element counts past 2^31 (and 2^32) that are addressable: queried exactly, and the passes reach the pointer
    // checks before they allocate any workspace.
    const rk_conv2d_desc large = desc(2, 3, 1 << 15, 1 << 15, 5, 3, 3);  // x: 6 * 2^30 elements
    int64_t p = 0, q = 0, ws = -1;
    ASSERT_EQ(rk_conv2d_output_shape(&large, &p, &q), RK_STATUS_OK) << rk_last_error_message();
    EXPECT_EQ(p, (1 << 15) - 2);
    EXPECT_EQ(q, (1 << 15) - 2);
    for (rk_conv_pass pass : {RK_CONV_PASS_FORWARD, RK_CONV_PASS_BACKWARD_DATA, RK_CONV_PASS_BACKWARD_WEIGHTS}) {
        ASSERT_EQ(rk_conv2d_query(&large, pass, RK_CONV_DIRECT, nullptr, &ws), RK_STATUS_OK) << rk_last_error_message();
        EXPECT_GE(ws, 0);
    }
    expect_refused(rk_conv2d_forward(c(), &large, RK_CONV_AUTO, nullptr, buf, nullptr, buf, nullptr, 0, nullptr),
                   RK_STATUS_NULL_POINTER, "rk_conv2d_forward", "'x'");
    expect_refused(rk_conv2d_backward_weights(c(), &large, buf, nullptr, buf, nullptr, nullptr, 0), RK_STATUS_NULL_POINTER,
                   "rk_conv2d_backward_weights", "'dy'");
    // Negative or short workspace sizes.
    const rk_conv2d_desc small = desc(1, 1, 4, 4, 1, 3, 3);
    float x[16] = {}, w[9] = {}, y[4] = {};
    for (int64_t bad : {int64_t{-1}, kI64Min})
        expect_refused(rk_conv2d_forward(c(), &small, RK_CONV_WINOGRAD_2X3, x, w, nullptr, y, buf, bad, nullptr),
                       RK_STATUS_SIZE_OVERFLOW, "rk_conv2d_forward", "workspace_bytes");
}

TEST_F(SizeLimits, DeviceMemory) {
    // On a CPU context rk_device_alloc / rk_memcpy work on host memory: the same size rules.
    void* p = reinterpret_cast<void*>(0x1);
    for (int64_t n : kNegative) {
        expect_refused(rk_device_alloc(c(), n, &p), RK_STATUS_SIZE_OVERFLOW, "rk_device_alloc", "negative");
        EXPECT_EQ(p, nullptr) << "a refused allocation left a pointer";
        char a[4] = {}, b[4] = {};
        expect_refused(rk_memcpy(c(), a, b, n, RK_COPY_HOST_TO_DEVICE, 0), RK_STATUS_SIZE_OVERFLOW, "rk_memcpy", "negative");
    }
    // Copies past 2^31 bytes keep their size: with a null destination they reach the pointer check.
    char src[4] = {};
    for (int64_t n : kPast2To31)
        expect_refused(rk_memcpy(c(), nullptr, src, n, RK_COPY_HOST_TO_DEVICE, 0), RK_STATUS_NULL_POINTER, "rk_memcpy", "'dst'");
}

TEST_F(SizeLimits, TextCapacities) {
    char buf[8] = {'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x'};
    for (int64_t cap : {int64_t{0}, int64_t{-1}, kI64Min}) {
        expect_refused(rk_cpu_description(buf, cap), RK_STATUS_INVALID_ARGUMENT, "rk_cpu_description", "capacity");
        expect_refused(rk_golden_case_info(0, buf, cap, buf, 65), RK_STATUS_INVALID_ARGUMENT, "rk_golden_case_info", "'name'");
        expect_refused(rk_golden_case_run(c(), 0, buf, cap), RK_STATUS_INVALID_ARGUMENT, "rk_golden_case_run", "65 bytes");
    }
    EXPECT_EQ(buf[0], 'x') << "a refused call wrote text";
}

}  // namespace
