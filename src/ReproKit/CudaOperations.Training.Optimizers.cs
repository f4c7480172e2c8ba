using ReproKit.Interop;

namespace ReproKit;

public static unsafe partial class CudaOperations
{
    /// <summary>
    /// One SGD step over a set of parameter tensors on the device (see <see cref="Optimizers.SgdStep"/>), one launch for
    /// all of them: tensor i is <c>parameters[i]</c>, <c>gradients[i]</c> and (with momentum) <c>momentumBuffers[i]</c>,
    /// of equal lengths. The call waits for the state check; the update is queued on the stream.
    /// </summary>
    /// <param name="options">The hyperparameters.</param>
    /// <param name="parameters">The parameter tensors, updated in place.</param>
    /// <param name="gradients">One gradient per tensor.</param>
    /// <param name="momentumBuffers">One buffer per tensor, or null when <see cref="SgdOptions.Momentum"/> is 0.</param>
    /// <param name="firstStep">True on the first step (the buffers are set to the gradient, not read).</param>
    public static void SgdStep(SgdOptions options, IReadOnlyList<DeviceBuffer<float>> parameters, IReadOnlyList<DeviceBuffer<float>> gradients,
        IReadOnlyList<DeviceBuffer<float>>? momentumBuffers, bool firstStep)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(gradients);
        if (options.Momentum != 0)
        {
            ArgumentNullException.ThrowIfNull(momentumBuffers);
        }

        int n = parameters.Count;
        var ps = new nint[n];
        var gs = new nint[n];
        var bs = new nint[n];
        var counts = new long[n];
        CudaContext? context = Tensors(parameters, nameof(parameters), ps, counts, null);
        Tensors(gradients, nameof(gradients), gs, counts, counts);
        if (options.Momentum != 0)
        {
            Tensors(momentumBuffers!, nameof(momentumBuffers), bs, counts, counts);
        }

        if (context is null)
        {
            return; // no tensors
        }

        RkSgdHyperparams h = options.ToNative();
        using ContextLease lease = context.Lease();
        fixed (nint* pp = ps)
        fixed (nint* pg = gs)
        fixed (nint* pb = bs)
        fixed (long* pc = counts)
        {
            NativeErrors.Check(NativeMethods.rk_sgd_step(lease.Raw, &h, firstStep ? 1 : 0, n, (float**)pp, (float**)pg, (float**)pb, pc),
                nameof(parameters), ("params", nameof(parameters)), ("momentum_buffers", nameof(momentumBuffers)), ("grads", nameof(gradients)),
                ("hyper", nameof(options)));
        }
    }

    /// <summary>
    /// One Adam / AdamW step over a set of parameter tensors on the device (see <see cref="Optimizers.AdamStep"/>), one
    /// launch for all of them: tensor i is <c>parameters[i]</c>, <c>gradients[i]</c>, <c>expAvg[i]</c> and
    /// <c>expAvgSq[i]</c>, of equal lengths. The call waits for the state check; the update is queued on the stream.
    /// </summary>
    /// <param name="options">The hyperparameters.</param>
    /// <param name="step">This update's number t &gt;= 1.</param>
    /// <param name="parameters">The parameter tensors, updated in place.</param>
    /// <param name="gradients">One gradient per tensor.</param>
    /// <param name="expAvg">One first moment per tensor.</param>
    /// <param name="expAvgSq">One second moment per tensor.</param>
    public static void AdamStep(AdamOptions options, long step, IReadOnlyList<DeviceBuffer<float>> parameters,
        IReadOnlyList<DeviceBuffer<float>> gradients, IReadOnlyList<DeviceBuffer<float>> expAvg, IReadOnlyList<DeviceBuffer<float>> expAvgSq)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(gradients);
        ArgumentNullException.ThrowIfNull(expAvg);
        ArgumentNullException.ThrowIfNull(expAvgSq);
        Optimizers.CheckStep(step);
        int n = parameters.Count;
        var ps = new nint[n];
        var gs = new nint[n];
        var ms = new nint[n];
        var vs = new nint[n];
        var counts = new long[n];
        CudaContext? context = Tensors(parameters, nameof(parameters), ps, counts, null);
        Tensors(gradients, nameof(gradients), gs, counts, counts);
        Tensors(expAvg, nameof(expAvg), ms, counts, counts);
        Tensors(expAvgSq, nameof(expAvgSq), vs, counts, counts);
        if (context is null)
        {
            return;
        }

        RkAdamHyperparams h = options.ToNative();
        using ContextLease lease = context.Lease();
        fixed (nint* pp = ps)
        fixed (nint* pg = gs)
        fixed (nint* pm = ms)
        fixed (nint* pv = vs)
        fixed (long* pc = counts)
        {
            NativeErrors.Check(NativeMethods.rk_adam_step(lease.Raw, &h, step, n, (float**)pp, (float**)pg, (float**)pm, (float**)pv, pc),
                nameof(parameters), ("params", nameof(parameters)), ("exp_avg_sq", nameof(expAvgSq)), ("exp_avg", nameof(expAvg)),
                ("grads", nameof(gradients)), ("hyper", nameof(options)));
        }
    }

    // The pointers of one list into `pointers`; the lengths into `counts` (the first list) or checked against them.
    // Returns the context of the first buffer (null for an empty list).
    private static CudaContext? Tensors(IReadOnlyList<DeviceBuffer<float>> list, string paramName, nint[] pointers, long[] counts,
        long[]? expected)
    {
        if (list.Count != pointers.Length)
        {
            throw new ArgumentException($"'{paramName}' has {list.Count} tensors; {pointers.Length} are needed (one per parameter tensor).", paramName);
        }

        CudaContext? context = null;
        for (int i = 0; i < list.Count; i++)
        {
            DeviceBuffer<float> b = list[i] ?? throw new ArgumentNullException(paramName, $"'{paramName}[{i}]' is null.");
            if (expected is null)
            {
                counts[i] = b.Length;
            }
            else
            {
                ArgumentChecks.Length(b.Length, expected[i], paramName, $"as many as parameters[{i}]");
            }

            pointers[i] = b.Pointer;
            context ??= b.Context;
        }

        return context;
    }
}
