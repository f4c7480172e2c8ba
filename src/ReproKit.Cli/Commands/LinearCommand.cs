using ReproKit.IO;

namespace ReproKit.Cli.Commands;

/// <summary>
/// <c>reprokit linear --input X.npy --weight W.npy [--bias B.npy] --out Y.npy</c> (y = x Wᵀ + b, docs/training.md), and
/// <c>--pass backward-data --grad-output GY.npy</c> (writes dX) or <c>--pass backward-weights --grad-output GY.npy
/// [--bias-grad-out GB.npy]</c> (writes dW): x is [N, IN], W [OUT, IN] (PyTorch's nn.Linear layout), y and dY [N, OUT].
/// </summary>
internal static class LinearCommand
{
    internal static readonly OptionSpec[] Options =
    [
        new("--input", "X.npy", "float32 input [N, IN]; its shape is needed for every pass", Required: true),
        new("--weight", "W.npy", "float32 weights [OUT, IN] (forward, backward-data)"),
        new("--bias", "B.npy", "float32 bias [OUT] (forward)"),
        new("--pass", "P", "forward (default), backward-data or backward-weights"),
        new("--grad-output", "GY.npy", "backward passes: dY [N, OUT]"),
        new("--out-features", "OUT", "backward-weights: OUT (default: from --weight or --grad-output)"),
        new("--out", "Y.npy", "forward: Y [N, OUT]; backward-data: dX [N, IN]; backward-weights: dW [OUT, IN]", Required: true),
        new("--bias-grad-out", "GB.npy", "backward-weights: also write the bias gradient [OUT]"),
        .. BackendOptions.Specs,
        ManifestRecorder.Spec,
    ];

    internal static int Run(ArgReader args, TextWriter stdout)
    {
        string pass = args.Choice("--pass", ["forward", "backward-data", "backward-weights"], "forward");
        NpyArray x = Conv2dCommand.Float32(args.String("--input")!, 2);
        NpyArray? weight = args.String("--weight") is { } wp ? Conv2dCommand.Float32(wp, 2) : null;
        NpyArray? gy = args.String("--grad-output") is { } gp ? Conv2dCommand.Float32(gp, 2) : null;
        long n = x.Shape[0], inFeatures = x.Shape[1];
        long outFeatures = weight?.Shape[0] ?? (args.Has("--out-features") ? args.Count("--out-features", int.MaxValue)
            : gy?.Shape[1] ?? throw new UsageException($"the {pass} pass needs --weight W.npy (or --grad-output for backward-weights)."));
        if (weight is not null && weight.Shape[1] != inFeatures)
        {
            throw new InvalidDataException($"the weights have shape ({string.Join(", ", weight.Shape)}); with the input's {inFeatures} features the second dimension must be {inFeatures}.");
        }

        if (gy is not null && (gy.Shape[0] != n || gy.Shape[1] != outFeatures))
        {
            throw new InvalidDataException($"--grad-output has shape ({string.Join(", ", gy.Shape)}); this layer's output has shape ({n}, {outFeatures}).");
        }

        if (n > int.MaxValue || inFeatures > int.MaxValue || outFeatures > int.MaxValue)
        {
            throw new InvalidDataException("a dimension exceeds 2^31 - 1.");
        }

        var shape = new LinearShape((int)n, (int)inFeatures, (int)outFeatures);
        using CpuContext context = BackendOptions.CreateContext(args);
        string outPath = args.String("--out")!;
        switch (pass)
        {
            case "forward":
            {
                float[] bias = args.String("--bias") is { } bp ? Conv2dCommand.Float32(bp, 1).ToArray<float>() : [];
                var y = new float[shape.OutputLength];
                Linear.Forward(shape, x.ToArray<float>(), (weight ?? throw new UsageException("forward needs --weight W.npy.")).ToArray<float>(), bias, y, context);
                NpyFile.Write<float>(outPath, y, [n, outFeatures]);
                break;
            }

            case "backward-data":
            {
                var dx = new float[shape.InputLength];
                Linear.BackwardData(shape, (gy ?? throw new UsageException("backward-data needs --grad-output GY.npy.")).ToArray<float>(),
                    (weight ?? throw new UsageException("backward-data needs --weight W.npy.")).ToArray<float>(), dx, context);
                NpyFile.Write<float>(outPath, dx, x.Shape);
                break;
            }

            default:
            {
                var dw = new float[shape.WeightLength];
                string? biasOut = args.String("--bias-grad-out");
                var db = biasOut is null ? [] : new float[outFeatures];
                Linear.BackwardWeights(shape, x.ToArray<float>(), (gy ?? throw new UsageException("backward-weights needs --grad-output GY.npy.")).ToArray<float>(), dw, db, context);
                NpyFile.Write<float>(outPath, dw, [outFeatures, inFeatures]);
                if (biasOut is not null)
                {
                    NpyFile.Write<float>(biasOut, db, [outFeatures]);
                }

                break;
            }
        }

        return CliApp.ExitOk;
    }
}
