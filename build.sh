#!/usr/bin/env bash
# Linux build script (build.ps1 is its Windows twin; keep them in step).
#   ./build.sh build   native library (CMake, Release) + every C# project
#   ./build.sh test    native tests (CTest) + dotnet test
#   ./build.sh pack    NuGet packages into artifacts/packages (ReproKit, ReproKit.Cli, ReproKit.TorchSharp, and
#                      ReproKit.Cuda when nvcc is installed); ReproKit and the ReproKit.Cli tool
#                      carry linux-x64, linux-arm64 and win-x64 libraries, the last two cross-built here
#                      (scripts/install-prerequisites.sh --arm64 --windows) unless REPROKIT_NATIVE_LINUX_ARM64 /
#                      REPROKIT_NATIVE_WIN_X64 name libraries built already (CI passes its test builds' libraries)
#   ./build.sh tool    install the ReproKit.Cli tool packed by `pack` (artifacts/packages only, no other feed) into a
#                      new tool path (REPROKIT_TOOL_PATH, else a temporary folder) with `dotnet tool install`, and run
#                      `reprokit verify --all` and `reprokit demo` from it
#   ./build.sh consumer  pack, then build and run samples/ReproKit.Consumer against the packages only; then, for each
#                      runtime in REPROKIT_CONSUMER_CROSS (e.g. "linux-arm64 win-x64"), publish it self-contained
#                      from the same packages and run it under qemu-aarch64 / Wine
set -euo pipefail
cd "$(dirname "$0")"
cmd=${1:-build}
config=${CONFIGURATION:-Release}

native() {
  cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release
  cmake --build build/release --parallel
}

# The CUDA plugin for ReproKit.Cuda: built when a CUDA compiler exists (REPROKIT_CUDA=ON fails loudly otherwise).
cuda_plugin() {
  if ! command -v nvcc >/dev/null 2>&1 && [ ! -x /usr/bin/nvcc ] && [ -z "${CUDACXX:-}" ]; then
    echo "build.sh: no CUDA compiler (nvcc): ReproKit.Cuda is not packed (scripts/install-prerequisites.sh --cuda installs it)" >&2
    return 1
  fi
  cmake -S . -B artifacts/native/cuda -DCMAKE_BUILD_TYPE=Release -DREPROKIT_CUDA=ON -DREPROKIT_BUILD_TESTS=OFF >/dev/null
  cmake --build artifacts/native/cuda --target reprokit_cuda --parallel
}

# cross_native RID TOOLCHAIN: the library alone for another runtime, into artifacts/native/RID/build.
cross_native() {
  local dir="artifacts/native/$1/build"
  echo "build.sh: cross-building the $1 native library ($2)" >&2
  cmake -S . -B "$dir" -DCMAKE_TOOLCHAIN_FILE="$2" -DCMAKE_BUILD_TYPE=Release -DREPROKIT_BUILD_TESTS=OFF >/dev/null \
    || { echo "build.sh: configuring the $1 build failed (scripts/install-prerequisites.sh --arm64 --windows installs the cross compilers)" >&2; return 1; }
  cmake --build "$dir" --target reprokit --parallel >/dev/null
}

pack() {
  rm -rf artifacts/packages
  local arm64=${REPROKIT_NATIVE_LINUX_ARM64:-} win64=${REPROKIT_NATIVE_WIN_X64:-}
  if [ -z "$arm64" ]; then cross_native linux-arm64 cmake/toolchains/aarch64.cmake; arm64="$PWD/artifacts/native/linux-arm64/build/lib/libreprokit.so"; fi
  if [ -z "$win64" ]; then cross_native win-x64 cmake/toolchains/mingw-w64.cmake; win64="$PWD/artifacts/native/win-x64/build/bin/libreprokit.dll"; fi
  local runtimes=(-p:ReproKitPackAllRuntimes=true -p:ReproKitLinuxArm64Library="$(realpath -m "$arm64")"
                  -p:ReproKitWinX64Library="$(realpath -m "$win64")")
  dotnet pack src/ReproKit/ReproKit.csproj -c "$config" -o artifacts/packages "${runtimes[@]}"
  local plugin=()
  if cuda_plugin; then
    plugin=(-p:ReproKitCudaPlugin="$PWD/artifacts/native/cuda/lib/libreprokit_cuda.so")
    dotnet pack src/ReproKit.Cuda/ReproKit.Cuda.csproj -c "$config" -o artifacts/packages "${plugin[@]}"
  fi
  # The tool carries the same three native libraries (one framework-dependent package for every runtime: the ReproKit
  # assembly loads runtimes/<rid>/native/ for the machine it runs on), and the plugin too (when built), so it can
  # verify and bench GPUs as installed.
  dotnet pack src/ReproKit.Cli/ReproKit.Cli.csproj -c "$config" -o artifacts/packages -p:ReproKitMultiTarget=true \
    "${runtimes[@]}" "${plugin[@]}"
  # ReproKit.TorchSharp: managed only (it depends on the ReproKit and TorchSharp packages, on no libtorch), with its README.
  dotnet pack src/ReproKit.TorchSharp/ReproKit.TorchSharp.csproj -c "$config" -o artifacts/packages
}

# consumer_cross RID: the consumer app published self-contained for RID from the packages just built (ReproKit from
# the local folder only, the .NET runtime pack from nuget.org), then run under qemu-aarch64 or Wine. ReproKit.Cuda is
# linux-x64 only, so it is left out.
consumer_cross() {
  local rid=$1 out="$PWD/artifacts/consumer-$1" config_file="$PWD/artifacts/consumer-nuget.config"
  cat > "$config_file" <<CONFIG
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="local" value="$PWD/artifacts/packages" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
  </packageSources>
  <packageSourceMapping>
    <packageSource key="local"><package pattern="ReproKit" /><package pattern="ReproKit.*" /></packageSource>
    <packageSource key="nuget.org"><package pattern="*" /></packageSource>
  </packageSourceMapping>
</configuration>
CONFIG
  rm -rf "$out"
  echo "build.sh: the consumer app for $rid (self-contained, from the packages)"
  dotnet publish samples/ReproKit.Consumer -c "$config" -r "$rid" --self-contained -p:InvariantGlobalization=true \
    -p:ReproKitCuda=false --configfile "$config_file" --packages artifacts/consumer-packages -o "$out" >/dev/null
  case "$rid" in
    linux-arm64) DOTNET_EnableWriteXorExecute=0 qemu-aarch64 -L /usr/aarch64-linux-gnu \
                   -E LD_LIBRARY_PATH=/usr/aarch64-linux-gnu/lib "$out/ReproKit.Consumer" ;;
    win-x64) WINEDEBUG=-all /usr/lib/wine/wine64 "$out/ReproKit.Consumer.exe" ;;
    *) echo "build.sh: no way to run a $rid app here" >&2; return 1 ;;
  esac
}

# tool_check: the packed tool as a user installs it, from the local folder feed alone (a nuget.config that clears the
# machine's sources, so a package of the same name elsewhere can never be taken), into a tool path of its own.
tool_check() {
  local tool_path=${REPROKIT_TOOL_PATH:-$(mktemp -d)} config_file="$PWD/artifacts/tool-nuget.config"
  ls artifacts/packages/ReproKit.Cli.*.nupkg >/dev/null 2>&1 || { echo "build.sh: no ReproKit.Cli package: run build.sh pack first" >&2; return 1; }
  cat > "$config_file" <<CONFIG
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="local" value="$PWD/artifacts/packages" />
  </packageSources>
</configuration>
CONFIG
  rm -rf "$tool_path/reprokit" "$tool_path/.store/reprokit.cli"
  dotnet tool install ReproKit.Cli --tool-path "$tool_path" --configfile "$config_file"
  echo "build.sh: reprokit verify --all (installed tool, $tool_path)"
  "$tool_path/reprokit" verify --all
  echo "build.sh: reprokit demo (installed tool)"
  "$tool_path/reprokit" demo
}

case "$cmd" in
  build) native; dotnet build Interop.sln -c "$config" ;;
  test) native; ctest --test-dir build/release --output-on-failure; dotnet test Interop.sln -c "$config" ;;
  pack) pack ;;
  tool) tool_check ;;
  consumer)
    pack
    # A private package cache, so the consumer gets exactly the packages just built.
    rm -rf artifacts/consumer-packages
    with_cuda=false
    ls artifacts/packages/ReproKit.Cuda.*.nupkg >/dev/null 2>&1 && with_cuda=true
    dotnet restore samples/ReproKit.Consumer --source "$PWD/artifacts/packages" --packages artifacts/consumer-packages \
      -p:ReproKitCuda=$with_cuda
    REPROKIT_CONSUMER_EXPECT_CUDA_PLUGIN=$with_cuda \
      dotnet run --project samples/ReproKit.Consumer -c "$config" --no-restore -p:ReproKitCuda=$with_cuda
    for rid in ${REPROKIT_CONSUMER_CROSS:-}; do consumer_cross "$rid"; done ;;
  *) echo "usage: build.sh build|test|pack|tool|consumer" >&2; exit 2 ;;
esac
