using System.Globalization;
using ReproKit.IO;

namespace ReproKit.Cli.Commands;

/// <summary>
/// <c>reprokit pool2d --input X.npy --mode max|avg|global-avg [--kernel k|kh,kw] [--stride s|sh,sw] [--padding p|ph,pw]
/// [--dilation d|dh,dw] [--ceil-mode] [--exclude-pad] [--divisor-override D] [--layout nchw|nhwc] --out Y.npy</c>, and
/// <c>--pass backward --grad-output GY.npy</c> (writes dX; max pooling takes the maximum's positions from the forward on
/// --input, which is deterministic).
/// </summary>
internal static class Pool2dCommand
{
    internal static readonly OptionSpec[] Options =
    [
        new("--input", "X.npy", "float32 input [N,C,H,W] (nchw) or [N,H,W,C] (nhwc)", Required: true),
        new("--mode", "M", "max, avg or global-avg", Required: true),
        new("--kernel", "k|kh,kw", "window size (max, avg)"),
        new("--stride", "s|sh,sw", "stride (default: the kernel size, as PyTorch)"),
        new("--padding", "p|ph,pw", "implicit padding per side (default 0; at most half the kernel)"),
        new("--dilation", "d|dh,dw", "max: dilation (default 1)"),
        new("--ceil-mode", null, "round the output size up (PyTorch's ceil_mode)"),
        new("--exclude-pad", null, "avg: divide by the count of summed elements (count_include_pad = False)"),
        new("--divisor-override", "D", "avg: divide by D"),
        new("--layout", "nchw|nhwc", "activation layout (default nchw)"),
        new("--pass", "P", "forward (default) or backward"),
        new("--grad-output", "GY.npy", "backward: dY, shaped like Y"),
        new("--out", "Y.npy", "forward: Y (global-avg: [N, C]); backward: dX", Required: true),
        .. BackendOptions.Specs,
        ManifestRecorder.Spec,
    ];

    internal static int Run(ArgReader args, TextWriter stdout)
    {
        ConvLayout layout = args.Choice("--layout", ["nchw", "nhwc"], "nchw") == "nchw" ? ConvLayout.Nchw : ConvLayout.Nhwc;
        string mode = args.Choice("--mode", ["max", "avg", "global-avg"]);
        bool backward = args.Choice("--pass", ["forward", "backward"], "forward") == "backward";
        NpyArray x = TrainingIo.Float32(args.String("--input")!, 4);
        long n = x.Shape[0], c = layout == ConvLayout.Nchw ? x.Shape[1] : x.Shape[3];
        long h = layout == ConvLayout.Nchw ? x.Shape[2] : x.Shape[1], w = layout == ConvLayout.Nchw ? x.Shape[3] : x.Shape[2];
        NpyArray? gy = backward ? TrainingIo.Float32(args.String("--grad-output") ?? throw new UsageException("--pass backward needs --grad-output GY.npy."), -1) : null;
        string outPath = args.String("--out")!;
        using CpuContext context = BackendOptions.CreateContext(args);
        if (mode == "global-avg")
        {
            if (args.Has("--kernel"))
            {
                throw new UsageException("--mode global-avg takes no --kernel (the window is the whole plane).");
            }

            if (gy is null)
            {
                var y = new float[n * c];
                Pooling.GlobalAverageForward(layout, n, c, h, w, x.ToArray<float>(), y, context);
                NpyFile.Write<float>(outPath, y, [n, c]);
            }
            else
            {
                TrainingIo.ExpectShape(gy, [n, c], "--grad-output");
                var dx = new float[x.ToArray<float>().Length];
                Pooling.GlobalAverageBackward(layout, n, c, h, w, gy.ToArray<float>(), dx, context);
                NpyFile.Write<float>(outPath, dx, x.Shape);
            }

            return CliApp.ExitOk;
        }

        int[] kernel = TrainingIo.Ints(args, "--kernel", -1, 2);
        if (kernel[0] < 1 || kernel[1] < 1)
        {
            throw new UsageException($"--mode {mode} needs --kernel k or kh,kw (at least 1).");
        }

        int[] stride = args.Has("--stride") ? TrainingIo.Ints(args, "--stride", 1, 2) : kernel;
        int[] padding = TrainingIo.Ints(args, "--padding", 0, 2), dilation = TrainingIo.Ints(args, "--dilation", 1, 2);
        bool max = mode == "max";
        var desc = new Pool2dDescriptor(max ? PoolMode.Max : PoolMode.Average, n, c, h, w, kernel[0], kernel[1], stride[0], stride[1],
            padding[0], padding[1], dilation[0], dilation[1], args.Flag("--ceil-mode"), !args.Flag("--exclude-pad"),
            (int)args.Count("--divisor-override", int.MaxValue), layout);
        var (p, q) = desc.OutputSize;
        long[] yShape = layout == ConvLayout.Nchw ? [n, c, p, q] : [n, p, q, c];
        float[] xs = x.ToArray<float>();
        var ys = new float[desc.OutputLength];
        long[] indices = max ? new long[desc.OutputLength] : [];
        if (gy is null || max)
        {
            Pooling.Forward(desc, xs, ys, indices, context);
        }

        if (gy is null)
        {
            NpyFile.Write<float>(outPath, ys, yShape);
        }
        else
        {
            TrainingIo.ExpectShape(gy, yShape, "--grad-output");
            var dx = new float[xs.Length];
            Pooling.Backward(desc, gy.ToArray<float>(), indices, dx, context);
            NpyFile.Write<float>(outPath, dx, x.Shape);
        }

        return CliApp.ExitOk;
    }
}

/// <summary>
/// <c>reprokit cross-entropy --logits L.npy --targets T.npy [--reduction none|sum|mean] [--ignore-index I]
/// [--label-smoothing E] --out LOSS.npy</c>, and <c>--pass backward --grad-output GL.npy</c> (writes dLogits).
/// </summary>
internal static class CrossEntropyCommand
{
    internal static readonly OptionSpec[] Options =
    [
        new("--logits", "L.npy", "float32 logits [N, C]", Required: true),
        new("--targets", "T.npy", "int64 class indices [N]", Required: true),
        new("--reduction", "R", "none, sum or mean (default mean)"),
        new("--ignore-index", "I", "a target whose row is ignored (default -100)"),
        new("--label-smoothing", "E", "label smoothing in [0, 1] (default 0)"),
        new("--pass", "P", "forward (default) or backward"),
        new("--grad-output", "GL.npy", "backward: dLoss, [N] (none) or [1]"),
        new("--out", "LOSS.npy", "forward: the loss ([N] for none, else [1]); backward: dLogits [N, C]", Required: true),
        .. BackendOptions.Specs,
        ManifestRecorder.Spec,
    ];

    internal static int Run(ArgReader args, TextWriter stdout)
    {
        string[] reductions = ["none", "sum", "mean"];
        var reduction = (LossReduction)Array.IndexOf(reductions, args.Choice("--reduction", reductions, "mean"));
        bool backward = args.Choice("--pass", ["forward", "backward"], "forward") == "backward";
        NpyArray logits = TrainingIo.Float32(args.String("--logits")!, 2);
        string targetsPath = args.String("--targets")!;
        NpyArray targets = NpyFile.Read(targetsPath);
        if (targets.DType != NpyDType.Int64 || targets.Shape.Length != 1 || targets.Shape[0] != logits.Shape[0])
        {
            throw new InvalidDataException($"{targetsPath}: expected int64 with shape ({logits.Shape[0]}), found {NpyFile.Descr(targets.DType)} with shape ({string.Join(", ", targets.Shape)}).");
        }

        long ignore = args.String("--ignore-index") is { } it
            ? long.TryParse(it, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long v) ? v : throw new UsageException($"option '--ignore-index' is '{it}'; expected an integer.")
            : Loss.DefaultIgnoreIndex;
        float eps = args.String("--label-smoothing") is { } et
            ? float.TryParse(et, NumberStyles.Float, CultureInfo.InvariantCulture, out float e) ? e : throw new UsageException($"option '--label-smoothing' is '{et}'; expected a number.")
            : 0f;
        int classes = logits.Shape[1] <= int.MaxValue ? (int)logits.Shape[1] : throw new InvalidDataException("more than 2^31 - 1 classes.");
        long rows = logits.Shape[0];
        string outPath = args.String("--out")!;
        using CpuContext context = BackendOptions.CreateContext(args);
        if (!backward)
        {
            var loss = new float[Loss.OutputLength(rows, reduction)];
            Loss.CrossEntropy(logits.ToArray<float>(), targets.ToArray<long>(), classes, loss, reduction, ignore, eps, context);
            NpyFile.Write<float>(outPath, loss, [loss.Length]);
            return CliApp.ExitOk;
        }

        NpyArray dl = TrainingIo.Float32(args.String("--grad-output") ?? throw new UsageException("--pass backward needs --grad-output GL.npy."), 1);
        TrainingIo.ExpectShape(dl, [Loss.OutputLength(rows, reduction)], "--grad-output");
        float[] x = logits.ToArray<float>();
        var dx = new float[x.Length];
        Loss.CrossEntropyBackward(x, targets.ToArray<long>(), classes, dl.ToArray<float>(), dx, reduction, ignore, eps, context);
        NpyFile.Write<float>(outPath, dx, logits.Shape);
        return CliApp.ExitOk;
    }
}

internal static class TrainingIo
{
    // A float32 array of `rank` dimensions (any rank when rank < 0).
    internal static NpyArray Float32(string path, int rank)
    {
        NpyArray a = NpyFile.Read(path);
        if (a.DType != NpyDType.Float32 || (rank >= 0 && a.Shape.Length != rank))
        {
            string dims = rank >= 0 ? $" with {rank} dimension(s)" : string.Empty;
            throw new InvalidDataException($"{path}: expected float32{dims}, found {NpyFile.Descr(a.DType)} with shape ({string.Join(", ", a.Shape)}).");
        }

        return a;
    }

    internal static void ExpectShape(NpyArray a, long[] shape, string option)
    {
        if (!a.Shape.SequenceEqual(shape))
        {
            throw new InvalidDataException($"{option} has shape ({string.Join(", ", a.Shape)}); expected ({string.Join(", ", shape)}).");
        }
    }

    // "v" or "a,b": one value repeated, or one per axis.
    internal static int[] Ints(ArgReader args, string name, int defaultValue, int count)
    {
        if (args.String(name) is not { } text)
        {
            return Enumerable.Repeat(defaultValue, count).ToArray();
        }

        string[] parts = text.Split(',', StringSplitOptions.TrimEntries);
        if (parts.Length != 1 && parts.Length != count)
        {
            throw new UsageException($"option '{name}' is '{text}'; expected one value or {count} comma-separated values.");
        }

        var values = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out values[i]))
            {
                throw new UsageException($"option '{name}' is '{text}'; expected non-negative integers.");
            }
        }

        return parts.Length == 1 ? Enumerable.Repeat(values[0], count).ToArray() : values;
    }
}
