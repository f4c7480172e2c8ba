#!/usr/bin/env bash
# Linux build script (build.ps1 is its Windows twin; keep them in step).
#   ./build.sh build   native library (CMake, Release) + every C# project
#   ./build.sh test    native tests (CTest) + dotnet test
#   ./build.sh pack    NuGet packages into artifacts/packages
#   ./build.sh consumer  pack, then build and run samples/ReproKit.Consumer against the packages only
set -euo pipefail
cd "$(dirname "$0")"
cmd=${1:-build}
config=${CONFIGURATION:-Release}

native() {
  cmake -S . -B build/release -DCMAKE_BUILD_TYPE=Release
  cmake --build build/release --parallel
}

pack() {
  rm -rf artifacts/packages
  dotnet pack src/ReproKit/ReproKit.csproj -c "$config" -o artifacts/packages
  dotnet pack src/ReproKit.Cli/ReproKit.Cli.csproj -c "$config" -o artifacts/packages -p:ReproKitMultiTarget=true
}

case "$cmd" in
  build) native; dotnet build Interop.sln -c "$config" ;;
  test) native; ctest --test-dir build/release --output-on-failure; dotnet test Interop.sln -c "$config" ;;
  pack) pack ;;
  consumer)
    pack
    # A private package cache, so the consumer gets exactly the packages just built.
    rm -rf artifacts/consumer-packages
    dotnet restore samples/ReproKit.Consumer --source "$PWD/artifacts/packages" --packages artifacts/consumer-packages
    dotnet run --project samples/ReproKit.Consumer -c "$config" --no-restore ;;
  *) echo "usage: build.sh build|test|pack|consumer" >&2; exit 2 ;;
esac
