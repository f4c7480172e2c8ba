using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ReproKit.TorchSharp;

/// <summary>
/// A 2-D convolution layer (NCHW) whose forward and backward are ReproKit's (ReproFunctional.Conv2d with per-axis stride, padding and dilation).
/// Parameters <c>weight</c> <c>[K, C / groups, kH, kW]</c> and <c>bias</c> <c>[K]</c>, named as <c>nn.Conv2d</c>'s, initialized
/// as PyTorch's defaults from ReproKit streams: weight Kaiming-uniform (a = √5) from <c>init</c>, bias uniform in
/// ±1/√fan_in from <c>init.SkipSubsequences(1)</c>. Kernel, stride, padding and dilation may differ per axis.
/// </summary>
public sealed class ReproConv2d : nn.Module<Tensor, Tensor>
{
    private readonly (int H, int W) stride, padding, dilation;
    private readonly int groups;
    private readonly ConvAlgorithm algorithm;
#pragma warning disable IDE0044 // TorchSharp's Module.to() replaces parameter fields through reflection.
    private Parameter weight;
    private Parameter? bias;
#pragma warning restore IDE0044

    /// <summary>Creates and initializes a layer with a square kernel and the same stride, padding and dilation on both axes.</summary>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="outChannels">Output channels.</param>
    /// <param name="kernelSize">Kernel height and width.</param>
    /// <param name="init">The weight's stream (the bias uses the next subsequence); <see cref="ReproKeys.Init"/> gives ReproKit's training keys.</param>
    /// <param name="stride">Stride.</param>
    /// <param name="padding">Zero padding on every side.</param>
    /// <param name="dilation">Dilation.</param>
    /// <param name="groups">Groups.</param>
    /// <param name="hasBias">Whether the layer has a bias.</param>
    /// <param name="algorithm">The forward algorithm (Auto: from the shape alone).</param>
    public ReproConv2d(long inChannels, long outChannels, int kernelSize, PhiloxStream init, int stride = 1, int padding = 0, int dilation = 1,
        int groups = 1, bool hasBias = true, ConvAlgorithm algorithm = ConvAlgorithm.Auto)
        : this(inChannels, outChannels, (kernelSize, kernelSize), init, (stride, stride), (padding, padding), (dilation, dilation), groups, hasBias, algorithm)
    {
    }

    /// <summary>Creates and initializes a layer whose kernel, stride, padding and dilation are given per axis (height, width).</summary>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="outChannels">Output channels.</param>
    /// <param name="kernelSize">Kernel height and width.</param>
    /// <param name="init">The weight's stream (the bias uses the next subsequence).</param>
    /// <param name="stride">Stride per axis.</param>
    /// <param name="padding">Zero padding per axis (top and bottom alike, left and right alike).</param>
    /// <param name="dilation">Dilation per axis.</param>
    /// <param name="groups">Groups.</param>
    /// <param name="hasBias">Whether the layer has a bias.</param>
    /// <param name="algorithm">The forward algorithm (Auto: from the shape alone).</param>
    public ReproConv2d(long inChannels, long outChannels, (int H, int W) kernelSize, PhiloxStream init, (int H, int W) stride, (int H, int W) padding,
        (int H, int W) dilation, int groups = 1, bool hasBias = true, ConvAlgorithm algorithm = ConvAlgorithm.Auto)
        : base(nameof(ReproConv2d))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(groups, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(inChannels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outChannels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(Math.Min(kernelSize.H, kernelSize.W), 1, nameof(kernelSize));
        if (inChannels % groups != 0 || outChannels % groups != 0)
        {
            throw new ArgumentException($"Channels ({inChannels} in, {outChannels} out) must be multiples of groups ({groups}).", nameof(groups));
        }

        (this.stride, this.padding, this.dilation, this.groups, this.algorithm) = (stride, padding, dilation, groups, algorithm);
        (InChannels, OutChannels, Kernel) = (inChannels, outChannels, kernelSize);
        weight = new Parameter(torch.empty([outChannels, inChannels / groups, kernelSize.H, kernelSize.W], ScalarType.Float32));
        ReproInit.KaimingUniform(weight, init, a: Math.Sqrt(5));
        if (hasBias)
        {
            bias = new Parameter(torch.empty([outChannels], ScalarType.Float32));
            float bound = (float)(1 / Math.Sqrt(inChannels / groups * kernelSize.H * kernelSize.W));
            ReproInit.Uniform(bias, init.SkipSubsequences(1), -bound, bound);
        }

        RegisterComponents();
    }

    /// <summary>Input channels.</summary>
    public long InChannels { get; }

    /// <summary>Output channels.</summary>
    public long OutChannels { get; }

    /// <summary>Kernel height and width.</summary>
    public (int H, int W) Kernel { get; }

    /// <summary>The weight.</summary>
    public Parameter Weight => weight;

    /// <summary>The bias, or null.</summary>
    public Parameter? Bias => bias;

    /// <summary>The CPU context the layer runs on; null for the shared one.</summary>
    public CpuContext? Context { get; set; }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input) =>
        ReproFunctional.Conv2d(input, weight, bias, stride, padding, dilation, groups, algorithm, Context);
}

/// <summary>
/// A fully connected layer <c>y = x Wᵀ + b</c> whose forward and backward are ReproKit's (batch-invariant). Parameters
/// <c>weight</c> <c>[out, in]</c> and <c>bias</c> <c>[out]</c>, named as <c>nn.Linear</c>'s, initialized as PyTorch's
/// defaults: weight Kaiming-uniform (a = √5) from <c>init</c>, bias uniform in ±1/√in from <c>init.SkipSubsequences(1)</c>.
/// </summary>
public sealed class ReproLinear : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE0044
    private Parameter weight;
    private Parameter? bias;
#pragma warning restore IDE0044

    /// <summary>Creates and initializes the layer.</summary>
    /// <param name="inFeatures">Input features.</param>
    /// <param name="outFeatures">Output features.</param>
    /// <param name="init">The weight's stream (the bias uses the next subsequence).</param>
    /// <param name="hasBias">Whether the layer has a bias.</param>
    public ReproLinear(long inFeatures, long outFeatures, PhiloxStream init, bool hasBias = true)
        : base(nameof(ReproLinear))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inFeatures, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outFeatures, 1);
        (InFeatures, OutFeatures) = (inFeatures, outFeatures);
        weight = new Parameter(torch.empty([outFeatures, inFeatures], ScalarType.Float32));
        ReproInit.KaimingUniform(weight, init, a: Math.Sqrt(5));
        if (hasBias)
        {
            bias = new Parameter(torch.empty([outFeatures], ScalarType.Float32));
            float bound = (float)(1 / Math.Sqrt(inFeatures));
            ReproInit.Uniform(bias, init.SkipSubsequences(1), -bound, bound);
        }

        RegisterComponents();
    }

    /// <summary>Input features.</summary>
    public long InFeatures { get; }

    /// <summary>Output features.</summary>
    public long OutFeatures { get; }

    /// <summary>The weight.</summary>
    public Parameter Weight => weight;

    /// <summary>The bias, or null.</summary>
    public Parameter? Bias => bias;

    /// <summary>The CPU context the layer runs on; null for the shared one.</summary>
    public CpuContext? Context { get; set; }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input) => ReproFunctional.Linear(input, weight, bias, Context);
}

/// <summary>Max pooling (NCHW) with ReproKit's forward and gather backward (PyTorch's <c>nn.MaxPool2d</c>).</summary>
/// <param name="kernelSize">Window size.</param>
/// <param name="stride">Stride; null for the kernel size.</param>
/// <param name="padding">Padding on every side.</param>
/// <param name="dilation">Dilation.</param>
/// <param name="ceilMode">PyTorch's ceil_mode.</param>
public sealed class ReproMaxPool2d(int kernelSize, int? stride = null, int padding = 0, int dilation = 1, bool ceilMode = false)
    : nn.Module<Tensor, Tensor>(nameof(ReproMaxPool2d))
{
    /// <summary>The CPU context the layer runs on; null for the shared one.</summary>
    public CpuContext? Context { get; set; }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input) => ReproFunctional.MaxPool2d(input, kernelSize, stride, padding, dilation, ceilMode, Context);
}

/// <summary>Average pooling (NCHW) with ReproKit's forward and backward (PyTorch's <c>nn.AvgPool2d</c>).</summary>
/// <param name="kernelSize">Window size.</param>
/// <param name="stride">Stride; null for the kernel size.</param>
/// <param name="padding">Padding on every side.</param>
/// <param name="ceilMode">PyTorch's ceil_mode.</param>
/// <param name="countIncludePad">PyTorch's count_include_pad.</param>
/// <param name="divisorOverride">PyTorch's divisor_override (0 for none).</param>
public sealed class ReproAvgPool2d(int kernelSize, int? stride = null, int padding = 0, bool ceilMode = false, bool countIncludePad = true,
    int divisorOverride = 0) : nn.Module<Tensor, Tensor>(nameof(ReproAvgPool2d))
{
    /// <summary>The CPU context the layer runs on; null for the shared one.</summary>
    public CpuContext? Context { get; set; }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input) =>
        ReproFunctional.AvgPool2d(input, kernelSize, stride, padding, ceilMode, countIncludePad, divisorOverride, Context);
}

/// <summary>
/// BatchNorm2d with ReproKit's canonical statistics (PyTorch's <c>nn.BatchNorm2d</c>: γ = 1, β = 0, running mean 0 and
/// variance 1, ε = 1e-5, momentum 0.1). Parameters <c>weight</c>, <c>bias</c> and buffers <c>running_mean</c>,
/// <c>running_var</c>, <c>num_batches_tracked</c> are named as PyTorch's. Training normalizes with the batch's
/// statistics and updates the running ones; evaluation uses the running ones (γ and β then get no gradient).
/// </summary>
public sealed class ReproBatchNorm2d : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE0044
    private Parameter? weight, bias;
    private Tensor? running_mean, running_var, num_batches_tracked;
#pragma warning restore IDE0044

    /// <summary>Creates the layer.</summary>
    /// <param name="numFeatures">Channels.</param>
    /// <param name="eps">ε.</param>
    /// <param name="momentum">The running statistics' momentum, in [0, 1].</param>
    /// <param name="affine">Whether the layer has γ and β.</param>
    /// <param name="trackRunningStats">Whether the layer keeps running statistics (without them, evaluation uses the batch's).</param>
    public ReproBatchNorm2d(long numFeatures, double eps = 1e-5, double momentum = 0.1, bool affine = true, bool trackRunningStats = true)
        : base(nameof(ReproBatchNorm2d))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(numFeatures, 1);
        if (!(momentum >= 0 && momentum <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(momentum), momentum, "The momentum must be in [0, 1].");
        }

        (NumFeatures, Eps, Momentum) = (numFeatures, eps, momentum);
        if (affine)
        {
            weight = new Parameter(torch.ones([numFeatures], ScalarType.Float32));
            bias = new Parameter(torch.zeros([numFeatures], ScalarType.Float32));
        }

        if (trackRunningStats)
        {
            running_mean = torch.zeros([numFeatures], ScalarType.Float32);
            running_var = torch.ones([numFeatures], ScalarType.Float32);
            num_batches_tracked = torch.zeros([], ScalarType.Int64);
        }

        RegisterComponents();
    }

    /// <summary>Channels.</summary>
    public long NumFeatures { get; }

    /// <summary>ε.</summary>
    public double Eps { get; }

    /// <summary>The running statistics' momentum.</summary>
    public double Momentum { get; }

    /// <summary>γ, or null.</summary>
    public Parameter? Weight => weight;

    /// <summary>β, or null.</summary>
    public Parameter? Bias => bias;

    /// <summary>The running means, or null.</summary>
    public Tensor? RunningMean => running_mean;

    /// <summary>The running variances, or null.</summary>
    public Tensor? RunningVar => running_var;

    /// <summary>The number of training forwards so far (int64), or null.</summary>
    public Tensor? NumBatchesTracked => num_batches_tracked;

    /// <summary>The CPU context the layer runs on; null for the shared one.</summary>
    public CpuContext? Context { get; set; }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        bool batchStatistics = training || running_mean is null;
        Tensor y = ReproFunctional.BatchNorm2d(input, running_mean, running_var, weight, bias, batchStatistics, Momentum, Eps, Context);
        if (training && num_batches_tracked is not null)
        {
            using var _ = torch.no_grad();
            num_batches_tracked.add_(1);
        }

        return y;
    }
}

/// <summary>
/// Dropout with ReproKit's masks, keyed as ReproKit's own training keys them: the mask of step <see cref="Step"/> comes
/// from <see cref="ReproKeys.Dropout"/>(seed, step, layer), never from the order of calls, so a resumed run draws the
/// same masks. Set the step before each training forward (<see cref="ReproModel.SetStep"/> sets every dropout of a model).
/// The identity in evaluation.
/// </summary>
/// <param name="p">The drop probability, in [0, 1).</param>
/// <param name="seed">The run's seed.</param>
/// <param name="layer">The layer's index in its model (0 to 63), which keys its masks.</param>
public sealed class ReproDropout(double p, ulong seed, int layer) : nn.Module<Tensor, Tensor>(nameof(ReproDropout))
{
    private readonly double p = p is >= 0 and < 1 ? p : throw new ArgumentOutOfRangeException(nameof(p), p, "The drop probability must be in [0, 1).");
    private readonly int layer = layer is >= 0 and < (int)ReproKeys.StepStride
        ? layer
        : throw new ArgumentOutOfRangeException(nameof(layer), layer, "The layer index must be in [0, 64).");

    /// <summary>The optimizer step the next training forward belongs to (0-based).</summary>
    public long Step { get; set; }

    /// <summary>The drop probability.</summary>
    public double P => p;

    /// <summary>The run's seed.</summary>
    public ulong Seed => seed;

    /// <summary>The layer index that keys the masks.</summary>
    public int Layer => layer;

    /// <summary>The CPU context the layer runs on; null for the shared one.</summary>
    public CpuContext? Context { get; set; }

    /// <summary>The stream of the mask of the current <see cref="Step"/>.</summary>
    public PhiloxStream MaskStream => ReproKeys.Dropout(seed, Step, layer);

    /// <inheritdoc/>
    public override Tensor forward(Tensor input) => ReproFunctional.Dropout(input, p, MaskStream, training, context: Context);
}

/// <summary>ReLU with ReproKit's forward and backward (gradient 0 at 0, as PyTorch's).</summary>
public sealed class ReproReLU() : nn.Module<Tensor, Tensor>(nameof(ReproReLU))
{
    /// <summary>The CPU context the layer runs on; null for the shared one.</summary>
    public CpuContext? Context { get; set; }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input) => ReproFunctional.Relu(input, Context);
}

/// <summary>GELU (PyTorch's <c>nn.GELU</c>): ReproKit's erf form, or its tanh form with <c>tanhApproximation</c>.</summary>
/// <param name="tanhApproximation">The tanh approximation (PyTorch's <c>approximate="tanh"</c>).</param>
public sealed class ReproGELU(bool tanhApproximation = false) : nn.Module<Tensor, Tensor>(nameof(ReproGELU))
{
    /// <summary>Whether the layer uses the tanh form.</summary>
    public bool TanhApproximation { get; } = tanhApproximation;

    /// <summary>The CPU context the layer runs on; null for the shared one.</summary>
    public CpuContext? Context { get; set; }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input) => ReproFunctional.Gelu(input, TanhApproximation, Context);
}

/// <summary>
/// LayerNorm over the last dimension (PyTorch's <c>nn.LayerNorm(features)</c>) whose forward and backward are ReproKit's.
/// Parameters <c>weight</c> (ones) and <c>bias</c> (zeros), named as <c>nn.LayerNorm</c>'s, when affine.
/// </summary>
public sealed class ReproLayerNorm : nn.Module<Tensor, Tensor>
{
#pragma warning disable IDE0044
    private Parameter? weight;
    private Parameter? bias;
#pragma warning restore IDE0044

    /// <summary>Creates the layer.</summary>
    /// <param name="features">The size of the last dimension.</param>
    /// <param name="eps">ε (rounded to float32).</param>
    /// <param name="elementwiseAffine">Whether the layer has a weight and a bias.</param>
    public ReproLayerNorm(long features, double eps = 1e-5, bool elementwiseAffine = true)
        : base(nameof(ReproLayerNorm))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(features, 1);
        if (!(double.IsFinite(eps) && eps >= 0))
        {
            throw new ArgumentOutOfRangeException(nameof(eps), eps, "ε must be finite and at least 0.");
        }

        (Features, Eps) = (features, eps);
        if (elementwiseAffine)
        {
            weight = new Parameter(torch.ones([features], ScalarType.Float32));
            bias = new Parameter(torch.zeros([features], ScalarType.Float32));
        }

        RegisterComponents();
    }

    /// <summary>The size of the last dimension.</summary>
    public long Features { get; }

    /// <summary>ε.</summary>
    public double Eps { get; }

    /// <summary>The weight (γ), or null.</summary>
    public Parameter? Weight => weight;

    /// <summary>The bias (β), or null.</summary>
    public Parameter? Bias => bias;

    /// <summary>The CPU context the layer runs on; null for the shared one.</summary>
    public CpuContext? Context { get; set; }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input)
    {
        if (input.Dimensions < 1 || input.shape[^1] != Features)
        {
            throw new ArgumentException($"'input' has shape {TensorAccess.Shape(input)}; this ReproLayerNorm normalizes a last dimension of {Features}.", nameof(input));
        }

        return ReproFunctional.LayerNorm(input, weight, bias, Eps, Context);
    }
}

/// <summary>Cross-entropy with class indices (PyTorch's <c>nn.CrossEntropyLoss</c>): ReproKit's loss and gradient.</summary>
/// <param name="reduction">Mean, sum or none.</param>
/// <param name="ignoreIndex">A target whose row is ignored.</param>
/// <param name="labelSmoothing">Label smoothing, in [0, 1].</param>
public sealed class ReproCrossEntropyLoss(LossReduction reduction = LossReduction.Mean, long ignoreIndex = Loss.DefaultIgnoreIndex,
    double labelSmoothing = 0) : nn.Module<Tensor, Tensor, Tensor>(nameof(ReproCrossEntropyLoss))
{
    /// <summary>The CPU context the loss runs on; null for the shared one.</summary>
    public CpuContext? Context { get; set; }

    /// <inheritdoc/>
    public override Tensor forward(Tensor input, Tensor target) =>
        ReproFunctional.CrossEntropy(input, target, reduction, ignoreIndex, labelSmoothing, Context);
}

/// <summary>Helpers over a model that holds Repro modules.</summary>
public static class ReproModel
{
    /// <summary>Sets the step of every <see cref="ReproDropout"/> in the model (call before each training forward).</summary>
    /// <param name="model">The model.</param>
    /// <param name="step">The optimizer step (0-based).</param>
    public static void SetStep(this nn.Module model, long step)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        foreach (nn.Module m in model.modules())
        {
            if (m is ReproDropout d)
            {
                d.Step = step;
            }
        }
    }

    /// <summary>Sets the CPU context (ISA, threads) of every Repro module in the model; null for the shared one.</summary>
    /// <param name="model">The model.</param>
    /// <param name="context">The context.</param>
    public static void SetContext(this nn.Module model, CpuContext? context)
    {
        ArgumentNullException.ThrowIfNull(model);
        foreach (nn.Module m in model.modules())
        {
            switch (m)
            {
                case ReproConv2d c: c.Context = context; break;
                case ReproLinear l: l.Context = context; break;
                case ReproMaxPool2d p: p.Context = context; break;
                case ReproAvgPool2d a: a.Context = context; break;
                case ReproBatchNorm2d b: b.Context = context; break;
                case ReproDropout d: d.Context = context; break;
                case ReproReLU r: r.Context = context; break;
                case ReproCrossEntropyLoss e: e.Context = context; break;
            }
        }
    }
}
