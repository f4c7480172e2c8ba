using ReproKit.Interop;

namespace ReproKit;

public static unsafe partial class CudaOperations
{
    /// <summary>
    /// Cross-entropy on the device (see <see cref="Loss.CrossEntropy"/>): the CPU's bits. Every target is checked first
    /// (the call waits for the check), so a bad target fails the call, naming its row, before anything is written.
    /// </summary>
    /// <param name="logits">Rows of <paramref name="classes"/> logits, one row per target.</param>
    /// <param name="targets">One class index per row.</param>
    /// <param name="classes">Logits per row (at least 1).</param>
    /// <param name="loss">Receives one value per row (<see cref="LossReduction.None"/>) or one value.</param>
    /// <param name="reduction">How the row losses are reduced.</param>
    /// <param name="ignoreIndex">A target value whose row is ignored.</param>
    /// <param name="labelSmoothing">Label smoothing in [0, 1].</param>
    public static void CrossEntropy(DeviceBuffer<float> logits, DeviceBuffer<long> targets, int classes, DeviceBuffer<float> loss,
        LossReduction reduction = LossReduction.Mean, long ignoreIndex = Loss.DefaultIgnoreIndex, float labelSmoothing = 0f)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(loss);
        Loss.CheckShape(logits.Length, targets.Length, classes, reduction, nameof(logits));
        ArgumentChecks.Length(loss.Length, Loss.OutputLength(targets.Length, reduction), nameof(loss), Loss.LossReason);
        using ContextLease lease = logits.Context.Lease();
        NativeErrors.Check(NativeMethods.rk_cross_entropy_forward(lease.Raw, targets.Length, classes, (float*)logits.Pointer, (long*)targets.Pointer,
            ignoreIndex, labelSmoothing, (RkLossReduction)reduction, (float*)loss.Pointer), nameof(logits), Loss.Arguments);
    }

    /// <summary>The gradient of <see cref="CrossEntropy"/> on the device (see <see cref="Loss.CrossEntropyBackward"/>).</summary>
    /// <param name="logits">The forward's logits.</param>
    /// <param name="targets">The forward's targets.</param>
    /// <param name="classes">Logits per row.</param>
    /// <param name="dLoss">The loss gradient: one value per row (None) or one value.</param>
    /// <param name="dLogits">Receives the logits' gradient.</param>
    /// <param name="reduction">The forward's reduction.</param>
    /// <param name="ignoreIndex">The forward's ignore index.</param>
    /// <param name="labelSmoothing">The forward's label smoothing.</param>
    public static void CrossEntropyBackward(DeviceBuffer<float> logits, DeviceBuffer<long> targets, int classes, DeviceBuffer<float> dLoss,
        DeviceBuffer<float> dLogits, LossReduction reduction = LossReduction.Mean, long ignoreIndex = Loss.DefaultIgnoreIndex,
        float labelSmoothing = 0f)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentNullException.ThrowIfNull(dLoss);
        ArgumentNullException.ThrowIfNull(dLogits);
        Loss.CheckShape(logits.Length, targets.Length, classes, reduction, nameof(logits));
        ArgumentChecks.Length(dLoss.Length, Loss.OutputLength(targets.Length, reduction), nameof(dLoss), Loss.LossReason);
        ArgumentChecks.Length(dLogits.Length, logits.Length, nameof(dLogits), Loss.LogitsReason);
        using ContextLease lease = logits.Context.Lease();
        NativeErrors.Check(NativeMethods.rk_cross_entropy_backward(lease.Raw, targets.Length, classes, (float*)logits.Pointer, (long*)targets.Pointer,
            ignoreIndex, labelSmoothing, (RkLossReduction)reduction, (float*)dLoss.Pointer, (float*)dLogits.Pointer), nameof(logits),
            Loss.BackwardArguments);
    }
}
