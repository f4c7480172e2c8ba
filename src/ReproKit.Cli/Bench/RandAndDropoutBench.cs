using System.Globalization;

namespace ReproKit.Cli.Bench;

/// <summary>
/// <c>reprokit bench rand</c>, <c>reprokit bench dropout</c> and <c>reprokit bench training</c> on the CPU: G values/s
/// of each fill, dropout pass, activation pass or optimizer step over <c>count</c> values, with the digest of each
/// output (an optimizer step's digest is that of one step from the initial state, whatever the repeat count). Each case
/// also reports its memory traffic (the bytes it must read and write at least once per value) in GB/s and as a share of
/// the memory-copy bound measured in the same run (<see cref="MachineBounds"/>).
/// </summary>
internal static class RandAndDropoutBench
{
    /// <param name="BytesPerValue">Bytes read plus bytes written per value, counting each array once (the least traffic the case needs).</param>
    private sealed record Case(string Name, double BytesPerValue, Action Run, Func<string> Digest);

    /// <summary>Runs the cases of <paramref name="op"/> ("rand", "dropout" or "training") and prints a table or the JSON envelope.</summary>
    internal static int Run(string op, int count, int repeat, bool json, CpuContext context, TextWriter stdout)
    {
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
        Case[] cases = op == "training" ? TrainingCases(count, context) : op == "dropout"
        ?
        [
            new("forward", 8, () => Dropout.Forward(input, floats, 0.1, stream, context: context), () => OutputDigest.Sha256<float>(floats)),
            new("forward+bits", 8.125, () => Dropout.ForwardPacked(input, floats, packed, 0.1, stream, context: context), () => OutputDigest.Sha256<uint>(packed)),
            new("forward+bytes", 9, () => Dropout.Forward(input, floats, bytes, 0.1, stream, context: context), () => OutputDigest.Sha256<byte>(bytes)),
            new("backward-regen", 8, () => Dropout.Backward(input, floats, 0.1, stream, context: context), () => OutputDigest.Sha256<float>(floats)),
            new("backward-bits", 8.125, () => Dropout.BackwardPacked(input, floats, packed, 0.1, context), () => OutputDigest.Sha256<float>(floats)),
            new("mask-bits", 0.125, () => Dropout.MaskPacked(packed, count, 0.1, stream, context: context), () => OutputDigest.Sha256<uint>(packed)),
        ]
        :
        [
            new("u32", 4, () => stream.FillUInt32(words, context), () => OutputDigest.Sha256<uint>(words)),
            new("uniform", 4, () => stream.FillUniform(floats, context), () => OutputDigest.Sha256<float>(floats)),
            new("uniform-range", 4, () => stream.FillUniform(floats, -0.5f, 0.5f, context), () => OutputDigest.Sha256<float>(floats)),
            new("normal", 4, () => stream.FillNormal(floats, 0f, 1f, context), () => OutputDigest.Sha256<float>(floats)),
            new("truncnormal", 4, () => stream.FillTruncatedNormal(floats, 0f, 1f, -2f, 2f, context), () => OutputDigest.Sha256<float>(floats)),
            new("bernoulli", 1, () => stream.FillBernoulli(bytes, 0.3, context), () => OutputDigest.Sha256<byte>(bytes)),
            new("int", 8, () => stream.FillInt64(longs, -1000, 1000, context), () => OutputDigest.Sha256<long>(longs)),
            new("perm", 8, () => perm.Fill(ulongs, 0, context), () => OutputDigest.Sha256<ulong>(ulongs)),
        ];

        var results = new List<(string Name, double Seconds, double TrafficGBps, string Digest)>();
        foreach (Case c in cases)
        {
            Progress.Step($"bench {op}: {c.Name}");
            double best = BenchTiming.Best(repeat, c.Run);
            results.Add((c.Name, best, c.BytesPerValue * count / best / 1e9, c.Digest()));
        }

        MachineBound bound = MachineBounds.For(context.Threads);

        Progress.Done();
        if (json)
        {
            BenchTiming.WriteJson(stdout, op, context, results, (w, r) =>
            {
                w.WriteString("name", r.Name);
                w.WriteNumber("seconds", r.Seconds);
                w.WriteNumber("gvaluesPerSecond", count / r.Seconds / 1e9);
                w.WriteNumber("trafficGBps", r.TrafficGBps);
                w.WriteString("sha256", r.Digest);
            }, w => w.WriteNumber("count", count));
            return CliApp.ExitOk;
        }

        stdout.WriteLine($"bench {op}: {count:N0} values, best of {repeat}; ISA {ReproKitLibrary.IsaName(context.Isa)}, {context.Threads} thread(s); {ReproKitLibrary.CpuDescription}");
        stdout.WriteLine(bound.Describe());
        stdout.WriteLine($"{"case",-15} {"G values/s",10} {"ms",9} {"GB/s",7} {"% copy",7}  sha256");
        foreach (var (name, seconds, traffic, digest) in results)
        {
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{name,-15} {count / seconds / 1e9,10:F3} {seconds * 1e3,9:F2} {traffic,7:F2} {BenchTiming.Percent(traffic, bound.CopyTrafficGBps),7}  {digest[..16]}..."));
        }

        return CliApp.ExitOk;
    }

    /// <summary>The training cases: activations forward / backward and optimizer steps (the same names on CUDA, CudaBench).</summary>
    private static Case[] TrainingCases(int count, CpuContext context)
    {
        var x = new float[count];
        var dy = new float[count];
        var y = new float[count];
        new PhiloxStream(Seed: 42).FillNormal(x, 0f, 3f, context);
        new PhiloxStream(Seed: 43).FillNormal(dy, 0f, 1f, context);
        float[] p = new float[count], m = new float[count], v = new float[count];
        long step = 0;
        var sgd = new SgdOptions(0.01, Momentum: 0.9, Nesterov: true);
        var adamw = AdamOptions.AdamW();
        // An optimizer case's digest: one step from the initial state (p = x, zero state; gradient dy).
        string Fresh(Action<float[], float[], float[]> oneStep)
        {
            float[] p1 = [.. x];
            float[] m1 = new float[count], v1 = new float[count];
            oneStep(p1, m1, v1);
            return OutputDigest.Sha256<float>(p1);
        }

        x.CopyTo(p, 0);
        // Normalization, loss and pooling over the same `count` values: BatchNorm2d on [1, C, 1, count / C] (C = 16 when
        // it divides count), LayerNorm on rows of 1024 (when they divide it), cross-entropy over 1000-class rows of the
        // first count / 1000 * 1000 values, 2x2 max pooling with stride 2 on [1, C, 2, count / 2C].
        int ch = count % 32 == 0 ? 16 : 1;
        var bn = new BatchNorm2dShape(1, ch, 1, count / ch);
        float[] mean = new float[ch], invstd = new float[ch];
        int lnRows = count % 1024 == 0 ? count / 1024 : 1;
        float[] lnMean = new float[lnRows], lnInvStd = new float[lnRows];
        int ceRows = Math.Max(1, count / 1000), ceClasses = count >= 1000 ? 1000 : count;
        long[] targets = new long[ceRows];
        for (int r = 0; r < ceRows; r++)
        {
            targets[r] = r * 37 % ceClasses;
        }

        var ceLoss = new float[1];
        Pool2dDescriptor pool = count % (4 * ch) == 0 ? Pool2dDescriptor.Max(1, ch, 2, count / (2 * ch), 2) : Pool2dDescriptor.Max(1, 1, 1, count, 1);
        var pooled = new float[pool.OutputLength];
        var indices = new long[pool.OutputLength];
        BatchNorm2d.ForwardTraining(bn, x, [], [], y, mean, invstd, [], [], context: context);
        LayerNorm.Forward(lnRows, count / lnRows, x, [], [], y, lnMean, lnInvStd, context: context);
        return
        [
            new("relu", 8, () => Activations.Forward(Activation.Relu, x, y, context: context), () => OutputDigest.Sha256<float>(y)),
            new("gelu", 8, () => Activations.Forward(Activation.Gelu, x, y, context: context), () => OutputDigest.Sha256<float>(y)),
            new("gelu-tanh", 8, () => Activations.Forward(Activation.GeluTanh, x, y, context: context), () => OutputDigest.Sha256<float>(y)),
            new("gelu-backward", 12, () => Activations.Backward(Activation.Gelu, x, dy, y, context: context), () => OutputDigest.Sha256<float>(y)),
            new("sgd-nesterov", 20, () => Optimizers.SgdStep(sgd, p, dy, m, firstStep: false, context),
                () => Fresh((p1, m1, _) => Optimizers.SgdStep(sgd, p1, dy, m1, firstStep: true, context))),
            new("adamw", 28, () => Optimizers.AdamStep(adamw, ++step, p, dy, m, v, context),
                () => Fresh((p1, m1, v1) => Optimizers.AdamStep(adamw, 1, p1, dy, m1, v1, context))),
            new("batchnorm", 8, () => BatchNorm2d.ForwardTraining(bn, x, [], [], y, mean, invstd, [], [], context: context),
                () => OutputDigest.Sha256<float>(y)),
            new("batchnorm-bwd", 12, () => BatchNorm2d.BackwardTraining(bn, x, dy, [], mean, invstd, y, [], [], context),
                () => OutputDigest.Sha256<float>(y)),
            new("layernorm", 8, () => LayerNorm.Forward(lnRows, count / lnRows, x, [], [], y, lnMean, lnInvStd, context: context),
                () => OutputDigest.Sha256<float>(y)),
            new("layernorm-bwd", 12, () => LayerNorm.Backward(lnRows, count / lnRows, x, dy, [], lnMean, lnInvStd, y, [], [], context),
                () => OutputDigest.Sha256<float>(y)),
            new("cross-entropy", 4, () => Loss.CrossEntropy(x.AsSpan(0, ceRows * ceClasses), targets, ceClasses, ceLoss, context: context),
                () => OutputDigest.Sha256<float>(ceLoss)),
            new("maxpool2x2", 7, () => Pooling.Forward(pool, x, pooled, indices, context),
                () => OutputDigest.Sha256<float>(pooled)),
        ];
    }
}
