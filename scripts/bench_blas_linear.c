// The GEMM anchor of `reprokit bench linear` (docs/benchmarks.md, "Training operations"): the three passes of a linear
// layer y = x W^T as one cblas_sgemm each, timed against the BLAS it is linked with (Intel MKL, the BLAS of PyTorch's
// CPU builds, or OpenBLAS). Built and run by scripts/bench_blas_linear.sh; not part of the library.
//   bench_blas_linear N IN OUT [repeat]   prints one line per pass: name, ms (best of repeat after a warm-up), GFLOP/s
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

// The CBLAS prototype both MKL and OpenBLAS export (declared here so that either library's headers will do).
enum { RowMajor = 101 };
enum { NoTrans = 111, Trans = 112 };
void cblas_sgemm(int layout, int transa, int transb, int m, int n, int k, float alpha, const float* a, int lda,
                 const float* b, int ldb, float beta, float* c, int ldc);

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static float* filled(size_t n, unsigned seed) {
    float* p = malloc(n * sizeof *p);
    if (!p) { fprintf(stderr, "out of memory\n"); exit(1); }
    for (size_t i = 0; i < n; i++) { seed = seed * 1664525u + 1013904223u; p[i] = (float)(seed >> 8) / 16777216.0f - 0.5f; }
    return p;
}

int main(int argc, char** argv) {
    if (argc < 4) { fprintf(stderr, "usage: bench_blas_linear N IN OUT [repeat]\n"); return 2; }
    int n = atoi(argv[1]), in = atoi(argv[2]), out = atoi(argv[3]), repeat = argc > 4 ? atoi(argv[4]) : 5;
    if (n < 1 || in < 1 || out < 1 || repeat < 1) { fprintf(stderr, "sizes and repeat must be positive\n"); return 2; }
    float *x = filled((size_t)n * in, 1), *w = filled((size_t)out * in, 2), *dy = filled((size_t)n * out, 3);
    float *y = filled((size_t)n * out, 4), *dx = filled((size_t)n * in, 5), *dw = filled((size_t)out * in, 6);
    double flops = 2.0 * n * in * out;
    for (int pass = 0; pass < 3; pass++) {
        double best = 1e30;
        for (int r = 0; r <= repeat; r++) {  // r = 0: the warm-up
            double t0 = now();
            if (pass == 0) cblas_sgemm(RowMajor, NoTrans, Trans, n, out, in, 1.0f, x, in, w, in, 0.0f, y, out);         // y = x W^T
            if (pass == 1) cblas_sgemm(RowMajor, NoTrans, NoTrans, n, in, out, 1.0f, dy, out, w, in, 0.0f, dx, in);     // dx = dy W
            if (pass == 2) cblas_sgemm(RowMajor, Trans, NoTrans, out, in, n, 1.0f, dy, out, x, in, 0.0f, dw, in);       // dW = dy^T x
            double t = now() - t0;
            if (r > 0 && t < best) best = t;
        }
        static const char* names[] = {"forward", "backward-data", "backward-weights"};
        printf("N=%d %d->%d %-17s %10.3f ms %8.1f GFLOP/s\n", n, in, out, names[pass], best * 1e3, flops / best / 1e9);
    }
    return 0;
}
