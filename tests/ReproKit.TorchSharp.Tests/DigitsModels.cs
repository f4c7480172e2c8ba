using System.Runtime.InteropServices;
using ReproKit.Data;
using ReproKit.Training;
using TorchSharp;
using Sequential = TorchSharp.Modules.Sequential;
using static TorchSharp.torch;

namespace ReproKit.TorchSharp.Tests;

/// <summary>ReproKit's digits CNN (DigitsTraining's architecture) as TorchSharp models, its training loop and digest.</summary>
internal static class DigitsModels
{
    /// <summary>The CNN from Repro modules, keyed as ReproKit.Training keys its layers (indices 0 to 11).</summary>
    public static Sequential Repro(ulong seed) => nn.Sequential(
        ("0", new ReproConv2d(1, 16, 3, ReproKeys.Init(seed, 0), padding: 1)), ("1", new ReproReLU()), ("2", new ReproMaxPool2d(2)),
        ("3", new ReproConv2d(16, 32, 3, ReproKeys.Init(seed, 3), padding: 1)), ("4", new ReproBatchNorm2d(32)), ("5", new ReproReLU()),
        ("6", new ReproMaxPool2d(2)), ("7", nn.Flatten()), ("8", new ReproDropout(0.25, seed, layer: 8)),
        ("9", new ReproLinear(128, 64, ReproKeys.Init(seed, 9))), ("10", new ReproReLU()), ("11", new ReproLinear(64, 10, ReproKeys.Init(seed, 11))));

    /// <summary>The same CNN from stock TorchSharp layers (TorchSharp's own initialization).</summary>
    public static Sequential Stock() => nn.Sequential(
        ("0", nn.Conv2d(1, 16, 3, padding: 1)), ("1", nn.ReLU()), ("2", nn.MaxPool2d(2)),
        ("3", nn.Conv2d(16, 32, 3, padding: 1)), ("4", nn.BatchNorm2d(32)), ("5", nn.ReLU()), ("6", nn.MaxPool2d(2)), ("7", nn.Flatten()),
        ("8", nn.Dropout(0.25)), ("9", nn.Linear(128, 64)), ("10", nn.ReLU()), ("11", nn.Linear(64, 10)));

    /// <summary>
    /// Trains the model as ReproKit.Training's DigitsTraining does (same split, batches, SGD lr 0.05 momentum 0.9,
    /// dropout keyed by step) for <paramref name="epochs"/> epochs with ReproKit's loss and optimizer; returns the digest.
    /// </summary>
    public static string Train(nn.Module<Tensor, Tensor> model, ulong seed, int epochs, CpuContext? context)
    {
        using var loss = new ReproCrossEntropyLoss { Context = context };
        using var optimizer = new ReproSGD(model.parameters(), new SgdOptions(0.05, Momentum: 0.9), context);
        return Train(model, seed, epochs, loss, optimizer);
    }

    /// <summary>Trains the model as <see cref="Train(nn.Module{Tensor, Tensor}, ulong, int, CpuContext?)"/> with this loss and optimizer.</summary>
    public static string Train(nn.Module<Tensor, Tensor> model, ulong seed, int epochs, nn.Module<Tensor, Tensor, Tensor> loss, optim.Optimizer optimizer)
    {
        LabeledDataset data = Digits.Load();
        DatasetSplit split = DatasetSplit.Create(data.Count, DigitsTrainingOptions.ValidationFraction, DigitsTrainingOptions.TestFraction, seed);
        var loader = new DataLoader(data, split.Train, 64, seed);
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

        return Digest(model);
    }

    /// <summary>SHA-256 of every float32 parameter, then every float32 buffer, in module order (ReproKit's Sequential.Digest).</summary>
    public static string Digest(nn.Module model)
    {
        var all = new List<float>();
        foreach ((_, var p) in model.named_parameters())
        {
            all.AddRange(p.data<float>().ToArray());
        }

        foreach ((_, Tensor buffer) in model.named_buffers())
        {
            if (buffer.dtype == ScalarType.Float32)
            {
                all.AddRange(buffer.data<float>().ToArray());
            }
        }

        return OutputDigest.Sha256<float>(CollectionsMarshal.AsSpan(all));
    }
}
