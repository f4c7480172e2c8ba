using System.Globalization;
using ReproKit.IO;

namespace ReproKit.Cli.Commands;

/// <summary>
/// <c>reprokit rand --dist u32|uniform --seed S [--subsequence Q] [--offset O] --count N [--out FILE.npy]</c>:
/// the words of a cuRAND-compatible Philox stream, or curand_uniform floats, printed or saved as .npy.
/// </summary>
internal static class RandCommand
{
    private const int ChunkSize = 1 << 16;

    internal static readonly OptionSpec[] Options =
    [
        new("--dist", "D", "u32 (curand() words) or uniform (curand_uniform floats in (0, 1])", Required: true),
        new("--seed", "S", "stream seed, decimal or 0x-hex, up to 2^64-1", Required: true),
        new("--subsequence", "Q", "stream subsequence (default 0)"),
        new("--offset", "O", "stream offset in 32-bit words (default 0)"),
        new("--count", "N", "number of values", Required: true),
        new("--out", "FILE.npy", "write a NumPy .npy file (uint32 or float32) instead of printing"),
        .. BackendOptions.Specs,
    ];

    internal static int Run(ArgReader args, TextWriter stdout)
    {
        string dist = args.Choice("--dist", ["u32", "uniform"]);
        var stream = new PhiloxStream(args.UInt64("--seed"), args.UInt64("--subsequence"), args.UInt64("--offset"));
        string? outPath = args.String("--out");
        long count = args.Count("--count", outPath is null ? long.MaxValue : NpyFile.MaxElements);
        if (ulong.MaxValue - stream.Offset < (ulong)count)
        {
            throw new UsageException($"offset {stream.Offset} + count {count} passes 2^64 - 1.");
        }

        using CpuContext context = BackendOptions.CreateContext(args);
        if (outPath is not null)
        {
            if (dist == "u32")
            {
                var data = new uint[count];
                stream.FillUInt32(data, context);
                NpyFile.Write<uint>(outPath, data);
            }
            else
            {
                var data = new float[count];
                stream.FillUniform(data, context);
                NpyFile.Write<float>(outPath, data);
            }

            return CliApp.ExitOk;
        }

        // Printing: generate in chunks from advanced streams (the same values as one big fill).
        var words = new uint[ChunkSize];
        var floats = new float[ChunkSize];
        for (long done = 0; done < count; done += ChunkSize)
        {
            int n = (int)Math.Min(ChunkSize, count - done);
            PhiloxStream chunk = stream.Advance((ulong)done);
            if (dist == "u32")
            {
                chunk.FillUInt32(words.AsSpan(0, n), context);
                for (int i = 0; i < n; i++)
                {
                    stdout.WriteLine(words[i].ToString("x8", CultureInfo.InvariantCulture));
                }
            }
            else
            {
                chunk.FillUniform(floats.AsSpan(0, n), context);
                for (int i = 0; i < n; i++)
                {
                    stdout.WriteLine(FormatFloat(floats[i]));
                }
            }
        }

        return CliApp.ExitOk;
    }

    /// <summary>The float's bit pattern as 8 hex digits, a space, then its shortest round-trip decimal value.</summary>
    internal static string FormatFloat(float v) =>
        BitConverter.SingleToUInt32Bits(v).ToString("x8", CultureInfo.InvariantCulture) + " " +
        v.ToString("R", CultureInfo.InvariantCulture);
}
