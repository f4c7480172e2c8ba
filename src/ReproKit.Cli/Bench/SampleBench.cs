using System.Globalization;
using System.Numerics;

namespace ReproKit.Cli.Bench;

/// <summary>
/// <c>reprokit bench sample</c>: time per batch for each vocabulary size, batch size and parameter set, beside the time
/// of reading the logits once (the floor any sampler pays) and the logits' bytes per second as a share of the memory-copy
/// bound, with the digest of the tokens.
/// </summary>
internal static class SampleBench
{
    internal static readonly (string Name, SamplingParams Params)[] ParameterSets =
    [
        ("T0.7 k50 p0.9", new SamplingParams(0.7f, 50, 0.9)),
        ("T1 p0.95", new SamplingParams(1f, 0, 0.95)),
        ("min_p 0.05", new SamplingParams(MinP: 0.05)),
    ];

    internal static int Run(int[] vocabs, int[] batches, int repeat, bool json, CpuContext context, TextWriter stdout)
    {
        var rows = new List<(int V, int B, string Set, double Ms, double ReadMs, string Digest)>();
        foreach (int v in vocabs)
        {
            foreach (int b in batches)
            {
                var logits = new float[(long)v * b];
                new PhiloxStream(2024).FillNormal(logits, 0f, 3f, context);
                double readMs = BenchTiming.Best(repeat, () => Sum(logits)) * 1e3;
                var streams = Enumerable.Range(0, b).Select(r => new PhiloxStream(7, (ulong)r)).ToArray();
                var tokens = new int[b];
                foreach (var (name, p) in ParameterSets)
                {
                    Progress.Step($"bench sample: V={v} B={b} {name}");
                    var ps = Enumerable.Repeat(p, b).ToArray();
                    double ms = BenchTiming.Best(repeat, () => Sampler.Sample(logits, b, v, ps, streams, tokens, context: context)) * 1e3;
                    rows.Add((v, b, name, ms, readMs, OutputDigest.Sha256<int>(tokens)));
                }
            }
        }

        MachineBound bound = MachineBounds.For(context.Threads);
        Progress.Done();
        if (json)
        {
            BenchTiming.WriteJson(stdout, "sample", context, rows, (w, r) =>
            {
                w.WriteString("name", $"V{r.V} B{r.B} {r.Set}");
                w.WriteNumber("vocab", r.V);
                w.WriteNumber("batch", r.B);
                w.WriteString("params", r.Set);
                w.WriteNumber("milliseconds", r.Ms);
                w.WriteNumber("readLogitsMilliseconds", r.ReadMs);
                w.WriteNumber("trafficGBps", 4.0 * r.V * r.B / (r.Ms * 1e-3) / 1e9);
                w.WriteString("sha256", r.Digest);
            });
            return CliApp.ExitOk;
        }

        stdout.WriteLine($"bench sample: best of {repeat}; ISA {ReproKitLibrary.IsaName(context.Isa)}, {context.Threads} thread(s); {ReproKitLibrary.CpuDescription}");
        stdout.WriteLine(bound.Describe());
        stdout.WriteLine($"{"V",7} {"B",3} {"params",-14} {"ms",9} {"read ms",8} {"x read",7} {"% copy",7}  sha256(tokens)");
        foreach (var r in rows)
        {
            // "% copy": the logits' bytes (read once) per second against the memory-copy traffic of this thread count.
            double gbps = 4.0 * r.V * r.B / (r.Ms * 1e-3) / 1e9;
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.V,7} {r.B,3} {r.Set,-14} {r.Ms,9:F3} {r.ReadMs,8:F3} {r.Ms / r.ReadMs,7:F1} {BenchTiming.Percent(gbps, bound.CopyTrafficGBps),7}  {r.Digest[..16]}..."));
        }

        return CliApp.ExitOk;
    }

    // A vectorised read of every logit: the memory floor of any sampler.
    private static float Sum(float[] data)
    {
        var acc = Vector<float>.Zero;
        int i = 0;
        for (; i + Vector<float>.Count <= data.Length; i += Vector<float>.Count)
        {
            acc += new Vector<float>(data, i);
        }

        float s = Vector.Sum(acc);
        for (; i < data.Length; i++)
        {
            s += data[i];
        }

        return s;
    }
}
