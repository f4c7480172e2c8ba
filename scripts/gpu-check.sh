#!/usr/bin/env bash
# The GPU check (docs/cuda.md, "On a machine with a GPU"): on a machine with an NVIDIA GPU and its driver, but no CUDA
# toolkit, no .NET SDK, no CMake and no network, runs from a folder of binaries built elsewhere:
#   env      the machine (nvidia-smi when present, glibc) and the folder's libraries (ldd: all resolved, ours from
#            the folder);
#   info     the device through the C API (reprokit_cuda_check info);
#   tests    the native GPU tests: reprokit_cuda_tests (CTest's label gpu) with the plugin next to libreprokit,
#            every test but CudaUnavailable.* (which only runs without a device); a skip is a failure;
#   golden   every golden case on the device against the CPU's digest and the recorded one;
#   compare  every operation and variant on the device against the CPU, bit for bit;
#   bench    device memory bandwidth (device-to-device copy), Philox fills and dropout in GB/s against it,
#            permutation, sampling V = 128256 B = 1 and 32, conv2d ResNet 3x3 in GFLOP/s.
# Each step runs under its own time limit (timeout), so a hang costs that step only; the limits add up to under
# 8 minutes. Writes OUT/gpu-check.json (one object: the machine, the folder, every step with its exit status, time
# and result; rewritten after each step) and OUT/gpu-check.log. Exit status: 0 every step passed, 1 a step failed,
# 3 no CUDA device.
#
#   scripts/gpu-check.sh --prepare DIR [--build BUILD] [--cmake-option -DX=Y ...]
#                                                         build (when needed) and fill DIR: the binaries, the CUDA
#                                                         plugin, the emulated plugin, libstdc++/libgcc_s, this script
#                                                         and a MANIFEST; checks its size (< 64 MiB) and that its
#                                                         binaries need nothing beyond glibc and libcuda
#   scripts/gpu-check.sh [--dir DIR] [--out OUT] [--small] [--only step,step]
#   scripts/gpu-check.sh --dry-run [--dir DIR] [--out OUT]
#
# --build BUILD: a CMake build folder with the CUDA plugin (default build/ci if it has one, else build/gpu-check-build,
#   configured Release with REPROKIT_CUDA=ON); only the needed targets are built. Works from a fresh clone (no build/).
# --cmake-option: one more option for configuring BUILD when it is not configured yet (repeatable; CI passes
#   -DREPROKIT_WARNINGS_AS_ERRORS=ON so that its main build can continue in the same folder).
# --dir DIR: the prepared folder (default: this script's folder when it holds a MANIFEST, else build/gpu-check).
# --out OUT: where the JSON and the log go (default $OUT when set, else DIR/results).
# --dry-run: the same steps on the SIMT-emulated device (REPROKIT_CUDA_PLUGIN = the folder's emulated plugin), small
#   sizes: proves the folder and the script on a machine without a GPU; its timings mean nothing.
# --small: small sizes on a real device (a quick look). --only: a comma-separated subset of the steps.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if [ -f "$here/../CMakeLists.txt" ] && [ -d "$here/../native" ]; then root=$(cd "$here/.." && pwd); else root=""; fi

mode=run
prepare_dir=""
build=""
cmake_options=()
dir=""
out="${OUT:-}"
small=0
dry=0
only=""
while [ $# -gt 0 ]; do
  case "$1" in
    --prepare) mode=prepare; prepare_dir=${2:?--prepare needs a folder}; shift ;;
    --build) build=${2:?}; shift ;;
    --cmake-option) cmake_options+=("${2:?--cmake-option needs -DNAME=VALUE}"); shift ;;
    --dir) dir=${2:?}; shift ;;
    --out) out=${2:?}; shift ;;
    --small) small=1 ;;
    --dry-run) dry=1; small=1 ;;
    --only) only=",${2:?},"; shift ;;
    -h|--help) sed -n '2,34p' "$0"; exit 0 ;;
    *) echo "gpu-check: unknown option '$1'" >&2; exit 2 ;;
  esac
  shift
done

# The folder's binaries and libraries, and the shared libraries they may need from the machine (glibc's and the
# NVIDIA driver's); anything else must be in the folder's lib/.
bins="reprokit_cuda_tests reprokit_cuda_check"
libs="libreprokit.so libreprokit_cuda.so"
allowed_re='^(linux-vdso\.so\.1|linux-gate\.so\.1|libc\.so\.6|libm\.so\.6|libpthread\.so\.0|libdl\.so\.2|librt\.so\.1|ld-linux-x86-64\.so\.2|ld-linux-aarch64\.so\.1|libcuda\.so\.1)$'

# ---- --prepare ------------------------------------------------------------------------------------------------
if [ "$mode" = prepare ]; then
  [ -n "$root" ] || { echo "gpu-check: --prepare runs from the repository's scripts/ folder" >&2; exit 2; }
  if [ -z "$build" ]; then
    if [ -f "$root/build/ci/lib/libreprokit_cuda.so" ]; then build="$root/build/ci"; else build="$root/build/gpu-check-build"; fi
  fi
  t0=$(date +%s)
  if [ ! -f "$build/CMakeCache.txt" ]; then
    echo "gpu-check: configuring $build (Release, REPROKIT_CUDA=ON)"
    # The build folder (and its parents: a fresh clone has no build/) exists before the log is written into it.
    mkdir -p "$build"
    cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=Release -DREPROKIT_CUDA=ON "${cmake_options[@]}" > "$build/gpu-check-configure.log" 2>&1 \
      || { tail -n 30 "$build/gpu-check-configure.log"; echo "gpu-check: configuring $build failed" >&2; exit 1; }
  fi
  echo "gpu-check: building the folder's targets in $build"
  log=$(mktemp)
  if ! cmake --build "$build" --parallel "${BUILD_JOBS:-2}" --target reprokit reprokit_cuda reprokit_cuda_emulated \
         reprokit_cuda_tests reprokit_cuda_check > "$log" 2>&1; then
    tail -n 40 "$log"; rm -f "$log"
    echo "gpu-check: building failed (the CUDA plugin needs nvcc: scripts/install-prerequisites.sh --cuda)" >&2
    exit 1
  fi
  rm -f "$log"
  d=$prepare_dir
  rm -rf "$d"
  mkdir -p "$d/bin" "$d/lib/emulated"
  for b in $bins; do cp "$build/bin/$b" "$d/bin/"; done
  for l in $libs; do cp "$build/lib/$l" "$d/lib/"; done
  cp "$build/lib/emulated/libreprokit_cuda_emulated.so" "$d/lib/emulated/"
  cp "$0" "$d/gpu-check.sh"
  # The C++ runtime the binaries were linked with, shipped beside them (the GPU machine's may be older or absent).
  for f in "$d"/bin/* "$d"/lib/*.so "$d"/lib/emulated/*.so; do ldd "$f"; done 2>/dev/null \
    | awk '$1 ~ /^lib(stdc\+\+|gcc_s)\.so/ && $3 ~ /^\// { print $3 }' | sort -u | while read -r rt; do cp -L "$rt" "$d/lib/"; done
  # Dependencies: every NEEDED entry is in the folder or allowed from the machine.
  bad=0
  for f in "$d"/bin/* "$d"/lib/*.so* "$d"/lib/emulated/*.so; do
    for need in $(readelf -d "$f" | sed -nE 's/.*\(NEEDED\).*\[(.*)\]/\1/p'); do
      if [ -e "$d/lib/$need" ]; then continue; fi
      if grep -qE "$allowed_re" <<<"$need"; then continue; fi
      echo "gpu-check: ${f#"$d"/} needs $need, which is neither in the folder nor glibc's or the driver's" >&2
      bad=1
    done
  done
  while read -r line; do echo "gpu-check: $line" >&2; bad=1; done < <(
    for f in "$d"/bin/* "$d"/lib/*.so* "$d"/lib/emulated/*.so; do
      LD_LIBRARY_PATH="$d/lib" ldd "$f" 2>&1 | sed -n "s|^\(.*not found.*\)|${f#"$d"/}: \1|p"
    done)
  glibc=$(for f in "$d"/bin/* "$d"/lib/*.so* "$d"/lib/emulated/*.so; do readelf -V "$f" 2>/dev/null; done \
            | grep -oE 'GLIBC_[0-9]+(\.[0-9]+)+' | sort -u -t_ -k2 -V | tail -1)
  archs=""
  command -v cuobjdump > /dev/null && archs=$(cuobjdump --list-elf "$d/lib/libreprokit_cuda.so" 2>/dev/null \
    | grep -oE 'sm_[0-9]+' | sort -u | tr '\n' ' ')
  size=$(du -sb "$d" | cut -f1)
  commit=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
  git -C "$root" diff --quiet HEAD -- native cmake CMakeLists.txt 2>/dev/null || commit="$commit+local-changes"
  {
    echo "# scripts/gpu-check.sh --prepare: run 'bash gpu-check.sh' (or --dry-run) in this folder's parent or here."
    echo "version=$(sed -nE 's/^#define RK_VERSION_(MAJOR|MINOR|PATCH) ([0-9]+).*/\2/p' "$root/native/include/reprokit/reprokit.h" | paste -sd.)"
    echo "commit=$commit"
    echo "built_in=$(cd "$build" && pwd)"
    echo "prepared=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    echo "host=$(uname -srm)"
    echo "glibc_needed=${glibc#GLIBC_}"
    echo "cubins=${archs% }"
    echo "bytes=$size"
    (cd "$d" && find . -type f ! -name MANIFEST | sort | xargs sha256sum | sed 's/^/sha256 /')
  } > "$d/MANIFEST"
  mib=$(( (size + 1048575) / 1048576 ))
  echo "gpu-check: prepared $d: $(find "$d" -type f | wc -l) files, $size bytes ($mib MiB), glibc >= ${glibc#GLIBC_}, cubins ${archs:-?} ($(( $(date +%s) - t0 )) s)"
  ls -la "$d/bin" "$d/lib" | grep -vE '^(total|d)' | awk '{ printf "  %10d  %s\n", $5, $NF }'
  if [ "$size" -ge $((64 * 1048576)) ]; then echo "gpu-check: the folder is $mib MiB, over the 64 MiB limit" >&2; bad=1; fi
  [ -s "$d/lib/libreprokit_cuda.so" ] || { echo "gpu-check: no CUDA plugin in the folder" >&2; bad=1; }
  exit $bad
fi

# ---- Run ------------------------------------------------------------------------------------------------------
if [ -z "$dir" ]; then
  if [ -f "$here/MANIFEST" ]; then dir=$here; elif [ -n "$root" ]; then dir="$root/build/gpu-check"; else dir=$here; fi
fi
dir=$(cd "$dir" 2>/dev/null && pwd) || { echo "gpu-check: no folder $dir (make it with --prepare)" >&2; exit 2; }
[ -f "$dir/MANIFEST" ] || { echo "gpu-check: $dir holds no MANIFEST (make it with scripts/gpu-check.sh --prepare $dir)" >&2; exit 2; }
[ -n "$out" ] || out="$dir/results"
mkdir -p "$out"
out=$(cd "$out" && pwd)
json="$out/gpu-check.json"
log="$out/gpu-check.log"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
: > "$log"
start=$(date +%s)

say() { echo "$@" | tee -a "$log"; }
json_str() {  # a bash string as a JSON string
  local s=$1
  s=${s//\\/\\\\}; s=${s//\"/\\\"}; s=${s//$'\t'/\\t}; s=${s//$'\r'/}; s=${s//$'\n'/\\n}
  printf '"%s"' "$(printf '%s' "$s" | tr -d '\000-\010\013\014\016-\037')"
}

export LD_LIBRARY_PATH="$dir/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
if [ "$dry" = 1 ]; then
  export REPROKIT_CUDA_PLUGIN="$dir/lib/emulated/libreprokit_cuda_emulated.so"
else
  unset REPROKIT_CUDA_PLUGIN  # the plugin next to libreprokit, as installed
fi
size_flag=()
[ "$small" = 1 ] && size_flag=(--small)
# The limits below add up to 465 s on a device. The emulated device is far slower and CI machines are shared: a dry
# run gives every step three times its limit.
limit_scale=1
[ "$dry" = 1 ] && limit_scale=3

steps_json=()
overall=0
no_device=0
write_json() {  # write_json complete(true|false)
  local s i
  s=""
  for i in "${!steps_json[@]}"; do
    [ "$i" -gt 0 ] && s+=","
    s+=$'\n    '"${steps_json[$i]}"
  done
  {
    printf '{\n  "schema": "reprokit-gpu-check/1",\n  "mode": %s,\n  "small": %s,\n' \
      "$(json_str "$([ "$dry" = 1 ] && echo dry-run || echo device)")" "$([ "$small" = 1 ] && echo true || echo false)"
    printf '  "started": %s,\n  "host": %s,\n  "folder": %s,\n' "$(json_str "$(date -u -d "@$start" +%Y-%m-%dT%H:%M:%SZ 2>/dev/null || date -u)")" \
      "$(json_str "$(uname -srm) $(hostname 2>/dev/null)")" "$(json_str "$dir")"
    printf '  "manifest": %s,\n' "$(json_str "$(grep -v '^sha256 \|^#' "$dir/MANIFEST")")"
    printf '  "steps": [%s\n  ],\n' "$s"
    printf '  "complete": %s,\n  "passed": %s,\n  "no_device": %s,\n  "seconds": %d\n}\n' "$1" \
      "$([ "$overall" = 0 ] && [ "$1" = true ] && echo true || echo false)" "$([ "$no_device" = 1 ] && echo true || echo false)" \
      "$(( $(date +%s) - start ))"
  } > "$json.tmp" && mv "$json.tmp" "$json"
}

# step NAME LIMIT_SECONDS COMMAND...: runs the command under `timeout`, logs its output, records the step. The
# command's JSON (if it writes $work/NAME.json) becomes the step's result. Sets step_rc.
step() {
  local name=$1 limit=$2 t0 t1 rc timed_out=false passed result
  shift 2
  if [ -n "$only" ] && [[ "$only" != *",$name,"* ]]; then return 0; fi
  limit=$(( limit * limit_scale ))
  say ""
  say "=== $name (limit ${limit} s): $*"
  t0=$(date +%s.%N)
  timeout -k 10 "$limit" "$@" > "$work/$name.out" 2>&1
  rc=$?
  t1=$(date +%s.%N)
  [ "$rc" = 124 ] || [ "$rc" = 137 ] && timed_out=true
  cat "$work/$name.out" >> "$log"
  tail -n "${TAIL_LINES:-8}" "$work/$name.out"
  passed=false
  [ "$rc" = 0 ] && passed=true
  [ "$rc" = 3 ] && no_device=1
  [ "$rc" = 0 ] || overall=1
  result=null
  [ -s "$work/$name.json" ] && result=$(cat "$work/$name.json")
  local secs
  secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
  say "--- $name: exit $rc$([ "$timed_out" = true ] && echo " (timed out after $limit s)") in $secs s"
  steps_json+=("{\"name\": $(json_str "$name"), \"limit_s\": $limit, \"exit\": $rc, \"timed_out\": $timed_out, \"passed\": $passed, \"seconds\": $secs, \"result\": $result}")
  write_json false
  step_rc=$rc
}

env_step() {
  local ok=0 f
  echo "folder: $dir"
  grep -v '^sha256 ' "$dir/MANIFEST"
  echo "machine: $(uname -srm); $(ldd --version 2>/dev/null | head -1)"
  if command -v nvidia-smi > /dev/null; then
    nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm,clocks.max.memory,power.limit --format=csv 2>&1
  else
    echo "nvidia-smi: not found"
  fi
  echo "REPROKIT_CUDA_PLUGIN=${REPROKIT_CUDA_PLUGIN:-(unset: the plugin next to libreprokit)}"
  if command -v ldd > /dev/null; then
    for f in "$dir"/bin/* "$dir"/lib/*.so* "$dir"/lib/emulated/*.so; do
      if ldd "$f" 2>&1 | grep -q 'not found'; then echo "ldd ${f#"$dir"/}: a library is missing:"; ldd "$f" | grep 'not found'; ok=1; fi
      if ldd "$f" 2>&1 | grep -E 'lib(reprokit|stdc\+\+|gcc_s)' | grep -vq "=> $dir/lib/"; then
        echo "ldd ${f#"$dir"/}: a library of the folder resolves outside it:"; ldd "$f" | grep -E 'lib(reprokit|stdc\+\+|gcc_s)'; ok=1
      fi
    done
    [ "$ok" = 0 ] && echo "ldd: every library of the folder resolves, the folder's own from $dir/lib"
  else
    echo "ldd: not found (skipped)"
  fi
  return $ok
}

export dir work
export -f env_step
say "gpu-check: $([ "$dry" = 1 ] && echo "DRY RUN on the SIMT-emulated device" || echo "device run") from $dir, results in $out"
write_json false
step env 20 bash -c env_step
step info 30 "$dir/bin/reprokit_cuda_check" info --json "$work/info.json"
if [ "$no_device" = 1 ]; then
  say "gpu-check: no CUDA device: the device steps are skipped"
else
  # A dry run leaves out the golden test here: the golden step runs the same cases (and CTest's cuda-api-simt.* runs
  # this binary on the emulated device anyway).
  filter='-CudaUnavailable.*'
  [ "$dry" = 1 ] && filter='-CudaUnavailable.*:CudaDevice.EveryGoldenCaseMatchesItsRecordedDigestOnTheDevice'
  step tests 100 "$dir/bin/reprokit_cuda_tests" --gtest_filter="$filter" --gtest_color=no
  if [ -f "$work/tests.out" ]; then
    np=$(sed -nE 's/^\[  PASSED  \] ([0-9]+) tests?\..*/\1/p' "$work/tests.out" | tail -1)
    nf=$(sed -nE 's/^\[  FAILED  \] ([0-9]+) tests?, listed below.*/\1/p' "$work/tests.out" | tail -1)
    ns=$(sed -nE 's/^\[  SKIPPED \] ([0-9]+) tests?, listed below.*/\1/p' "$work/tests.out" | tail -1)
    last=$((${#steps_json[@]} - 1))
    summary="{\"passed\": ${np:-0}, \"failed\": ${nf:-0}, \"skipped\": ${ns:-0}}"
    steps_json[$last]=${steps_json[$last]/\"result\": null/\"result\": $summary}
    if [ "${ns:-0}" != 0 ]; then
      say "gpu-check: ${ns} device tests were skipped: on this machine they must run"
      steps_json[$last]=${steps_json[$last]/\"passed\": true/\"passed\": false}
      overall=1
    fi
    write_json false
  fi
  step golden 45 "$dir/bin/reprokit_cuda_check" golden --json "$work/golden.json"
  step compare 120 "$dir/bin/reprokit_cuda_check" compare "${size_flag[@]}" --json "$work/compare.json"
  TAIL_LINES=40 step bench 150 "$dir/bin/reprokit_cuda_check" bench "${size_flag[@]}" --json "$work/bench.json"
fi
[ "$no_device" = 1 ] && overall=1
write_json true
say ""
say "gpu-check: $([ "$overall" = 0 ] && echo PASSED || echo FAILED) in $(( $(date +%s) - start )) s; $json, $log"
if [ "$no_device" = 1 ]; then exit 3; fi
exit $overall
