using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ReproKit.TorchSharp;

/// <summary>
/// The base of the Repro optimizers: a <c>torch.optim.Optimizer</c> over float32 CPU parameters whose update is
/// ReproKit's canonical step (docs/training.md section 6), written into each parameter's memory. A parameter without a
/// gradient is skipped (as PyTorch). <see cref="zero_grad"/> sets the gradients to none (PyTorch's default), so the next
/// backward writes them instead of adding to zeros.
/// </summary>
public abstract class ReproOptimizer : torch.optim.Optimizer
{
    private readonly Parameter[] tensors;

    /// <summary>Creates the optimizer over these parameters.</summary>
    /// <param name="parameters">The parameters (float32, CPU, contiguous).</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    protected ReproOptimizer(IEnumerable<Parameter> parameters, CpuContext? context)
        : base(IntPtr.Zero)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        tensors = [.. parameters];
        for (int i = 0; i < tensors.Length; i++)
        {
            _ = TensorAccess.Float32(tensors[i], $"parameters[{i}]");
        }

        Context = context;
    }

    /// <summary>The CPU context; null for the shared one.</summary>
    public CpuContext? Context { get; set; }

    /// <summary>The number of <see cref="step"/> calls so far.</summary>
    public long Steps { get; protected set; }

    /// <summary>The parameters, in the order given.</summary>
    protected IReadOnlyList<Parameter> Parameters => tensors;

    /// <inheritdoc/>
    public override IEnumerable<Parameter> parameters() => tensors;

    /// <inheritdoc/>
    public override void zero_grad()
    {
        foreach (Parameter p in tensors)
        {
            p.grad = null;
        }
    }

    /// <inheritdoc/>
    public override Tensor step(Func<Tensor>? closure = null)
    {
        Tensor? loss = null;
        if (closure is not null)
        {
            using var _ = torch.enable_grad();
            loss = closure();
        }

        for (int i = 0; i < tensors.Length; i++)
        {
            using Tensor? grad = tensors[i].grad;
            if (grad is null)
            {
                continue;
            }

            using Tensor g = grad.contiguous();
            Update(i, TensorAccess.Float32(tensors[i], $"parameters[{i}]"), TensorAccess.Float32(g, $"parameters[{i}].grad"));
            GC.KeepAlive(tensors[i]);
        }

        Steps++;
        return loss!;
    }

    /// <summary>Updates parameter <paramref name="index"/> in place from its gradient.</summary>
    /// <param name="index">The parameter's index.</param>
    /// <param name="value">Its values.</param>
    /// <param name="gradient">Its gradient.</param>
    protected abstract void Update(int index, Span<float> value, ReadOnlySpan<float> gradient);
}

/// <summary>
/// SGD with momentum, dampening, weight decay, Nesterov and maximize (PyTorch's <c>torch.optim.SGD</c>), with
/// ReproKit's canonical update. A parameter's momentum buffer starts as its first gradient, as PyTorch's.
/// </summary>
public sealed class ReproSGD : ReproOptimizer
{
    private readonly float[]?[] buffers;

    /// <summary>Creates the optimizer.</summary>
    /// <param name="parameters">The parameters (float32, CPU, contiguous), e.g. <c>model.parameters()</c>.</param>
    /// <param name="options">Learning rate, momentum, dampening, weight decay, Nesterov, maximize.</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    public ReproSGD(IEnumerable<Parameter> parameters, SgdOptions options, CpuContext? context = null)
        : base(parameters, context)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        buffers = new float[]?[Parameters.Count];
    }

    /// <summary>The hyperparameters (may be replaced between steps, e.g. to change the learning rate).</summary>
    public SgdOptions Options { get; set; }

    /// <summary>Parameter <paramref name="index"/>'s momentum buffer; null before its first update or without momentum.</summary>
    /// <param name="index">The parameter's index.</param>
    public ReadOnlySpan<float> MomentumBuffer(int index) => buffers[index];

    /// <inheritdoc/>
    protected override void Update(int index, Span<float> value, ReadOnlySpan<float> gradient)
    {
        bool first = buffers[index] is null;
        if (first && Options.Momentum != 0)
        {
            buffers[index] = new float[value.Length];
        }

        Optimizers.SgdStep(Options, value, gradient, buffers[index], firstStep: first, Context);
    }
}

/// <summary>
/// AdamW (decoupled weight decay; PyTorch's <c>torch.optim.AdamW</c>) or Adam, with ReproKit's canonical update. Each
/// parameter counts its own steps (its bias corrections), as PyTorch does.
/// </summary>
public sealed class ReproAdamW : ReproOptimizer
{
    private readonly float[]?[] expAvg, expAvgSq;
    private readonly long[] steps;

    /// <summary>Creates the optimizer.</summary>
    /// <param name="parameters">The parameters (float32, CPU, contiguous).</param>
    /// <param name="options">The hyperparameters; null for <see cref="AdamOptions.AdamW"/>'s defaults (lr 1e-3, weight decay 0.01).</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    public ReproAdamW(IEnumerable<Parameter> parameters, AdamOptions? options = null, CpuContext? context = null)
        : base(parameters, context)
    {
        Options = options ?? AdamOptions.AdamW();
        expAvg = new float[]?[Parameters.Count];
        expAvgSq = new float[]?[Parameters.Count];
        steps = new long[Parameters.Count];
    }

    /// <summary>The hyperparameters (may be replaced between steps).</summary>
    public AdamOptions Options { get; set; }

    /// <inheritdoc/>
    protected override void Update(int index, Span<float> value, ReadOnlySpan<float> gradient)
    {
        expAvg[index] ??= new float[value.Length];
        expAvgSq[index] ??= new float[value.Length];
        steps[index]++;
        Optimizers.AdamStep(Options, steps[index], value, gradient, expAvg[index], expAvgSq[index], Context);
    }
}
