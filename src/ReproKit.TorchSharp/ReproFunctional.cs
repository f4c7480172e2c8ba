using static TorchSharp.torch;

namespace ReproKit.TorchSharp;

/// <summary>
/// ReproKit's training operations on TorchSharp tensors, with autograd (<c>torch.nn.functional</c>'s counterparts): each
/// forward and backward runs ReproKit's canonical function on the tensors' memory, so its bits are the same on every ISA
/// and thread count, and equal to ReproKit's own operation on the same data. Tensors are float32 (targets int64), on the
/// CPU and contiguous; a tensor of another dtype, device or layout, or of the wrong shape, is an
/// <see cref="ArgumentException"/> naming it (CUDA tensors: <see cref="NotSupportedException"/> for now). Gradients that
/// autograd passes to a backward are made contiguous first when they are not.
/// </summary>
public static class ReproFunctional
{
    /// <summary>2-D convolution, NCHW: <c>y = conv2d(input, weight) + bias</c> (PyTorch's <c>F.conv2d</c> with zero padding).</summary>
    /// <param name="input"><c>[N, C, H, W]</c>.</param>
    /// <param name="weight"><c>[K, C / groups, R, S]</c>.</param>
    /// <param name="bias"><c>[K]</c>, or null.</param>
    /// <param name="stride">Stride on both axes.</param>
    /// <param name="padding">Zero padding on every side.</param>
    /// <param name="dilation">Dilation on both axes.</param>
    /// <param name="groups">Groups.</param>
    /// <param name="algorithm">The forward algorithm (Auto: chosen from the shape alone, as ReproKit's training layers do).</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias = null, int stride = 1, int padding = 0, int dilation = 1, int groups = 1,
        ConvAlgorithm algorithm = ConvAlgorithm.Auto, CpuContext? context = null) =>
        Conv2d(input, weight, bias, (stride, stride), (padding, padding), (dilation, dilation), groups, algorithm, context);

    /// <summary>2-D convolution, NCHW, with a stride, padding and dilation per axis (height, width).</summary>
    /// <param name="input"><c>[N, C, H, W]</c>.</param>
    /// <param name="weight"><c>[K, C / groups, R, S]</c>.</param>
    /// <param name="bias"><c>[K]</c>, or null.</param>
    /// <param name="stride">Stride (height, width).</param>
    /// <param name="padding">Zero padding (rows above and below, columns left and right).</param>
    /// <param name="dilation">Dilation (height, width).</param>
    /// <param name="groups">Groups.</param>
    /// <param name="algorithm">The forward algorithm.</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    public static Tensor Conv2d(Tensor input, Tensor weight, Tensor? bias, (int H, int W) stride, (int H, int W) padding, (int H, int W) dilation,
        int groups = 1, ConvAlgorithm algorithm = ConvAlgorithm.Auto, CpuContext? context = null)
    {
        CheckFloat(input, nameof(input), 4, "[N, C, H, W]");
        CheckFloat(weight, nameof(weight), 4, "[K, C / groups, R, S]");
        long[] x = input.shape, w = weight.shape;
        if (groups < 1 || x[1] != w[1] * groups)
        {
            throw new ArgumentException($"'weight' {TensorAccess.Shape(w)} with groups {groups} expects {w[1] * groups} input channels; 'input' {TensorAccess.Shape(x)} has {x[1]}.", nameof(weight));
        }

        CheckBias(bias, w[0], nameof(bias));
        var d = new Conv2dDescriptor(x[0], x[1], x[2], x[3], w[0], w[2], w[3], ConvLayout.Nchw, stride.H, stride.W, padding.H, padding.H, padding.W,
            padding.W, dilation.H, dilation.W, groups);
        _ = d.OutputSize; // validates the problem (stride, padding, kernel larger than the padded input, ...)
        return AutogradTensors.Apply<Conv2dFunction>(input, weight, bias!, new ConvArgs(d, algorithm, context, input.requires_grad));
    }

    /// <summary><c>y = input Wᵀ + b</c> over the last dimension (PyTorch's <c>F.linear</c>): input <c>[..., IN]</c>, weight <c>[OUT, IN]</c>.</summary>
    /// <param name="input"><c>[..., IN]</c> (at least one dimension).</param>
    /// <param name="weight"><c>[OUT, IN]</c>.</param>
    /// <param name="bias"><c>[OUT]</c>, or null.</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    public static Tensor Linear(Tensor input, Tensor weight, Tensor? bias = null, CpuContext? context = null)
    {
        CheckFloat(input, nameof(input), -1, "[..., IN]");
        CheckFloat(weight, nameof(weight), 2, "[OUT, IN]");
        long[] x = input.shape, w = weight.shape;
        if (x.Length == 0 || x[^1] != w[1])
        {
            throw new ArgumentException($"'input' {TensorAccess.Shape(x)} must end with the weight's {w[1]} input features ('weight' is {TensorAccess.Shape(w)}).", nameof(input));
        }

        CheckBias(bias, w[0], nameof(bias));
        long rows = input.numel() / w[1];
        var shape = new LinearShape(TensorAccess.ToInt(rows, nameof(input), "the number of rows"), TensorAccess.ToInt(w[1], nameof(weight), "IN"),
            TensorAccess.ToInt(w[0], nameof(weight), "OUT"));
        if (shape.Batch < 1)
        {
            throw new ArgumentException($"'input' {TensorAccess.Shape(x)} has no rows.", nameof(input));
        }

        long[] outShape = [.. x[..^1], w[0]];
        return AutogradTensors.Apply<LinearFunction>(input, weight, bias!, new LinearArgs(shape, outShape, context, input.requires_grad));
    }

    /// <summary>MaxPool2d, NCHW (PyTorch's <c>F.max_pool2d</c>; ties keep the first maximum, NaN propagates).</summary>
    /// <param name="input"><c>[N, C, H, W]</c>.</param>
    /// <param name="kernelSize">Window size.</param>
    /// <param name="stride">Stride; null for the kernel size.</param>
    /// <param name="padding">Implicit −∞ padding on every side (at most half the kernel).</param>
    /// <param name="dilation">Dilation.</param>
    /// <param name="ceilMode">PyTorch's ceil_mode.</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    public static Tensor MaxPool2d(Tensor input, int kernelSize, int? stride = null, int padding = 0, int dilation = 1, bool ceilMode = false,
        CpuContext? context = null)
    {
        CheckFloat(input, nameof(input), 4, "[N, C, H, W]");
        long[] x = input.shape;
        var d = Pool2dDescriptor.Max(x[0], x[1], x[2], x[3], kernelSize, stride, padding, dilation, ceilMode);
        _ = d.OutputSize;
        return AutogradTensors.Apply<Pool2dFunction>(input, new PoolArgs(d, context));
    }

    /// <summary>AvgPool2d, NCHW (PyTorch's <c>F.avg_pool2d</c>).</summary>
    /// <param name="input"><c>[N, C, H, W]</c>.</param>
    /// <param name="kernelSize">Window size.</param>
    /// <param name="stride">Stride; null for the kernel size.</param>
    /// <param name="padding">Zero padding on every side (at most half the kernel).</param>
    /// <param name="ceilMode">PyTorch's ceil_mode.</param>
    /// <param name="countIncludePad">PyTorch's count_include_pad.</param>
    /// <param name="divisorOverride">PyTorch's divisor_override (0 for none).</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    public static Tensor AvgPool2d(Tensor input, int kernelSize, int? stride = null, int padding = 0, bool ceilMode = false, bool countIncludePad = true,
        int divisorOverride = 0, CpuContext? context = null)
    {
        CheckFloat(input, nameof(input), 4, "[N, C, H, W]");
        long[] x = input.shape;
        var d = Pool2dDescriptor.Average(x[0], x[1], x[2], x[3], kernelSize, stride, padding, ceilMode, countIncludePad, divisorOverride);
        _ = d.OutputSize;
        return AutogradTensors.Apply<Pool2dFunction>(input, new PoolArgs(d, context));
    }

    /// <summary>
    /// BatchNorm2d, NCHW (PyTorch's <c>F.batch_norm</c>). Training: the batch's statistics normalize, and the running
    /// statistics, when given, are updated in place (momentum convention, unbiased variance). Evaluation: the running
    /// statistics normalize, and γ and β get no gradient.
    /// </summary>
    /// <param name="input"><c>[N, C, H, W]</c>; in training N·H·W ≥ 2.</param>
    /// <param name="runningMean"><c>[C]</c>, or null (training only).</param>
    /// <param name="runningVar"><c>[C]</c>, or null (training only).</param>
    /// <param name="weight">γ <c>[C]</c>, or null.</param>
    /// <param name="bias">β <c>[C]</c>, or null.</param>
    /// <param name="training">Batch statistics (true) or running statistics (false).</param>
    /// <param name="momentum">The running statistics' momentum, in [0, 1].</param>
    /// <param name="eps">ε.</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    public static Tensor BatchNorm2d(Tensor input, Tensor? runningMean, Tensor? runningVar, Tensor? weight = null, Tensor? bias = null,
        bool training = false, double momentum = 0.1, double eps = 1e-5, CpuContext? context = null)
    {
        CheckFloat(input, nameof(input), 4, "[N, C, H, W]");
        long[] x = input.shape;
        long c = x[1];
        CheckBias(weight, c, nameof(weight));
        CheckBias(bias, c, nameof(bias));
        CheckBias(runningMean, c, nameof(runningMean));
        CheckBias(runningVar, c, nameof(runningVar));
        if ((runningMean is null) != (runningVar is null))
        {
            throw new ArgumentException("Give both running statistics or neither.", runningMean is null ? nameof(runningMean) : nameof(runningVar));
        }

        if (!training && runningMean is null)
        {
            throw new ArgumentException("Evaluation normalizes with the running statistics: give runningMean and runningVar.", nameof(runningMean));
        }

        var shape = new BatchNorm2dShape(TensorAccess.ToInt(x[0], nameof(input), "N"), TensorAccess.ToInt(c, nameof(input), "C"),
            TensorAccess.ToInt(x[2], nameof(input), "H"), TensorAccess.ToInt(x[3], nameof(input), "W"));
        if (training && shape.PositionsPerChannel < 2)
        {
            throw new ArgumentException($"'input' {TensorAccess.Shape(x)}: training needs more than one value per channel (N·H·W ≥ 2), as PyTorch.", nameof(input));
        }

        return AutogradTensors.Apply<BatchNorm2dFunction>(input, weight!, bias!,
            new BatchNormArgs(shape, training, runningMean, runningVar, (float)eps, (float)momentum, context));
    }

    /// <summary>
    /// LayerNorm over the last dimension (PyTorch's <c>F.layer_norm</c> with a one-dimensional normalized shape): each row
    /// of <c>features</c> values normalized by its own mean and variance, then scaled and shifted per feature; ReproKit's
    /// canonical forward and backward (a row's result depends on that row alone: batch-invariant).
    /// </summary>
    /// <param name="input"><c>[..., features]</c> (at least one dimension).</param>
    /// <param name="weight">γ <c>[features]</c>, or null.</param>
    /// <param name="bias">β <c>[features]</c>, or null.</param>
    /// <param name="eps">ε, finite and at least 0 (rounded to float32).</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    public static Tensor LayerNorm(Tensor input, Tensor? weight = null, Tensor? bias = null, double eps = 1e-5, CpuContext? context = null)
    {
        CheckFloat(input, nameof(input), -1, "[..., features]");
        if (input.Dimensions < 1 || input.shape[^1] < 1 || input.numel() == 0)
        {
            throw new ArgumentException($"'input' has shape {TensorAccess.Shape(input)}; LayerNorm needs at least one dimension and one element.", nameof(input));
        }

        long features = input.shape[^1];
        CheckBias(weight, features, nameof(weight));
        CheckBias(bias, features, nameof(bias));
        if (!(double.IsFinite(eps) && eps >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(eps), eps, "ε must be finite and at least 0.");
        }

        var args = new LayerNormArgs(TensorAccess.ToInt(input.numel() / features, nameof(input), "the number of rows"),
            TensorAccess.ToInt(features, nameof(input), "the number of features"), (float)eps, context);
        return AutogradTensors.Apply<LayerNormFunction>(input, weight!, bias!, args);
    }

    /// <summary>
    /// Dropout with ReproKit's mask: in training, element i is kept iff word <c>Offset + elementOffset + i</c> of the stream
    /// is at least <c>floor(p · 2^32)</c>, kept elements scaled by <c>1 / (1 − p)</c>; the backward regenerates the mask.
    /// In evaluation (or p = 0) the input passes unchanged (an alias).
    /// </summary>
    /// <param name="input">Any shape.</param>
    /// <param name="p">The drop probability, in [0, 1].</param>
    /// <param name="stream">The mask's stream (key it by step and layer, not by call order).</param>
    /// <param name="training">Apply dropout (true) or pass the input (false).</param>
    /// <param name="elementOffset">The input's first element's index in a larger tensor (shards).</param>
    /// <param name="context">The CPU context; null for the shared one (a CUDA input runs on its device with the same mask).</param>
    public static Tensor Dropout(Tensor input, double p, PhiloxStream stream, bool training = true, ulong elementOffset = 0, CpuContext? context = null)
    {
        if (CudaTensors.IsCuda(input))
        {
            TensorAccess.CheckLayout(input, ScalarType.Float32, nameof(input));  // a CUDA tensor runs on its device (context unused)
        }
        else
        {
            CheckFloat(input, nameof(input), -1, "any shape");
        }

        if (!(p >= 0 && p <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "The drop probability must be in [0, 1].");
        }

        return training && p > 0 ? AutogradTensors.Apply<DropoutFunction>(input, new DropoutArgs(p, stream, elementOffset, context)) : input.alias();
    }

    /// <summary>ReLU (gradient 0 at 0, NaN passes; <c>-0</c> becomes <c>+0</c>).</summary>
    /// <param name="input">Any shape.</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    public static Tensor Relu(Tensor input, CpuContext? context = null) => Activate(input, Activation.Relu, Activations.DefaultNegativeSlope, context);

    /// <summary>LeakyReLU with a negative slope.</summary>
    /// <param name="input">Any shape.</param>
    /// <param name="negativeSlope">The slope below 0.</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    public static Tensor LeakyRelu(Tensor input, float negativeSlope = Activations.DefaultNegativeSlope, CpuContext? context = null) =>
        Activate(input, Activation.LeakyRelu, negativeSlope, context);

    /// <summary>GELU, erf form (<c>approximate = "none"</c>) or tanh form (<c>"tanh"</c>).</summary>
    /// <param name="input">Any shape.</param>
    /// <param name="tanhApproximation">The tanh form.</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    public static Tensor Gelu(Tensor input, bool tanhApproximation = false, CpuContext? context = null) =>
        Activate(input, tanhApproximation ? Activation.GeluTanh : Activation.Gelu, Activations.DefaultNegativeSlope, context);

    /// <summary>
    /// Cross-entropy with class indices (PyTorch's <c>F.cross_entropy</c> with integer targets): logits <c>[N, C]</c>,
    /// targets int64 <c>[N]</c>. Mean and sum give a scalar, none a <c>[N]</c> tensor.
    /// </summary>
    /// <param name="input">Logits, float32 <c>[N, C]</c>.</param>
    /// <param name="target">Class indices, int64 <c>[N]</c>, in [0, C) or equal to <paramref name="ignoreIndex"/>.</param>
    /// <param name="reduction">Mean, sum or none.</param>
    /// <param name="ignoreIndex">A target whose row is ignored.</param>
    /// <param name="labelSmoothing">Label smoothing, in [0, 1].</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    public static Tensor CrossEntropy(Tensor input, Tensor target, LossReduction reduction = LossReduction.Mean, long ignoreIndex = Loss.DefaultIgnoreIndex,
        double labelSmoothing = 0, CpuContext? context = null)
    {
        CheckFloat(input, nameof(input), 2, "[N, C]");
        TensorAccess.CheckCpu(target, nameof(target));
        _ = TensorAccess.Int64(target, nameof(target));
        TensorAccess.CheckDimensions(target, 1, nameof(target), $"[{input.shape[0]}] (one class index per row)");
        if (target.shape[0] != input.shape[0])
        {
            throw new ArgumentException($"'target' has {target.shape[0]} rows; 'input' {TensorAccess.Shape(input)} has {input.shape[0]}.", nameof(target));
        }

        int classes = TensorAccess.ToInt(input.shape[1], nameof(input), "C");
        return AutogradTensors.Apply<CrossEntropyFunction>(input, target, new CrossEntropyArgs(classes, reduction, ignoreIndex, (float)labelSmoothing, context));
    }

    private static Tensor Activate(Tensor input, Activation kind, float negativeSlope, CpuContext? context)
    {
        CheckFloat(input, nameof(input), -1, "any shape");
        return AutogradTensors.Apply<ActivationFunction>(input, new ActivationArgs(kind, negativeSlope, context));
    }

    // A float32 CPU contiguous tensor of `dimensions` dimensions (-1: any).
    private static void CheckFloat(Tensor tensor, string name, int dimensions, string expected)
    {
        _ = TensorAccess.Float32(tensor, name);
        if (dimensions >= 0)
        {
            TensorAccess.CheckDimensions(tensor, dimensions, name, expected);
        }
    }

    // An optional float32 CPU contiguous tensor [length].
    private static void CheckBias(Tensor? tensor, long length, string name)
    {
        if (tensor is null)
        {
            return;
        }

        CheckFloat(tensor, name, 1, $"[{length}]");
        if (tensor.shape[0] != length)
        {
            throw new ArgumentException($"'{name}' has shape {TensorAccess.Shape(tensor)}; expected [{length}].", name);
        }
    }
}
