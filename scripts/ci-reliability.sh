#!/usr/bin/env bash
# Reliability checks of the native library (docs/reliability.md):
#   1. the sanitizer build: GCC, REPROKIT_SANITIZE=address,undefined (LeakSanitizer on), in build/sanitize,
#      and its whole CTest suite (GoogleTest, tools, replay of the fuzz seeds and regression inputs);
#   2. the fuzzers: Clang 16 with -fsanitize=fuzzer,address,undefined, in build/fuzz, each harness run for
#      FUZZ_SECONDS seconds from its checked-in corpus.
# Both build the host code only (REPROKIT_CUDA=OFF): the CUDA plugin is nvcc's and takes no sanitizer.
# Prints per-harness results (runs, coverage, corpus) and exits non-zero on any build failure, test failure or
# fuzzer finding. A crashing input is left in build/fuzz/artifacts/<harness>/ (see docs/reliability.md for how
# to turn it into a regression input).
#
#   scripts/ci-reliability.sh                 both parts
#   scripts/ci-reliability.sh --sanitize      the sanitizer build and its tests only
#   scripts/ci-reliability.sh --fuzz          the fuzzers only
# Environment: FUZZ_SECONDS (default 30 per harness), FUZZ_HARNESSES (default: all), BUILD_JOBS (default 2).
set -uo pipefail
cd "$(dirname "$0")/.."

run_sanitize=1
run_fuzz=1
case "${1:-}" in
  "") ;;
  --sanitize) run_fuzz=0 ;;
  --fuzz) run_sanitize=0 ;;
  -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
  *) echo "ci-reliability: unknown option '$1'" >&2; exit 2 ;;
esac

fuzz_seconds=${FUZZ_SECONDS:-30}
harnesses=${FUZZ_HARNESSES:-"philox dropout sampling conv2d context linear normalization training elementwise sha256"}
jobs=${BUILD_JOBS:-2}
failures=()
log_dir=$(mktemp -d)

# Sanitizer runtime options: leaks are findings, UBSan stops at the first report with a stack trace.
# (Not detect_stack_use_after_return: GCC's ASan fake stack frames are not 64-byte aligned, and the AVX-512 code's
# aligned register spills then fault in the sanitizer, not in ReproKit.)
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:check_initialization_order=1"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="report_objects=1"
# Symbolized stack traces in reports (any LLVM version's llvm-symbolizer will do).
for s in llvm-symbolizer-16 llvm-symbolizer-15 llvm-symbolizer-14; do
  if command -v "$s" >/dev/null 2>&1; then export ASAN_SYMBOLIZER_PATH; ASAN_SYMBOLIZER_PATH=$(command -v "$s"); break; fi
done

if [ "$run_sanitize" = 1 ]; then
  echo "=== sanitizer build (GCC, address + undefined + leak) ==="
  start=$SECONDS
  # Warnings are not errors here: sanitizer instrumentation makes GCC warn where the ordinary build does not
  # (e.g. -Wclobbered around the SIMT emulator's setjmp); the ordinary CI build enforces warnings.
  if cmake -S . -B build/sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo -DREPROKIT_WARNINGS_AS_ERRORS=OFF \
        -DREPROKIT_SANITIZE=address,undefined -DREPROKIT_CUDA=OFF >"$log_dir/sanitize-cmake.log" 2>&1 \
     && cmake --build build/sanitize --parallel "$jobs" >"$log_dir/sanitize-build.log" 2>&1; then
    echo "built in $((SECONDS - start)) s"
    start=$SECONDS
    ctest --test-dir build/sanitize --output-on-failure 2>&1 | tee "$log_dir/sanitize-ctest.log" | tail -n 15
    summary=$(grep -E 'tests passed, [0-9]+ tests failed out of [0-9]+' "$log_dir/sanitize-ctest.log" | tail -1)
    echo "sanitizer ctest: ${summary:-no summary} ($((SECONDS - start)) s)"
    if [ -z "$summary" ] || ! grep -q ' 0 tests failed' <<<"$summary"; then failures+=("sanitizer ctest"); fi
  else
    cat "$log_dir/sanitize-cmake.log"; tail -n 60 "$log_dir/sanitize-build.log" 2>/dev/null
    failures+=("sanitizer build")
  fi
fi

if [ "$run_fuzz" = 1 ]; then
  echo
  echo "=== fuzzers (clang-16, libFuzzer + address + undefined, ${fuzz_seconds} s each) ==="
  if ! command -v clang++-16 >/dev/null 2>&1; then
    echo "ci-reliability: clang++-16 not found; run scripts/install-prerequisites.sh --fuzz" >&2
    failures+=("fuzz build (no clang-16)")
  else
    start=$SECONDS
    if cmake -S . -B build/fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_C_COMPILER=clang-16 \
          -DCMAKE_CXX_COMPILER=clang++-16 -DREPROKIT_FUZZ=ON -DREPROKIT_BUILD_TESTS=OFF -DREPROKIT_CUDA=OFF \
          -DREPROKIT_WARNINGS_AS_ERRORS=ON >"$log_dir/fuzz-cmake.log" 2>&1 \
       && cmake --build build/fuzz --parallel "$jobs" >"$log_dir/fuzz-build.log" 2>&1; then
      echo "built in $((SECONDS - start)) s"
      printf '%-10s %-8s %10s %8s %8s %8s %8s\n' harness result runs exec/s cov ft corpus
      for h in $harnesses; do
        work=build/fuzz/corpus-work/$h
        artifacts=build/fuzz/artifacts/$h
        mkdir -p "$work" "$artifacts"
        inputs=("$work")
        for d in native/fuzz/corpus/$h native/fuzz/regressions/$h; do [ -d "$d" ] && inputs+=("$d"); done
        log=$log_dir/fuzz-$h.log
        build/fuzz/bin/fuzz_"$h" -max_total_time="$fuzz_seconds" -timeout=20 -rss_limit_mb=3072 -max_len=4096 \
          -print_final_stats=1 -artifact_prefix="$artifacts/" "${inputs[@]}" >"$log" 2>&1
        rc=$?
        runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+).*/\1/p' "$log" | tail -1)
        speed=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+).*/\1/p' "$log" | tail -1)
        cov=$(grep -oE 'cov: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
        ft=$(grep -oE 'ft: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
        corp=$(grep -oE 'corp: [0-9]+' "$log" | tail -1 | cut -d' ' -f2)
        result=ok
        if [ "$rc" != 0 ]; then result=FAILED; failures+=("fuzz_$h"); fi
        printf '%-10s %-8s %10s %8s %8s %8s %8s\n' "$h" "$result" "${runs:-?}" "${speed:-?}" "${cov:-?}" "${ft:-?}" "${corp:-?}"
        if [ "$rc" != 0 ]; then
          echo "--- fuzz_$h (exit $rc), last lines of its log:"
          tail -n 40 "$log"
          echo "--- crashing inputs: $(ls "$artifacts" 2>/dev/null | tr '\n' ' ')"
        fi
      done
    else
      cat "$log_dir/fuzz-cmake.log"; tail -n 60 "$log_dir/fuzz-build.log" 2>/dev/null
      failures+=("fuzz build")
    fi
  fi
fi

echo
if [ ${#failures[@]} -ne 0 ]; then
  echo "ci-reliability: FAILED: ${failures[*]} (logs in $log_dir)"
  exit 1
fi
echo "ci-reliability: all checks passed"
