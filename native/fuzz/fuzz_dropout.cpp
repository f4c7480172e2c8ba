// Fuzz harness: dropout forward / backward / mask-only, every mask format (none, bytes, bit-packed), in place,
// element offsets (shards), overlapping buffers, rk_dropout_scale and rk_dropout_mask_bytes.
// Invariants: the status contract; y[i] is x[i] * scale or +0 as the mask says; the bit-packed mask equals the
// byte mask with unused bits 0; backward (regenerated, from bytes, from bits) equals forward; a tensor split
// into shards at their element offsets gives the whole tensor's result; deterministic and the same bits on
// every context.
#include "c_abi.h"
#include "fuzz_common.h"

using namespace rkfuzz;

namespace {

struct Shape {
    rk_philox_stream stream;
    double p;
    uint64_t element_offset;
    int64_t count;
};

int64_t mask_bytes(rk_mask_format format, int64_t count) {
    int64_t bytes = -1;
    FUZZ_CHECK(status_ok(rk_dropout_mask_bytes(format, count, &bytes), "rk_dropout_mask_bytes"), "mask_bytes failed");
    const int64_t expected = format == RK_MASK_BYTES ? count : format == RK_MASK_BITS ? (count + 31) / 32 * 4 : 0;
    FUZZ_CHECK(bytes == expected, "rk_dropout_mask_bytes(" + std::to_string(format) + ", " + std::to_string(count) +
                                      ") = " + std::to_string(bytes));
    return bytes;
}

bool kept_bit(const uint8_t* bits, int64_t i) {
    uint32_t word;
    std::memcpy(&word, bits + (i / 32) * 4, 4);
    return (word >> (i % 32)) & 1u;
}

// y and both masks of the whole problem on context ctx; false if the API refused it.
bool forward_all(rk_context* ctx, const Shape& s, const float* x, Buffer<float>& y, Buffer<uint8_t>& bytes,
                 Buffer<uint8_t>& bits) {
    if (!status_ok(rk_dropout_forward(ctx, &s.stream, s.p, s.element_offset, x, y.data(), s.count, RK_MASK_BYTES,
                                      bytes.data()),
                   "rk_dropout_forward"))
        return false;
    FUZZ_CHECK(status_ok(rk_dropout_mask(ctx, &s.stream, s.p, s.element_offset, s.count, RK_MASK_BITS, bits.data()),
                         "rk_dropout_mask"),
               "mask-only refused what forward accepted");
    return true;
}

void check_forward(const Shape& s, const float* x, const float* y, const uint8_t* bytes, const uint8_t* bits,
                   float scale) {
    for (int64_t i = 0; i < s.count; ++i) {
        const std::string at = "element " + std::to_string(i);
        FUZZ_CHECK(bytes[i] == 0 || bytes[i] == 1, at + ": byte mask is not 0/1");
        FUZZ_CHECK((bytes[i] == 1) == kept_bit(bits, i), at + ": bit mask differs from byte mask");
        if (s.p == 0.0) FUZZ_CHECK(bytes[i] == 1, at + ": p = 0 dropped an element");
        if (s.p == 1.0) FUZZ_CHECK(bytes[i] == 0, at + ": p = 1 kept an element");
        const float expect = bytes[i] ? x[i] * scale : 0.0f;
        FUZZ_CHECK(same_bits(&expect, &y[i], 1), at + ": y is not x * scale or +0 as the mask says");
    }
    for (int64_t i = s.count; i < (s.count + 31) / 32 * 32; ++i)
        FUZZ_CHECK(!kept_bit(bits, i), "unused bit " + std::to_string(i) + " of the packed mask is set");
}

void fuzz_valid(Input& in, Shape s, bool in_place) {
    const auto& ctxs = contexts();
    Buffer<float> x(static_cast<size_t>(s.count));
    for (int64_t i = 0; i < s.count; ++i) x.data()[i] = in.f32_tame();
    const int64_t nbytes = mask_bytes(RK_MASK_BYTES, s.count), nbits = mask_bytes(RK_MASK_BITS, s.count);
    Buffer<float> y(x.n);
    Buffer<uint8_t> bytes(static_cast<size_t>(nbytes)), bits(static_cast<size_t>(nbits));
    if (!forward_all(ctxs[0], s, x.data(), y, bytes, bits)) {
        FUZZ_CHECK(!(s.p >= 0.0 && s.p <= 1.0) || s.element_offset > UINT64_MAX - static_cast<uint64_t>(s.count),
                   "rk_dropout_forward refused a valid call: " + std::string(rk_last_error_message()));
        return;
    }
    FUZZ_CHECK(s.p >= 0.0 && s.p <= 1.0, "rk_dropout_forward accepted p outside [0, 1]");
    float scale = 0.0f;
    FUZZ_CHECK(status_ok(rk_dropout_scale(s.p, &scale), "rk_dropout_scale"), "");
    FUZZ_CHECK(s.p == 1.0 ? std::isinf(scale) : scale == static_cast<float>(1.0 / (1.0 - s.p)), "dropout scale");
    check_forward(s, x.data(), y.data(), bytes.data(), bits.data(), scale);

    // Every context, twice: same y and masks. Also forward without a mask, with a bit-packed mask, and in place.
    for (rk_context* ctx : ctxs) {
        Buffer<float> y2(x.n), y3(x.n);
        Buffer<uint8_t> bytes2(bytes.n), bits2(bits.n);
        FUZZ_CHECK(forward_all(ctx, s, x.data(), y2, bytes2, bits2), "forward refused on another context");
        FUZZ_CHECK(same_bits(y.data(), y2.data(), y.n) && std::memcmp(bytes.data(), bytes2.data(), bytes.n) == 0 &&
                       std::memcmp(bits.data(), bits2.data(), bits.n) == 0,
                   "dropout differs between calls or contexts");
        Buffer<uint8_t> bits3(bits.n);
        FUZZ_CHECK(status_ok(rk_dropout_forward(ctx, &s.stream, s.p, s.element_offset, x.data(), y3.data(), s.count,
                                                RK_MASK_BITS, bits3.data()),
                             "rk_dropout_forward"),
                   "");
        FUZZ_CHECK(same_bits(y.data(), y3.data(), y.n) && std::memcmp(bits.data(), bits3.data(), bits.n) == 0,
                   "forward with a bit-packed mask differs");
        Buffer<float> z(x.n);
        std::memcpy(z.data(), x.data(), x.bytes());
        FUZZ_CHECK(status_ok(rk_dropout_forward(ctx, &s.stream, s.p, s.element_offset, z.data(),
                                                in_place ? z.data() : y3.data(), s.count, RK_MASK_NONE, nullptr),
                             "rk_dropout_forward"),
                   "");
        FUZZ_CHECK(same_bits(y.data(), in_place ? z.data() : y3.data(), y.n), "forward without a mask differs");
    }

    // Backward with dy = x: regenerated, from the byte mask, from the bit mask; all equal forward's y.
    const rk_mask_format formats[] = {RK_MASK_NONE, RK_MASK_BYTES, RK_MASK_BITS};
    const void* masks[] = {nullptr, bytes.data(), bits.data()};
    for (int f = 0; f < 3; ++f) {
        rk_context* ctx = ctxs[static_cast<size_t>(f) % ctxs.size()];
        Buffer<float> dx(x.n);
        std::memcpy(dx.data(), x.data(), x.bytes());
        FUZZ_CHECK(status_ok(rk_dropout_backward(ctx, &s.stream, s.p, s.element_offset, in_place ? dx.data() : x.data(),
                                                 dx.data(), s.count, formats[f], masks[f]),
                             "rk_dropout_backward"),
                   "");
        FUZZ_CHECK(same_bits(y.data(), dx.data(), y.n), "backward differs from forward for mask format " + std::to_string(f));
    }

    // Shards: [0, k) at element_offset and [k, count) at element_offset + k give the whole tensor's y and masks.
    if (s.count >= 2) {
        const int64_t k = in.range(1, s.count - 1);
        for (int64_t lo : {int64_t{0}, k}) {
            const int64_t n = lo == 0 ? k : s.count - k;
            Buffer<float> ys(static_cast<size_t>(n));
            Buffer<uint8_t> bs(static_cast<size_t>(mask_bytes(RK_MASK_BITS, n)));
            FUZZ_CHECK(status_ok(rk_dropout_forward(ctxs.back(), &s.stream, s.p, s.element_offset + static_cast<uint64_t>(lo),
                                                    x.data() + lo, ys.data(), n, RK_MASK_BITS, bs.data()),
                                 "rk_dropout_forward"),
                       "");
            FUZZ_CHECK(same_bits(y.data() + lo, ys.data(), ys.n), "a shard's y differs from the whole tensor's");
            for (int64_t i = 0; i < n; ++i)
                FUZZ_CHECK(kept_bit(bs.data(), i) == (bytes.data()[lo + i] == 1), "a shard's packed mask differs");
        }
    }
}

// Calls the API must refuse: overlapping buffers, bad formats, null pointers, counts no buffer holds.
void fuzz_invalid(Input& in, const Shape& s) {
    rk_context* ctx = contexts()[0];
    const uint8_t what = in.u8() % 8;
    const int64_t n = std::max<int64_t>(s.count, 2);  // y = x + 1 must overlap x
    Buffer<float> buf(static_cast<size_t>(n) + 1);
    Buffer<uint8_t> mask(static_cast<size_t>(n));
    rk_status st = RK_STATUS_OK;
    const char* fn = "rk_dropout_forward";
    const double p = 0.5;
    switch (what) {
        case 0:  // y overlaps x without being x (both inside buf, so a wrong acceptance cannot write out of bounds)
            st = rk_dropout_forward(ctx, &s.stream, p, 0, buf.data(), buf.data() + 1, n, RK_MASK_NONE, nullptr);
            break;
        case 1: {  // mask over the data (first bytes of y)
            fn = "rk_dropout_backward";
            st = rk_dropout_backward(ctx, &s.stream, p, 0, buf.data(), buf.data(), n, RK_MASK_BYTES, buf.data());
            break;
        }
        case 2: {  // an invalid mask format
            const int format = in.flag() ? 3 + in.u8() : -1 - in.u8();
            switch (in.u8() % 4) {
                case 0: st = rkfuzz_dropout_forward(ctx, &s.stream, p, 0, buf.data(), buf.data(), n, format, mask.data()); break;
                case 1: fn = "rk_dropout_backward"; st = rkfuzz_dropout_backward(ctx, &s.stream, p, 0, buf.data(), buf.data(), n, format, mask.data()); break;
                case 2: fn = "rk_dropout_mask"; st = rkfuzz_dropout_mask(ctx, &s.stream, p, 0, n, format, mask.data()); break;
                default: {
                    int64_t bytes = 0;
                    fn = "rk_dropout_mask_bytes";
                    st = rkfuzz_dropout_mask_bytes(format, n, &bytes);
                }
            }
            break;
        }
        case 3:  // RK_MASK_NONE is not a format for the mask-only call
            fn = "rk_dropout_mask";
            st = rk_dropout_mask(ctx, &s.stream, p, 0, n, RK_MASK_NONE, mask.data());
            break;
        case 4:  // a mask format without a mask
            st = rk_dropout_forward(ctx, &s.stream, p, 0, buf.data(), buf.data(), n, RK_MASK_BITS, nullptr);
            break;
        case 5:  // a null stream when it is needed
            fn = "rk_dropout_backward";
            st = rk_dropout_backward(ctx, nullptr, p, 0, buf.data(), buf.data(), n, RK_MASK_NONE, nullptr);
            break;
        case 6: {  // a count no buffer holds
            const int64_t bad = overflowing_count(in, sizeof(float));
            st = rk_dropout_forward(ctx, &s.stream, p, 0, buf.data(), buf.data(), bad, RK_MASK_NONE, nullptr);
            FUZZ_CHECK(st == RK_STATUS_SIZE_OVERFLOW, "count " + std::to_string(bad) + " not refused as an overflow");
            // A mask of that many elements may still have an addressable size (it counts bytes): only negative
            // counts are refused there, and the size of the others is exact.
            int64_t bytes = 0;
            fn = "rk_dropout_mask_bytes";
            const rk_status sb = rk_dropout_mask_bytes(RK_MASK_BITS, bad, &bytes);
            if (bad < 0) {
                FUZZ_CHECK(!status_ok(sb, fn) && sb == RK_STATUS_SIZE_OVERFLOW, "rk_dropout_mask_bytes accepted count " + std::to_string(bad));
            } else {
                FUZZ_CHECK(status_ok(sb, fn), "rk_dropout_mask_bytes refused count " + std::to_string(bad));
                FUZZ_CHECK(static_cast<uint64_t>(bytes) == (static_cast<uint64_t>(bad) + 31) / 32 * 4, "rk_dropout_mask_bytes size");
            }
            return;
        }
        default: {  // element_offset + count past 2^64 - 1
            const uint64_t off = UINT64_MAX - static_cast<uint64_t>(in.range(0, n - 1));
            fn = "rk_dropout_mask";
            st = rk_dropout_mask(ctx, &s.stream, p, off, n, RK_MASK_BYTES, mask.data());
            FUZZ_CHECK(st == RK_STATUS_SIZE_OVERFLOW, "element_offset + count past 2^64 - 1 accepted");
            break;
        }
    }
    FUZZ_CHECK(!status_ok(st, fn), std::string(fn) + " accepted invalid call " + std::to_string(what));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    Input in(data, size);
    Shape s{};
    s.stream = stream(in);
    const uint8_t p_mode = in.u8();
    s.p = p_mode < 64 ? 0.5 : p_mode < 96 ? 0.0 : p_mode < 128 ? 1.0 : in.f64();
    s.element_offset = in.flag() ? in.u64() : in.u8();
    const uint8_t size_mode = in.u8();
    s.count = size_mode >= 248 ? in.range(1 << 16, 3 << 16) : in.range(0, 200);  // large: split across threads
    const uint8_t mode = in.u8();
    if (mode < 32)
        fuzz_invalid(in, s);
    else
        fuzz_valid(in, s, (mode & 1) != 0);
    return 0;
}
