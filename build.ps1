# Windows build script (build.sh is its Linux twin; keep them in step).
#   ./build.ps1 build   native library (CMake + MSVC, Release) + every C# project
#   ./build.ps1 test    native tests (CTest) + dotnet test
#   ./build.ps1 pack    NuGet packages into artifacts/packages (ReproKit.Cuda too when nvcc is installed)
# MSVC builds use /fp:precise (cmake/ReproKitFlags.cmake); the native library lands where
# eng/Native.targets expects it (artifacts/native/win-x64/build/bin/libreprokit.dll).
param([ValidateSet('build', 'test', 'pack')][string]$Command = 'build', [string]$Configuration = 'Release')
$ErrorActionPreference = 'Stop'
Set-Location $PSScriptRoot

function Invoke-Checked([string]$exe, [string[]]$arguments) {
    & $exe @arguments
    if ($LASTEXITCODE -ne 0) { throw "$exe $($arguments -join ' ') failed with exit code $LASTEXITCODE" }
}

function Build-Native {
    $dir = 'artifacts/native/win-x64/build'
    Invoke-Checked cmake @('-S', '.', '-B', $dir, '-A', 'x64', '-DREPROKIT_BUILD_TESTS=ON')
    Invoke-Checked cmake @('--build', $dir, '--config', 'Release', '--parallel')
    # Multi-config generators put outputs under bin/Release; eng/Native.targets reads bin/.
    Copy-Item "$dir/bin/Release/libreprokit.dll" "$dir/bin/libreprokit.dll" -Force -ErrorAction SilentlyContinue
}

switch ($Command) {
    'build' { Build-Native; Invoke-Checked dotnet @('build', 'Interop.sln', '-c', $Configuration, '-p:ReproKitSkipNativeBuild=true') }
    'test' {
        Build-Native
        Invoke-Checked ctest @('--test-dir', 'artifacts/native/win-x64/build', '-C', 'Release', '--output-on-failure')
        Invoke-Checked dotnet @('test', 'Interop.sln', '-c', $Configuration, '-p:ReproKitSkipNativeBuild=true')
    }
    'pack' {
        Build-Native
        Invoke-Checked dotnet @('pack', 'src/ReproKit/ReproKit.csproj', '-c', $Configuration, '-o', 'artifacts/packages', '-p:ReproKitSkipNativeBuild=true')
        Invoke-Checked dotnet @('pack', 'src/ReproKit.Cli/ReproKit.Cli.csproj', '-c', $Configuration, '-o', 'artifacts/packages', '-p:ReproKitSkipNativeBuild=true', '-p:ReproKitMultiTarget=true')
        # ReproKit.Cuda: the CUDA plugin, when a CUDA compiler exists (as build.sh's cuda_plugin).
        if (Get-Command nvcc -ErrorAction SilentlyContinue) {
            $cuda = 'artifacts/native/cuda'
            Invoke-Checked cmake @('-S', '.', '-B', $cuda, '-A', 'x64', '-DREPROKIT_CUDA=ON', '-DREPROKIT_BUILD_TESTS=OFF')
            Invoke-Checked cmake @('--build', $cuda, '--config', 'Release', '--target', 'reprokit_cuda', '--parallel')
            $plugin = (Resolve-Path "$cuda/bin/Release/reprokit_cuda.dll").Path
            Invoke-Checked dotnet @('pack', 'src/ReproKit.Cuda/ReproKit.Cuda.csproj', '-c', $Configuration, '-o', 'artifacts/packages', '-p:ReproKitSkipNativeBuild=true', "-p:ReproKitCudaPlugin=$plugin", '-p:ReproKitCudaRid=win-x64')
        } else {
            Write-Warning 'build.ps1: no CUDA compiler (nvcc): ReproKit.Cuda is not packed'
        }
    }
}
