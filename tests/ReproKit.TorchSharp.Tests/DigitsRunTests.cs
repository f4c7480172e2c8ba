using System.Runtime.InteropServices;
using ReproKit.Data;
using ReproKit.Training;
using TorchSharp;
using static TorchSharp.torch;

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

        LabeledDataset data = Digits.Load();
        DatasetSplit split = DatasetSplit.Create(data.Count, DigitsTrainingOptions.ValidationFraction, DigitsTrainingOptions.TestFraction, seed);
        var loader = new DataLoader(data, split.Train, 64, seed);
        using var model = nn.Sequential(
            ("0", new ReproConv2d(1, 16, 3, ReproKeys.Init(seed, 0), padding: 1)), ("1", new ReproReLU()), ("2", new ReproMaxPool2d(2)),
            ("3", new ReproConv2d(16, 32, 3, ReproKeys.Init(seed, 3), padding: 1)), ("4", new ReproBatchNorm2d(32)), ("5", new ReproReLU()),
            ("6", new ReproMaxPool2d(2)), ("7", nn.Flatten()), ("8", new ReproDropout(0.25, seed, layer: 8)),
            ("9", new ReproLinear(128, 64, ReproKeys.Init(seed, 9))), ("10", new ReproReLU()), ("11", new ReproLinear(64, 10, ReproKeys.Init(seed, 11))));
        model.SetContext(context);
        using var loss = new ReproCrossEntropyLoss { Context = context };
        using var optimizer = new ReproSGD(model.parameters(), new SgdOptions(0.05, Momentum: 0.9), context);
        var x = new float[64 * 64];
        var y = new long[64];
        long step = 0;
        model.train();
        for (int epoch = 0; epoch < epochs; epoch++)
        {
            for (int b = 0; b < loader.BatchesPerEpoch; b++, step++)
            {
                using var scope = torch.NewDisposeScope();
                int n = loader.CopyBatch((ulong)epoch, b, x, y);
                model.SetStep(step);
                optimizer.zero_grad();
                loss.call(model.call(torch.tensor(x[..(n * 64)]).reshape(n, 1, 8, 8)), torch.tensor(y[..n])).backward();
                optimizer.step();
            }
        }

        var all = new List<float>();
        foreach ((_, var p) in model.named_parameters())
        {
            all.AddRange(p.data<float>().ToArray());
        }

        foreach ((string name, Tensor buffer) in model.named_buffers())
        {
            if (buffer.dtype == ScalarType.Float32)
            {
                all.AddRange(buffer.data<float>().ToArray());
            }
        }

        Assert.That(OutputDigest.Sha256<float>(CollectionsMarshal.AsSpan(all)), Is.EqualTo(expected));
    }
}
