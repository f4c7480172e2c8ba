namespace ReproKit.Training;

/// <summary>
/// Where a model's operations run: a CPU context (any ISA, any thread count) or a CUDA device. Every operation is the
/// same canonical function on both, so a model trains to the same bits on either (docs/training-run.md). The layers
/// keep their tensors in host arrays; <see cref="Cuda"/> copies each operation's operands to the device and back, which
/// makes it the reference for the GPU's bits, not a fast path.
/// </summary>
public abstract class TrainingDevice
{
    /// <summary>Operations on a CPU context.</summary>
    /// <param name="context">The context; null for the shared one.</param>
    public static TrainingDevice Cpu(CpuContext? context = null) => new CpuTrainingDevice(context ?? CpuContext.Shared);

    /// <summary>Operations on a CUDA device (each operation's operands copied there and back).</summary>
    /// <param name="context">The device context (owned by the caller).</param>
    public static TrainingDevice Cuda(CudaContext context) => new CudaTrainingDevice(context ?? throw new ArgumentNullException(nameof(context)));

    /// <summary>What it runs on, e.g. <c>cpu/avx512/2t</c> or <c>cuda:0/sm_90</c>.</summary>
    public abstract string Name { get; }

    /// <summary>The CPU context that initializes parameters (on the host for either device: the bits are the same).</summary>
    public abstract CpuContext HostContext { get; }

    internal abstract void Conv2dForward(Conv2dDescriptor d, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y);

    internal abstract void Conv2dBackwardData(Conv2dDescriptor d, ReadOnlySpan<float> dy, ReadOnlySpan<float> w, Span<float> dx);

    internal abstract void Conv2dBackwardWeights(Conv2dDescriptor d, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw, Span<float> dbias);

    internal abstract void LinearForward(LinearShape s, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y);

    internal abstract void LinearBackwardData(LinearShape s, ReadOnlySpan<float> dy, ReadOnlySpan<float> w, Span<float> dx);

    internal abstract void LinearBackwardWeights(LinearShape s, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw, Span<float> dbias);

    internal abstract void ActivationForward(Activation kind, ReadOnlySpan<float> x, Span<float> y);

    internal abstract void ActivationBackward(Activation kind, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx);

    internal abstract void DropoutForward(ReadOnlySpan<float> x, Span<float> y, double p, PhiloxStream stream);

    internal abstract void DropoutBackward(ReadOnlySpan<float> dy, Span<float> dx, double p, PhiloxStream stream);

    internal abstract void PoolForward(Pool2dDescriptor d, ReadOnlySpan<float> x, Span<float> y, Span<long> indices);

    internal abstract void PoolBackward(Pool2dDescriptor d, ReadOnlySpan<float> dy, ReadOnlySpan<long> indices, Span<float> dx);

    internal abstract void BatchNormForwardTraining(BatchNorm2dShape s, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        Span<float> y, Span<float> mean, Span<float> invStd, Span<float> runningMean, Span<float> runningVar);

    internal abstract void BatchNormForwardInference(BatchNorm2dShape s, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> y);

    internal abstract void BatchNormBackwardTraining(BatchNorm2dShape s, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, ReadOnlySpan<float> gamma,
        ReadOnlySpan<float> mean, ReadOnlySpan<float> invStd, Span<float> dx, Span<float> dGamma, Span<float> dBeta);

    internal abstract void BatchNormBackwardInference(BatchNorm2dShape s, ReadOnlySpan<float> dy, ReadOnlySpan<float> gamma,
        ReadOnlySpan<float> runningVar, Span<float> dx);

    internal abstract void CrossEntropy(ReadOnlySpan<float> logits, ReadOnlySpan<long> targets, int classes, Span<float> loss);

    internal abstract void CrossEntropyBackward(ReadOnlySpan<float> logits, ReadOnlySpan<long> targets, int classes, ReadOnlySpan<float> dLoss,
        Span<float> dLogits);

    internal abstract void SgdStep(SgdOptions o, Span<float> value, ReadOnlySpan<float> grad, Span<float> momentum, bool firstStep);

    internal abstract void AdamStep(AdamOptions o, long step, Span<float> value, ReadOnlySpan<float> grad, Span<float> m, Span<float> v);
}

/// <summary>The operations of a CPU context: the library's CPU entry points as they are.</summary>
internal sealed class CpuTrainingDevice(CpuContext context) : TrainingDevice
{
    public override string Name => $"cpu/{ReproKitLibrary.IsaName(context.Isa)}/{context.Threads}t";

    public override CpuContext HostContext => context;

    internal override void Conv2dForward(Conv2dDescriptor d, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y) =>
        Conv2d.Forward(d, x, w, bias, y, context: context);

    internal override void Conv2dBackwardData(Conv2dDescriptor d, ReadOnlySpan<float> dy, ReadOnlySpan<float> w, Span<float> dx) =>
        Conv2d.BackwardData(d, dy, w, dx, context: context);

    internal override void Conv2dBackwardWeights(Conv2dDescriptor d, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw, Span<float> dbias) =>
        Conv2d.BackwardWeights(d, x, dy, dw, dbias, context: context);

    internal override void LinearForward(LinearShape s, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y) =>
        Linear.Forward(s, x, w, bias, y, context);

    internal override void LinearBackwardData(LinearShape s, ReadOnlySpan<float> dy, ReadOnlySpan<float> w, Span<float> dx) =>
        Linear.BackwardData(s, dy, w, dx, context);

    internal override void LinearBackwardWeights(LinearShape s, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw, Span<float> dbias) =>
        Linear.BackwardWeights(s, x, dy, dw, dbias, context);

    internal override void ActivationForward(Activation kind, ReadOnlySpan<float> x, Span<float> y) =>
        Activations.Forward(kind, x, y, context: context);

    internal override void ActivationBackward(Activation kind, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx) =>
        Activations.Backward(kind, x, dy, dx, context: context);

    internal override void DropoutForward(ReadOnlySpan<float> x, Span<float> y, double p, PhiloxStream stream) =>
        Dropout.Forward(x, y, p, stream, context: context);

    internal override void DropoutBackward(ReadOnlySpan<float> dy, Span<float> dx, double p, PhiloxStream stream) =>
        Dropout.Backward(dy, dx, p, stream, context: context);

    internal override void PoolForward(Pool2dDescriptor d, ReadOnlySpan<float> x, Span<float> y, Span<long> indices) =>
        Pooling.Forward(d, x, y, indices, context);

    internal override void PoolBackward(Pool2dDescriptor d, ReadOnlySpan<float> dy, ReadOnlySpan<long> indices, Span<float> dx) =>
        Pooling.Backward(d, dy, indices, dx, context);

    internal override void BatchNormForwardTraining(BatchNorm2dShape s, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        Span<float> y, Span<float> mean, Span<float> invStd, Span<float> runningMean, Span<float> runningVar) =>
        BatchNorm2d.ForwardTraining(s, x, gamma, beta, y, mean, invStd, runningMean, runningVar, context: context);

    internal override void BatchNormForwardInference(BatchNorm2dShape s, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> y) =>
        BatchNorm2d.ForwardInference(s, x, gamma, beta, runningMean, runningVar, y, context: context);

    internal override void BatchNormBackwardTraining(BatchNorm2dShape s, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, ReadOnlySpan<float> gamma,
        ReadOnlySpan<float> mean, ReadOnlySpan<float> invStd, Span<float> dx, Span<float> dGamma, Span<float> dBeta) =>
        BatchNorm2d.BackwardTraining(s, x, dy, gamma, mean, invStd, dx, dGamma, dBeta, context);

    internal override void BatchNormBackwardInference(BatchNorm2dShape s, ReadOnlySpan<float> dy, ReadOnlySpan<float> gamma,
        ReadOnlySpan<float> runningVar, Span<float> dx) =>
        BatchNorm2d.BackwardInference(s, dy, gamma, runningVar, dx, context: context);

    internal override void CrossEntropy(ReadOnlySpan<float> logits, ReadOnlySpan<long> targets, int classes, Span<float> loss) =>
        Loss.CrossEntropy(logits, targets, classes, loss, context: context);

    internal override void CrossEntropyBackward(ReadOnlySpan<float> logits, ReadOnlySpan<long> targets, int classes, ReadOnlySpan<float> dLoss,
        Span<float> dLogits) =>
        Loss.CrossEntropyBackward(logits, targets, classes, dLoss, dLogits, context: context);

    internal override void SgdStep(SgdOptions o, Span<float> value, ReadOnlySpan<float> grad, Span<float> momentum, bool firstStep) =>
        Optimizers.SgdStep(o, value, grad, momentum, firstStep, context);

    internal override void AdamStep(AdamOptions o, long step, Span<float> value, ReadOnlySpan<float> grad, Span<float> m, Span<float> v) =>
        Optimizers.AdamStep(o, step, value, grad, m, v, context);
}

/// <summary>
/// The operations of a CUDA device: each call uploads its inputs, runs the device operation and downloads its outputs
/// (in-out arrays both ways). Slow by design — it proves the GPU's bits over a whole run; the CPU's are the same.
/// </summary>
internal sealed class CudaTrainingDevice(CudaContext context) : TrainingDevice
{
    public override string Name => $"cuda:{context.Device.Index}/{context.Device.Architecture}";

    public override CpuContext HostContext => CpuContext.Shared;

    internal override void Conv2dForward(Conv2dDescriptor d, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y)
    {
        using DeviceBuffer<float> gx = Up(x), gw = Up(w), gy = Out(y);
        using DeviceBuffer<float>? gb = bias.IsEmpty ? null : Up(bias);
        CudaOperations.Conv2dForward(d, gx, gw, gb, gy);
        gy.CopyTo(y);
    }

    internal override void Conv2dBackwardData(Conv2dDescriptor d, ReadOnlySpan<float> dy, ReadOnlySpan<float> w, Span<float> dx)
    {
        using DeviceBuffer<float> gdy = Up(dy), gw = Up(w), gdx = Out(dx);
        CudaOperations.Conv2dBackwardData(d, gdy, gw, gdx);
        gdx.CopyTo(dx);
    }

    internal override void Conv2dBackwardWeights(Conv2dDescriptor d, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw, Span<float> dbias)
    {
        using DeviceBuffer<float> gx = Up(x), gdy = Up(dy), gdw = Out(dw);
        using DeviceBuffer<float>? gdb = dbias.IsEmpty ? null : Out(dbias);
        CudaOperations.Conv2dBackwardWeights(d, gx, gdy, gdw, gdb);
        gdw.CopyTo(dw);
        gdb?.CopyTo(dbias);
    }

    internal override void LinearForward(LinearShape s, ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> bias, Span<float> y)
    {
        using DeviceBuffer<float> gx = Up(x), gw = Up(w), gy = Out(y);
        using DeviceBuffer<float>? gb = bias.IsEmpty ? null : Up(bias);
        CudaOperations.LinearForward(s, gx, gw, gb, gy);
        gy.CopyTo(y);
    }

    internal override void LinearBackwardData(LinearShape s, ReadOnlySpan<float> dy, ReadOnlySpan<float> w, Span<float> dx)
    {
        using DeviceBuffer<float> gdy = Up(dy), gw = Up(w), gdx = Out(dx);
        CudaOperations.LinearBackwardData(s, gdy, gw, gdx);
        gdx.CopyTo(dx);
    }

    internal override void LinearBackwardWeights(LinearShape s, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dw, Span<float> dbias)
    {
        using DeviceBuffer<float> gx = Up(x), gdy = Up(dy), gdw = Out(dw);
        using DeviceBuffer<float>? gdb = dbias.IsEmpty ? null : Out(dbias);
        CudaOperations.LinearBackwardWeights(s, gx, gdy, gdw, gdb);
        gdw.CopyTo(dw);
        gdb?.CopyTo(dbias);
    }

    internal override void ActivationForward(Activation kind, ReadOnlySpan<float> x, Span<float> y)
    {
        using DeviceBuffer<float> gx = Up(x), gy = Out(y);
        CudaOperations.ActivationForward(kind, gx, gy);
        gy.CopyTo(y);
    }

    internal override void ActivationBackward(Activation kind, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, Span<float> dx)
    {
        using DeviceBuffer<float> gx = Up(x), gdy = Up(dy), gdx = Out(dx);
        CudaOperations.ActivationBackward(kind, gx, gdy, gdx);
        gdx.CopyTo(dx);
    }

    internal override void DropoutForward(ReadOnlySpan<float> x, Span<float> y, double p, PhiloxStream stream)
    {
        using DeviceBuffer<float> gx = Up(x), gy = Out(y);
        CudaOperations.DropoutForward(gx, gy, p, stream);
        gy.CopyTo(y);
    }

    internal override void DropoutBackward(ReadOnlySpan<float> dy, Span<float> dx, double p, PhiloxStream stream)
    {
        using DeviceBuffer<float> gdy = Up(dy), gdx = Out(dx);
        CudaOperations.DropoutBackward(gdy, gdx, p, stream);
        gdx.CopyTo(dx);
    }

    internal override void PoolForward(Pool2dDescriptor d, ReadOnlySpan<float> x, Span<float> y, Span<long> indices)
    {
        using DeviceBuffer<float> gx = Up(x), gy = Out(y);
        using DeviceBuffer<long>? gi = indices.IsEmpty ? null : context.Allocate<long>(indices.Length);
        CudaOperations.PoolForward(d, gx, gy, gi);
        gy.CopyTo(y);
        gi?.CopyTo(indices);
    }

    internal override void PoolBackward(Pool2dDescriptor d, ReadOnlySpan<float> dy, ReadOnlySpan<long> indices, Span<float> dx)
    {
        using DeviceBuffer<float> gdy = Up(dy), gdx = Out(dx);
        using DeviceBuffer<long>? gi = indices.IsEmpty ? null : context.Upload(indices);
        CudaOperations.PoolBackward(d, gdy, gi, gdx);
        gdx.CopyTo(dx);
    }

    internal override void BatchNormForwardTraining(BatchNorm2dShape s, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        Span<float> y, Span<float> mean, Span<float> invStd, Span<float> runningMean, Span<float> runningVar)
    {
        using DeviceBuffer<float> gx = Up(x), gy = Out(y), gm = Out(mean), gi = Out(invStd);
        using DeviceBuffer<float>? gg = Optional(gamma), gb = Optional(beta), grm = Optional(runningMean), grv = Optional(runningVar);
        CudaOperations.BatchNorm2dForwardTraining(s, gx, gg, gb, gy, gm, gi, grm, grv);
        gy.CopyTo(y);
        gm.CopyTo(mean);
        gi.CopyTo(invStd);
        grm?.CopyTo(runningMean);
        grv?.CopyTo(runningVar);
    }

    internal override void BatchNormForwardInference(BatchNorm2dShape s, ReadOnlySpan<float> x, ReadOnlySpan<float> gamma, ReadOnlySpan<float> beta,
        ReadOnlySpan<float> runningMean, ReadOnlySpan<float> runningVar, Span<float> y)
    {
        using DeviceBuffer<float> gx = Up(x), grm = Up(runningMean), grv = Up(runningVar), gy = Out(y);
        using DeviceBuffer<float>? gg = Optional(gamma), gb = Optional(beta);
        CudaOperations.BatchNorm2dForwardInference(s, gx, gg, gb, grm, grv, gy);
        gy.CopyTo(y);
    }

    internal override void BatchNormBackwardTraining(BatchNorm2dShape s, ReadOnlySpan<float> x, ReadOnlySpan<float> dy, ReadOnlySpan<float> gamma,
        ReadOnlySpan<float> mean, ReadOnlySpan<float> invStd, Span<float> dx, Span<float> dGamma, Span<float> dBeta)
    {
        using DeviceBuffer<float> gx = Up(x), gdy = Up(dy), gm = Up(mean), gi = Up(invStd), gdx = Out(dx);
        using DeviceBuffer<float>? gg = Optional(gamma), gdg = Optional(dGamma), gdb = Optional(dBeta);
        CudaOperations.BatchNorm2dBackwardTraining(s, gx, gdy, gg, gm, gi, gdx, gdg, gdb);
        gdx.CopyTo(dx);
        gdg?.CopyTo(dGamma);
        gdb?.CopyTo(dBeta);
    }

    internal override void BatchNormBackwardInference(BatchNorm2dShape s, ReadOnlySpan<float> dy, ReadOnlySpan<float> gamma,
        ReadOnlySpan<float> runningVar, Span<float> dx)
    {
        using DeviceBuffer<float> gdy = Up(dy), grv = Up(runningVar), gdx = Out(dx);
        using DeviceBuffer<float>? gg = Optional(gamma);
        CudaOperations.BatchNorm2dBackwardInference(s, gdy, gg, grv, gdx);
        gdx.CopyTo(dx);
    }

    internal override void CrossEntropy(ReadOnlySpan<float> logits, ReadOnlySpan<long> targets, int classes, Span<float> loss)
    {
        using DeviceBuffer<float> gl = Up(logits), gloss = Out(loss);
        using DeviceBuffer<long> gt = context.Upload(targets);
        CudaOperations.CrossEntropy(gl, gt, classes, gloss);
        gloss.CopyTo(loss);
    }

    internal override void CrossEntropyBackward(ReadOnlySpan<float> logits, ReadOnlySpan<long> targets, int classes, ReadOnlySpan<float> dLoss,
        Span<float> dLogits)
    {
        using DeviceBuffer<float> gl = Up(logits), gdl = Up(dLoss), gd = Out(dLogits);
        using DeviceBuffer<long> gt = context.Upload(targets);
        CudaOperations.CrossEntropyBackward(gl, gt, classes, gdl, gd);
        gd.CopyTo(dLogits);
    }

    internal override void SgdStep(SgdOptions o, Span<float> value, ReadOnlySpan<float> grad, Span<float> momentum, bool firstStep)
    {
        using DeviceBuffer<float> gv = Up(value), gg = Up(grad), gm = Up(momentum);
        CudaOperations.SgdStep(o, [gv], [gg], o.Momentum != 0 ? [gm] : null, firstStep);
        gv.CopyTo(value);
        gm.CopyTo(momentum);
    }

    internal override void AdamStep(AdamOptions o, long step, Span<float> value, ReadOnlySpan<float> grad, Span<float> m, Span<float> v)
    {
        using DeviceBuffer<float> gv = Up(value), gg = Up(grad), gm = Up(m), gs = Up(v);
        CudaOperations.AdamStep(o, step, [gv], [gg], [gm], [gs]);
        gv.CopyTo(value);
        gm.CopyTo(m);
        gs.CopyTo(v);
    }

    private DeviceBuffer<float> Up(ReadOnlySpan<float> data) => context.Upload(data);

    // A device buffer for an output of the array's length (its contents come back with CopyTo).
    private DeviceBuffer<float> Out(Span<float> data) => context.Allocate<float>(data.Length);

    private DeviceBuffer<float>? Optional(ReadOnlySpan<float> data) => data.IsEmpty ? null : context.Upload(data);
}
