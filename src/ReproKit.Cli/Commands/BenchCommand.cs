using System.Diagnostics;
using System.Globalization;

namespace ReproKit.Cli.Commands;

/// <summary>
/// <c>reprokit bench rand [--isa I] [--threads T] [--count N] [--repeat R] [--json]</c>: throughput of each
/// distribution (G values/s, best of R runs after a warm-up), with the digest of each output so runs on different
/// machines can be compared for equality as well as speed.
/// </summary>
internal static class BenchCommand
{
    internal static readonly OptionSpec[] Options =
    [
        new("op", null, "what to measure: rand, dropout, sample or conv2d", Required: true),
        new("--count", "N", "values per run (default 16777216)"),
        new("--repeat", "R", "timed runs per case; the best is reported (default 5)"),
        new("--json", null, "print JSON instead of a table"),
        new("--vocab", "V1,V2,..", "sample: vocabulary sizes (default 32000,128256,262144)"),
        new("--batch", "B1,B2,..", "sample: batch sizes (default 1,8,32)"),
        new("--shape", "N,C,H,W,K,R,S[,st,pad,dil,g]", "conv2d: one problem instead of the target shapes"),
        new("--algo", "A", "conv2d: one forward algorithm (auto|direct|implicit-gemm|winograd-2x3|winograd-4x3|fft)"),
        .. BackendOptions.Specs,
    ];

    private sealed record Case(string Name, Action Run, Func<string> Digest);

    internal static int Run(ArgReader args, TextWriter stdout)
    {
        string op = args.Choice("op", ["rand", "dropout", "sample", "conv2d"]);
        int count = (int)args.Count("--count", 1 << 28, 1 << 24);
        int repeat = (int)Math.Max(1, args.Count("--repeat", 1000, 5));
        using CpuContext context = BackendOptions.CreateContext(args);
        if (op == "conv2d")
        {
            string? algo = args.Has("--algo") ? args.Choice("--algo", Conv2dCommand.AlgorithmNames) : null;
            return ConvBench.Run(args.String("--shape"), algo, repeat, args.Flag("--json"), context, stdout);
        }

        if (op == "sample")
        {
            return SampleBench.Run(IntList(args, "--vocab", [32000, 128256, 262144]), IntList(args, "--batch", [1, 8, 32]), repeat, args.Flag("--json"), context, stdout);
        }

        var stream = new PhiloxStream(Seed: 42);
        var words = new uint[count];
        var floats = new float[count];
        var bytes = new byte[count];
        var longs = new long[count];
        var ulongs = new ulong[count];
        var perm = new Permutation((ulong)count, 42);
        var input = new float[count];
        if (op == "dropout")
        {
            stream.FillNormal(input, 0f, 1f, context);
        }

        var packed = new uint[Dropout.PackedMaskLength(count)];
        Case[] cases = op == "dropout"
        ?
        [
            new("forward", () => Dropout.Forward(input, floats, 0.1, stream, context: context), () => OutputDigest.Sha256<float>(floats)),
            new("forward+bits", () => Dropout.ForwardPacked(input, floats, packed, 0.1, stream, context: context), () => OutputDigest.Sha256<uint>(packed)),
            new("forward+bytes", () => Dropout.Forward(input, floats, bytes, 0.1, stream, context: context), () => OutputDigest.Sha256<byte>(bytes)),
            new("backward-regen", () => Dropout.Backward(input, floats, 0.1, stream, context: context), () => OutputDigest.Sha256<float>(floats)),
            new("backward-bits", () => Dropout.BackwardPacked(input, floats, packed, 0.1, context), () => OutputDigest.Sha256<float>(floats)),
            new("mask-bits", () => Dropout.MaskPacked(packed, count, 0.1, stream, context: context), () => OutputDigest.Sha256<uint>(packed)),
        ]
        :
        [
            new("u32", () => stream.FillUInt32(words, context), () => OutputDigest.Sha256<uint>(words)),
            new("uniform", () => stream.FillUniform(floats, context), () => OutputDigest.Sha256<float>(floats)),
            new("uniform-range", () => stream.FillUniform(floats, -0.5f, 0.5f, context), () => OutputDigest.Sha256<float>(floats)),
            new("normal", () => stream.FillNormal(floats, 0f, 1f, context), () => OutputDigest.Sha256<float>(floats)),
            new("truncnormal", () => stream.FillTruncatedNormal(floats, 0f, 1f, -2f, 2f, context), () => OutputDigest.Sha256<float>(floats)),
            new("bernoulli", () => stream.FillBernoulli(bytes, 0.3, context), () => OutputDigest.Sha256<byte>(bytes)),
            new("int", () => stream.FillInt64(longs, -1000, 1000, context), () => OutputDigest.Sha256<long>(longs)),
            new("perm", () => perm.Fill(ulongs, 0, context), () => OutputDigest.Sha256<ulong>(ulongs)),
        ];

        var results = new List<(string Name, double Seconds, string Digest)>();
        foreach (Case c in cases)
        {
            Console.Error.Write($"\rbench {op}: {c.Name,-14}");
            double best = BenchTiming.Best(repeat, c.Run);
            results.Add((c.Name, best, c.Digest()));
        }

        Console.Error.WriteLine("\r" + new string(' ', 40) + "\r");
        if (args.Flag("--json"))
        {
            BenchTiming.WriteJson(stdout, op, context, results, (w, r) =>
            {
                w.WriteString("name", r.Name);
                w.WriteNumber("seconds", r.Seconds);
                w.WriteNumber("gvaluesPerSecond", count / r.Seconds / 1e9);
                w.WriteString("sha256", r.Digest);
            }, w => w.WriteNumber("count", count));
            return CliApp.ExitOk;
        }

        stdout.WriteLine($"bench {op}: {count:N0} values, best of {repeat}; ISA {ReproKitLibrary.IsaName(context.Isa)}, {context.Threads} thread(s); {ReproKitLibrary.CpuDescription}");
        stdout.WriteLine($"{"case",-15} {"G values/s",10} {"ms",9}  sha256");
        foreach (var (name, seconds, digest) in results)
        {
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-15} {count / seconds / 1e9,10:F3} {seconds * 1e3,9:F2}  {digest[..16]}..."));
        }

        return CliApp.ExitOk;
    }

    private static int[] IntList(ArgReader args, string name, int[] defaults)
    {
        if (args.String(name) is not { } text)
        {
            return defaults;
        }

        var values = new List<int>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int v) || v < 1)
            {
                throw new UsageException($"option '{name}' is '{text}'; expected positive integers separated by commas.");
            }

            values.Add(v);
        }

        return values.ToArray();
    }
}
