namespace ReproKit.Tests;

/// <summary>Cross-entropy from C#: the same bits on every backend, PyTorch's semantics, batch invariance, bad arguments.</summary>
public class LossTests
{
    private static float[] Normal(long n, ulong seed, float stddev = 1f)
    {
        var v = new float[n];
        new PhiloxStream(seed).FillNormal(v, 0f, stddev);
        return v;
    }

    private static long[] Targets(int rows, int classes)
    {
        var t = new long[rows];
        for (int r = 0; r < rows; r++)
        {
            t[r] = r % 4 == 2 ? Loss.DefaultIgnoreIndex : (r * 37L) % classes;
        }

        return t;
    }

    [Test]
    public void EveryReductionGivesTheSameBitsOnEveryBackend()
    {
        const int rows = 37, classes = 2100;
        float[] x = Normal((long)rows * classes, 1, 3f), dl = Normal(rows, 2);
        long[] t = Targets(rows, classes);
        foreach (LossReduction reduction in Enum.GetValues<LossReduction>())
        {
            foreach (float eps in new[] { 0f, 0.1f })
            {
                var loss = new float[Loss.OutputLength(rows, reduction)];
                var dx = new float[x.Length];
                Loss.CrossEntropy(x, t, classes, loss, reduction, labelSmoothing: eps, context: null);
                Loss.CrossEntropyBackward(x, t, classes, dl.AsSpan(0, loss.Length), dx, reduction, labelSmoothing: eps);
                foreach (var (isa, threads) in TestData.Backends())
                {
                    using var c = new CpuContext(new CpuContextOptions(isa, threads));
                    var l2 = new float[loss.Length];
                    var dx2 = new float[x.Length];
                    Loss.CrossEntropy(x, t, classes, l2, reduction, labelSmoothing: eps, context: c);
                    Loss.CrossEntropyBackward(x, t, classes, dl.AsSpan(0, loss.Length), dx2, reduction, labelSmoothing: eps, context: c);
                    string where = $"{reduction} eps {eps} {isa} x{threads}";
                    Assert.That(l2, Is.EqualTo(loss).AsCollection, where + " forward");
                    Assert.That(dx2, Is.EqualTo(dx).AsCollection, where + " backward");
                }
            }
        }
    }

    [Test]
    public void FollowsPyTorchsDefinition()
    {
        float[] x = [1f, 2f, 3f, 0f, 0f, 0f];
        long[] t = [2, Loss.DefaultIgnoreIndex];
        var rows = new float[2];
        Loss.CrossEntropy(x, t, 3, rows, LossReduction.None);
        double lse = Math.Log(Math.Exp(1) + Math.Exp(2) + Math.Exp(3));
        Assert.That(rows[0], Is.EqualTo(lse - 3).Within(1e-6));
        Assert.That(BitConverter.SingleToInt32Bits(rows[1]), Is.Zero, "an ignored row's loss is +0");
        var mean = new float[1];
        Loss.CrossEntropy(x, t, 3, mean);
        Assert.That(mean[0], Is.EqualTo(rows[0]), "the mean counts the rows that are not ignored");
        Loss.CrossEntropy(x, [Loss.DefaultIgnoreIndex, Loss.DefaultIgnoreIndex], 3, mean);
        Assert.That(float.IsNaN(mean[0]), "every row ignored: NaN, as PyTorch");
        var dx = new float[6];
        Loss.CrossEntropyBackward(x, t, 3, [1f], dx, LossReduction.Sum);
        double s = Math.Exp(1) + Math.Exp(2) + Math.Exp(3);
        Assert.That(dx[0], Is.EqualTo(Math.Exp(1) / s).Within(1e-6));
        Assert.That(dx[2], Is.EqualTo(Math.Exp(3) / s - 1).Within(1e-6));
        Assert.That(dx[3..], Is.All.EqualTo(0f));
    }

    [Test]
    public void ARowDoesNotDependOnItsBatch()
    {
        const int rows = 50, classes = 301;
        float[] x = Normal((long)rows * classes, 3);
        long[] t = Targets(rows, classes);
        var all = new float[rows];
        Loss.CrossEntropy(x, t, classes, all, LossReduction.None, labelSmoothing: 0.2f);
        foreach (int row in new[] { 0, 17, 49 })
        {
            var one = new float[1];
            Loss.CrossEntropy(x.AsSpan(row * classes, classes), t.AsSpan(row, 1), classes, one, LossReduction.None, labelSmoothing: 0.2f);
            Assert.That(BitConverter.SingleToInt32Bits(one[0]), Is.EqualTo(BitConverter.SingleToInt32Bits(all[row])), $"row {row}");
        }
    }

    [Test]
    public void BadArgumentsNameTheParameter()
    {
        float[] x = new float[12], loss = new float[4], dx = new float[12];
        long[] t = [0, 1, 2, 1];
        Assert.That(() => Loss.CrossEntropy(x.AsSpan(1), t, 3, loss, LossReduction.None), Throws.ArgumentException.With.Property("ParamName").EqualTo("logits"));
        Assert.That(() => Loss.CrossEntropy(x, t, 0, loss), Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("classes"));
        Assert.That(() => Loss.CrossEntropy(x, t, 3, loss), Throws.ArgumentException.With.Property("ParamName").EqualTo("loss"));
        Assert.That(() => Loss.CrossEntropy(x, t, 3, loss, (LossReduction)7),
            Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("reduction"));
        Assert.That(() => Loss.CrossEntropy(x, t, 3, loss, LossReduction.None, labelSmoothing: 1.5f),
            Throws.ArgumentException.With.Property("ParamName").EqualTo("labelSmoothing"));
        long[] bad = [0, 3, 2, 1];
        var e = Assert.Throws<ArgumentException>(() => Loss.CrossEntropy(x, bad, 3, loss, LossReduction.None))!;
        Assert.That(e.ParamName, Is.EqualTo("targets"));
        Assert.That(e.Message, Does.Contain("row 1: targets[1] is 3, which is outside [0, 3)"));
        Assert.That(() => Loss.CrossEntropyBackward(x, t, 3, [1f, 2f], dx), Throws.ArgumentException.With.Property("ParamName").EqualTo("dLoss"));
        Assert.That(() => Loss.CrossEntropyBackward(x, t, 3, [1f], dx.AsSpan(1)), Throws.ArgumentException.With.Property("ParamName").EqualTo("dLogits"));
        // Overlap is checked natively and reported on the written buffer.
        Assert.That(() => Loss.CrossEntropyBackward(x, t, 3, [1f], x), Throws.ArgumentException.With.Property("ParamName").EqualTo("dLogits"));
    }
}

/// <summary>Cross-entropy on the CUDA device (the emulated one in CI): the CPU's bits; a bad target named by its row.</summary>
[Category("Gpu")]
public class LossCudaTests
{
    [Test]
    public void EveryReductionMatchesTheCpu()
    {
        if (CudaDevices.Count(out string reason) == 0)
        {
            Assert.Ignore($"No CUDA device: {reason}");
        }

        using var cuda = new CudaContext(0);
        const int rows = 13, classes = 2085;
        var x = new float[rows * classes];
        new PhiloxStream(21).FillNormal(x, 0f, 2f);
        var t = new long[rows];
        for (int r = 0; r < rows; r++)
        {
            t[r] = r == 5 ? Loss.DefaultIgnoreIndex : r * 101L % classes;
        }

        var dl = new float[rows];
        new PhiloxStream(22).FillNormal(dl);
        using DeviceBuffer<float> gx = cuda.Upload<float>(x), gdl = cuda.Upload<float>(dl);
        using DeviceBuffer<long> gt = cuda.Upload<long>(t);
        using DeviceBuffer<float> gl = cuda.Allocate<float>(rows), gdx = cuda.Allocate<float>(x.Length);
        foreach (LossReduction reduction in Enum.GetValues<LossReduction>())
        {
            long outs = Loss.OutputLength(rows, reduction);
            var loss = new float[outs];
            var dx = new float[x.Length];
            Loss.CrossEntropy(x, t, classes, loss, reduction, labelSmoothing: 0.1f);
            Loss.CrossEntropyBackward(x, t, classes, dl.AsSpan(0, (int)outs), dx, reduction, labelSmoothing: 0.1f);
            using DeviceBuffer<float> l = cuda.Allocate<float>(outs);
            using DeviceBuffer<float> d = cuda.Upload<float>(dl.AsSpan(0, (int)outs));
            CudaOperations.CrossEntropy(gx, gt, classes, l, reduction, labelSmoothing: 0.1f);
            CudaOperations.CrossEntropyBackward(gx, gt, classes, d, gdx, reduction, labelSmoothing: 0.1f);
            Assert.That(l.ToArray(), Is.EqualTo(loss).AsCollection, $"{reduction} forward");
            Assert.That(gdx.ToArray(), Is.EqualTo(dx).AsCollection, $"{reduction} backward");
        }

        t[7] = classes;
        using DeviceBuffer<long> bad = cuda.Upload<long>(t);
        var e = Assert.Throws<ArgumentException>(() => CudaOperations.CrossEntropy(gx, bad, classes, gl, LossReduction.None))!;
        Assert.That(e.ParamName, Is.EqualTo("targets"));
        Assert.That(e.Message, Does.Contain("row 7: targets[7] is 2085"));
    }
}
