using System.Globalization;
using ReproKit.IO;

namespace ReproKit.Cli.Commands;

/// <summary>
/// <c>reprokit sample --logits L.npy [--temperature T] [--top-k K] [--top-p P] [--min-p M] --seed S [--subsequence Q]
/// [--offset O] [--row-streams RS.npy] --out TOKENS.npy [--probs-out P.npy] [--logprobs-out LP.npy]</c>.
/// Row r uses the stream (S, Q + r, O) unless --row-streams gives a uint64 [B, 3] array of (seed, subsequence, offset).
/// </summary>
internal static class SampleCommand
{
    internal static readonly OptionSpec[] Options =
    [
        new("--logits", "L.npy", "float32 logits, shape [B, V] or [V]", Required: true),
        new("--temperature", "T", "temperature >= 0; 0 = greedy (default 1)"),
        new("--top-k", "K", "keep the K largest logits; 0 = off (default 0)"),
        new("--top-p", "P", "nucleus mass in (0, 1]; 1 = off (default 1)"),
        new("--min-p", "M", "minimum probability relative to the largest, in [0, 1) (default 0)"),
        new("--seed", "S", "stream seed, decimal or 0x-hex"),
        new("--subsequence", "Q", "row r uses subsequence Q + r (default 0)"),
        new("--offset", "O", "stream offset in words (default 0; a step consumes 2)"),
        new("--row-streams", "RS.npy", "uint64 [B, 3]: (seed, subsequence, offset) per row, instead of --seed/--subsequence/--offset"),
        new("--out", "TOKENS.npy", "int32 [B] tokens", Required: true),
        new("--probs-out", "P.npy", "float32 [B]: each chosen token's processed probability"),
        new("--logprobs-out", "LP.npy", "float32 [B]: each chosen token's log-probability"),
        .. BackendOptions.Specs,
        ManifestRecorder.Spec,
    ];

    internal static int Run(ArgReader args, TextWriter stdout)
    {
        string logitsPath = args.String("--logits")!;
        NpyArray logitsArray = NpyFile.Read(logitsPath);
        if (logitsArray.DType != NpyDType.Float32)
        {
            throw new InvalidDataException($"{logitsPath}: logits must be float32, not {NpyFile.Descr(logitsArray.DType)}.");
        }

        if (logitsArray.Shape.Length is not (1 or 2))
        {
            throw new InvalidDataException($"{logitsPath}: logits must have shape [B, V] or [V], not ({string.Join(", ", logitsArray.Shape)}).");
        }

        int batch = logitsArray.Shape.Length == 1 ? 1 : (int)logitsArray.Shape[0];
        int vocab = (int)logitsArray.Shape[^1];
        var parameters = new SamplingParams(
            Float(args, "--temperature", 1f), (int)args.Count("--top-k", int.MaxValue, 0), Double(args, "--top-p", 1.0), Double(args, "--min-p", 0.0));
        PhiloxStream[] streams = Streams(args, batch);
        var rowParams = Enumerable.Repeat(parameters, batch).ToArray();
        var tokens = new int[batch];
        var probs = new float[batch];
        var logprobs = new float[batch];
        using CpuContext context = BackendOptions.CreateContext(args);
        Sampler.Sample(logitsArray.ToArray<float>(), batch, vocab, rowParams, streams, tokens, probs, logprobs, context: context);
        NpyFile.Write<int>(args.String("--out")!, tokens);
        if (args.String("--probs-out") is { } p)
        {
            NpyFile.Write<float>(p, probs);
        }

        if (args.String("--logprobs-out") is { } lp)
        {
            NpyFile.Write<float>(lp, logprobs);
        }

        return CliApp.ExitOk;
    }

    private static PhiloxStream[] Streams(ArgReader args, int batch)
    {
        if (args.String("--row-streams") is { } path)
        {
            if (args.Has("--seed") || args.Has("--subsequence") || args.Has("--offset"))
            {
                throw new UsageException("--row-streams replaces --seed, --subsequence and --offset; give one or the other.");
            }

            NpyArray rs = NpyFile.Read(path);
            if (rs.DType != NpyDType.UInt64 || rs.Shape.Length != 2 || rs.Shape[0] != batch || rs.Shape[1] != 3)
            {
                throw new InvalidDataException($"{path}: row streams must be uint64 with shape [{batch}, 3], not {NpyFile.Descr(rs.DType)} ({string.Join(", ", rs.Shape)}).");
            }

            ulong[] v = rs.ToArray<ulong>();
            return Enumerable.Range(0, batch).Select(r => new PhiloxStream(v[3 * r], v[(3 * r) + 1], v[(3 * r) + 2])).ToArray();
        }

        if (!args.Has("--seed"))
        {
            throw new UsageException("option '--seed' is required (or --row-streams).");
        }

        ulong seed = args.UInt64("--seed"), sub = args.UInt64("--subsequence"), offset = args.UInt64("--offset");
        return Enumerable.Range(0, batch).Select(r => new PhiloxStream(seed, unchecked(sub + (ulong)r), offset)).ToArray();
    }

    private static float Float(ArgReader args, string name, float defaultValue) =>
        args.String(name) is not { } text ? defaultValue
        : float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out float v) ? v
        : throw new UsageException($"option '{name}' is '{text}'; expected a number.");

    private static double Double(ArgReader args, string name, double defaultValue) =>
        args.String(name) is not { } text ? defaultValue
        : double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) ? v
        : throw new UsageException($"option '{name}' is '{text}'; expected a number.");
}
