using ReproKit.Interop;

namespace ReproKit;

/// <summary>How a loss reduces its per-row values (PyTorch's <c>reduction</c>).</summary>
public enum LossReduction
{
    /// <summary>One loss per row (the output has one element per row).</summary>
    None = 0,

    /// <summary>The canonical sum of the row losses (one element).</summary>
    Sum = 1,

    /// <summary>That sum divided by the number of rows whose target is not the ignore index (one element; NaN when every row is ignored).</summary>
    Mean = 2,
}

/// <summary>
/// Losses with canonical bits (docs/training.md section 5): the same results on every ISA, thread count and device.
/// A row's loss and gradient depend only on that row (batch-invariant); sums use the canonical sum (section 0).
/// </summary>
public static class Loss
{
    /// <summary>PyTorch's default <c>ignore_index</c>.</summary>
    public const long DefaultIgnoreIndex = -100;

    /// <summary>
    /// Cross-entropy with class indices (PyTorch's <c>cross_entropy</c> with integer targets): per row,
    /// <c>log Σ exp(x) − x[target]</c> by a max-shifted log-sum-exp, with optional label smoothing.
    /// </summary>
    /// <param name="logits">Rows of <paramref name="classes"/> logits, one row per target.</param>
    /// <param name="targets">One class index per row, in [0, classes) or equal to <paramref name="ignoreIndex"/>.</param>
    /// <param name="classes">Logits per row (at least 1).</param>
    /// <param name="loss">Receives one value per row (<see cref="LossReduction.None"/>) or one value.</param>
    /// <param name="reduction">How the row losses are reduced.</param>
    /// <param name="ignoreIndex">A target value whose row is ignored (loss +0, not counted by the mean).</param>
    /// <param name="labelSmoothing">PyTorch's label smoothing, in [0, 1].</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    /// <exception cref="ArgumentException">A bad length, reduction or smoothing, or a target out of range (the message names the row); nothing is written then.</exception>
    public static unsafe void CrossEntropy(ReadOnlySpan<float> logits, ReadOnlySpan<long> targets, int classes, Span<float> loss,
        LossReduction reduction = LossReduction.Mean, long ignoreIndex = DefaultIgnoreIndex, float labelSmoothing = 0f,
        CpuContext? context = null)
    {
        CheckShape(logits.Length, targets.Length, classes, reduction, nameof(logits));
        ArgumentChecks.Length(loss.Length, OutputLength(targets.Length, reduction), nameof(loss), LossReason);
        using ContextLease lease = (context ?? CpuContext.Shared).Lease();
        fixed (float* px = logits)
        fixed (long* pt = targets)
        fixed (float* pl = loss)
        {
            NativeErrors.Check(NativeMethods.rk_cross_entropy_forward(lease.Raw, targets.Length, classes, px, pt, ignoreIndex, labelSmoothing,
                (RkLossReduction)reduction, pl), nameof(logits), Arguments);
        }
    }

    /// <summary>
    /// The gradient of <see cref="CrossEntropy"/> with respect to the logits:
    /// <c>(softmax(x) − q) · g</c>, q the (smoothed) one-hot target, g the row's <paramref name="dLoss"/>
    /// (<see cref="LossReduction.None"/>), <c>dLoss[0]</c> (Sum) or <c>dLoss[0] / count</c> (Mean); ignored rows get +0.
    /// </summary>
    /// <param name="logits">The forward's logits.</param>
    /// <param name="targets">The forward's targets.</param>
    /// <param name="classes">Logits per row.</param>
    /// <param name="dLoss">The loss gradient: one value per row (None) or one value.</param>
    /// <param name="dLogits">Receives the logits' gradient, as many elements as <paramref name="logits"/>.</param>
    /// <param name="reduction">The forward's reduction.</param>
    /// <param name="ignoreIndex">The forward's ignore index.</param>
    /// <param name="labelSmoothing">The forward's label smoothing.</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    public static unsafe void CrossEntropyBackward(ReadOnlySpan<float> logits, ReadOnlySpan<long> targets, int classes, ReadOnlySpan<float> dLoss,
        Span<float> dLogits, LossReduction reduction = LossReduction.Mean, long ignoreIndex = DefaultIgnoreIndex, float labelSmoothing = 0f,
        CpuContext? context = null)
    {
        CheckShape(logits.Length, targets.Length, classes, reduction, nameof(logits));
        ArgumentChecks.Length(dLoss.Length, OutputLength(targets.Length, reduction), nameof(dLoss), LossReason);
        ArgumentChecks.Length(dLogits.Length, logits.Length, nameof(dLogits), LogitsReason);
        using ContextLease lease = (context ?? CpuContext.Shared).Lease();
        fixed (float* px = logits)
        fixed (long* pt = targets)
        fixed (float* pdl = dLoss)
        fixed (float* pdx = dLogits)
        {
            NativeErrors.Check(NativeMethods.rk_cross_entropy_backward(lease.Raw, targets.Length, classes, px, pt, ignoreIndex, labelSmoothing,
                (RkLossReduction)reduction, pdl, pdx), nameof(logits), BackwardArguments);
        }
    }

    /// <summary>Elements of the loss (and of its gradient): one per row for <see cref="LossReduction.None"/>, else one.</summary>
    /// <param name="rows">Rows (targets).</param>
    /// <param name="reduction">The reduction.</param>
    public static long OutputLength(long rows, LossReduction reduction) => reduction == LossReduction.None ? rows : 1;

    /// <summary>Classes at least 1, a defined reduction, and logits of rows · classes elements.</summary>
    internal static void CheckShape(long logitsLength, long rows, int classes, LossReduction reduction, string logitsName)
    {
        if (classes < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(classes), classes, "classes must be at least 1.");
        }

        if (!Enum.IsDefined(reduction))
        {
            throw new ArgumentOutOfRangeException(nameof(reduction), reduction, "Not a defined LossReduction.");
        }

        ArgumentChecks.Length(logitsLength, rows * classes, logitsName, LogitsReason);
    }

    // Native argument names and the public parameters holding them, writes first.
    internal static readonly (string Native, string Parameter)[] Arguments =
        [("loss", "loss"), ("logits", "logits"), ("targets", "targets"), ("label_smoothing", "labelSmoothing"), ("reduction", "reduction"),
         ("classes", "classes"), ("batch", "targets")];

    internal static readonly (string Native, string Parameter)[] BackwardArguments =
        [("dlogits", "dLogits"), ("dloss", "dLoss"), ("logits", "logits"), ("targets", "targets"), ("label_smoothing", "labelSmoothing"),
         ("reduction", "reduction"), ("classes", "classes"), ("batch", "targets")];

    // Where each buffer's length comes from, for the messages of ArgumentChecks.
    internal const string LogitsReason = "one row of classes logits per target";
    internal const string LossReason = "one per row for LossReduction.None, else one";
}
