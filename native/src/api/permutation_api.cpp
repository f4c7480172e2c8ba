// Random-access permutations (C API): validation, then the context's backend.
#include <string>

#include "context.h"
#include "errors.h"

using namespace rk::api;

extern "C" RK_API rk_status rk_permutation(rk_context* context, uint64_t n, uint64_t seed, uint64_t subsequence,
                                           int32_t inverse, uint64_t first, uint64_t* out, int64_t count) {
    static const char* fn = "rk_permutation";
    return guarded(fn, [&]() -> rk_status {
        if (rk_status s = check_context(fn, context); s != RK_STATUS_OK) return s;
        if (rk_status s = check_count(fn, "count", count, sizeof(uint64_t)); s != RK_STATUS_OK) return s;
        if (n == 0 || n > (1ull << 63))
            return fail(RK_STATUS_INVALID_ARGUMENT, std::string(fn) + ": n must be in [1, 2^63] (got " +
                                                        std::to_string(n) + ")");
        if (inverse != 0 && inverse != 1)
            return fail(RK_STATUS_INVALID_ARGUMENT,
                        std::string(fn) + ": inverse must be 0 or 1 (got " + std::to_string(inverse) + ")");
        if (first > n || static_cast<uint64_t>(count) > n - first)
            return fail(RK_STATUS_INVALID_ARGUMENT, std::string(fn) + ": positions [" + std::to_string(first) + ", " +
                                                        std::to_string(first) + " + " + std::to_string(count) +
                                                        ") pass n = " + std::to_string(n));
        if (count == 0) return ok();
        if (rk_status s = check_not_null(fn, "out", out); s != RK_STATUS_OK) return s;
        if (rk_status s = check_data(fn, context, "out", out); s != RK_STATUS_OK) return s;
        const rk::backend::PermutationArgs a{n, seed, subsequence, first, inverse, out, static_cast<uint64_t>(count)};
        return run_op(fn, [&](rk::backend::OpError& e) { return context->ops->permutation(context->impl, &a, &e); });
    });
}
