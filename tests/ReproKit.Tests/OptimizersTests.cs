namespace ReproKit.Tests;

/// <summary>Optimizers from C#: the same bits on every backend, checkpoints continue exactly, PyTorch's update, bad arguments; the device path.</summary>
public class OptimizersTests
{
    private static float[] Normal(int n, ulong seed)
    {
        var v = new float[n];
        new PhiloxStream(seed).FillNormal(v);
        return v;
    }

    private static readonly SgdOptions Sgd = new(0.05, Momentum: 0.9, Dampening: 0.1, WeightDecay: 1e-3);
    private static readonly SgdOptions Nesterov = new(0.05, Momentum: 0.9, WeightDecay: 1e-3, Nesterov: true, Maximize: true);

    // Steps `steps` updates of p from its state, gradients from seeds 100 + t.
    private static void RunSgd(SgdOptions o, float[] p, float[] b, int from, int steps, CpuContext? c = null)
    {
        for (int t = from; t < from + steps; t++)
        {
            Optimizers.SgdStep(o, p, Normal(p.Length, 100 + (ulong)t), b, firstStep: t == 0, c);
        }
    }

    private static void RunAdam(AdamOptions o, float[] p, float[] m, float[] v, int from, int steps, CpuContext? c = null)
    {
        for (int t = from; t < from + steps; t++)
        {
            Optimizers.AdamStep(o, t + 1, p, Normal(p.Length, 200 + (ulong)t), m, v, c);
        }
    }

    [Test]
    public void EveryOptimizerGivesTheSameBitsOnEveryBackend()
    {
        const int n = 70_001;
        float[] p0 = Normal(n, 1);
        var runs = new (string Name, Func<CpuContext, float[][]> Run)[]
        {
            ("sgd", c => { float[] p = [.. p0], b = new float[n]; RunSgd(Sgd, p, b, 0, 3, c); return [p, b]; }),
            ("nesterov", c => { float[] p = [.. p0], b = new float[n]; RunSgd(Nesterov, p, b, 0, 3, c); return [p, b]; }),
            ("adam", c => { float[] p = [.. p0], m = new float[n], v = new float[n]; RunAdam(new AdamOptions(WeightDecay: 0.01), p, m, v, 0, 3, c); return [p, m, v]; }),
            ("adamw", c => { float[] p = [.. p0], m = new float[n], v = new float[n]; RunAdam(AdamOptions.AdamW(), p, m, v, 0, 3, c); return [p, m, v]; }),
        };
        foreach (var (name, run) in runs)
        {
            float[][] reference;
            using (var scalar = new CpuContext(new CpuContextOptions(CpuIsa.Scalar, 1)))
            {
                reference = run(scalar);
            }

            foreach (var (isa, threads) in TestData.Backends())
            {
                using var c = new CpuContext(new CpuContextOptions(isa, threads));
                float[][] got = run(c);
                for (int k = 0; k < got.Length; k++)
                {
                    Assert.That(got[k], Is.EqualTo(reference[k]).AsCollection, $"{name} array {k}, {isa} x{threads}");
                }
            }
        }
    }

    [Test]
    public void ACheckpointedStateContinuesBitForBit()
    {
        float[] p = Normal(1001, 2), m = new float[1001], v = new float[1001];
        float[] p2 = [.. p], m2 = [.. m], v2 = [.. v];
        RunAdam(AdamOptions.AdamW(), p, m, v, 0, 6);
        RunAdam(AdamOptions.AdamW(), p2, m2, v2, 0, 3);
        // "Save" and "restore": fresh copies of p, m, v; the step number is the caller's.
        float[] p3 = [.. p2], m3 = [.. m2], v3 = [.. v2];
        RunAdam(AdamOptions.AdamW(), p3, m3, v3, 3, 3);
        Assert.That(p3, Is.EqualTo(p).AsCollection);
        Assert.That(m3, Is.EqualTo(m).AsCollection);
        Assert.That(v3, Is.EqualTo(v).AsCollection);
    }

    [Test]
    public void SgdIsPyTorchsUpdate()
    {
        // Momentum 0.9, no dampening: b1 = g1, p1 = p0 - lr b1; b2 = 0.9 b1 + g2, p2 = p1 - lr b2 (exact in float for these values).
        float[] p = [1f, -2f], b = new float[2];
        var o = new SgdOptions(0.5, Momentum: 0.5);
        Optimizers.SgdStep(o, p, [2f, 4f], b, firstStep: true);
        Assert.That(p, Is.EqualTo(new[] { 0f, -4f }));
        Assert.That(b, Is.EqualTo(new[] { 2f, 4f }));
        Optimizers.SgdStep(o, p, [2f, 4f], b, firstStep: false);
        Assert.That(b, Is.EqualTo(new[] { 3f, 6f }));
        Assert.That(p, Is.EqualTo(new[] { -1.5f, -7f }));
        // Without momentum the buffer may be empty.
        Optimizers.SgdStep(new SgdOptions(1.0), p, [1f, 1f], [], firstStep: false);
        Assert.That(p, Is.EqualTo(new[] { -2.5f, -8f }));
    }

    [Test]
    public void AdamsFirstStepMovesEachParameterByTheLearningRate()
    {
        // Step 1: m = 0.1 g, v = 0.001 g^2; m / (1 - 0.9) / (sqrt(v / (1 - 0.999)) + eps) = sign(g) (up to eps).
        float[] p = [0f, 0f, 0f], m = new float[3], v = new float[3];
        Optimizers.AdamStep(new AdamOptions(LearningRate: 0.01, Epsilon: 0), 1, p, [3f, -0.5f, 100f], m, v);
        Assert.That(p, Is.EqualTo(new[] { -0.01f, 0.01f, -0.01f }).Within(1e-8));
    }

    [Test]
    public void NonFiniteStateIsNamedAndNothingIsUpdated()
    {
        float[] p = Normal(100, 3), g = Normal(100, 4), m = new float[100], v = new float[100];
        v[42] = float.NaN;
        float[] before = [.. p];
        ArgumentException e = ParamNameTests.Names("expAvgSq", () => Optimizers.AdamStep(new AdamOptions(), 2, p, g, m, v));
        Assert.That(e.Message, Does.Contain("exp_avg_sq[0][42] is NaN"));
        Assert.That(p, Is.EqualTo(before).AsCollection);
        float[] b = new float[100];
        b[7] = float.PositiveInfinity;
        e = ParamNameTests.Names("momentumBuffer", () => Optimizers.SgdStep(Sgd, p, g, b, firstStep: false));
        Assert.That(e.Message, Does.Contain("momentum_buffers[0][7] is +Inf"));
        // The first step does not read the buffer.
        Assert.That(() => Optimizers.SgdStep(Sgd, p, g, b, firstStep: true), Throws.Nothing);
    }

    [Test]
    public void BadArgumentsNameTheParameter()
    {
        float[] p = new float[8], g = new float[8], m = new float[8], v = new float[8];
        ParamNameTests.Names("grad", () => Optimizers.SgdStep(Sgd, p, g.AsSpan(1), m, firstStep: true));
        ParamNameTests.Names("momentumBuffer", () => Optimizers.SgdStep(Sgd, p, g, m.AsSpan(1), firstStep: true));
        ParamNameTests.Names("options", () => Optimizers.SgdStep(Sgd with { LearningRate = -1 }, p, g, m, firstStep: true));
        ParamNameTests.Names("options", () => Optimizers.SgdStep(Sgd with { Nesterov = true }, p, g, m, firstStep: true));
        ParamNameTests.Names("options", () => Optimizers.AdamStep(new AdamOptions(Beta1: 1.0), 1, p, g, m, v));
        ParamNameTests.Names("options", () => Optimizers.AdamStep(new AdamOptions(Epsilon: double.NaN), 1, p, g, m, v));
        ParamNameTests.Names("options", () => Optimizers.AdamStep(new AdamOptions(LearningRate: 1e300), 1, p, g, m, v));
        ParamNameTests.Names("options", () => Optimizers.AdamStep(null!, 1, p, g, m, v));
        ParamNameTests.Names("step", () => Optimizers.AdamStep(new AdamOptions(), 0, p, g, m, v));
        ParamNameTests.Names("expAvg", () => Optimizers.AdamStep(new AdamOptions(), 1, p, g, m.AsSpan(1), v));
        ParamNameTests.Names("expAvgSq", () => Optimizers.AdamStep(new AdamOptions(), 1, p, g, m, v.AsSpan(1)));
        // Overlaps are checked natively and reported on a written buffer.
        float[] big = new float[32];
        ParamNameTests.Names("param", () => Optimizers.AdamStep(new AdamOptions(), 1, big.AsSpan(0, 8), g, big.AsSpan(4, 8), v));
    }
}

/// <summary>Optimizers on the CUDA device (the emulated one in CI): several tensors per call, the CPU's bits.</summary>
[Category("Gpu")]
public class OptimizersCudaTests
{
    [Test]
    public void SgdAndAdamOverSeveralTensorsMatchTheCpu()
    {
        if (CudaDevices.Count(out string reason) == 0)
        {
            Assert.Ignore($"No CUDA device: {reason}");
        }

        using var cuda = new CudaContext(0);
        int[] sizes = [4097, 33];
        var p = sizes.Select((n, i) => Normal(n, 10 + (ulong)i)).ToArray();
        var g = sizes.Select((n, i) => Normal(n, 20 + (ulong)i)).ToArray();
        var m = sizes.Select(n => new float[n]).ToArray();
        var v = sizes.Select(n => new float[n]).ToArray();
        var gp = p.Select(a => cuda.Upload<float>(a)).ToList();
        var gg = g.Select(a => cuda.Upload<float>(a)).ToList();
        var gm = m.Select(a => cuda.Upload<float>(a)).ToList();
        var gv = v.Select(a => cuda.Upload<float>(a)).ToList();
        try
        {
            var sgd = new SgdOptions(0.05, Momentum: 0.9, Nesterov: true);
            for (int t = 0; t < 2; t++)
            {
                CudaOperations.SgdStep(sgd, gp, gg, gm, firstStep: t == 0);
                for (int i = 0; i < sizes.Length; i++)
                {
                    Optimizers.SgdStep(sgd, p[i], g[i], m[i], firstStep: t == 0);
                }
            }

            var adam = AdamOptions.AdamW();
            for (int t = 1; t <= 2; t++)
            {
                CudaOperations.AdamStep(adam, t, gp, gg, gm, gv);
                for (int i = 0; i < sizes.Length; i++)
                {
                    Optimizers.AdamStep(adam, t, p[i], g[i], m[i], v[i]);
                }
            }

            for (int i = 0; i < sizes.Length; i++)
            {
                Assert.That(gp[i].ToArray(), Is.EqualTo(p[i]).AsCollection, $"param {i}");
                Assert.That(gm[i].ToArray(), Is.EqualTo(m[i]).AsCollection, $"exp_avg {i}");
                Assert.That(gv[i].ToArray(), Is.EqualTo(v[i]).AsCollection, $"exp_avg_sq {i}");
            }

            ParamNameTests.Names("gradients", () => CudaOperations.AdamStep(adam, 3, gp, gg.Take(1).ToList(), gm, gv));
            ParamNameTests.Names("step", () => CudaOperations.AdamStep(adam, 0, gp, gg, gm, gv));
        }
        finally
        {
            foreach (var b in gp.Concat(gg).Concat(gm).Concat(gv))
            {
                b.Dispose();
            }
        }
    }

    private static float[] Normal(int n, ulong seed)
    {
        var v = new float[n];
        new PhiloxStream(seed).FillNormal(v);
        return v;
    }
}
