using System.Diagnostics;
using ReproKit.Interop;

namespace ReproKit.Tests;

/// <summary>The native resolver: probing order, the REPROKIT_NATIVE_PATH override, and failures that list every path.</summary>
public class NativeLoaderTests
{
    [Test]
    public void CandidatesIncludeTheRuntimesFolderBesideTheAssembly()
    {
        var dirs = NativeLibraryResolver.CandidateDirectories(typeof(NativeMethods).Assembly);
        string expected = Path.Combine(TestContext.CurrentContext.TestDirectory, "runtimes", NativeLibraryResolver.RuntimeIdentifier, "native");
        Assert.That(dirs, Does.Contain(Path.GetFullPath(expected)));
        Assert.That(File.Exists(Path.Combine(expected, NativeLibraryResolver.NativeFileName)), Is.True, "the build put the native library there");
    }

    [Test]
    public void ABadOverrideIsReportedWithThePathTried()
    {
        var e = Assert.Throws<ReproKitNativeLoadException>(() => NativeLibraryResolver.Load("/nonexistent/libreprokit.so", []))!;
        Assert.That(e.Message, Does.Contain("REPROKIT_NATIVE_PATH").And.Contain("/nonexistent/libreprokit.so"));
        Assert.That(e.AttemptedPaths, Has.Count.EqualTo(1));
    }

    [Test]
    public void NothingFoundListsEveryPath()
    {
        string empty = Directory.CreateTempSubdirectory("rk-empty").FullName;
        string notALibrary = Path.Combine(empty, "sub");
        Directory.CreateDirectory(notALibrary);
        File.WriteAllText(Path.Combine(notALibrary, NativeLibraryResolver.NativeFileName), "not an ELF file");
        var e = Assert.Throws<ReproKitNativeLoadException>(() => NativeLibraryResolver.Load(null, [empty, notALibrary], osSearch: false))!;
        Assert.That(e.AttemptedPaths, Has.Count.EqualTo(2));
        Assert.That(e.AttemptedPaths[0], Does.Contain(empty).And.Contain("file not found"));
        Assert.That(e.AttemptedPaths[1], Does.Contain(notALibrary));
        Assert.That(e.Message, Does.Contain("Paths tried"));
    }

    [Test]
    public void AnOverrideDirectoryIsProbedForTheLibraryFile()
    {
        string dir = Path.Combine(TestContext.CurrentContext.TestDirectory, "runtimes", NativeLibraryResolver.RuntimeIdentifier, "native");
        Assert.That(NativeLibraryResolver.Load(dir, []), Is.Not.EqualTo((nint)0));
    }

    [Test]
    public void TheCliReportsABadOverrideAndExitsNonZero()
    {
        string cli = Path.Combine(TestContext.CurrentContext.TestDirectory, "ReproKit.Cli.dll");
        var psi = new ProcessStartInfo("dotnet", [cli, "info"]) { RedirectStandardError = true, RedirectStandardOutput = true };
        psi.Environment["REPROKIT_NATIVE_PATH"] = "/nonexistent/dir";
        using var p = Process.Start(psi)!;
        string stderr = p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.That(p.ExitCode, Is.Not.Zero);
        Assert.That(stderr, Does.Contain("/nonexistent/dir").And.Contain("REPROKIT_NATIVE_PATH"));
        Assert.That(stderr, Does.Not.Contain("   at "), "no unhandled-exception stack trace");
    }
}
