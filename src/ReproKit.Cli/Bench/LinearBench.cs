using System.Globalization;
using ReproKit.Cli.Commands;

namespace ReproKit.Cli.Bench;

/// <summary>
/// <c>reprokit bench linear [--json]</c>: every pass of the training-shape targets (issue "Training operations" item 7;
/// docs/benchmarks.md), as GFLOP/s and as a share of the FMA peak measured in the same run on the same threads; the
/// GEMV shape (batch 1) as bytes of W per second and a share of the memory-copy bound. Digests of every output.
/// </summary>
internal static class LinearBench
{
    internal static readonly (string Name, LinearShape Shape)[] DefaultShapes =
    [
        ("N=256 1024->1024", new LinearShape(256, 1024, 1024)),
        ("N=4096 4096->4096", new LinearShape(4096, 4096, 4096)),
        ("N=1 4096->4096", new LinearShape(1, 4096, 4096)),
        ("N=64 128->64", new LinearShape(64, 128, 64)),
    ];

    internal static int Run(string? shape, int repeat, bool json, CpuContext context, TextWriter stdout)
    {
        (string Name, LinearShape Shape)[] shapes = shape is null ? DefaultShapes
            : [($"custom {string.Join(',', shape.Split(',', StringSplitOptions.TrimEntries))}", Parse(shape))];
        // The GEMV's weight read is compared with the bytes a one-thread copy moves each way (half its traffic).
        double peak = MachineBounds.For(context.Threads).FmaPeakGflops;
        double copy = MachineBounds.For(1).CopyTrafficGBps / 2;
        var rows = new List<(string Shape, string Pass, double Ms, double Gflops, double PeakShare, double WeightGBps, double CopyShare, string Digest)>();
        foreach (var (name, s) in shapes)
        {
            var x = new float[s.InputLength];
            var w = new float[s.WeightLength];
            var b = new float[s.OutFeatures];
            var y = new float[s.OutputLength];
            var dx = new float[s.InputLength];
            var dw = new float[s.WeightLength];
            var db = new float[s.OutFeatures];
            new PhiloxStream(1).FillNormal(x, 0f, 1f, context);
            new PhiloxStream(2).FillNormal(w, 0f, 0.05f, context);
            new PhiloxStream(3).FillNormal(b, 0f, 0.1f, context);
            double flops = 2.0 * s.Batch * s.InFeatures * s.OutFeatures, weightBytes = 4.0 * s.WeightLength;
            int reps = flops > 1e11 ? Math.Min(repeat, 2) : repeat;  // the 4096 shape takes seconds a pass
            void Add(string pass, double seconds, float[] output)
            {
                double gflops = flops / seconds / 1e9, gbps = weightBytes / seconds / 1e9;
                rows.Add((name, pass, seconds * 1e3, gflops, gflops / peak, gbps, gbps / copy, OutputDigest.Sha256<float>(output)));
            }

            Progress.Step($"bench linear: {name} forward");
            Add("forward", BenchTiming.Best(reps, () => Linear.Forward(s, x, w, b, y, context)), y);
            Progress.Step($"bench linear: {name} backward data");
            Add("backward-data", BenchTiming.Best(reps, () => Linear.BackwardData(s, y, w, dx, context)), dx);
            Progress.Step($"bench linear: {name} backward weights");
            Add("backward-weights", BenchTiming.Best(reps, () => Linear.BackwardWeights(s, x, y, dw, db, context)), dw);
        }

        Progress.Done();
        if (json)
        {
            BenchTiming.WriteJson(stdout, "linear", context, rows, (wr, r) =>
            {
                wr.WriteString("name", $"{r.Shape} {r.Pass}");
                wr.WriteNumber("milliseconds", r.Ms);
                wr.WriteNumber("gflops", r.Gflops);
                wr.WriteNumber("fmaPeakShare", r.PeakShare);
                wr.WriteNumber("weightGBps", r.WeightGBps);
                wr.WriteNumber("copyBoundShare", r.CopyShare);
                wr.WriteNumber("fmaPeakGflops", peak);
                wr.WriteNumber("copyGBps", copy);
                wr.WriteString("sha256", r.Digest);
            });
            return CliApp.ExitOk;
        }

        stdout.WriteLine($"bench linear: best of {repeat} (2 for the largest shape); ISA {ReproKitLibrary.IsaName(context.Isa)}, {context.Threads} thread(s); {ReproKitLibrary.CpuDescription}");
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"machine: FMA peak {peak:F0} GFLOP/s ({MachineBounds.FmaKind}, {context.Threads} thread(s)), memory copy {copy:F1} GB/s (one thread)"));
        stdout.WriteLine($"{"shape",-20} {"pass",-17} {"ms",10} {"GFLOP/s",8} {"% peak",7} {"W GB/s",7} {"% copy",7}  sha256");
        foreach (var r in rows)
        {
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Shape,-20} {r.Pass,-17} {r.Ms,10:F3} {r.Gflops,8:F1} {100 * r.PeakShare,6:F1}% {r.WeightGBps,7:F2} {100 * r.CopyShare,6:F1}%  {r.Digest[..16]}..."));
        }

        return CliApp.ExitOk;
    }

    internal static LinearShape Parse(string text)
    {
        string[] p = text.Split(',', StringSplitOptions.TrimEntries);
        if (p.Length != 3 || !p.All(v => int.TryParse(v, NumberStyles.None, CultureInfo.InvariantCulture, out int n) && n >= 1))
        {
            throw new UsageException($"--linear-shape '{text}' must be N,IN,OUT (positive integers).");
        }

        int[] v = p.Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToArray();
        return new LinearShape(v[0], v[1], v[2]);
    }
}
