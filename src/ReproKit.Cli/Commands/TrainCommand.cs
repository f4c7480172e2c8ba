using System.Globalization;
using System.Text.Json;
using ReproKit.Training;

namespace ReproKit.Cli.Commands;

/// <summary>
/// <c>reprokit train [--epochs E] [--batch-size B] [--lr LR] [--momentum M] [--optimizer sgd|adamw] [--seed S]
/// [--checkpoint FILE [--checkpoint-every N]] [--resume FILE] [--max-steps N] [--manifest FILE] [--isa I] [--threads T]
/// [--device cpu|cuda:N] [--json]</c>: trains the digits CNN on the shipped digits (docs/data.md) and prints a table per epoch and the final
/// digest, "(= recorded)" when the run has the default settings and reproduces the project's recorded digest. Ctrl+C
/// stops after the current step and saves the checkpoint (when one is named), so the run can be resumed.
/// </summary>
internal static class TrainCommand
{
    internal static readonly OptionSpec[] Options =
    [
        new("--epochs", "E", "passes over the training split (default 20; with --resume, the checkpoint's, and may be raised)"),
        new("--batch-size", "B", "samples per step (default 64)"),
        new("--lr", "LR", "learning rate (default 0.05 for sgd, 0.003 for adamw)"),
        new("--momentum", "M", "SGD momentum (default 0.9)"),
        new("--optimizer", "sgd|adamw", "the optimizer (default sgd)"),
        new("--seed", "S", "seeds the split, batches, initialization and dropout (default 1)"),
        new("--checkpoint", "FILE", "save the whole state there (atomically) after every epoch, at the end and when stopped"),
        new("--checkpoint-every", "N", "with --checkpoint: save every N steps instead of every epoch"),
        new("--resume", "FILE", "continue the run saved in FILE (its settings; the result is the uninterrupted run's)"),
        new("--max-steps", "N", "stop after N steps in all (saving the checkpoint); resume later with --resume"),
        new("--json", null, "print JSON (every epoch and the result) instead of a table"),
        new("--device", "D", "cpu (default) or cuda:N: the same bits on CUDA device N (each operation's data copied there and back)"),
        ManifestRecorder.Spec,
        .. BackendOptions.Specs,
    ];

    // The options that set the run; with --resume they come from the checkpoint instead.
    private static readonly string[] SettingOptions = ["--batch-size", "--lr", "--momentum", "--optimizer", "--seed"];

    internal static int Run(ArgReader args, TextWriter stdout)
    {
        TrainingCheckpoint? resume = null;
        DigitsTrainingOptions options;
        if (args.String("--resume") is { } resumePath)
        {
            if (SettingOptions.FirstOrDefault(args.Has) is { } given)
            {
                throw new UsageException($"{given} cannot be given with --resume: the run's settings come from the checkpoint (only --epochs may change).");
            }

            resume = TrainingCheckpoint.Load(resumePath);
            DigitsTrainingOptions saved = Prefixed(resumePath, () => DigitsTraining.ReadOptions(resume));
            options = saved with { Epochs = (int)args.Count("--epochs", 100_000, saved.Epochs) };
        }
        else
        {
            options = ParseSettings(args);
        }

        if (options.Epochs < 1 || options.BatchSize < 1)
        {
            throw new UsageException("--epochs and --batch-size must be at least 1.");
        }

        string? checkpoint = args.String("--checkpoint");
        long every = args.Count("--checkpoint-every", long.MaxValue, 0);
        if (args.Has("--checkpoint-every") && (checkpoint is null || every < 1))
        {
            throw new UsageException(checkpoint is null ? "--checkpoint-every needs --checkpoint FILE." : "--checkpoint-every must be at least 1.");
        }

        bool json = args.Flag("--json");
        int? cudaDevice = DeviceOption.Parse(args.String("--device"));
        if (cudaDevice is not null && (args.Has("--isa") || args.Has("--threads")))
        {
            throw new UsageException("--device cuda:N trains on the GPU; drop --isa and --threads.");
        }

        using CpuContext context = BackendOptions.CreateContext(args);
        using CudaContext? cuda = cudaDevice is int d ? new CudaContext(d) : null;
        TrainingDevice device = cuda is null ? TrainingDevice.Cpu(context) : TrainingDevice.Cuda(cuda);
        ManifestRecorder.Backend = device.Name;
        if (!json)
        {
            stdout.WriteLine($"Training the digits CNN on {ReproKit.Data.Digits.Count} digits ({ReproKit.Data.Digits.Credit})");
            string where = cuda is null ? $"ISA {ReproKitLibrary.IsaName(context.Isa)}, {context.Threads} thread(s)" : $"{device.Name} ({cuda.Device.Name})";
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {options.Epochs} epochs, batch {options.BatchSize}, {options.Optimizer} lr {options.LearningRate}, seed {options.Seed}; {where}"));
            stdout.WriteLine($"{"epoch",5} {"steps",6} {"loss",9} {"val acc",8} {"seconds",8}  digest");
            if (resume is not null)
            {
                (long steps, IReadOnlyList<DigitsEpoch> finished) = Prefixed(args.String("--resume")!, () => DigitsTraining.ReadProgress(resume));
                foreach (DigitsEpoch e in finished)
                {
                    stdout.WriteLine(EpochLine(e, "  (checkpoint)"));
                }

                stdout.WriteLine($"  resuming at step {steps} from {args.String("--resume")}");
            }
        }

        using var stop = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true; // finish the step, save, then exit
            stop.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        DigitsTrainingResult result;
        var bar = new TrainProgress(options.Epochs);
        try
        {
            var control = new DigitsRunControl(checkpoint, every, resume, args.Count("--max-steps", long.MaxValue, long.MaxValue), stop.Token);
            result = Prefixed(args.String("--resume") ?? "", () => DigitsTraining.Run(options, device,
                onEpoch: e =>
                {
                    Progress.Done();
                    if (!json)
                    {
                        stdout.WriteLine(EpochLine(e, ""));
                    }
                },
                onStep: bar.Step,
                control: control));
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
            Progress.Done();
        }

        ManifestRecorder.Details["datasetDigest"] = result.DatasetDigest;
        ManifestRecorder.Details["finalDigest"] = result.Digest;
        ManifestRecorder.Details["steps"] = result.Steps.ToString(CultureInfo.InvariantCulture);
        ManifestRecorder.Details["finished"] = result.Finished ? "true" : "false";
        ManifestRecorder.Details["settings"] = string.Create(CultureInfo.InvariantCulture,
            $"epochs {options.Epochs}, batch {options.BatchSize}, {options.Optimizer} lr {options.LearningRate} momentum {options.Momentum}, seed {options.Seed}");
        if (result.TestAccuracy is { } testAccuracy)
        {
            ManifestRecorder.Details["testAccuracy"] = testAccuracy.ToString("R", CultureInfo.InvariantCulture);
        }

        ManifestRecorder.Epochs.AddRange(result.Epochs.Select(e => new ManifestEpoch(e.Epoch, e.Steps, e.MeanLoss, e.ValidationAccuracy, e.Digest)));
        bool isDefault = options == new DigitsTrainingOptions() && result.Finished;
        bool matches = result.Digest == DigitsTraining.RecordedDigest;
        if (json)
        {
            WriteJson(stdout, options, context, device, result, isDefault ? matches : null);
        }
        else if (!result.Finished)
        {
            stdout.WriteLine($"Stopped after step {result.Steps}{(checkpoint is null ? " (no --checkpoint: the state was not saved)" : $"; the state is saved in {checkpoint}: continue with 'reprokit train --resume {checkpoint}'")}.");
            stdout.WriteLine($"Parameter digest at step {result.Steps}: {result.Digest}");
        }
        else
        {
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Test accuracy: {result.TestAccuracy:P2} (held-out {DigitsTrainingOptions.TestFraction:P0} of the data)"));
            string verdict = !isDefault ? "" : matches ? "  (= recorded)" : $"  (DIFFERS from the recorded {DigitsTraining.RecordedDigest[..16]}...)";
            stdout.WriteLine($"Final parameter digest: {result.Digest}{verdict}");
        }

        return stop.IsCancellationRequested ? CliApp.ExitInterrupted : isDefault && !matches ? CliApp.ExitFailure : CliApp.ExitOk;
    }

    private static DigitsTrainingOptions ParseSettings(ArgReader args)
    {
        var defaults = new DigitsTrainingOptions();
        string optimizer = args.Choice("--optimizer", ["sgd", "adamw"], "sgd");
        return new DigitsTrainingOptions(
            Epochs: (int)args.Count("--epochs", 100_000, defaults.Epochs),
            BatchSize: (int)args.Count("--batch-size", 1 << 20, defaults.BatchSize),
            LearningRate: Double(args, "--lr", optimizer == "sgd" ? defaults.LearningRate : 3e-3),
            Momentum: Double(args, "--momentum", defaults.Momentum),
            Optimizer: optimizer,
            Seed: args.UInt64("--seed", defaults.Seed));
    }

    // A checkpoint that does not fit the run: the message names the file.
    private static T Prefixed<T>(string path, Func<T> f)
    {
        try
        {
            return f();
        }
        catch (InvalidDataException e) when (path.Length > 0 && !e.Message.StartsWith(path, StringComparison.Ordinal))
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    private static string EpochLine(DigitsEpoch e, string note) => string.Create(CultureInfo.InvariantCulture,
        $"{e.Epoch,5} {e.Steps,6} {e.MeanLoss,9:F5} {e.ValidationAccuracy,8:P1} {e.Elapsed.TotalSeconds,8:F2}  {e.Digest[..16]}...{note}");

    // The progress line on a terminal: a bar over the whole run, epoch, step, loss and the time left.
    private sealed class TrainProgress(int epochs)
    {
        private readonly System.Diagnostics.Stopwatch clock = System.Diagnostics.Stopwatch.StartNew();
        private long stepsSeen;

        internal void Step(int epoch, int batch, int batches, float loss)
        {
            stepsSeen++;
            long total = (long)epochs * batches, done = (long)(epoch - 1) * batches + batch;
            double fraction = (double)done / total;
            const int width = 20;
            int filled = (int)(fraction * width);
            // The rate counts only the steps of this process (a resumed run starts mid-way).
            double secondsLeft = clock.Elapsed.TotalSeconds / stepsSeen * (total - done);
            Progress.Step(string.Create(CultureInfo.InvariantCulture,
                $"[{new string('#', filled)}{new string('.', width - filled)}] epoch {epoch}/{epochs}, step {batch}/{batches}, loss {loss:F4}, ETA {secondsLeft:F0} s"), false);
        }
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

    private static void WriteJson(TextWriter stdout, DigitsTrainingOptions o, CpuContext context, TrainingDevice device, DigitsTrainingResult r,
        bool? matchesRecorded)
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
            w.WriteString("device", device.Name);
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
            w.WriteBoolean("finished", r.Finished);
            w.WriteNumber("steps", r.Steps);
            if (r.TestAccuracy is { } testAccuracy)
            {
                w.WriteNumber("testAccuracy", testAccuracy);
            }

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
