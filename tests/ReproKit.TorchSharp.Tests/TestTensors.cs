using TorchSharp;
using static TorchSharp.torch;

namespace ReproKit.TorchSharp.Tests;

/// <summary>Test data from ReproKit streams, and bitwise comparisons of tensors with arrays.</summary>
internal static class TestTensors
{
    /// <summary>N(0, 1) values from a stream keyed by <paramref name="key"/>.</summary>
    public static float[] Normal(int count, ulong key, float std = 1f)
    {
        var a = new float[count];
        new PhiloxStream(0x5eed, key).FillNormal(a, 0f, std);
        return a;
    }

    /// <summary>A float32 CPU tensor of this shape holding <paramref name="data"/>.</summary>
    public static Tensor Tensor(float[] data, params long[] shape) => torch.tensor(data).reshape(shape);

    /// <summary>A float32 tensor of N(0, 1) values.</summary>
    public static Tensor NormalTensor(ulong key, params long[] shape)
    {
        long n = shape.Aggregate(1L, (a, b) => a * b);
        return Tensor(Normal((int)n, key), shape);
    }

    /// <summary>The tensor's values (float32), row-major.</summary>
    public static float[] Values(Tensor t) => t.contiguous().data<float>().ToArray();

    /// <summary>The tensor's values (float64), row-major.</summary>
    public static double[] Doubles(Tensor t) => t.contiguous().data<double>().ToArray();

    /// <summary>Asserts that the tensor holds exactly these float32 bits.</summary>
    public static void AssertBits(Tensor actual, ReadOnlySpan<float> expected, string what)
    {
        float[] a = Values(actual);
        Assert.That(a, Has.Length.EqualTo(expected.Length), what + ": length");
        for (int i = 0; i < a.Length; i++)
        {
            if (BitConverter.SingleToInt32Bits(a[i]) != BitConverter.SingleToInt32Bits(expected[i]))
            {
                Assert.Fail($"{what}: element {i} is {a[i]:R} (0x{BitConverter.SingleToInt32Bits(a[i]):x8}), expected {expected[i]:R} (0x{BitConverter.SingleToInt32Bits(expected[i]):x8}).");
            }
        }
    }

    /// <summary>Asserts |actual − reference| ≤ tolerance · max(1, max |reference|) elementwise (a float64 reference).</summary>
    public static void AssertClose(Tensor actual, Tensor reference, double tolerance, string what)
    {
        float[] a = Values(actual);
        double[] r = Doubles(reference.to(ScalarType.Float64));
        Assert.That(a, Has.Length.EqualTo(r.Length), what + ": length");
        double scale = Math.Max(1, r.Select(Math.Abs).DefaultIfEmpty(0).Max());
        for (int i = 0; i < a.Length; i++)
        {
            if (!(Math.Abs(a[i] - r[i]) <= tolerance * scale))
            {
                Assert.Fail($"{what}: element {i} is {a[i]:R}, the float64 reference {r[i]:R} (tolerance {tolerance * scale:G3}).");
            }
        }
    }

    /// <summary>A float64 leaf copy of a float32 tensor, requiring grad.</summary>
    public static Tensor Double(Tensor t) => t.detach().to(ScalarType.Float64).requires_grad_(true);

    /// <summary>A float32 leaf requiring grad.</summary>
    public static Tensor Leaf(Tensor t) => t.detach().clone().requires_grad_(true);
}
