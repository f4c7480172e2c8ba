using ReproKit.IO;

namespace ReproKit.Tests;

/// <summary>Token sampling from C# and the CLI: batch invariance, backends, generation streams, errors.</summary>
public class SamplingTests
{
    private static float[] Logits(int rows, int vocab, ulong seed)
    {
        var l = new float[rows * vocab];
        new PhiloxStream(seed).FillNormal(l, 0f, 3f);
        return l;
    }

    private static readonly SamplingParams[] Mixed =
    [
        new(0.7f, 50, 0.9),
        new(1f, 0, 0.95),
        new(MinP: 0.05),
        SamplingParams.Greedy,
        new(1.3f, 5),
        new(),
    ];

    [Test]
    public void ARowGivesTheSameResultAloneAndInAnyBatch()
    {
        const int v = 5000, b = 6;
        float[] logits = Logits(b, v, 1);
        var streams = Enumerable.Range(0, b).Select(r => new PhiloxStream(9, (ulong)r, 4)).ToArray();
        var tokens = new int[b];
        var probs = new float[b];
        var logprobs = new float[b];
        var kept = new int[b];
        Sampler.Sample(logits, b, v, Mixed, streams, tokens, probs, logprobs, kept);
        for (int r = 0; r < b; r++)
        {
            SampledToken alone = Sampler.SampleOne(logits.AsSpan(r * v, v), Mixed[r], streams[r]);
            Assert.That(alone, Is.EqualTo(new SampledToken(tokens[r], probs[r], logprobs[r], kept[r])), $"row {r}");
        }

        // Reversed batch order, and each row inside a bigger batch with a row stride.
        int[] order = Enumerable.Range(0, b).Reverse().ToArray();
        float[] reversed = order.SelectMany(r => logits.AsSpan(r * v, v).ToArray()).ToArray();
        var t2 = new int[b];
        Sampler.Sample(reversed, b, v, order.Select(r => Mixed[r]).ToArray(), order.Select(r => streams[r]).ToArray(), t2);
        Assert.That(t2, Is.EqualTo(order.Select(r => tokens[r])));
        const int stride = v + 13;
        var strided = new float[b * stride];
        for (int r = 0; r < b; r++)
        {
            logits.AsSpan(r * v, v).CopyTo(strided.AsSpan(r * stride));
        }

        var t3 = new int[b];
        Sampler.Sample(strided, b, v, Mixed, streams, t3, rowStride: stride);
        Assert.That(t3, Is.EqualTo(tokens));
        Assert.That(tokens[3], Is.EqualTo(Array.IndexOf(logits, logits.AsSpan(3 * v, v).ToArray().Max(), 3 * v) - (3 * v)), "greedy row");
        Assert.That(probs.All(p => p > 0 && p <= 1));
    }

    [Test]
    public void EveryBackendGivesTheSameTokens()
    {
        const int v = 32000, b = 12;
        float[] logits = Logits(b, v, 2);
        var ps = Enumerable.Range(0, b).Select(r => Mixed[r % Mixed.Length]).ToArray();
        var streams = Enumerable.Range(0, b).Select(r => new PhiloxStream(3, (ulong)r)).ToArray();
        var expected = new int[b];
        var expectedProbs = new float[b];
        using (var scalar = new CpuContext(new CpuContextOptions(CpuIsa.Scalar, 1)))
        {
            Sampler.Sample(logits, b, v, ps, streams, expected, expectedProbs, context: scalar);
        }

        foreach (var (isa, threads) in TestData.Backends())
        {
            using var c = new CpuContext(new CpuContextOptions(isa, threads));
            var tokens = new int[b];
            var probs = new float[b];
            Sampler.Sample(logits, b, v, ps, streams, tokens, probs, context: c);
            Assert.That(tokens, Is.EqualTo(expected), $"{isa}/{threads}");
            Assert.That(probs, Is.EqualTo(expectedProbs), $"{isa}/{threads}");
        }
    }

    [Test]
    public void GenerationStreamsDependOnlyOnTheRequest()
    {
        var gen = new GenerationStreams(seed: 77);
        Assert.That(gen.StreamFor(5, 3), Is.EqualTo(new PhiloxStream(77, 5, 6)));
        var batch = new PhiloxStream[2];
        gen.NextStep([10, 11], batch);
        Assert.That(batch, Is.EqualTo(new[] { new PhiloxStream(77, 10, 0), new PhiloxStream(77, 11, 0) }));
        gen.NextStep([11], batch.AsSpan(0, 1));
        Assert.That(batch[0], Is.EqualTo(new PhiloxStream(77, 11, 2)));
        Assert.That(gen.StepOf(11), Is.EqualTo(2UL));
        gen.Remove(11);
        Assert.That(gen.StepOf(11), Is.Zero);
        Assert.Throws<ArgumentException>(() => gen.NextStep([1, 2], new PhiloxStream[1]));
    }

    [Test]
    public void ParallelSamplesOfOneRequestDifferAndEachIsReproducibleAlone()
    {
        // n = 4 samples of one prompt with one seed: the same logits in every row, one row per sample index.
        const int v = 1000, n = 4, steps = 8;
        var logits = new float[v];
        new PhiloxStream(5).FillNormal(logits, 0f, 2f);
        var p = new SamplingParams(Temperature: 1f, TopP: 0.95);
        var rows = new float[n * v];
        for (int i = 0; i < n; i++)
        {
            logits.CopyTo(rows, i * v);
        }

        var together = new GenerationStreams(seed: 11);
        var sequences = new int[n, steps];
        var streams = new PhiloxStream[n];
        var tokens = new int[n];
        for (int t = 0; t < steps; t++)
        {
            together.NextStep([42, 42, 42, 42], [0, 1, 2, 3], streams);
            Sampler.Sample(rows, n, v, [p, p, p, p], streams, tokens);
            for (int i = 0; i < n; i++)
            {
                sequences[i, t] = tokens[i];
            }
        }

        var distinct = Enumerable.Range(0, n).Select(i => string.Join(",", Enumerable.Range(0, steps).Select(t => sequences[i, t]))).Distinct().Count();
        Assert.That(distinct, Is.EqualTo(n), "the siblings read different words, so their token sequences differ");
        for (int i = 0; i < n; i++)
        {
            // Sample i alone (a batch of one, another generator, other requests before it) gives the same tokens.
            var alone = new GenerationStreams(seed: 11);
            alone.NextStep([7], [0], new PhiloxStream[1]);
            for (int t = 0; t < steps; t++)
            {
                var one = new PhiloxStream[1];
                alone.NextStep([42], [(uint)i], one);
                Assert.That(one[0], Is.EqualTo(new PhiloxStream(11, 42, ((ulong)i << 32) + 2UL * (ulong)t)));
                Assert.That(Sampler.SampleOne(logits, p, one[0]).Token, Is.EqualTo(sequences[i, t]), $"sample {i} step {t}");
            }

            Assert.That(alone.StepOf(42, (uint)i), Is.EqualTo((ulong)steps));
        }

        // Sample 0 is the single-sample stream; Remove forgets every sample of the request.
        Assert.That(together.StreamFor(42, 3, 0), Is.EqualTo(together.StreamFor(42, 3)));
        Assert.That(together.StepOf(42, 3), Is.EqualTo((ulong)steps));
        together.Remove(42);
        Assert.That(Enumerable.Range(0, n).Select(i => together.StepOf(42, (uint)i)), Is.All.Zero);
    }

    [Test]
    public void GenerationStreamsCountStepsCorrectlyFromManyThreads()
    {
        var gen = new GenerationStreams(seed: 3);
        Parallel.For(0, 64, new ParallelOptions { MaxDegreeOfParallelism = 4 }, r =>
        {
            var one = new PhiloxStream[1];
            for (int t = 0; t < 100; t++)
            {
                gen.NextStep([(ulong)(r % 8)], [(uint)(r / 8)], one);
            }
        });
        Assert.That(Enumerable.Range(0, 64).Select(r => gen.StepOf((ulong)(r % 8), (uint)(r / 8))), Is.All.EqualTo(100UL));
    }

    [Test]
    public void BadInputNamesTheRow()
    {
        const int v = 100;
        float[] logits = Logits(3, v, 4);
        logits[(2 * v) + 7] = float.NaN;
        var ps = new[] { new SamplingParams(), new SamplingParams(), new SamplingParams() };
        var streams = new[] { new PhiloxStream(1), new PhiloxStream(2), new PhiloxStream(3) };
        var e = Assert.Throws<ArgumentException>(() => Sampler.Sample(logits, 3, v, ps, streams, new int[3]))!;
        Assert.That(e.Message, Does.Contain("row 2"));
        logits[(2 * v) + 7] = 0f;
        Assert.Throws<ArgumentException>(() => Sampler.Sample(logits, 3, v, ps, streams, new int[2]));
        Assert.Throws<ArgumentException>(() => Sampler.Sample(logits, 4, v, ps, streams, new int[3]));
        Assert.Throws<ArgumentException>(() => Sampler.Sample(logits, 3, v, ps, streams, new int[3], new float[2]));
        Assert.Throws<ArgumentException>(() => Sampler.SampleOne(logits.AsSpan(0, v), new SamplingParams(TopP: 0), streams[0]));
        Assert.Throws<ArgumentException>(() => Sampler.SampleOne(logits.AsSpan(0, v), new SamplingParams(MinP: 1), streams[0]));
        Assert.Throws<ArgumentException>(() => Sampler.SampleOne(logits.AsSpan(0, v), new SamplingParams(Temperature: -1), streams[0]));
        Assert.Throws<ArgumentException>(() => Sampler.SampleOne(logits.AsSpan(0, v), new SamplingParams(TopK: -1), streams[0]));
        float[] banned = Enumerable.Repeat(float.NegativeInfinity, 10).ToArray();
        Assert.That(Assert.Throws<ArgumentException>(() => Sampler.SampleOne(banned, new SamplingParams(), streams[0]))!.Message, Does.Contain("row 0"));
        banned[4] = 1f;
        Assert.That(Sampler.SampleOne(banned, new SamplingParams(), streams[0]).Token, Is.EqualTo(4), "-Inf bans tokens");
    }

    [Test]
    public void CliSampleWritesTokensAndProbabilities()
    {
        string dir = Directory.CreateTempSubdirectory("rk-sample").FullName;
        string P(string f) => Path.Combine(dir, f);
        const int v = 1000, b = 4;
        float[] logits = Logits(b, v, 5);
        NpyFile.Write<float>(P("l.npy"), logits, [b, v]);
        int Run(params string[] a) => ReproKit.Cli.CliApp.Run(a, new StringWriter(), new StringWriter());
        Assert.That(Run("sample", "--logits", P("l.npy"), "--temperature", "0.7", "--top-k", "50", "--top-p", "0.9", "--seed", "3", "--subsequence", "10", "--offset", "4",
            "--out", P("t.npy"), "--probs-out", P("p.npy")), Is.Zero);
        var expected = new int[b];
        var probs = new float[b];
        var p = new SamplingParams(0.7f, 50, 0.9);
        Sampler.Sample(logits, b, v, [p, p, p, p], Enumerable.Range(0, b).Select(r => new PhiloxStream(3, 10 + (ulong)r, 4)).ToArray(), expected, probs);
        Assert.That(NpyFile.Read(P("t.npy")).ToArray<int>(), Is.EqualTo(expected));
        Assert.That(NpyFile.Read(P("p.npy")).ToArray<float>(), Is.EqualTo(probs));

        ulong[] rs = [3, 10, 4, 3, 11, 4, 3, 12, 4, 3, 13, 4];
        NpyFile.Write<ulong>(P("rs.npy"), rs, [b, 3]);
        Assert.That(Run("sample", "--logits", P("l.npy"), "--temperature", "0.7", "--top-k", "50", "--top-p", "0.9", "--row-streams", P("rs.npy"), "--out", P("t2.npy")), Is.Zero);
        Assert.That(NpyFile.Read(P("t2.npy")).ToArray<int>(), Is.EqualTo(expected));

        Assert.That(Run("sample", "--logits", P("l.npy"), "--out", P("x.npy")), Is.EqualTo(2), "no seed");
        Assert.That(Run("sample", "--logits", P("l.npy"), "--seed", "1", "--row-streams", P("rs.npy"), "--out", P("x.npy")), Is.EqualTo(2));
        Assert.That(Run("sample", "--logits", P("l.npy"), "--seed", "1", "--top-p", "1.5", "--out", P("x.npy")), Is.EqualTo(1));
        Assert.That(Run("sample", "--logits", P("rs.npy"), "--seed", "1", "--out", P("x.npy")), Is.EqualTo(1), "uint64 logits");
        NpyFile.Write<ulong>(P("rs-bad.npy"), rs, [3, 4]);
        Assert.That(Run("sample", "--logits", P("l.npy"), "--row-streams", P("rs-bad.npy"), "--out", P("x.npy")), Is.EqualTo(1));
    }
}
