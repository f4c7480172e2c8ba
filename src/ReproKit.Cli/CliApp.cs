using ReproKit.Cli.Commands;

namespace ReproKit.Cli;

/// <summary>The <c>reprokit</c> command: dispatches sub-commands and turns every failure into a message and an exit code.</summary>
internal static class CliApp
{
    /// <summary>Exit code of a successful run.</summary>
    internal const int ExitOk = 0;

    /// <summary>Exit code when the operation itself failed (bad data, native error, I/O).</summary>
    internal const int ExitFailure = 1;

    /// <summary>Exit code for a usage error (unknown command or option, bad option value).</summary>
    internal const int ExitUsage = 2;

    /// <summary>Exit code for an unexpected exception: a bug in reprokit, reported without a stack trace.</summary>
    internal const int ExitInternal = 3;

    /// <summary>Stopped by Ctrl+C after saving what it could (128 + SIGINT, as shells report it).</summary>
    internal const int ExitInterrupted = 130;

    private static readonly (string Name, string Summary, OptionSpec[] Options, Func<ArgReader, TextWriter, int> Run)[] Commands =
    [
        ("info", "library and native versions, CPU features, backends and ISAs", InfoCommand.Options, InfoCommand.Run),
        ("rand", "Philox random streams (cuRAND-compatible words and uniforms)", RandCommand.Options, RandCommand.Run),
        ("dropout", "reproducible dropout forward / backward on .npy tensors, with byte or bit-packed masks", DropoutCommand.Options, DropoutCommand.Run),
        ("sample", "token sampling (temperature, top-k, top-p, min-p) with per-row streams", SampleCommand.Options, SampleCommand.Run),
        ("conv2d", "2-D convolution forward / backward with an explicit or Auto algorithm on .npy tensors", Conv2dCommand.Options, Conv2dCommand.Run),
        ("linear", "linear layer y = x W^T + b forward / backward on .npy tensors (conv2d 1x1's bits)", LinearCommand.Options, LinearCommand.Run),
        ("pool2d", "MaxPool2d / AvgPool2d / global average pooling forward and backward on .npy tensors", Pool2dCommand.Options, Pool2dCommand.Run),
        ("cross-entropy", "softmax cross-entropy loss (none / sum / mean, ignore index, label smoothing) and its gradient", CrossEntropyCommand.Options, CrossEntropyCommand.Run),
        ("train", "train the digits CNN on the shipped digits: per-epoch table, final digest (= recorded) on every machine", TrainCommand.Options, TrainCommand.Run),
        ("bench", "throughput of each operation, with digests (bench rand|dropout|sample|conv2d|linear|training|peak|all)", BenchCommand.Options, BenchCommand.Run),
        ("bench report", "HTML (and SVG) comparison charts of bench results, flagging digests that differ", BenchReportCommand.Options, BenchReportCommand.Run),
        ("verify", "run the golden suite on this machine's backends and compare with the recorded digests", VerifyCommand.Options, VerifyCommand.Run),
        ("replay", "recompute every call of a manifest on this machine and check the digests", ReplayCommand.Options, ReplayCommand.Run),
        ("compare", "compare two manifests or two bench results", CompareCommand.Options, CompareCommand.Run),
        ("demo", "a short tour: what ReproKit computes for fixed seeds, with SHA-256 digests to compare machines", DemoCommand.Options, DemoCommand.Run),
    ];

    internal static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            PrintUsage(stdout);
            return args.Length == 0 ? ExitUsage : ExitOk;
        }

        if (args[0] == "--synopsis")
        {
            foreach (string line in Synopsis())
            {
                stdout.WriteLine(line);
            }

            return ExitOk;
        }

        if (args[0] == "--version")
        {
            stdout.WriteLine($"reprokit {ReproKitLibrary.ManagedVersion}");
            return ExitOk;
        }

        // A two-word command ("bench report") takes precedence over its first word.
        int words = args.Length > 1 && Commands.Any(c => c.Name == $"{args[0]} {args[1]}") ? 2 : 1;
        string name = string.Join(' ', args.Take(words));
        var command = Commands.FirstOrDefault(c => c.Name == name);
        if (command.Name is null)
        {
            stderr.WriteLine($"reprokit: error: unknown command '{args[0]}'. Run 'reprokit --help' for the list.");
            return ExitUsage;
        }

        try
        {
            var reader = new ArgReader(command.Name, command.Options, args.Skip(words).ToArray());
            if (reader.WantsHelp)
            {
                stdout.Write(reader.Help(command.Name));
                return ExitOk;
            }

            ManifestRecorder.Reset();
            // Ctrl+C: train stops at a step and saves its checkpoint itself; any other command removes what it wrote.
            using var guard = command.Name == "train"
                ? null
                : new InterruptGuard(command.Name, InterruptGuard.OutputPaths(reader, command.Options), stderr);
            int code = command.Run(reader, stdout);
            if (code == ExitOk && reader.String(ManifestRecorder.Spec.Name) is { } manifestPath)
            {
                ManifestRecorder.Record(manifestPath, command.Name, args.Skip(words).ToArray());
            }

            return code;
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"reprokit {command.Name}: error: {e.Message}");
            stderr.WriteLine($"Run 'reprokit {command.Name} --help' for usage.");
            return ExitUsage;
        }
        catch (Exception e) when (e is ArgumentException or InvalidDataException or IOException or UnauthorizedAccessException
                                      or ReproKitException or DllNotFoundException or OverflowException or ObjectDisposedException
                                      or FormatException or System.Text.Json.JsonException or NotSupportedException
                                      or OutOfMemoryException)
        {
            stderr.WriteLine($"reprokit {command.Name}: error: {e.Message}");
            return ExitFailure;
        }
        catch (Exception e)
        {
            // Anything else is a bug; still no stack trace on the user's terminal (RK_CLI_TRACE=1 prints it).
            stderr.WriteLine($"reprokit {command.Name}: internal error: {e.GetType().Name}: {e.Message}");
            stderr.WriteLine(Environment.GetEnvironmentVariable("RK_CLI_TRACE") == "1"
                ? e.ToString()
                : "This is a bug in reprokit; please report it with the command line (RK_CLI_TRACE=1 shows the stack trace).");
            return ExitInternal;
        }
    }

    /// <summary>One usage line per command, from the commands' own option specs (README's synopsis is this, checked by a test).</summary>
    internal static IEnumerable<string> Synopsis() => Commands.Select(c => ArgReader.UsageLine(c.Name, c.Options));

    private static void PrintUsage(TextWriter w)
    {
        w.WriteLine("reprokit: bit-reproducible randomness for deep learning");
        w.WriteLine();
        w.WriteLine("usage: reprokit <command> [options]      (reprokit <command> --help for its options)");
        w.WriteLine();
        foreach (var c in Commands)
        {
            w.WriteLine($"  {c.Name,-12} {c.Summary}");
        }

        w.WriteLine();
        w.WriteLine("reprokit --synopsis prints every command's options; reprokit --version the version.");
        w.WriteLine("Exit codes: 0 success, 1 the operation failed, 2 a usage error, 3 an internal error (a bug), 130 stopped by Ctrl+C.");
        w.WriteLine();
        w.WriteLine("Environment: RK_ISA=scalar|avx2|avx512|neon forces an ISA, RK_NUM_THREADS=N sets the thread count,");
        w.WriteLine("RK_PARALLEL_MIN_WORK=N the work per piece below which a call stays on one thread (default 2^22; same results),");
        w.WriteLine("REPROKIT_NATIVE_PATH=FILE|DIR loads the native library from there, REPROKIT_CUDA_PLUGIN=FILE names the CUDA plugin.");
    }
}
