using ReproKit.Interop;

namespace ReproKit;

/// <summary>
/// ReproKit's operations on a CUDA device, on <see cref="DeviceBuffer{T}"/>s: the same definitions, parameters and
/// errors as the CPU APIs (<see cref="PhiloxStream"/>, <see cref="Dropout"/>, <see cref="Sampler"/>, <see cref="Conv2d"/>),
/// and the same bits. Work is queued on the context's stream; copying a buffer back waits for it. Sampling waits for
/// its rows so that a row error is reported as an exception here. Every <see cref="ArgumentException"/> names the
/// parameter at fault, as on the CPU; a buffer that is not memory of the context's device (a
/// <see cref="DeviceBuffer{T}.FromPointer"/> of host memory or of another device) is reported on the parameter that holds it.
/// The training operations are in <c>CudaOperations.Training*.cs</c> (one file per family).
/// </summary>
public static unsafe partial class CudaOperations
{
    /// <summary>Word i of the stream into element i (as <see cref="PhiloxStream"/>'s u32 fill).</summary>
    public static void FillUInt32(PhiloxStream stream, DeviceBuffer<uint> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        RkPhiloxStream s = stream.ToNative();
        using (ContextLease lease = destination.Context.Lease())
        {
            NativeErrors.Check(NativeMethods.rk_philox_fill_u32(lease.Raw, &s, (uint*)destination.Pointer, destination.Length), nameof(destination));
        }
    }

    /// <summary>curand_uniform of word i into element i, in (0, 1].</summary>
    public static void FillUniform(PhiloxStream stream, DeviceBuffer<float> destination)
    {
        ArgumentNullException.ThrowIfNull(destination);
        RkPhiloxStream s = stream.ToNative();
        using (ContextLease lease = destination.Context.Lease())
        {
            NativeErrors.Check(NativeMethods.rk_philox_fill_uniform(lease.Raw, &s, (float*)destination.Pointer, destination.Length), nameof(destination));
        }
    }

    /// <summary>Uniform floats in [low, high].</summary>
    public static void FillUniform(PhiloxStream stream, DeviceBuffer<float> destination, float low, float high)
    {
        ArgumentNullException.ThrowIfNull(destination);
        RkPhiloxStream s = stream.ToNative();
        using (ContextLease lease = destination.Context.Lease())
        {
            NativeErrors.Check(NativeMethods.rk_philox_fill_uniform_range(lease.Raw, &s, low, high, (float*)destination.Pointer, destination.Length),
                PhiloxStream.UniformRangeFault(low, high), ("out", nameof(destination)));
        }
    }

    /// <summary>Normal floats by Box-Muller (as <see cref="PhiloxStream.FillNormal(Span{float}, float, float, CpuContext?)"/>).</summary>
    public static void FillNormal(PhiloxStream stream, DeviceBuffer<float> destination, float mean = 0f, float standardDeviation = 1f)
    {
        ArgumentNullException.ThrowIfNull(destination);
        RkPhiloxStream s = stream.ToNative();
        using (ContextLease lease = destination.Context.Lease())
        {
            NativeErrors.Check(NativeMethods.rk_philox_fill_normal(lease.Raw, &s, mean, standardDeviation, (float*)destination.Pointer, destination.Length),
                PhiloxStream.NormalFault(mean, standardDeviation), ("out", nameof(destination)));
        }
    }

    /// <summary>Dropout forward: y = keep ? x * scale : +0, the mask optional (bytes or packed bits, by the buffer's type).</summary>
    /// <param name="x">Input.</param>
    /// <param name="y">Output (may be <paramref name="x"/> itself: in place).</param>
    /// <param name="p">Drop probability in [0, 1].</param>
    /// <param name="stream">The stream; element i uses word elementOffset + i.</param>
    /// <param name="elementOffset">Global index of element 0 (shards).</param>
    /// <param name="byteMask">Optional byte mask (1 = kept), one per element.</param>
    /// <param name="packedMask">Optional packed mask (bit i % 32 of word i / 32); give at most one mask.</param>
    public static void DropoutForward(DeviceBuffer<float> x, DeviceBuffer<float> y, double p, PhiloxStream stream, ulong elementOffset = 0,
        DeviceBuffer<byte>? byteMask = null, DeviceBuffer<uint>? packedMask = null)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        ArgumentChecks.Length(y.Length, x.Length, nameof(y), "as many as 'x'");
        var (format, mask, maskName) = MaskOf(x.Length, nameof(x), byteMask, packedMask);
        RkPhiloxStream s = stream.ToNative();
        using (ContextLease lease = x.Context.Lease())
        {
            NativeErrors.Check(NativeMethods.rk_dropout_forward(lease.Raw, &s, p, elementOffset, (float*)x.Pointer, (float*)y.Pointer, x.Length, format, (void*)mask),
                nameof(p), ("y", nameof(y)), ("mask", maskName), ("x", nameof(x)), ("p", nameof(p)), ("element_offset", nameof(elementOffset)),
                ("count", nameof(x)));
        }
    }

    /// <summary>Dropout backward: dx = keep ? dy * scale : +0, from a stored mask or (no mask) by regenerating it from the stream.</summary>
    public static void DropoutBackward(DeviceBuffer<float> dy, DeviceBuffer<float> dx, double p, PhiloxStream stream, ulong elementOffset = 0,
        DeviceBuffer<byte>? byteMask = null, DeviceBuffer<uint>? packedMask = null)
    {
        ArgumentNullException.ThrowIfNull(dy);
        ArgumentNullException.ThrowIfNull(dx);
        ArgumentChecks.Length(dx.Length, dy.Length, nameof(dx), "as many as 'dy'");
        var (format, mask, maskName) = MaskOf(dy.Length, nameof(dy), byteMask, packedMask);
        RkPhiloxStream s = stream.ToNative();
        using (ContextLease lease = dy.Context.Lease())
        {
            NativeErrors.Check(NativeMethods.rk_dropout_backward(lease.Raw, &s, p, elementOffset, (float*)dy.Pointer, (float*)dx.Pointer, dy.Length, format, (void*)mask),
                nameof(p), ("dx", nameof(dx)), ("mask", maskName), ("dy", nameof(dy)), ("p", nameof(p)), ("element_offset", nameof(elementOffset)),
                ("count", nameof(dy)));
        }
    }

    /// <summary>
    /// Samples one token per row of <paramref name="logits"/> (batch rows of <paramref name="vocabulary"/> logits), exactly as
    /// <see cref="Sampler.Sample(ReadOnlySpan{float}, int, int, ReadOnlySpan{SamplingParams}, ReadOnlySpan{PhiloxStream}, Span{int}, Span{float}, Span{float}, Span{int}, CpuContext?, int)"/>. Parameters and streams are host values; outputs are device buffers of <paramref name="batch"/> elements.
    /// </summary>
    public static void Sample(DeviceBuffer<float> logits, int batch, int vocabulary, ReadOnlySpan<SamplingParams> parameters,
        ReadOnlySpan<PhiloxStream> streams, DeviceBuffer<int> tokens, DeviceBuffer<float>? probabilities = null,
        DeviceBuffer<float>? logProbabilities = null, DeviceBuffer<int>? keptCounts = null)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        // As on the CPU, the native checks report a bad vocabulary before they read any logit.
        if (vocabulary is >= 1 and <= Sampler.MaxVocabulary && (long)batch * vocabulary > logits.Length)
        {
            throw new ArgumentException($"{batch} rows of {vocabulary} logits need {(long)batch * vocabulary} elements; the buffer has {logits.Length}.", nameof(logits));
        }

        ArgumentChecks.Length(parameters.Length, batch, nameof(parameters), Sampler.OnePerRow);
        ArgumentChecks.Length(streams.Length, batch, nameof(streams), Sampler.OnePerRow);
        ArgumentChecks.Length(tokens.Length, batch, nameof(tokens), Sampler.OnePerRow);
        if (probabilities is not null)
        {
            ArgumentChecks.Length(probabilities.Length, batch, nameof(probabilities), Sampler.OnePerRow);
        }

        if (logProbabilities is not null)
        {
            ArgumentChecks.Length(logProbabilities.Length, batch, nameof(logProbabilities), Sampler.OnePerRow);
        }

        if (keptCounts is not null)
        {
            ArgumentChecks.Length(keptCounts.Length, batch, nameof(keptCounts), Sampler.OnePerRow);
        }

        var nativeParams = new RkSamplingParams[batch];
        var nativeStreams = new RkPhiloxStream[batch];
        for (int r = 0; r < batch; r++)
        {
            nativeParams[r] = (parameters[r] ?? throw new ArgumentNullException(nameof(parameters), $"parameters[{r}] is null.")).ToNative();
            nativeStreams[r] = streams[r].ToNative();
        }

        fixed (RkSamplingParams* p = nativeParams)
        fixed (RkPhiloxStream* s = nativeStreams)
        {
            using (ContextLease lease = logits.Context.Lease())
            {
                NativeErrors.Check(NativeMethods.rk_sample(lease.Raw, (float*)logits.Pointer, batch, vocabulary, vocabulary, p, s,
                (int*)tokens.Pointer, (float*)(probabilities?.Pointer ?? 0), (float*)(logProbabilities?.Pointer ?? 0),
                (int*)(keptCounts?.Pointer ?? 0)), nameof(logits),
                ("tokens", nameof(tokens)), ("probs", nameof(probabilities)), ("logprobs", nameof(logProbabilities)),
                ("kept_counts", nameof(keptCounts)), ("params", nameof(parameters)), ("streams", nameof(streams)), ("logits", nameof(logits)),
                ("vocab", nameof(vocabulary)), ("batch", nameof(batch)));
            }
        }
    }

    /// <summary>Conv2d forward on the device (every algorithm; see <see cref="Conv2d.Forward"/>); returns the algorithm that ran.</summary>
    public static ConvAlgorithm Conv2dForward(Conv2dDescriptor descriptor, DeviceBuffer<float> x, DeviceBuffer<float> w, DeviceBuffer<float>? bias,
        DeviceBuffer<float> y, ConvAlgorithm algorithm = ConvAlgorithm.Auto)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(y);
        ArgumentChecks.Length(x.Length, descriptor.InputLength, nameof(x), Conv2d.InputReason);
        ArgumentChecks.Length(w.Length, descriptor.WeightLength, nameof(w), Conv2d.WeightReason);
        if (bias is not null)
        {
            ArgumentChecks.Length(bias.Length, descriptor.K, nameof(bias), Conv2d.BiasReason);
        }

        ArgumentChecks.Length(y.Length, descriptor.OutputLength, nameof(y), Conv2d.OutputReason);
        RkConv2dDesc d = descriptor.ToNative();
        RkConvAlgorithm chosen = RkConvAlgorithm.Auto;
        using (ContextLease lease = x.Context.Lease())
        {
            NativeErrors.Check(NativeMethods.rk_conv2d_forward(lease.Raw, &d, (RkConvAlgorithm)algorithm, (float*)x.Pointer, (float*)w.Pointer,
            (float*)(bias?.Pointer ?? 0), (float*)y.Pointer, null, 0, &chosen), nameof(descriptor),
                ("y", nameof(y)), ("x", nameof(x)), ("w", nameof(w)), ("bias", nameof(bias)), ("algorithm", nameof(algorithm)), ("desc", nameof(descriptor)));
        }

        return (ConvAlgorithm)chosen;
    }

    /// <summary>Conv2d backward data on the device (see <see cref="Conv2d.BackwardData"/>).</summary>
    public static void Conv2dBackwardData(Conv2dDescriptor descriptor, DeviceBuffer<float> dy, DeviceBuffer<float> w, DeviceBuffer<float> dx)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(dy);
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(dx);
        ArgumentChecks.Length(dy.Length, descriptor.OutputLength, nameof(dy), Conv2d.OutputReason);
        ArgumentChecks.Length(w.Length, descriptor.WeightLength, nameof(w), Conv2d.WeightReason);
        ArgumentChecks.Length(dx.Length, descriptor.InputLength, nameof(dx), Conv2d.InputReason);
        RkConv2dDesc d = descriptor.ToNative();
        using (ContextLease lease = dy.Context.Lease())
        {
            NativeErrors.Check(NativeMethods.rk_conv2d_backward_data(lease.Raw, &d, (float*)dy.Pointer, (float*)w.Pointer, (float*)dx.Pointer, null, 0), nameof(descriptor),
                ("dx", nameof(dx)), ("dy", nameof(dy)), ("w", nameof(w)), ("desc", nameof(descriptor)));
        }
    }

    /// <summary>Conv2d backward weights (and bias gradient when given) on the device (see <see cref="Conv2d.BackwardWeights"/>).</summary>
    public static void Conv2dBackwardWeights(Conv2dDescriptor descriptor, DeviceBuffer<float> x, DeviceBuffer<float> dy, DeviceBuffer<float> dw,
        DeviceBuffer<float>? dbias = null)
    {
        ArgumentNullException.ThrowIfNull(descriptor);
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(dy);
        ArgumentNullException.ThrowIfNull(dw);
        ArgumentChecks.Length(x.Length, descriptor.InputLength, nameof(x), Conv2d.InputReason);
        ArgumentChecks.Length(dy.Length, descriptor.OutputLength, nameof(dy), Conv2d.OutputReason);
        ArgumentChecks.Length(dw.Length, descriptor.WeightLength, nameof(dw), Conv2d.WeightReason);
        if (dbias is not null)
        {
            ArgumentChecks.Length(dbias.Length, descriptor.K, nameof(dbias), Conv2d.BiasReason);
        }

        RkConv2dDesc d = descriptor.ToNative();
        using (ContextLease lease = x.Context.Lease())
        {
            NativeErrors.Check(NativeMethods.rk_conv2d_backward_weights(lease.Raw, &d, (float*)x.Pointer, (float*)dy.Pointer, (float*)dw.Pointer,
            (float*)(dbias?.Pointer ?? 0), null, 0), nameof(descriptor),
                ("dw", nameof(dw)), ("dbias", nameof(dbias)), ("x", nameof(x)), ("dy", nameof(dy)), ("desc", nameof(descriptor)));
        }
    }

    /// <summary>Runs golden case <paramref name="index"/> on the device (inputs staged through device memory).</summary>
    public static GoldenResult Golden(int index, CudaContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var (name, expected) = ReproKit.Golden.Info(index);
        byte* digest = stackalloc byte[65];
        using (ContextLease lease = context.Lease())
        {
            NativeErrors.Check(NativeMethods.rk_golden_case_run(lease.Raw, index, digest, 65), nameof(index));
        }

        return new GoldenResult(name, expected, System.Runtime.InteropServices.Marshal.PtrToStringUTF8((nint)digest)!);
    }

    // The mask of a dropout call and the parameter that holds it: at most one of the two, with one byte or one bit per
    // element of the data.
    private static (RkMaskFormat Format, nint Pointer, string Name) MaskOf(long count, string dataName, DeviceBuffer<byte>? byteMask,
        DeviceBuffer<uint>? packedMask)
    {
        if (byteMask is not null && packedMask is not null)
        {
            throw new ArgumentException("Give a byte mask or a packed mask, not both.", nameof(packedMask));
        }

        if (byteMask is not null)
        {
            ArgumentChecks.Length(byteMask.Length, count, nameof(byteMask), $"one byte per element of '{dataName}'");
            return (RkMaskFormat.Bytes, byteMask.Pointer, nameof(byteMask));
        }

        if (packedMask is not null)
        {
            ArgumentChecks.Length(packedMask.Length, (count + 31) / 32, nameof(packedMask), $"one bit per element of '{dataName}'");
            return (RkMaskFormat.Bits, packedMask.Pointer, nameof(packedMask));
        }

        return (RkMaskFormat.None, 0, nameof(packedMask));
    }
}
