#!/usr/bin/env bash
# The CUDA plugin's kernels against their launch configuration, on every architecture of the plugin
# (docs/cuda.md, "Kernel resources"). Fails (exit 1) on any violation:
#
#   from the cubins (cuobjdump --dump-resource-usage, cuobjdump -elf), per architecture and kernel:
#     - every kernel in the cubins is in the launch table, and every launched kernel is in every cubin;
#     - block size <= 1024 threads (x, y <= 1024, z <= 64) and <= the kernel's __launch_bounds__ (EIATTR_MAX_THREADS);
#     - registers <= 255 per thread, and the block's registers (per warp rounded up to 256) <= 65536;
#     - static + dynamic shared memory <= 48 KiB, unless the plugin raises the limit with cudaFuncSetAttribute
#       (then the architecture's opt-in maximum);
#     - stack frame + local memory <= 512 KiB per thread;
#     - with --spills: spill stores <= --max-spill bytes per thread (a project limit; ptxas -v of plugin.cu);
#   from the launch table (reprokit_cuda_launches: the plugin's launch functions run at typical sizes and at the
#   largest sizes the C API accepts, recording instead of launching):
#     - grid.x <= 2^31 - 1, grid.y, grid.z <= 65535, every dimension >= 1;
#   from the kernel sources (native/src/cuda):
#     - every launch goes through RK_LAUNCH (no other <<< >>>), whose dynamic shared memory is 0;
#     - global_thread() / grid_threads() are 64-bit, every __global__ kernel is a grid-stride loop (any grid covers
#       any size) whose loop variable is 64-bit, no 32-bit product of blockIdx / blockDim;
#     - every 32-bit loop variable runs up to a bound known to be small (a literal, a k... constant, the Winograd
#       tile M, a radix mask, the tap chunk, or the vocabulary, < kSampleMaxVocab from core/sampling.h).
#
#   scripts/check-cuda-resources.sh [--build DIR] [--plugin LIB] [--launches FILE] [--spills] [--max-spill BYTES]
#                                   [--table FILE.md] [--resources FILE --elf FILE] [--no-source-checks]
#   scripts/check-cuda-resources.sh --self-test
#
# --build DIR (default build/ci): the plugin DIR/lib/libreprokit_cuda.so and the launch table from
# DIR/bin/reprokit_cuda_launches; --spills compiles native/src/cuda/plugin.cu again with DIR's CUDA flags and
# -Xptxas -v (about 40 s). --resources / --elf read saved cuobjdump outputs instead of running cuobjdump.
# --self-test proves that the checker fails: kernels compiled with nvcc for sm_70 (over-budget shared memory,
# a __launch_bounds__ mismatch, too many registers for the block, a kernel missing from the launch table, a grid
# too large) and canned cuobjdump records (stack, registers), each of which must be refused, plus sources with a
# 32-bit loop and a dynamic-shared-memory launch, and one clean case that must pass.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

build="$root/build/ci"
plugin=""
launches=""
resources=""
elf=""
spills=0
max_spill=1024
table=""
source_checks=1
sources="$root/native/src/cuda"
sampling_h="$root/native/src/core/sampling.h"
self_test=0
quiet=0

usage() { sed -n '2,35p' "$0"; }
while [ $# -gt 0 ]; do
  case "$1" in
    --build) build=$2; shift ;;
    --plugin) plugin=$2; shift ;;
    --launches) launches=$2; shift ;;
    --resources) resources=$2; shift ;;
    --elf) elf=$2; shift ;;
    --spills) spills=1 ;;
    --max-spill) max_spill=$2; shift ;;
    --table) table=$2; shift ;;
    --no-source-checks) source_checks=0 ;;
    --sources) sources=$2; shift ;;
    --sampling-header) sampling_h=$2; shift ;;
    --quiet) quiet=1 ;;
    --self-test) self_test=1 ;;
    -h|--help) usage; exit 0 ;;
    *) echo "check-cuda-resources: unknown option '$1'" >&2; usage >&2; exit 2 ;;
  esac
  shift
done

say() { [ "$quiet" = 1 ] || echo "$@"; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# ---- Self-test ------------------------------------------------------------------------------------------------
if [ "$self_test" = 1 ]; then
  st_failed=0
  st_ran=0
  # expect NAME RC PATTERN ARGS...: the checker with ARGS must exit RC and print PATTERN.
  expect() {
    local name=$1 want_rc=$2 pattern=$3
    shift 3
    st_ran=$((st_ran + 1))
    bash "$0" --quiet "$@" > "$tmp/out.$st_ran" 2>&1
    local rc=$?
    if [ "$rc" = "$want_rc" ] && grep -qE -- "$pattern" "$tmp/out.$st_ran"; then
      echo "self-test ok:   $name (exit $rc: $(grep -m1 -E -- "$pattern" "$tmp/out.$st_ran" | cut -c1-150))"
    else
      echo "self-test FAIL: $name: expected exit $want_rc and /$pattern/, got exit $rc:"
      sed 's/^/    /' "$tmp/out.$st_ran" | tail -n 15
      st_failed=$((st_failed + 1))
    fi
  }

  # Canned cuobjdump records: a clean kernel, and the same kernel with a stack past 512 KiB or 256 registers.
  canned() {  # canned FILE REG STACK SHARED
    cat > "$1" <<EOF

Fatbin elf code:
================
arch = sm_80
code version = [1,7]
host = linux
compile_size = 64bit

Resource usage:
 Common:
  GLOBAL:0
 Function _Z8canned_kv:
  REG:$2 STACK:$3 SHARED:$4 LOCAL:0 CONSTANT[0]:352 TEXTURE:0 SURFACE:0 SAMPLER:0
EOF
  }
  echo "launch canned_k case 4096 1 1 256 1 1 0" > "$tmp/canned.launches"
  : > "$tmp/empty.elf"
  canned "$tmp/ok.res" 32 0 1024
  expect "canned clean kernel passes" 0 "0 violations" --resources "$tmp/ok.res" --elf "$tmp/empty.elf" \
    --launches "$tmp/canned.launches" --no-source-checks
  canned "$tmp/stack.res" 32 600000 0
  expect "stack frame past 512 KiB" 1 "stack.*512 KiB" --resources "$tmp/stack.res" --elf "$tmp/empty.elf" \
    --launches "$tmp/canned.launches" --no-source-checks
  canned "$tmp/reg.res" 256 0 0
  expect "256 registers per thread" 1 "registers per thread" --resources "$tmp/reg.res" --elf "$tmp/empty.elf" \
    --launches "$tmp/canned.launches" --no-source-checks
  canned "$tmp/smem.res" 32 0 49153
  expect "static shared memory past 48 KiB" 1 "shared memory .* > 49152" --resources "$tmp/smem.res" \
    --elf "$tmp/empty.elf" --launches "$tmp/canned.launches" --no-source-checks
  echo "launch canned_k huge-grid 4096 65536 1 256 1 1 0" > "$tmp/grid.launches"
  expect "grid.y past 65535" 1 "grid.y 65536" --resources "$tmp/ok.res" --elf "$tmp/empty.elf" \
    --launches "$tmp/grid.launches" --no-source-checks
  echo "launch canned_k big-block 2048 1 1 2048 1 1 0" > "$tmp/block.launches"
  expect "block of 2048 threads" 1 "2048 threads" --resources "$tmp/ok.res" --elf "$tmp/empty.elf" \
    --launches "$tmp/block.launches" --no-source-checks

  # Sources: a 32-bit grid loop and a launch with dynamic shared memory outside RK_LAUNCH.
  mkdir -p "$tmp/src/kernels"
  cat > "$tmp/src/kernels/device_compat.cuh" <<'EOF'
#  define RK_LAUNCH(kernel, grid, block, stream) kernel<<<(grid), (block), 0, (stream)>>>
__device__ inline uint64_t global_thread() { return 0; }
__device__ inline uint64_t grid_threads() { return 0; }
EOF
  cat > "$tmp/src/kernels/bad.cuh" <<'EOF'
__global__ void bad_kernel(float* y, int n) {
    for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; i += gridDim.x * blockDim.x) y[i] = 0.0f;
}
inline void launch_bad(float* y, int n) { bad_kernel<<<n / 256, 256, 4096>>>(y, n); }
EOF
  printf 'constexpr uint32_t kSampleMaxVocab = 1u << 21;\n' > "$tmp/sampling.h"
  expect "sources: 32-bit grid-stride loop" 1 "grid-stride loop .*64-bit" --resources "$tmp/ok.res" \
    --elf "$tmp/empty.elf" --launches "$tmp/canned.launches" --sources "$tmp/src" --sampling-header "$tmp/sampling.h"
  expect "sources: 32-bit blockIdx product" 1 "32-bit product" --resources "$tmp/ok.res" \
    --elf "$tmp/empty.elf" --launches "$tmp/canned.launches" --sources "$tmp/src" --sampling-header "$tmp/sampling.h"
  expect "sources: 32-bit loop up to an unbounded n" 1 "32-bit loop variable 'i' runs up to 'n'" \
    --resources "$tmp/ok.res" --elf "$tmp/empty.elf" --launches "$tmp/canned.launches" --sources "$tmp/src" \
    --sampling-header "$tmp/sampling.h"
  expect "sources: a launch outside RK_LAUNCH" 1 "outside RK_LAUNCH" --resources "$tmp/ok.res" \
    --elf "$tmp/empty.elf" --launches "$tmp/canned.launches" --sources "$tmp/src" --sampling-header "$tmp/sampling.h"

  # Real kernels: nvcc for sm_70, cuobjdump on the object.
  if command -v nvcc > /dev/null && command -v cuobjdump > /dev/null; then
    ccbin=()
    command -v clang++-14 > /dev/null && ccbin=(-ccbin clang++-14)
    cat > "$tmp/k.cu" <<'EOF'
// Kernels for check-cuda-resources.sh --self-test.
__global__ void ok_kernel(float* y) { y[threadIdx.x] = 1.0f; }
// 40 KiB of static shared memory: with 16 KiB dynamic, past the 48 KiB limit.
__global__ void shared_kernel(float* y) {
    __shared__ float s[10240];
    s[threadIdx.x] = y[threadIdx.x];
    __syncthreads();
    y[threadIdx.x] = s[10239 - threadIdx.x];
}
// Compiled for at most 128 threads a block.
__global__ void __launch_bounds__(128) bounds_kernel(float* y) { y[threadIdx.x] = 2.0f; }
// Many live values: more than 64 registers, too many for 1024 threads a block.
__global__ void regs_kernel(const float* x, float* y) {
    float a[80];
#pragma unroll
    for (int i = 0; i < 80; ++i) a[i] = x[i * 1024 + threadIdx.x];
    float s = 0.0f;
#pragma unroll
    for (int i = 0; i < 80; ++i) s += a[i] * a[79 - i] * x[i];
#pragma unroll
    for (int i = 0; i < 80; ++i) y[i * 1024 + threadIdx.x] = a[i] * s;
}
// In the binary but in no launch table.
__global__ void orphan_kernel(float* y) { y[0] = 3.0f; }
EOF
    if nvcc "${ccbin[@]}" -arch=sm_70 -c "$tmp/k.cu" -o "$tmp/k.o" > "$tmp/nvcc.log" 2>&1; then
      cuobjdump --dump-resource-usage "$tmp/k.o" > "$tmp/k.res" 2>&1
      cuobjdump -elf "$tmp/k.o" > "$tmp/k.elf" 2>&1
      regs=$(grep -A1 regs_kernel "$tmp/k.res" | grep -oE 'REG:[0-9]+' | cut -d: -f2)
      good="launch ok_kernel c 1 1 1 256 1 1 0
launch shared_kernel c 1 1 1 256 1 1 0
launch bounds_kernel c 1 1 1 128 1 1 0
launch regs_kernel c 1 1 1 256 1 1 0
launch orphan_kernel c 1 1 1 32 1 1 0"
      echo "$good" > "$tmp/good.launches"
      expect "nvcc kernels at their limits pass" 0 "0 violations" --resources "$tmp/k.res" --elf "$tmp/k.elf" \
        --launches "$tmp/good.launches" --no-source-checks
      sed 's/^launch shared_kernel c 1 1 1 256 1 1 0$/launch shared_kernel c 1 1 1 256 1 1 16384/' "$tmp/good.launches" > "$tmp/l1"
      expect "nvcc: 40 KiB static + 16 KiB dynamic shared memory" 1 "shared_kernel.*shared memory 57344 > 49152" \
        --resources "$tmp/k.res" --elf "$tmp/k.elf" --launches "$tmp/l1" --no-source-checks
      sed 's/^launch bounds_kernel c 1 1 1 128 1 1 0$/launch bounds_kernel c 1 1 1 256 1 1 0/' "$tmp/good.launches" > "$tmp/l2"
      expect "nvcc: __launch_bounds__(128) launched with 256 threads" 1 "bounds_kernel.*__launch_bounds__ 128" \
        --resources "$tmp/k.res" --elf "$tmp/k.elf" --launches "$tmp/l2" --no-source-checks
      if [ -n "$regs" ] && [ "$regs" -gt 64 ]; then
        sed 's/^launch regs_kernel c 1 1 1 256 1 1 0$/launch regs_kernel c 1 1 1 1024 1 1 0/' "$tmp/good.launches" > "$tmp/l3"
        expect "nvcc: $regs registers x 1024 threads" 1 "regs_kernel.*registers per block [0-9]+ > 65536" \
          --resources "$tmp/k.res" --elf "$tmp/k.elf" --launches "$tmp/l3" --no-source-checks
      else
        echo "self-test FAIL: regs_kernel uses ${regs:-?} registers (need > 64 for the test)"; st_failed=$((st_failed + 1))
      fi
      grep -v orphan_kernel "$tmp/good.launches" > "$tmp/l4"
      expect "nvcc: a kernel missing from the launch table" 1 "orphan_kernel.*not in the launch table" \
        --resources "$tmp/k.res" --elf "$tmp/k.elf" --launches "$tmp/l4" --no-source-checks
      sed 's/^launch ok_kernel c 1 1 1 256 1 1 0$/launch ok_kernel c 2147483648 1 1 256 1 1 0/' "$tmp/good.launches" > "$tmp/l5"
      expect "nvcc: grid.x of 2^31" 1 "ok_kernel.*grid.x 2147483648" \
        --resources "$tmp/k.res" --elf "$tmp/k.elf" --launches "$tmp/l5" --no-source-checks
    else
      echo "self-test FAIL: nvcc could not compile the test kernels:"; tail -n 20 "$tmp/nvcc.log"
      st_failed=$((st_failed + 1))
    fi
  else
    echo "self-test: nvcc/cuobjdump not found: the compiled-kernel cases did not run"
  fi
  echo "self-test: $st_ran cases, $st_failed failed"
  [ "$st_failed" = 0 ] && [ "$st_ran" -gt 0 ]
  exit $?
fi

# ---- Inputs ---------------------------------------------------------------------------------------------------
[ -n "$plugin" ] || plugin="$build/lib/libreprokit_cuda.so"
if [ -z "$resources" ] || [ -z "$elf" ]; then
  command -v cuobjdump > /dev/null || { echo "check-cuda-resources: cuobjdump not found (CUDA toolkit)" >&2; exit 2; }
  [ -f "$plugin" ] || { echo "check-cuda-resources: no plugin at $plugin (build with -DREPROKIT_CUDA=ON)" >&2; exit 2; }
fi
if [ -z "$resources" ]; then
  resources="$tmp/resources.txt"
  cuobjdump --dump-resource-usage "$plugin" > "$resources" 2>&1 || { cat "$resources"; exit 2; }
fi
if [ -z "$elf" ]; then
  elf="$tmp/elf.txt"
  cuobjdump -elf "$plugin" > "$elf" 2>&1 || { tail "$elf"; exit 2; }
fi
if [ -z "$launches" ]; then
  tool="$build/bin/reprokit_cuda_launches"
  [ -x "$tool" ] || { echo "check-cuda-resources: no launch-table tool at $tool" >&2; exit 2; }
  launches="$tmp/launches.txt"
  if ! "$tool" > "$launches" 2> "$tmp/launches.err"; then
    cat "$tmp/launches.err" >&2
    echo "check-cuda-resources: $tool failed" >&2
    exit 1
  fi
fi

# Kernel keys: the demangled name without namespaces, return type, parameters or spaces, e.g.
# conv_forward_winograd_kernel<WinogradF4<ScalarLanes>>; the launch table's names reduce to the same.
normalise() { sed -E 's/^void //; s/\([^()]*\)$//; s/[A-Za-z_][A-Za-z_0-9]*:://g; s/ //g'; }

awk '
  /^Fatbin elf code/ { elfsec = 1; next }
  /^Fatbin ptx code/ { elfsec = 0; next }
  /^arch = / { arch = $3; next }
  elfsec && /^ Function / { fn = $2; sub(/:$/, "", fn); next }
  elfsec && /REG:/ {
    reg = stack = shared = local = 0
    for (i = 1; i <= NF; ++i) {
      split($i, kv, ":")
      if (kv[1] == "REG") reg = kv[2]; else if (kv[1] == "STACK") stack = kv[2]
      else if (kv[1] == "SHARED") shared = kv[2]; else if (kv[1] == "LOCAL") local = kv[2]
    }
    print "R", arch, fn, reg, stack, shared, local
  }' "$resources" > "$tmp/res.rec"
awk '
  function hex(s,   i, v) {  # "0x100" -> 256 (POSIX awk has no strtonum)
    s = tolower(s); sub(/^0x/, "", s); v = 0
    for (i = 1; i <= length(s); ++i) v = v * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
    return v
  }
  /^Fatbin elf code/ { elfsec = 1; next }
  /^Fatbin ptx code/ { elfsec = 0; next }
  /^arch = / { arch = $3; next }
  !elfsec { next }
  /^\.nv\.info\._/ { fn = substr($1, 10); next }
  /^\./ { fn = ""; next }
  /Attribute:/ { attr = $2; next }
  /Value:/ && fn != "" && (attr == "EIATTR_MAX_THREADS" || attr == "EIATTR_REQNTID") {
    print "T", arch, fn, hex($2) * hex($3) * hex($4)
  }' "$elf" > "$tmp/threads.rec"
grep -c . "$tmp/res.rec" > /dev/null || { echo "check-cuda-resources: no kernels in the resource usage of $plugin" >&2; exit 1; }

: > "$tmp/spill.rec"
if [ "$spills" = 1 ]; then
  flags="$build/native/src/CMakeFiles/reprokit_cuda.dir/flags.make"
  [ -f "$flags" ] || { echo "check-cuda-resources: --spills needs $flags (a Makefile build of the plugin)" >&2; exit 2; }
  cuda_flags=$(sed -n 's/^CUDA_FLAGS = //p' "$flags")
  cuda_defines=$(sed -n 's/^CUDA_DEFINES = //p' "$flags")
  host=$(sed -n 's/^CMAKE_CUDA_HOST_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt")
  nvcc_bin=$(sed -n 's/^CMAKE_CUDA_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt")
  # One nvcc per architecture of the cubins (two at a time), each with CMake's flags minus its --generate-code list.
  base_flags=$(sed -E 's/--generate-code=[^ ]*//g' <<<"$cuda_flags")
  archs=$(awk '{ print $2 }' "$tmp/res.rec" | sort -u)
  say "spills: compiling plugin.cu with -Xptxas -v for $(echo $archs)"
  running=0
  for a in $archs; do
    n=${a#sm_}
    (cd "$build/native/src" && eval "\"${nvcc_bin:-nvcc}\" ${host:+-ccbin \"$host\"} $cuda_defines \
       --options-file CMakeFiles/reprokit_cuda.dir/includes_CUDA.rsp $base_flags \
       --generate-code=arch=compute_$n,code=sm_$n -Xptxas -v -c \"$root/native/src/cuda/plugin.cu\" -o \"$tmp/plugin.$a.o\"") \
      > "$tmp/ptxas.$a.log" 2>&1 && echo ok > "$tmp/ptxas.$a.ok" &
    running=$((running + 1))
    if [ "$running" -ge 2 ]; then wait -n; running=$((running - 1)); fi
  done
  wait
  for a in $archs; do
    if [ ! -f "$tmp/ptxas.$a.ok" ]; then
      tail -n 30 "$tmp/ptxas.$a.log"; echo "check-cuda-resources: compiling plugin.cu for $a with -Xptxas -v failed" >&2; exit 1
    fi
    # "Compiling entry function '<f>' for 'sm_NN'", "Function properties for <f>", "<n> bytes stack frame, <s> bytes
    # spill stores, <l> bytes spill loads".
    awk -v arch="$a" '
      /Compiling entry function/ { f = $0; sub(/.*function \047/, "", f); sub(/\047.*/, "", f); entry[f] = 1; next }
      /Function properties for/ { cur = $NF; next }
      /bytes stack frame/ { if (cur in entry) print "S", arch, cur, $5, $9; cur = "" }' "$tmp/ptxas.$a.log" >> "$tmp/spill.rec"
  done
fi

# Demangle every function name once, then turn mangled names into kernel keys.
cut -d' ' -f3 "$tmp/res.rec" "$tmp/threads.rec" "$tmp/spill.rec" | sort -u > "$tmp/mangled"
c++filt < "$tmp/mangled" | normalise > "$tmp/keys"
paste -d' ' "$tmp/mangled" "$tmp/keys" > "$tmp/keymap"
grep '^launch ' "$launches" | awk '{ print $2 }' | normalise > "$tmp/lkeys"
grep '^launch ' "$launches" | paste -d' ' - "$tmp/lkeys" | awk '{ print "L", $11, $3, $4, $5, $6, $7, $8, $9, $10 }' > "$tmp/launch.rec"
[ -s "$tmp/launch.rec" ] || { echo "check-cuda-resources: the launch table $launches has no launches" >&2; exit 1; }

# ---- Source checks --------------------------------------------------------------------------------------------
: > "$tmp/source.viol"
raised=0
if [ "$source_checks" = 1 ]; then
  compat="$sources/kernels/device_compat.cuh"
  # Every <<< >>> is RK_LAUNCH's, with 0 bytes of dynamic shared memory.
  grep -nE '<<<' "$sources"/*.cu "$sources"/*.h "$sources"/kernels/*.cuh 2>/dev/null | while IFS= read -r hit; do
    case "$hit" in
      "$compat":*'define RK_LAUNCH(kernel, grid, block, stream) kernel<<<(grid), (block), 0, (stream)>>>'*) ;;
      *) echo "source: a kernel launch outside RK_LAUNCH, or RK_LAUNCH with dynamic shared memory (the launch table cannot see it): $hit" ;;
    esac
  done >> "$tmp/source.viol"
  grep -qE 'define RK_LAUNCH\(kernel, grid, block, stream\) kernel<<<\(grid\), \(block\), 0, \(stream\)>>>' "$compat" \
    || echo "source: $compat: RK_LAUNCH does not launch with 0 bytes of dynamic shared memory" >> "$tmp/source.viol"
  if grep -qE 'cudaFuncSetAttribute|cudaFuncAttributeMaxDynamicSharedMemorySize' "$sources"/*.cu "$sources"/kernels/*.cuh; then
    raised=1
  fi
  grep -qE 'inline uint64_t global_thread\(\)' "$compat" \
    || echo "source: $compat: global_thread() does not return uint64_t" >> "$tmp/source.viol"
  grep -qE 'inline uint64_t grid_threads\(\)' "$compat" \
    || echo "source: $compat: grid_threads() does not return uint64_t" >> "$tmp/source.viol"
  max_vocab=$(sed -nE 's/.*constexpr uint32_t kSampleMaxVocab = ([^;]*);.*/\1/p' "$sampling_h" | head -1)
  case "$max_vocab" in
    "1u << "[0-9]*) max_vocab=$((1 << ${max_vocab#1u << })) ;;
    [0-9]*) max_vocab=${max_vocab%u} ;;
    *) echo "source: $sampling_h: kSampleMaxVocab not found" >> "$tmp/source.viol"; max_vocab=0 ;;
  esac
  # The vocabulary bounds 32-bit loops that step by blockDim.x (<= 1024): V + 1024 must not wrap.
  [ "$max_vocab" -gt 0 ] && [ $((max_vocab + 1024)) -ge 4294967296 ] \
    && echo "source: kSampleMaxVocab ($max_vocab) + 1024 wraps a 32-bit loop variable" >> "$tmp/source.viol"
  for f in "$sources"/kernels/*.cuh; do
    awk -v file="$f" '
      # 32-bit products of the built-in indices (blockIdx.x * blockDim.x wraps past 2^32 threads).
      /blockIdx\.[xyz] *\*|\* *blockIdx\.[xyz]|blockDim\.[xyz] *\*|\* *blockDim\.[xyz]/ {
        line = $0
        gsub(/static_cast<u?int64_t>\([A-Za-z_.]+\) *\* *[A-Za-z_.]+/, "", line)  # 64-bit products
        gsub(/static_cast<u?int64_t>\((blockIdx|blockDim|gridDim)\.[xyz]\)/, "", line)
        if (line ~ /blockIdx\.[xyz] *\*|\* *blockIdx\.[xyz]|blockDim\.[xyz] *\*|\* *blockDim\.[xyz]/)
          printf "source: %s:%d: a 32-bit product of blockIdx / blockDim: %s\n", file, NR, $0
      }
      # Kernels: from "__global__" to the end of the body (brace depth back to 0).
      /__global__/ { inkernel = 1; depth = 0; opened = 0; name = $0; gsub(/__launch_bounds__\([^)]*\)/, "", name); sub(/\(.*/, "", name); n = split(name, w, " "); name = w[n]; gridstride = 0 }
      inkernel {
        if ($0 ~ /grid_threads\(\)|gridDim\.[xyz]/) gridstride = 1
        if ($0 ~ /for \(/ && $0 ~ /grid_threads\(\)|gridDim\.[xyz]|global_thread\(\)|blockIdx\.[xyz]/ && $0 !~ /for \((const )?u?int64_t /)
          printf "source: %s:%d: %s: a grid-stride loop whose variable is not 64-bit: %s\n", file, NR, name, $0
        t = $0; opens = gsub(/\{/, "{", t); closes = gsub(/\}/, "}", t)
        depth += opens - closes; if (opens > 0) opened = 1
        if (opened && depth <= 0) {
          if (!gridstride) printf "source: %s: kernel %s has no grid-stride loop (grid_threads() or gridDim): a grid smaller than the work would skip elements\n", file, name
          inkernel = 0
        }
      }
      # 32-bit loop variables: the bound must be known to be small.
      match($0, /for \((int|unsigned|unsigned int|uint32_t|int32_t) [A-Za-z_][A-Za-z_0-9]* = [^;]*; [^;]*;/) {
        s = substr($0, RSTART, RLENGTH)
        v = s; sub(/^for \((int|unsigned|unsigned int|uint32_t|int32_t) /, "", v); sub(/ .*/, "", v)
        c = s; sub(/^[^;]*; */, "", c); sub(/;$/, "", c)
        # the comparison of the loop variable: "v < B", "v <= B" or "v > B" (then && ...)
        if (match(c, "^" v " *(<=|<|>) *")) {
          b = substr(c, RLENGTH + 1); sub(/ *&&.*/, "", b)
          ok = b ~ /^(0x[0-9A-Fa-f]+|[0-9]+)u?$/ || b ~ /^k[A-Z][A-Za-z0-9_]*( \* k[A-Z][A-Za-z0-9_]*)?$/ ||
               b == "M" || b == "mask" || b == "steps" || b == "V" || b == "vocab"
          if (!ok) printf "source: %s:%d: the 32-bit loop variable '"'"'%s'"'"' runs up to '"'"'%s'"'"', which is not known to be small (make it 64-bit, or add the bound to check-cuda-resources.sh with the reason): %s\n", file, NR, v, b, $0
        } else {
          printf "source: %s:%d: cannot read the bound of the 32-bit loop variable '"'"'%s'"'"': %s\n", file, NR, v, $0
        }
      }' "$f" >> "$tmp/source.viol"
  done
fi

# ---- The checks -----------------------------------------------------------------------------------------------
cat "$tmp/launch.rec" > "$tmp/all.rec"
for r in res threads spill; do
  awk 'NR == FNR { key[$1] = $2; next } { $3 = key[$3] " " $3; print }' "$tmp/keymap" "$tmp/$r.rec" >> "$tmp/all.rec"
done

awk -v raised="$raised" -v max_spill="$max_spill" -v spills="$spills" -v table="$table" '
  BEGIN {
    # Per architecture: the opt-in shared memory per block, resident threads per SM.
    optin["sm_70"] = 98304;  optin["sm_75"] = 65536;  optin["sm_80"] = 166912
    optin["sm_86"] = 101376; optin["sm_89"] = 101376; optin["sm_90"] = 232448
    sm_threads["sm_70"] = 2048; sm_threads["sm_75"] = 1024; sm_threads["sm_80"] = 2048
    sm_threads["sm_86"] = 1536; sm_threads["sm_89"] = 1536; sm_threads["sm_90"] = 2048
    nviol = 0
  }
  function viol(msg) { print "VIOLATION " msg; ++nviol }
  function ceil(a, b) { return int((a + b - 1) / b) }
  $1 == "L" {
    ++nlaunch; k = $2; if (!(k in lseen)) { lseen[k] = 1; korder[++nk] = k }
    nl[k]++; lc[k, nl[k]] = $3; gx[k, nl[k]] = $4; gy[k, nl[k]] = $5; gz[k, nl[k]] = $6
    bx[k, nl[k]] = $7; by[k, nl[k]] = $8; bz[k, nl[k]] = $9; dyn[k, nl[k]] = $10
    next
  }
  $1 == "R" { a = $2; k = $3; if (!(a in aseen)) { aseen[a] = 1; aorder[++na] = a }
              have[a, k] = 1; reg[a, k] = $5; stack[a, k] = $6; shared[a, k] = $7; local[a, k] = $8; rkeys[k] = 1; next }
  $1 == "T" { maxthr[$2, $3] = $5; next }
  $1 == "S" { spst[$2, $3] = $5; spld[$2, $3] = $6; havesp[$2, $3] = 1; next }
  END {
    for (k in rkeys) if (!(k in lseen)) viol(k ": in the cubins but not in the launch table (reprokit_cuda_launches must call its launch function)")
    for (i = 1; i <= nk; ++i) {
      k = korder[i]
      for (j = 1; j <= na; ++j) if (!have[aorder[j], k]) viol(aorder[j] " " k ": launched but not in the cubin")
      for (n = 1; n <= nl[k]; ++n) {
        c = lc[k, n]; th = bx[k, n] * by[k, n] * bz[k, n]
        if (gx[k, n] < 1 || gy[k, n] < 1 || gz[k, n] < 1) viol(k " " c ": an empty grid " gx[k, n] "x" gy[k, n] "x" gz[k, n])
        if (gx[k, n] > 2147483647) viol(k " " c ": grid.x " gx[k, n] " > 2^31 - 1")
        if (gy[k, n] > 65535) viol(k " " c ": grid.y " gy[k, n] " > 65535")
        if (gz[k, n] > 65535) viol(k " " c ": grid.z " gz[k, n] " > 65535")
        if (th > 1024 || bx[k, n] > 1024 || by[k, n] > 1024 || bz[k, n] > 64 || th < 1)
          viol(k " " c ": a block of " th " threads (" bx[k, n] "x" by[k, n] "x" bz[k, n] "; at most 1024, z <= 64)")
        for (j = 1; j <= na; ++j) {
          a = aorder[j]; if (!have[a, k]) continue
          where = a " " k " " c
          if ((a, k) in maxthr && th > maxthr[a, k]) viol(where ": " th " threads a block > its __launch_bounds__ " maxthr[a, k])
          if (reg[a, k] > 255) viol(where ": " reg[a, k] " registers per thread > 255")
          rb = ceil(reg[a, k] * 32, 256) * 256 * ceil(th, 32)
          if (rb > 65536) viol(where ": registers per block " rb " > 65536 (" reg[a, k] " a thread x " th " threads)")
          if (rb > worst_rb[k]) worst_rb[k] = rb
          sm = shared[a, k] + dyn[k, n]; lim = raised ? optin[a] : 49152
          if (sm > lim) viol(where ": shared memory " sm " > " lim " (static " shared[a, k] " + dynamic " dyn[k, n] ")")
          if (stack[a, k] + local[a, k] > 524288) viol(where ": stack " stack[a, k] " + local " local[a, k] " bytes a thread > 512 KiB")
          if (spills && havesp[a, k] && spst[a, k] > max_spill) viol(where ": spill stores of " spst[a, k] " bytes a thread > the limit " max_spill)
        }
        if (th > maxblock[k]) maxblock[k] = th
        if (gx[k, n] > mgx[k]) mgx[k] = gx[k, n]; if (gy[k, n] > mgy[k]) mgy[k] = gy[k, n]; if (gz[k, n] > mgz[k]) mgz[k] = gz[k, n]
        if (dyn[k, n] > mdyn[k]) mdyn[k] = dyn[k, n]
        blocks[k] = blocks[k] (index(" " blocks[k] " ", " " bx[k, n] "x" by[k, n] "x" bz[k, n] " ") ? "" : " " bx[k, n] "x" by[k, n] "x" bz[k, n])
      }
    }
    # The table (markdown): one row per kernel, per-architecture values in the order of the cubins.
    archs = ""; for (j = 1; j <= na; ++j) archs = archs (j > 1 ? " / " : "") substr(aorder[j], 4)
    out = table != "" ? table : "/dev/stdout"
    print "| kernel | block | largest grid (any size the API accepts) | registers (" archs ") | registers / block, worst (of 65536) | static shared | stack bytes (" archs ") | spill stores / loads | `__launch_bounds__` | local memory a full SM reserves |" > out
    print "|---|---|---|---|---|---|---|---|---|---|" > out
    for (i = 1; i <= nk; ++i) {
      k = korder[i]; regs = ""; stk = ""; sp = ""; lb = ""; shm = 0; res = 0; allsame = 1; spzero = 1
      for (j = 1; j <= na; ++j) {
        a = aorder[j]
        regs = regs (j > 1 ? " / " : "") reg[a, k]
        stk = stk (j > 1 ? " / " : "") stack[a, k]
        if (stack[a, k] != stack[aorder[1], k]) allsame = 0
        if (shared[a, k] > shm) shm = shared[a, k]
        if (havesp[a, k]) { sp = sp (sp != "" ? ", " : "") spst[a, k] "/" spld[a, k]; if (spst[a, k] + spld[a, k] > 0) spzero = 0 }
        if ((a, k) in maxthr) lb = maxthr[a, k]
        r = (stack[a, k] + local[a, k]) * sm_threads[a]; if (r > res) res = r
      }
      if (allsame) stk = stack[aorder[1], k]
      if (sp == "") sp = "(run with --spills)"; else if (spzero) sp = "0"
      printf "| `%s` | %s | %s x %s x %s | %s | %d | %d B | %s | %s | %s | %s |\n", k, substr(blocks[k], 2), mgx[k], mgy[k], mgz[k], regs, worst_rb[k], shm, stk, sp, (lb == "" ? "none" : lb), (res == 0 ? "0" : sprintf("%.1f MiB", res / 1048576)) > out
    }
    printf "%d kernels, %d architectures (%s), %d launches checked: %d violations\n", nk, na, archs, nlaunch, nviol > "/dev/stderr"
    exit (nviol > 0)
  }' "$tmp/all.rec" > "$tmp/checks.out" 2> "$tmp/summary"
rc=$?

nsrc=$(grep -c . "$tmp/source.viol")
[ "$quiet" = 1 ] || { [ -z "$table" ] && grep -v '^VIOLATION' "$tmp/checks.out"; }
grep '^VIOLATION' "$tmp/checks.out"
sed 's/^/VIOLATION /' "$tmp/source.viol"
summary=$(cat "$tmp/summary")
if [ "$source_checks" = 1 ]; then
  echo "${summary%: * violations}: $(( $(grep -c '^VIOLATION' "$tmp/checks.out") + nsrc )) violations ($nsrc in the sources; dynamic shared memory 0, limit $([ "$raised" = 1 ] && echo "raised by cudaFuncSetAttribute" || echo "48 KiB"))"
else
  echo "$summary"
fi
[ -n "$table" ] && say "table written to $table"
if [ "$rc" != 0 ] || [ "$nsrc" != 0 ]; then
  exit 1
fi
exit 0
