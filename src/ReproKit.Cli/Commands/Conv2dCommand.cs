using System.Globalization;
using ReproKit.IO;

namespace ReproKit.Cli.Commands;

/// <summary>
/// <c>reprokit conv2d --input X.npy --weight W.npy [--bias B.npy] [--stride s|sh,sw] [--padding p|pt,pb,pl,pr]
/// [--dilation d|dh,dw] [--groups g] [--layout nchw|nhwc] [--algo A] --out Y.npy</c>, and
/// <c>--pass backward-data --grad-output GY.npy</c> (writes dX) or <c>--pass backward-weights --grad-output GY.npy
/// [--bias-grad-out GB.npy]</c> (writes dW).
/// </summary>
internal static class Conv2dCommand
{
    internal static readonly string[] AlgorithmNames = ["auto", "direct", "implicit-gemm", "winograd-2x3", "winograd-4x3", "fft"];

    internal static readonly OptionSpec[] Options =
    [
        new("--input", "X.npy", "float32 input [N,C,H,W] (nchw) or [N,H,W,C] (nhwc); its shape is needed for every pass", Required: true),
        new("--weight", "W.npy", "float32 weights [K, C/groups, R, S] (forward, backward-data)"),
        new("--bias", "B.npy", "float32 bias [K] (forward)"),
        new("--stride", "s|sh,sw", "stride (default 1)"),
        new("--padding", "p|pt,pb,pl,pr", "zero padding per side (default 0)"),
        new("--dilation", "d|dh,dw", "dilation (default 1)"),
        new("--groups", "g", "groups (default 1; C for depthwise)"),
        new("--layout", "nchw|nhwc", "activation layout (default nchw)"),
        new("--algo", "A", string.Join("|", AlgorithmNames) + " (default auto; forward)"),
        new("--pass", "P", "forward (default), backward-data or backward-weights"),
        new("--grad-output", "GY.npy", "backward passes: dY, shaped like Y"),
        new("--kernel", "r,s", "backward-weights: the kernel size (default: the shape of --weight if given)"),
        new("--out-channels", "K", "backward-weights: K (default: from --weight or --grad-output)"),
        new("--out", "Y.npy", "forward: Y; backward-data: dX; backward-weights: dW", Required: true),
        new("--bias-grad-out", "GB.npy", "backward-weights: also write the bias gradient [K]"),
        .. BackendOptions.Specs,
        ManifestRecorder.Spec,
    ];

    internal static int Run(ArgReader args, TextWriter stdout)
    {
        ConvLayout layout = args.Choice("--layout", ["nchw", "nhwc"], "nchw") == "nchw" ? ConvLayout.Nchw : ConvLayout.Nhwc;
        string pass = args.Choice("--pass", ["forward", "backward-data", "backward-weights"], "forward");
        NpyArray x = Float32(args.String("--input")!, 4);
        long n = x.Shape[0], c = layout == ConvLayout.Nchw ? x.Shape[1] : x.Shape[3];
        long h = layout == ConvLayout.Nchw ? x.Shape[2] : x.Shape[1], w = layout == ConvLayout.Nchw ? x.Shape[3] : x.Shape[2];
        NpyArray? weight = args.String("--weight") is { } wp ? Float32(wp, 4) : null;
        NpyArray? gy = args.String("--grad-output") is { } gp ? Float32(gp, 4) : null;
        int[] stride = Pair(args, "--stride", 1, 2), dilation = Pair(args, "--dilation", 1, 2), padding = Pair(args, "--padding", 0, 4);
        int groups = (int)args.Count("--groups", int.MaxValue, 1);
        if (groups < 1)
        {
            throw new UsageException("--groups must be at least 1.");
        }

        long k, r, s;
        if (weight is not null)
        {
            (k, r, s) = (weight.Shape[0], weight.Shape[2], weight.Shape[3]);
        }
        else if (pass == "backward-weights")
        {
            int[] kernel = Pair(args, "--kernel", -1, 2);
            if (kernel[0] < 1)
            {
                throw new UsageException("backward-weights needs --kernel r,s (or --weight for its shape).");
            }

            (r, s) = (kernel[0], kernel[1]);
            k = args.Has("--out-channels") ? args.Count("--out-channels", int.MaxValue)
                : gy is not null ? (layout == ConvLayout.Nchw ? gy.Shape[1] : gy.Shape[3])
                : throw new UsageException("backward-weights needs --grad-output.");
        }
        else
        {
            throw new UsageException($"the {pass} pass needs --weight W.npy.");
        }

        var desc = new Conv2dDescriptor(n, c, h, w, k, r, s, layout, stride[0], stride[1], padding[0], padding[1], padding[2], padding[3],
            dilation[0], dilation[1], groups);
        var (p, q) = desc.OutputSize;
        long[] yShape = layout == ConvLayout.Nchw ? [n, k, p, q] : [n, p, q, k];
        if (weight is not null && weight.Shape[1] != c / groups)
        {
            throw new InvalidDataException($"the weights have shape ({string.Join(", ", weight.Shape)}); with C = {c} and {groups} group(s) the second dimension must be {c / groups}.");
        }

        if (gy is not null && !gy.Shape.SequenceEqual(yShape))
        {
            throw new InvalidDataException($"--grad-output has shape ({string.Join(", ", gy.Shape)}); this convolution's output has shape ({string.Join(", ", yShape)}).");
        }

        using CpuContext context = BackendOptions.CreateContext(args);
        string outPath = args.String("--out")!;
        switch (pass)
        {
            case "forward":
            {
                float[] bias = args.String("--bias") is { } bp ? Float32(bp, 1).ToArray<float>() : [];
                var y = new float[desc.OutputLength];
                ConvAlgorithm algo = (ConvAlgorithm)Array.IndexOf(AlgorithmNames, args.Choice("--algo", AlgorithmNames, "auto"));
                ConvAlgorithm chosen = Conv2d.Forward(desc, x.ToArray<float>(), weight!.ToArray<float>(), bias, y, algo, context: context);
                ManifestRecorder.Details["algorithm"] = AlgorithmNames[(int)chosen];
                NpyFile.Write<float>(outPath, y, yShape);
                break;
            }

            case "backward-data":
            {
                var dx = new float[desc.InputLength];
                Conv2d.BackwardData(desc, (gy ?? throw new UsageException("backward-data needs --grad-output GY.npy.")).ToArray<float>(), weight!.ToArray<float>(), dx, context: context);
                NpyFile.Write<float>(outPath, dx, x.Shape);
                break;
            }

            default:
            {
                var dw = new float[desc.WeightLength];
                string? biasOut = args.String("--bias-grad-out");
                var db = biasOut is null ? [] : new float[k];
                Conv2d.BackwardWeights(desc, x.ToArray<float>(), (gy ?? throw new UsageException("backward-weights needs --grad-output GY.npy.")).ToArray<float>(), dw, db, context: context);
                NpyFile.Write<float>(outPath, dw, [k, c / groups, r, s]);
                if (biasOut is not null)
                {
                    NpyFile.Write<float>(biasOut, db);
                }

                break;
            }
        }

        return CliApp.ExitOk;
    }

    internal static NpyArray Float32(string path, int rank)
    {
        NpyArray a = NpyFile.Read(path);
        if (a.DType != NpyDType.Float32 || a.Shape.Length != rank)
        {
            throw new InvalidDataException($"{path}: expected float32 with {rank} dimension(s), found {NpyFile.Descr(a.DType)} with shape ({string.Join(", ", a.Shape)}).");
        }

        return a;
    }

    // "v" or "a,b[,c,d]": one value repeated, or one per position.
    private static int[] Pair(ArgReader args, string name, int defaultValue, int count)
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
