namespace ReproKit.Tests;

/// <summary>Random123's known-answer vectors for philox4x32 with 10 and 7 rounds.</summary>
public class PhiloxKatTests
{
    [Test]
    public void EveryPhilox4x32LineMatches()
    {
        var kats = TestData.Philox4x32Kats();
        Assert.That(kats.Count(k => k.Rounds == 10), Is.GreaterThan(0));
        Assert.That(kats.Count(k => k.Rounds == 7), Is.GreaterThan(0));
        Span<uint> output = stackalloc uint[4];
        foreach (var k in kats)
        {
            Philox.Block(k.Counter, k.Key, output, k.Rounds);
            Assert.That(output.ToArray(), Is.EqualTo(k.Expected), k.Line);
        }
    }

    [Test]
    public void BlockRejectsBadArguments()
    {
        uint[] counter = new uint[4], key = new uint[2], output = new uint[4];
        Assert.Throws<ArgumentException>(() => Philox.Block(new uint[3], key, output));
        Assert.Throws<ArgumentException>(() => Philox.Block(counter, new uint[1], output));
        Assert.Throws<ArgumentException>(() => Philox.Block(counter, key, new uint[5]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Philox.Block(counter, key, output, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => Philox.Block(counter, key, output, 17));
    }
}
