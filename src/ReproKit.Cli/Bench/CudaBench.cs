using System.Globalization;
using ReproKit.Cli.Commands;

namespace ReproKit.Cli.Bench;

/// <summary>
/// <c>reprokit bench &lt;op&gt; --device cuda:N</c>: the CPU benchmarks' cases on a CUDA device, with the same case names,
/// sizes and digests, so <c>reprokit bench report</c> and <c>compare</c> set CPU and GPU runs side by side and flag any
/// digest that differs. Each timed run ends with a device synchronisation; buffers stay on the device.
/// </summary>
internal static class CudaBench
{
    private sealed record Case(string Name, Action Run, Func<string> Digest, double Work, string Unit);

    internal static int Run(string op, int device, int count, int repeat, bool json, int[] vocabs, int[] batches, TextWriter stdout)
    {
        using var context = new CudaContext(device);
        var cases = new List<Case>();
        var disposables = new List<IDisposable>();
        try
        {
            switch (op)
            {
                case "rand": AddRand(context, count, cases, disposables); break;
                case "dropout": AddDropout(context, count, cases, disposables); break;
                case "sample": AddSample(context, vocabs, batches, cases, disposables); break;
                case "linear": AddLinear(context, cases, disposables); break;
                case "training": AddTraining(context, count, cases, disposables); break;
                default: AddConv(context, cases, disposables); break;
            }

            var rows = new List<(Case Case, double Seconds, string Digest)>();
            foreach (Case c in cases)
            {
                Progress.Step($"bench {op} on cuda:{device}: {c.Name}");
                double s = BenchTiming.Best(repeat, () =>
                {
                    c.Run();
                    context.Synchronize();
                });
                rows.Add((c, s, c.Digest()));
            }

            Progress.Done();
            string isa = $"cuda:{context.Device.Architecture}";
            if (json)
            {
                BenchTiming.WriteJson(stdout, op, context.Device.Name, isa, context.Device.SmCount, rows, (w, r) =>
                {
                    w.WriteString("name", r.Case.Name);
                    w.WriteNumber("seconds", r.Seconds);
                    w.WriteNumber("milliseconds", r.Seconds * 1e3);
                    w.WriteNumber(r.Case.Unit, r.Case.Work / r.Seconds / 1e9);
                    w.WriteString("sha256", r.Digest);
                }, w =>
                {
                    if (op is "rand" or "dropout" or "training")
                    {
                        w.WriteNumber("count", count);
                    }

                    w.WriteString("device", $"cuda:{device}");
                });
                return CliApp.ExitOk;
            }

            stdout.WriteLine($"bench {op} on cuda:{device}: {context.Device.Name} ({context.Device.Architecture}, {context.Device.SmCount} SMs), best of {repeat}");
            stdout.WriteLine($"{"case",-40} {"ms",10} {"rate",10}  sha256");
            foreach (var (c, s, digest) in rows)
            {
                stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{c.Name,-40} {s * 1e3,10:F3} {c.Work / s / 1e9,10:F3} {(c.Unit == "gflops" ? "GFLOP/s" : "G/s")}  {digest[..16]}..."));
            }

            return CliApp.ExitOk;
        }
        finally
        {
            foreach (IDisposable d in disposables)
            {
                d.Dispose();
            }
        }
    }

    private static DeviceBuffer<T> Keep<T>(List<IDisposable> owned, DeviceBuffer<T> b)
        where T : unmanaged
    {
        owned.Add(b);
        return b;
    }

    private static void AddRand(CudaContext ctx, int count, List<Case> cases, List<IDisposable> owned)
    {
        var stream = new PhiloxStream(Seed: 42);
        DeviceBuffer<uint> words = Keep(owned, ctx.Allocate<uint>(count));
        DeviceBuffer<float> floats = Keep(owned, ctx.Allocate<float>(count));
        cases.Add(new("u32", () => CudaOperations.FillUInt32(stream, words), () => OutputDigest.Sha256<uint>(words.ToArray()), count, "gvaluesPerSecond"));
        cases.Add(new("uniform", () => CudaOperations.FillUniform(stream, floats), () => OutputDigest.Sha256<float>(floats.ToArray()), count, "gvaluesPerSecond"));
        cases.Add(new("uniform-range", () => CudaOperations.FillUniform(stream, floats, -0.5f, 0.5f), () => OutputDigest.Sha256<float>(floats.ToArray()), count, "gvaluesPerSecond"));
        cases.Add(new("normal", () => CudaOperations.FillNormal(stream, floats, 0f, 1f), () => OutputDigest.Sha256<float>(floats.ToArray()), count, "gvaluesPerSecond"));
    }

    private static void AddDropout(CudaContext ctx, int count, List<Case> cases, List<IDisposable> owned)
    {
        var stream = new PhiloxStream(Seed: 42);
        DeviceBuffer<float> input = Keep(owned, ctx.Allocate<float>(count));
        CudaOperations.FillNormal(stream, input, 0f, 1f);
        DeviceBuffer<float> output = Keep(owned, ctx.Allocate<float>(count));
        DeviceBuffer<uint> packed = Keep(owned, ctx.Allocate<uint>(Dropout.PackedMaskLength(count)));
        DeviceBuffer<byte> bytes = Keep(owned, ctx.Allocate<byte>(count));
        cases.Add(new("forward", () => CudaOperations.DropoutForward(input, output, 0.1, stream), () => OutputDigest.Sha256<float>(output.ToArray()), count, "gvaluesPerSecond"));
        cases.Add(new("forward+bits", () => CudaOperations.DropoutForward(input, output, 0.1, stream, packedMask: packed), () => OutputDigest.Sha256<uint>(packed.ToArray()), count, "gvaluesPerSecond"));
        cases.Add(new("forward+bytes", () => CudaOperations.DropoutForward(input, output, 0.1, stream, byteMask: bytes), () => OutputDigest.Sha256<byte>(bytes.ToArray()), count, "gvaluesPerSecond"));
        cases.Add(new("backward-regen", () => CudaOperations.DropoutBackward(input, output, 0.1, stream), () => OutputDigest.Sha256<float>(output.ToArray()), count, "gvaluesPerSecond"));
        cases.Add(new("backward-bits", () => CudaOperations.DropoutBackward(input, output, 0.1, stream, packedMask: packed), () => OutputDigest.Sha256<float>(output.ToArray()), count, "gvaluesPerSecond"));
    }

    // The CPU's training cases (RandAndDropoutBench.TrainingCases): the same names, inputs and digests.
    private static void AddTraining(CudaContext ctx, int count, List<Case> cases, List<IDisposable> owned)
    {
        var hx = new float[count];
        var hdy = new float[count];
        new PhiloxStream(Seed: 42).FillNormal(hx, 0f, 3f);
        new PhiloxStream(Seed: 43).FillNormal(hdy, 0f, 1f);
        DeviceBuffer<float> x = Keep(owned, ctx.Upload<float>(hx));
        DeviceBuffer<float> dy = Keep(owned, ctx.Upload<float>(hdy));
        DeviceBuffer<float> y = Keep(owned, ctx.Allocate<float>(count));
        DeviceBuffer<float> p = Keep(owned, ctx.Upload<float>(hx));
        DeviceBuffer<float> m = Keep(owned, ctx.Upload<float>(new float[count]));
        DeviceBuffer<float> v = Keep(owned, ctx.Upload<float>(new float[count]));
        DeviceBuffer<float>[] ps = [p], gs = [dy], ms = [m], vs = [v];
        long step = 0;
        var sgd = new SgdOptions(0.01, Momentum: 0.9, Nesterov: true);
        var adamw = AdamOptions.AdamW();
        string Fresh(Action<DeviceBuffer<float>[], DeviceBuffer<float>[], DeviceBuffer<float>[]> oneStep)
        {
            using DeviceBuffer<float> p1 = ctx.Upload<float>(hx), m1 = ctx.Upload<float>(new float[count]), v1 = ctx.Upload<float>(new float[count]);
            oneStep([p1], [m1], [v1]);
            return OutputDigest.Sha256<float>(p1.ToArray());
        }

        cases.Add(new("relu", () => CudaOperations.ActivationForward(Activation.Relu, x, y), () => OutputDigest.Sha256<float>(y.ToArray()), count, "gvaluesPerSecond"));
        cases.Add(new("gelu", () => CudaOperations.ActivationForward(Activation.Gelu, x, y), () => OutputDigest.Sha256<float>(y.ToArray()), count, "gvaluesPerSecond"));
        cases.Add(new("gelu-tanh", () => CudaOperations.ActivationForward(Activation.GeluTanh, x, y), () => OutputDigest.Sha256<float>(y.ToArray()), count, "gvaluesPerSecond"));
        cases.Add(new("gelu-backward", () => CudaOperations.ActivationBackward(Activation.Gelu, x, dy, y), () => OutputDigest.Sha256<float>(y.ToArray()), count, "gvaluesPerSecond"));
        cases.Add(new("sgd-nesterov", () => CudaOperations.SgdStep(sgd, ps, gs, ms, firstStep: false),
            () => Fresh((p1, m1, _) => CudaOperations.SgdStep(sgd, p1, gs, m1, firstStep: true)), count, "gvaluesPerSecond"));
        cases.Add(new("adamw", () => CudaOperations.AdamStep(adamw, ++step, ps, gs, ms, vs),
            () => Fresh((p1, m1, v1) => CudaOperations.AdamStep(adamw, 1, p1, gs, m1, v1)), count, "gvaluesPerSecond"));
    }

    private static void AddSample(CudaContext ctx, int[] vocabs, int[] batches, List<Case> cases, List<IDisposable> owned)
    {
        foreach (int v in vocabs)
        {
            foreach (int b in batches)
            {
                DeviceBuffer<float> logits = Keep(owned, ctx.Allocate<float>((long)v * b));
                CudaOperations.FillNormal(new PhiloxStream(2024), logits, 0f, 3f);
                DeviceBuffer<int> tokens = Keep(owned, ctx.Allocate<int>(b));
                PhiloxStream[] streams = Enumerable.Range(0, b).Select(r => new PhiloxStream(7, (ulong)r)).ToArray();
                foreach (var (name, p) in SampleBench.ParameterSets)
                {
                    SamplingParams[] ps = Enumerable.Repeat(p, b).ToArray();
                    cases.Add(new($"V{v} B{b} {name}", () => CudaOperations.Sample(logits, b, v, ps, streams, tokens),
                        () => OutputDigest.Sha256<int>(tokens.ToArray()), (double)v * b, "glogitsPerSecond"));
                }
            }
        }
    }

    private static void AddConv(CudaContext ctx, List<Case> cases, List<IDisposable> owned)
    {
        foreach (var (name, d) in ConvBench.DefaultShapes)
        {
            DeviceBuffer<float> x = Keep(owned, ctx.Allocate<float>(d.InputLength));
            DeviceBuffer<float> w = Keep(owned, ctx.Allocate<float>(d.WeightLength));
            DeviceBuffer<float> y = Keep(owned, ctx.Allocate<float>(d.OutputLength));
            CudaOperations.FillNormal(new PhiloxStream(1), x, 0f, 1f);
            CudaOperations.FillNormal(new PhiloxStream(2), w, 0f, 0.1f);
            foreach (ConvAlgorithm a in new[] { ConvAlgorithm.Auto, ConvAlgorithm.ImplicitGemm, ConvAlgorithm.Winograd2x3, ConvAlgorithm.Winograd4x3, ConvAlgorithm.Fft })
            {
                ConvAlgorithm chosen;
                try
                {
                    (chosen, _) = Conv2d.Query(d, ConvPass.Forward, a);
                }
                catch (ReproKitException)
                {
                    continue;
                }

                string label = a == ConvAlgorithm.Auto ? $"auto={Conv2dCommand.AlgorithmNames[(int)chosen]}" : Conv2dCommand.AlgorithmNames[(int)a];
                cases.Add(new($"{name} forward {label}", () => CudaOperations.Conv2dForward(d, x, w, null, y, a),
                    () => OutputDigest.Sha256<float>(y.ToArray()), d.Flops, "gflops"));
            }

            DeviceBuffer<float> dx = Keep(owned, ctx.Allocate<float>(d.InputLength));
            DeviceBuffer<float> dw = Keep(owned, ctx.Allocate<float>(d.WeightLength));
            DeviceBuffer<float> db = Keep(owned, ctx.Allocate<float>(d.K));
            cases.Add(new($"{name} backward-data direct", () => CudaOperations.Conv2dBackwardData(d, y, w, dx),
                () => OutputDigest.Sha256<float>(dx.ToArray()), d.Flops, "gflops"));
            cases.Add(new($"{name} backward-weights direct", () => CudaOperations.Conv2dBackwardWeights(d, x, y, dw, db),
                () => OutputDigest.Sha256<float>(dw.ToArray()), d.Flops, "gflops"));
        }
    }

    private static void AddLinear(CudaContext ctx, List<Case> cases, List<IDisposable> owned)
    {
        foreach (var (name, s) in LinearBench.DefaultShapes)
        {
            DeviceBuffer<float> x = Keep(owned, ctx.Allocate<float>(s.InputLength));
            DeviceBuffer<float> w = Keep(owned, ctx.Allocate<float>(s.WeightLength));
            DeviceBuffer<float> b = Keep(owned, ctx.Allocate<float>(s.OutFeatures));
            DeviceBuffer<float> y = Keep(owned, ctx.Allocate<float>(s.OutputLength));
            DeviceBuffer<float> dx = Keep(owned, ctx.Allocate<float>(s.InputLength));
            DeviceBuffer<float> dw = Keep(owned, ctx.Allocate<float>(s.WeightLength));
            DeviceBuffer<float> db = Keep(owned, ctx.Allocate<float>(s.OutFeatures));
            CudaOperations.FillNormal(new PhiloxStream(1), x, 0f, 1f);
            CudaOperations.FillNormal(new PhiloxStream(2), w, 0f, 0.05f);
            CudaOperations.FillNormal(new PhiloxStream(3), b, 0f, 0.1f);
            double flops = 2.0 * s.Batch * s.InFeatures * s.OutFeatures;
            cases.Add(new($"{name} forward", () => CudaOperations.LinearForward(s, x, w, b, y), () => OutputDigest.Sha256<float>(y.ToArray()),
                flops, "gflops"));
            cases.Add(new($"{name} backward-data", () => CudaOperations.LinearBackwardData(s, y, w, dx),
                () => OutputDigest.Sha256<float>(dx.ToArray()), flops, "gflops"));
            cases.Add(new($"{name} backward-weights", () => CudaOperations.LinearBackwardWeights(s, x, y, dw, db),
                () => OutputDigest.Sha256<float>(dw.ToArray()), flops, "gflops"));
        }
    }
}
