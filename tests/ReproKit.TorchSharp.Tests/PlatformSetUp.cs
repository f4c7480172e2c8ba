using System.Runtime.InteropServices;
using NUnit.Framework;

namespace ReproKit.TorchSharp.Tests;

/// <summary>
/// The project restores the CPU libtorch for linux-x64 only (libtorch-cpu-linux-x64): elsewhere README's `dotnet test`
/// skips these tests with the reason instead of failing to load libtorch.
/// </summary>
[SetUpFixture]
public sealed class PlatformSetUp
{
    [OneTimeSetUp]
    public void RequireLinuxX64()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            Assert.Ignore($"ReproKit.TorchSharp's tests use libtorch-cpu-linux-x64; this is {RuntimeInformation.RuntimeIdentifier}.");
        }
    }
}
