using ReproKit.Interop;

namespace ReproKit;

public static unsafe partial class CudaOperations
{
    /// <summary>Pooling forward on the device (see <see cref="Pooling.Forward"/>): the CPU's bits.</summary>
    /// <param name="descriptor">The problem.</param>
    /// <param name="x">Input, <see cref="Pool2dDescriptor.InputLength"/> elements.</param>
    /// <param name="y">Output, <see cref="Pool2dDescriptor.OutputLength"/> elements.</param>
    /// <param name="indices">Max pooling: receives the indices, or null. Average pooling: null.</param>
    public static void PoolForward(Pool2dDescriptor descriptor, DeviceBuffer<float> x, DeviceBuffer<float> y, DeviceBuffer<long>? indices = null)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        ArgumentChecks.Length(x.Length, descriptor.InputLength, nameof(x), Pooling.InputReason);
        ArgumentChecks.Length(y.Length, descriptor.OutputLength, nameof(y), Pooling.OutputReason);
        if (indices is not null)
        {
            ArgumentChecks.Length(indices.Length, descriptor.OutputLength, nameof(indices), Pooling.OutputReason);
        }

        RkPool2dDesc d = descriptor.ToNative();
        using ContextLease lease = x.Context.Lease();
        NativeErrors.Check(NativeMethods.rk_pool2d_forward(lease.Raw, &d, (float*)x.Pointer, (float*)y.Pointer, (long*)(indices?.Pointer ?? 0)),
            nameof(descriptor), ("y", nameof(y)), ("indices", nameof(indices)), ("x", nameof(x)), ("desc", nameof(descriptor)));
    }

    /// <summary>Pooling backward on the device (see <see cref="Pooling.Backward"/>): the CPU's bits.</summary>
    /// <param name="descriptor">The problem.</param>
    /// <param name="dy">Output gradient.</param>
    /// <param name="indices">Max pooling: the forward's indices. Average pooling: null.</param>
    /// <param name="dx">Receives the input gradient.</param>
    public static void PoolBackward(Pool2dDescriptor descriptor, DeviceBuffer<float> dy, DeviceBuffer<long>? indices, DeviceBuffer<float> dx)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(dy);
        ArgumentNullException.ThrowIfNull(dx);
        ArgumentChecks.Length(dy.Length, descriptor.OutputLength, nameof(dy), Pooling.OutputReason);
        if (indices is not null)
        {
            ArgumentChecks.Length(indices.Length, descriptor.OutputLength, nameof(indices), Pooling.OutputReason);
        }

        ArgumentChecks.Length(dx.Length, descriptor.InputLength, nameof(dx), Pooling.InputReason);
        RkPool2dDesc d = descriptor.ToNative();
        using ContextLease lease = dy.Context.Lease();
        NativeErrors.Check(NativeMethods.rk_pool2d_backward(lease.Raw, &d, (float*)dy.Pointer, (long*)(indices?.Pointer ?? 0), (float*)dx.Pointer),
            nameof(descriptor), ("dx", nameof(dx)), ("dy", nameof(dy)), ("indices", nameof(indices)), ("desc", nameof(descriptor)));
    }

    /// <summary>Global average pooling on the device (see <see cref="Pooling.GlobalAverageForward"/>).</summary>
    /// <param name="layout">Layout of x.</param>
    /// <param name="n">Batch size.</param>
    /// <param name="c">Channels.</param>
    /// <param name="h">Height.</param>
    /// <param name="w">Width.</param>
    /// <param name="x">Input, n · c · h · w elements.</param>
    /// <param name="y">Output, n · c elements.</param>
    public static void GlobalAveragePoolForward(ConvLayout layout, long n, long c, long h, long w, DeviceBuffer<float> x, DeviceBuffer<float> y)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        var (inputs, outputs) = Pooling.GlobalLengths(n, c, h, w);
        ArgumentChecks.Length(x.Length, inputs, nameof(x), Pooling.GlobalInputReason);
        ArgumentChecks.Length(y.Length, outputs, nameof(y), Pooling.GlobalOutputReason);
        using ContextLease lease = x.Context.Lease();
        NativeErrors.Check(NativeMethods.rk_global_avg_pool2d_forward(lease.Raw, (RkConvLayout)layout, n, c, h, w, (float*)x.Pointer, (float*)y.Pointer),
            nameof(layout), ("y", nameof(y)), ("x", nameof(x)), ("layout", nameof(layout)));
    }

    /// <summary>Global average pooling backward on the device (see <see cref="Pooling.GlobalAverageBackward"/>).</summary>
    /// <param name="layout">Layout of dx.</param>
    /// <param name="n">Batch size.</param>
    /// <param name="c">Channels.</param>
    /// <param name="h">Height.</param>
    /// <param name="w">Width.</param>
    /// <param name="dy">Output gradient, n · c elements.</param>
    /// <param name="dx">Receives the input gradient, n · c · h · w elements.</param>
    public static void GlobalAveragePoolBackward(ConvLayout layout, long n, long c, long h, long w, DeviceBuffer<float> dy, DeviceBuffer<float> dx)
    {
        ArgumentNullException.ThrowIfNull(dy);
        ArgumentNullException.ThrowIfNull(dx);
        var (inputs, outputs) = Pooling.GlobalLengths(n, c, h, w);
        ArgumentChecks.Length(dy.Length, outputs, nameof(dy), Pooling.GlobalOutputReason);
        ArgumentChecks.Length(dx.Length, inputs, nameof(dx), Pooling.GlobalInputReason);
        using ContextLease lease = dy.Context.Lease();
        NativeErrors.Check(NativeMethods.rk_global_avg_pool2d_backward(lease.Raw, (RkConvLayout)layout, n, c, h, w, (float*)dy.Pointer, (float*)dx.Pointer),
            nameof(layout), ("dx", nameof(dx)), ("dy", nameof(dy)), ("layout", nameof(layout)));
    }
}
