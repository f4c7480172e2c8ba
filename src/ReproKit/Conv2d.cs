using ReproKit.Interop;

namespace ReproKit;

/// <summary>Memory layout of convolution activations (weights are always [K][C/groups][R][S]).</summary>
public enum ConvLayout
{
    /// <summary>x[n][c][h][w], y[n][k][p][q].</summary>
    Nchw = 0,

    /// <summary>x[n][h][w][c], y[n][p][q][k].</summary>
    Nhwc = 1,
}

/// <summary>Convolution algorithms; each is its own canonical function (docs/conv.md).</summary>
public enum ConvAlgorithm
{
    /// <summary>A documented pure function of the shape picks one; the call reports which.</summary>
    Auto = 0,

    /// <summary>Direct convolution: per output one FMA chain over (c', r, s). Every shape and pass.</summary>
    Direct = 1,

    /// <summary>Implicit GEMM: bit-identical to <see cref="Direct"/>.</summary>
    ImplicitGemm = 2,

    /// <summary>Winograd F(2x2, 3x3), forward, 3x3 stride 1 dilation 1.</summary>
    Winograd2x3 = 3,

    /// <summary>Winograd F(4x4, 3x3), forward, 3x3 stride 1 dilation 1.</summary>
    Winograd4x3 = 4,

    /// <summary>FFT convolution, forward, stride 1 dilation 1, kernels up to 13x13.</summary>
    Fft = 5,
}

/// <summary>The pass a query is about.</summary>
public enum ConvPass
{
    /// <summary>y from x and w.</summary>
    Forward = 0,

    /// <summary>dx from dy and w.</summary>
    BackwardData = 1,

    /// <summary>dw (and dbias) from x and dy.</summary>
    BackwardWeights = 2,
}

/// <summary>A 2-D convolution problem: shapes, stride, padding per side, dilation, groups and layout.</summary>
/// <param name="N">Batch size.</param>
/// <param name="C">Input channels.</param>
/// <param name="H">Input height.</param>
/// <param name="W">Input width.</param>
/// <param name="K">Output channels.</param>
/// <param name="R">Kernel height.</param>
/// <param name="S">Kernel width.</param>
/// <param name="Layout">Activation layout.</param>
/// <param name="StrideH">Vertical stride.</param>
/// <param name="StrideW">Horizontal stride.</param>
/// <param name="PadTop">Zero rows above.</param>
/// <param name="PadBottom">Zero rows below.</param>
/// <param name="PadLeft">Zero columns left.</param>
/// <param name="PadRight">Zero columns right.</param>
/// <param name="DilationH">Vertical dilation.</param>
/// <param name="DilationW">Horizontal dilation.</param>
/// <param name="Groups">Groups (C for depthwise).</param>
public sealed record Conv2dDescriptor(long N, long C, long H, long W, long K, long R, long S, ConvLayout Layout = ConvLayout.Nchw,
    int StrideH = 1, int StrideW = 1, int PadTop = 0, int PadBottom = 0, int PadLeft = 0, int PadRight = 0,
    int DilationH = 1, int DilationW = 1, int Groups = 1)
{
    /// <summary>A descriptor with the same stride, padding and dilation on both axes.</summary>
    /// <param name="n">Batch.</param>
    /// <param name="c">Input channels.</param>
    /// <param name="h">Height.</param>
    /// <param name="w">Width.</param>
    /// <param name="k">Output channels.</param>
    /// <param name="kernel">Kernel size.</param>
    /// <param name="stride">Stride.</param>
    /// <param name="padding">Padding on every side.</param>
    /// <param name="dilation">Dilation.</param>
    /// <param name="groups">Groups.</param>
    /// <param name="layout">Layout.</param>
    public static Conv2dDescriptor Square(long n, long c, long h, long w, long k, long kernel, int stride = 1, int padding = 0,
        int dilation = 1, int groups = 1, ConvLayout layout = ConvLayout.Nchw) =>
        new(n, c, h, w, k, kernel, kernel, layout, stride, stride, padding, padding, padding, padding, dilation, dilation, groups);

    /// <summary>Output height and width (validates the descriptor).</summary>
    /// <exception cref="ArgumentException">The descriptor is invalid; the message says why.</exception>
    public unsafe (long P, long Q) OutputSize
    {
        get
        {
            ReproKitLibrary.EnsureLoaded();
            RkConv2dDesc d = ToNative();
            long p, q;
            // The descriptor is the parameter of every method that validates through this property (Conv2d's, CudaOperations').
            NativeErrors.Check(NativeMethods.rk_conv2d_output_shape(&d, &p, &q), "descriptor");
            return (p, q);
        }
    }

    /// <summary>Elements of x (and dx): N * C * H * W (validates the descriptor).</summary>
    /// <exception cref="ArgumentException">The descriptor is invalid, or a count passes the addressable size (ArgumentOutOfRangeException); the message says which.</exception>
    public long InputLength
    {
        get
        {
            _ = OutputSize;
            return checked(N * C * H * W);
        }
    }

    /// <summary>Elements of w (and dw): K * (C / groups) * R * S (validates the descriptor).</summary>
    /// <exception cref="ArgumentException">The descriptor is invalid; the message says why.</exception>
    public long WeightLength
    {
        get
        {
            _ = OutputSize;
            return checked(K * (C / Groups) * R * S);
        }
    }

    /// <summary>Elements of y (and dy): N * K * P * Q (validates the descriptor).</summary>
    /// <exception cref="ArgumentException">The descriptor is invalid; the message says why.</exception>
    public long OutputLength
    {
        get
        {
            var (p, q) = OutputSize;
            return checked(N * K * p * q);
        }
    }

    /// <summary>Multiply-adds times two of the direct convolution: 2 N K P Q (C / groups) R S (the GFLOP/s convention).</summary>
    public double Flops
    {
        get
        {
            var (p, q) = OutputSize;
            return 2.0 * N * K * p * q * (C / Groups) * R * S;
        }
    }

    internal unsafe RkConv2dDesc ToNative() => new()
    {
        StructSize = (uint)sizeof(RkConv2dDesc),
        Layout = (RkConvLayout)Layout,
        N = N, C = C, H = H, W = W, K = K, R = R, S = S,
        StrideH = StrideH, StrideW = StrideW,
        PadTop = PadTop, PadBottom = PadBottom, PadLeft = PadLeft, PadRight = PadRight,
        DilationH = DilationH, DilationW = DilationW, Groups = Groups,
    };
}

/// <summary>
/// Bit-reproducible 2-D convolution (docs/conv.md): every algorithm is a defined function with the same bits on every ISA,
/// thread count and batch size. <see cref="ConvAlgorithm.Auto"/> chooses from the shape alone and reports its choice.
/// Pass a workspace (sized by <see cref="Query"/>) to avoid any allocation per call.
/// </summary>
public static class Conv2d
{
    /// <summary>Resolves an algorithm for a pass and reports the workspace it needs.</summary>
    /// <param name="descriptor">The problem.</param>
    /// <param name="pass">The pass.</param>
    /// <param name="requested">The requested algorithm.</param>
    /// <exception cref="ReproKitException">The algorithm does not support the shape or pass (status Unsupported), with the reason.</exception>
    public static unsafe (ConvAlgorithm Chosen, long WorkspaceBytes) Query(Conv2dDescriptor descriptor, ConvPass pass = ConvPass.Forward,
        ConvAlgorithm requested = ConvAlgorithm.Auto)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ReproKitLibrary.EnsureLoaded();
        RkConv2dDesc d = descriptor.ToNative();
        RkConvAlgorithm chosen;
        long bytes;
        NativeErrors.Check(NativeMethods.rk_conv2d_query(&d, (RkConvPass)pass, (RkConvAlgorithm)requested, &chosen, &bytes), nameof(descriptor),
            ("pass", nameof(pass)), ("algorithm", nameof(requested)), ("desc", nameof(descriptor)));
        return ((ConvAlgorithm)chosen, bytes);
    }

    /// <summary>Forward: y = conv(x, w) (+ bias per output channel).</summary>
    /// <param name="descriptor">The problem.</param>
    /// <param name="x">Input, <see cref="Conv2dDescriptor.InputLength"/> elements.</param>
    /// <param name="w">Weights, <see cref="Conv2dDescriptor.WeightLength"/> elements.</param>
    /// <param name="bias">K elements, or empty for none.</param>
    /// <param name="y">Output, <see cref="Conv2dDescriptor.OutputLength"/> elements.</param>
    /// <param name="algorithm">The algorithm (Auto by default).</param>
    /// <param name="workspace">Optional workspace (see <see cref="Query"/>); empty to let the library allocate.</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    /// <returns>The algorithm used.</returns>
    public static unsafe ConvAlgorithm Forward(Conv2dDescriptor descriptor, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias,
        Span<float> y, ConvAlgorithm algorithm = ConvAlgorithm.Auto, Span<byte> workspace = default, CpuContext? context = null)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentChecks.Length(x.Length, descriptor.InputLength, nameof(x), InputReason);
        ArgumentChecks.Length(w.Length, descriptor.WeightLength, nameof(w), WeightReason);
        ArgumentChecks.OptionalLength(bias.Length, descriptor.K, nameof(bias), BiasReason);
        ArgumentChecks.Length(y.Length, descriptor.OutputLength, nameof(y), OutputReason);
        RkConv2dDesc d = descriptor.ToNative();
        RkConvAlgorithm chosen;
        using ContextLease lease = (context ?? CpuContext.Shared).Lease();
        fixed (float* px = x)
        fixed (float* pw = w)
        fixed (float* pb = bias)
        fixed (float* py = y)
        fixed (byte* ws = workspace)
        {
            NativeErrors.Check(NativeMethods.rk_conv2d_forward(lease.Raw, &d, (RkConvAlgorithm)algorithm, px, pw, pb, py, ws, workspace.Length, &chosen), nameof(descriptor),
                ("y", nameof(y)), ("workspace", nameof(workspace)), ("x", nameof(x)), ("w", nameof(w)), ("bias", nameof(bias)),
                ("workspace_bytes", nameof(workspace)), ("algorithm", nameof(algorithm)), ("desc", nameof(descriptor)));
        }

        return (ConvAlgorithm)chosen;
    }

    /// <summary>Backward-data: dx from dy and w (direct canonical function).</summary>
    /// <param name="descriptor">The problem.</param>
    /// <param name="dy">Output gradient.</param>
    /// <param name="w">Weights.</param>
    /// <param name="dx">Receives the input gradient.</param>
    /// <param name="workspace">Optional workspace; empty to let the library allocate.</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    public static unsafe void BackwardData(Conv2dDescriptor descriptor, ReadOnlySpan<float> dy, ReadOnlySpan<float> w, Span<float> dx,
        Span<byte> workspace = default, CpuContext? context = null)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentChecks.Length(dy.Length, descriptor.OutputLength, nameof(dy), OutputReason);
        ArgumentChecks.Length(w.Length, descriptor.WeightLength, nameof(w), WeightReason);
        ArgumentChecks.Length(dx.Length, descriptor.InputLength, nameof(dx), InputReason);
        RkConv2dDesc d = descriptor.ToNative();
        using ContextLease lease = (context ?? CpuContext.Shared).Lease();
        fixed (float* pdy = dy)
        fixed (float* pw = w)
        fixed (float* pdx = dx)
        fixed (byte* ws = workspace)
        {
            NativeErrors.Check(NativeMethods.rk_conv2d_backward_data(lease.Raw, &d, pdy, pw, pdx, ws, workspace.Length), nameof(descriptor),
                ("dx", nameof(dx)), ("workspace", nameof(workspace)), ("dy", nameof(dy)), ("w", nameof(w)),
                ("workspace_bytes", nameof(workspace)), ("desc", nameof(descriptor)));
        }
    }

    /// <summary>Backward-weights: dw (and dbias, if given) from x and dy, reduced in fixed chunks of 256 positions.</summary>
    /// <param name="descriptor">The problem.</param>
    /// <param name="x">Input.</param>
    /// <param name="dy">Output gradient.</param>
    /// <param name="dw">Receives the weight gradient.</param>
    /// <param name="dbias">Receives the bias gradient (K elements), or empty for none.</param>
    /// <param name="workspace">Optional workspace; empty to let the library allocate.</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    public static unsafe void BackwardWeights(Conv2dDescriptor descriptor, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw, Span<float> dbias,
        Span<byte> workspace = default, CpuContext? context = null)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentChecks.Length(x.Length, descriptor.InputLength, nameof(x), InputReason);
        ArgumentChecks.Length(dy.Length, descriptor.OutputLength, nameof(dy), OutputReason);
        ArgumentChecks.Length(dw.Length, descriptor.WeightLength, nameof(dw), WeightReason);
        ArgumentChecks.OptionalLength(dbias.Length, descriptor.K, nameof(dbias), BiasReason);

        RkConv2dDesc d = descriptor.ToNative();
        using ContextLease lease = (context ?? CpuContext.Shared).Lease();
        fixed (float* px = x)
        fixed (float* pdy = dy)
        fixed (float* pdw = dw)
        fixed (float* pdb = dbias)
        fixed (byte* ws = workspace)
        {
            NativeErrors.Check(NativeMethods.rk_conv2d_backward_weights(lease.Raw, &d, px, pdy, pdw, pdb, ws, workspace.Length), nameof(descriptor),
                ("dw", nameof(dw)), ("dbias", nameof(dbias)), ("workspace", nameof(workspace)), ("x", nameof(x)), ("dy", nameof(dy)),
                ("workspace_bytes", nameof(workspace)), ("desc", nameof(descriptor)));
        }
    }

    // Where each buffer's length comes from, for the messages of ArgumentChecks.
    internal const string InputReason = "N * C * H * W of the descriptor";
    internal const string WeightReason = "K * C / groups * R * S of the descriptor";
    internal const string OutputReason = "N * K * P * Q of the descriptor";
    internal const string BiasReason = "one per output channel";
}
