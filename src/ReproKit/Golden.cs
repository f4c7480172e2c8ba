using System.Runtime.InteropServices;
using ReproKit.Interop;

namespace ReproKit;

/// <summary>The result of one golden case on one backend.</summary>
/// <param name="Name">The case.</param>
/// <param name="Expected">The recorded SHA-256 (empty if none is recorded).</param>
/// <param name="Actual">The SHA-256 this backend produced.</param>
public sealed record GoldenResult(string Name, string Expected, string Actual)
{
    /// <summary>Whether the backend reproduced the recorded digest.</summary>
    public bool Matches => Expected.Length > 0 && Expected == Actual;
}

/// <summary>
/// The golden suite compiled into the native library: named cases covering every operation and parameter family, whose
/// output digests are the same on every backend. The same runner serves the C++ tests, these C# tests and
/// <c>reprokit verify</c>.
/// </summary>
public static class Golden
{
    /// <summary>Number of cases.</summary>
    public static int Count
    {
        get
        {
            ReproKitLibrary.EnsureLoaded();
            return NativeMethods.rk_golden_case_count();
        }
    }

    /// <summary>Name and recorded digest of case <paramref name="index"/>.</summary>
    /// <param name="index">0 to <see cref="Count"/> - 1.</param>
    public static unsafe (string Name, string Expected) Info(int index)
    {
        ReproKitLibrary.EnsureLoaded();
        byte* name = stackalloc byte[256];
        byte* expected = stackalloc byte[65];
        NativeErrors.Check(NativeMethods.rk_golden_case_info(index, name, 256, expected, 65), nameof(index));
        return (Marshal.PtrToStringUTF8((nint)name)!, Marshal.PtrToStringUTF8((nint)expected)!);
    }

    /// <summary>Runs case <paramref name="index"/> on a context.</summary>
    /// <param name="index">0 to <see cref="Count"/> - 1.</param>
    /// <param name="context">The backend to run on; null for the shared CPU context.</param>
    public static unsafe GoldenResult Run(int index, CpuContext? context = null)
    {
        var (name, expected) = Info(index);
        byte* digest = stackalloc byte[65];
        using (ContextLease lease = (context ?? CpuContext.Shared).Lease())
        {
            NativeErrors.Check(NativeMethods.rk_golden_case_run(lease.Raw, index, digest, 65), nameof(index));
        }

        return new GoldenResult(name, expected, Marshal.PtrToStringUTF8((nint)digest)!);
    }

    /// <summary>Runs every case on a context.</summary>
    /// <param name="context">The backend to run on; null for the shared CPU context.</param>
    /// <param name="cancellationToken">Checked before each case.</param>
    /// <exception cref="OperationCanceledException">Cancelled before the last case.</exception>
    public static IReadOnlyList<GoldenResult> RunAll(CpuContext? context = null, CancellationToken cancellationToken = default)
    {
        var results = new GoldenResult[Count];
        for (int i = 0; i < results.Length; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            results[i] = Run(i, context);
        }

        return results;
    }
}
