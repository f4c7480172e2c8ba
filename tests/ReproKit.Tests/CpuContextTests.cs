using ReproKit.Interop;

namespace ReproKit.Tests;

/// <summary>Contexts: options, ISA support, disposal, and native errors mapped to .NET exceptions.</summary>
public class CpuContextTests
{
    [Test]
    public void OptionsAreHonoured()
    {
        foreach (CpuIsa isa in ReproKitLibrary.SupportedIsas)
        {
            using var c = new CpuContext(new CpuContextOptions(isa, 3));
            Assert.That(c.Isa, Is.EqualTo(isa));
            Assert.That(c.Threads, Is.EqualTo(3));
        }

        using var auto = new CpuContext();
        Assert.That(auto.Isa, Is.Not.EqualTo(CpuIsa.Auto));
        Assert.That(auto.Threads, Is.GreaterThanOrEqualTo(1));
    }

    [Test]
    public void BadOptionsThrowArgumentExceptions()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new CpuContext(new CpuContextOptions(Threads: -1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CpuContext(new CpuContextOptions((CpuIsa)42)));
        var e = Assert.Throws<ArgumentException>(() => new CpuContext(new CpuContextOptions(Threads: 5000)))!;
        Assert.That(e.Message, Does.Contain("num_threads"));
        Assert.That(e.Data[NativeErrors.StatusKey], Is.EqualTo(ReproKitStatus.InvalidArgument));
    }

    [Test]
    public void UnsupportedIsaThrowsReproKitExceptionWithStatus()
    {
        CpuIsa missing = new[] { CpuIsa.Neon, CpuIsa.Avx512, CpuIsa.Avx2 }.FirstOrDefault(i => !ReproKitLibrary.IsSupported(i));
        if (missing == CpuIsa.Auto)
        {
            Assert.Ignore("This machine supports every ISA, so none can be refused.");
        }

        var e = Assert.Throws<ReproKitException>(() => new CpuContext(new CpuContextOptions(missing)))!;
        Assert.That(e.Status, Is.EqualTo(ReproKitStatus.Unsupported));
        Assert.That(e.NativeMessage, Does.Contain(ReproKitLibrary.IsaName(missing)));
    }

    [Test]
    public void DisposedContextsThrowObjectDisposed()
    {
        var c = new CpuContext(new CpuContextOptions(CpuIsa.Scalar, 2));
        c.Dispose();
        c.Dispose(); // double dispose is harmless
        Assert.Throws<ObjectDisposedException>(() => new PhiloxStream(1).FillUInt32(new uint[4], c));
        CpuContext.Shared.Dispose(); // disposing the shared context does nothing
        Assert.DoesNotThrow(() => new PhiloxStream(1).FillUInt32(new uint[4]));
    }

    [Test]
    public unsafe void NativeStatusesMapToExceptionTypes()
    {
        // Call the native layer directly with bad arguments to see the mapping of each status.
        var stream = new RkPhiloxStream { Seed = 1 };
        using var c = new CpuContext(new CpuContextOptions(CpuIsa.Scalar, 1));
        using var lease = c.Lease();
        uint word;

        RkStatus status = NativeMethods.rk_philox_fill_u32(lease.Raw, null, &word, 1);
        var nullEx = Assert.Throws<ArgumentNullException>(() => NativeErrors.Check(status, "stream"))!;
        Assert.That(nullEx.Message, Does.Contain("rk_philox_fill_u32").And.Contain("stream"));
        Assert.That(nullEx.Data[NativeErrors.StatusKey], Is.EqualTo(ReproKitStatus.NullPointer));

        status = NativeMethods.rk_philox_fill_u32(lease.Raw, &stream, &word, -5);
        var sizeEx = Assert.Throws<ArgumentOutOfRangeException>(() => NativeErrors.Check(status, "count"))!;
        Assert.That(sizeEx.Message, Does.Contain("negative"));

        status = NativeMethods.rk_philox_fill_u32(12345, &stream, &word, 1);
        var handleEx = Assert.Throws<ReproKitException>(() => NativeErrors.Check(status))!;
        Assert.That(handleEx.Status, Is.EqualTo(ReproKitStatus.InvalidHandle));
        Assert.That(handleEx.NativeMessage, Does.Contain("not a live context"));
    }

    [Test]
    public void LibraryInformation()
    {
        Assert.That(ReproKitLibrary.NativeVersion, Is.EqualTo($"{NativeMethods.RK_VERSION_MAJOR}.{NativeMethods.RK_VERSION_MINOR}.{NativeMethods.RK_VERSION_PATCH}"));
        Assert.That(ReproKitLibrary.NativeAbiVersion, Is.EqualTo(ReproKitLibrary.ExpectedAbiVersion));
        Assert.That(ReproKitLibrary.CpuDescription, Is.Not.Empty);
        Assert.That(ReproKitLibrary.SupportedIsas, Does.Contain(CpuIsa.Scalar));
        Assert.That(ReproKitLibrary.ParseIsa("AVX512"), Is.EqualTo(CpuIsa.Avx512));
        Assert.Throws<ArgumentException>(() => ReproKitLibrary.ParseIsa("sse9"));
    }
}
