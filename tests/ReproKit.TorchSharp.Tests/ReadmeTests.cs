using ReproKit.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ReproKit.TorchSharp.Tests;

/// <summary>The package README's three lines, as written there, compile and make a stock model train to ReproKit's digest.</summary>
public sealed class ReadmeTests
{
    [Test]
    public void TheThreeLinesMakeAStockModelTrainToReproKitTrainingsDigest()
    {
        const ulong seed = 5;
        using var context = new CpuContext(new CpuContextOptions(Threads: 1));
        string expected = DigitsTraining.Run(new DigitsTrainingOptions(Epochs: 1, Seed: seed), context).Digest;
        using var model = DigitsModels.Stock();

        // README: begin
        Reproducible.ReplaceLayers(model, seed, reinitialize: true).ThrowIfIncomplete();
        var loss = new ReproCrossEntropyLoss();
        var optimizer = new ReproSGD(model.parameters(), new SgdOptions(0.05, Momentum: 0.9));
        // README: end

        using (loss)
        using (optimizer)
        {
            Assert.That(DigitsModels.Train(model, seed, 1, loss, optimizer), Is.EqualTo(expected));
        }
    }

    [Test]
    public void TheReadmeShowsTheLinesThisFileRuns()
    {
        // The repository's files, found above the test's output folder (bin/Release/net10.0).
        string? root = AppContext.BaseDirectory;
        while (root is not null && !File.Exists(Path.Combine(root, "src/ReproKit.TorchSharp/README.md")))
        {
            root = Path.GetDirectoryName(root.TrimEnd('/', '\\'));
        }

        if (root is null)
        {
            Assert.Ignore($"The repository's sources are not above {AppContext.BaseDirectory}.");
        }

        string thisFile = Path.Combine(root, "tests/ReproKit.TorchSharp.Tests/ReadmeTests.cs");
        string readme = Path.Combine(root, "src/ReproKit.TorchSharp/README.md");
        string source = File.ReadAllText(thisFile);
        int begin = source.IndexOf("// README: begin", StringComparison.Ordinal), end = source.IndexOf("// README: end", StringComparison.Ordinal);
        string[] lines = source[begin..end].Split('\n').Skip(1).Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
        Assert.That(lines, Has.Length.EqualTo(3));
        string[] readmeLines = File.ReadAllLines(readme).Select(l => l.Trim()).ToArray();
        foreach (string line in lines)
        {
            Assert.That(readmeLines, Does.Contain(line), "README.md shows this line");
        }
    }
}
