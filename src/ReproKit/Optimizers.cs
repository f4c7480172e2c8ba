using ReproKit.Interop;

namespace ReproKit;

/// <summary>SGD's hyperparameters, binary64 like PyTorch's <c>torch.optim.SGD</c>.</summary>
/// <param name="LearningRate">lr (finite, &gt;= 0).</param>
/// <param name="Momentum">Momentum factor (finite, &gt;= 0); 0: no momentum buffer.</param>
/// <param name="Dampening">Dampening of the momentum (finite; 0 with Nesterov).</param>
/// <param name="WeightDecay">L2 penalty added to the gradient (finite, &gt;= 0).</param>
/// <param name="Nesterov">Nesterov momentum (needs Momentum &gt; 0 and Dampening = 0).</param>
/// <param name="Maximize">Maximize the objective (the gradient's sign is flipped).</param>
public sealed record SgdOptions(double LearningRate, double Momentum = 0, double Dampening = 0, double WeightDecay = 0,
    bool Nesterov = false, bool Maximize = false)
{
    internal unsafe RkSgdHyperparams ToNative() => new()
    {
        StructSize = (uint)sizeof(RkSgdHyperparams),
        Nesterov = Nesterov ? 1 : 0,
        Lr = LearningRate,
        Momentum = Momentum,
        Dampening = Dampening,
        WeightDecay = WeightDecay,
        Maximize = Maximize ? 1 : 0,
    };
}

/// <summary>Adam's / AdamW's hyperparameters, binary64 like PyTorch's <c>torch.optim.Adam</c> / <c>AdamW</c>.</summary>
/// <param name="LearningRate">lr (finite, &gt;= 0).</param>
/// <param name="Beta1">Decay of the first moment, in [0, 1).</param>
/// <param name="Beta2">Decay of the second moment, in [0, 1).</param>
/// <param name="Epsilon">Added to the denominator (finite, &gt;= 0).</param>
/// <param name="WeightDecay">Weight decay (finite, &gt;= 0): added to the gradient (Adam) or decoupled (AdamW).</param>
/// <param name="Decoupled">AdamW: <c>p = p · (1 − lr · WeightDecay)</c> before the update.</param>
/// <param name="Maximize">Maximize the objective (the gradient's sign is flipped).</param>
public sealed record AdamOptions(double LearningRate = 1e-3, double Beta1 = 0.9, double Beta2 = 0.999, double Epsilon = 1e-8,
    double WeightDecay = 0, bool Decoupled = false, bool Maximize = false)
{
    /// <summary>AdamW's defaults (PyTorch's: weight decay 0.01).</summary>
    public static AdamOptions AdamW(double learningRate = 1e-3, double weightDecay = 0.01) =>
        new(learningRate, WeightDecay: weightDecay, Decoupled: true);

    internal unsafe RkAdamHyperparams ToNative() => new()
    {
        StructSize = (uint)sizeof(RkAdamHyperparams),
        DecoupledWeightDecay = Decoupled ? 1 : 0,
        Lr = LearningRate,
        Beta1 = Beta1,
        Beta2 = Beta2,
        Eps = Epsilon,
        WeightDecay = WeightDecay,
        Maximize = Maximize ? 1 : 0,
    };
}

/// <summary>
/// Optimizer steps with canonical bits (docs/training.md section 6): SGD (momentum, dampening, weight decay, Nesterov,
/// maximize) and Adam / AdamW, every float operation fixed, the constants derived from the hyperparameters computed
/// once per call in binary64. The state (momentum buffer, exp_avg, exp_avg_sq and the step number) belongs to the
/// caller, so a checkpoint that saves it continues bit for bit. A NaN or infinity in the state is an
/// <see cref="ArgumentException"/> naming the element, and nothing is updated.
/// </summary>
public static class Optimizers
{
    /// <summary>One SGD step of a parameter tensor, in place.</summary>
    /// <param name="options">The hyperparameters.</param>
    /// <param name="param">The parameters, updated in place.</param>
    /// <param name="grad">Their gradient, as many elements as <paramref name="param"/>.</param>
    /// <param name="momentumBuffer">The momentum buffer (as many elements as <paramref name="param"/>), or empty when
    /// <see cref="SgdOptions.Momentum"/> is 0.</param>
    /// <param name="firstStep">True on the first step: the buffer is set to the step's gradient (its content is not
    /// read), as PyTorch does for a parameter without a buffer.</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    /// <exception cref="ArgumentException">A hyperparameter is out of range (on <paramref name="options"/>), a length differs,
    /// buffers overlap, or the momentum buffer holds a NaN or infinity (on <paramref name="momentumBuffer"/>).</exception>
    public static unsafe void SgdStep(SgdOptions options, Span<float> param, ReadOnlySpan<float> grad, Span<float> momentumBuffer,
        bool firstStep, CpuContext? context = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentChecks.Length(grad.Length, param.Length, nameof(grad), "as many as 'param'");
        if (options.Momentum != 0)
        {
            ArgumentChecks.Length(momentumBuffer.Length, param.Length, nameof(momentumBuffer), "as many as 'param', with momentum");
        }

        RkSgdHyperparams h = options.ToNative();
        long count = param.Length;
        using ContextLease lease = (context ?? CpuContext.Shared).Lease();
        fixed (float* pp = param)
        fixed (float* pg = grad)
        fixed (float* pb = momentumBuffer)
        {
            float* ps = pp;
            float* gs = pg;
            float* bs = pb;
            NativeErrors.Check(NativeMethods.rk_sgd_step(lease.Raw, &h, firstStep ? 1 : 0, 1, &ps, &gs, &bs, &count), nameof(param),
                SgdArguments);
        }
    }

    /// <summary>One Adam / AdamW step of a parameter tensor, in place.</summary>
    /// <param name="options">The hyperparameters.</param>
    /// <param name="step">This update's number t &gt;= 1 (the first update is 1), for the bias corrections 1 − βᵗ.</param>
    /// <param name="param">The parameters, updated in place.</param>
    /// <param name="grad">Their gradient, as many elements as <paramref name="param"/>.</param>
    /// <param name="expAvg">The first moment m (zero before step 1), as many elements as <paramref name="param"/>.</param>
    /// <param name="expAvgSq">The second moment v (zero before step 1), as many elements as <paramref name="param"/>.</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    /// <exception cref="ArgumentException">A hyperparameter is out of range (on <paramref name="options"/>), a length differs,
    /// buffers overlap, or the state holds a NaN or infinity (on <paramref name="expAvg"/> / <paramref name="expAvgSq"/>).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="step"/> is below 1.</exception>
    public static unsafe void AdamStep(AdamOptions options, long step, Span<float> param, ReadOnlySpan<float> grad, Span<float> expAvg,
        Span<float> expAvgSq, CpuContext? context = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        CheckStep(step);
        ArgumentChecks.Length(grad.Length, param.Length, nameof(grad), "as many as 'param'");
        ArgumentChecks.Length(expAvg.Length, param.Length, nameof(expAvg), "as many as 'param'");
        ArgumentChecks.Length(expAvgSq.Length, param.Length, nameof(expAvgSq), "as many as 'param'");
        RkAdamHyperparams h = options.ToNative();
        long count = param.Length;
        using ContextLease lease = (context ?? CpuContext.Shared).Lease();
        fixed (float* pp = param)
        fixed (float* pg = grad)
        fixed (float* pm = expAvg)
        fixed (float* pv = expAvgSq)
        {
            float* ps = pp;
            float* gs = pg;
            float* ms = pm;
            float* vs = pv;
            NativeErrors.Check(NativeMethods.rk_adam_step(lease.Raw, &h, step, 1, &ps, &gs, &ms, &vs, &count), nameof(param),
                AdamArguments);
        }
    }

    internal static void CheckStep(long step)
    {
        if (step < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(step), step, "The step number must be at least 1 (the first update is 1).");
        }
    }

    // Native names (tensor 0 of a one-tensor call) and the public parameters; written buffers first.
    internal static readonly (string Native, string Parameter)[] SgdArguments =
    [
        ("params[0]", "param"), ("momentum_buffers[0]", "momentumBuffer"), ("grads[0]", "grad"), ("hyper", "options"),
        ("first_step", "firstStep"),
    ];

    internal static readonly (string Native, string Parameter)[] AdamArguments =
    [
        ("params[0]", "param"), ("exp_avg[0]", "expAvg"), ("exp_avg_sq[0]", "expAvgSq"), ("grads[0]", "grad"), ("hyper", "options"),
        ("step", "step"),
    ];
}
