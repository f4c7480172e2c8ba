using ReproKit.Interop;

namespace ReproKit;

public static unsafe partial class CudaOperations
{
    /// <summary>Activation forward on the device (see <see cref="Activations.Forward"/>): the CPU's bits. <paramref name="y"/> may be <paramref name="x"/>.</summary>
    public static void ActivationForward(Activation kind, DeviceBuffer<float> x, DeviceBuffer<float> y,
        float negativeSlope = Activations.DefaultNegativeSlope)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        Activations.CheckKind(kind, negativeSlope);
        ArgumentChecks.Length(y.Length, x.Length, nameof(y), "as many as 'x'");
        using ContextLease lease = x.Context.Lease();
        NativeErrors.Check(NativeMethods.rk_activation_forward(lease.Raw, (RkActivation)kind, negativeSlope, (float*)x.Pointer,
            (float*)y.Pointer, x.Length), nameof(x), ("y", nameof(y)), ("x", nameof(x)), ("negative_slope", nameof(negativeSlope)),
            ("kind", nameof(kind)));
    }

    /// <summary>Activation backward on the device (see <see cref="Activations.Backward"/>). <paramref name="dx"/> may be <paramref name="dy"/>.</summary>
    public static void ActivationBackward(Activation kind, DeviceBuffer<float> x, DeviceBuffer<float> dy, DeviceBuffer<float> dx,
        float negativeSlope = Activations.DefaultNegativeSlope)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(dy);
        ArgumentNullException.ThrowIfNull(dx);
        Activations.CheckKind(kind, negativeSlope);
        ArgumentChecks.Length(dy.Length, x.Length, nameof(dy), "as many as 'x'");
        ArgumentChecks.Length(dx.Length, x.Length, nameof(dx), "as many as 'x'");
        using ContextLease lease = x.Context.Lease();
        NativeErrors.Check(NativeMethods.rk_activation_backward(lease.Raw, (RkActivation)kind, negativeSlope, (float*)x.Pointer,
            (float*)dy.Pointer, (float*)dx.Pointer, x.Length), nameof(x), ("dx", nameof(dx)), ("dy", nameof(dy)), ("x", nameof(x)),
            ("negative_slope", nameof(negativeSlope)), ("kind", nameof(kind)));
    }
}
