namespace ReproKit.Tests;

/// <summary>Pooling from C#: the same bits on every backend, PyTorch's semantics, bad arguments; the device path.</summary>
public class PoolingTests
{
    private static float[] Data(long n, ulong seed)
    {
        var v = new float[n];
        new PhiloxStream(seed).FillNormal(v, 0f, 2f);
        for (long i = 0; i < n; i += 3)
        {
            v[i] = MathF.Round(v[i]); // ties
        }

        return v;
    }

    internal static IEnumerable<Pool2dDescriptor> Descriptors() =>
    [
        Pool2dDescriptor.Max(2, 3, 9, 11, 3, stride: 2, padding: 1),
        Pool2dDescriptor.Max(1, 19, 8, 9, 3, stride: 1, padding: 1, dilation: 2, ceilMode: true, layout: ConvLayout.Nhwc),
        Pool2dDescriptor.Average(2, 3, 9, 11, 3, stride: 2, padding: 1, ceilMode: true, countIncludePad: false),
        Pool2dDescriptor.Average(1, 19, 8, 9, 2, stride: 1, divisorOverride: 3, layout: ConvLayout.Nhwc),
        new Pool2dDescriptor(PoolMode.Max, 1, 2, 7, 70, 3, 2, 1, 2, PadH: 1, PadW: 1),
    ];

    [Test]
    public void EveryModeGivesTheSameBitsOnEveryBackend()
    {
        ulong seed = 1;
        foreach (Pool2dDescriptor d in Descriptors())
        {
            float[] x = Data(d.InputLength, seed++), dy = Data(d.OutputLength, seed++);
            bool max = d.Mode == PoolMode.Max;
            float[] y = new float[d.OutputLength], dx = new float[d.InputLength];
            long[] idx = max ? new long[d.OutputLength] : [];
            Pooling.Forward(d, x, y, idx);
            Pooling.Backward(d, dy, idx, dx);
            foreach (var (isa, threads) in TestData.Backends())
            {
                using var c = new CpuContext(new CpuContextOptions(isa, threads));
                float[] y2 = new float[y.Length], dx2 = new float[dx.Length], y3 = new float[y.Length];
                long[] idx2 = max ? new long[y.Length] : [];
                Pooling.Forward(d, x, y2, idx2, c);
                Pooling.Forward(d, x, y3, context: c);
                Pooling.Backward(d, dy, idx2, dx2, c);
                string where = $"{d} {isa} x{threads}";
                Assert.That(y2, Is.EqualTo(y).AsCollection, where + " forward");
                Assert.That(y3, Is.EqualTo(y).AsCollection, where + " forward without indices");
                Assert.That(idx2, Is.EqualTo(idx).AsCollection, where + " indices");
                Assert.That(dx2, Is.EqualTo(dx).AsCollection, where + " backward");
            }
        }
    }

    [Test]
    public void FollowsPyTorchsDefinition()
    {
        // Ties keep the first maximum in row-major window order; NaN propagates.
        float[] x = [1, 3, 3, 0, 3, 2, float.NaN, 5];
        var d = new Pool2dDescriptor(PoolMode.Max, 1, 1, 2, 4, 2, 2, 2, 2);
        Assert.That(d.OutputSize, Is.EqualTo((1L, 2L)));
        var y = new float[2];
        var idx = new long[2];
        Pooling.Forward(d, x, y, idx);
        Assert.That(y[0], Is.EqualTo(3f));
        Assert.That(idx[0], Is.EqualTo(1));
        Assert.That(float.IsNaN(y[1]));
        Assert.That(idx[1], Is.EqualTo(6));
        // Overlapping windows: the gradient of a shared maximum is the sum, in output order.
        var o = Pool2dDescriptor.Max(1, 1, 1, 4, 2, stride: 1) with { KernelH = 1 };
        float[] row = [0, 9, 0, 0];
        var ry = new float[3];
        var ri = new long[3];
        Pooling.Forward(o, row, ry, ri);
        Assert.That(ri, Is.EqualTo(new long[] { 1, 1, 2 }).AsCollection);
        var rdx = new float[4];
        Pooling.Backward(o, [1f, 2f, 4f], ri, rdx);
        Assert.That(rdx, Is.EqualTo(new float[] { 0, 3, 4, 0 }).AsCollection);
        // Average: count_include_pad both ways, divisor_override; ceil_mode's output size.
        float[] ones = [1, 1, 1, 1, 1, 1, 1, 1, 1];
        var a = new float[4];
        Pooling.Forward(Pool2dDescriptor.Average(1, 1, 3, 3, 2, padding: 1), ones, a);
        Assert.That(a, Is.EqualTo(new[] { 0.25f, 0.5f, 0.5f, 1f }).AsCollection);
        Pooling.Forward(Pool2dDescriptor.Average(1, 1, 3, 3, 2, padding: 1, countIncludePad: false), ones, a);
        Assert.That(a, Is.All.EqualTo(1f));
        Pooling.Forward(Pool2dDescriptor.Average(1, 1, 3, 3, 2, padding: 1, divisorOverride: 3), ones, a);
        Assert.That(a[3], Is.EqualTo(4f / 3f));
        Assert.That(Pool2dDescriptor.Max(1, 1, 6, 6, 3, stride: 2, ceilMode: true).OutputSize, Is.EqualTo((3L, 3L)));
        // Global average pooling.
        var g = new float[1];
        Pooling.GlobalAverageForward(ConvLayout.Nchw, 1, 1, 3, 3, [1, 2, 3, 4, 5, 6, 7, 8, 9], g);
        Assert.That(g[0], Is.EqualTo(5f));
        var gdx = new float[4];
        Pooling.GlobalAverageBackward(ConvLayout.Nhwc, 1, 1, 2, 2, [2f], gdx);
        Assert.That(gdx, Is.All.EqualTo(0.5f));
    }

    [Test]
    public void GlobalAverageGivesTheSameBitsOnEveryBackend()
    {
        foreach (ConvLayout layout in new[] { ConvLayout.Nchw, ConvLayout.Nhwc })
        {
            float[] x = Data(2 * 67 * 50 * 47, 9);
            float[] y = new float[2 * 67], dx = new float[x.Length];
            Pooling.GlobalAverageForward(layout, 2, 67, 50, 47, x, y);
            Pooling.GlobalAverageBackward(layout, 2, 67, 50, 47, y, dx);
            foreach (var (isa, threads) in TestData.Backends())
            {
                using var c = new CpuContext(new CpuContextOptions(isa, threads));
                float[] y2 = new float[y.Length], dx2 = new float[dx.Length];
                Pooling.GlobalAverageForward(layout, 2, 67, 50, 47, x, y2, c);
                Pooling.GlobalAverageBackward(layout, 2, 67, 50, 47, y2, dx2, c);
                Assert.That(y2, Is.EqualTo(y).AsCollection, $"{layout} {isa} x{threads}");
                Assert.That(dx2, Is.EqualTo(dx).AsCollection, $"{layout} {isa} x{threads}");
            }
        }
    }

    [Test]
    public void BadArgumentsNameTheParameter()
    {
        var d = Pool2dDescriptor.Max(1, 1, 8, 8, 2);
        float[] x = new float[64], y = new float[16], dx = new float[64];
        long[] idx = new long[16];
        Assert.That(() => Pooling.Forward(d, x.AsSpan(1), y), Throws.ArgumentException.With.Property("ParamName").EqualTo("x"));
        Assert.That(() => Pooling.Forward(d, x, y.AsSpan(1)), Throws.ArgumentException.With.Property("ParamName").EqualTo("y"));
        Assert.That(() => Pooling.Forward(d, x, y, idx.AsSpan(1)), Throws.ArgumentException.With.Property("ParamName").EqualTo("indices"));
        Assert.That(() => Pooling.Forward(d with { PadH = 2 }, x, y), Throws.ArgumentException.With.Property("ParamName").EqualTo("descriptor"));
        Assert.That(() => Pooling.Forward(d with { KernelH = 0 }, x, y), Throws.ArgumentException.With.Property("ParamName").EqualTo("descriptor"));
        Assert.That(() => Pooling.Forward(d with { N = -1 }, x, y),
            Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("descriptor"));
        Assert.That(() => _ = (d with { KernelH = 9 }).OutputSize, Throws.ArgumentException.With.Property("ParamName").EqualTo("descriptor"));
        var avg = Pool2dDescriptor.Average(1, 1, 8, 8, 2);
        Assert.That(() => Pooling.Forward(avg, x, y, idx), Throws.ArgumentException.With.Property("ParamName").EqualTo("indices"));
        Assert.That(() => Pooling.Forward(avg with { DilationH = 2 }, x, y), Throws.ArgumentException.With.Property("ParamName").EqualTo("descriptor"));
        Assert.That(() => Pooling.Backward(d, y, [], dx), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("indices"));
        Assert.That(() => Pooling.Backward(d, y, idx, dx.AsSpan(2)), Throws.ArgumentException.With.Property("ParamName").EqualTo("dx"));
        Assert.That(() => Pooling.Forward(null!, x, y), Throws.ArgumentNullException.With.Property("ParamName").EqualTo("descriptor"));
        // Overlap is checked natively and reported on the written buffer.
        Assert.That(() => Pooling.Forward(d, x, x.AsSpan(0, 16)), Throws.ArgumentException.With.Property("ParamName").EqualTo("y"));
        Assert.That(() => Pooling.GlobalAverageForward(ConvLayout.Nchw, 1, 0, 2, 2, x, y),
            Throws.InstanceOf<ArgumentOutOfRangeException>().With.Property("ParamName").EqualTo("c"));
        Assert.That(() => Pooling.GlobalAverageForward(ConvLayout.Nchw, 1, 4, 4, 4, x.AsSpan(1), y.AsSpan(0, 4)),
            Throws.ArgumentException.With.Property("ParamName").EqualTo("x"));
        Assert.That(() => Pooling.GlobalAverageForward((ConvLayout)5, 1, 4, 4, 4, x, y.AsSpan(0, 4)),
            Throws.ArgumentException.With.Property("ParamName").EqualTo("layout"));
        Assert.That(() => Pooling.GlobalAverageBackward(ConvLayout.Nchw, 1, 4, 4, 4, y.AsSpan(0, 4), dx.AsSpan(1)),
            Throws.ArgumentException.With.Property("ParamName").EqualTo("dx"));
    }
}

/// <summary>Pooling on the CUDA device (the emulated one in CI): the CPU's bits.</summary>
[Category("Gpu")]
public class PoolingCudaTests
{
    [Test]
    public void EveryModeMatchesTheCpu()
    {
        if (CudaDevices.Count(out string reason) == 0)
        {
            Assert.Ignore($"No CUDA device: {reason}");
        }

        using var cuda = new CudaContext(0);
        ulong seed = 30;
        foreach (Pool2dDescriptor d in PoolingTests.Descriptors())
        {
            var x = new float[d.InputLength];
            var dy = new float[d.OutputLength];
            new PhiloxStream(seed++).FillNormal(x);
            new PhiloxStream(seed++).FillNormal(dy);
            bool max = d.Mode == PoolMode.Max;
            float[] y = new float[dy.Length], dx = new float[x.Length];
            long[] idx = max ? new long[dy.Length] : [];
            Pooling.Forward(d, x, y, idx);
            Pooling.Backward(d, dy, idx, dx);
            using DeviceBuffer<float> gx = cuda.Upload<float>(x), gdy = cuda.Upload<float>(dy);
            using DeviceBuffer<float> gy = cuda.Allocate<float>(y.Length), gdx = cuda.Allocate<float>(x.Length);
            using DeviceBuffer<long>? gi = max ? cuda.Allocate<long>(y.Length) : null;
            CudaOperations.PoolForward(d, gx, gy, gi);
            CudaOperations.PoolBackward(d, gdy, gi, gdx);
            Assert.That(gy.ToArray(), Is.EqualTo(y).AsCollection, $"{d} forward");
            if (gi is not null)
            {
                Assert.That(gi.ToArray(), Is.EqualTo(idx).AsCollection, $"{d} indices");
            }

            Assert.That(gdx.ToArray(), Is.EqualTo(dx).AsCollection, $"{d} backward");
        }

        var gxs = new float[2 * 5 * 11 * 13];
        new PhiloxStream(99).FillNormal(gxs);
        float[] gyc = new float[10], gdxc = new float[gxs.Length];
        Pooling.GlobalAverageForward(ConvLayout.Nhwc, 2, 5, 11, 13, gxs, gyc);
        Pooling.GlobalAverageBackward(ConvLayout.Nhwc, 2, 5, 11, 13, gyc, gdxc);
        using DeviceBuffer<float> ggx = cuda.Upload<float>(gxs), ggy = cuda.Allocate<float>(10), ggdx = cuda.Allocate<float>(gxs.Length);
        CudaOperations.GlobalAveragePoolForward(ConvLayout.Nhwc, 2, 5, 11, 13, ggx, ggy);
        CudaOperations.GlobalAveragePoolBackward(ConvLayout.Nhwc, 2, 5, 11, 13, ggy, ggdx);
        Assert.That(ggy.ToArray(), Is.EqualTo(gyc).AsCollection);
        Assert.That(ggdx.ToArray(), Is.EqualTo(gdxc).AsCollection);
    }
}
