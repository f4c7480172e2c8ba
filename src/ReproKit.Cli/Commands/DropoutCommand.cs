using ReproKit.IO;

namespace ReproKit.Cli.Commands;

/// <summary>
/// <c>reprokit dropout --input X.npy --p P --seed S [--subsequence Q] [--offset O] [--element-offset E] --out Y.npy
/// [--mask-out M.npy] [--packed]</c>, and <c>--backward --grad-output G.npy [--mask M.npy]</c> (without --mask the mask
/// is regenerated from the stream).
/// </summary>
internal static class DropoutCommand
{
    internal static readonly OptionSpec[] Options =
    [
        new("--input", "X.npy", "forward: the input (float32, any shape)"),
        new("--p", "P", "drop probability in [0, 1]", Required: true),
        new("--seed", "S", "stream seed, decimal or 0x-hex", Required: true),
        new("--subsequence", "Q", "stream subsequence (default 0)"),
        new("--offset", "O", "stream offset in words (default 0)"),
        new("--element-offset", "E", "global index of the first element (a shard's position; default 0)"),
        new("--out", "Y.npy", "the output (forward: y; backward: dx)", Required: true),
        new("--mask-out", "M.npy", "forward: also write the mask (uint8 per element, or uint32 words with --packed)"),
        new("--packed", null, "bit-packed masks: element i is bit i % 32 of word i / 32"),
        new("--backward", null, "compute dx from --grad-output instead of the forward pass"),
        new("--grad-output", "G.npy", "backward: dy (float32)"),
        new("--mask", "M.npy", "backward: read the mask from here instead of regenerating it"),
        .. BackendOptions.Specs,
        ManifestRecorder.Spec,
    ];

    internal static int Run(ArgReader args, TextWriter stdout)
    {
        double p = ParseDouble(args.String("--p")!, "--p");
        var stream = new PhiloxStream(args.UInt64("--seed"), args.UInt64("--subsequence"), args.UInt64("--offset"));
        ulong elementOffset = args.UInt64("--element-offset");
        bool packed = args.Flag("--packed");
        string outPath = args.String("--out")!;
        using CpuContext context = BackendOptions.CreateContext(args);

        if (args.Flag("--backward"))
        {
            if (args.Has("--input") || args.Has("--mask-out"))
            {
                throw new UsageException("--backward takes --grad-output (and optionally --mask), not --input or --mask-out.");
            }

            NpyArray dyArray = ReadFloat32(args.String("--grad-output") ?? throw new UsageException("--backward needs --grad-output G.npy."));
            float[] dy = dyArray.ToArray<float>();
            var dx = new float[dy.Length];
            if (args.String("--mask") is { } maskPath)
            {
                NpyArray mask = NpyFile.Read(maskPath);
                if (packed)
                {
                    uint[] words = ExpectMask<uint>(mask, NpyDType.UInt32, Dropout.PackedMaskLength(dy.Length), maskPath);
                    Dropout.BackwardPacked(dy, dx, words, p, context);
                }
                else
                {
                    byte[] bytes = ExpectMask<byte>(mask, NpyDType.UInt8, dy.Length, maskPath);
                    Dropout.Backward(dy, dx, bytes, p, context);
                }
            }
            else
            {
                Dropout.Backward(dy, dx, p, stream, elementOffset, context);
            }

            NpyFile.Write<float>(outPath, dx, dyArray.Shape);
            return CliApp.ExitOk;
        }

        if (args.Has("--grad-output") || args.Has("--mask"))
        {
            throw new UsageException("--grad-output and --mask belong to --backward.");
        }

        NpyArray xArray = ReadFloat32(args.String("--input") ?? throw new UsageException("the forward pass needs --input X.npy."));
        float[] x = xArray.ToArray<float>();
        var y = new float[x.Length];
        string? maskOut = args.String("--mask-out");
        if (maskOut is null)
        {
            Dropout.Forward(x, y, p, stream, elementOffset, context: context);
        }
        else if (packed)
        {
            var words = new uint[Dropout.PackedMaskLength(x.Length)];
            Dropout.ForwardPacked(x, y, words, p, stream, elementOffset, context);
            NpyFile.Write<uint>(maskOut, words);
        }
        else
        {
            var bytes = new byte[x.Length];
            Dropout.Forward(x, y, bytes, p, stream, elementOffset, context);
            NpyFile.Write<byte>(maskOut, bytes, xArray.Shape);
        }

        NpyFile.Write<float>(outPath, y, xArray.Shape);
        return CliApp.ExitOk;
    }

    private static NpyArray ReadFloat32(string path)
    {
        NpyArray a = NpyFile.Read(path);
        if (a.DType != NpyDType.Float32)
        {
            throw new InvalidDataException($"{path}: dropout takes float32 data, not {NpyFile.Descr(a.DType)}.");
        }

        return a;
    }

    private static T[] ExpectMask<T>(NpyArray mask, NpyDType dtype, int length, string path)
        where T : unmanaged
    {
        if (mask.DType != dtype || mask.Length != length)
        {
            throw new InvalidDataException(
                $"{path}: the mask must hold {length} {NpyFile.Descr(dtype)} values for this gradient; it holds {mask.Length} {NpyFile.Descr(mask.DType)}.");
        }

        return mask.ToArray<T>();
    }

    private static double ParseDouble(string text, string name) =>
        double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double v)
            ? v
            : throw new UsageException($"option '{name}' is '{text}'; expected a number.");
}
