using System.Globalization;

namespace ReproKit.Cli.Commands;

/// <summary>
/// <c>reprokit demo</c>: a short tour for a newcomer. For fixed seeds it shows what ReproKit computes and the SHA-256
/// digest of each result, checks the cuRAND reference values and shows that ISA and thread count change nothing.
/// Two machines that run it must print the same digests. It grows as operations land.
/// </summary>
internal static class DemoCommand
{
    private const int Count = 1 << 20;

    // curand() words after curand_init(0x2a, 7, 1000): CUDA 11.8's curand_kernel.h run on the host
    // (tests/data/rng/curand_philox_ref.txt, INIT record of seed 2a).
    private static readonly uint[] CurandReference = [0xd6937fa4, 0x528bdcfa, 0x2f135adc, 0x03e5825b];

    internal static readonly OptionSpec[] Options = [];

    internal static int Run(ArgReader args, TextWriter w)
    {
        bool allOk = true;
        using var context = new CpuContext();
        w.WriteLine("ReproKit demo: the same bits on every machine");
        w.WriteLine($"ReproKit {ReproKitLibrary.ManagedVersion} (native {ReproKitLibrary.NativeVersion}) on {ReproKitLibrary.CpuDescription}");
        w.WriteLine($"CPU backend: ISA {ReproKitLibrary.IsaName(context.Isa)}, {context.Threads} thread(s)");
        w.WriteLine();

        var stream = new PhiloxStream(Seed: 42);
        var words = new uint[Count];
        stream.FillUInt32(words, context);
        w.WriteLine($"1. Philox4x32-10 stream words (cuRAND's curand()), {stream}");
        w.WriteLine($"   first 8:  {Hex(words.AsSpan(0, 8))}");
        w.WriteLine($"   {Count:N0} words  sha256 {OutputDigest.Sha256<uint>(words)}");
        w.WriteLine();

        var curandStream = new PhiloxStream(0x2a, 7, 1000);
        Span<uint> ours = stackalloc uint[4];
        curandStream.FillUInt32(ours, context);
        bool curandOk = ours.SequenceEqual(CurandReference);
        allOk &= curandOk;
        w.WriteLine($"2. cuRAND compatibility, curand_init(seed 0x2a, subsequence 7, offset 1000) then curand() x4");
        w.WriteLine($"   ReproKit: {Hex(ours)}");
        w.WriteLine($"   cuRAND:   {Hex(CurandReference)}   {(curandOk ? "match" : "MISMATCH")}");
        w.WriteLine();

        var uniforms = new float[Count];
        stream.FillUniform(uniforms, context);
        w.WriteLine($"3. Uniform floats in (0, 1] (curand_uniform's formula), {stream}");
        w.WriteLine($"   first 4:  {string.Join("  ", uniforms.Take(4).Select(u => u.ToString("R", CultureInfo.InvariantCulture)))}");
        string uniformDigest = OutputDigest.Sha256<float>(uniforms);
        w.WriteLine($"   {Count:N0} floats sha256 {uniformDigest}");
        w.WriteLine();

        w.WriteLine("4. The result does not depend on the ISA or the thread count (same 1M uniforms):");
        var again = new float[Count];
        foreach (CpuIsa isa in ReproKitLibrary.SupportedIsas)
        {
            foreach (int threads in new[] { 1, 2, 3 })
            {
                using var c = new CpuContext(new CpuContextOptions(isa, threads));
                Array.Clear(again);
                stream.FillUniform(again, c);
                string d = OutputDigest.Sha256<float>(again);
                bool same = d == uniformDigest;
                allOk &= same;
                w.WriteLine($"   {ReproKitLibrary.IsaName(isa),-7} {threads} thread(s)  sha256 {d[..16]}...  {(same ? "same" : "DIFFERENT")}");
            }
        }

        w.WriteLine();
        w.WriteLine("5. Streams compose: two fills of 512K from advanced offsets equal one fill of 1M:");
        var halves = new uint[Count];
        stream.FillUInt32(halves.AsSpan(0, Count / 2), context);
        stream.Advance(Count / 2).FillUInt32(halves.AsSpan(Count / 2), context);
        bool composeOk = halves.AsSpan().SequenceEqual(words);
        allOk &= composeOk;
        w.WriteLine($"   sha256 {OutputDigest.Sha256<uint>(halves)}  {(composeOk ? "same as 1." : "DIFFERENT")}");
        w.WriteLine();
        w.WriteLine(allOk
            ? "All checks passed. Run this on another machine: every digest above must be identical."
            : "SOME CHECKS FAILED: this build does not reproduce the canonical results. Please report it.");
        return allOk ? CliApp.ExitOk : CliApp.ExitFailure;
    }

    private static string Hex(ReadOnlySpan<uint> words)
    {
        var parts = new string[words.Length];
        for (int i = 0; i < words.Length; i++)
        {
            parts[i] = words[i].ToString("x8", CultureInfo.InvariantCulture);
        }

        return string.Join(" ", parts);
    }
}
