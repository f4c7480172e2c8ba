namespace ReproKit.Tests;

/// <summary>BatchNorm2d and LayerNorm from C#: the spec on a small case, the same bits on every backend, batch
/// invariance of LayerNorm, bad arguments named; the device path.</summary>
public class NormalizationTests
{
    private static float[] Normal(long n, ulong seed)
    {
        var v = new float[n];
        new PhiloxStream(seed).FillNormal(v);
        return v;
    }

    [Test]
    public void ASmallBatchNormIsTheSpecsFormulas()
    {
        var s = new BatchNorm2dShape(1, 1, 2, 2);
        float[] x = [1f, 2f, 3f, 4f], y = new float[4], mean = new float[1], invstd = new float[1], rm = [0f], rv = [1f];
        BatchNorm2d.ForwardTraining(s, x, [], [], y, mean, invstd, rm, rv);
        Assert.That(mean[0], Is.EqualTo(2.5f));
        float expectedInvStd = 1f / MathF.Sqrt(5f / 4f + 1e-5f); // sum of squares 2.25 + 0.25 + 0.25 + 2.25 = 5, exact
        Assert.That(invstd[0], Is.EqualTo(expectedInvStd));
        Assert.That(y, Is.EqualTo(x.Select(v => MathF.FusedMultiplyAdd(v - 2.5f, expectedInvStd, 0f)).ToArray()).AsCollection);
        float k = (float)(1.0 - (double)0.1f);
        Assert.That(rm[0], Is.EqualTo(MathF.FusedMultiplyAdd(0.1f, 2.5f, k * 0f)));
        Assert.That(rv[0], Is.EqualTo(MathF.FusedMultiplyAdd(0.1f, 5f / 3f, k * 1f)));
    }

    [Test]
    public void EveryBackendGivesTheSameBits()
    {
        var s = new BatchNorm2dShape(3, 5, 23, 29); // 2,001 positions per channel: a chunk and a tail
        float[] x = Normal(s.Length, 1), dy = Normal(s.Length, 2), g = Normal(s.C, 3), b = Normal(s.C, 4);
        byte[]? reference = null;
        foreach (var (isa, threads) in TestData.Backends())
        {
            using var c = new CpuContext(new CpuContextOptions(isa, threads));
            float[] y = new float[s.Length], m = new float[s.C], i = new float[s.C], rm = new float[s.C], rv = new float[s.C];
            float[] dx = new float[s.Length], dg = new float[s.C], db = new float[s.C], ly = new float[s.Length];
            float[] lm = new float[15], li = new float[15], ldx = new float[s.Length], lg = new float[s.Length / 15];
            BatchNorm2d.ForwardTraining(s, x, g, b, y, m, i, rm, rv, context: c);
            BatchNorm2d.BackwardTraining(s, x, dy, g, m, i, dx, dg, db, c);
            LayerNorm.Forward(15, (int)(s.Length / 15), x, [], [], ly, lm, li, context: c);
            LayerNorm.Backward(15, (int)(s.Length / 15), x, dy, [], lm, li, ldx, lg, [], c);
            byte[] all = [.. new[] { y, m, i, rm, rv, dx, dg, db, ly, lm, li, ldx, lg }.SelectMany(a => a.SelectMany(BitConverter.GetBytes))];
            reference ??= all;
            Assert.That(all, Is.EqualTo(reference), $"{isa} x{threads}");
        }
    }

    [Test]
    public void ALayerNormRowDoesNotDependOnItsBatch()
    {
        const int rows = 20, features = 77;
        float[] x = Normal(rows * features, 5), g = Normal(features, 6), y = new float[rows * features];
        LayerNorm.Forward(rows, features, x, g, g, y, new float[rows], new float[rows]);
        foreach (int row in new[] { 0, 9, 19 })
        {
            var y1 = new float[features];
            LayerNorm.Forward(1, features, x.AsSpan(row * features, features), g, g, y1, new float[1], new float[1]);
            Assert.That(y1, Is.EqualTo(y.AsSpan(row * features, features).ToArray()).AsCollection, $"row {row}");
        }
    }

    [Test]
    public void BadArgumentsNameTheParameter()
    {
        var s = new BatchNorm2dShape(2, 3, 2, 2);
        float[] x = new float[24], y = new float[24], m = new float[3], i = new float[3], r = new float[3];
        string Name(TestDelegate d) => Assert.Catch<ArgumentException>(d)!.ParamName!;
        Assert.That(Name(() => BatchNorm2d.ForwardTraining(new BatchNorm2dShape(2, 0, 2, 2), x, [], [], y, m, i, [], [])), Is.EqualTo("shape"));
        Assert.That(Name(() => BatchNorm2d.ForwardTraining(s, new float[23], [], [], y, m, i, [], [])), Is.EqualTo("x"));
        Assert.That(Name(() => BatchNorm2d.ForwardTraining(s, x, new float[2], [], y, m, i, [], [])), Is.EqualTo("gamma"));
        Assert.That(Name(() => BatchNorm2d.ForwardTraining(s, x, [], [], y, new float[2], i, [], [])), Is.EqualTo("saveMean"));
        Assert.That(Name(() => BatchNorm2d.ForwardTraining(s, x, [], [], y, m, i, r, [])), Is.EqualTo("runningVar"));
        Assert.That(Name(() => BatchNorm2d.ForwardTraining(s, x, [], [], y, m, i, [], [], eps: float.NaN)), Is.EqualTo("eps"));
        Assert.That(Name(() => BatchNorm2d.ForwardTraining(s, x, [], [], y, m, i, [], [], momentum: 2f)), Is.EqualTo("momentum"));
        Assert.That(Name(() => BatchNorm2d.ForwardTraining(new BatchNorm2dShape(1, 3, 1, 1), new float[3], [], [], new float[3], m, i, [], [])),
                    Is.EqualTo("shape"));
        Assert.That(Name(() => BatchNorm2d.ForwardTraining(s, x, [], [], x, m, i, [], [])), Is.EqualTo("y"));
        Assert.That(Name(() => BatchNorm2d.BackwardTraining(s, x, x, [], m, i, y, new float[1], [])), Is.EqualTo("dGamma"));
        Assert.That(Name(() => BatchNorm2d.BackwardInference(s, x, [], r, y, eps: -1f)), Is.EqualTo("eps"));
        Assert.That(Name(() => LayerNorm.Forward(0, 8, x, [], [], y, m, i)), Is.EqualTo("rows"));
        Assert.That(Name(() => LayerNorm.Forward(3, 8, x, [], [], y, m, new float[2])), Is.EqualTo("saveInvStd"));
        Assert.That(Name(() => LayerNorm.Backward(3, 8, x, y, [], m, i, y, [], [])), Is.EqualTo("dx"));
    }
}

/// <summary>BatchNorm2d and LayerNorm on device buffers: the CPU's bits (the emulated GPU in CI).</summary>
[Category("Gpu")]
public class NormalizationCudaTests
{
    [Test]
    public void EveryPassMatchesTheCpu()
    {
        if (CudaDevices.Count(out string reason) == 0)
        {
            Assert.Ignore($"No CUDA device: {reason}");
        }

        using var cuda = new CudaContext(0);
        var s = new BatchNorm2dShape(2, 3, 33, 35); // 2,310 positions per channel: two chunks
        var x = new float[s.Length];
        var dy = new float[s.Length];
        var g = new float[s.C];
        new PhiloxStream(9).FillNormal(x);
        new PhiloxStream(10).FillNormal(dy);
        new PhiloxStream(11).FillNormal(g);
        float[] y = new float[s.Length], m = new float[s.C], i = new float[s.C], rm = new float[s.C], rv = [1f, 1f, 1f];
        float[] dx = new float[s.Length], dg = new float[s.C], db = new float[s.C];
        using DeviceBuffer<float> gx = cuda.Upload<float>(x), gdy = cuda.Upload<float>(dy), gg = cuda.Upload<float>(g);
        using DeviceBuffer<float> grm = cuda.Upload<float>(rm), grv = cuda.Upload<float>(rv);
        BatchNorm2d.ForwardTraining(s, x, g, g, y, m, i, rm, rv);
        BatchNorm2d.BackwardTraining(s, x, dy, g, m, i, dx, dg, db);
        using DeviceBuffer<float> gy = cuda.Allocate<float>(s.Length), gm = cuda.Allocate<float>(s.C), gi = cuda.Allocate<float>(s.C);
        using DeviceBuffer<float> gdx = cuda.Allocate<float>(s.Length), gdg = cuda.Allocate<float>(s.C), gdb = cuda.Allocate<float>(s.C);
        CudaOperations.BatchNorm2dForwardTraining(s, gx, gg, gg, gy, gm, gi, grm, grv);
        CudaOperations.BatchNorm2dBackwardTraining(s, gx, gdy, gg, gm, gi, gdx, gdg, gdb);
        Assert.That(gy.ToArray(), Is.EqualTo(y).AsCollection);
        Assert.That(gm.ToArray(), Is.EqualTo(m).AsCollection);
        Assert.That(grv.ToArray(), Is.EqualTo(rv).AsCollection);
        Assert.That(gdx.ToArray(), Is.EqualTo(dx).AsCollection);
        Assert.That(gdg.ToArray(), Is.EqualTo(dg).AsCollection);
        Assert.That(gdb.ToArray(), Is.EqualTo(db).AsCollection);

        // Evaluation passes, from the running statistics just updated (on both sides).
        float[] ey = new float[s.Length], edx = new float[s.Length];
        BatchNorm2d.ForwardInference(s, x, g, g, rm, rv, ey);
        BatchNorm2d.BackwardInference(s, dy, g, rv, edx);
        using DeviceBuffer<float> gey = cuda.Allocate<float>(s.Length), gedx = cuda.Allocate<float>(s.Length);
        CudaOperations.BatchNorm2dForwardInference(s, gx, gg, gg, grm, grv, gey);
        CudaOperations.BatchNorm2dBackwardInference(s, gdy, gg, grv, gedx);
        Assert.That(gey.ToArray(), Is.EqualTo(ey).AsCollection);
        Assert.That(gedx.ToArray(), Is.EqualTo(edx).AsCollection);

        const int rows = 6, features = 2 * 33 * 35 / 2; // 6 x 1,155
        float[] ly = new float[s.Length], lm = new float[rows], li = new float[rows], ldx = new float[s.Length], ldg = new float[features];
        LayerNorm.Forward(rows, features, x, [], [], ly, lm, li);
        LayerNorm.Backward(rows, features, x, dy, [], lm, li, ldx, ldg, []);
        using DeviceBuffer<float> gly = cuda.Allocate<float>(s.Length), glm = cuda.Allocate<float>(rows), gli = cuda.Allocate<float>(rows);
        using DeviceBuffer<float> gldx = cuda.Allocate<float>(s.Length), gldg = cuda.Allocate<float>(features);
        CudaOperations.LayerNormForward(rows, features, gx, null, null, gly, glm, gli);
        CudaOperations.LayerNormBackward(rows, features, gx, gdy, null, glm, gli, gldx, gldg);
        Assert.That(gly.ToArray(), Is.EqualTo(ly).AsCollection);
        Assert.That(gldx.ToArray(), Is.EqualTo(ldx).AsCollection);
        Assert.That(gldg.ToArray(), Is.EqualTo(ldg).AsCollection);
    }
}
