using System.Diagnostics;
using ReproKit.Data;

namespace ReproKit.Training;

/// <summary>The settings of a digits training run (defaults: the run whose digest the project records).</summary>
/// <param name="Epochs">Passes over the training split.</param>
/// <param name="BatchSize">Samples per step.</param>
/// <param name="LearningRate">The learning rate.</param>
/// <param name="Momentum">SGD momentum (ignored by AdamW).</param>
/// <param name="Optimizer"><c>sgd</c> or <c>adamw</c>.</param>
/// <param name="Seed">Seeds the split, the batches, the initialization and the dropout masks.</param>
public sealed record DigitsTrainingOptions(int Epochs = 20, int BatchSize = 64, double LearningRate = 0.05, double Momentum = 0.9,
    string Optimizer = "sgd", ulong Seed = 1)
{
    /// <summary>The validation share of the data (the test share is 0.2).</summary>
    public const double ValidationFraction = 0.1;

    /// <summary>The held-out test share of the data.</summary>
    public const double TestFraction = 0.2;

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(Epochs, 1, nameof(Epochs));
        ArgumentOutOfRangeException.ThrowIfLessThan(BatchSize, 1, nameof(BatchSize));
        if (!(LearningRate > 0 && double.IsFinite(LearningRate)))
        {
            throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "The learning rate must be positive and finite.");
        }

        if (Optimizer is not ("sgd" or "adamw"))
        {
            throw new ArgumentException($"The optimizer is '{Optimizer}'; 'sgd' and 'adamw' are available.", nameof(Optimizer));
        }
    }
}

/// <summary>One epoch of a run: the mean training loss, the validation accuracy and the model's digest after it.</summary>
/// <param name="Epoch">The epoch, from 1.</param>
/// <param name="Steps">Optimizer steps taken so far.</param>
/// <param name="MeanLoss">The mean of the epoch's batch losses (added in batch order in binary64).</param>
/// <param name="ValidationAccuracy">The validation split's accuracy after the epoch.</param>
/// <param name="Digest">The model's digest after the epoch.</param>
/// <param name="Elapsed">Wall time of the epoch (not part of the results).</param>
public sealed record DigitsEpoch(int Epoch, long Steps, double MeanLoss, double ValidationAccuracy, string Digest, TimeSpan Elapsed);

/// <summary>A finished run.</summary>
/// <param name="Epochs">Every epoch.</param>
/// <param name="TestAccuracy">The held-out test split's accuracy.</param>
/// <param name="Digest">The final model's digest.</param>
/// <param name="DatasetDigest">The data set's digest.</param>
public sealed record DigitsTrainingResult(IReadOnlyList<DigitsEpoch> Epochs, double TestAccuracy, string Digest, string DatasetDigest);

/// <summary>
/// The reference training run: the digits CNN (conv 1→16, ReLU, pool, conv 16→32, BatchNorm, ReLU, pool, dropout 0.25,
/// linear 128→64, ReLU, linear 64→10) on the shipped digits, with cross-entropy and SGD (momentum) or AdamW. Every
/// source of randomness is keyed by the seed, so the run gives the same digest on every ISA and thread count.
/// </summary>
public static class DigitsTraining
{
    /// <summary>The digest the default run (<see cref="DigitsTrainingOptions"/>'s defaults) must reach on every machine.</summary>
    public const string RecordedDigest = "e2ea206a05ecc5fae9e85e0d898e3c5ac2510c5af29a954da2118850d1669061";

    /// <summary>A fresh, uninitialized digits CNN.</summary>
    public static Sequential CreateModel() => new(
        new Conv2dLayer(1, 16, 3, padding: 1), new ReluLayer(), new MaxPool2dLayer(2),
        new Conv2dLayer(16, 32, 3, padding: 1), new BatchNorm2dLayer(32), new ReluLayer(), new MaxPool2dLayer(2),
        new FlattenLayer(), new DropoutLayer(0.25), new LinearLayer(128, 64), new ReluLayer(), new LinearLayer(64, 10));

    /// <summary>Trains and evaluates the digits CNN.</summary>
    /// <param name="options">The run's settings.</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    /// <param name="onEpoch">Called after each epoch.</param>
    /// <param name="onStep">Called after each step with (epoch, batch, batches per epoch, loss).</param>
    public static DigitsTrainingResult Run(DigitsTrainingOptions options, CpuContext? context = null, Action<DigitsEpoch>? onEpoch = null,
        Action<int, int, int, float>? onStep = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        CpuContext ctx = context ?? CpuContext.Shared;
        LabeledDataset data = Digits.Load();
        DatasetSplit split = DatasetSplit.Create(data.Count, DigitsTrainingOptions.ValidationFraction, DigitsTrainingOptions.TestFraction, options.Seed);
        var loader = new DataLoader(data, split.Train, options.BatchSize, options.Seed);
        Sequential model = CreateModel();
        model.Initialize(options.Seed, ctx);
        Optimizer optimizer = options.Optimizer == "sgd"
            ? new SgdOptimizer(new SgdOptions(options.LearningRate, Momentum: options.Momentum))
            : new AdamOptimizer(AdamOptions.AdamW(options.LearningRate));
        int features = data.SampleLength;
        var x = new float[options.BatchSize * features];
        var y = new long[options.BatchSize];
        var epochs = new List<DigitsEpoch>();
        long step = 0;
        for (int epoch = 0; epoch < options.Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            double lossSum = 0;
            for (int b = 0; b < loader.BatchesPerEpoch; b++, step++)
            {
                int n = loader.CopyBatch((ulong)epoch, b, x, y);
                float loss = TrainStep(model, optimizer, x[..(n * features)], y[..n], new ForwardPass(ctx, true, options.Seed, step));
                lossSum += loss;
                onStep?.Invoke(epoch + 1, b + 1, loader.BatchesPerEpoch, loss);
            }

            var e = new DigitsEpoch(epoch + 1, step, lossSum / loader.BatchesPerEpoch, Accuracy(model, data, split.Validation, ctx, options.Seed, step),
                model.Digest, clock.Elapsed);
            epochs.Add(e);
            onEpoch?.Invoke(e);
        }

        return new DigitsTrainingResult(epochs, Accuracy(model, data, split.Test, ctx, options.Seed, step), model.Digest, data.Digest);
    }

    // One step: forward, mean cross-entropy, backward, optimizer update. Returns the batch's loss.
    private static float TrainStep(Sequential model, Optimizer optimizer, float[] x, long[] y, ForwardPass pass)
    {
        float[] logits = model.Forward(x, [y.Length, 1, 8, 8], pass);
        var loss = new float[1];
        Loss.CrossEntropy(logits, y, 10, loss, context: pass.Context);
        var dLogits = new float[logits.Length];
        Loss.CrossEntropyBackward(logits, y, 10, [1f], dLogits, context: pass.Context);
        model.Backward(dLogits, pass.Context);
        optimizer.Step(model.Parameters, pass.Context);
        return loss[0];
    }

    // The share of `samples` whose largest logit (the first on ties) is the label, in evaluation mode.
    private static double Accuracy(Sequential model, LabeledDataset data, long[] samples, CpuContext ctx, ulong seed, long step)
    {
        var x = new float[samples.Length * data.SampleLength];
        var y = new long[samples.Length];
        data.CopyBatch(samples, x, y);
        float[] logits = model.Forward(x, [samples.Length, 1, 8, 8], new ForwardPass(ctx, false, seed, step));
        int correct = 0;
        for (int i = 0; i < y.Length; i++)
        {
            int best = 0;
            for (int k = 1; k < 10; k++)
            {
                if (logits[i * 10 + k] > logits[i * 10 + best])
                {
                    best = k;
                }
            }

            correct += best == y[i] ? 1 : 0;
        }

        return (double)correct / y.Length;
    }
}
