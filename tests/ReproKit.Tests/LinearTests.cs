namespace ReproKit.Tests;

/// <summary>Linear from C#: conv2d 1×1's bits on every backend, batch invariance, bad arguments; the device path.</summary>
public class LinearTests
{
    private static float[] Normal(long n, ulong seed)
    {
        var v = new float[n];
        new PhiloxStream(seed).FillNormal(v);
        return v;
    }

    private static Conv2dDescriptor AsConv(LinearShape s) => Conv2dDescriptor.Square(s.Batch, s.InFeatures, 1, 1, s.OutFeatures, 1);

    [Test]
    public void EveryPassEqualsConv2d1x1OnEveryBackend()
    {
        var s = new LinearShape(259, 19, 13);
        float[] x = Normal(s.InputLength, 1), w = Normal(s.WeightLength, 2), b = Normal(s.OutFeatures, 3), dy = Normal(s.OutputLength, 4);
        Conv2dDescriptor d = AsConv(s);
        float[] cy = new float[s.OutputLength], cdx = new float[s.InputLength], cdw = new float[s.WeightLength], cdb = new float[s.OutFeatures];
        Conv2d.Forward(d, x, w, b, cy, ConvAlgorithm.Direct);
        Conv2d.BackwardData(d, dy, w, cdx);
        Conv2d.BackwardWeights(d, x, dy, cdw, cdb);
        foreach (var (isa, threads) in TestData.Backends())
        {
            using var c = new CpuContext(new CpuContextOptions(isa, threads));
            float[] y = new float[s.OutputLength], dx = new float[s.InputLength], dw = new float[s.WeightLength], db = new float[s.OutFeatures];
            Linear.Forward(s, x, w, b, y, c);
            Linear.BackwardData(s, dy, w, dx, c);
            Linear.BackwardWeights(s, x, dy, dw, db, c);
            string where = $"{isa} x{threads}";
            Assert.That(y, Is.EqualTo(cy).AsCollection, where + " forward");
            Assert.That(dx, Is.EqualTo(cdx).AsCollection, where + " backward data");
            Assert.That(dw, Is.EqualTo(cdw).AsCollection, where + " backward weights");
            Assert.That(db, Is.EqualTo(cdb).AsCollection, where + " bias gradient");
        }
    }

    [Test]
    public void ARowDoesNotDependOnItsBatch()
    {
        var s = new LinearShape(40, 33, 21);
        float[] x = Normal(s.InputLength, 5), w = Normal(s.WeightLength, 6), b = Normal(s.OutFeatures, 7);
        var y = new float[s.OutputLength];
        Linear.Forward(s, x, w, b, y);
        var one = new LinearShape(1, s.InFeatures, s.OutFeatures);
        foreach (int row in new[] { 0, 17, 39 })
        {
            var y1 = new float[s.OutFeatures];
            Linear.Forward(one, x.AsSpan(row * s.InFeatures, s.InFeatures), w, b, y1);
            Assert.That(y1, Is.EqualTo(y.AsSpan(row * s.OutFeatures, s.OutFeatures).ToArray()).AsCollection, $"row {row}");
        }
    }

    [Test]
    public void BadArgumentsNameTheParameter()
    {
        var s = new LinearShape(4, 3, 2);
        float[] x = new float[12], w = new float[6], y = new float[8];
        Assert.That(() => Linear.Forward(s, x.AsSpan(1), w, [], y), Throws.ArgumentException.With.Property("ParamName").EqualTo("x"));
        Assert.That(() => Linear.Forward(s, x, w, new float[3], y), Throws.ArgumentException.With.Property("ParamName").EqualTo("bias"));
        Assert.That(() => Linear.Forward(s, x, w.AsSpan(1), [], y), Throws.ArgumentException.With.Property("ParamName").EqualTo("weight"));
        Assert.That(() => Linear.Forward(s, x, w, [], y.AsSpan(2)), Throws.ArgumentException.With.Property("ParamName").EqualTo("y"));
        Assert.That(() => Linear.Forward(s with { Batch = 0 }, [], w, [], []),
            Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("shape"));
        Assert.That(() => Linear.BackwardData(s, y, w, x.AsSpan(0, 11)), Throws.ArgumentException.With.Property("ParamName").EqualTo("dx"));
        Assert.That(() => Linear.BackwardWeights(s, x, y, w, new float[1]), Throws.ArgumentException.With.Property("ParamName").EqualTo("dBias"));
        // Overlap is checked natively and reported on the written buffer.
        float[] big = new float[64];
        Assert.That(() => Linear.Forward(s, big.AsSpan(0, 12), w, [], big.AsSpan(4, 8)),
            Throws.ArgumentException.With.Property("ParamName").EqualTo("y"));
    }
}

/// <summary>Linear on the CUDA device (the emulated one in CI): the CPU's bits.</summary>
[Category("Gpu")]
public class LinearCudaTests
{
    [Test]
    public void EveryPassMatchesTheCpu()
    {
        if (CudaDevices.Count(out string reason) == 0)
        {
            Assert.Ignore($"No CUDA device: {reason}");
        }

        using var cuda = new CudaContext(0);
        var s = new LinearShape(35, 17, 9);
        var x = new float[s.InputLength];
        var w = new float[s.WeightLength];
        var b = new float[s.OutFeatures];
        var dy = new float[s.OutputLength];
        new PhiloxStream(9).FillNormal(x);
        new PhiloxStream(10).FillNormal(w);
        new PhiloxStream(11).FillNormal(b);
        new PhiloxStream(12).FillNormal(dy);
        float[] y = new float[s.OutputLength], dx = new float[s.InputLength], dw = new float[s.WeightLength], db = new float[s.OutFeatures];
        Linear.Forward(s, x, w, b, y);
        Linear.BackwardData(s, dy, w, dx);
        Linear.BackwardWeights(s, x, dy, dw, db);
        using DeviceBuffer<float> gx = cuda.Upload<float>(x), gw = cuda.Upload<float>(w), gb = cuda.Upload<float>(b), gdy = cuda.Upload<float>(dy);
        using DeviceBuffer<float> gy = cuda.Allocate<float>(s.OutputLength), gdx = cuda.Allocate<float>(s.InputLength);
        using DeviceBuffer<float> gdw = cuda.Allocate<float>(s.WeightLength), gdb = cuda.Allocate<float>(s.OutFeatures);
        CudaOperations.LinearForward(s, gx, gw, gb, gy);
        CudaOperations.LinearBackwardData(s, gdy, gw, gdx);
        CudaOperations.LinearBackwardWeights(s, gx, gdy, gdw, gdb);
        Assert.That(gy.ToArray(), Is.EqualTo(y).AsCollection);
        Assert.That(gdx.ToArray(), Is.EqualTo(dx).AsCollection);
        Assert.That(gdw.ToArray(), Is.EqualTo(dw).AsCollection);
        Assert.That(gdb.ToArray(), Is.EqualTo(db).AsCollection);
    }
}

/// <summary><c>reprokit linear</c>: the library's bits in .npy files, every pass, a replayable manifest, clear errors.</summary>
public class LinearCliTests
{
    [Test]
    public void EveryPassWritesTheLibrarysBitsAndReplays()
    {
        string dir = Directory.CreateTempSubdirectory("rk-cli-linear").FullName;
        try
        {
            string P(string name) => Path.Combine(dir, name + ".npy");
            var s = new LinearShape(5, 7, 3);
            var x = new float[s.InputLength];
            var w = new float[s.WeightLength];
            var b = new float[s.OutFeatures];
            var gy = new float[s.OutputLength];
            new PhiloxStream(1).FillNormal(x);
            new PhiloxStream(2).FillNormal(w);
            new PhiloxStream(3).FillNormal(b);
            new PhiloxStream(4).FillNormal(gy);
            IO.NpyFile.Write<float>(P("x"), x, [5, 7]);
            IO.NpyFile.Write<float>(P("w"), w, [3, 7]);
            IO.NpyFile.Write<float>(P("b"), b, [3]);
            IO.NpyFile.Write<float>(P("gy"), gy, [5, 3]);
            string manifest = Path.Combine(dir, "run.json");
            int Run(params string[] args) => global::ReproKit.Cli.CliApp.Run(args, new StringWriter(), new StringWriter());
            Assert.That(Run("linear", "--input", P("x"), "--weight", P("w"), "--bias", P("b"), "--out", P("y"), "--manifest", manifest), Is.Zero);
            Assert.That(Run("linear", "--pass", "backward-data", "--input", P("x"), "--weight", P("w"), "--grad-output", P("gy"), "--out", P("dx")), Is.Zero);
            Assert.That(Run("linear", "--pass", "backward-weights", "--input", P("x"), "--grad-output", P("gy"), "--out", P("dw"),
                "--bias-grad-out", P("db"), "--manifest", manifest), Is.Zero);
            float[] y = new float[s.OutputLength], dx = new float[s.InputLength], dw = new float[s.WeightLength], db = new float[s.OutFeatures];
            Linear.Forward(s, x, w, b, y);
            Linear.BackwardData(s, gy, w, dx);
            Linear.BackwardWeights(s, x, gy, dw, db);
            Assert.That(IO.NpyFile.Read(P("y")).ToArray<float>(), Is.EqualTo(y).AsCollection);
            Assert.That(IO.NpyFile.Read(P("dx")).ToArray<float>(), Is.EqualTo(dx).AsCollection);
            Assert.That(IO.NpyFile.Read(P("dw")).ToArray<float>(), Is.EqualTo(dw).AsCollection);
            Assert.That(IO.NpyFile.Read(P("db")).ToArray<float>(), Is.EqualTo(db).AsCollection);
            var replay = new StringWriter();
            Assert.That(global::ReproKit.Cli.CliApp.Run(["replay", manifest], replay, new StringWriter()), Is.Zero);
            Assert.That(replay.ToString(), Does.Contain("reproduced bit for bit"));
            var err = new StringWriter();
            Assert.That(global::ReproKit.Cli.CliApp.Run(["linear", "--input", P("x"), "--weight", P("gy"), "--out", P("y")], new StringWriter(), err),
                Is.EqualTo(global::ReproKit.Cli.CliApp.ExitFailure));
            Assert.That(err.ToString(), Does.Contain("the second dimension must be 7"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
