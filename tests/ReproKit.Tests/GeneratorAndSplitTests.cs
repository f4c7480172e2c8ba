namespace ReproKit.Tests;

/// <summary>The checkpointable generator, permutations, shuffles, splits and weight initialisation.</summary>
public class GeneratorAndSplitTests
{
    [Test]
    public void AGeneratorResumedFromJsonContinuesIdentically()
    {
        var a = new ReproRandom(seed: 123, subsequence: 4);
        var first = new float[1001];
        a.NextNormal(first);
        a.NextUniform(new float[7]);
        string saved = a.ToJson();
        var expected = new float[500];
        var expectedInts = new long[9];
        a.NextNormal(expected);
        a.NextInt64(expectedInts, 0, 100);

        var b = ReproRandom.FromJson(saved);
        Assert.That(b.Stream, Is.EqualTo(new PhiloxStream(123, 4, 1002 + 7)), "normal consumed whole pairs, uniform one word each");
        var got = new float[500];
        var gotInts = new long[9];
        b.NextNormal(got);
        b.NextInt64(gotInts, 0, 100);
        Assert.That(DistributionTests.Bits(got), Is.EqualTo(DistributionTests.Bits(expected)));
        Assert.That(gotInts, Is.EqualTo(expectedInts));
        Assert.That(b.Stream, Is.EqualTo(a.Stream));
    }

    [Test]
    public void GeneratorCallsEqualOneStreamRead()
    {
        var g = new ReproRandom(9);
        var parts = new uint[10];
        g.NextUInt32(parts.AsSpan(0, 3));
        g.NextUInt32(parts.AsSpan(3, 7));
        var whole = new uint[10];
        new PhiloxStream(9).FillUInt32(whole);
        Assert.That(parts, Is.EqualTo(whole));
    }

    [Test]
    public void ForksAreDeterministicAndIndependent()
    {
        var g = new ReproRandom(5, 2, 100);
        ReproRandom c1 = g.Fork(1), c1Again = g.Fork(1), c2 = g.Fork(2);
        Assert.That(c1.Stream, Is.EqualTo(c1Again.Stream));
        Assert.That(c1.Stream, Is.Not.EqualTo(c2.Stream));
        Assert.That(g.Stream, Is.EqualTo(new PhiloxStream(5, 2, 100)), "forking consumes nothing");
        Assert.That(new ReproRandom(5, 3).Fork(1).Stream, Is.Not.EqualTo(c1.Stream), "the parent's subsequence matters");
        var x = new float[100_000];
        var y = new float[100_000];
        c1.NextNormal(x);
        c2.NextNormal(y);
        double corr = x.Zip(y, (p, q) => (double)p * q).Sum() / x.Length;
        Assert.That(Math.Abs(corr), Is.LessThan(0.02));
    }

    [TestCase("")]
    [TestCase("{}")]
    [TestCase("{\"format\":\"other\",\"seed\":\"1\",\"subsequence\":\"0\",\"offset\":\"0\"}")]
    [TestCase("{\"format\":\"reprokit.philox4x32-10/1\",\"seed\":\"-1\",\"subsequence\":\"0\",\"offset\":\"0\"}")]
    [TestCase("{\"format\":\"reprokit.philox4x32-10/1\",\"seed\":1,\"subsequence\":\"0\",\"offset\":\"0\"}")]
    public void BadSavedStatesAreRejected(string json)
    {
        Assert.Throws<FormatException>(() => ReproRandom.FromJson(json));
    }

    [Test]
    public void GeneratorStopsBeforeTheOffsetOverflows()
    {
        var g = new ReproRandom(1, 0, ulong.MaxValue - 2);
        Assert.Throws<OverflowException>(() => g.NextUInt32(new uint[4]));
        Assert.That(g.Stream.Offset, Is.EqualTo(ulong.MaxValue - 2), "nothing was consumed");
    }

    [TestCase(1UL)]
    [TestCase(2UL)]
    [TestCase(97UL)]
    [TestCase(1024UL)]
    [TestCase(4099UL)]
    public void PermutationsAreBijectionsWithInverses(ulong n)
    {
        var p = new Permutation(n, 42, 7);
        var image = new ulong[n];
        p.Fill(image);
        Assert.That(image.Order(), Is.EqualTo(Enumerable.Range(0, (int)n).Select(i => (ulong)i)));
        var inverse = new ulong[n];
        p.FillInverse(inverse);
        for (ulong i = 0; i < n; i++)
        {
            Assert.That(inverse[image[i]], Is.EqualTo(i));
        }

        Assert.That(p.Apply(n - 1), Is.EqualTo(image[n - 1]));
        Assert.That(p.Invert(image[0]), Is.Zero);
    }

    [Test]
    public void PermutationArgumentsAreChecked()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Permutation(0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Permutation((1UL << 63) + 1, 1));
        var p = new Permutation(10, 1);
        Assert.Throws<ArgumentOutOfRangeException>(() => p.Fill(new ulong[5], 6));
        var huge = new Permutation(1UL << 63, 3);
        ulong j = huge.Apply((1UL << 62) + 12345);
        Assert.That(huge.Invert(j), Is.EqualTo((1UL << 62) + 12345));
    }

    [Test]
    public void ShufflesAndSplitsPartitionTheData()
    {
        long[] order = DataSplits.ShuffledIndices(1000, 7, epoch: 0);
        Assert.That(order.Order(), Is.EqualTo(Enumerable.Range(0, 1000).Select(i => (long)i)));
        Assert.That(DataSplits.ShuffledIndices(1000, 7, epoch: 1), Is.Not.EqualTo(order), "each epoch has its own order");
        Assert.That(DataSplits.ShuffledIndices(1000, 7, epoch: 0), Is.EqualTo(order), "and the same order every time");

        int[] data = Enumerable.Range(100, 1000).ToArray();
        var shuffled = new int[1000];
        DataSplits.Shuffle<int>(data, shuffled, 7);
        Assert.That(shuffled, Is.EqualTo(order.Select(i => data[i])));
        Assert.Throws<ArgumentException>(() => DataSplits.Shuffle<int>(data, data, 7));

        var (train, test) = DataSplits.TrainTestSplit(1000, 0.25, 7);
        Assert.That(test, Has.Length.EqualTo(250));
        Assert.That(train.Concat(test).Order(), Is.EqualTo(Enumerable.Range(0, 1000).Select(i => (long)i)));
        Assert.Throws<ArgumentOutOfRangeException>(() => DataSplits.TrainTestSplit(10, 1.5, 1));

        var folds = DataSplits.KFold(103, 5, 7);
        Assert.That(folds, Has.Count.EqualTo(5));
        Assert.That(folds.SelectMany(f => f.Validation).Order(), Is.EqualTo(Enumerable.Range(0, 103).Select(i => (long)i)));
        foreach (FoldSplit f in folds)
        {
            Assert.That(f.Train.Length + f.Validation.Length, Is.EqualTo(103));
            Assert.That(f.Train.Intersect(f.Validation), Is.Empty);
            Assert.That(f.Validation.Length, Is.InRange(20, 21));
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => DataSplits.KFold(3, 5, 1));
    }

    [Test]
    public void WeightInitFollowsTorchFormulas()
    {
        long[] shape = [64, 3, 7, 7];
        Assert.That(WeightInit.Fans(shape), Is.EqualTo((147L, 3136L)));
        var w = new float[64 * 3 * 7 * 7];
        var stream = new PhiloxStream(1);

        float bound = WeightInit.KaimingUniform(w, shape, stream);
        Assert.That(bound, Is.EqualTo((float)(Math.Sqrt(3.0) * (Math.Sqrt(2.0) / Math.Sqrt(147)))));
        var expected = new float[w.Length];
        stream.FillUniform(expected, -bound, bound);
        Assert.That(DistributionTests.Bits(w), Is.EqualTo(DistributionTests.Bits(expected)));

        float std = WeightInit.KaimingNormal(w, shape, stream, mode: FanMode.FanOut, nonlinearity: Nonlinearity.Relu);
        Assert.That(std, Is.EqualTo((float)(Math.Sqrt(2.0) / Math.Sqrt(3136))));
        float xb = WeightInit.XavierUniform(w, shape, stream, gain: WeightInit.Gain(Nonlinearity.Tanh));
        Assert.That(xb, Is.EqualTo((float)(Math.Sqrt(3.0) * (5.0 / 3 * Math.Sqrt(2.0 / (147 + 3136))))));
        Assert.That(w.Max(), Is.LessThanOrEqualTo(xb));
        Assert.That(WeightInit.Gain(Nonlinearity.LeakyRelu, 0.2), Is.EqualTo(Math.Sqrt(2.0 / 1.04)));
        Assert.Throws<ArgumentException>(() => WeightInit.XavierNormal(new float[5], shape, stream));
        Assert.Throws<ArgumentException>(() => WeightInit.Fans(new long[] { 5 }));
    }
}
