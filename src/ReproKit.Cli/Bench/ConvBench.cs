using System.Globalization;
using ReproKit.Cli.Commands;

namespace ReproKit.Cli.Bench;

/// <summary>
/// <c>reprokit bench conv2d [--shape N,C,H,W,K,R,S[,stride,pad,dilation,groups]] [--algo A] [--json]</c>: GFLOP/s of
/// the forward pass per algorithm and of both backward passes (direct-convolution flop count), also as a share of the FMA
/// peak measured in the same run, with output digests.
/// Without --shape it runs the shapes of the project's performance targets (docs/benchmarks.md).
/// </summary>
internal static class ConvBench
{
    internal static readonly (string Name, Conv2dDescriptor Desc)[] DefaultShapes =
    [
        ("resnet 64x56x56 3x3", Conv2dDescriptor.Square(8, 64, 56, 56, 64, 3, padding: 1)),
        ("256x14x14 3x3", Conv2dDescriptor.Square(8, 256, 14, 14, 256, 3, padding: 1)),
        ("stem 7x7/2 3->64 224", Conv2dDescriptor.Square(8, 3, 224, 224, 64, 7, stride: 2, padding: 3)),
        ("1x1 64->256 56x56", Conv2dDescriptor.Square(8, 64, 56, 56, 256, 1)),
        ("depthwise 3x3 256 28x28", Conv2dDescriptor.Square(8, 256, 28, 28, 256, 3, padding: 1, groups: 256)),
    ];

    internal static int Run(string? shape, string? algo, int repeat, bool json, CpuContext context, TextWriter stdout)
    {
        // A custom problem is named by its numbers, so results for different shapes never share a case name.
        (string Name, Conv2dDescriptor Desc)[] shapes = shape is null ? DefaultShapes
            : [($"custom {string.Join(',', shape.Split(',', StringSplitOptions.TrimEntries))}", Parse(shape))];
        ConvAlgorithm[] forwardAlgos = algo is null
            ? [ConvAlgorithm.Auto, ConvAlgorithm.ImplicitGemm, ConvAlgorithm.Winograd2x3, ConvAlgorithm.Winograd4x3, ConvAlgorithm.Fft]
            : [(ConvAlgorithm)Array.IndexOf(Conv2dCommand.AlgorithmNames, algo)];
        var rows = new List<(string Shape, string Pass, string Algo, double Ms, double Gflops, string Digest)>();
        foreach (var (name, d) in shapes)
        {
            var x = new float[d.InputLength];
            var w = new float[d.WeightLength];
            var y = new float[d.OutputLength];
            new PhiloxStream(1).FillNormal(x, 0f, 1f, context);
            new PhiloxStream(2).FillNormal(w, 0f, 0.1f, context);
            foreach (ConvAlgorithm a in forwardAlgos)
            {
                ConvAlgorithm chosen;
                long bytes;
                try
                {
                    (chosen, bytes) = Conv2d.Query(d, ConvPass.Forward, a);
                }
                catch (ReproKitException)
                {
                    continue; // this algorithm does not support the shape
                }

                var ws = new byte[bytes];
                Progress.Step($"bench conv2d: {name} forward {chosen}");
                double s = BenchTiming.Best(repeat, () => Conv2d.Forward(d, x, w, [], y, a, ws, context));
                string label = a == ConvAlgorithm.Auto ? $"auto={Conv2dCommand.AlgorithmNames[(int)chosen]}" : Conv2dCommand.AlgorithmNames[(int)a];
                rows.Add((name, "forward", label, s * 1e3, d.Flops / s / 1e9, OutputDigest.Sha256<float>(y)));
            }

            if (algo is null)
            {
                var dx = new float[d.InputLength];
                var dw = new float[d.WeightLength];
                var db = new float[d.K];
                Progress.Step($"bench conv2d: {name} backward");
                double sd = BenchTiming.Best(repeat, () => Conv2d.BackwardData(d, y, w, dx, context: context));
                rows.Add((name, "backward-data", "direct", sd * 1e3, d.Flops / sd / 1e9, OutputDigest.Sha256<float>(dx)));
                double sw = BenchTiming.Best(repeat, () => Conv2d.BackwardWeights(d, x, y, dw, db, context: context));
                rows.Add((name, "backward-weights", "direct", sw * 1e3, d.Flops / sw / 1e9, OutputDigest.Sha256<float>(dw)));
            }
        }

        MachineBound bound = MachineBounds.For(context.Threads);
        Progress.Done();
        if (json)
        {
            BenchTiming.WriteJson(stdout, "conv2d", context, rows, (w, r) =>
            {
                w.WriteString("name", $"{r.Shape} {r.Pass} {r.Algo}");
                w.WriteNumber("milliseconds", r.Ms);
                w.WriteNumber("gflops", r.Gflops);
                w.WriteString("sha256", r.Digest);
            });
            return CliApp.ExitOk;
        }

        stdout.WriteLine($"bench conv2d: best of {repeat}; ISA {ReproKitLibrary.IsaName(context.Isa)}, {context.Threads} thread(s); {ReproKitLibrary.CpuDescription}");
        stdout.WriteLine(bound.Describe());
        stdout.WriteLine($"{"shape",-26} {"pass",-17} {"algorithm",-22} {"ms",9} {"GFLOP/s",8} {"% peak",7}  sha256");
        foreach (var r in rows)
        {
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Shape,-26} {r.Pass,-17} {r.Algo,-22} {r.Ms,9:F2} {r.Gflops,8:F1} {BenchTiming.Percent(r.Gflops, bound.FmaPeakGflops),7}  {r.Digest[..16]}..."));
        }

        return CliApp.ExitOk;
    }

    internal static Conv2dDescriptor Parse(string text)
    {
        string[] p = text.Split(',', StringSplitOptions.TrimEntries);
        if (p.Length is not (7 or 11) || !p.All(v => long.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out _)))
        {
            throw new UsageException($"--shape '{text}' must be N,C,H,W,K,R,S or N,C,H,W,K,R,S,stride,pad,dilation,groups (non-negative integers).");
        }

        long[] v = p.Select(x => long.Parse(x, CultureInfo.InvariantCulture)).ToArray();
        return p.Length == 7
            ? new Conv2dDescriptor(v[0], v[1], v[2], v[3], v[4], v[5], v[6])
            : Conv2dDescriptor.Square(v[0], v[1], v[2], v[3], v[4], v[5], (int)v[7], (int)v[8], (int)v[9], (int)v[10]) with { S = v[6] };
    }
}
