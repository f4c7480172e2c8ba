using ReproKit.Training;

namespace ReproKit.TorchSharp.Tests;

/// <summary>ReproKit's digits CNN as a TorchSharp model with Repro layers trains to ReproKit.Training's own digest (as the sample does).</summary>
public sealed class DigitsRunTests
{
    [TestCase(1, 2)]
    [TestCase(2, 3)]
    public void ReproLayersTrainToReproKitTrainingsDigest(int threads, int epochs)
    {
        const ulong seed = 5;
        using var context = new CpuContext(new CpuContextOptions(Threads: threads));
        string expected = DigitsTraining.Run(new DigitsTrainingOptions(Epochs: epochs, Seed: seed), context).Digest;
        using var model = DigitsModels.Repro(seed);
        model.SetContext(context);
        Assert.That(DigitsModels.Train(model, seed, epochs, context), Is.EqualTo(expected));
    }
}
