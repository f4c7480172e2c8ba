using ReproKit.Interop;

namespace ReproKit;

/// <summary>The pooling of a <see cref="Pool2dDescriptor"/>.</summary>
public enum PoolMode
{
    /// <summary>MaxPool2d: the window's maximum (PyTorch's rule: ties keep the first in row-major window order, NaN propagates).</summary>
    Max = 0,

    /// <summary>AvgPool2d: the window's sum divided by the pool size, the count of summed elements, or an override.</summary>
    Average = 1,
}

/// <summary>
/// A 2-D pooling problem (PyTorch's MaxPool2d / AvgPool2d) on x <c>[N][C][H][W]</c> (or NHWC). Output size per axis:
/// <c>⌊(in + 2 pad − dilation (kernel − 1) − 1 + (ceil ? stride − 1 : 0)) / stride⌋ + 1</c>, less one when
/// <see cref="CeilMode"/> and the last window would start past the input and its padding.
/// Use <see cref="Max"/> and <see cref="Average"/> for PyTorch's defaults (stride = kernel).
/// </summary>
/// <param name="Mode">Max or average pooling.</param>
/// <param name="N">Batch size.</param>
/// <param name="C">Channels.</param>
/// <param name="H">Input height.</param>
/// <param name="W">Input width.</param>
/// <param name="KernelH">Window height.</param>
/// <param name="KernelW">Window width.</param>
/// <param name="StrideH">Vertical stride.</param>
/// <param name="StrideW">Horizontal stride.</param>
/// <param name="PadH">Implicit padding above and below (at most half the kernel height).</param>
/// <param name="PadW">Implicit padding left and right (at most half the kernel width).</param>
/// <param name="DilationH">Vertical dilation (1 for average pooling).</param>
/// <param name="DilationW">Horizontal dilation (1 for average pooling).</param>
/// <param name="CeilMode">Round the output size up (PyTorch's <c>ceil_mode</c>).</param>
/// <param name="CountIncludePad">Average pooling: divide by the pool size including padding (PyTorch's default) instead of the count of summed elements.</param>
/// <param name="DivisorOverride">Average pooling: divide by this instead (0 for none).</param>
/// <param name="Layout">Layout of x, y and their gradients (and the indices).</param>
public sealed record Pool2dDescriptor(PoolMode Mode, long N, long C, long H, long W, int KernelH, int KernelW, int StrideH, int StrideW,
    int PadH = 0, int PadW = 0, int DilationH = 1, int DilationW = 1, bool CeilMode = false, bool CountIncludePad = true,
    int DivisorOverride = 0, ConvLayout Layout = ConvLayout.Nchw)
{
    /// <summary>MaxPool2d with a square window; the stride defaults to the kernel size, as in PyTorch.</summary>
    /// <param name="n">Batch.</param>
    /// <param name="c">Channels.</param>
    /// <param name="h">Height.</param>
    /// <param name="w">Width.</param>
    /// <param name="kernel">Window size.</param>
    /// <param name="stride">Stride; null for the kernel size.</param>
    /// <param name="padding">Padding on every side.</param>
    /// <param name="dilation">Dilation.</param>
    /// <param name="ceilMode">PyTorch's ceil_mode.</param>
    /// <param name="layout">Layout.</param>
    public static Pool2dDescriptor Max(long n, long c, long h, long w, int kernel, int? stride = null, int padding = 0, int dilation = 1,
        bool ceilMode = false, ConvLayout layout = ConvLayout.Nchw) =>
        new(PoolMode.Max, n, c, h, w, kernel, kernel, stride ?? kernel, stride ?? kernel, padding, padding, dilation, dilation, ceilMode,
            Layout: layout);

    /// <summary>AvgPool2d with a square window; the stride defaults to the kernel size, as in PyTorch.</summary>
    /// <param name="n">Batch.</param>
    /// <param name="c">Channels.</param>
    /// <param name="h">Height.</param>
    /// <param name="w">Width.</param>
    /// <param name="kernel">Window size.</param>
    /// <param name="stride">Stride; null for the kernel size.</param>
    /// <param name="padding">Padding on every side.</param>
    /// <param name="ceilMode">PyTorch's ceil_mode.</param>
    /// <param name="countIncludePad">PyTorch's count_include_pad.</param>
    /// <param name="divisorOverride">PyTorch's divisor_override (0 for none).</param>
    /// <param name="layout">Layout.</param>
    public static Pool2dDescriptor Average(long n, long c, long h, long w, int kernel, int? stride = null, int padding = 0,
        bool ceilMode = false, bool countIncludePad = true, int divisorOverride = 0, ConvLayout layout = ConvLayout.Nchw) =>
        new(PoolMode.Average, n, c, h, w, kernel, kernel, stride ?? kernel, stride ?? kernel, padding, padding, 1, 1, ceilMode,
            countIncludePad, divisorOverride, layout);

    /// <summary>Output height and width (validates the descriptor).</summary>
    /// <exception cref="ArgumentException">The descriptor is invalid; the message says why.</exception>
    public unsafe (long P, long Q) OutputSize
    {
        get
        {
            ReproKitLibrary.EnsureLoaded();
            RkPool2dDesc d = ToNative();
            long p, q;
            // The descriptor is the parameter of every method that validates through this property.
            NativeErrors.Check(NativeMethods.rk_pool2d_output_shape(&d, &p, &q), "descriptor");
            return (p, q);
        }
    }

    /// <summary>Elements of x (and dx): N · C · H · W (validates the descriptor).</summary>
    public long InputLength
    {
        get
        {
            _ = OutputSize;
            return checked(N * C * H * W);
        }
    }

    /// <summary>Elements of y, dy and the indices: N · C · P · Q (validates the descriptor).</summary>
    public long OutputLength
    {
        get
        {
            var (p, q) = OutputSize;
            return checked(N * C * p * q);
        }
    }

    internal unsafe RkPool2dDesc ToNative() => new()
    {
        StructSize = (uint)sizeof(RkPool2dDesc),
        Mode = (RkPoolMode)Mode,
        Layout = (RkConvLayout)Layout,
        N = N, C = C, H = H, W = W,
        KernelH = KernelH, KernelW = KernelW,
        StrideH = StrideH, StrideW = StrideW,
        PadH = PadH, PadW = PadW,
        DilationH = DilationH, DilationW = DilationW,
        CeilMode = CeilMode ? 1 : 0,
        CountIncludePad = CountIncludePad ? 1 : 0,
        DivisorOverride = DivisorOverride,
    };
}

/// <summary>
/// 2-D pooling with canonical bits (docs/training.md section 3): MaxPool2d, AvgPool2d and global average pooling, the
/// same results on every ISA, thread count and device. The backward passes are gathers in a fixed order, so
/// overlapping windows are deterministic.
/// </summary>
public static class Pooling
{
    /// <summary>Pooling forward: y from x; for max pooling, optionally the index <c>h · W + w</c> of each maximum in its plane.</summary>
    /// <param name="descriptor">The problem.</param>
    /// <param name="x">Input, <see cref="Pool2dDescriptor.InputLength"/> elements.</param>
    /// <param name="y">Output, <see cref="Pool2dDescriptor.OutputLength"/> elements.</param>
    /// <param name="indices">Max pooling: receives the indices (OutputLength elements; the backward needs them), or empty. Average pooling: empty.</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    public static unsafe void Forward(Pool2dDescriptor descriptor, ReadOnlySpan<float> x, Span<float> y, Span<long> indices = default,
        CpuContext? context = null)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentChecks.Length(x.Length, descriptor.InputLength, nameof(x), InputReason);
        ArgumentChecks.Length(y.Length, descriptor.OutputLength, nameof(y), OutputReason);
        ArgumentChecks.OptionalLength(indices.Length, descriptor.OutputLength, nameof(indices), OutputReason);
        RkPool2dDesc d = descriptor.ToNative();
        using ContextLease lease = (context ?? CpuContext.Shared).Lease();
        fixed (float* px = x)
        fixed (float* py = y)
        fixed (long* pi = indices)
        {
            NativeErrors.Check(NativeMethods.rk_pool2d_forward(lease.Raw, &d, px, py, indices.IsEmpty ? null : pi), nameof(descriptor),
                ("y", nameof(y)), ("indices", nameof(indices)), ("x", nameof(x)), ("desc", nameof(descriptor)));
        }
    }

    /// <summary>
    /// Pooling backward: dx from dy. Each element of dx is <c>+0</c> plus, in ascending output order, the gradient of every
    /// output that took it (max: whose index names it; average: <c>dy / divisor</c> of every window that sums it).
    /// </summary>
    /// <param name="descriptor">The problem.</param>
    /// <param name="dy">Output gradient, <see cref="Pool2dDescriptor.OutputLength"/> elements.</param>
    /// <param name="indices">Max pooling: the forward's indices. Average pooling: empty.</param>
    /// <param name="dx">Receives the input gradient, <see cref="Pool2dDescriptor.InputLength"/> elements.</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    public static unsafe void Backward(Pool2dDescriptor descriptor, ReadOnlySpan<float> dy, ReadOnlySpan<long> indices, Span<float> dx,
        CpuContext? context = null)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentChecks.Length(dy.Length, descriptor.OutputLength, nameof(dy), OutputReason);
        ArgumentChecks.OptionalLength(indices.Length, descriptor.OutputLength, nameof(indices), OutputReason);
        ArgumentChecks.Length(dx.Length, descriptor.InputLength, nameof(dx), InputReason);
        RkPool2dDesc d = descriptor.ToNative();
        using ContextLease lease = (context ?? CpuContext.Shared).Lease();
        fixed (float* pdy = dy)
        fixed (long* pi = indices)
        fixed (float* pdx = dx)
        {
            NativeErrors.Check(NativeMethods.rk_pool2d_backward(lease.Raw, &d, pdy, indices.IsEmpty ? null : pi, pdx), nameof(descriptor),
                ("dx", nameof(dx)), ("dy", nameof(dy)), ("indices", nameof(indices)), ("desc", nameof(descriptor)));
        }
    }

    /// <summary>Global average pooling: <c>y[n][c]</c> = the canonical sum of plane (n, c) divided by H · W.</summary>
    /// <param name="layout">Layout of x (y is <c>[N][C]</c> in both).</param>
    /// <param name="n">Batch size.</param>
    /// <param name="c">Channels.</param>
    /// <param name="h">Height.</param>
    /// <param name="w">Width.</param>
    /// <param name="x">Input, n · c · h · w elements.</param>
    /// <param name="y">Output, n · c elements.</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    public static unsafe void GlobalAverageForward(ConvLayout layout, long n, long c, long h, long w, ReadOnlySpan<float> x, Span<float> y,
        CpuContext? context = null)
    {
        var (inputs, outputs) = GlobalLengths(n, c, h, w);
        ArgumentChecks.Length(x.Length, inputs, nameof(x), GlobalInputReason);
        ArgumentChecks.Length(y.Length, outputs, nameof(y), GlobalOutputReason);
        using ContextLease lease = (context ?? CpuContext.Shared).Lease();
        fixed (float* px = x)
        fixed (float* py = y)
        {
            NativeErrors.Check(NativeMethods.rk_global_avg_pool2d_forward(lease.Raw, (RkConvLayout)layout, n, c, h, w, px, py), nameof(layout),
                ("y", nameof(y)), ("x", nameof(x)), ("layout", nameof(layout)));
        }
    }

    /// <summary>Global average pooling backward: every element of plane (n, c) receives <c>dy[n][c] / (H · W)</c>.</summary>
    /// <param name="layout">Layout of dx.</param>
    /// <param name="n">Batch size.</param>
    /// <param name="c">Channels.</param>
    /// <param name="h">Height.</param>
    /// <param name="w">Width.</param>
    /// <param name="dy">Output gradient, n · c elements.</param>
    /// <param name="dx">Receives the input gradient, n · c · h · w elements.</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    public static unsafe void GlobalAverageBackward(ConvLayout layout, long n, long c, long h, long w, ReadOnlySpan<float> dy, Span<float> dx,
        CpuContext? context = null)
    {
        var (inputs, outputs) = GlobalLengths(n, c, h, w);
        ArgumentChecks.Length(dy.Length, outputs, nameof(dy), GlobalOutputReason);
        ArgumentChecks.Length(dx.Length, inputs, nameof(dx), GlobalInputReason);
        using ContextLease lease = (context ?? CpuContext.Shared).Lease();
        fixed (float* pdy = dy)
        fixed (float* pdx = dx)
        {
            NativeErrors.Check(NativeMethods.rk_global_avg_pool2d_backward(lease.Raw, (RkConvLayout)layout, n, c, h, w, pdy, pdx), nameof(layout),
                ("dx", nameof(dx)), ("dy", nameof(dy)), ("layout", nameof(layout)));
        }
    }

    /// <summary>n · c · h · w and n · c, each size at least 1 (named by its parameter otherwise).</summary>
    internal static (long Inputs, long Outputs) GlobalLengths(long n, long c, long h, long w)
    {
        foreach ((string name, long value) in new[] { (nameof(n), n), (nameof(c), c), (nameof(h), h), (nameof(w), w) })
        {
            if (value < 1)
            {
                throw new ArgumentOutOfRangeException(name, value, $"{name} must be at least 1.");
            }
        }

        try
        {
            return (checked(n * c * h * w), n * c);
        }
        catch (OverflowException)
        {
            throw new ArgumentOutOfRangeException(nameof(n), "n * c * h * w exceeds the addressable size.");
        }
    }

    // Where each buffer's length comes from, for the messages of ArgumentChecks.
    internal const string InputReason = "N * C * H * W of the descriptor";
    internal const string OutputReason = "N * C * P * Q of the descriptor";
    internal const string GlobalInputReason = "n * c * h * w";
    internal const string GlobalOutputReason = "one per plane, n * c";
}
