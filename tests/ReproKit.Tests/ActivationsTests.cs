namespace ReproKit.Tests;

/// <summary>Activations from C#: the same bits on every backend, in place, PyTorch's semantics at the edges, bad arguments; the device path.</summary>
public class ActivationsTests
{
    private static readonly Activation[] Kinds = [Activation.Relu, Activation.LeakyRelu, Activation.Gelu, Activation.GeluTanh];

    private static float[] Normal(int n, ulong seed, float stddev = 3f)
    {
        var v = new float[n];
        new PhiloxStream(seed).FillNormal(v, 0f, stddev);
        return v;
    }

    private static float[] Hostile(int n)
    {
        float[] x = Normal(n, 1);
        float[] special = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, 0f, -0f, 1e-40f, -1e-40f, float.MaxValue, -float.MaxValue];
        for (int i = 0; i < special.Length; i++)
        {
            x[i * 5] = special[i];
        }

        return x;
    }

    [Test]
    public void EveryKindGivesTheSameBitsOnEveryBackend()
    {
        const int n = 70_001; // several pieces for the thread pool, and a tail on every vector width
        float[] x = Hostile(n), dy = Normal(n, 2, 1f);
        foreach (Activation kind in Kinds)
        {
            float[] y0 = new float[n], dx0 = new float[n];
            using (var scalar = new CpuContext(new CpuContextOptions(CpuIsa.Scalar, 1)))
            {
                Activations.Forward(kind, x, y0, context: scalar);
                Activations.Backward(kind, x, dy, dx0, context: scalar);
            }

            foreach (var (isa, threads) in TestData.Backends())
            {
                using var c = new CpuContext(new CpuContextOptions(isa, threads));
                float[] y = new float[n], dx = new float[n];
                Activations.Forward(kind, x, y, context: c);
                Activations.Backward(kind, x, dy, dx, context: c);
                Assert.That(BitConverter(y), Is.EqualTo(BitConverter(y0)).AsCollection, $"{kind} forward, {isa} x{threads}");
                Assert.That(BitConverter(dx), Is.EqualTo(BitConverter(dx0)).AsCollection, $"{kind} backward, {isa} x{threads}");
            }
        }
    }

    private static uint[] BitConverter(float[] v) => v.Select(f => float.IsNaN(f) ? 0x7FC00000u : System.BitConverter.SingleToUInt32Bits(f)).ToArray();

    [Test]
    public void InPlaceEqualsOutOfPlace()
    {
        float[] x = Hostile(1001), dy = Normal(1001, 3, 1f);
        foreach (Activation kind in Kinds)
        {
            float[] y = new float[x.Length], dx = new float[x.Length];
            Activations.Forward(kind, x, y);
            Activations.Backward(kind, x, dy, dx);
            float[] inPlace = [.. x];
            Activations.Forward(kind, inPlace, inPlace);
            Assert.That(BitConverter(inPlace), Is.EqualTo(BitConverter(y)).AsCollection, $"{kind} forward");
            float[] grad = [.. dy];
            Activations.Backward(kind, x, grad, grad);
            Assert.That(BitConverter(grad), Is.EqualTo(BitConverter(dx)).AsCollection, $"{kind} backward");
        }
    }

    [Test]
    public void EdgesFollowPyTorch()
    {
        float[] x = [0f, -0f, -2f, 3f, float.NaN];
        float[] dy = [1f, 1f, 1f, 1f, 5f];
        var y = new float[5];
        var dx = new float[5];
        Activations.Forward(Activation.Relu, x, y);
        Activations.Backward(Activation.Relu, x, dy, dx);
        Assert.That(System.BitConverter.SingleToUInt32Bits(y[1]), Is.EqualTo(0u), "relu(-0) = +0");
        Assert.That(dx[..4], Is.EqualTo(new[] { 0f, 0f, 0f, 1f }), "the gradient at 0 is 0");
        Assert.That(float.IsNaN(y[4]) && dx[4] == 5f, "NaN passes forward; its gradient passes dy");
        Activations.Forward(Activation.LeakyRelu, x, y, negativeSlope: 0.5f);
        Assert.That(y[2], Is.EqualTo(-1f));
        Activations.Forward(Activation.Gelu, [0f, 10f, -10f], y.AsSpan(0, 3));
        Assert.That(y[..3], Is.EqualTo(new[] { 0f, 10f, -0f }));
        // Accuracy against float64 on a grid: GELU (erf) within a few ulp of the exact function.
        var grid = Enumerable.Range(-400, 801).Select(i => i / 50f).ToArray();
        var g = new float[grid.Length];
        Activations.Forward(Activation.Gelu, grid, g);
        for (int i = 0; i < grid.Length; i++)
        {
            double xd = grid[i], exact = 0.5 * xd * (1 + Erf(xd / Math.Sqrt(2)));
            Assert.That(Math.Abs(g[i] - exact), Is.LessThanOrEqualTo(1e-6 * Math.Max(1, Math.Abs(exact))), $"gelu({xd})");
        }
    }

    // Abramowitz-Stegun 7.1.26 is too coarse; a series / continued fraction in double is enough for 1e-6 here.
    private static double Erf(double x)
    {
        double ax = Math.Abs(x);
        double result;
        if (ax < 3)
        {
            double sum = 0, term = ax;
            for (int k = 0; k < 200; k++)
            {
                sum += term / (2 * k + 1);
                term *= -ax * ax / (k + 1);
            }

            result = 2 / Math.Sqrt(Math.PI) * sum;
        }
        else
        {
            double f = 0;
            for (int k = 60; k >= 1; k--)
            {
                f = k / 2.0 / (ax + f);
            }

            result = 1 - Math.Exp(-ax * ax) / Math.Sqrt(Math.PI) / (ax + f);
        }

        return x < 0 ? -result : result;
    }

    [Test]
    public void BadArgumentsNameTheParameter()
    {
        float[] x = new float[8], y = new float[8];
        ParamNameTests.Names("y", () => Activations.Forward(Activation.Relu, x, y.AsSpan(1)));
        ParamNameTests.Names("kind", () => Activations.Forward((Activation)7, x, y));
        ParamNameTests.Names("negativeSlope", () => Activations.Forward(Activation.LeakyRelu, x, y, float.NaN));
        ParamNameTests.Names("dy", () => Activations.Backward(Activation.Gelu, x, y.AsSpan(2), y));
        ParamNameTests.Names("dx", () => Activations.Backward(Activation.Gelu, x, y, y.AsSpan(0, 7)));
        // Overlaps are checked natively: partial overlap of y on x, and dx on x.
        float[] big = new float[32];
        ParamNameTests.Names("y", () => Activations.Forward(Activation.Relu, big.AsSpan(0, 8), big.AsSpan(4, 8)));
        ParamNameTests.Names("dx", () => Activations.Backward(Activation.Relu, big.AsSpan(0, 8), y, big.AsSpan(0, 8)));
    }
}

/// <summary>Activations on the CUDA device (the emulated one in CI): the CPU's bits.</summary>
[Category("Gpu")]
public class ActivationsCudaTests
{
    [Test]
    public void EveryKindMatchesTheCpu()
    {
        if (CudaDevices.Count(out string reason) == 0)
        {
            Assert.Ignore($"No CUDA device: {reason}");
        }

        using var cuda = new CudaContext(0);
        var x = new float[3001];
        var dy = new float[3001];
        new PhiloxStream(4).FillNormal(x, 0f, 3f);
        new PhiloxStream(5).FillNormal(dy);
        using DeviceBuffer<float> gx = cuda.Upload<float>(x), gdy = cuda.Upload<float>(dy), gout = cuda.Allocate<float>(x.Length);
        foreach (Activation kind in new[] { Activation.Relu, Activation.LeakyRelu, Activation.Gelu, Activation.GeluTanh })
        {
            float[] y = new float[x.Length], dx = new float[x.Length];
            Activations.Forward(kind, x, y);
            Activations.Backward(kind, x, dy, dx);
            CudaOperations.ActivationForward(kind, gx, gout);
            Assert.That(gout.ToArray(), Is.EqualTo(y).AsCollection, $"{kind} forward");
            CudaOperations.ActivationBackward(kind, gx, gdy, gout);
            Assert.That(gout.ToArray(), Is.EqualTo(dx).AsCollection, $"{kind} backward");
        }

        using DeviceBuffer<float> shortBuffer = cuda.Allocate<float>(10);
        ParamNameTests.Names("y", () => CudaOperations.ActivationForward(Activation.Relu, gx, shortBuffer));
    }
}
