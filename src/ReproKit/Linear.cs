using ReproKit.Interop;

namespace ReproKit;

/// <summary>The shape of a linear layer: <c>y = x Wᵀ + b</c> with x <c>[Batch][InFeatures]</c>, W <c>[OutFeatures][InFeatures]</c>.</summary>
/// <param name="Batch">Rows of x and y (at least 1).</param>
/// <param name="InFeatures">Columns of x and of W (at least 1).</param>
/// <param name="OutFeatures">Columns of y, rows of W, elements of b (at least 1).</param>
public sealed record LinearShape(int Batch, int InFeatures, int OutFeatures)
{
    /// <summary>Elements of x (and dx): Batch · InFeatures.</summary>
    public long InputLength => (long)Batch * InFeatures;

    /// <summary>Elements of W (and dW): OutFeatures · InFeatures.</summary>
    public long WeightLength => (long)OutFeatures * InFeatures;

    /// <summary>Elements of y (and dy): Batch · OutFeatures.</summary>
    public long OutputLength => (long)Batch * OutFeatures;

    /// <summary>Throws unless every size is at least 1; <paramref name="paramName"/> is the caller's parameter holding the shape.</summary>
    internal void Validate(string paramName)
    {
        foreach ((string name, int value) in new[] { (nameof(Batch), Batch), (nameof(InFeatures), InFeatures), (nameof(OutFeatures), OutFeatures) })
        {
            if (value < 1)
            {
                throw new ArgumentOutOfRangeException(paramName, value, $"{name} must be at least 1.");
            }
        }
    }
}

/// <summary>
/// A linear (fully connected) layer with canonical bits (docs/training.md section 1): the same results on every ISA,
/// thread count and device, bitwise equal to <see cref="Conv2d"/> with a 1×1 kernel on <c>[Batch, InFeatures, 1, 1]</c>.
/// A row of y depends only on its row of x, never on the batch (batch-invariant). W uses PyTorch's <c>nn.Linear</c>
/// layout <c>[OutFeatures][InFeatures]</c>.
/// </summary>
public static class Linear
{
    /// <summary>Forward: <c>y[n][o] = Σᵢ x[n][i] W[o][i]</c> (an FMA chain over i ascending) <c>+ b[o]</c>.</summary>
    /// <param name="shape">The layer's shape.</param>
    /// <param name="x">Input, <see cref="LinearShape.InputLength"/> elements.</param>
    /// <param name="weight">W, <see cref="LinearShape.WeightLength"/> elements.</param>
    /// <param name="bias">OutFeatures elements, or empty for none.</param>
    /// <param name="y">Output, <see cref="LinearShape.OutputLength"/> elements; must not overlap the inputs.</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    public static unsafe void Forward(LinearShape shape, ReadOnlySpan<float> x, ReadOnlySpan<float> weight, ReadOnlySpan<float> bias,
        Span<float> y, CpuContext? context = null)
    {
        ArgumentNullException.ThrowIfNull(shape);
        shape.Validate(nameof(shape));
        ArgumentChecks.Length(x.Length, shape.InputLength, nameof(x), InputReason);
        ArgumentChecks.Length(weight.Length, shape.WeightLength, nameof(weight), WeightReason);
        ArgumentChecks.OptionalLength(bias.Length, shape.OutFeatures, nameof(bias), BiasReason);
        ArgumentChecks.Length(y.Length, shape.OutputLength, nameof(y), OutputReason);
        using ContextLease lease = (context ?? CpuContext.Shared).Lease();
        fixed (float* px = x)
        fixed (float* pw = weight)
        fixed (float* pb = bias)
        fixed (float* py = y)
        {
            NativeErrors.Check(NativeMethods.rk_linear_forward(lease.Raw, shape.Batch, shape.InFeatures, shape.OutFeatures, px, pw,
                bias.IsEmpty ? null : pb, py), nameof(shape),
                ("y", nameof(y)), ("x", nameof(x)), ("w", nameof(weight)), ("bias", nameof(bias)));
        }
    }

    /// <summary>Gradient with respect to the input: <c>dx[n][i] = Σₒ dy[n][o] W[o][i]</c> (an FMA chain over o ascending).</summary>
    /// <param name="shape">The layer's shape.</param>
    /// <param name="dy">Output gradient, <see cref="LinearShape.OutputLength"/> elements.</param>
    /// <param name="weight">W.</param>
    /// <param name="dx">Receives the input gradient, <see cref="LinearShape.InputLength"/> elements.</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    public static unsafe void BackwardData(LinearShape shape, ReadOnlySpan<float> dy, ReadOnlySpan<float> weight, Span<float> dx,
        CpuContext? context = null)
    {
        ArgumentNullException.ThrowIfNull(shape);
        shape.Validate(nameof(shape));
        ArgumentChecks.Length(dy.Length, shape.OutputLength, nameof(dy), OutputReason);
        ArgumentChecks.Length(weight.Length, shape.WeightLength, nameof(weight), WeightReason);
        ArgumentChecks.Length(dx.Length, shape.InputLength, nameof(dx), InputReason);
        using ContextLease lease = (context ?? CpuContext.Shared).Lease();
        fixed (float* pdy = dy)
        fixed (float* pw = weight)
        fixed (float* pdx = dx)
        {
            NativeErrors.Check(NativeMethods.rk_linear_backward_data(lease.Raw, shape.Batch, shape.InFeatures, shape.OutFeatures, pdy, pw, pdx),
                nameof(shape), ("dx", nameof(dx)), ("dy", nameof(dy)), ("w", nameof(weight)));
        }
    }

    /// <summary>
    /// Gradients with respect to W (and b when <paramref name="dBias"/> is not empty), reduced over the batch rows in
    /// chunks of 256 (conv2d's weight-gradient order).
    /// </summary>
    /// <param name="shape">The layer's shape.</param>
    /// <param name="x">The forward input.</param>
    /// <param name="dy">Output gradient.</param>
    /// <param name="dWeight">Receives dW, <see cref="LinearShape.WeightLength"/> elements.</param>
    /// <param name="dBias">Receives db (OutFeatures elements), or empty for none.</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    public static unsafe void BackwardWeights(LinearShape shape, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dWeight,
        Span<float> dBias, CpuContext? context = null)
    {
        ArgumentNullException.ThrowIfNull(shape);
        shape.Validate(nameof(shape));
        ArgumentChecks.Length(x.Length, shape.InputLength, nameof(x), InputReason);
        ArgumentChecks.Length(dy.Length, shape.OutputLength, nameof(dy), OutputReason);
        ArgumentChecks.Length(dWeight.Length, shape.WeightLength, nameof(dWeight), WeightReason);
        ArgumentChecks.OptionalLength(dBias.Length, shape.OutFeatures, nameof(dBias), BiasReason);
        using ContextLease lease = (context ?? CpuContext.Shared).Lease();
        fixed (float* px = x)
        fixed (float* pdy = dy)
        fixed (float* pdw = dWeight)
        fixed (float* pdb = dBias)
        {
            NativeErrors.Check(NativeMethods.rk_linear_backward_weights(lease.Raw, shape.Batch, shape.InFeatures, shape.OutFeatures, px, pdy, pdw,
                dBias.IsEmpty ? null : pdb), nameof(shape),
                ("dw", nameof(dWeight)), ("dbias", nameof(dBias)), ("x", nameof(x)), ("dy", nameof(dy)));
        }
    }

    // Where each buffer's length comes from, for the messages of ArgumentChecks.
    internal const string InputReason = "Batch * InFeatures of the shape";
    internal const string WeightReason = "OutFeatures * InFeatures of the shape";
    internal const string OutputReason = "Batch * OutFeatures of the shape";
    internal const string BiasReason = "one per output feature";
}
