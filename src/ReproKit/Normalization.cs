using ReproKit.Interop;

namespace ReproKit;

/// <summary>The shape of a BatchNorm2d input, NCHW <c>[N][C][H][W]</c>.</summary>
/// <param name="N">Images (at least 1).</param>
/// <param name="C">Channels (at least 1): the statistics, γ and β have one value per channel.</param>
/// <param name="H">Height (at least 1).</param>
/// <param name="W">Width (at least 1).</param>
public sealed record BatchNorm2dShape(int N, int C, int H, int W)
{
    /// <summary>Elements of x, y, dy and dx: N · C · H · W.</summary>
    public long Length => (long)N * C * H * W;

    /// <summary>The values each channel's statistics are taken over: N · H · W.</summary>
    public long PositionsPerChannel => (long)N * H * W;

    internal void Validate(string paramName)
    {
        foreach ((string name, int value) in new[] { (nameof(N), N), (nameof(C), C), (nameof(H), H), (nameof(W), W) })
        {
            if (value < 1)
            {
                throw new ArgumentOutOfRangeException(paramName, value, $"{name} must be at least 1.");
            }
        }
    }
}

/// <summary>
/// BatchNorm2d with canonical bits (docs/training.md section 4): per channel, the mean and biased variance over the
/// N·H·W positions as canonical sums, so the results are the same on every ISA, thread count and device. γ and β are
/// optional (empty spans: 1 and 0); running statistics follow PyTorch's momentum convention with the unbiased
/// variance.
/// </summary>
public static class BatchNorm2d
{
    /// <summary>PyTorch's default ε.</summary>
    public const float DefaultEps = 1e-5f;

    /// <summary>PyTorch's default momentum.</summary>
    public const float DefaultMomentum = 0.1f;

    /// <summary>
    /// Training forward: <c>y = fma(x − mean, invstd · γ, β)</c> per channel with the batch statistics, which are also
    /// written to <paramref name="saveMean"/> and <paramref name="saveInvStd"/> for the backward. The running statistics,
    /// when given (both or neither), are updated in place.
    /// </summary>
    /// <param name="shape">The input's shape; N·H·W must be at least 2.</param>
    /// <param name="x">Input, <see cref="BatchNorm2dShape.Length"/> elements.</param>
    /// <param name="gamma">C scales, or empty for none.</param>
    /// <param name="beta">C shifts, or empty for none.</param>
    /// <param name="y">Output; must not overlap any other buffer.</param>
    /// <param name="saveMean">Receives each channel's mean (C elements).</param>
    /// <param name="saveInvStd">Receives each channel's 1 / sqrt(var + ε) (C elements).</param>
    /// <param name="runningMean">C running means updated in place, or empty.</param>
    /// <param name="runningVar">C running variances updated in place, or empty.</param>
    /// <param name="eps">ε, finite and at least 0.</param>
    /// <param name="momentum">The running statistics' momentum, in [0, 1].</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    public static unsafe void ForwardTraining(BatchNorm2dShape shape, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma,
        ReadOnlySpan<float> beta, Span<float> y, Span<float> saveMean, Span<float> saveInvStd, Span<float> runningMean,
        Span<float> runningVar, float eps = DefaultEps, float momentum = DefaultMomentum, CpuContext? context = null)
    {
        ArgumentNullException.ThrowIfNull(shape);
        shape.Validate(nameof(shape));
        ArgumentChecks.Length(x.Length, shape.Length, nameof(x), LengthReason);
        ArgumentChecks.OptionalLength(gamma.Length, shape.C, nameof(gamma), ChannelReason);
        ArgumentChecks.OptionalLength(beta.Length, shape.C, nameof(beta), ChannelReason);
        ArgumentChecks.Length(y.Length, shape.Length, nameof(y), LengthReason);
        ArgumentChecks.Length(saveMean.Length, shape.C, nameof(saveMean), ChannelReason);
        ArgumentChecks.Length(saveInvStd.Length, shape.C, nameof(saveInvStd), ChannelReason);
        ArgumentChecks.OptionalLength(runningMean.Length, shape.C, nameof(runningMean), ChannelReason);
        ArgumentChecks.OptionalLength(runningVar.Length, shape.C, nameof(runningVar), ChannelReason);
        if (runningMean.IsEmpty != runningVar.IsEmpty)
        {
            throw new ArgumentException("Give both running statistics or neither.", runningMean.IsEmpty ? nameof(runningMean) : nameof(runningVar));
        }

        using ContextLease lease = (context ?? CpuContext.Shared).Lease();
        fixed (float* px = x)
        fixed (float* pg = gamma)
        fixed (float* pb = beta)
        fixed (float* py = y)
        fixed (float* pm = saveMean)
        fixed (float* pi = saveInvStd)
        fixed (float* prm = runningMean)
        fixed (float* prv = runningVar)
        {
            NativeErrors.Check(NativeMethods.rk_batchnorm2d_forward_training(lease.Raw, shape.N, shape.C, shape.H, shape.W, eps, momentum,
                px, gamma.IsEmpty ? null : pg, beta.IsEmpty ? null : pb, py, pm, pi, runningMean.IsEmpty ? null : prm,
                runningVar.IsEmpty ? null : prv), nameof(shape),
                ("eps", nameof(eps)), ("momentum", nameof(momentum)), ("y", nameof(y)), ("x", nameof(x)), ("gamma", nameof(gamma)),
                ("beta", nameof(beta)), ("save_mean", nameof(saveMean)), ("save_invstd", nameof(saveInvStd)),
                ("running_mean", nameof(runningMean)), ("running_var", nameof(runningVar)));
        }
    }

    /// <summary>Evaluation forward: <c>y = fma(x − runningMean, γ / sqrt(runningVar + ε), β)</c> per channel.</summary>
    /// <param name="shape">The input's shape.</param>
    /// <param name="x">Input.</param>
    /// <param name="gamma">C scales, or empty.</param>
    /// <param name="beta">C shifts, or empty.</param>
    /// <param name="runningMean">C running means.</param>
    /// <param name="runningVar">C running variances.</param>
    /// <param name="y">Output.</param>
    /// <param name="eps">ε.</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    public static unsafe void ForwardInference(BatchNorm2dShape shape, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma,
        ReadOnlySpan<float> beta, ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> y,
        float eps = DefaultEps, CpuContext? context = null)
    {
        ArgumentNullException.ThrowIfNull(shape);
        shape.Validate(nameof(shape));
        ArgumentChecks.Length(x.Length, shape.Length, nameof(x), LengthReason);
        ArgumentChecks.OptionalLength(gamma.Length, shape.C, nameof(gamma), ChannelReason);
        ArgumentChecks.OptionalLength(beta.Length, shape.C, nameof(beta), ChannelReason);
        ArgumentChecks.Length(runningMean.Length, shape.C, nameof(runningMean), ChannelReason);
        ArgumentChecks.Length(runningVar.Length, shape.C, nameof(runningVar), ChannelReason);
        ArgumentChecks.Length(y.Length, shape.Length, nameof(y), LengthReason);
        using ContextLease lease = (context ?? CpuContext.Shared).Lease();
        fixed (float* px = x)
        fixed (float* pg = gamma)
        fixed (float* pb = beta)
        fixed (float* prm = runningMean)
        fixed (float* prv = runningVar)
        fixed (float* py = y)
        {
            NativeErrors.Check(NativeMethods.rk_batchnorm2d_forward_inference(lease.Raw, shape.N, shape.C, shape.H, shape.W, eps, px,
                gamma.IsEmpty ? null : pg, beta.IsEmpty ? null : pb, prm, prv, py), nameof(shape),
                ("eps", nameof(eps)), ("y", nameof(y)), ("x", nameof(x)), ("gamma", nameof(gamma)), ("beta", nameof(beta)),
                ("running_mean", nameof(runningMean)), ("running_var", nameof(runningVar)));
        }
    }

    /// <summary>
    /// Training backward from x, dy and the forward's saved statistics: dx, and (each when not empty)
    /// <c>dγ = Σ dy·x̂</c>, <c>dβ = Σ dy</c> per channel.
    /// </summary>
    /// <param name="shape">The input's shape.</param>
    /// <param name="x">The forward's input.</param>
    /// <param name="dy">Output gradient.</param>
    /// <param name="gamma">C scales, or empty.</param>
    /// <param name="saveMean">The forward's saved means.</param>
    /// <param name="saveInvStd">The forward's saved inverse standard deviations.</param>
    /// <param name="dx">Receives the input gradient.</param>
    /// <param name="dGamma">Receives dγ (C elements), or empty.</param>
    /// <param name="dBeta">Receives dβ (C elements), or empty.</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    public static unsafe void BackwardTraining(BatchNorm2dShape shape, ReadOnlySpan<float> x, ReadOnlySpan<float> dy,
        ReadOnlySpan<float> gamma, ReadOnlySpan<float> saveMean, ReadOnlySpan<float> saveInvStd, Span<float> dx, Span<float> dGamma,
        Span<float> dBeta, CpuContext? context = null)
    {
        ArgumentNullException.ThrowIfNull(shape);
        shape.Validate(nameof(shape));
        ArgumentChecks.Length(x.Length, shape.Length, nameof(x), LengthReason);
        ArgumentChecks.Length(dy.Length, shape.Length, nameof(dy), LengthReason);
        ArgumentChecks.OptionalLength(gamma.Length, shape.C, nameof(gamma), ChannelReason);
        ArgumentChecks.Length(saveMean.Length, shape.C, nameof(saveMean), ChannelReason);
        ArgumentChecks.Length(saveInvStd.Length, shape.C, nameof(saveInvStd), ChannelReason);
        ArgumentChecks.Length(dx.Length, shape.Length, nameof(dx), LengthReason);
        ArgumentChecks.OptionalLength(dGamma.Length, shape.C, nameof(dGamma), ChannelReason);
        ArgumentChecks.OptionalLength(dBeta.Length, shape.C, nameof(dBeta), ChannelReason);
        using ContextLease lease = (context ?? CpuContext.Shared).Lease();
        fixed (float* px = x)
        fixed (float* pdy = dy)
        fixed (float* pg = gamma)
        fixed (float* pm = saveMean)
        fixed (float* pi = saveInvStd)
        fixed (float* pdx = dx)
        fixed (float* pdg = dGamma)
        fixed (float* pdb = dBeta)
        {
            NativeErrors.Check(NativeMethods.rk_batchnorm2d_backward_training(lease.Raw, shape.N, shape.C, shape.H, shape.W, px, pdy,
                gamma.IsEmpty ? null : pg, pm, pi, pdx, dGamma.IsEmpty ? null : pdg, dBeta.IsEmpty ? null : pdb), nameof(shape),
                ("dx", nameof(dx)), ("dgamma", nameof(dGamma)), ("dbeta", nameof(dBeta)), ("x", nameof(x)), ("dy", nameof(dy)),
                ("gamma", nameof(gamma)), ("save_mean", nameof(saveMean)), ("save_invstd", nameof(saveInvStd)));
        }
    }

    /// <summary>Evaluation backward: <c>dx = dy · (γ / sqrt(runningVar + ε))</c> per channel.</summary>
    /// <param name="shape">The input's shape.</param>
    /// <param name="dy">Output gradient.</param>
    /// <param name="gamma">C scales, or empty.</param>
    /// <param name="runningVar">C running variances.</param>
    /// <param name="dx">Receives the input gradient.</param>
    /// <param name="eps">ε.</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    public static unsafe void BackwardInference(BatchNorm2dShape shape, ReadOnlySpan<float> dy, ReadOnlySpan<float> gamma,
        ReadOnlySpan<float> runningVar, Span<float> dx, float eps = DefaultEps, CpuContext? context = null)
    {
        ArgumentNullException.ThrowIfNull(shape);
        shape.Validate(nameof(shape));
        ArgumentChecks.Length(dy.Length, shape.Length, nameof(dy), LengthReason);
        ArgumentChecks.OptionalLength(gamma.Length, shape.C, nameof(gamma), ChannelReason);
        ArgumentChecks.Length(runningVar.Length, shape.C, nameof(runningVar), ChannelReason);
        ArgumentChecks.Length(dx.Length, shape.Length, nameof(dx), LengthReason);
        using ContextLease lease = (context ?? CpuContext.Shared).Lease();
        fixed (float* pdy = dy)
        fixed (float* pg = gamma)
        fixed (float* prv = runningVar)
        fixed (float* pdx = dx)
        {
            NativeErrors.Check(NativeMethods.rk_batchnorm2d_backward_inference(lease.Raw, shape.N, shape.C, shape.H, shape.W, eps, pdy,
                gamma.IsEmpty ? null : pg, prv, pdx), nameof(shape),
                ("eps", nameof(eps)), ("dx", nameof(dx)), ("dy", nameof(dy)), ("gamma", nameof(gamma)), ("running_var", nameof(runningVar)));
        }
    }

    internal const string LengthReason = "N * C * H * W of the shape";
    internal const string ChannelReason = "one per channel";
}

/// <summary>
/// LayerNorm over the last dimension with canonical bits (docs/training.md section 4): per row of
/// <c>[rows][features]</c>, the mean and biased variance as canonical sums; a row's outputs depend only on that row
/// (batch-invariant). γ and β (features elements each) are optional.
/// </summary>
public static class LayerNorm
{
    /// <summary>Forward: <c>y = fma((x − mean) · invstd, γ, β)</c> per row; the statistics are saved for the backward.</summary>
    /// <param name="rows">Rows (at least 1).</param>
    /// <param name="features">Elements per row (at least 1).</param>
    /// <param name="x">Input, rows · features elements.</param>
    /// <param name="gamma">Features scales, or empty.</param>
    /// <param name="beta">Features shifts, or empty.</param>
    /// <param name="y">Output; must not overlap any other buffer.</param>
    /// <param name="saveMean">Receives each row's mean.</param>
    /// <param name="saveInvStd">Receives each row's 1 / sqrt(var + ε).</param>
    /// <param name="eps">ε, finite and at least 0.</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    public static unsafe void Forward(int rows, int features, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        Span<float> y, Span<float> saveMean, Span<float> saveInvStd, float eps = BatchNorm2d.DefaultEps, CpuContext? context = null)
    {
        CheckSizes(rows, features);
        ArgumentChecks.Length(x.Length, (long)rows * features, nameof(x), LengthReason);
        ArgumentChecks.OptionalLength(gamma.Length, features, nameof(gamma), FeatureReason);
        ArgumentChecks.OptionalLength(beta.Length, features, nameof(beta), FeatureReason);
        ArgumentChecks.Length(y.Length, (long)rows * features, nameof(y), LengthReason);
        ArgumentChecks.Length(saveMean.Length, rows, nameof(saveMean), RowReason);
        ArgumentChecks.Length(saveInvStd.Length, rows, nameof(saveInvStd), RowReason);
        using ContextLease lease = (context ?? CpuContext.Shared).Lease();
        fixed (float* px = x)
        fixed (float* pg = gamma)
        fixed (float* pb = beta)
        fixed (float* py = y)
        fixed (float* pm = saveMean)
        fixed (float* pi = saveInvStd)
        {
            NativeErrors.Check(NativeMethods.rk_layernorm_forward(lease.Raw, rows, features, eps, px, gamma.IsEmpty ? null : pg,
                beta.IsEmpty ? null : pb, py, pm, pi), nameof(x),
                ("eps", nameof(eps)), ("y", nameof(y)), ("x", nameof(x)), ("gamma", nameof(gamma)), ("beta", nameof(beta)),
                ("save_mean", nameof(saveMean)), ("save_invstd", nameof(saveInvStd)));
        }
    }

    /// <summary>
    /// Backward: dx per row, and (each when not empty) <c>dγ[i] = Σ_rows dy·x̂</c>, <c>dβ[i] = Σ_rows dy</c>.
    /// </summary>
    /// <param name="rows">Rows.</param>
    /// <param name="features">Elements per row.</param>
    /// <param name="x">The forward's input.</param>
    /// <param name="dy">Output gradient.</param>
    /// <param name="gamma">Features scales, or empty.</param>
    /// <param name="saveMean">The forward's saved means.</param>
    /// <param name="saveInvStd">The forward's saved inverse standard deviations.</param>
    /// <param name="dx">Receives the input gradient.</param>
    /// <param name="dGamma">Receives dγ (features elements), or empty.</param>
    /// <param name="dBeta">Receives dβ (features elements), or empty.</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    public static unsafe void Backward(int rows, int features, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, ReadOnlySpan<float> gamma,
        ReadOnlySpan<float> saveMean, ReadOnlySpan<float> saveInvStd, Span<float> dx, Span<float> dGamma, Span<float> dBeta,
        CpuContext? context = null)
    {
        CheckSizes(rows, features);
        ArgumentChecks.Length(x.Length, (long)rows * features, nameof(x), LengthReason);
        ArgumentChecks.Length(dy.Length, (long)rows * features, nameof(dy), LengthReason);
        ArgumentChecks.OptionalLength(gamma.Length, features, nameof(gamma), FeatureReason);
        ArgumentChecks.Length(saveMean.Length, rows, nameof(saveMean), RowReason);
        ArgumentChecks.Length(saveInvStd.Length, rows, nameof(saveInvStd), RowReason);
        ArgumentChecks.Length(dx.Length, (long)rows * features, nameof(dx), LengthReason);
        ArgumentChecks.OptionalLength(dGamma.Length, features, nameof(dGamma), FeatureReason);
        ArgumentChecks.OptionalLength(dBeta.Length, features, nameof(dBeta), FeatureReason);
        using ContextLease lease = (context ?? CpuContext.Shared).Lease();
        fixed (float* px = x)
        fixed (float* pdy = dy)
        fixed (float* pg = gamma)
        fixed (float* pm = saveMean)
        fixed (float* pi = saveInvStd)
        fixed (float* pdx = dx)
        fixed (float* pdg = dGamma)
        fixed (float* pdb = dBeta)
        {
            NativeErrors.Check(NativeMethods.rk_layernorm_backward(lease.Raw, rows, features, px, pdy, gamma.IsEmpty ? null : pg, pm, pi,
                pdx, dGamma.IsEmpty ? null : pdg, dBeta.IsEmpty ? null : pdb), nameof(x),
                ("dx", nameof(dx)), ("dgamma", nameof(dGamma)), ("dbeta", nameof(dBeta)), ("x", nameof(x)), ("dy", nameof(dy)),
                ("gamma", nameof(gamma)), ("save_mean", nameof(saveMean)), ("save_invstd", nameof(saveInvStd)));
        }
    }

    private static void CheckSizes(int rows, int features)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(features, 1);
    }

    private const string LengthReason = "rows * features";
    private const string FeatureReason = "one per feature";
    private const string RowReason = "one per row";
}
