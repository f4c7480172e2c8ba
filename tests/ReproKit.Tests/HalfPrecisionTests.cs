namespace ReproKit.Tests;

/// <summary>
/// The Half entry points (docs/spec.md, "Half precision"): fills are the float32 fill rounded once to the nearest Half
/// (ties to even), the same on every backend; Half logits sample as their exact float32 widening.
/// </summary>
public class HalfPrecisionTests
{
    // Digests of the Half fills of FillKinds (4097 elements, stream (2024, 3, 7)), recorded from this definition; they
    // change only with a spec change of the float32 fill or of the rounding.
    private static readonly Dictionary<string, string> Golden = new()
    {
        ["uniform"] = "e3a69f7a99936ae3e0daff1fc2d2a993403b14fa13f6b15a767f8b52e15d5f6e",
        ["uniform-range"] = "42910485a92bddf5ab63648733967f2dc379b2340fa033a48a50e5ff618648a9",
        ["normal"] = "12426a93430409e0844208b497c7439129e88b7a569932b1b1734074266daa79",
        ["truncated-normal"] = "5156de3601005051cfb68fc64121232ee4968e56af4da3b18d0c0834ace67d7d",
    };

    private static readonly PhiloxStream Stream = new(2024, 3, 7);

    private static IEnumerable<(string Name, Action<Span<Half>, CpuContext?> Half, Action<Span<float>, CpuContext?> Single)> FillKinds()
    {
        yield return ("uniform", (d, c) => Stream.FillUniform(d, c), (d, c) => Stream.FillUniform(d, c));
        yield return ("uniform-range", (d, c) => Stream.FillUniform(d, -3f, 1e5f, c), (d, c) => Stream.FillUniform(d, -3f, 1e5f, c));
        yield return ("normal", (d, c) => Stream.FillNormal(d, 0f, 1e-3f, c), (d, c) => Stream.FillNormal(d, 0f, 1e-3f, c));
        yield return ("truncated-normal", (d, c) => Stream.FillTruncatedNormal(d, 1f, 2f, -1f, 4f, c), (d, c) => Stream.FillTruncatedNormal(d, 1f, 2f, -1f, 4f, c));
    }

    [Test]
    public void HalfFillsAreTheFloatFillRoundedOnEveryBackend()
    {
        const int n = 4097;
        var digests = new Dictionary<string, string>();
        foreach (var (name, half, single) in FillKinds())
        {
            var expected = new float[n];
            single(expected, null);
            var reference = expected.Select(RoundToHalf).ToArray();
            foreach (var (isa, threads) in TestData.Backends())
            {
                using var context = new CpuContext(new CpuContextOptions(isa, threads));
                var actual = new Half[n];
                half(actual, context);
                Assert.That(actual.Select(BitConverter.HalfToUInt16Bits), Is.EqualTo(reference.Select(BitConverter.HalfToUInt16Bits)), $"{name} {isa}/{threads}");
            }

            digests[name] = OutputDigest.Sha256<Half>(reference);
        }

        Assert.That(digests, Is.EqualTo(Golden), "the recorded digests: " + string.Join(", ", digests.Select(d => $"[\"{d.Key}\"] = \"{d.Value}\"")));

        // The range fill reaches values whose Half neighbours are 64 apart, and the normal fill Half subnormals.
        var wide = new Half[n];
        Stream.FillUniform(wide, -3f, 1e5f);
        Assert.That(wide.Any(Half.IsInfinity), Is.True, "values above 65520 round to infinity");
        var small = new Half[n];
        Stream.FillNormal(small, 0f, 1e-3f);
        Assert.That(small.Any(Half.IsSubnormal), Is.True);
    }

    [Test]
    public void NarrowingRoundsToNearestEvenAgainstAnIndependentRounding()
    {
        var values = new List<float> { 0f, -0f, 65504f, 65519.996f, 65520f, -65520f, 6e-8f, 2.98e-8f, 2.9802322e-8f, float.Epsilon, float.MaxValue, float.PositiveInfinity };
        // Every midpoint between two consecutive finite Halves (exact in float32), and the floats on either side of it.
        for (int bits = 0; bits < 0x7BFF; bits++)
        {
            double a = (double)BitConverter.UInt16BitsToHalf((ushort)bits), b = (double)BitConverter.UInt16BitsToHalf((ushort)(bits + 1));
            float mid = (float)((a + b) / 2);
            Assert.That((double)mid, Is.EqualTo((a + b) / 2), "a midpoint is a float32");
            values.AddRange([mid, -mid, MathF.BitIncrement(mid), MathF.BitDecrement(mid)]);
        }

        var random = new uint[200_000];
        new PhiloxStream(5).FillUInt32(random);
        values.AddRange(random.Select(BitConverter.UInt32BitsToSingle).Where(f => !float.IsNaN(f)));
        var narrowed = new Half[values.Count];
        HalfPrecision.Narrow(values.ToArray(), narrowed);
        for (int i = 0; i < values.Count; i++)
        {
            Assert.That(BitConverter.HalfToUInt16Bits(narrowed[i]), Is.EqualTo(BitConverter.HalfToUInt16Bits(RoundToHalf(values[i]))), $"{values[i]:R}");
        }

        var nan = new Half[1];
        HalfPrecision.Narrow([float.NaN], nan);
        Assert.That(Half.IsNaN(nan[0]), Is.True);
    }

    [Test]
    public void HalfLogitsSampleAsTheirFloatWidening()
    {
        const int v = 5000, b = 6;
        var floats = new float[b * v];
        new PhiloxStream(8).FillNormal(floats, 0f, 4f);
        var halves = floats.Select(f => (Half)f).ToArray();
        var widened = halves.Select(h => (float)h).ToArray();
        SamplingParams[] ps = [new(0.7f, 50, 0.9), new(1f, 0, 0.95), SamplingParams.Greedy, new(MinP: 0.05), new(1.3f), new(0.5f, 3)];
        var streams = Enumerable.Range(0, b).Select(r => new PhiloxStream(4, (ulong)r)).ToArray();
        var expected = new int[b];
        var expectedProbs = new float[b];
        Sampler.Sample(widened, b, v, ps, streams, expected, expectedProbs);
        foreach (var (isa, threads) in TestData.Backends())
        {
            using var context = new CpuContext(new CpuContextOptions(isa, threads));
            var tokens = new int[b];
            var probs = new float[b];
            Sampler.Sample(halves, b, v, ps, streams, tokens, probs, context: context);
            Assert.That(tokens, Is.EqualTo(expected), $"{isa}/{threads}");
            Assert.That(probs, Is.EqualTo(expectedProbs), $"{isa}/{threads}");
        }

        Assert.That(Sampler.SampleOne(halves.AsSpan(v, v), ps[1], streams[1]).Token, Is.EqualTo(expected[1]));
        halves[2 * v + 17] = Half.NaN;
        var e = Assert.Throws<ArgumentException>(() => Sampler.Sample(halves, b, v, ps, streams, new int[b]))!;
        Assert.That(e.Message, Does.Contain("row 2").And.Contain("17"));
    }

    // The nearest Half to x, ties to even, computed without .NET's conversion: x = n * ulp with the Half ulp of x's
    // binade (2^-24 below the normal range), n rounded half to even in binary64 (exact: x has 24 significant bits).
    private static Half RoundToHalf(float x)
    {
        if (float.IsNaN(x))
        {
            return Half.NaN;
        }

        double a = Math.Abs((double)x);
        double result;
        if (a >= 65520)
        {
            result = double.PositiveInfinity;
        }
        else if (a == 0)
        {
            result = 0;
        }
        else
        {
            int e = Math.Max(Math.ILogB(a), -14);
            double ulp = Math.ScaleB(1.0, e - 10);
            result = Math.Round(a / ulp, MidpointRounding.ToEven) * ulp;
        }

        Half h = (Half)result;  // exact: result is a Half value (or infinity)
        Assert.That((double)h, Is.EqualTo(result), "the reference's result is a Half");
        return float.IsNegative(x) ? -h : h;
    }
}
