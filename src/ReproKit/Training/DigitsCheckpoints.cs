using System.Globalization;
using System.Text.Json.Nodes;

namespace ReproKit.Training;

/// <summary>
/// Where a digits run stands: the epoch in progress (0-based), the next batch of it, the steps taken and the sum of the
/// epoch's batch losses so far. With the seed, this is every stream position of the run: batches come from the
/// permutation of (seed, epoch), dropout masks from (seed, step, layer).
/// </summary>
internal sealed record DigitsPosition(int Epoch, int Batch, long Step, double EpochLossSum);

/// <summary>The digits run's checkpoint metadata (docs/training.md, "Checkpoints"): what it writes and what it checks on resume.</summary>
internal static class DigitsCheckpoints
{
    private const string RunName = "digits-cnn";

    internal static TrainingCheckpoint Create(DigitsTrainingOptions o, string datasetDigest, DigitsPosition p, Sequential model,
        Optimizer optimizer, IReadOnlyList<DigitsEpoch> history)
    {
        var metadata = new JsonObject
        {
            ["run"] = RunName,
            ["options"] = new JsonObject
            {
                ["epochs"] = o.Epochs, ["batchSize"] = o.BatchSize, ["learningRate"] = o.LearningRate, ["momentum"] = o.Momentum,
                ["optimizer"] = o.Optimizer, ["seed"] = o.Seed,
            },
            ["datasetDigest"] = datasetDigest,
            ["position"] = new JsonObject { ["epoch"] = p.Epoch, ["batch"] = p.Batch, ["step"] = p.Step, ["epochLossSum"] = p.EpochLossSum },
            ["optimizerSteps"] = optimizer.Steps,
            ["history"] = new JsonArray([.. history.Select(e => (JsonNode)new JsonObject
            {
                ["epoch"] = e.Epoch, ["steps"] = e.Steps, ["meanLoss"] = e.MeanLoss, ["validationAccuracy"] = e.ValidationAccuracy, ["digest"] = e.Digest,
            })]),
        };
        return new TrainingCheckpoint(metadata, model.StateArrays);
    }

    internal static DigitsTrainingOptions ReadOptions(TrainingCheckpoint c)
    {
        ArgumentNullException.ThrowIfNull(c);
        return Read(() =>
        {
            if ((string?)c.Metadata["run"] != RunName)
            {
                throw new InvalidDataException($"the checkpoint is of run '{(string?)c.Metadata["run"]}', not the digits CNN ('{RunName}')");
            }

            JsonNode o = c.Metadata["options"]!;
            return new DigitsTrainingOptions((int)o["epochs"]!, (int)o["batchSize"]!, (double)o["learningRate"]!, (double)o["momentum"]!,
                (string)o["optimizer"]!, (ulong)o["seed"]!);
        });
    }

    /// <summary>Loads the checkpoint into a fresh model and optimizer after checking that it belongs to this run.</summary>
    internal static DigitsPosition Restore(TrainingCheckpoint c, DigitsTrainingOptions options, string datasetDigest, int batchesPerEpoch,
        Sequential model, Optimizer optimizer, List<DigitsEpoch> history)
    {
        DigitsTrainingOptions saved = ReadOptions(c);
        if (saved with { Epochs = options.Epochs } != options)
        {
            throw new InvalidDataException($"the checkpoint was written by a run with other settings ({Describe(saved)}; this run: {Describe(options)}); only the epoch count may change.");
        }

        return Read(() =>
        {
            if ((string?)c.Metadata["datasetDigest"] != datasetDigest)
            {
                throw new InvalidDataException($"the checkpoint was written for other data (data set digest {(string?)c.Metadata["datasetDigest"]}, this data {datasetDigest})");
            }

            (DigitsPosition at, List<DigitsEpoch> saved) = ReadProgress(c);
            if (at.Epoch > options.Epochs || (at.Epoch == options.Epochs && at.Batch > 0))
            {
                throw new InvalidDataException($"the checkpoint is in epoch {at.Epoch + 1}; this run has only {options.Epochs} epoch(s) (raise --epochs)");
            }

            if (at.Batch < 0 || at.Batch > batchesPerEpoch || at.Step != (long)at.Epoch * batchesPerEpoch + at.Batch
                || (long)c.Metadata["optimizerSteps"]! != at.Step)
            {
                throw new InvalidDataException($"its position (epoch {at.Epoch}, batch {at.Batch}, step {at.Step}) does not fit {batchesPerEpoch} batches per epoch");
            }

            history.AddRange(saved);
            c.RestoreInto(model.StateArrays);
            optimizer.Restore(at.Step);
            // At an epoch's end the model must be the one whose digest the epoch recorded: a cheap check of the restore.
            if (at.Batch == 0 && history.Count > 0 && history[^1].Digest != model.Digest)
            {
                throw new InvalidDataException($"the restored model's digest differs from the one it recorded for epoch {history.Count}");
            }

            return at;
        });
    }

    /// <summary>The position and the finished epochs a checkpoint records.</summary>
    internal static (DigitsPosition Position, List<DigitsEpoch> History) ReadProgress(TrainingCheckpoint c) => Read(() =>
    {
        JsonNode p = c.Metadata["position"]!;
        var at = new DigitsPosition((int)p["epoch"]!, (int)p["batch"]!, (long)p["step"]!, (double)p["epochLossSum"]!);
        var history = c.Metadata["history"]!.AsArray().Select(e => new DigitsEpoch((int)e!["epoch"]!, (long)e["steps"]!, (double)e["meanLoss"]!,
            (double)e["validationAccuracy"]!, (string)e["digest"]!, TimeSpan.Zero)).ToList();
        if (history.Count != at.Epoch)
        {
            throw new InvalidDataException($"it records {history.Count} finished epoch(s) at epoch {at.Epoch + 1}");
        }

        return (at, history);
    });

    private static string Describe(DigitsTrainingOptions o) => string.Create(CultureInfo.InvariantCulture,
        $"batch {o.BatchSize}, {o.Optimizer} lr {o.LearningRate} momentum {o.Momentum}, seed {o.Seed}");

    // Metadata of the wrong shape (a field missing or of another type) is a damaged checkpoint, said as such.
    private static T Read<T>(Func<T> read)
    {
        try
        {
            return read();
        }
        catch (Exception e) when (e is InvalidOperationException or NullReferenceException or FormatException or ArgumentException)
        {
            throw new InvalidDataException($"the checkpoint's metadata is not a digits run's: {e.Message}", e);
        }
    }
}
