#!/usr/bin/env bash
# The BLAS anchor of the Linear benchmark: the same shapes and passes as `reprokit bench linear`, each one cblas_sgemm,
# against Intel MKL (the GEMM of PyTorch's official CPU builds; Debian's libmkl-dev, non-free) and OpenBLAS (Debian's
# libopenblas-pthread-dev), 1 and 2 threads. Run it in the same session as `reprokit bench linear --threads T`.
#   scripts/bench_blas_linear.sh [mkl|openblas] [threads] [repeat]
# Needs: apt-get install libmkl-dev (MKL) or libopenblas-pthread-dev (OpenBLAS).
set -euo pipefail
cd "$(dirname "$0")/.."
blas=${1:-mkl}; threads=${2:-1}; repeat=${3:-5}
bin=$(mktemp -d)/bench_blas_linear
case "$blas" in
  mkl) gcc -O2 -o "$bin" scripts/bench_blas_linear.c -lmkl_rt
       export MKL_NUM_THREADS=$threads MKL_DYNAMIC=FALSE ;;
  openblas) gcc -O2 -o "$bin" scripts/bench_blas_linear.c -L/usr/lib/x86_64-linux-gnu/openblas-pthread -lopenblas \
              -Wl,-rpath,/usr/lib/x86_64-linux-gnu/openblas-pthread
            export OPENBLAS_NUM_THREADS=$threads ;;
  *) echo "bench_blas_linear: unknown BLAS '$blas' (mkl or openblas)" >&2; exit 2 ;;
esac
echo "# $blas, $threads thread(s), best of $repeat; $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2-)"
for shape in "256 1024 1024" "4096 4096 4096" "1 4096 4096" "16 4096 4096" "32 4096 4096" "64 4096 4096"; do
  # shellcheck disable=SC2086
  "$bin" $shape "$repeat"
done
