using ReproKit.Cli;
using ReproKit.IO;

namespace ReproKit.Tests;

/// <summary><c>reprokit pool2d</c> and <c>reprokit cross-entropy</c>: the library's bits in .npy files, manifests that replay, bad input.</summary>
public class TrainingCliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CliApp.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static float[] Normal(long n, ulong seed)
    {
        var v = new float[n];
        new PhiloxStream(seed).FillNormal(v);
        return v;
    }

    [Test]
    public void Pool2dEveryModeAndPassIsTheLibrarysAndReplays()
    {
        string dir = Directory.CreateTempSubdirectory("rk-cli-pool").FullName;
        string P(string name) => Path.Combine(dir, name + ".npy");
        string manifest = Path.Combine(dir, "run.json");
        float[] x = Normal(2 * 3 * 9 * 11, 1);
        NpyFile.Write<float>(P("x"), x, [2, 3, 9, 11]);
        var max = Pool2dDescriptor.Max(2, 3, 9, 11, 3, stride: 2, padding: 1, ceilMode: true);
        var y = new float[max.OutputLength];
        var idx = new long[max.OutputLength];
        Pooling.Forward(max, x, y, idx);
        var (code, _, err) = Run("pool2d", "--input", P("x"), "--mode", "max", "--kernel", "3", "--stride", "2", "--padding", "1", "--ceil-mode",
            "--out", P("y"), "--manifest", manifest);
        Assert.That(code, Is.Zero, err);
        Assert.That(NpyFile.Read(P("y")).ToArray<float>(), Is.EqualTo(y).AsCollection);
        Assert.That(NpyFile.Read(P("y")).Shape, Is.EqualTo(new long[] { 2, 3, 5, 6 }));
        float[] dy = Normal(y.Length, 2);
        NpyFile.Write<float>(P("dy"), dy, [2, 3, 5, 6]);
        var dx = new float[x.Length];
        Pooling.Backward(max, dy, idx, dx);
        (code, _, err) = Run("pool2d", "--input", P("x"), "--mode", "max", "--kernel", "3", "--stride", "2", "--padding", "1", "--ceil-mode",
            "--pass", "backward", "--grad-output", P("dy"), "--out", P("dx"), "--manifest", manifest);
        Assert.That(code, Is.Zero, err);
        Assert.That(NpyFile.Read(P("dx")).ToArray<float>(), Is.EqualTo(dx).AsCollection);
        var avg = Pool2dDescriptor.Average(2, 3, 9, 11, 2, stride: 1, divisorOverride: 3);
        var ya = new float[avg.OutputLength];
        Pooling.Forward(avg, x, ya);
        (code, _, err) = Run("pool2d", "--input", P("x"), "--mode", "avg", "--kernel", "2", "--stride", "1", "--divisor-override", "3",
            "--out", P("ya"), "--isa", "scalar", "--manifest", manifest);
        Assert.That(code, Is.Zero, err);
        Assert.That(NpyFile.Read(P("ya")).ToArray<float>(), Is.EqualTo(ya).AsCollection);
        var g = new float[6];
        Pooling.GlobalAverageForward(ConvLayout.Nchw, 2, 3, 9, 11, x, g);
        (code, _, err) = Run("pool2d", "--input", P("x"), "--mode", "global-avg", "--out", P("g"), "--manifest", manifest);
        Assert.That(code, Is.Zero, err);
        Assert.That(NpyFile.Read(P("g")).ToArray<float>(), Is.EqualTo(g).AsCollection);
        (code, _, err) = Run("replay", manifest, "--threads", "3");
        Assert.That(code, Is.Zero, err);
        // Bad input: a clear message and a non-zero exit.
        (code, _, err) = Run("pool2d", "--input", P("x"), "--mode", "max", "--kernel", "3", "--padding", "2", "--out", P("bad"));
        Assert.That(code, Is.Not.Zero);
        Assert.That(err, Does.Contain("exceeds half the kernel size"));
        (code, _, err) = Run("pool2d", "--input", P("x"), "--mode", "max", "--out", P("bad"));
        Assert.That(code, Is.Not.Zero);
        Assert.That(err, Does.Contain("--kernel"));
    }

    [Test]
    public void CrossEntropyBothPassesAreTheLibrarysAndReplay()
    {
        string dir = Directory.CreateTempSubdirectory("rk-cli-ce").FullName;
        string P(string name) => Path.Combine(dir, name + ".npy");
        string manifest = Path.Combine(dir, "run.json");
        const int rows = 6, classes = 2050;
        float[] x = Normal(rows * classes, 3);
        long[] t = [0, 2049, -100, 7, 1000, 3];
        NpyFile.Write<float>(P("x"), x, [rows, classes]);
        NpyFile.Write<long>(P("t"), t, [rows]);
        var loss = new float[rows];
        Loss.CrossEntropy(x, t, classes, loss, LossReduction.None, labelSmoothing: 0.1f);
        var (code, _, err) = Run("cross-entropy", "--logits", P("x"), "--targets", P("t"), "--reduction", "none", "--label-smoothing", "0.1",
            "--out", P("loss"), "--manifest", manifest);
        Assert.That(code, Is.Zero, err);
        Assert.That(NpyFile.Read(P("loss")).ToArray<float>(), Is.EqualTo(loss).AsCollection);
        var dx = new float[x.Length];
        Loss.CrossEntropyBackward(x, t, classes, [2f], dx);
        NpyFile.Write<float>(P("dl"), new[] { 2f }, [1]);
        (code, _, err) = Run("cross-entropy", "--logits", P("x"), "--targets", P("t"), "--pass", "backward", "--grad-output", P("dl"),
            "--out", P("dx"), "--manifest", manifest);
        Assert.That(code, Is.Zero, err);
        Assert.That(NpyFile.Read(P("dx")).ToArray<float>(), Is.EqualTo(dx).AsCollection);
        (code, _, err) = Run("replay", manifest, "--isa", "scalar");
        Assert.That(code, Is.Zero, err);
        NpyFile.Write<long>(P("bad"), [0, 1, 2, 3, 2050, 5], [rows]);
        (code, _, err) = Run("cross-entropy", "--logits", P("x"), "--targets", P("bad"), "--out", P("loss2"));
        Assert.That(code, Is.Not.Zero);
        Assert.That(err, Does.Contain("row 4: targets[4] is 2050"));
        (code, _, err) = Run("cross-entropy", "--logits", P("x"), "--targets", P("x"), "--out", P("loss2"));
        Assert.That(code, Is.Not.Zero);
        Assert.That(err, Does.Contain("expected int64"));
    }
}
