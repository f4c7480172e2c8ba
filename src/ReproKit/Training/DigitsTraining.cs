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

/// <summary>A run's result: every epoch so far, and the test accuracy once it has finished.</summary>
/// <param name="Epochs">Every epoch completed (those before a resume included).</param>
/// <param name="TestAccuracy">The held-out test split's accuracy; null when the run stopped early.</param>
/// <param name="Digest">The model's digest at the end (or where the run stopped).</param>
/// <param name="DatasetDigest">The data set's digest.</param>
/// <param name="Steps">Optimizer steps taken in all.</param>
/// <param name="Finished">False when the run stopped early (<see cref="DigitsRunControl.MaxSteps"/> or cancellation).</param>
public sealed record DigitsTrainingResult(IReadOnlyList<DigitsEpoch> Epochs, double? TestAccuracy, string Digest, string DatasetDigest,
    long Steps = 0, bool Finished = true);

/// <summary>How a run saves, resumes and stops (none of it changes the results).</summary>
/// <param name="CheckpointPath">Where to save checkpoints; null for none.</param>
/// <param name="CheckpointEvery">Save every this many steps; 0 for the end of every epoch. The end of the run and an
/// early stop are always saved.</param>
/// <param name="Resume">A checkpoint to continue from (see <see cref="DigitsTraining.ReadOptions"/>).</param>
/// <param name="MaxSteps">Stop (and save) once this many steps have been taken in all.</param>
/// <param name="Cancellation">Stops (and saves) after the current step.</param>
public sealed record DigitsRunControl(string? CheckpointPath = null, long CheckpointEvery = 0, TrainingCheckpoint? Resume = null,
    long MaxSteps = long.MaxValue, CancellationToken Cancellation = default);

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

    /// <summary>Trains and evaluates the digits CNN on a CPU context.</summary>
    /// <param name="options">The run's settings.</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    /// <param name="onEpoch">Called after each epoch.</param>
    /// <param name="onStep">Called after each step with (epoch, batch, batches per epoch, loss).</param>
    /// <param name="control">Checkpoints, resume and early stop; null for a plain run.</param>
    /// <exception cref="InvalidDataException">The checkpoint to resume was written by another run (settings, data or model).</exception>
    public static DigitsTrainingResult Run(DigitsTrainingOptions options, CpuContext? context = null, Action<DigitsEpoch>? onEpoch = null,
        Action<int, int, int, float>? onStep = null, DigitsRunControl? control = null) =>
        Run(options, TrainingDevice.Cpu(context), onEpoch, onStep, control);

    /// <summary>Trains and evaluates the digits CNN on a device (a CPU context or a CUDA device: the same bits).</summary>
    /// <param name="options">The run's settings.</param>
    /// <param name="device">Where the operations run.</param>
    /// <param name="onEpoch">Called after each epoch.</param>
    /// <param name="onStep">Called after each step with (epoch, batch, batches per epoch, loss).</param>
    /// <param name="control">Checkpoints, resume and early stop; null for a plain run.</param>
    /// <exception cref="InvalidDataException">The checkpoint to resume was written by another run (settings, data or model).</exception>
    public static DigitsTrainingResult Run(DigitsTrainingOptions options, TrainingDevice device, Action<DigitsEpoch>? onEpoch = null,
        Action<int, int, int, float>? onStep = null, DigitsRunControl? control = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(device);
        options.Validate();
        control ??= new DigitsRunControl();
        ArgumentOutOfRangeException.ThrowIfNegative(control.CheckpointEvery, nameof(control.CheckpointEvery));
        ArgumentOutOfRangeException.ThrowIfNegative(control.MaxSteps, nameof(control.MaxSteps));
        LabeledDataset data = Digits.Load();
        DatasetSplit split = DatasetSplit.Create(data.Count, DigitsTrainingOptions.ValidationFraction, DigitsTrainingOptions.TestFraction, options.Seed);
        var loader = new DataLoader(data, split.Train, options.BatchSize, options.Seed);
        Sequential model = CreateModel();
        model.Initialize(options.Seed, device.HostContext);
        model.ReusesBuffers = true; // the run uses each step's arrays before the next step
        Optimizer optimizer = options.Optimizer == "sgd"
            ? new SgdOptimizer(new SgdOptions(options.LearningRate, Momentum: options.Momentum))
            : new AdamOptimizer(AdamOptions.AdamW(options.LearningRate));
        var epochs = new List<DigitsEpoch>();
        var at = new DigitsPosition(0, 0, 0, 0);
        if (control.Resume is { } resume)
        {
            at = DigitsCheckpoints.Restore(resume, options, data.Digest, loader.BatchesPerEpoch, model, optimizer, epochs);
        }

        void Save(DigitsPosition p)
        {
            if (control.CheckpointPath is { } path)
            {
                DigitsCheckpoints.Create(options, data.Digest, p, model, optimizer, epochs).Save(path);
            }
        }

        int features = data.SampleLength;
        var x = new float[options.BatchSize * features];
        var y = new long[options.BatchSize];
        long step = at.Step;
        for (int epoch = at.Epoch; epoch < options.Epochs; epoch++)
        {
            var clock = Stopwatch.StartNew();
            double lossSum = epoch == at.Epoch ? at.EpochLossSum : 0;
            for (int b = epoch == at.Epoch ? at.Batch : 0; b < loader.BatchesPerEpoch; b++)
            {
                if (step >= control.MaxSteps || control.Cancellation.IsCancellationRequested)
                {
                    Save(new DigitsPosition(epoch, b, step, lossSum));
                    return new DigitsTrainingResult(epochs, null, model.Digest, data.Digest, step, Finished: false);
                }

                int n = loader.CopyBatch((ulong)epoch, b, x, y);
                float loss = TrainStep(model, optimizer, x[..(n * features)], y[..n], new ForwardPass(device, true, options.Seed, step));
                lossSum += loss;
                step++;
                onStep?.Invoke(epoch + 1, b + 1, loader.BatchesPerEpoch, loss);
                if (control.CheckpointEvery > 0 && step % control.CheckpointEvery == 0)
                {
                    Save(new DigitsPosition(epoch, b + 1, step, lossSum));
                }
            }

            var e = new DigitsEpoch(epoch + 1, step, lossSum / loader.BatchesPerEpoch, Accuracy(model, data, split.Validation, device, options.Seed, step),
                model.Digest, clock.Elapsed);
            epochs.Add(e);
            onEpoch?.Invoke(e);
            if (control.CheckpointEvery == 0 || epoch + 1 == options.Epochs)
            {
                Save(new DigitsPosition(epoch + 1, 0, step, 0));
            }
        }

        return new DigitsTrainingResult(epochs, Accuracy(model, data, split.Test, device, options.Seed, step), model.Digest, data.Digest, step);
    }

    /// <summary>The settings of the run that wrote <paramref name="checkpoint"/>, to continue it (the epoch count may be raised).</summary>
    /// <param name="checkpoint">A checkpoint of a digits run.</param>
    /// <exception cref="InvalidDataException">The checkpoint is not a digits run's.</exception>
    public static DigitsTrainingOptions ReadOptions(TrainingCheckpoint checkpoint) => DigitsCheckpoints.ReadOptions(checkpoint);

    /// <summary>Where the run that wrote <paramref name="checkpoint"/> stood: the steps taken and the epochs it finished.</summary>
    /// <param name="checkpoint">A checkpoint of a digits run.</param>
    /// <exception cref="InvalidDataException">The checkpoint is not a digits run's.</exception>
    public static (long Steps, IReadOnlyList<DigitsEpoch> FinishedEpochs) ReadProgress(TrainingCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        (DigitsPosition at, List<DigitsEpoch> history) = DigitsCheckpoints.ReadProgress(checkpoint);
        return (at.Step, history);
    }

    // One step: forward, mean cross-entropy, backward, optimizer update. Returns the batch's loss. The first layer
    // computes only its parameters' gradients (nothing uses the gradient of the input images): the same bits as Backward.
    private static float TrainStep(Sequential model, Optimizer optimizer, float[] x, long[] y, ForwardPass pass)
    {
        float[] logits = model.Forward(x, [y.Length, 1, 8, 8], pass);
        Span<float> loss = stackalloc float[1];
        pass.Device.CrossEntropy(logits, y, 10, loss);
        float[] dy = new float[logits.Length];
        pass.Device.CrossEntropyBackward(logits, y, 10, [1f], dy);
        model.BackwardParameters(dy, pass.Device);
        optimizer.Step(model.Parameters, pass.Device);
        return loss[0];
    }

    // The share of `samples` whose largest logit (the first on ties) is the label, in evaluation mode.
    private static double Accuracy(Sequential model, LabeledDataset data, long[] samples, TrainingDevice device, ulong seed, long step)
    {
        var x = new float[samples.Length * data.SampleLength];
        var y = new long[samples.Length];
        data.CopyBatch(samples, x, y);
        float[] logits = model.Forward(x, [samples.Length, 1, 8, 8], new ForwardPass(device, false, seed, step));
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
