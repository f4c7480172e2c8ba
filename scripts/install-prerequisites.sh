#!/usr/bin/env bash
# Installs what ReproKit's build and tests need on Debian/Ubuntu, skipping what is already there.
#   scripts/install-prerequisites.sh              native build + tests: cmake, g++, GoogleTest
#   scripts/install-prerequisites.sh --bindings   also libclang 16 for the binding generator
#   scripts/install-prerequisites.sh --arm64      also the ARM64 cross compiler and qemu-user (CI's ARM64 tests)
#   scripts/install-prerequisites.sh --cuda       also Debian's nvidia-cuda-toolkit (CUDA 11.8, non-free; ~1.6 GB
#                                                 download) to build the CUDA plugin; no GPU is needed to build it
#   scripts/install-prerequisites.sh --fuzz       also Clang 16 and its runtimes (libFuzzer, ASan, UBSan) for the fuzzers
#   scripts/install-prerequisites.sh --windows    also MinGW-w64 (posix threads) to cross-build libreprokit.dll and wine64
#                                                 to run its tests (cmake/toolchains/mingw-w64.cmake)
#   scripts/install-prerequisites.sh --pwsh       also PowerShell 7 (the .NET global tool, ~/.dotnet/tools/pwsh) to run
#                                                 build.ps1 on Linux
# Runs apt-get as root (or through sudo). The .NET SDK is expected on the machine already.
set -euo pipefail

want_bindings=0
want_arm64=0
want_cuda=0
want_fuzz=0
want_windows=0
want_pwsh=0
for arg in "$@"; do
  case "$arg" in
    --bindings) want_bindings=1 ;;
    --arm64) want_arm64=1 ;;
    --cuda) want_cuda=1 ;;
    --fuzz) want_fuzz=1 ;;
    --windows) want_windows=1 ;;
    --pwsh) want_pwsh=1 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "install-prerequisites: unknown option '$arg'" >&2; exit 2 ;;
  esac
done

missing=()
command -v cmake >/dev/null 2>&1 || missing+=(cmake)
{ command -v c++ || command -v g++; } >/dev/null 2>&1 || missing+=(g++)
command -v unzip >/dev/null 2>&1 || missing+=(unzip)  # CI lists the packages' contents
[ -f /usr/src/googletest/CMakeLists.txt ] || [ -d /usr/lib/x86_64-linux-gnu/cmake/GTest ] || missing+=(libgtest-dev googletest)
if [ "$want_bindings" = 1 ]; then
  ldconfig -p 2>/dev/null | grep -q 'libclang-16.so.1' || missing+=(libclang1-16)
  [ -d /usr/lib/llvm-16/lib/clang ] || missing+=(libclang-16-dev)
fi

if [ "$want_arm64" = 1 ]; then
  command -v aarch64-linux-gnu-g++ >/dev/null 2>&1 || missing+=(g++-aarch64-linux-gnu)
  command -v qemu-aarch64 >/dev/null 2>&1 || missing+=(qemu-user)
fi

need_nonfree=0
if [ "$want_cuda" = 1 ]; then
  # nvcc 11.8 rejects g++ 12, so the plugin's host compiler is clang++-14 (which the toolkit depends on).
  if ! command -v nvcc >/dev/null 2>&1 && [ ! -x /usr/bin/nvcc ]; then
    missing+=(nvidia-cuda-toolkit)
    need_nonfree=1
  fi
  command -v clang++-14 >/dev/null 2>&1 || missing+=(clang-14)
fi

# --fuzz: scripts/ci-reliability.sh builds native/fuzz with clang++-16 -fsanitize=fuzzer,address,undefined; the
# libFuzzer and sanitizer runtimes of Clang 16 are in libclang-rt-16-dev (Debian bookworm).
if [ "$want_fuzz" = 1 ]; then
  command -v clang++-16 >/dev/null 2>&1 || missing+=(clang-16)
  [ -f /usr/lib/llvm-16/lib/clang/16/lib/linux/libclang_rt.fuzzer-x86_64.a ] || missing+=(libclang-rt-16-dev)
fi

# --windows: the posix-threads flavour of MinGW-w64's g++ (std::thread and std::mutex need it), and Wine to run
# the Windows test binaries.
if [ "$want_windows" = 1 ]; then
  command -v x86_64-w64-mingw32-g++-posix >/dev/null 2>&1 || missing+=(g++-mingw-w64-x86-64-posix)
  { command -v wine64 || [ -x /usr/lib/wine/wine64 ]; } >/dev/null 2>&1 || missing+=(wine64)
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "install-prerequisites: the .NET SDK (dotnet, version 10) is not installed; see https://learn.microsoft.com/dotnet/core/install/linux-debian" >&2
  exit 1
fi

# --pwsh: PowerShell from NuGet as a .NET tool; 7.6.10 named exactly (without a version the tool resolves to 7.7.0,
# which does not install here).
if [ "$want_pwsh" = 1 ] && ! command -v pwsh >/dev/null 2>&1 && [ ! -x "$HOME/.dotnet/tools/pwsh" ]; then
  echo "install-prerequisites: installing PowerShell 7.6.10 (dotnet tool install --global PowerShell) ..."
  dotnet tool install --global PowerShell --version 7.6.10 >/dev/null
fi

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-prerequisites: everything is installed."
  exit 0
fi

echo "install-prerequisites: installing ${missing[*]} ..."
sudo_cmd=()
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "install-prerequisites: run as root, or install: apt-get install ${missing[*]}" >&2; exit 1; }
  sudo_cmd=(sudo)
fi
export DEBIAN_FRONTEND=noninteractive
if [ "$need_nonfree" = 1 ]; then
  # nvidia-cuda-toolkit lives in Debian's non-free component; enable it (contrib non-free non-free-firmware)
  # in the deb822 sources when it is not already there.
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    if grep -q '^Components:' "$f" && ! grep -q '^Components:.*non-free' "$f"; then
      "${sudo_cmd[@]}" sed -i 's/^Components: main$/Components: main contrib non-free non-free-firmware/' "$f"
    fi
  done
  if [ -f /etc/apt/sources.list ] && grep -q '^deb .* main$' /etc/apt/sources.list; then
    "${sudo_cmd[@]}" sed -i 's/^\(deb .* main\)$/\1 contrib non-free non-free-firmware/' /etc/apt/sources.list
  fi
fi
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-prerequisites: done."
