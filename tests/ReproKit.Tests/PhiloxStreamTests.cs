namespace ReproKit.Tests;

/// <summary>Streams as values, and fills whose element i depends only on (stream, i).</summary>
public class PhiloxStreamTests
{
    private static readonly int[] Sizes = [0, 1, 3, 5, 16, 63, 64, 65, 1000, 4099, 200_003];

    [Test]
    public void EveryIsaAndThreadCountGivesTheScalarBits()
    {
        var stream = new PhiloxStream(0x0123456789ABCDEF, 5, 3);
        using var reference = new CpuContext(new CpuContextOptions(CpuIsa.Scalar, 1));
        foreach (int n in Sizes)
        {
            var expectedWords = new uint[n];
            var expectedUniforms = new float[n];
            stream.FillUInt32(expectedWords, reference);
            stream.FillUniform(expectedUniforms, reference);
            foreach (var (isa, threads) in TestData.Backends())
            {
                using var context = new CpuContext(new CpuContextOptions(isa, threads));
                var words = new uint[n];
                var uniforms = new float[n];
                stream.FillUInt32(words, context);
                stream.FillUniform(uniforms, context);
                Assert.That(words, Is.EqualTo(expectedWords), $"{isa}/{threads} n={n}");
                Assert.That(uniforms.Select(BitConverter.SingleToUInt32Bits), Is.EqualTo(expectedUniforms.Select(BitConverter.SingleToUInt32Bits)), $"{isa}/{threads} n={n}");
            }
        }
    }

    [Test]
    public void AdvancedStreamsContinueTheSequence()
    {
        var stream = new PhiloxStream(99, 1, 0);
        var whole = new uint[1000];
        stream.FillUInt32(whole);
        var pieces = new uint[1000];
        int at = 0;
        foreach (int len in new[] { 1, 2, 3, 4, 5, 100, 385, 500 })
        {
            stream.Advance((ulong)at).FillUInt32(pieces.AsSpan(at, len));
            at += len;
        }

        Assert.That(at, Is.EqualTo(1000));
        Assert.That(pieces, Is.EqualTo(whole));
        Assert.That(stream.WordAt(777), Is.EqualTo(whole[777]));
    }

    [Test]
    public void StreamValueSemantics()
    {
        var s = new PhiloxStream(1, 2, 3);
        Assert.That(s.Advance(10), Is.EqualTo(new PhiloxStream(1, 2, 13)));
        Assert.That(s, Is.EqualTo(new PhiloxStream(1, 2, 3)), "Advance returns a new value");
        Assert.That(s.SkipSubsequences(5), Is.EqualTo(new PhiloxStream(1, 7, 3)));
        Assert.That(new PhiloxStream(1, ulong.MaxValue, 0).SkipSubsequences(2).Subsequence, Is.EqualTo(1UL), "wraps like cuRAND");
        Assert.Throws<OverflowException>(() => new PhiloxStream(1, 0, ulong.MaxValue - 1).Advance(2));
        Assert.That(s.ToString(), Is.EqualTo("Philox(seed=0x1, subsequence=2, offset=3)"));
    }

    [Test]
    public void DistinctSeedsAndSubsequencesGiveDistinctStreams()
    {
        var a = new uint[64];
        var b = new uint[64];
        var c = new uint[64];
        new PhiloxStream(1).FillUInt32(a);
        new PhiloxStream(2).FillUInt32(b);
        new PhiloxStream(1, 1).FillUInt32(c);
        Assert.That(a, Is.Not.EqualTo(b));
        Assert.That(a, Is.Not.EqualTo(c));
    }

    [Test]
    public void WordsPastTwoToThe64CarryIntoTheNextBlockCounterHalf()
    {
        // Offset 2^64 - 2 with 8 words: word positions pass 2^64 within the subsequence.
        var s = new PhiloxStream(7, 3, ulong.MaxValue - 1);
        var words = new uint[8];
        s.FillUInt32(words);
        // Word 2 is at block (3 * 2^64 + 2^62), lane 0: compute it with the block function.
        Span<uint> block = stackalloc uint[4];
        Philox.Block([0u, 0x40000000u, 3u, 0u], [7u, 0u], block);
        Assert.That(words[2], Is.EqualTo(block[0]));
        Assert.That(words[5], Is.EqualTo(block[3]));
    }

    [Test]
    public void FillAllocatesNothingInSteadyState()
    {
        var stream = new PhiloxStream(5);
        var buffer = new uint[4096];
        using var context = new CpuContext(new CpuContextOptions(CpuIsa.Auto, 1));
        stream.FillUInt32(buffer, context);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            stream.Advance((ulong)i).FillUInt32(buffer, context);
        }

        Assert.That(GC.GetAllocatedBytesForCurrentThread() - before, Is.Zero);
    }
}
