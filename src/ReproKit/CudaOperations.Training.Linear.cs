using ReproKit.Interop;

namespace ReproKit;

public static unsafe partial class CudaOperations
{
    /// <summary>Linear forward on the device (see <see cref="Linear.Forward"/>): the CPU's bits.</summary>
    public static void LinearForward(LinearShape shape, DeviceBuffer<float> x, DeviceBuffer<float> weight, DeviceBuffer<float>? bias,
        DeviceBuffer<float> y)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(y);
        shape.Validate(nameof(shape));
        ArgumentChecks.Length(x.Length, shape.InputLength, nameof(x), Linear.InputReason);
        ArgumentChecks.Length(weight.Length, shape.WeightLength, nameof(weight), Linear.WeightReason);
        if (bias is not null)
        {
            ArgumentChecks.Length(bias.Length, shape.OutFeatures, nameof(bias), Linear.BiasReason);
        }

        ArgumentChecks.Length(y.Length, shape.OutputLength, nameof(y), Linear.OutputReason);
        using ContextLease lease = x.Context.Lease();
        NativeErrors.Check(NativeMethods.rk_linear_forward(lease.Raw, shape.Batch, shape.InFeatures, shape.OutFeatures, (float*)x.Pointer,
            (float*)weight.Pointer, (float*)(bias?.Pointer ?? 0), (float*)y.Pointer), nameof(shape),
            ("y", nameof(y)), ("x", nameof(x)), ("w", nameof(weight)), ("bias", nameof(bias)));
    }

    /// <summary>Linear backward data on the device (see <see cref="Linear.BackwardData"/>).</summary>
    public static void LinearBackwardData(LinearShape shape, DeviceBuffer<float> dy, DeviceBuffer<float> weight, DeviceBuffer<float> dx)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(dy);
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(dx);
        shape.Validate(nameof(shape));
        ArgumentChecks.Length(dy.Length, shape.OutputLength, nameof(dy), Linear.OutputReason);
        ArgumentChecks.Length(weight.Length, shape.WeightLength, nameof(weight), Linear.WeightReason);
        ArgumentChecks.Length(dx.Length, shape.InputLength, nameof(dx), Linear.InputReason);
        using ContextLease lease = dy.Context.Lease();
        NativeErrors.Check(NativeMethods.rk_linear_backward_data(lease.Raw, shape.Batch, shape.InFeatures, shape.OutFeatures, (float*)dy.Pointer,
            (float*)weight.Pointer, (float*)dx.Pointer), nameof(shape), ("dx", nameof(dx)), ("dy", nameof(dy)), ("w", nameof(weight)));
    }

    /// <summary>Linear weight (and bias) gradients on the device (see <see cref="Linear.BackwardWeights"/>).</summary>
    public static void LinearBackwardWeights(LinearShape shape, DeviceBuffer<float> x, DeviceBuffer<float> dy, DeviceBuffer<float> dWeight,
        DeviceBuffer<float>? dBias = null)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(dy);
        ArgumentNullException.ThrowIfNull(dWeight);
        shape.Validate(nameof(shape));
        ArgumentChecks.Length(x.Length, shape.InputLength, nameof(x), Linear.InputReason);
        ArgumentChecks.Length(dy.Length, shape.OutputLength, nameof(dy), Linear.OutputReason);
        ArgumentChecks.Length(dWeight.Length, shape.WeightLength, nameof(dWeight), Linear.WeightReason);
        if (dBias is not null)
        {
            ArgumentChecks.Length(dBias.Length, shape.OutFeatures, nameof(dBias), Linear.BiasReason);
        }

        using ContextLease lease = x.Context.Lease();
        NativeErrors.Check(NativeMethods.rk_linear_backward_weights(lease.Raw, shape.Batch, shape.InFeatures, shape.OutFeatures, (float*)x.Pointer,
            (float*)dy.Pointer, (float*)dWeight.Pointer, (float*)(dBias?.Pointer ?? 0)), nameof(shape),
            ("dw", nameof(dWeight)), ("dbias", nameof(dBias)), ("x", nameof(x)), ("dy", nameof(dy)));
    }
}
