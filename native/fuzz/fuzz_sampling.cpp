// Fuzz harness: rk_sample with every parameter (temperature, top_k, top_p, min_p, including NaN, infinities,
// negative and out-of-range values), logits with NaN / +-Inf / extremes and rows of only -Inf, vocab and batch
// sizes, row strides, optional outputs, null pointers and sizes no buffer can hold.
// Invariants: the status contract; an OK call had valid parameters and no NaN/+Inf logit, and chose for every
// row a token in [0, V) with a finite logit, a probability in (0, 1], a log-probability <= 0 and a kept count in
// [1, V]; a row's result equals that row sampled alone (batch 1) and is the same on every context and call;
// greedy rows choose the smallest index among the largest logits; a call with valid parameters, finite logits and
// a temperature of 0 or at least 1 (no overflow in l / T) succeeds.
#include "fuzz_common.h"

using namespace rkfuzz;

namespace {

constexpr int64_t kMaxVocab = int64_t{1} << 21;

struct Outputs {
    explicit Outputs(size_t b) : tokens(b), probs(b), logprobs(b), kept(b) {}
    Buffer<int32_t> tokens;
    Buffer<float> probs, logprobs;
    Buffer<int32_t> kept;
};

rk_status sample(rk_context* ctx, const float* logits, int64_t batch, int64_t vocab, int64_t stride,
                 const rk_sampling_params* params, const rk_philox_stream* streams, Outputs& o, uint8_t optional) {
    return rk_sample(ctx, logits, batch, vocab, stride, params, streams, o.tokens.data(),
                     (optional & 1) ? o.probs.data() : nullptr, (optional & 2) ? o.logprobs.data() : nullptr,
                     (optional & 4) ? o.kept.data() : nullptr);
}

bool params_valid(const rk_sampling_params& p) {
    return p.temperature >= 0.0f && !std::isinf(p.temperature) && p.top_k >= 0 && p.top_p > 0.0 && p.top_p <= 1.0 &&
           p.min_p >= 0.0 && p.min_p < 1.0;
}

rk_sampling_params fuzz_params(Input& in, int64_t vocab) {
    rk_sampling_params p{1.0f, 0, 1.0, 0.0};
    const uint8_t which = in.u8();
    if (which & 1) p.temperature = (in.u8() < 128) ? in.f32() : static_cast<float>(in.u8()) / 64.0f;
    if (which & 2) p.top_k = in.u8() < 200 ? static_cast<int32_t>(in.range(-1, vocab + 1)) : static_cast<int32_t>(in.u32());
    if (which & 4) p.top_p = in.f64();
    if (which & 8) p.min_p = in.u8() < 128 ? in.f64() : static_cast<double>(in.u8()) / 512.0;
    return p;
}

// Calls the API must refuse without touching any buffer: sizes no buffer holds, vocab out of range, null pointers.
void fuzz_invalid(Input& in) {
    rk_context* ctx = contexts()[0];
    float logits[4] = {0.0f, 1.0f, 2.0f, 3.0f};
    rk_sampling_params params{1.0f, 0, 1.0, 0.0};
    rk_philox_stream st{};
    int32_t token = -1;
    int64_t batch = 1, vocab = 4, stride = 4;
    rk_status expect = RK_STATUS_INVALID_ARGUMENT;
    const uint8_t what = in.u8() % 7;
    switch (what) {
        case 0: batch = overflowing_count(in, 1); expect = RK_STATUS_SIZE_OVERFLOW; break;
        case 1: vocab = overflowing_count(in, sizeof(float)); expect = RK_STATUS_SIZE_OVERFLOW; break;
        case 2: vocab = in.flag() ? 0 : kMaxVocab + in.range(0, 1 << 20); stride = std::max<int64_t>(vocab, 1); break;
        case 3: stride = in.range(-5, 3); break;  // below vocab
        case 4:  // (batch - 1) * row_stride past the addressable size
            stride = in.range(4, int64_t{1} << 40);
            batch = std::numeric_limits<int64_t>::max() / 4 / stride + 2 + in.range(0, 1000);
            expect = RK_STATUS_SIZE_OVERFLOW;
            break;
        case 5: {
            const uint8_t null_which = in.u8() % 4;
            expect = RK_STATUS_NULL_POINTER;
            const rk_status s = rk_sample(ctx, null_which == 0 ? nullptr : logits, 1, 4, 4, null_which == 1 ? nullptr : &params,
                                          null_which == 2 ? nullptr : &st, null_which == 3 ? nullptr : &token, nullptr,
                                          nullptr, nullptr);
            FUZZ_CHECK(!status_ok(s, "rk_sample") && s == expect, "a null pointer was not refused");
            return;
        }
        default: {
            const rk_status s = rk_sample(nullptr, logits, 1, 4, 4, &params, &st, &token, nullptr, nullptr, nullptr);
            FUZZ_CHECK(!status_ok(s, "rk_sample") && s == RK_STATUS_NULL_POINTER, "a null context was not refused");
            return;
        }
    }
    const rk_status s = rk_sample(ctx, logits, batch, vocab, stride, &params, &st, &token, nullptr, nullptr, nullptr);
    FUZZ_CHECK(!status_ok(s, "rk_sample"), "invalid sizes accepted (case " + std::to_string(what) + ", batch " +
                                               std::to_string(batch) + ", vocab " + std::to_string(vocab) + ", stride " +
                                               std::to_string(stride) + ")");
    FUZZ_CHECK(s == expect, std::string("invalid sizes refused with ") + rk_status_name(s) + " (case " +
                                std::to_string(what) + ")");
    FUZZ_CHECK(token == -1, "a refused call wrote a token");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    Input in(data, size);
    if (in.u8() < 24) {
        fuzz_invalid(in);
        return 0;
    }
    const auto& ctxs = contexts();
    const int64_t batch = in.range(0, 4);
    const uint8_t vmode = in.u8();
    const int64_t vocab = vmode < 200 ? in.range(1, 40) : vmode < 255 ? in.range(41, 3000) : in.range(kMaxVocab - 2, kMaxVocab - 1);
    if (vocab > 3000 && batch > 1) return 0;  // one large row is enough
    const int64_t stride = vocab + (in.u8() < 200 ? 0 : in.range(1, 5));
    const size_t nlogits = batch == 0 ? 0 : static_cast<size_t>((batch - 1) * stride + vocab);
    Buffer<float> logits(nlogits);
    const uint8_t lmode = in.u8();  // how wild the logits are
    for (size_t i = 0; i < nlogits; ++i) {
        const uint8_t sel = in.u8();
        float v;
        if (in.remaining() == 0) v = static_cast<float>(i % 7) - 3.0f;  // beyond the input: a fixed pattern
        else if (sel < lmode / 8) v = in.f32();
        else if (sel < lmode / 4) v = -std::numeric_limits<float>::infinity();
        else v = static_cast<float>(static_cast<int8_t>(in.u8())) / 8.0f;
        logits.data()[i] = v;
    }
    Buffer<rk_sampling_params> params(static_cast<size_t>(batch));
    Buffer<rk_philox_stream> streams(static_cast<size_t>(batch));
    for (int64_t r = 0; r < batch; ++r) {
        params.data()[r] = fuzz_params(in, vocab);
        streams.data()[r] = stream(in);
    }
    const uint8_t optional = in.u8();
    Outputs out(static_cast<size_t>(batch));
    const rk_status s = sample(ctxs[0], logits.data(), batch, vocab, stride, params.data(), streams.data(), out, optional);

    bool all_valid = true, all_finite = true;  // parameters; logits finite (-Inf allowed) with a finite one per row
    bool small_t = false;                       // some row has 0 < T < 1, where l / T may overflow
    for (int64_t r = 0; r < batch; ++r) {
        const rk_sampling_params& p = params.data()[r];
        all_valid = all_valid && params_valid(p);
        small_t = small_t || (p.temperature > 0.0f && p.temperature < 1.0f);
        bool any_finite = false;
        for (int64_t i = 0; i < vocab; ++i) {
            const float v = logits.data()[r * stride + i];
            if (std::isnan(v) || v == std::numeric_limits<float>::infinity()) all_finite = false;
            if (std::isfinite(v)) any_finite = true;
        }
        all_finite = all_finite && any_finite;
    }
    if (!status_ok(s, "rk_sample")) {
        FUZZ_CHECK(s == RK_STATUS_INVALID_ARGUMENT, std::string("rk_sample refused with ") + rk_status_name(s));
        FUZZ_CHECK(std::strstr(rk_last_error_message(), ": row ") != nullptr,
                   std::string("rk_sample's message does not name the row: ") + rk_last_error_message());
        FUZZ_CHECK(!(all_valid && all_finite && !small_t),
                   std::string("rk_sample refused a valid call: ") + rk_last_error_message());
        return 0;
    }
    FUZZ_CHECK(all_valid && all_finite, "rk_sample accepted invalid parameters or a NaN / +Inf / all -Inf row");

    for (int64_t r = 0; r < batch; ++r) {
        const float* row = logits.data() + r * stride;
        const int32_t t = out.tokens.data()[r];
        const std::string at = "row " + std::to_string(r) + ": ";
        FUZZ_CHECK(t >= 0 && t < vocab, at + "token " + std::to_string(t) + " outside [0, V)");
        FUZZ_CHECK(std::isfinite(row[t]), at + "chose a banned (-Inf) token");
        if (optional & 1) FUZZ_CHECK(out.probs.data()[r] > 0.0f && out.probs.data()[r] <= 1.0f, at + "probability outside (0, 1]");
        if (optional & 2) FUZZ_CHECK(out.logprobs.data()[r] <= 0.0f, at + "log-probability above 0");
        if (optional & 4) FUZZ_CHECK(out.kept.data()[r] >= 1 && out.kept.data()[r] <= vocab, at + "kept count outside [1, V]");
        const rk_sampling_params& p = params.data()[r];
        if (p.temperature == 0.0f || p.top_k == 1) {
            int64_t best = 0;
            for (int64_t i = 1; i < vocab; ++i)
                if (row[i] > row[best]) best = i;
            FUZZ_CHECK(t == best, at + "greedy did not choose the smallest index among the largest logits");
        }
        // The row alone (batch 1) gives the same result.
        Outputs alone(1);
        FUZZ_CHECK(status_ok(sample(ctxs[r % static_cast<int64_t>(ctxs.size())], row, 1, vocab, vocab, &p,
                                    &streams.data()[r], alone, optional),
                             "rk_sample"),
                   at + "refused alone");
        FUZZ_CHECK(alone.tokens.data()[0] == t, at + "the token depends on the batch");
        if (optional & 1) FUZZ_CHECK(same_bits(alone.probs.data(), &out.probs.data()[r], 1), at + "the probability depends on the batch");
        if (optional & 2) FUZZ_CHECK(same_bits(alone.logprobs.data(), &out.logprobs.data()[r], 1), at + "the log-probability depends on the batch");
        if (optional & 4) FUZZ_CHECK(alone.kept.data()[0] == out.kept.data()[r], at + "the kept count depends on the batch");
    }
    // The whole batch again on every context: the same bytes.
    for (rk_context* ctx : ctxs) {
        Outputs again(static_cast<size_t>(batch));
        FUZZ_CHECK(status_ok(sample(ctx, logits.data(), batch, vocab, stride, params.data(), streams.data(), again, 7),
                             "rk_sample"),
                   "refused on another context");
        FUZZ_CHECK(std::memcmp(out.tokens.data(), again.tokens.data(), out.tokens.bytes()) == 0,
                   "tokens differ between calls or contexts");
        if (optional & 1) FUZZ_CHECK(same_bits(out.probs.data(), again.probs.data(), out.probs.n), "probabilities differ");
        if (optional & 2) FUZZ_CHECK(same_bits(out.logprobs.data(), again.logprobs.data(), out.logprobs.n), "log-probabilities differ");
        if (optional & 4) FUZZ_CHECK(std::memcmp(out.kept.data(), again.kept.data(), out.kept.bytes()) == 0, "kept counts differ");
    }
    return 0;
}
