# Windows build script (build.sh is its Linux twin; keep them in step). Runs under PowerShell 7 on Linux too
# (CI runs build and pack there: pwsh from `scripts/install-prerequisites.sh --pwsh`).
#   ./build.ps1 build   native library (CMake + MSVC on Windows, the default compiler elsewhere, Release) + every C# project
#   ./build.ps1 test    native tests (CTest) + dotnet test
#   ./build.ps1 pack    NuGet packages into artifacts/packages (ReproKit, ReproKit.Cli, ReproKit.TorchSharp, and
#                       ReproKit.Cuda when nvcc is installed); the ReproKit
#                       and ReproKit.Cli packages carry this machine's runtime only (build.sh pack adds linux-arm64 and win-x64 to both)
# MSVC builds use /fp:precise (cmake/ReproKitFlags.cmake); the native library lands where
# eng/Native.targets expects it (artifacts/native/win-x64/build/bin/libreprokit.dll on Windows,
# artifacts/native/linux-x64/build/lib/libreprokit.so on Linux x64).
param([ValidateSet('build', 'test', 'pack')][string]$Command = 'build', [string]$Configuration = 'Release')
$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot

function Invoke-Checked([string]$exe, [string[]]$arguments) {
    & $exe @arguments
    if ($LASTEXITCODE -ne 0) { throw "$exe $($arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

# The runtime identifier eng/Native.targets uses for this machine.
$Rid = if ($IsWindows -or $PSVersionTable.PSEdition -eq 'Desktop') { 'win-x64' }
       elseif ([System.Runtime.InteropServices.RuntimeInformation]::OSArchitecture -eq 'Arm64') { 'linux-arm64' }
       else { 'linux-x64' }
$NativeDir = "artifacts/native/$Rid/build"

# The native library; with -Tests the native test suite too (the test command).
function Build-Native([switch]$Tests) {
    $testsFlag = if ($Tests) { 'ON' } else { 'OFF' }
    if ($Rid -eq 'win-x64') {
        Invoke-Checked cmake @('-S', '.', '-B', $NativeDir, '-A', 'x64', "-DREPROKIT_BUILD_TESTS=$testsFlag")
        Invoke-Checked cmake @('--build', $NativeDir, '--config', 'Release', '--parallel')
        # Multi-config generators put outputs under bin/Release; eng/Native.targets reads bin/.
        Copy-Item "$NativeDir/bin/Release/libreprokit.dll" "$NativeDir/bin/libreprokit.dll" -Force -ErrorAction SilentlyContinue
    } else {
        Invoke-Checked cmake @('-S', '.', '-B', $NativeDir, '-DCMAKE_BUILD_TYPE=Release', "-DREPROKIT_BUILD_TESTS=$testsFlag")
        $target = if ($Tests) { @() } else { @('--target', 'reprokit') }  # not the CUDA plugin (pack builds it)
        Invoke-Checked cmake (@('--build', $NativeDir, '--parallel') + $target)
    }
}

switch ($Command) {
    'build' { Build-Native; Invoke-Checked dotnet @('build', 'Interop.sln', '-c', $Configuration, '-p:ReproKitSkipNativeBuild=true') }
    'test' {
        Build-Native -Tests
        Invoke-Checked ctest @('--test-dir', $NativeDir, '-C', 'Release', '--output-on-failure')
        Invoke-Checked dotnet @('test', 'Interop.sln', '-c', $Configuration, '-p:ReproKitSkipNativeBuild=true')
    }
    'pack' {
        Build-Native
        Invoke-Checked dotnet @('pack', 'src/ReproKit/ReproKit.csproj', '-c', $Configuration, '-o', 'artifacts/packages', '-p:ReproKitSkipNativeBuild=true')
        Invoke-Checked dotnet @('pack', 'src/ReproKit.Cli/ReproKit.Cli.csproj', '-c', $Configuration, '-o', 'artifacts/packages', '-p:ReproKitSkipNativeBuild=true', '-p:ReproKitMultiTarget=true')
        # ReproKit.TorchSharp: managed only (the ReproKit and TorchSharp packages, no libtorch), with its README.
        Invoke-Checked dotnet @('pack', 'src/ReproKit.TorchSharp/ReproKit.TorchSharp.csproj', '-c', $Configuration, '-o', 'artifacts/packages', '-p:ReproKitSkipNativeBuild=true')
        # ReproKit.Cuda: the CUDA plugin, when a CUDA compiler exists (as build.sh's cuda_plugin).
        if (Get-Command nvcc -ErrorAction SilentlyContinue) {
            $cuda = 'artifacts/native/cuda'
            if ($Rid -eq 'win-x64') {
                Invoke-Checked cmake @('-S', '.', '-B', $cuda, '-A', 'x64', '-DREPROKIT_CUDA=ON', '-DREPROKIT_BUILD_TESTS=OFF')
                Invoke-Checked cmake @('--build', $cuda, '--config', 'Release', '--target', 'reprokit_cuda', '--parallel')
                $plugin = (Resolve-Path "$cuda/bin/Release/reprokit_cuda.dll").Path
            } else {
                Invoke-Checked cmake @('-S', '.', '-B', $cuda, '-DCMAKE_BUILD_TYPE=Release', '-DREPROKIT_CUDA=ON', '-DREPROKIT_BUILD_TESTS=OFF')
                Invoke-Checked cmake @('--build', $cuda, '--target', 'reprokit_cuda', '--parallel')
                $plugin = (Resolve-Path "$cuda/lib/libreprokit_cuda.so").Path
            }
            Invoke-Checked dotnet @('pack', 'src/ReproKit.Cuda/ReproKit.Cuda.csproj', '-c', $Configuration, '-o', 'artifacts/packages', '-p:ReproKitSkipNativeBuild=true', "-p:ReproKitCudaPlugin=$plugin", "-p:ReproKitCudaRid=$Rid")
        } else {
            Write-Warning 'build.ps1: no CUDA compiler (nvcc): ReproKit.Cuda is not packed'
        }
    }
}
