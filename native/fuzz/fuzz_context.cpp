// Fuzz harness: contexts and handles (options, ISAs and thread counts in and out of range, info struct sizes,
// destroyed and forged handles), library information (status / ISA names of any int, ISA support, CPU
// description into buffers of any capacity, versions) and the golden API (case info and runs with buffers of
// any capacity).
// Invariants: the status contract; a created context reports the ISA and thread count asked for and computes
// the same bits as the reference context; a destroyed or forged handle is refused as RK_STATUS_INVALID_HANDLE;
// names are never null; text fits the capacity given; golden runs write 64 hex digits equal to the recorded
// digest (when one is recorded), the same on every context.
#include <cctype>

#include "c_abi.h"
#include "fuzz_common.h"

using namespace rkfuzz;

namespace {

// A small fill on ctx must give the reference context's bits.
void same_as_reference(rk_context* ctx, Input& in) {
    rk_philox_stream st = stream(in);
    uint32_t a[67], b[67];
    FUZZ_CHECK(status_ok(rk_philox_fill_u32(ctx, &st, a, 67), "rk_philox_fill_u32"), "fill on a new context");
    FUZZ_CHECK(status_ok(rk_philox_fill_u32(contexts()[0], &st, b, 67), "rk_philox_fill_u32"), "");
    FUZZ_CHECK(std::memcmp(a, b, sizeof a) == 0, "a new context computes different bits");
}

void fuzz_create(Input& in) {
    rk_cpu_context_options o{};
    o.struct_size = sizeof o;
    const uint8_t sel = in.u8();
    if (sel < 16) o.struct_size = static_cast<uint32_t>(in.range(0, sizeof o - 1));
    else if (sel < 24) o.struct_size = static_cast<uint32_t>(sizeof o + in.u8());
    const int isa = in.u8() < 220 ? static_cast<int>(in.range(0, 4)) : static_cast<int>(in.u32());
    rkfuzz_set_options_isa(&o, isa);
    const uint8_t tsel = in.u8();
    o.num_threads = tsel < 200 ? static_cast<int32_t>(in.range(0, 4))
                    : tsel < 230 ? static_cast<int32_t>(1025 + in.range(0, 5000))
                                 : -static_cast<int32_t>(in.range(1, 1000));
    const bool null_options = in.u8() < 8, null_out = in.u8() < 4;
    rk_context* ctx = reinterpret_cast<rk_context*>(&o);  // must be overwritten (null on failure)
    const rk_status s = rk_cpu_context_create(null_options ? nullptr : &o, null_out ? nullptr : &ctx);
    if (!status_ok(s, "rk_cpu_context_create")) {
        if (!null_out) FUZZ_CHECK(ctx == nullptr, "a failed rk_cpu_context_create left a handle in *out_context");
        return;
    }
    FUZZ_CHECK(!null_out, "rk_cpu_context_create accepted a null out_context");
    FUZZ_CHECK(null_options || o.struct_size >= sizeof o, "rk_cpu_context_create accepted a short struct_size");
    FUZZ_CHECK(null_options || (o.num_threads >= 0 && o.num_threads <= 1024), "an out-of-range num_threads was accepted");
    int32_t supported = 0;
    FUZZ_CHECK(status_ok(rkfuzz_cpu_isa_supported(isa, &supported), "rk_cpu_isa_supported"), "");
    FUZZ_CHECK(null_options || isa == RK_ISA_AUTO || supported == 1, "a context was created for an unsupported ISA");

    rk_context_info info{};
    info.struct_size = sizeof info;
    if (in.u8() < 16) info.struct_size = static_cast<uint32_t>(in.range(0, sizeof info + 8));
    const rk_status si = rk_context_get_info(ctx, &info);
    if (status_ok(si, "rk_context_get_info")) {
        FUZZ_CHECK(info.struct_size >= sizeof info, "rk_context_get_info accepted a short struct_size");
        const int got = rkfuzz_info_isa(&info);
        FUZZ_CHECK(got >= RK_ISA_SCALAR && got <= RK_ISA_NEON, "the context reports ISA " + std::to_string(got));
        if (!null_options && isa != RK_ISA_AUTO) FUZZ_CHECK(got == isa, "the context uses another ISA than asked");
        FUZZ_CHECK(info.num_threads >= 1, "the context reports fewer than 1 thread");
        if (!null_options && o.num_threads > 0) FUZZ_CHECK(info.num_threads == o.num_threads, "the context has another thread count");
    } else {
        FUZZ_CHECK(si == RK_STATUS_INVALID_ARGUMENT && info.struct_size < sizeof info, "rk_context_get_info refused a valid call");
    }
    same_as_reference(ctx, in);

    FUZZ_CHECK(status_ok(rk_context_destroy(ctx), "rk_context_destroy"), "destroying a live context failed");
    // The handle is dead now (nothing was created since, so its address cannot belong to a new context).
    const rk_status twice = rk_context_destroy(ctx);
    FUZZ_CHECK(!status_ok(twice, "rk_context_destroy") && twice == RK_STATUS_INVALID_HANDLE, "a context was destroyed twice");
    info.struct_size = sizeof info;
    FUZZ_CHECK(!status_ok(rk_context_get_info(ctx, &info), "rk_context_get_info"), "a destroyed handle was described");
    rk_philox_stream st{};
    uint32_t word = 0;
    const rk_status sf = rk_philox_fill_u32(ctx, &st, &word, 1);
    FUZZ_CHECK(!status_ok(sf, "rk_philox_fill_u32") && sf == RK_STATUS_INVALID_HANDLE, "a destroyed handle was used");
}

void fuzz_forged(Input& in) {
    // Memory that is not a context (a stack buffer, a heap buffer, an odd address): refused, never dereferenced
    // as one (ASan would report a read past the small buffers).
    Buffer<uint8_t> heap(static_cast<size_t>(in.range(1, 16)));
    uint8_t stack[8] = {};
    rk_context* forged[] = {reinterpret_cast<rk_context*>(stack), reinterpret_cast<rk_context*>(heap.data()),
                            reinterpret_cast<rk_context*>(static_cast<uintptr_t>(in.u64() | 1))};
    rk_context* h = forged[in.u8() % 3];
    rk_context_info info{};
    info.struct_size = sizeof info;
    rk_philox_stream st{};
    float f = 0;
    rk_status s;
    const char* fn;
    switch (in.u8() % 4) {
        case 0: fn = "rk_context_get_info"; s = rk_context_get_info(h, &info); break;
        case 1: fn = "rk_context_destroy"; s = rk_context_destroy(h); break;
        case 2: fn = "rk_philox_fill_uniform"; s = rk_philox_fill_uniform(h, &st, &f, 1); break;
        default: {
            fn = "rk_golden_case_run";
            char digest[65];
            s = rk_golden_case_run(h, 0, digest, sizeof digest);
        }
    }
    FUZZ_CHECK(!status_ok(s, fn) && s == RK_STATUS_INVALID_HANDLE, std::string(fn) + " accepted a forged handle");
}

void fuzz_info(Input& in) {
    const int v = in.u8() < 128 ? static_cast<int>(in.range(-2, 9)) : static_cast<int>(in.u32());
    const char* status = rkfuzz_status_name(v);
    const char* isa = rkfuzz_isa_name(v);
    FUZZ_CHECK(status != nullptr && std::strncmp(status, "RK_STATUS_", 10) == 0, "rk_status_name");
    FUZZ_CHECK((std::strcmp(status, "RK_STATUS_UNKNOWN") == 0) == (v < 0 || v > RK_STATUS_INTERNAL),
               "rk_status_name(" + std::to_string(v) + ") = " + status);
    FUZZ_CHECK(isa != nullptr && isa[0] != '\0', "rk_isa_name");
    FUZZ_CHECK((std::strcmp(isa, "unknown") == 0) == (v < 0 || v > RK_ISA_NEON), "rk_isa_name(" + std::to_string(v) + ") = " + isa);
    int32_t supported = -1;
    const bool null_out = in.u8() < 8;
    const rk_status s = rkfuzz_cpu_isa_supported(v, null_out ? nullptr : &supported);
    if (status_ok(s, "rk_cpu_isa_supported")) {
        FUZZ_CHECK(!null_out, "rk_cpu_isa_supported accepted a null out_supported");
        FUZZ_CHECK(supported == 0 || supported == 1, "rk_cpu_isa_supported wrote " + std::to_string(supported));
        if (v < RK_ISA_SCALAR || v > RK_ISA_NEON) FUZZ_CHECK(supported == 0, "an invalid ISA is 'supported'");
        if (v == RK_ISA_SCALAR) FUZZ_CHECK(supported == 1, "scalar is not supported");
    }
    FUZZ_CHECK(rk_abi_version() == RK_ABI_VERSION, "rk_abi_version");
    FUZZ_CHECK(rk_version_string() != nullptr && rk_version_string()[0] != '\0', "rk_version_string");

    // The CPU description into a buffer of exactly `capacity` bytes.
    const int64_t capacity = in.u8() < 16 ? -static_cast<int64_t>(in.range(0, 3)) : in.range(1, 300);
    Buffer<char> text(static_cast<size_t>(std::max<int64_t>(capacity, 1)));
    const bool null_buffer = in.u8() < 8;
    const rk_status sd = rk_cpu_description(null_buffer ? nullptr : text.data(), capacity);
    if (status_ok(sd, "rk_cpu_description")) {
        FUZZ_CHECK(!null_buffer && capacity >= 1, "rk_cpu_description accepted a null buffer or capacity < 1");
        FUZZ_CHECK(std::strlen(text.data()) < static_cast<size_t>(capacity), "the CPU description overruns capacity");
    }
}

bool is_hex64(const char* s) {
    if (std::strlen(s) != 64) return false;
    for (int i = 0; i < 64; ++i)
        if (!std::isxdigit(static_cast<unsigned char>(s[i])) || std::isupper(static_cast<unsigned char>(s[i]))) return false;
    return true;
}

void fuzz_golden(Input& in) {
    const int32_t count = rk_golden_case_count();
    FUZZ_CHECK(count >= 1, "no golden cases");
    const int32_t index = in.u8() < 220 ? static_cast<int32_t>(in.range(0, count - 1))
                                        : static_cast<int32_t>(in.flag() ? in.range(-3, -1) : count + in.range(0, 3));
    const int64_t name_cap = in.u8() < 200 ? 128 : in.range(-1, 40);
    const int64_t exp_cap = in.u8() < 200 ? 65 : in.range(-1, 70);
    Buffer<char> name(static_cast<size_t>(std::max<int64_t>(name_cap, 1))), expected(static_cast<size_t>(std::max<int64_t>(exp_cap, 1)));
    const rk_status si = rk_golden_case_info(index, name.data(), name_cap, expected.data(), exp_cap);
    if (!status_ok(si, "rk_golden_case_info")) return;
    FUZZ_CHECK(index >= 0 && index < count, "rk_golden_case_info accepted index " + std::to_string(index));
    FUZZ_CHECK(std::strlen(name.data()) < static_cast<size_t>(name_cap) && name.data()[0] != '\0', "golden case name");
    FUZZ_CHECK(expected.data()[0] == '\0' || is_hex64(expected.data()), "recorded digest is not 64 hex digits");
    // rk_sha256 of the recorded digest's text at any length (0 included, negative refused) and output capacity: 64
    // hex digits, the same from a copy at another address.
    const int64_t text_len = static_cast<int64_t>(std::strlen(expected.data()));
    const int64_t hash_len = in.u8() < 240 ? in.range(0, text_len) : in.range(-2, -1);
    const int64_t hash_cap = in.u8() < 220 ? 65 : in.range(-1, 66);
    Buffer<char> hashed(static_cast<size_t>(std::max<int64_t>(hash_cap, 1)));
    const rk_status sh = rk_sha256(expected.data(), hash_len, hashed.data(), hash_cap);
    if (status_ok(sh, "rk_sha256")) {
        FUZZ_CHECK(hash_len >= 0 && hash_cap >= 65 && is_hex64(hashed.data()), "rk_sha256 accepted bad arguments or wrote no digest");
        Buffer<char> copy(static_cast<size_t>(std::max<int64_t>(hash_len, 1)) + 1), again(65);
        std::memcpy(copy.data() + 1, expected.data(), static_cast<size_t>(hash_len));
        FUZZ_CHECK(status_ok(rk_sha256(copy.data() + 1, hash_len, again.data(), 65), "rk_sha256") &&
                       std::strcmp(again.data(), hashed.data()) == 0,
                   "rk_sha256 differs for the same bytes at another address");
    } else {
        FUZZ_CHECK(hash_len < 0 || hash_cap < 65, std::string("rk_sha256 refused valid arguments: ") + rk_last_error_message());
    }
    if (in.u8() < 248) return;  // runs are the expensive part: a few percent of the inputs (not the all-zero tail)
    const int64_t cap = in.u8() < 200 ? 65 : in.range(-1, 66);
    Buffer<char> digest(static_cast<size_t>(std::max<int64_t>(cap, 1)));
    const rk_status sr = rk_golden_case_run(contexts()[0], index, digest.data(), cap);
    if (!status_ok(sr, "rk_golden_case_run")) {
        FUZZ_CHECK(cap < 65, std::string("a golden case failed: ") + rk_last_error_message());
        return;
    }
    FUZZ_CHECK(cap >= 65 && is_hex64(digest.data()), "rk_golden_case_run wrote no digest");
    if (expected.data()[0] != '\0')
        FUZZ_CHECK(std::strcmp(digest.data(), expected.data()) == 0, std::string("golden case ") + name.data() + " differs from its record");
    Buffer<char> other(65);
    FUZZ_CHECK(status_ok(rk_golden_case_run(contexts().back(), index, other.data(), 65), "rk_golden_case_run"), "");
    FUZZ_CHECK(std::strcmp(digest.data(), other.data()) == 0, "a golden case differs between contexts");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    Input in(data, size);
    switch (in.u8() % 4) {
        case 0: fuzz_create(in); break;
        case 1: fuzz_forged(in); break;
        case 2: fuzz_info(in); break;
        default: fuzz_golden(in); break;
    }
    return 0;
}
