using ReproKit.Data;
using ReproKit.Training;

namespace ReproKit.Tests;

/// <summary>
/// A whole training run of the digits CNN with ReproKit.Training: the same parameter digest on every ISA and thread
/// count, and a useful model.
/// </summary>
public class TrainingTests
{
    internal static Sequential DigitsCnn() => new(
        new Conv2dLayer(1, 16, 3, padding: 1), new ReluLayer(), new MaxPool2dLayer(2),
        new Conv2dLayer(16, 32, 3, padding: 1), new BatchNorm2dLayer(32), new ReluLayer(), new MaxPool2dLayer(2),
        new FlattenLayer(), new DropoutLayer(0.25), new LinearLayer(128, 64), new ReluLayer(), new LinearLayer(64, 10));

    internal sealed record RunResult(string Digest, double TestAccuracy, float LastLoss);

    internal static RunResult TrainDigits(int epochs, ulong seed, CpuContext context)
    {
        LabeledDataset data = Digits.Load();
        DatasetSplit split = DatasetSplit.Create(data.Count, 0.1, 0.2, seed);
        var loader = new DataLoader(data, split.Train, batchSize: 64, seed);
        Sequential model = DigitsCnn();
        model.Initialize(seed, context);
        var sgd = new SgdOptimizer(new SgdOptions(0.05, Momentum: 0.9));
        var x = new float[64 * 64];
        var y = new long[64];
        float lastLoss = float.NaN;
        long step = 0;
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            for (int b = 0; b < loader.BatchesPerEpoch; b++, step++)
            {
                int n = loader.CopyBatch((ulong)epoch, b, x, y);
                float[] logits = model.Forward(x[..(n * 64)], [n, 1, 8, 8], new ForwardPass(context, true, seed, step));
                var loss = new float[1];
                Loss.CrossEntropy(logits, y.AsSpan(0, n), 10, loss, context: context);
                var dLogits = new float[logits.Length];
                Loss.CrossEntropyBackward(logits, y.AsSpan(0, n), 10, [1f], dLogits, context: context);
                model.Backward(dLogits, context);
                sgd.Step(model.Parameters, context);
                lastLoss = loss[0];
            }
        }

        int correct = 0;
        var tx = new float[split.Test.Length * 64];
        var ty = new long[split.Test.Length];
        data.CopyBatch(split.Test, tx, ty);
        float[] testLogits = model.Forward(tx, [split.Test.Length, 1, 8, 8], new ForwardPass(context, false, seed, step));
        for (int i = 0; i < ty.Length; i++)
        {
            int best = 0;
            for (int k = 1; k < 10; k++)
            {
                if (testLogits[i * 10 + k] > testLogits[i * 10 + best])
                {
                    best = k;
                }
            }

            correct += best == ty[i] ? 1 : 0;
        }

        return new RunResult(model.Digest, (double)correct / ty.Length, lastLoss);
    }

    [Test]
    public void TheSameDigestOnEveryIsaAndThreadCount()
    {
        string? reference = null;
        foreach (var (isa, threads) in TestData.Backends())
        {
            using var c = new CpuContext(new CpuContextOptions(isa, threads));
            RunResult r = TrainDigits(2, 7, c);
            reference ??= r.Digest;
            Assert.That(r.Digest, Is.EqualTo(reference), $"{isa} x{threads}");
        }
    }

    [Test]
    public void TwentyEpochsReachTheTargetAccuracy()
    {
        RunResult r = TrainDigits(20, 1, CpuContext.Shared);
        TestContext.Out.WriteLine($"digits CNN, 20 epochs: test accuracy {r.TestAccuracy:P2}, last loss {r.LastLoss}, digest {r.Digest}");
        Assert.That(r.TestAccuracy, Is.GreaterThanOrEqualTo(0.97));
        // The recorded digest of this run: any machine, ISA or thread count must train to exactly these parameters.
        Assert.That(r.Digest, Is.EqualTo("e2ea206a05ecc5fae9e85e0d898e3c5ac2510c5af29a954da2118850d1669061"));
    }

    [Test]
    public void ModelsRefuseShapesTheyDoNotTake()
    {
        Sequential m = DigitsCnn();
        Assert.That(Assert.Throws<ArgumentException>(() => m.OutputShape([4, 3, 8, 8]))!.Message, Does.Contain("Conv2d(1, 16, 3, padding 1): expects [N, 1, H, W]"));
        Assert.That(m.OutputShape([5, 1, 8, 8]), Is.EqualTo(new[] { 5, 10 }));
        Assert.Throws<ArgumentException>(() => new Sequential());
        Assert.Throws<ArgumentOutOfRangeException>(() => new DropoutLayer(1.0));
        Assert.That(m.Parameters.Select(p => p.Name).First(), Is.EqualTo("0.weight"));
    }
}
