using ReproKit.Interop;

namespace ReproKit;

public static unsafe partial class CudaOperations
{
    /// <summary>BatchNorm2d training forward on the device (see <see cref="BatchNorm2d.ForwardTraining"/>): the CPU's bits.</summary>
    public static void BatchNorm2dForwardTraining(BatchNorm2dShape shape, DeviceBuffer<float> x, DeviceBuffer<float>? gamma,
        DeviceBuffer<float>? beta, DeviceBuffer<float> y, DeviceBuffer<float> saveMean, DeviceBuffer<float> saveInvStd,
        DeviceBuffer<float>? runningMean = null, DeviceBuffer<float>? runningVar = null, float eps = BatchNorm2d.DefaultEps,
        float momentum = BatchNorm2d.DefaultMomentum)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        ArgumentNullException.ThrowIfNull(saveMean);
        ArgumentNullException.ThrowIfNull(saveInvStd);
        shape.Validate(nameof(shape));
        ArgumentChecks.Length(x.Length, shape.Length, nameof(x), BatchNorm2d.LengthReason);
        ArgumentChecks.Length(y.Length, shape.Length, nameof(y), BatchNorm2d.LengthReason);
        ChannelBuffers(shape, (gamma, nameof(gamma)), (beta, nameof(beta)), (saveMean, nameof(saveMean)), (saveInvStd, nameof(saveInvStd)),
            (runningMean, nameof(runningMean)), (runningVar, nameof(runningVar)));
        if ((runningMean is null) != (runningVar is null))
        {
            throw new ArgumentException("Give both running statistics or neither.", runningMean is null ? nameof(runningMean) : nameof(runningVar));
        }

        using ContextLease lease = x.Context.Lease();
        NativeErrors.Check(NativeMethods.rk_batchnorm2d_forward_training(lease.Raw, shape.N, shape.C, shape.H, shape.W, eps, momentum,
            (float*)x.Pointer, Ptr(gamma), Ptr(beta), (float*)y.Pointer, (float*)saveMean.Pointer, (float*)saveInvStd.Pointer,
            Ptr(runningMean), Ptr(runningVar)), nameof(shape),
            ("eps", nameof(eps)), ("momentum", nameof(momentum)), ("y", nameof(y)), ("x", nameof(x)), ("gamma", nameof(gamma)),
            ("beta", nameof(beta)), ("save_mean", nameof(saveMean)), ("save_invstd", nameof(saveInvStd)),
            ("running_mean", nameof(runningMean)), ("running_var", nameof(runningVar)));
    }

    /// <summary>BatchNorm2d training backward on the device (see <see cref="BatchNorm2d.BackwardTraining"/>).</summary>
    public static void BatchNorm2dBackwardTraining(BatchNorm2dShape shape, DeviceBuffer<float> x, DeviceBuffer<float> dy,
        DeviceBuffer<float>? gamma, DeviceBuffer<float> saveMean, DeviceBuffer<float> saveInvStd, DeviceBuffer<float> dx,
        DeviceBuffer<float>? dGamma = null, DeviceBuffer<float>? dBeta = null)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(dy);
        ArgumentNullException.ThrowIfNull(saveMean);
        ArgumentNullException.ThrowIfNull(saveInvStd);
        ArgumentNullException.ThrowIfNull(dx);
        shape.Validate(nameof(shape));
        ArgumentChecks.Length(x.Length, shape.Length, nameof(x), BatchNorm2d.LengthReason);
        ArgumentChecks.Length(dy.Length, shape.Length, nameof(dy), BatchNorm2d.LengthReason);
        ArgumentChecks.Length(dx.Length, shape.Length, nameof(dx), BatchNorm2d.LengthReason);
        ChannelBuffers(shape, (gamma, nameof(gamma)), (saveMean, nameof(saveMean)), (saveInvStd, nameof(saveInvStd)),
            (dGamma, nameof(dGamma)), (dBeta, nameof(dBeta)));
        using ContextLease lease = x.Context.Lease();
        NativeErrors.Check(NativeMethods.rk_batchnorm2d_backward_training(lease.Raw, shape.N, shape.C, shape.H, shape.W, (float*)x.Pointer,
            (float*)dy.Pointer, Ptr(gamma), (float*)saveMean.Pointer, (float*)saveInvStd.Pointer, (float*)dx.Pointer, Ptr(dGamma),
            Ptr(dBeta)), nameof(shape),
            ("dx", nameof(dx)), ("dgamma", nameof(dGamma)), ("dbeta", nameof(dBeta)), ("x", nameof(x)), ("dy", nameof(dy)),
            ("gamma", nameof(gamma)), ("save_mean", nameof(saveMean)), ("save_invstd", nameof(saveInvStd)));
    }

    /// <summary>BatchNorm2d evaluation forward on the device (see <see cref="BatchNorm2d.ForwardInference"/>): the CPU's bits.</summary>
    public static void BatchNorm2dForwardInference(BatchNorm2dShape shape, DeviceBuffer<float> x, DeviceBuffer<float>? gamma,
        DeviceBuffer<float>? beta, DeviceBuffer<float> runningMean, DeviceBuffer<float> runningVar, DeviceBuffer<float> y,
        float eps = BatchNorm2d.DefaultEps)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(runningMean);
        ArgumentNullException.ThrowIfNull(runningVar);
        ArgumentNullException.ThrowIfNull(y);
        shape.Validate(nameof(shape));
        ArgumentChecks.Length(x.Length, shape.Length, nameof(x), BatchNorm2d.LengthReason);
        ArgumentChecks.Length(y.Length, shape.Length, nameof(y), BatchNorm2d.LengthReason);
        ChannelBuffers(shape, (gamma, nameof(gamma)), (beta, nameof(beta)), (runningMean, nameof(runningMean)), (runningVar, nameof(runningVar)));
        using ContextLease lease = x.Context.Lease();
        NativeErrors.Check(NativeMethods.rk_batchnorm2d_forward_inference(lease.Raw, shape.N, shape.C, shape.H, shape.W, eps, (float*)x.Pointer,
            Ptr(gamma), Ptr(beta), (float*)runningMean.Pointer, (float*)runningVar.Pointer, (float*)y.Pointer), nameof(shape),
            ("eps", nameof(eps)), ("y", nameof(y)), ("x", nameof(x)), ("gamma", nameof(gamma)), ("beta", nameof(beta)),
            ("running_mean", nameof(runningMean)), ("running_var", nameof(runningVar)));
    }

    /// <summary>BatchNorm2d evaluation backward on the device (see <see cref="BatchNorm2d.BackwardInference"/>).</summary>
    public static void BatchNorm2dBackwardInference(BatchNorm2dShape shape, DeviceBuffer<float> dy, DeviceBuffer<float>? gamma,
        DeviceBuffer<float> runningVar, DeviceBuffer<float> dx, float eps = BatchNorm2d.DefaultEps)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(dy);
        ArgumentNullException.ThrowIfNull(runningVar);
        ArgumentNullException.ThrowIfNull(dx);
        shape.Validate(nameof(shape));
        ArgumentChecks.Length(dy.Length, shape.Length, nameof(dy), BatchNorm2d.LengthReason);
        ArgumentChecks.Length(dx.Length, shape.Length, nameof(dx), BatchNorm2d.LengthReason);
        ChannelBuffers(shape, (gamma, nameof(gamma)), (runningVar, nameof(runningVar)));
        using ContextLease lease = dy.Context.Lease();
        NativeErrors.Check(NativeMethods.rk_batchnorm2d_backward_inference(lease.Raw, shape.N, shape.C, shape.H, shape.W, eps, (float*)dy.Pointer,
            Ptr(gamma), (float*)runningVar.Pointer, (float*)dx.Pointer), nameof(shape),
            ("eps", nameof(eps)), ("dx", nameof(dx)), ("dy", nameof(dy)), ("gamma", nameof(gamma)), ("running_var", nameof(runningVar)));
    }

    /// <summary>LayerNorm forward on the device (see <see cref="LayerNorm.Forward"/>).</summary>
    public static void LayerNormForward(int rows, int features, DeviceBuffer<float> x, DeviceBuffer<float>? gamma, DeviceBuffer<float>? beta,
        DeviceBuffer<float> y, DeviceBuffer<float> saveMean, DeviceBuffer<float> saveInvStd, float eps = BatchNorm2d.DefaultEps)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        ArgumentNullException.ThrowIfNull(saveMean);
        ArgumentNullException.ThrowIfNull(saveInvStd);
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(features, 1);
        ArgumentChecks.Length(x.Length, (long)rows * features, nameof(x), "rows * features");
        ArgumentChecks.Length(y.Length, (long)rows * features, nameof(y), "rows * features");
        ArgumentChecks.Length(saveMean.Length, rows, nameof(saveMean), "one per row");
        ArgumentChecks.Length(saveInvStd.Length, rows, nameof(saveInvStd), "one per row");
        OptionalBuffers(features, (gamma, nameof(gamma)), (beta, nameof(beta)));
        using ContextLease lease = x.Context.Lease();
        NativeErrors.Check(NativeMethods.rk_layernorm_forward(lease.Raw, rows, features, eps, (float*)x.Pointer, Ptr(gamma), Ptr(beta),
            (float*)y.Pointer, (float*)saveMean.Pointer, (float*)saveInvStd.Pointer), nameof(x),
            ("eps", nameof(eps)), ("y", nameof(y)), ("x", nameof(x)), ("gamma", nameof(gamma)), ("beta", nameof(beta)),
            ("save_mean", nameof(saveMean)), ("save_invstd", nameof(saveInvStd)));
    }

    /// <summary>LayerNorm backward on the device (see <see cref="LayerNorm.Backward"/>).</summary>
    public static void LayerNormBackward(int rows, int features, DeviceBuffer<float> x, DeviceBuffer<float> dy, DeviceBuffer<float>? gamma,
        DeviceBuffer<float> saveMean, DeviceBuffer<float> saveInvStd, DeviceBuffer<float> dx, DeviceBuffer<float>? dGamma = null,
        DeviceBuffer<float>? dBeta = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(dy);
        ArgumentNullException.ThrowIfNull(saveMean);
        ArgumentNullException.ThrowIfNull(saveInvStd);
        ArgumentNullException.ThrowIfNull(dx);
        ArgumentOutOfRangeException.ThrowIfLessThan(rows, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(features, 1);
        ArgumentChecks.Length(x.Length, (long)rows * features, nameof(x), "rows * features");
        ArgumentChecks.Length(dy.Length, (long)rows * features, nameof(dy), "rows * features");
        ArgumentChecks.Length(dx.Length, (long)rows * features, nameof(dx), "rows * features");
        ArgumentChecks.Length(saveMean.Length, rows, nameof(saveMean), "one per row");
        ArgumentChecks.Length(saveInvStd.Length, rows, nameof(saveInvStd), "one per row");
        OptionalBuffers(features, (gamma, nameof(gamma)), (dGamma, nameof(dGamma)), (dBeta, nameof(dBeta)));
        using ContextLease lease = x.Context.Lease();
        NativeErrors.Check(NativeMethods.rk_layernorm_backward(lease.Raw, rows, features, (float*)x.Pointer, (float*)dy.Pointer, Ptr(gamma),
            (float*)saveMean.Pointer, (float*)saveInvStd.Pointer, (float*)dx.Pointer, Ptr(dGamma), Ptr(dBeta)), nameof(x),
            ("dx", nameof(dx)), ("dgamma", nameof(dGamma)), ("dbeta", nameof(dBeta)), ("x", nameof(x)), ("dy", nameof(dy)),
            ("gamma", nameof(gamma)), ("save_mean", nameof(saveMean)), ("save_invstd", nameof(saveInvStd)));
    }

    private static float* Ptr(DeviceBuffer<float>? b) => (float*)(b?.Pointer ?? 0);

    private static void ChannelBuffers(BatchNorm2dShape shape, params ReadOnlySpan<(DeviceBuffer<float>? Buffer, string Name)> buffers) =>
        OptionalBuffers(shape.C, buffers);

    // Every buffer given (not null) must hold `count` elements.
    private static void OptionalBuffers(long count, params ReadOnlySpan<(DeviceBuffer<float>? Buffer, string Name)> buffers)
    {
        foreach ((DeviceBuffer<float>? b, string name) in buffers)
        {
            if (b is not null)
            {
                ArgumentChecks.Length(b.Length, count, name);
            }
        }
    }
}
