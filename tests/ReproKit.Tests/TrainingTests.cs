using System.Text.Json;
using ReproKit.Cli;
using ReproKit.Training;

namespace ReproKit.Tests;

/// <summary>
/// A whole training run of the digits CNN with ReproKit.Training: the same parameter digest on every ISA and thread
/// count, the recorded digest and a useful model.
/// </summary>
public class TrainingTests
{
    [Test]
    public void TheSameDigestOnEveryIsaAndThreadCount()
    {
        string? reference = null;
        foreach (var (isa, threads) in TestData.Backends())
        {
            using var c = new CpuContext(new CpuContextOptions(isa, threads));
            DigitsTrainingResult r = DigitsTraining.Run(new DigitsTrainingOptions(Epochs: 2, Seed: 7), c);
            reference ??= r.Digest;
            Assert.That(r.Digest, Is.EqualTo(reference), $"{isa} x{threads}");
        }
    }

    [Test]
    public void TheDefaultRunReachesTheTargetAccuracyAndTheRecordedDigest()
    {
        var epochs = new List<DigitsEpoch>();
        DigitsTrainingResult r = DigitsTraining.Run(new DigitsTrainingOptions(), onEpoch: epochs.Add);
        TestContext.Out.WriteLine($"digits CNN, 20 epochs: test accuracy {r.TestAccuracy:P2}, digest {r.Digest}");
        Assert.That(epochs, Has.Count.EqualTo(20));
        Assert.That(epochs[^1].Digest, Is.EqualTo(r.Digest));
        Assert.That(epochs[^1].MeanLoss, Is.LessThan(epochs[0].MeanLoss));
        Assert.That(r.TestAccuracy, Is.GreaterThanOrEqualTo(0.97));
        Assert.That(r.DatasetDigest, Is.EqualTo(ReproKit.Data.Digits.Load().Digest));
        // Any machine, ISA or thread count must train to exactly these parameters.
        Assert.That(r.Digest, Is.EqualTo(DigitsTraining.RecordedDigest));
    }

    [Test]
    public void AdamWTrainsToo()
    {
        DigitsTrainingResult r = DigitsTraining.Run(new DigitsTrainingOptions(Epochs: 5, LearningRate: 3e-3, Optimizer: "adamw"));
        Assert.That(r.TestAccuracy, Is.GreaterThan(0.9));
    }

    [Test]
    public void ModelsAndOptionsRefuseWhatTheyDoNotTake()
    {
        Sequential m = DigitsTraining.CreateModel();
        Assert.That(Assert.Throws<ArgumentException>(() => m.OutputShape([4, 3, 8, 8]))!.Message, Does.Contain("Conv2d(1, 16, 3, padding 1): expects [N, 1, H, W]"));
        Assert.That(m.OutputShape([5, 1, 8, 8]), Is.EqualTo(new[] { 5, 10 }));
        Assert.Throws<ArgumentException>(() => new Sequential());
        Assert.Throws<ArgumentOutOfRangeException>(() => new DropoutLayer(1.0));
        Assert.That(m.Parameters.Select(p => p.Name).First(), Is.EqualTo("0.weight"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => DigitsTraining.Run(new DigitsTrainingOptions(Epochs: 0)))!.ParamName, Is.EqualTo("Epochs"));
        Assert.That(Assert.Throws<ArgumentException>(() => DigitsTraining.Run(new DigitsTrainingOptions(Optimizer: "lbfgs")))!.ParamName, Is.EqualTo("Optimizer"));
    }
}

/// <summary><c>reprokit train</c>: the table, the recorded digest, the same digest on every ISA, JSON, bad options.</summary>
public class TrainCliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => TestCli.Run(args);

    [Test]
    public void TheDefaultRunPrintsTheRecordedDigest()
    {
        var (code, output, err) = Run("train");
        Assert.That(code, Is.Zero, err);
        Assert.That(output, Does.Contain("epoch  steps").And.Contain("E. Alpaydin and C. Kaynak"));
        Assert.That(output, Does.Contain($"Final parameter digest: {DigitsTraining.RecordedDigest}  (= recorded)"));
    }

    [Test]
    public void EveryIsaAndThreadCountPrintsTheSameDigest()
    {
        var digests = new HashSet<string>();
        foreach (var (isa, threads) in TestData.Backends())
        {
            var (code, json, err) = Run("train", "--epochs", "1", "--seed", "3", "--json", "--isa", ReproKitLibrary.IsaName(isa), "--threads", $"{threads}");
            Assert.That(code, Is.Zero, err);
            using JsonDocument doc = JsonDocument.Parse(json);
            Assert.That(doc.RootElement.GetProperty("perEpoch").GetArrayLength(), Is.EqualTo(1));
            Assert.That(doc.RootElement.TryGetProperty("matchesRecorded", out _), Is.False, "not the default run");
            digests.Add(doc.RootElement.GetProperty("digest").GetString()!);
        }

        Assert.That(digests, Has.Count.EqualTo(1));
    }

    [TestCase("--optimizer", "lbfgs")]
    [TestCase("--epochs", "0")]
    [TestCase("--lr", "fast")]
    public void BadOptionsAreUsageErrors(string option, string value)
    {
        var (code, _, err) = Run("train", option, value);
        Assert.That(code, Is.EqualTo(CliApp.ExitUsage), err);
        Assert.That(err, Does.Contain(option));
    }
}
