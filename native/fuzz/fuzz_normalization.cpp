// Fuzz harness: BatchNorm2d and LayerNorm (rk_batchnorm2d_* / rk_layernorm_*) with sizes from 1 up to and past the
// limits (0, negative, 2^40, products that overflow), null, optional and overlapping buffers, eps and momentum out of
// range, and small problems run for real with values that break arithmetic (NaN, infinities, subnormals, huge).
// Invariants: the status contract; every pass gives the same bits on every context (ISA, thread count); a LayerNorm
// row equals that row computed alone (batch invariance); optional outputs do not change the others.
#include "fuzz_common.h"

using namespace rkfuzz;

namespace {

constexpr int64_t kMaxElements = 20000;  // larger problems are only validated, not run

float fuzz_eps(Input& in) {
    switch (in.u8() % 8) {
        case 0: return -1e-5f;
        case 1: return std::numeric_limits<float>::quiet_NaN();
        case 2: return std::numeric_limits<float>::infinity();
        case 3: return 0.0f;
        default: return 1e-5f;
    }
}

void fill(Input& in, Buffer<float>& b, bool tame) {
    for (size_t i = 0; i < b.n; ++i) b.data()[i] = tame ? in.f32_tame() : in.f32();
}

// Every context's outputs equal the reference context's.
struct Compare {
    std::vector<std::vector<float>> ref;
    bool first = true;
    void check(std::initializer_list<const Buffer<float>*> outs, const char* what) {
        size_t k = 0;
        for (const Buffer<float>* b : outs) {
            if (first) {
                ref.emplace_back(b->data(), b->data() + b->n);
            } else {
                FUZZ_CHECK(same_bits(b->data(), ref[k].data(), b->n), std::string(what) + " differs between contexts");
            }
            ++k;
        }
    }
};

void batchnorm(Input& in, uint8_t mode) {
    const bool huge = mode < 40;
    const int64_t n = fuzz_dimension(in, huge && in.flag(), 6), c = fuzz_dimension(in, huge && in.flag(), 6),
                  h = fuzz_dimension(in, huge && in.flag(), 40), w = fuzz_dimension(in, huge && in.flag(), 40);
    const float eps = fuzz_eps(in), momentum = in.flag() ? 0.1f : in.f32();
    const bool small = n >= 1 && c >= 1 && h >= 1 && w >= 1 && n <= 6 && c <= 6 && h <= 40 && w <= 40;
    rk_context* ref = contexts()[0];
    if (!small || n * c * h * w > kMaxElements) {
        status_ok(rk_batchnorm2d_forward_training(ref, n, c, h, w, eps, momentum, nullptr, nullptr, nullptr, nullptr,
                                                  nullptr, nullptr, nullptr, nullptr),
                  "rk_batchnorm2d_forward_training");
        status_ok(rk_batchnorm2d_backward_training(ref, n, c, h, w, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr,
                                                   nullptr, nullptr),
                  "rk_batchnorm2d_backward_training");
        return;
    }
    const size_t e = static_cast<size_t>(n * c * h * w), cc = static_cast<size_t>(c);
    Buffer<float> x(e), dy(e), gamma(cc), beta(cc), rm0(cc), rv0(cc);
    const bool tame = in.flag();
    for (Buffer<float>* b : {&x, &dy, &gamma, &beta, &rm0, &rv0}) fill(in, *b, tame);
    const bool affine = in.flag(), running = in.flag();
    if (mode % 9 == 0) {  // an output overlapping an input is refused by name
        Buffer<float> mean(cc), invstd(cc);
        const rk_status s = rk_batchnorm2d_forward_training(ref, n, c, h, w, 1e-5f, 0.1f, x.data(), nullptr, nullptr,
                                                            x.data(), mean.data(), invstd.data(), nullptr, nullptr);
        FUZZ_CHECK(!status_ok(s, "rk_batchnorm2d_forward_training"), "an output overlapping x was accepted");
        return;
    }
    Compare cmp;
    for (rk_context* ctx : contexts()) {
        Buffer<float> y(e), mean(cc), invstd(cc), rm(cc), rv(cc), dx(e), dg(cc), db(cc), ye(e);
        std::memcpy(rm.data(), rm0.data(), rm0.bytes());
        std::memcpy(rv.data(), rv0.data(), rv0.bytes());
        const rk_status s = rk_batchnorm2d_forward_training(
            ctx, n, c, h, w, eps, momentum, x.data(), affine ? gamma.data() : nullptr, affine ? beta.data() : nullptr,
            y.data(), mean.data(), invstd.data(), running ? rm.data() : nullptr, running ? rv.data() : nullptr);
        if (!status_ok(s, "rk_batchnorm2d_forward_training")) {
            FUZZ_CHECK(n * h * w == 1 || !(eps >= 0.0f && std::isfinite(eps)) || !(momentum >= 0.0f && momentum <= 1.0f),
                       "a valid batch norm was refused");
            return;
        }
        FUZZ_CHECK(status_ok(rk_batchnorm2d_backward_training(ctx, n, c, h, w, x.data(), dy.data(),
                                                              affine ? gamma.data() : nullptr, mean.data(), invstd.data(),
                                                              dx.data(), dg.data(), db.data()),
                             "rk_batchnorm2d_backward_training"),
                   "a valid batch norm backward was refused");
        FUZZ_CHECK(status_ok(rk_batchnorm2d_forward_inference(ctx, n, c, h, w, eps, x.data(), affine ? gamma.data() : nullptr,
                                                              affine ? beta.data() : nullptr, rm0.data(), rv0.data(), ye.data()),
                             "rk_batchnorm2d_forward_inference"),
                   "a valid batch norm inference was refused");
        cmp.check({&y, &mean, &invstd, &rm, &rv, &dx, &dg, &db, &ye}, "batch norm");
        cmp.first = false;
    }
}

void layernorm(Input& in, uint8_t mode) {
    const bool huge = mode < 40;
    const int64_t rows = fuzz_dimension(in, huge && in.flag(), 24), d = fuzz_dimension(in, huge && in.flag(), 3000);
    const float eps = fuzz_eps(in);
    rk_context* ref = contexts()[0];
    if (rows < 1 || d < 1 || rows > 24 || d > 3000 || rows * d > kMaxElements) {
        status_ok(rk_layernorm_forward(ref, rows, d, eps, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr),
                  "rk_layernorm_forward");
        status_ok(rk_layernorm_backward(ref, rows, d, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr),
                  "rk_layernorm_backward");
        return;
    }
    const size_t e = static_cast<size_t>(rows * d), r = static_cast<size_t>(rows), dd = static_cast<size_t>(d);
    Buffer<float> x(e), dy(e), gamma(dd), beta(dd);
    const bool tame = in.flag();
    for (Buffer<float>* b : {&x, &dy, &gamma, &beta}) fill(in, *b, tame);
    const bool affine = in.flag(), grads = in.flag();
    Compare cmp;
    for (rk_context* ctx : contexts()) {
        Buffer<float> y(e), mean(r), invstd(r), dx(e), dg(dd), db(dd);
        const rk_status s = rk_layernorm_forward(ctx, rows, d, eps, x.data(), affine ? gamma.data() : nullptr,
                                                 affine ? beta.data() : nullptr, y.data(), mean.data(), invstd.data());
        if (!status_ok(s, "rk_layernorm_forward")) {
            FUZZ_CHECK(!(eps >= 0.0f && std::isfinite(eps)), "a valid layer norm was refused");
            return;
        }
        FUZZ_CHECK(status_ok(rk_layernorm_backward(ctx, rows, d, x.data(), dy.data(), affine ? gamma.data() : nullptr,
                                                   mean.data(), invstd.data(), dx.data(), grads ? dg.data() : nullptr,
                                                   grads ? db.data() : nullptr),
                             "rk_layernorm_backward"),
                   "a valid layer norm backward was refused");
        if (!grads) std::memset(dg.data(), 0, dg.bytes()), std::memset(db.data(), 0, db.bytes());
        cmp.check({&y, &mean, &invstd, &dx, &dg, &db}, "layer norm");
        cmp.first = false;
        // Batch invariance: the last row alone.
        Buffer<float> y1(dd), m1(1), i1(1);
        FUZZ_CHECK(status_ok(rk_layernorm_forward(ctx, 1, d, eps, x.data() + (rows - 1) * d, affine ? gamma.data() : nullptr,
                                                  affine ? beta.data() : nullptr, y1.data(), m1.data(), i1.data()),
                             "rk_layernorm_forward"),
                   "a single row was refused");
        FUZZ_CHECK(same_bits(y1.data(), y.data() + (rows - 1) * d, dd), "a layer norm row depends on its batch");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    Input in(data, size);
    const uint8_t mode = in.u8();
    if (in.flag())
        batchnorm(in, mode);
    else
        layernorm(in, mode);
    return 0;
}
