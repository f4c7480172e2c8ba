using System.Globalization;
using ReproKit.IO;

namespace ReproKit.Cli.Commands;

/// <summary>
/// <c>reprokit rand --dist D --seed S [--subsequence Q] [--offset O] --count N [--out FILE.npy]</c>: values of a
/// cuRAND-compatible Philox stream under any of ReproKit's distributions, printed one a line or saved as .npy.
/// </summary>
internal static class RandCommand
{
    private const int ChunkSize = 1 << 16; // even: normal pairs never straddle two chunks

    private static readonly string[] Distributions =
    [
        "u32", "uniform", "normal", "truncnormal", "bernoulli", "int", "perm",
        "kaiming-uniform", "kaiming-normal", "xavier-uniform", "xavier-normal",
    ];

    internal static readonly OptionSpec[] Options =
    [
        new("--dist", "D", string.Join("|", Distributions), Required: true),
        new("--seed", "S", "stream seed, decimal or 0x-hex, up to 2^64-1", Required: true),
        new("--subsequence", "Q", "stream subsequence (default 0); perm: the permutation's subsequence"),
        new("--offset", "O", "stream offset in 32-bit words (default 0)"),
        new("--count", "N", "number of values (init fills: default the product of --shape)"),
        new("--out", "FILE.npy", "write a NumPy .npy file instead of printing"),
        new("--low", "L", "uniform: lower bound (default 0 = curand_uniform in (0, 1]); int: smallest value"),
        new("--high", "H", "uniform: upper bound; int: one past the largest value"),
        new("--mean", "M", "normal, truncnormal: mean (default 0)"),
        new("--std", "S", "normal, truncnormal: standard deviation (default 1)"),
        new("--a", "A", "truncnormal: lower cut-off (default -2)"),
        new("--b", "B", "truncnormal: upper cut-off (default 2)"),
        new("--p", "P", "bernoulli: probability of a 1"),
        new("--n", "N", "perm: size of the permuted range (default --count)"),
        new("--first", "F", "perm: first position (default 0)"),
        new("--inverse", null, "perm: write the inverse permutation"),
        new("--shape", "D0,D1,...", "init fills: weight shape (fans as torch.nn.init)"),
        new("--mode", "fan-in|fan-out", "kaiming: which fan (default fan-in)"),
        new("--nonlinearity", "NL", "kaiming: linear|sigmoid|tanh|relu|leaky-relu|selu (default leaky-relu)"),
        new("--slope", "A", "kaiming: leaky ReLU negative slope, torch's a (default 0)"),
        new("--gain", "G", "xavier: gain (default 1)"),
        .. BackendOptions.Specs,
        ManifestRecorder.Spec,
    ];

    internal static int Run(ArgReader args, TextWriter stdout)
    {
        string dist = args.Choice("--dist", Distributions);
        var stream = new PhiloxStream(args.UInt64("--seed"), args.UInt64("--subsequence"), args.UInt64("--offset"));
        string? outPath = args.String("--out");
        long[]? shape = args.Has("--shape") ? ParseShape(args.String("--shape")!) : null;
        bool isInit = dist.StartsWith("kaiming", StringComparison.Ordinal) || dist.StartsWith("xavier", StringComparison.Ordinal);
        if (isInit && shape is null)
        {
            throw new UsageException($"--dist {dist} needs --shape (the weight's shape, e.g. 64,3,7,7).");
        }

        long maxCount = outPath is null ? long.MaxValue / 2 : NpyFile.MaxElements;
        long count = args.Has("--count") ? args.Count("--count", maxCount)
            : shape is not null ? shape.Aggregate(1L, (a, b) => checked(a * b))
            : throw new UsageException("option '--count' is required.");
        if (isInit && shape!.Aggregate(1L, (a, b) => a * b) != count)
        {
            throw new UsageException($"--count {count} differs from the number of elements of --shape ({string.Join(",", shape!)}).");
        }

        ulong wordsPerElement = dist switch { "int" => 2, "perm" => 0, _ => 1 };
        if (wordsPerElement > 0 && (ulong.MaxValue - stream.Offset) / wordsPerElement < (ulong)count + 1)
        {
            throw new UsageException($"offset {stream.Offset} + the {count} values' words pass 2^64 - 1.");
        }

        using CpuContext context = BackendOptions.CreateContext(args);
        IChunkSource source = dist switch
        {
            "u32" => new Chunks<uint>((s, _, d) => s.FillUInt32(d, context), stream, 1, Hex),
            "uniform" when args.Has("--low") || args.Has("--high") => UniformRange(args, stream, context),
            "uniform" => new Chunks<float>((s, _, d) => s.FillUniform(d, context), stream, 1, FormatFloat),
            "normal" => Normal(args, stream, context),
            "truncnormal" => TruncatedNormal(args, stream, context),
            "bernoulli" => Bernoulli(args, stream, context),
            "int" => Integers(args, stream, context),
            "perm" => Perm(args, stream, count, context),
            _ => Init(dist, args, shape!, stream, count, context),
        };

        if (outPath is not null)
        {
            source.WriteNpy(outPath, (int)count);
        }
        else
        {
            source.Print(stdout, count);
        }

        return CliApp.ExitOk;
    }

    /// <summary>The float's bit pattern as 8 hex digits, a space, then its shortest round-trip decimal value.</summary>
    internal static string FormatFloat(float v) =>
        BitConverter.SingleToUInt32Bits(v).ToString("x8", CultureInfo.InvariantCulture) + " " +
        v.ToString("R", CultureInfo.InvariantCulture);

    private static string Hex(uint v) => v.ToString("x8", CultureInfo.InvariantCulture);

    private static IChunkSource UniformRange(ArgReader args, PhiloxStream stream, CpuContext context)
    {
        float low = Float(args, "--low", 0f), high = Float(args, "--high", 1f);
        return new Chunks<float>((s, _, d) => s.FillUniform(d, low, high, context), stream, 1, FormatFloat);
    }

    private static IChunkSource Normal(ArgReader args, PhiloxStream stream, CpuContext context)
    {
        float mean = Float(args, "--mean", 0f), std = Float(args, "--std", 1f);
        return new Chunks<float>((s, _, d) => s.FillNormal(d, mean, std, context), stream, 1, FormatFloat);
    }

    private static IChunkSource TruncatedNormal(ArgReader args, PhiloxStream stream, CpuContext context)
    {
        float mean = Float(args, "--mean", 0f), std = Float(args, "--std", 1f), a = Float(args, "--a", -2f), b = Float(args, "--b", 2f);
        return new Chunks<float>((s, _, d) => s.FillTruncatedNormal(d, mean, std, a, b, context), stream, 1, FormatFloat);
    }

    private static IChunkSource Bernoulli(ArgReader args, PhiloxStream stream, CpuContext context)
    {
        double p = Double(args, "--p") ?? throw new UsageException("--dist bernoulli needs --p.");
        return new Chunks<byte>((s, _, d) => s.FillBernoulli(d, p, context), stream, 1, v => v.ToString(CultureInfo.InvariantCulture));
    }

    private static IChunkSource Integers(ArgReader args, PhiloxStream stream, CpuContext context)
    {
        long low = Int64(args, "--low") ?? throw new UsageException("--dist int needs --low and --high.");
        long high = Int64(args, "--high") ?? throw new UsageException("--dist int needs --low and --high.");
        return new Chunks<long>((s, _, d) => s.FillInt64(d, low, high, context), stream, 2, v => v.ToString(CultureInfo.InvariantCulture));
    }

    private static IChunkSource Perm(ArgReader args, PhiloxStream stream, long count, CpuContext context)
    {
        ulong n = args.Has("--n") ? args.UInt64("--n") : (ulong)count;
        if (n is 0 or > Permutation.MaxCount)
        {
            throw new UsageException($"--n must be in [1, 2^63] (got {n}).");
        }

        ulong first = args.UInt64("--first");
        if (first > n || (ulong)count > n - first)
        {
            throw new UsageException($"positions {first} .. {first} + {count} pass --n {n}.");
        }

        var perm = new Permutation(n, stream.Seed, stream.Subsequence);
        bool inverse = args.Flag("--inverse");
        return new Chunks<ulong>(
            (_, start, d) =>
            {
                if (inverse)
                {
                    perm.FillInverse(d, first + (ulong)start, context);
                }
                else
                {
                    perm.Fill(d, first + (ulong)start, context);
                }
            },
            stream, 0, v => v.ToString(CultureInfo.InvariantCulture));
    }

    private static IChunkSource Init(string dist, ArgReader args, long[] shape, PhiloxStream stream, long count, CpuContext context)
    {
        // Weight-init fills are computed whole (their parameters come from the shape), then printed or saved.
        var weights = new float[count];
        switch (dist)
        {
            case "kaiming-uniform":
            case "kaiming-normal":
                FanMode mode = args.Choice("--mode", ["fan-in", "fan-out"], "fan-in") == "fan-in" ? FanMode.FanIn : FanMode.FanOut;
                Nonlinearity nl = args.Choice("--nonlinearity", ["linear", "sigmoid", "tanh", "relu", "leaky-relu", "selu"], "leaky-relu") switch
                {
                    "linear" => Nonlinearity.Linear,
                    "sigmoid" => Nonlinearity.Sigmoid,
                    "tanh" => Nonlinearity.Tanh,
                    "relu" => Nonlinearity.Relu,
                    "selu" => Nonlinearity.Selu,
                    _ => Nonlinearity.LeakyRelu,
                };
                double slope = Double(args, "--slope") ?? 0;
                if (dist == "kaiming-uniform")
                {
                    WeightInit.KaimingUniform(weights, shape, stream, slope, mode, nl, context);
                }
                else
                {
                    WeightInit.KaimingNormal(weights, shape, stream, slope, mode, nl, context);
                }

                break;
            default:
                double gain = Double(args, "--gain") ?? 1.0;
                if (dist == "xavier-uniform")
                {
                    WeightInit.XavierUniform(weights, shape, stream, gain, context);
                }
                else
                {
                    WeightInit.XavierNormal(weights, shape, stream, gain, context);
                }

                break;
        }

        return new Chunks<float>((_, start, d) => weights.AsSpan((int)start, d.Length).CopyTo(d), stream, 0, FormatFloat, shape);
    }

    private static long[] ParseShape(string text)
    {
        string[] parts = text.Split(',', StringSplitOptions.TrimEntries);
        var shape = new long[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!long.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out shape[i]))
            {
                throw new UsageException($"--shape '{text}' is not a comma-separated list of non-negative integers.");
            }
        }

        if (shape.Length < 2)
        {
            throw new UsageException($"--shape '{text}' needs at least two dimensions (out, in, ...).");
        }

        return shape;
    }

    private static float Float(ArgReader args, string name, float defaultValue)
    {
        string? text = args.String(name);
        if (text is null)
        {
            return defaultValue;
        }

        return float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float v)
            ? v
            : throw new UsageException($"option '{name}' is '{text}'; expected a number.");
    }

    private static double? Double(ArgReader args, string name)
    {
        string? text = args.String(name);
        if (text is null)
        {
            return null;
        }

        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v)
            ? v
            : throw new UsageException($"option '{name}' is '{text}'; expected a number.");
    }

    private static long? Int64(ArgReader args, string name)
    {
        string? text = args.String(name);
        if (text is null)
        {
            return null;
        }

        return long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v)
            ? v
            : throw new UsageException($"option '{name}' is '{text}'; expected a 64-bit integer.");
    }

    private interface IChunkSource
    {
        void Print(TextWriter w, long count);

        void WriteNpy(string path, int count);
    }

    /// <summary>
    /// Produces values chunk by chunk from the stream advanced to each chunk's first word (the same values as one
    /// whole fill), so printing needs constant memory.
    /// </summary>
    private sealed class Chunks<T>(Chunks<T>.FillChunk fill, PhiloxStream stream, ulong wordsPerElement, Func<T, string> format, long[]? shape = null) : IChunkSource
        where T : unmanaged
    {
        internal delegate void FillChunk(PhiloxStream chunkStream, long start, Span<T> destination);

        public void Print(TextWriter w, long count)
        {
            var buffer = new T[ChunkSize];
            for (long done = 0; done < count; done += ChunkSize)
            {
                int n = (int)Math.Min(ChunkSize, count - done);
                fill(stream.Advance((ulong)done * wordsPerElement), done, buffer.AsSpan(0, n));
                for (int i = 0; i < n; i++)
                {
                    w.WriteLine(format(buffer[i]));
                }
            }
        }

        public void WriteNpy(string path, int count)
        {
            var data = new T[count];
            fill(stream, 0, data);
            NpyFile.Write<T>(path, data, shape);
        }
    }
}
