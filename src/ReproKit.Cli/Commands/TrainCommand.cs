using System.Globalization;
using System.Text.Json;
using ReproKit.Training;

namespace ReproKit.Cli.Commands;

/// <summary>
/// <c>reprokit train [--epochs E] [--batch-size B] [--lr LR] [--momentum M] [--optimizer sgd|adamw] [--seed S]
/// [--isa I] [--threads T] [--json]</c>: trains the digits CNN on the shipped digits (docs/data.md) and prints a table
/// per epoch and the final digest, "(= recorded)" when the default run reproduces the project's recorded digest.
/// </summary>
internal static class TrainCommand
{
    internal static readonly OptionSpec[] Options =
    [
        new("--epochs", "E", "passes over the training split (default 20)"),
        new("--batch-size", "B", "samples per step (default 64)"),
        new("--lr", "LR", "learning rate (default 0.05 for sgd)"),
        new("--momentum", "M", "SGD momentum (default 0.9)"),
        new("--optimizer", "sgd|adamw", "the optimizer (default sgd)"),
        new("--seed", "S", "seeds the split, batches, initialization and dropout (default 1)"),
        new("--json", null, "print JSON (every epoch and the result) instead of a table"),
        .. BackendOptions.Specs,
    ];

    internal static int Run(ArgReader args, TextWriter stdout)
    {
        var defaults = new DigitsTrainingOptions();
        string optimizer = args.Choice("--optimizer", ["sgd", "adamw"], "sgd");
        var options = new DigitsTrainingOptions(
            Epochs: (int)args.Count("--epochs", 100_000, defaults.Epochs),
            BatchSize: (int)args.Count("--batch-size", 1 << 20, defaults.BatchSize),
            LearningRate: Double(args, "--lr", optimizer == "sgd" ? defaults.LearningRate : 3e-3),
            Momentum: Double(args, "--momentum", defaults.Momentum),
            Optimizer: optimizer,
            Seed: args.UInt64("--seed", defaults.Seed));
        if (options.Epochs < 1 || options.BatchSize < 1)
        {
            throw new UsageException("--epochs and --batch-size must be at least 1.");
        }

        bool json = args.Flag("--json");
        using CpuContext context = BackendOptions.CreateContext(args);
        if (!json)
        {
            stdout.WriteLine($"Training the digits CNN on {ReproKit.Data.Digits.Count} digits ({ReproKit.Data.Digits.Credit})");
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {options.Epochs} epochs, batch {options.BatchSize}, {options.Optimizer} lr {options.LearningRate}, seed {options.Seed}; ISA {ReproKitLibrary.IsaName(context.Isa)}, {context.Threads} thread(s)"));
            stdout.WriteLine($"{"epoch",5} {"steps",6} {"loss",9} {"val acc",8} {"seconds",8}  digest");
        }

        DigitsTrainingResult result = DigitsTraining.Run(options, context,
            onEpoch: e =>
            {
                Progress.Done();
                if (!json)
                {
                    stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{e.Epoch,5} {e.Steps,6} {e.MeanLoss,9:F5} {e.ValidationAccuracy,8:P1} {e.Elapsed.TotalSeconds,8:F2}  {e.Digest[..16]}..."));
                }
            },
            onStep: (epoch, batch, batches, loss) =>
                Progress.Step(string.Create(CultureInfo.InvariantCulture, $"epoch {epoch}/{options.Epochs}, step {batch}/{batches}, loss {loss:F4}"), false));
        Progress.Done();
        bool isDefault = options == defaults;
        bool matches = result.Digest == DigitsTraining.RecordedDigest;
        if (json)
        {
            WriteJson(stdout, options, context, result, isDefault ? matches : null);
        }
        else
        {
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Test accuracy: {result.TestAccuracy:P2} (held-out {DigitsTrainingOptions.TestFraction:P0} of the data)"));
            string verdict = !isDefault ? "" : matches ? "  (= recorded)" : $"  (DIFFERS from the recorded {DigitsTraining.RecordedDigest[..16]}...)";
            stdout.WriteLine($"Final parameter digest: {result.Digest}{verdict}");
        }

        return isDefault && !matches ? CliApp.ExitFailure : CliApp.ExitOk;
    }

    private static double Double(ArgReader args, string name, double defaultValue)
    {
        if (args.String(name) is not { } text)
        {
            return defaultValue;
        }

        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || !(v >= 0) || !double.IsFinite(v))
        {
            throw new UsageException($"option '{name}' is '{text}'; expected a finite number >= 0.");
        }

        return v;
    }

    private static void WriteJson(TextWriter stdout, DigitsTrainingOptions o, CpuContext context, DigitsTrainingResult r, bool? matchesRecorded)
    {
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteNumber("epochs", o.Epochs);
            w.WriteNumber("batchSize", o.BatchSize);
            w.WriteNumber("learningRate", o.LearningRate);
            w.WriteNumber("momentum", o.Momentum);
            w.WriteString("optimizer", o.Optimizer);
            w.WriteNumber("seed", o.Seed);
            w.WriteString("isa", ReproKitLibrary.IsaName(context.Isa));
            w.WriteNumber("threads", context.Threads);
            w.WriteString("datasetDigest", r.DatasetDigest);
            w.WriteStartArray("perEpoch");
            foreach (DigitsEpoch e in r.Epochs)
            {
                w.WriteStartObject();
                w.WriteNumber("epoch", e.Epoch);
                w.WriteNumber("steps", e.Steps);
                w.WriteNumber("meanLoss", e.MeanLoss);
                w.WriteNumber("validationAccuracy", e.ValidationAccuracy);
                w.WriteString("digest", e.Digest);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteNumber("testAccuracy", r.TestAccuracy);
            w.WriteString("digest", r.Digest);
            if (matchesRecorded is { } m)
            {
                w.WriteBoolean("matchesRecorded", m);
            }

            w.WriteEndObject();
        }

        stdout.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }
}
