using System.Globalization;
using System.Text.Json;
using ReproKit.Cli.Bench;

namespace ReproKit.Cli.Commands;

/// <summary>
/// <c>reprokit bench rand|dropout|sample|conv2d|linear|training|peak|all [--device cpu|cuda:N] [--isa I] [--threads T] [--count N] [--repeat R] [--json | --json-out FILE]</c>:
/// throughput of each case (best of R runs after a warm-up), with the digest of each output so runs on different
/// machines can be compared for equality as well as speed. <c>all</c> runs every operation; with --json it prints a
/// JSON array holding one result per operation (the envelope of <see cref="BenchTiming.WriteJson"/>). <c>peak</c> measures
/// the machine's bounds (FMA peak, memory copy) for 1 .. T threads; every CPU result carries those of its thread count.
/// </summary>
internal static class BenchCommand
{
    /// <summary>The operations <c>bench all</c> runs, in order.</summary>
    internal static readonly string[] Ops = ["rand", "dropout", "sample", "conv2d", "linear", "training"];

    internal static readonly OptionSpec[] Options =
    [
        new("op", null, "what to measure: rand, dropout, sample, conv2d, linear, training (activations and optimizer steps), peak (the machine's FMA peak and memory-copy bound for 1..T threads) or all (every operation; --json prints an array)", Required: true),
        new("--device", "D", "cpu (default) or cuda:N: the same cases on CUDA device N (CudaBench)"),
        new("--count", "N", "values per run (default 16777216)"),
        new("--repeat", "R", "timed runs per case; the best is reported (default 5)"),
        new("--json", null, "print JSON instead of a table (reprokit bench report renders it)"),
        new("--json-out", "FILE.json", "write that JSON to FILE.json instead of printing it"),
        new("--vocab", "V1,V2,..", "sample: vocabulary sizes (default 32000,128256,262144)"),
        new("--batch", "B1,B2,..", "sample: batch sizes (default 1,8,32)"),
        new("--shape", "N,C,H,W,K,R,S[,st,pad,dil,g]", "conv2d: one problem instead of the target shapes"),
        new("--algo", "A", "conv2d: one forward algorithm (auto|direct|implicit-gemm|winograd-2x3|winograd-4x3|fft)"),
        new("--linear-shape", "N,IN,OUT", "linear: one problem instead of the target shapes"),
        .. BackendOptions.Specs,
    ];

    internal static int Run(ArgReader args, TextWriter stdout)
    {
        string op = args.Choice("op", [.. Ops, "peak", "all"]);
        int count = (int)args.Count("--count", 1 << 28, 1 << 24);
        int repeat = (int)Math.Max(1, args.Count("--repeat", 1000, 5));
        string? jsonOut = args.String("--json-out");
        bool json = args.Flag("--json") || jsonOut is not null;
        if (jsonOut is not null && !Directory.Exists(Path.GetDirectoryName(Path.GetFullPath(jsonOut))))
        {
            throw new IOException($"--json-out: the folder of '{jsonOut}' does not exist.");
        }

        // Every option is checked before anything runs, so `bench all` cannot fail on its last operation's options.
        string? algo = args.Has("--algo") ? args.Choice("--algo", Conv2dCommand.AlgorithmNames) : null;
        string? shape = args.String("--shape");
        if (shape is not null)
        {
            ConvBench.Parse(shape);
        }

        string? linearShape = args.String("--linear-shape");
        if (linearShape is not null)
        {
            LinearBench.Parse(linearShape);
        }

        int[] vocabs = IntList(args, "--vocab", [32000, 128256, 262144]);
        int[] batches = IntList(args, "--batch", [1, 8, 32]);
        if (jsonOut is null)
        {
            return Measure(args, op, count, repeat, json, vocabs, batches, shape, algo, linearShape, stdout);
        }

        // Written only once every case has run, so an interrupted run leaves no half file behind.
        var text = new StringWriter();
        int status = Measure(args, op, count, repeat, json, vocabs, batches, shape, algo, linearShape, text);
        File.WriteAllText(jsonOut, text.ToString(), new System.Text.UTF8Encoding(false));
        stdout.WriteLine($"bench {op}: wrote {jsonOut}");
        return status;
    }

    private static int Measure(ArgReader args, string op, int count, int repeat, bool json, int[] vocabs, int[] batches,
        string? shape, string? algo, string? linearShape, TextWriter stdout)
    {
        if (DeviceOption.Parse(args.String("--device")) is int device)
        {
            if (op == "peak")
            {
                throw new UsageException("bench peak measures the CPU; it takes no --device.");
            }

            if (args.Has("--isa") || args.Has("--threads") || shape is not null || algo is not null || linearShape is not null)
            {
                throw new UsageException("--device cuda:N runs the default cases on the GPU; --isa, --threads, --shape, --algo and --linear-shape are CPU options.");
            }

            if (op != "all")
            {
                return CudaBench.Run(op, device, count, repeat, json, vocabs, batches, stdout);
            }

            return RunAll(json, stdout, (one, writer) => CudaBench.Run(one, device, count, repeat, json, vocabs, batches, writer));
        }

        using CpuContext context = BackendOptions.CreateContext(args);
        if (op == "peak")
        {
            return PeakBench.Run(json, context, stdout);
        }

        if (op != "all")
        {
            return RunOne(op, count, repeat, json, vocabs, batches, shape, algo, linearShape, context, stdout);
        }

        return RunAll(json, stdout, (one, writer) => RunOne(one, count, repeat, json, vocabs, batches, shape, algo, linearShape, context, writer));
    }

    // Every operation in turn: tables one after another, or one JSON array of the per-operation envelopes.
    private static int RunAll(bool json, TextWriter stdout, Func<string, TextWriter, int> runOne)
    {
        if (!json)
        {
            foreach (string one in Ops)
            {
                runOne(one, stdout);
                stdout.WriteLine();
            }

            return CliApp.ExitOk;
        }

        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartArray();
            foreach (string one in Ops)
            {
                var text = new StringWriter();
                runOne(one, text);
                using JsonDocument doc = JsonDocument.Parse(text.ToString());
                doc.RootElement.WriteTo(w);
            }

            w.WriteEndArray();
        }

        stdout.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
        return CliApp.ExitOk;
    }

    private static int RunOne(string op, int count, int repeat, bool json, int[] vocabs, int[] batches, string? shape, string? algo,
        string? linearShape, CpuContext context, TextWriter stdout)
    {
        if (op == "conv2d")
        {
            return ConvBench.Run(shape, algo, repeat, json, context, stdout);
        }

        if (op == "sample")
        {
            return SampleBench.Run(vocabs, batches, repeat, json, context, stdout);
        }

        if (op == "linear")
        {
            return LinearBench.Run(linearShape, repeat, json, context, stdout);
        }

        return RandAndDropoutBench.Run(op, count, repeat, json, context, stdout);
    }

    private static int[] IntList(ArgReader args, string name, int[] defaults)
    {
        if (args.String(name) is not { } text)
        {
            return defaults;
        }

        var values = new List<int>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out int v) || v < 1)
            {
                throw new UsageException($"option '{name}' is '{text}'; expected positive integers separated by commas.");
            }

            values.Add(v);
        }

        return values.ToArray();
    }
}
