#!/usr/bin/env bash
# Installs what ReproKit's build and tests need on Debian/Ubuntu, skipping what is already there.
#   scripts/install-prerequisites.sh              native build + tests: cmake, g++, GoogleTest
#   scripts/install-prerequisites.sh --bindings   also libclang 16 for the binding generator
#   scripts/install-prerequisites.sh --arm64      also the ARM64 cross compiler and qemu-user (CI's ARM64 tests)
# Runs apt-get as root (or through sudo). The .NET SDK is expected on the machine already.
set -euo pipefail

want_bindings=0
want_arm64=0
for arg in "$@"; do
  case "$arg" in
    --bindings) want_bindings=1 ;;
    --arm64) want_arm64=1 ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) echo "install-prerequisites: unknown option '$arg'" >&2; exit 2 ;;
  esac
done

missing=()
command -v cmake >/dev/null 2>&1 || missing+=(cmake)
{ command -v c++ || command -v g++; } >/dev/null 2>&1 || missing+=(g++)
[ -f /usr/src/googletest/CMakeLists.txt ] || [ -d /usr/lib/x86_64-linux-gnu/cmake/GTest ] || missing+=(libgtest-dev googletest)
if [ "$want_bindings" = 1 ]; then
  ldconfig -p 2>/dev/null | grep -q 'libclang-16.so.1' || missing+=(libclang1-16)
  [ -d /usr/lib/llvm-16/lib/clang ] || missing+=(libclang-16-dev)
fi

if [ "$want_arm64" = 1 ]; then
  command -v aarch64-linux-gnu-g++ >/dev/null 2>&1 || missing+=(g++-aarch64-linux-gnu)
  command -v qemu-aarch64 >/dev/null 2>&1 || missing+=(qemu-user)
fi

if ! command -v dotnet >/dev/null 2>&1; then
  echo "install-prerequisites: the .NET SDK (dotnet, version 10) is not installed; see https://learn.microsoft.com/dotnet/core/install/linux-debian" >&2
  exit 1
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
"${sudo_cmd[@]}" apt-get update -qq
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
echo "install-prerequisites: done."
