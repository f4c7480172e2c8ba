using ReproKit.Interop;

namespace ReproKit;

/// <summary>An elementwise activation; each is a canonical function, forward and backward (docs/training.md section 2).</summary>
public enum Activation
{
    /// <summary><c>y = x &gt; 0 ? x : +0</c> (NaN passes); <c>dx = x &gt; 0 or x is NaN ? dy : +0</c> (the gradient at 0 is 0, as PyTorch's).</summary>
    Relu = 0,

    /// <summary><c>y = x &gt; 0 ? x : x · s</c>; <c>dx = x &gt; 0 ? dy : dy · s</c> with s the negative slope.</summary>
    LeakyRelu = 1,

    /// <summary>GELU, erf form (PyTorch's <c>approximate='none'</c>): <c>y = (x · 0.5) · (1 + erf(x / √2))</c>.</summary>
    Gelu = 2,

    /// <summary>GELU, tanh form (PyTorch's <c>approximate='tanh'</c>): <c>y = (x · 0.5) · (1 + tanh(√(2/π) (x + 0.044715 x³)))</c>.</summary>
    GeluTanh = 3,
}

/// <summary>
/// Activations with canonical bits (docs/training.md section 2): every float operation fixed, erf / exp / tanh
/// ReproKit's portable functions, so every ISA, thread count and device returns the same bits. In place is allowed
/// (<c>y</c> the same memory as <c>x</c>, <c>dx</c> the same as <c>dy</c>); any other overlap is refused.
/// </summary>
public static class Activations
{
    /// <summary>The negative slope of <see cref="Activation.LeakyRelu"/> when none is given (PyTorch's default).</summary>
    public const float DefaultNegativeSlope = 0.01f;

    /// <summary>Forward: <c>y[i] = f(x[i])</c>.</summary>
    /// <param name="kind">The activation.</param>
    /// <param name="x">Input.</param>
    /// <param name="y">Output, as many elements as <paramref name="x"/>; may be <paramref name="x"/> itself (in place).</param>
    /// <param name="negativeSlope">LeakyReLU's slope (finite); ignored by the other kinds.</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="kind"/> is not an <see cref="Activation"/>.</exception>
    /// <exception cref="ArgumentException">A length differs, the slope is not finite, or the buffers overlap other than in place.</exception>
    public static unsafe void Forward(Activation kind, ReadOnlySpan<float> x, Span<float> y, float negativeSlope = DefaultNegativeSlope,
        CpuContext? context = null)
    {
        CheckKind(kind, negativeSlope);
        ArgumentChecks.Length(y.Length, x.Length, nameof(y), "as many as 'x'");
        using ContextLease lease = (context ?? CpuContext.Shared).Lease();
        fixed (float* px = x)
        fixed (float* py = y)
        {
            NativeErrors.Check(NativeMethods.rk_activation_forward(lease.Raw, (RkActivation)kind, negativeSlope, px, py, x.Length),
                nameof(x), ("y", nameof(y)), ("x", nameof(x)), ("negative_slope", nameof(negativeSlope)), ("kind", nameof(kind)));
        }
    }

    /// <summary>Backward: <c>dx[i] = f'(x[i]) · dy[i]</c> as docs/training.md defines it, from the forward's input.</summary>
    /// <param name="kind">The activation.</param>
    /// <param name="x">The forward's input.</param>
    /// <param name="dy">Gradient of the output, as many elements as <paramref name="x"/>.</param>
    /// <param name="dx">Receives the input gradient, as many elements as <paramref name="x"/>; may be <paramref name="dy"/>
    /// itself (in place), must not overlap <paramref name="x"/>.</param>
    /// <param name="negativeSlope">LeakyReLU's slope (finite); ignored by the other kinds.</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="kind"/> is not an <see cref="Activation"/>.</exception>
    /// <exception cref="ArgumentException">A length differs, the slope is not finite, or the buffers overlap other than in place.</exception>
    public static unsafe void Backward(Activation kind, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx,
        float negativeSlope = DefaultNegativeSlope, CpuContext? context = null)
    {
        CheckKind(kind, negativeSlope);
        ArgumentChecks.Length(dy.Length, x.Length, nameof(dy), "as many as 'x'");
        ArgumentChecks.Length(dx.Length, x.Length, nameof(dx), "as many as 'x'");
        using ContextLease lease = (context ?? CpuContext.Shared).Lease();
        fixed (float* px = x)
        fixed (float* pdy = dy)
        fixed (float* pdx = dx)
        {
            NativeErrors.Check(NativeMethods.rk_activation_backward(lease.Raw, (RkActivation)kind, negativeSlope, px, pdy, pdx, x.Length),
                nameof(x), ("dx", nameof(dx)), ("dy", nameof(dy)), ("x", nameof(x)), ("negative_slope", nameof(negativeSlope)),
                ("kind", nameof(kind)));
        }
    }

    /// <summary>The checks made in C#: the kind is defined, LeakyReLU's slope is finite.</summary>
    internal static void CheckKind(Activation kind, float negativeSlope)
    {
        if (!Enum.IsDefined(kind))
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not an Activation value.");
        }

        if (kind == Activation.LeakyRelu && !float.IsFinite(negativeSlope))
        {
            throw new ArgumentOutOfRangeException(nameof(negativeSlope), negativeSlope, "The negative slope must be finite.");
        }
    }
}
