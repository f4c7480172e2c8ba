// Fuzz harness: conv2d descriptors (struct size, layout, shapes, strides, padding, dilation, groups, sizes up to
// and past the limits), every algorithm and pass through rk_conv2d_output_shape / rk_conv2d_query, and small
// problems through forward, backward-data and backward-weights with caller or library workspaces of exactly the
// queried size (and one byte short), overlapping outputs and null pointers.
// Invariants: the status contract; query resolves to a concrete algorithm (backward passes: direct) whose
// forward reports the same choice; direct and implicit GEMM give identical bits; every pass gives the same bits
// on every context and call, with either workspace; image 0 of a batch equals image 0 convolved alone.
#include "c_abi.h"
#include "fuzz_common.h"

using namespace rkfuzz;

namespace {

constexpr int64_t kMaxMacs = 60000;  // problems larger than this are only queried, not run

int64_t small_or_huge(Input& in, int64_t lo, int64_t hi, bool huge) {
    if (!huge) return in.range(lo, hi);
    switch (in.u8() % 6) {
        case 0: return (int64_t{1} << 40) + in.range(-2, 2);
        case 1: return std::numeric_limits<int64_t>::max() - in.range(0, 3);
        case 2: return -in.range(0, 3) - 1;
        case 3: return int64_t{1} << (31 + in.u8() % 10);
        case 4: return 0;
        default: return in.range(lo, hi);
    }
}

rk_conv2d_desc fuzz_desc(Input& in, bool huge) {
    rk_conv2d_desc d{};
    d.struct_size = sizeof d;
    const uint8_t misc = in.u8();
    if (misc < 4) d.struct_size = static_cast<uint32_t>(in.range(0, sizeof d - 1));
    else if (misc < 8) d.struct_size = static_cast<uint32_t>(sizeof d + in.u8());
    rkfuzz_set_layout(&d, static_cast<int>(misc < 12 ? in.range(-1, 2) : (misc & 16) ? 1 : 0));
    const int32_t groups = static_cast<int32_t>(in.range(1, 4));
    d.groups = groups;
    d.n = small_or_huge(in, 1, 3, huge && in.flag());
    d.c = groups * in.range(1, 4);
    d.k = groups * in.range(1, 4);
    if (in.u8() < 8) d.c += 1;  // groups may not divide c
    if (in.u8() < 4) d.groups = static_cast<int32_t>(in.range(-1, 0));
    d.h = small_or_huge(in, 1, 10, huge && in.flag());
    d.w = small_or_huge(in, 1, 10, huge && in.flag());
    d.c = huge && in.flag() ? small_or_huge(in, 1, 8, true) : d.c;
    d.k = huge && in.flag() ? small_or_huge(in, 1, 8, true) : d.k;
    d.r = small_or_huge(in, 1, 5, huge && in.flag());
    d.s = small_or_huge(in, 1, 5, huge && in.flag());
    auto int32_param = [&](int32_t lo, int32_t hi) {
        const uint8_t sel = in.u8();
        if (sel < 4) return static_cast<int32_t>(in.range(-2, 0) + (lo > 0 ? 0 : -1));  // out of domain
        if (sel < 6 && huge) return std::numeric_limits<int32_t>::max() - static_cast<int32_t>(in.u8());
        return static_cast<int32_t>(in.range(lo, hi));
    };
    d.stride_h = int32_param(1, 3);
    d.stride_w = int32_param(1, 3);
    d.pad_top = int32_param(0, 2);
    d.pad_bottom = int32_param(0, 2);
    d.pad_left = int32_param(0, 2);
    d.pad_right = int32_param(0, 2);
    d.dilation_h = int32_param(1, 3);
    d.dilation_w = int32_param(1, 3);
    return d;
}

// An algorithm as an int (c_abi.h): mostly valid, sometimes out of the enum's range.
int fuzz_algorithm(Input& in) {
    const uint8_t sel = in.u8();
    return static_cast<int>(sel < 240 ? sel % 6 : in.range(-2, 8));
}

void fill(Input& in, Buffer<float>& b) {
    const bool wild = in.u8() < 16;
    for (size_t i = 0; i < b.n; ++i) b.data()[i] = in.remaining() == 0 ? static_cast<float>(i % 5) - 2.0f
                                                    : wild ? in.f32() : in.f32_tame();
}

struct Problem {
    rk_conv2d_desc d;
    int64_t p = 0, q = 0;
    size_t x = 0, w = 0, y = 0;
};

// Runs `pass` with `algo` on ctx; the workspace is the library's (mode 0), a caller buffer of exactly the queried
// size (1) or one byte short (2, which must be refused). Returns the status; outputs go to out / out2.
rk_status run_pass(rk_context* ctx, const Problem& pr, rk_conv_pass pass, int algo, int ws_mode,
                   const Buffer<float>& a, const Buffer<float>& b, const Buffer<float>* bias, Buffer<float>& out,
                   Buffer<float>* out2, int* chosen) {
    int64_t need = 0;
    if (!status_ok(rkfuzz_conv2d_query(&pr.d, pass, algo, nullptr, &need), "rk_conv2d_query")) need = 0;
    Buffer<uint8_t> ws(ws_mode == 0 ? 0 : static_cast<size_t>(ws_mode == 2 && need > 0 ? need - 1 : need));
    void* wsp = ws_mode == 0 ? nullptr : ws.data();
    const int64_t wsb = static_cast<int64_t>(ws.n);
    switch (pass) {
        case RK_CONV_PASS_FORWARD:
            return rkfuzz_conv2d_forward(ctx, &pr.d, algo, a.data(), b.data(), bias ? bias->data() : nullptr, out.data(), wsp,
                                     wsb, chosen);
        case RK_CONV_PASS_BACKWARD_DATA:
            return rk_conv2d_backward_data(ctx, &pr.d, a.data(), b.data(), out.data(), wsp, wsb);
        default:
            return rk_conv2d_backward_weights(ctx, &pr.d, a.data(), b.data(), out.data(), out2 ? out2->data() : nullptr,
                                              wsp, wsb);
    }
}

const char* pass_fn(rk_conv_pass pass) {
    return pass == RK_CONV_PASS_FORWARD ? "rk_conv2d_forward"
           : pass == RK_CONV_PASS_BACKWARD_DATA ? "rk_conv2d_backward_data"
                                                : "rk_conv2d_backward_weights";
}

void fuzz_run(Input& in, const Problem& pr) {
    const auto& ctxs = contexts();
    const rk_conv_pass pass = static_cast<rk_conv_pass>(in.u8() % 3);
    const int algo = pass == RK_CONV_PASS_FORWARD ? fuzz_algorithm(in) : in.u8() % 3;
    const char* fn = pass_fn(pass);
    // Inputs and outputs of the pass, each exactly as large as the shape says.
    const size_t in_a = pass == RK_CONV_PASS_BACKWARD_DATA ? pr.y : pr.x;
    const size_t in_b = pass == RK_CONV_PASS_BACKWARD_WEIGHTS ? pr.y : pr.w;
    const size_t n_out = pass == RK_CONV_PASS_FORWARD ? pr.y : pass == RK_CONV_PASS_BACKWARD_DATA ? pr.x : pr.w;
    Buffer<float> a(in_a), b(in_b), bias(static_cast<size_t>(pr.d.k));
    fill(in, a);
    fill(in, b);
    fill(in, bias);
    const bool with_bias = in.flag();
    Buffer<float> out(n_out), out2(static_cast<size_t>(pr.d.k));
    const int ws_mode = in.u8() % 3;
    int chosen = -1;
    const rk_status s = run_pass(ctxs[0], pr, pass, algo, ws_mode, a, b, with_bias ? &bias : nullptr, out,
                                 with_bias ? &out2 : nullptr, &chosen);
    int64_t need = 0;
    const rk_status qs = rkfuzz_conv2d_query(&pr.d, pass, algo, nullptr, &need);
    if (qs != RK_STATUS_OK) {  // refused by the query (checked there): the pass must refuse it the same way
        FUZZ_CHECK(s == qs, std::string(fn) + " and rk_conv2d_query disagree");
        return;
    }
    if (!status_ok(s, fn)) {
        if (ws_mode == 2 && need > 0)
            FUZZ_CHECK(s == RK_STATUS_INVALID_ARGUMENT, "a short workspace was refused with the wrong status");
        else
            FUZZ_CHECK(false, std::string(fn) + " refused what rk_conv2d_query accepted: " + rk_last_error_message());
        return;
    }
    int resolved = -1;
    FUZZ_CHECK(status_ok(rkfuzz_conv2d_query(&pr.d, pass, algo, &resolved, &need), "rk_conv2d_query"), "");
    FUZZ_CHECK(!(ws_mode == 2 && need > 0), std::string(fn) + " accepted a workspace one byte short");
    if (pass == RK_CONV_PASS_FORWARD)
        FUZZ_CHECK(chosen == resolved, "forward used a different algorithm than rk_conv2d_query reported");
    // Every context, either workspace: the same bits. Direct and implicit GEMM: the same bits.
    const int twin = resolved == RK_CONV_DIRECT ? RK_CONV_IMPLICIT_GEMM : resolved == RK_CONV_IMPLICIT_GEMM ? RK_CONV_DIRECT : resolved;
    for (size_t i = 0; i < ctxs.size(); ++i) {
        Buffer<float> o(n_out), o2(out2.n);
        const int use = pass == RK_CONV_PASS_FORWARD && (i & 1) ? twin : resolved;
        FUZZ_CHECK(status_ok(run_pass(ctxs[i], pr, pass, use, static_cast<int>(i % 2), a, b, with_bias ? &bias : nullptr,
                                      o, with_bias ? &o2 : nullptr, nullptr),
                             fn),
                   std::string(fn) + " refused on another context or algorithm");
        FUZZ_CHECK(same_bits(out.data(), o.data(), n_out), std::string(fn) + " differs between contexts, calls or twins (algorithm " +
                                                               std::to_string(use) + ")");
        if (with_bias && pass == RK_CONV_PASS_BACKWARD_WEIGHTS)
            FUZZ_CHECK(same_bits(out2.data(), o2.data(), o2.n), "dbias differs between contexts or calls");
    }
    // Image 0 of the batch equals image 0 alone (forward and backward-data; the layouts keep n outermost).
    if (pr.d.n > 1 && pass != RK_CONV_PASS_BACKWARD_WEIGHTS) {
        Problem one = pr;
        one.d.n = 1;
        one.x = pr.x / static_cast<size_t>(pr.d.n);
        one.y = pr.y / static_cast<size_t>(pr.d.n);
        Buffer<float> a1(pass == RK_CONV_PASS_FORWARD ? one.x : one.y), o1(pass == RK_CONV_PASS_FORWARD ? one.y : one.x);
        std::memcpy(a1.data(), a.data(), a1.bytes());
        FUZZ_CHECK(status_ok(run_pass(ctxs.back(), one, pass, resolved, 1, a1, b, with_bias ? &bias : nullptr, o1, nullptr, nullptr), fn),
                   std::string(fn) + " refused a batch of one");
        FUZZ_CHECK(same_bits(out.data(), o1.data(), o1.n), std::string(fn) + ": image 0 depends on the batch size");
    }
}

// Output or workspace overlapping an input, null pointers: refused.
void fuzz_misuse(Input& in, const Problem& pr) {
    rk_context* ctx = contexts()[0];
    const size_t big = std::max({pr.x, pr.y, pr.w});
    Buffer<float> shared(big), w(pr.w), other(big);
    const uint8_t what = in.u8() % 4;
    rk_status s;
    const char* fn = "rk_conv2d_forward";
    switch (what) {
        case 0: s = rk_conv2d_forward(ctx, &pr.d, RK_CONV_DIRECT, shared.data(), w.data(), nullptr, shared.data(), nullptr, 0, nullptr); break;
        case 1: fn = "rk_conv2d_backward_data"; s = rk_conv2d_backward_data(ctx, &pr.d, shared.data(), w.data(), shared.data(), nullptr, 0); break;
        case 2: fn = "rk_conv2d_backward_weights"; s = rk_conv2d_backward_weights(ctx, &pr.d, other.data(), shared.data(), shared.data(), nullptr, nullptr, 0); break;
        default: s = rk_conv2d_forward(ctx, &pr.d, RK_CONV_DIRECT, other.data(), nullptr, nullptr, shared.data(), nullptr, 0, nullptr); break;
    }
    FUZZ_CHECK(!status_ok(s, fn), std::string(fn) + " accepted misuse " + std::to_string(what));
    FUZZ_CHECK(s == (what == 3 ? RK_STATUS_NULL_POINTER : RK_STATUS_INVALID_ARGUMENT),
               std::string(fn) + " refused misuse with " + rk_status_name(s));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    Input in(data, size);
    const uint8_t mode = in.u8();
    const bool huge = mode < 40;
    Problem pr;
    pr.d = fuzz_desc(in, huge);
    const rk_status shape = rk_conv2d_output_shape(&pr.d, &pr.p, &pr.q);
    const bool shape_ok = status_ok(shape, "rk_conv2d_output_shape");
    // Queries of every pass and algorithm: resolved algorithms are concrete, backward passes direct.
    for (int pass = -1; pass <= 3; ++pass) {
        const int requested = fuzz_algorithm(in);
        int chosen = -1;
        int64_t bytes = -1;
        const rk_status s = rkfuzz_conv2d_query(&pr.d, pass, requested, &chosen, &bytes);
        if (!status_ok(s, "rk_conv2d_query")) continue;
        FUZZ_CHECK(shape_ok, "rk_conv2d_query accepted a descriptor rk_conv2d_output_shape refused");
        FUZZ_CHECK(pass >= 0 && pass <= 2, "rk_conv2d_query accepted pass " + std::to_string(pass));
        FUZZ_CHECK(chosen >= RK_CONV_DIRECT && chosen <= RK_CONV_FFT, "query resolved to " + std::to_string(chosen));
        FUZZ_CHECK(pass == RK_CONV_PASS_FORWARD || chosen == RK_CONV_DIRECT, "a backward pass resolved to a non-direct algorithm");
        FUZZ_CHECK(bytes >= 0, "negative workspace size");
        int64_t again = -1;
        FUZZ_CHECK(status_ok(rkfuzz_conv2d_query(&pr.d, pass, chosen, nullptr, &again), "rk_conv2d_query"),
                   "the resolved algorithm is refused when requested");
        FUZZ_CHECK(again == bytes, "the resolved algorithm needs a different workspace");
    }
    if (!shape_ok) return 0;
    FUZZ_CHECK(pr.p >= 1 && pr.q >= 1, "output shape below 1");
    const int64_t macs = pr.d.n * pr.d.k * pr.p * pr.q * (pr.d.c / pr.d.groups) * pr.d.r * pr.d.s;
    if (huge || pr.d.n * pr.d.c * pr.d.h * pr.d.w > kMaxMacs || macs > kMaxMacs) return 0;
    pr.x = static_cast<size_t>(pr.d.n * pr.d.c * pr.d.h * pr.d.w);
    pr.y = static_cast<size_t>(pr.d.n * pr.d.k * pr.p * pr.q);
    pr.w = static_cast<size_t>(pr.d.k * (pr.d.c / pr.d.groups) * pr.d.r * pr.d.s);
    if (mode < 56)
        fuzz_misuse(in, pr);
    else
        fuzz_run(in, pr);
    return 0;
}
