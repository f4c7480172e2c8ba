// Philox4x32 block function, word and uniform fills (C API).
#include <string>

#include "../core/philox.h"
#include "../core/uniform.h"
#include "fill_entry.h"

using namespace rk::api;

extern "C" RK_API rk_status rk_philox4x32(uint32_t rounds, const uint32_t counter[4], const uint32_t key[2],
                                          uint32_t out[4]) {
    static const char* fn = "rk_philox4x32";
    return guarded(fn, [&]() -> rk_status {
        if (rk_status s = check_not_null(fn, "counter", counter); s != RK_STATUS_OK) return s;
        if (rk_status s = check_not_null(fn, "key", key); s != RK_STATUS_OK) return s;
        if (rk_status s = check_not_null(fn, "out", out); s != RK_STATUS_OK) return s;
        if (rounds < 1 || rounds > 16)
            return fail(RK_STATUS_INVALID_ARGUMENT,
                        std::string(fn) + ": rounds must be in [1, 16] (got " + std::to_string(rounds) + ")");
        const rk::core::Philox4x32Block b = rk::core::philox4x32(counter, key, static_cast<int>(rounds));
        for (int i = 0; i < 4; ++i) out[i] = b.w[i];
        return ok();
    });
}

extern "C" RK_API rk_status rk_philox_fill_u32(rk_context* context, const rk_philox_stream* stream, uint32_t* out,
                                               int64_t count) {
    return run_fill("rk_philox_fill_u32", context, stream, out, count, no_params,
                    [] { return fill_of(rk::backend::FillKind::kU32); });
}

extern "C" RK_API rk_status rk_philox_fill_uniform(rk_context* context, const rk_philox_stream* stream, float* out,
                                                   int64_t count) {
    return run_fill("rk_philox_fill_uniform", context, stream, out, count, no_params,
                    [] { return fill_of(rk::backend::FillKind::kUniform); });
}

extern "C" RK_API rk_status rk_uniform_from_words(const uint32_t* words, float* out, int64_t count) {
    static const char* fn = "rk_uniform_from_words";
    return guarded(fn, [&]() -> rk_status {
        if (rk_status s = check_count(fn, "count", count, sizeof(float)); s != RK_STATUS_OK) return s;
        if (count == 0) return ok();
        if (rk_status s = check_not_null(fn, "words", words); s != RK_STATUS_OK) return s;
        if (rk_status s = check_not_null(fn, "out", out); s != RK_STATUS_OK) return s;
        for (int64_t i = 0; i < count; ++i) out[i] = rk::core::uniform_from_word(words[i]);
        return ok();
    });
}
