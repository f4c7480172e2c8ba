using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace ReproKit.Cli.Bench;

/// <summary>
/// The two bounds the benches report their figures against, measured in the same run on the same machine, so that a
/// ratio means the same on every machine: the FMA peak (GFLOP/s of independent float32 vector FMAs on N threads) and
/// the memory-copy bound (bytes per second of a large copy on one thread).
/// </summary>
internal static class MachineBounds
{
    private static readonly Dictionary<int, MachineBound> Measured = [];

    /// <summary>
    /// Both bounds on <paramref name="threads"/> threads, measured once per process and thread count (the benches of
    /// <c>bench all</c> share them).
    /// </summary>
    internal static MachineBound For(int threads)
    {
        lock (Measured)
        {
            if (!Measured.TryGetValue(threads, out MachineBound? bound))
            {
                Progress.Step($"bench: the FMA peak and the memory-copy bound on {threads} thread(s)");
                bound = new MachineBound(threads, FmaPeakGflops(threads), CopyTrafficGBps(threads), FmaKind);
                Measured[threads] = bound;
            }

            return bound;
        }
    }

    /// <summary>
    /// Bytes read plus bytes written per second (STREAM's convention: a copy of n bytes moves 2n) when
    /// <paramref name="threads"/> threads each copy their own part of a 128 MiB buffer (far larger than the caches), best
    /// of 5.
    /// </summary>
    internal static double CopyTrafficGBps(int threads)
    {
        const int bytes = 128 << 20;
        byte[] src = GC.AllocateUninitializedArray<byte>(bytes), dst = GC.AllocateUninitializedArray<byte>(bytes);
        Array.Fill(src, (byte)1);
        Array.Fill(dst, (byte)2);
        int part = bytes / threads;
        double best = double.MaxValue;
        for (int rep = 0; rep < 5; rep++)
        {
            long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads },
                t => src.AsSpan(t * part, part).CopyTo(dst.AsSpan(t * part, part)));  // the runtime's memmove
            best = Math.Min(best, System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalSeconds);
        }

        return 2.0 * part * threads / best / 1e9;
    }

    /// <summary>FLOP/s (2 per FMA lane) of 12 independent FMA chains per thread on the widest vectors the CPU has, best of 3.</summary>
    internal static double FmaPeakGflops(int threads)
    {
        const long iterations = 20_000_000;
        double best = double.MaxValue;
        for (int rep = 0; rep < 3; rep++)
        {
            long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, _ => FmaChains(iterations));
            double s = System.Diagnostics.Stopwatch.GetElapsedTime(t0).TotalSeconds;
            best = Math.Min(best, s);
        }

        return 2.0 * 12 * Lanes * iterations * threads / best / 1e9;
    }

    /// <summary>Float lanes of the vectors <see cref="FmaChains"/> uses.</summary>
    internal static int Lanes => Avx512F.IsSupported ? 16 : Fma.IsSupported ? 8 : AdvSimd.IsSupported ? 4 : 1;

    /// <summary>Name of the FMA the peak is measured with.</summary>
    internal static string FmaKind => Avx512F.IsSupported ? "AVX-512" : Fma.IsSupported ? "AVX2 FMA" : AdvSimd.IsSupported ? "NEON" : "scalar";

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static float FmaChains(long iterations)
    {
        if (Avx512F.IsSupported)
        {
            return Chains512(iterations);
        }

        if (Fma.IsSupported)
        {
            return Chains256(iterations);
        }

        if (AdvSimd.IsSupported)
        {
            return Chains128(iterations);
        }

        float a = 1f;
        for (long i = 0; i < iterations * 12; i++)
        {
            a = MathF.FusedMultiplyAdd(a, 0.999f, 0.001f);
        }

        return a;
    }

    private static float Chains512(long iterations)
    {
        Vector512<float> m = Vector512.Create(0.999f), c = Vector512.Create(0.001f);
        Vector512<float> a0 = Vector512.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Avx512F.FusedMultiplyAdd(a0, m, c);
            a1 = Avx512F.FusedMultiplyAdd(a1, m, c);
            a2 = Avx512F.FusedMultiplyAdd(a2, m, c);
            a3 = Avx512F.FusedMultiplyAdd(a3, m, c);
            a4 = Avx512F.FusedMultiplyAdd(a4, m, c);
            a5 = Avx512F.FusedMultiplyAdd(a5, m, c);
            a6 = Avx512F.FusedMultiplyAdd(a6, m, c);
            a7 = Avx512F.FusedMultiplyAdd(a7, m, c);
            a8 = Avx512F.FusedMultiplyAdd(a8, m, c);
            a9 = Avx512F.FusedMultiplyAdd(a9, m, c);
            a10 = Avx512F.FusedMultiplyAdd(a10, m, c);
            a11 = Avx512F.FusedMultiplyAdd(a11, m, c);
        }

        return (a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11).ToScalar();
    }

    private static float Chains256(long iterations)
    {
        Vector256<float> m = Vector256.Create(0.999f), c = Vector256.Create(0.001f);
        Vector256<float> a0 = Vector256.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Fma.MultiplyAdd(a0, m, c);
            a1 = Fma.MultiplyAdd(a1, m, c);
            a2 = Fma.MultiplyAdd(a2, m, c);
            a3 = Fma.MultiplyAdd(a3, m, c);
            a4 = Fma.MultiplyAdd(a4, m, c);
            a5 = Fma.MultiplyAdd(a5, m, c);
            a6 = Fma.MultiplyAdd(a6, m, c);
            a7 = Fma.MultiplyAdd(a7, m, c);
            a8 = Fma.MultiplyAdd(a8, m, c);
            a9 = Fma.MultiplyAdd(a9, m, c);
            a10 = Fma.MultiplyAdd(a10, m, c);
            a11 = Fma.MultiplyAdd(a11, m, c);
        }

        return (a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11).ToScalar();
    }

    private static float Chains128(long iterations)
    {
        Vector128<float> m = Vector128.Create(0.999f), c = Vector128.Create(0.001f);
        Vector128<float> a0 = Vector128.Create(1f), a1 = a0, a2 = a0, a3 = a0, a4 = a0, a5 = a0, a6 = a0, a7 = a0, a8 = a0, a9 = a0, a10 = a0, a11 = a0;
        for (long i = 0; i < iterations; i++)
        {
            a0 = AdvSimd.FusedMultiplyAdd(c, a0, m);
            a1 = AdvSimd.FusedMultiplyAdd(c, a1, m);
            a2 = AdvSimd.FusedMultiplyAdd(c, a2, m);
            a3 = AdvSimd.FusedMultiplyAdd(c, a3, m);
            a4 = AdvSimd.FusedMultiplyAdd(c, a4, m);
            a5 = AdvSimd.FusedMultiplyAdd(c, a5, m);
            a6 = AdvSimd.FusedMultiplyAdd(c, a6, m);
            a7 = AdvSimd.FusedMultiplyAdd(c, a7, m);
            a8 = AdvSimd.FusedMultiplyAdd(c, a8, m);
            a9 = AdvSimd.FusedMultiplyAdd(c, a9, m);
            a10 = AdvSimd.FusedMultiplyAdd(c, a10, m);
            a11 = AdvSimd.FusedMultiplyAdd(c, a11, m);
        }

        return (a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9 + a10 + a11).ToScalar();
    }
}

/// <summary>
/// The bounds of one thread count: the FMA peak in GFLOP/s (<see cref="MachineBounds.FmaPeakGflops"/>) and the memory
/// traffic of a large copy in GB/s, read plus written (<see cref="MachineBounds.CopyTrafficGBps"/>). Every CPU bench
/// result carries the bounds of its thread count (JSON "bounds"), and its figures are also shown as shares of them.
/// </summary>
internal sealed record MachineBound(int Threads, double FmaPeakGflops, double CopyTrafficGBps, string FmaKind)
{
    /// <summary>The line the bench tables print under their heading.</summary>
    internal string Describe() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"bounds on {Threads} thread(s): FMA peak {FmaPeakGflops:F1} GFLOP/s ({FmaKind}), memory copy {CopyTrafficGBps:F1} GB/s (read + written)");

    /// <summary>Writes the JSON object "bounds".</summary>
    internal void Write(System.Text.Json.Utf8JsonWriter w)
    {
        w.WriteStartObject("bounds");
        w.WriteNumber("threads", Threads);
        w.WriteNumber("fmaPeakGflops", FmaPeakGflops);
        w.WriteNumber("copyTrafficGBps", CopyTrafficGBps);
        w.WriteString("fma", FmaKind);
        w.WriteEndObject();
    }
}
