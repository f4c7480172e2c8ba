namespace ReproKit.Tests;

/// <summary>
/// Distributions: the same bits on every ISA and thread count and for every way of splitting a fill, accuracy against
/// a float64 evaluation of the same formulas, statistics, and bad parameters.
/// </summary>
public class DistributionTests
{
    private static readonly int[] Sizes = [1, 2, 3, 15, 16, 17, 33, 1001, 70_001, 300_001];

    private delegate void Fill<T>(PhiloxStream stream, Span<T> destination, CpuContext context);

    private static readonly (string Name, Fill<float> Fill)[] FloatFills =
    [
        ("uniform-range", (s, d, c) => s.FillUniform(d, -3f, 5f, c)),
        ("normal", (s, d, c) => s.FillNormal(d, 0.5f, 2f, c)),
        ("truncnormal", (s, d, c) => s.FillTruncatedNormal(d, 0f, 1f, -2f, 2f, c)),
        ("truncnormal-tail", (s, d, c) => s.FillTruncatedNormal(d, 1f, 0.5f, 1.5f, 4f, c)),
    ];

    [Test]
    public void FloatDistributionsAreIdenticalOnEveryBackend()
    {
        var stream = new PhiloxStream(0xC0FFEE, 3, 5);
        using var scalar = new CpuContext(new CpuContextOptions(CpuIsa.Scalar, 1));
        foreach (var (name, fill) in FloatFills)
        {
            foreach (int n in Sizes)
            {
                var expected = new float[n];
                fill(stream, expected, scalar);
                foreach (var (isa, threads) in TestData.Backends())
                {
                    using var c = new CpuContext(new CpuContextOptions(isa, threads));
                    var got = new float[n];
                    fill(stream, got, c);
                    Assert.That(Bits(got), Is.EqualTo(Bits(expected)), $"{name} {isa}/{threads} n={n}");
                }
            }
        }
    }

    [Test]
    public void IntegerDistributionsAreIdenticalOnEveryBackend()
    {
        var stream = new PhiloxStream(77, 1, 3);
        using var scalar = new CpuContext(new CpuContextOptions(CpuIsa.Scalar, 1));
        foreach (int n in Sizes)
        {
            var bern = new byte[n];
            var ints = new long[n];
            stream.FillBernoulli(bern, 0.3, scalar);
            stream.FillInt64(ints, -5, 1_000_000_007, scalar);
            foreach (var (isa, threads) in TestData.Backends())
            {
                using var c = new CpuContext(new CpuContextOptions(isa, threads));
                var b2 = new byte[n];
                var i2 = new long[n];
                stream.FillBernoulli(b2, 0.3, c);
                stream.FillInt64(i2, -5, 1_000_000_007, c);
                Assert.That(b2, Is.EqualTo(bern), $"bernoulli {isa}/{threads} n={n}");
                Assert.That(i2, Is.EqualTo(ints), $"int {isa}/{threads} n={n}");
            }
        }
    }

    [Test]
    public void ShardsEqualSlicesOfTheWholeFill()
    {
        // A shard starting at element e uses the stream advanced by the words elements [0, e) consume.
        var stream = new PhiloxStream(5, 6, 7);
        var whole = new float[10_000];
        stream.FillNormal(whole);
        var shard = new float[3001];
        stream.Advance(PhiloxStream.WordsForNormal(4000)).FillNormal(shard);
        Assert.That(Bits(shard), Is.EqualTo(Bits(whole.AsSpan(4000, 3001).ToArray())));

        var ints = new long[1000];
        stream.FillInt64(ints, 0, 10);
        var intShard = new long[100];
        stream.Advance(2 * 250).FillInt64(intShard, 0, 10);
        Assert.That(intShard, Is.EqualTo(ints[250..350]));
    }

    [Test]
    public void NormalIsBoxMullerOnWordPairsWithinFewUlpOfFloat64()
    {
        var stream = new PhiloxStream(2024, 0, 1);
        const int n = 200_000;
        var z = new float[n];
        var words = new uint[n];
        stream.FillNormal(z, 0f, 1f);
        stream.FillUInt32(words);
        var u = new float[n];
        Philox.UniformFromWords(words, u);
        double maxUlp = 0;
        for (int j = 0; j < n / 2; j++)
        {
            double r = Math.Sqrt(-2.0 * Math.Log(u[2 * j]));
            double angle = 2.0 * Math.PI * u[2 * j + 1];
            maxUlp = Math.Max(maxUlp, UlpError(z[2 * j], r * Math.Cos(angle)));
            maxUlp = Math.Max(maxUlp, UlpError(z[2 * j + 1], r * Math.Sin(angle)));
        }

        TestContext.Out.WriteLine($"normal: max error {maxUlp:F2} ulp of |z| against float64 on the same words");
        Assert.That(maxUlp, Is.LessThan(4.0), "documented bound in docs/spec.md");
    }

    [Test]
    public void UniformRangeAndTruncatedNormalStayInBounds()
    {
        var x = new float[100_000];
        new PhiloxStream(1).FillUniform(x, -3f, 5f);
        Assert.That(x.Min(), Is.GreaterThanOrEqualTo(-3f));
        Assert.That(x.Max(), Is.LessThanOrEqualTo(5f));
        new PhiloxStream(2).FillTruncatedNormal(x, 1f, 0.5f, 1.5f, 4f);
        Assert.That(x.Min(), Is.GreaterThanOrEqualTo(1.5f));
        Assert.That(x.Max(), Is.LessThanOrEqualTo(4f));
    }

    [Test]
    public void MomentsMatchTheDistributions()
    {
        const int n = 1 << 20;
        var x = new float[n];
        new PhiloxStream(11).FillNormal(x, 3f, 2f);
        var (mean, variance) = Moments(x);
        // mean: sd 2/sqrt(n) = 0.002; variance: sd ~ 4 * sqrt(2/n) = 0.0055; bounds at ~6 sd.
        Assert.That(mean, Is.EqualTo(3.0).Within(0.012));
        Assert.That(variance, Is.EqualTo(4.0).Within(0.035));

        new PhiloxStream(12).FillTruncatedNormal(x, 0f, 1f, -1f, 2f);
        (mean, _) = Moments(x);
        // E[X | -1 < X < 2] = (phi(-1) - phi(2)) / (Phi(2) - Phi(-1)) = 0.229637...
        Assert.That(mean, Is.EqualTo(0.2296).Within(0.01));

        new PhiloxStream(13).FillUniform(x, -1f, 3f);
        (mean, variance) = Moments(x);
        Assert.That(mean, Is.EqualTo(1.0).Within(0.01));
        Assert.That(variance, Is.EqualTo(16.0 / 12).Within(0.01));
    }

    [Test]
    public void NormalPassesAKolmogorovSmirnovTest()
    {
        const int n = 100_000;
        var x = new float[n];
        new PhiloxStream(99).FillNormal(x);
        double[] sorted = x.Select(v => (double)v).Order().ToArray();
        double d = 0;
        for (int i = 0; i < n; i++)
        {
            double cdf = 0.5 * (1 + Erf(sorted[i] / Math.Sqrt(2)));
            d = Math.Max(d, Math.Max(Math.Abs(cdf - (double)i / n), Math.Abs((double)(i + 1) / n - cdf)));
        }

        // Critical value at alpha = 1e-4: sqrt(-ln(alpha / 2) / 2) / sqrt(n).
        Assert.That(d, Is.LessThan(Math.Sqrt(-Math.Log(0.5e-4) / 2) / Math.Sqrt(n)), $"KS statistic {d}");
    }

    [Test]
    public void BernoulliFrequencyAndExactEnds()
    {
        const int n = 1 << 20;
        var b = new byte[n];
        new PhiloxStream(3).FillBernoulli(b, 0.3);
        double ones = b.Sum(v => v);
        Assert.That(b.All(v => v <= 1));
        Assert.That(Math.Abs(ones - (0.3 * n)), Is.LessThan(6 * Math.Sqrt(n * 0.3 * 0.7)));
        new PhiloxStream(3).FillBernoulli(b, 0.0);
        Assert.That(b.All(v => v == 0));
        new PhiloxStream(3).FillBernoulli(b, 1.0);
        Assert.That(b.All(v => v == 1));
    }

    [Test]
    public void IntegersAreUniformOverTheirRange()
    {
        const int n = 1 << 20;
        var v = new long[n];
        new PhiloxStream(8).FillInt64(v, -3, 7);
        var counts = new long[10];
        foreach (long x in v)
        {
            Assert.That(x, Is.InRange(-3L, 6L));
            counts[x + 3]++;
        }

        double expected = n / 10.0;
        double chi2 = counts.Sum(c => (c - expected) * (c - expected) / expected);
        Assert.That(chi2, Is.LessThan(37.0), "chi-square, 9 degrees of freedom, p < 4e-5");
        new PhiloxStream(8).FillInt64(v.AsSpan(0, 1000), long.MinValue, long.MaxValue);
        Assert.That(v.Take(1000).Distinct().Count(), Is.EqualTo(1000), "the full 64-bit range works");
    }

    [Test]
    public void BadParametersAreRejected()
    {
        var s = new PhiloxStream(1);
        var f = new float[4];
        Assert.Throws<ArgumentException>(() => s.FillUniform(f, 2f, 1f));
        Assert.Throws<ArgumentException>(() => s.FillUniform(f, float.NaN, 1f));
        Assert.Throws<ArgumentException>(() => s.FillUniform(f, -float.MaxValue, float.MaxValue));
        Assert.Throws<ArgumentException>(() => s.FillNormal(f, 0f, -1f));
        Assert.Throws<ArgumentException>(() => s.FillNormal(f, float.PositiveInfinity, 1f));
        Assert.Throws<ArgumentException>(() => s.FillTruncatedNormal(f, 0f, 0f, -1f, 1f));
        Assert.Throws<ArgumentException>(() => s.FillTruncatedNormal(f, 0f, 1f, 1f, 1f));
        var tail = Assert.Throws<ArgumentException>(() => s.FillTruncatedNormal(f, 0f, 1f, 50f, 60f))!;
        Assert.That(tail.Message, Does.Contain("no probability mass"));
        Assert.Throws<ArgumentException>(() => s.FillBernoulli(new byte[4], 1.5));
        Assert.Throws<ArgumentException>(() => s.FillBernoulli(new byte[4], double.NaN));
        Assert.Throws<ArgumentException>(() => s.FillInt64(new long[4], 5, 5));
        Assert.Throws<ArgumentException>(() => s.FillNormal(Span<float>.Empty, float.NaN, 1f), "parameters are checked even for empty fills");
    }

    internal static uint[] Bits(float[] x) => x.Select(BitConverter.SingleToUInt32Bits).ToArray();

    private static double UlpError(float got, double exact)
    {
        float f = (float)Math.Abs(exact);
        double ulp = f == 0 ? float.Epsilon : MathF.BitIncrement(f) - f;
        return Math.Abs(got - exact) / ulp;
    }

    private static (double Mean, double Variance) Moments(float[] x)
    {
        double mean = x.Average(v => (double)v);
        double variance = x.Sum(v => (v - mean) * (v - mean)) / (x.Length - 1);
        return (mean, variance);
    }

    // Abramowitz-Stegun 7.1.26 is too coarse for a KS test at n = 1e5; use the continued series instead.
    private static double Erf(double x)
    {
        double t = Math.Abs(x);
        if (t < 3)
        {
            double sum = t, term = t;
            for (int k = 1; k < 200; k++)
            {
                term *= -t * t / k;
                double add = term / (2 * k + 1);
                sum += add;
                if (Math.Abs(add) < 1e-17)
                {
                    break;
                }
            }

            return Math.Sign(x) * 2 / Math.Sqrt(Math.PI) * sum;
        }

        return Math.Sign(x) * (1 - Math.Exp(-t * t) / (t * Math.Sqrt(Math.PI)) * (1 - 1 / (2 * t * t)));
    }
}
