using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using ReproKit.Interop;

namespace ReproKit.Tests;

/// <summary>
/// Disposal (double Dispose, use after Dispose, finalizer release, the deferred queue for handles that must not be
/// released on the finalizer thread) and native errors: each operation reports one error that originates in the
/// native library, with its status and message.
/// </summary>
[NonParallelizable]
public class DisposalAndErrorTests
{
    private static readonly PhiloxStream S = new(7);

    [Test]
    public void EveryOperationOnADisposedContextThrowsObjectDisposed()
    {
        var context = new CpuContext(new CpuContextOptions(CpuIsa.Scalar, 2));
        context.Dispose();
        context.Dispose(); // no-op
        Assert.DoesNotThrow(context.Dispose);
        foreach (var op in OperationCatalog.All.Where(o => !OperationCatalog.ContextFree.Contains(o.Name)))
        {
            var e = Assert.Throws<ObjectDisposedException>(() => op.Run(context), op.Name)!;
            Assert.That(e.ObjectName, Is.EqualTo(nameof(CpuContext)), op.Name);
        }

        // A generator bound to a disposed context refuses too, and its position does not move.
        var r = new ReproRandom(S, context);
        Assert.Throws<ObjectDisposedException>(() => r.NextUInt32(new uint[4]));
        Assert.That(r.Stream, Is.EqualTo(S));
        // The cached description stays readable.
        Assert.That(context.Isa, Is.EqualTo(CpuIsa.Scalar));
        Assert.That(context.Threads, Is.EqualTo(2));
    }

    [Test]
    public unsafe void AnUndisposedCpuContextIsReleasedByItsFinalizer()
    {
        nint raw = CreateAndDrop(defer: false);
        CollectGarbage();
        var info = new RkContextInfo { StructSize = (uint)sizeof(RkContextInfo) };
        Assert.That(NativeMethods.rk_context_get_info(raw, &info), Is.EqualTo(RkStatus.InvalidHandle), "the native context was destroyed");
        Assert.That(DeferredRelease.Contains(raw), Is.False);
    }

    [Test]
    public unsafe void DeferredHandlesAreQueuedByTheFinalizerAndReleasedByDrain()
    {
        DeferredRelease.Drain();
        nint raw = CreateAndDrop(defer: true);
        CollectGarbage();
        var info = new RkContextInfo { StructSize = (uint)sizeof(RkContextInfo) };
        Assert.That(DeferredRelease.Contains(raw), Is.True, "the finalizer queued the handle");
        Assert.That(NativeMethods.rk_context_get_info(raw, &info), Is.EqualTo(RkStatus.Ok), "and did not release it");
        Assert.That(DeferredRelease.Drain(), Is.EqualTo(1));
        Assert.That(NativeMethods.rk_context_get_info(raw, &info), Is.EqualTo(RkStatus.InvalidHandle), "Drain released it");

        // Disposed explicitly, the same kind of handle is released at once, on the disposing thread.
        var explicitly = new CpuContext(new CpuContextOptions(CpuIsa.Scalar, 1), isShared: false, deferFinalizerRelease: true);
        nint raw2 = explicitly.DangerousRawHandle;
        explicitly.Dispose();
        Assert.That(DeferredRelease.Count, Is.Zero);
        Assert.That(NativeMethods.rk_context_get_info(raw2, &info), Is.EqualTo(RkStatus.InvalidHandle));
    }

    [Test]
    public void ArgumentErrorsFromNativeCodeCarryStatusAndMessage()
    {
        var f = new float[16];
        Expect<ArgumentException>(() => S.FillUniform(f, 2f, 1f), ReproKitStatus.InvalidArgument, "rk_philox_fill_uniform_range");
        Expect<ArgumentException>(() => S.FillUniform(f, float.NaN, 1f), ReproKitStatus.InvalidArgument, "rk_philox_fill_uniform_range");
        Expect<ArgumentException>(() => S.FillNormal(f, 0f, -1f), ReproKitStatus.InvalidArgument, "rk_philox_fill_normal");
        Expect<ArgumentException>(() => S.FillNormal(f, float.PositiveInfinity, 1f), ReproKitStatus.InvalidArgument, "rk_philox_fill_normal");
        Expect<ArgumentException>(() => S.FillTruncatedNormal(f, 0f, 1f, 2f, -2f), ReproKitStatus.InvalidArgument, "rk_philox_fill_truncated_normal");
        Expect<ArgumentException>(() => S.FillBernoulli(new byte[4], 1.5), ReproKitStatus.InvalidArgument, "rk_philox_fill_bernoulli");
        Expect<ArgumentException>(() => S.FillInt64(new long[4], 5, 5), ReproKitStatus.InvalidArgument, "rk_philox_fill_int64");
        Expect<ArgumentException>(() => Dropout.Scale(2), ReproKitStatus.InvalidArgument, "rk_dropout_scale");
        Expect<ArgumentException>(() => Dropout.Forward(f, new float[16], double.NaN, S), ReproKitStatus.InvalidArgument, "rk_dropout_forward");
        Expect<ArgumentException>(() => Dropout.Backward(f, new float[16], -0.5, S), ReproKitStatus.InvalidArgument, "rk_dropout_backward");
        Expect<ArgumentException>(() => Dropout.Mask(new byte[4], 1.01, S), ReproKitStatus.InvalidArgument, "rk_dropout_mask");
        Expect<ArgumentOutOfRangeException>(() => Dropout.Forward(f, new float[16], 0.5, S, ulong.MaxValue - 3), ReproKitStatus.SizeOverflow,
            "element_offset + count passes 2^64 - 1");
        Expect<ArgumentException>(() => Sampler.SampleOne([1f, 2f], new SamplingParams(Temperature: -1f), S), ReproKitStatus.InvalidArgument,
            "rk_sample: row 0: params[0].temperature");
        Expect<ArgumentException>(() => Sampler.SampleOne([1f, 2f], new SamplingParams(TopP: 0), S), ReproKitStatus.InvalidArgument, "top_p");
        Expect<ArgumentException>(() => Sampler.SampleOne([1f, 2f], new SamplingParams(MinP: 1), S), ReproKitStatus.InvalidArgument, "min_p");
        Expect<ArgumentException>(() => Sampler.SampleOne([1f, 2f], new SamplingParams(TopK: -1), S), ReproKitStatus.InvalidArgument, "top_k");
        Expect<ArgumentException>(() => Golden.Run(-1), ReproKitStatus.InvalidArgument, "rk_golden_case_info: index -1");
        Expect<ArgumentException>(() => new CpuContext(new CpuContextOptions(Threads: 1025)), ReproKitStatus.InvalidArgument, "rk_cpu_context_create");
        Expect<ArgumentException>(() => _ = new Conv2dDescriptor(1, 3, 8, 8, 4, 3, 3, Groups: 2).OutputSize, ReproKitStatus.InvalidArgument,
            "rk_conv2d_output_shape: desc->groups (2) does not divide desc->c (3)");
    }

    [Test]
    public void NonFiniteLogitsAreRefusedWithTheRowAndIndex()
    {
        float[] logits = [0f, 1f, 2f, 3f, 0f, float.NaN, 1f, 2f];
        var tokens = new int[2];
        SamplingParams[] p = [new(), new()];
        var e = Assert.Throws<ArgumentException>(() => Sampler.Sample(logits, 2, 4, p, [S, S], tokens))!;
        Assert.That(e.Message, Does.Contain("row 1").And.Contain("logits[1][1] is NaN"));
        logits[5] = float.PositiveInfinity;
        Assert.That(Assert.Throws<ArgumentException>(() => Sampler.Sample(logits, 2, 4, p, [S, S], tokens))!.Message, Does.Contain("+Inf"));
        Assert.That(Assert.Throws<ArgumentException>(() => Sampler.SampleOne([float.NegativeInfinity, float.NegativeInfinity], new SamplingParams(), S))!.Message,
            Does.Contain("no finite logit"));
        Assert.That(Assert.Throws<ArgumentException>(() => Sampler.SampleOne(new float[Sampler.MaxVocabulary + 1], new SamplingParams(), S))!.Message,
            Does.Contain("vocab must be in [1, 2^21)"));
        Assert.That(Assert.Throws<ArgumentException>(() => Sampler.SampleOne(ReadOnlySpan<float>.Empty, new SamplingParams(), S))!.Message, Does.Contain("vocab"));
        Assert.That(Assert.Throws<ArgumentException>(() => Sampler.Sample(new float[8], 2, 4, p, [S, S], tokens, rowStride: -4))!.Message,
            Does.Contain("row_stride (-4) must be >= vocab (4)"));
    }

    [Test]
    public void UnsupportedRequestsAreReproKitExceptionsWithStatusAndNativeMessage()
    {
        var d5 = Conv2dDescriptor.Square(1, 2, 8, 8, 2, 5, padding: 2);
        var q = Assert.Throws<ReproKitException>(() => Conv2d.Query(d5, ConvPass.Forward, ConvAlgorithm.Winograd2x3))!;
        Assert.That(q.Status, Is.EqualTo(ReproKitStatus.Unsupported));
        Assert.That(q.NativeMessage, Does.StartWith("rk_conv2d_query: "));
        Assert.That(q.Message, Is.EqualTo(q.NativeMessage));

        var d = Conv2dDescriptor.Square(1, 2, 8, 8, 2, 3, stride: 2, padding: 1);
        var f = Assert.Throws<ReproKitException>(() => Conv2d.Forward(d, new float[d.InputLength], new float[d.WeightLength], default,
            new float[d.OutputLength], ConvAlgorithm.Fft))!;
        Assert.That(f.Status, Is.EqualTo(ReproKitStatus.Unsupported));
        Assert.That(f.NativeMessage, Does.StartWith("rk_conv2d_forward: "));
    }

    [Test]
    public void ConvolutionErrorsNameTheirFunction()
    {
        var d = Conv2dDescriptor.Square(2, 3, 8, 8, 4, 3, padding: 1);
        var x = new float[d.InputLength];
        var w = new float[d.WeightLength];
        var y = new float[d.OutputLength];
        long need = Conv2d.Query(d, ConvPass.BackwardData).WorkspaceBytes;
        if (need > 1)
        {
            Expect<ArgumentException>(() => Conv2d.BackwardData(d, y, w, x, new byte[need - 1]), ReproKitStatus.InvalidArgument,
                "rk_conv2d_backward_data: workspace_bytes");
        }

        // dw and dbias in one array, overlapping by one element.
        var both = new float[w.Length + 4 - 1];
        Expect<ArgumentException>(() => Conv2d.BackwardWeights(d, x, y, both.AsSpan(0, w.Length), both.AsSpan(w.Length - 1, 4)),
            ReproKitStatus.InvalidArgument, "rk_conv2d_backward_weights: 'dw' overlaps 'dbias'");
        // y overlapping x.
        var shared = new float[x.Length + y.Length];
        Expect<ArgumentException>(() => Conv2d.Forward(d, shared.AsSpan(0, x.Length), w, default, shared.AsSpan(x.Length - 1, y.Length)),
            ReproKitStatus.InvalidArgument, "rk_conv2d_forward: 'y' overlaps 'x'");
    }

    [Test]
    public unsafe void EveryEntryPointRefusesADestroyedHandle()
    {
        var context = new CpuContext(new CpuContextOptions(CpuIsa.Scalar, 1));
        nint dead = context.DangerousRawHandle;
        context.Dispose();
        int refused = 0;
        void Refused(string name, RkStatus status)
        {
            var e = Assert.Throws<ReproKitException>(() => NativeErrors.Check(status), name)!;
            Assert.That(e.Status, Is.EqualTo(ReproKitStatus.InvalidHandle), name);
            Assert.That(e.NativeMessage, Does.StartWith(name + ": ").And.Contain("not a live context"), name);
            Assert.That(e.Data[NativeErrors.StatusKey], Is.EqualTo(ReproKitStatus.InvalidHandle), name);
            refused++;
        }

        // Unmanaged memory for every argument, so that the calls need no fixed statements.
        byte* b = (byte*)NativeMemory.AllocZeroed(4096);
        try
        {
            var s = (RkPhiloxStream*)(b + 2048);
            *s = S.ToNative();
            var sp = (RkSamplingParams*)(b + 2112);
            *sp = new RkSamplingParams { Temperature = 1, TopP = 1 };
            var d = (RkConv2dDesc*)(b + 2176);
            *d = Conv2dDescriptor.Square(1, 1, 4, 4, 1, 3).ToNative();
            var chosen = (RkConvAlgorithm*)(b + 2560);
            var info = (RkContextInfo*)(b + 2600);
            info->StructSize = (uint)sizeof(RkContextInfo);
            float* f0 = (float*)b, f1 = (float*)(b + 256), f2 = (float*)(b + 512);
            // Each status is checked right after its call: the message is the calling thread's last error.
            Refused("rk_philox_fill_u32", NativeMethods.rk_philox_fill_u32(dead, s, (uint*)b, 4));
            Refused("rk_philox_fill_uniform", NativeMethods.rk_philox_fill_uniform(dead, s, f0, 4));
            Refused("rk_philox_fill_uniform_range", NativeMethods.rk_philox_fill_uniform_range(dead, s, 0, 1, f0, 4));
            Refused("rk_philox_fill_normal", NativeMethods.rk_philox_fill_normal(dead, s, 0, 1, f0, 4));
            Refused("rk_philox_fill_truncated_normal", NativeMethods.rk_philox_fill_truncated_normal(dead, s, 0, 1, -1, 1, f0, 4));
            Refused("rk_philox_fill_bernoulli", NativeMethods.rk_philox_fill_bernoulli(dead, s, 0.5, b, 4));
            Refused("rk_philox_fill_int64", NativeMethods.rk_philox_fill_int64(dead, s, 0, 9, (long*)b, 4));
            Refused("rk_permutation", NativeMethods.rk_permutation(dead, 10, 1, 0, 0, 0, (ulong*)b, 4));
            Refused("rk_dropout_forward", NativeMethods.rk_dropout_forward(dead, s, 0.5, 0, f0, f0, 4, RkMaskFormat.None, null));
            Refused("rk_dropout_backward", NativeMethods.rk_dropout_backward(dead, s, 0.5, 0, f0, f0, 4, RkMaskFormat.None, null));
            Refused("rk_dropout_mask", NativeMethods.rk_dropout_mask(dead, s, 0.5, 0, 4, RkMaskFormat.Bytes, b));
            Refused("rk_sample", NativeMethods.rk_sample(dead, f0, 1, 4, 4, sp, s, (int*)(b + 1024), null, null, null));
            Refused("rk_conv2d_forward", NativeMethods.rk_conv2d_forward(dead, d, RkConvAlgorithm.Direct, f0, f1, null, f2, null, 0, chosen));
            Refused("rk_conv2d_backward_data", NativeMethods.rk_conv2d_backward_data(dead, d, f0, f1, f2, null, 0));
            Refused("rk_conv2d_backward_weights", NativeMethods.rk_conv2d_backward_weights(dead, d, f0, f1, f2, null, null, 0));
            Refused("rk_golden_case_run", NativeMethods.rk_golden_case_run(dead, 0, b + 3000, 65));
            Refused("rk_context_get_info", NativeMethods.rk_context_get_info(dead, info));
            Refused("rk_context_destroy", NativeMethods.rk_context_destroy(dead));
            Assert.That(refused, Is.EqualTo(18));
        }

        finally
        {
            NativeMemory.Free(b);
        }
    }

    [Test]
    public void PartiallyOverlappingBuffersAreRefused()
    {
        var a = new float[200];
        var y = new float[100];
        // In place is allowed; a shifted overlap is not.
        Assert.DoesNotThrow(() => Dropout.Forward(a.AsSpan(0, 100), a.AsSpan(0, 100), 0.5, S));
        Expect<ArgumentException>(() => Dropout.Forward(a.AsSpan(0, 100), a.AsSpan(1, 100), 0.5, S), ReproKitStatus.InvalidArgument,
            "rk_dropout_forward: 'x' and 'y' overlap without being the same buffer");
        Expect<ArgumentException>(() => Dropout.Backward(a.AsSpan(5, 100), a.AsSpan(0, 100), 0.5, S), ReproKitStatus.InvalidArgument,
            "rk_dropout_backward: 'dy' and 'dx' overlap");
        // A mask inside the output.
        Expect<ArgumentException>(() => Dropout.Forward(a.AsSpan(100, 100), y, MemoryMarshal.AsBytes(y.AsSpan())[..100], 0.5, S),
            ReproKitStatus.InvalidArgument, "'mask' overlaps a data buffer");
        Expect<ArgumentException>(() => Dropout.ForwardPacked(a.AsSpan(0, 100), a.AsSpan(0, 100), MemoryMarshal.Cast<float, uint>(a.AsSpan(96, 4)), 0.5, S),
            ReproKitStatus.InvalidArgument, "'mask' overlaps a data buffer");

        // Sampling outputs must not share memory with the logits or with each other.
        float[] logits = new float[8];
        var e = Assert.Throws<ArgumentException>(() => Sampler.Sample(logits, 2, 4, [new(), new()], [S, S], MemoryMarshal.Cast<float, int>(logits.AsSpan())[6..8]))!;
        Assert.That(e.Message, Does.Contain("'tokens' overlaps 'logits'"));
        var outputs = new float[3];
        e = Assert.Throws<ArgumentException>(() => Sampler.Sample(new float[8], 2, 4, [new(), new()], [S, S], new int[2], outputs.AsSpan(0, 2), outputs.AsSpan(1, 2)))!;
        Assert.That(e.Message, Does.Contain("'logProbabilities' overlaps 'probabilities'"));

        var data = new int[10];
        Assert.Throws<ArgumentException>(() => DataSplits.Shuffle<int>(data.AsSpan(0, 5), data.AsSpan(4, 5), 1));
    }

    [Test]
    public void MismatchedLengthsAreRefusedBeforeAnyNativeCall()
    {
        var f = new float[10];
        Assert.That(Assert.Throws<ArgumentException>(() => Dropout.Forward(f, new float[9], 0.5, S))!.ParamName, Is.EqualTo("y"));
        Assert.That(Assert.Throws<ArgumentException>(() => Dropout.Forward(f, new float[10], new byte[9], 0.5, S))!.ParamName, Is.EqualTo("mask"));
        Assert.That(Assert.Throws<ArgumentException>(() => Dropout.ForwardPacked(f, new float[10], new uint[2], 0.5, S))!.ParamName, Is.EqualTo("packedMask"));
        Assert.That(Assert.Throws<ArgumentException>(() => Dropout.BackwardPacked(f, new float[10], new uint[0], 0.5))!.ParamName, Is.EqualTo("packedMask"));
        Assert.Throws<ArgumentOutOfRangeException>(() => Dropout.MaskPacked(new uint[1], -1, 0.5, S));
        Assert.Throws<ArgumentOutOfRangeException>(() => Dropout.Forward(f, new float[10], 1.5, S, training: false));
        var d = Conv2dDescriptor.Square(1, 2, 6, 6, 3, 3);
        Assert.That(Assert.Throws<ArgumentException>(() => Conv2d.Forward(d, new float[d.InputLength - 1], new float[d.WeightLength], default, new float[d.OutputLength]))!.ParamName,
            Is.EqualTo("x"));
        Assert.That(Assert.Throws<ArgumentException>(() => Conv2d.Forward(d, new float[d.InputLength], new float[d.WeightLength], new float[2], new float[d.OutputLength]))!.ParamName,
            Is.EqualTo("bias"));
        Assert.That(Assert.Throws<ArgumentException>(() => Sampler.Sample(new float[7], 2, 4, [new(), new()], [S, S], new int[2]))!.ParamName, Is.EqualTo("logits"));
        Assert.That(Assert.Throws<ArgumentException>(() => Sampler.Sample(new float[8], 2, 4, [new()], [S, S], new int[2]))!.ParamName, Is.EqualTo("parameters"));
        Assert.That(Assert.Throws<ArgumentException>(() => Sampler.Sample(new float[8], 2, 4, [new(), new()], [S, S], new int[2], new float[1]))!.ParamName,
            Is.EqualTo("probabilities"));
        Assert.Throws<ArgumentNullException>(() => Sampler.Sample(new float[8], 2, 4, [new(), null!], [S, S], new int[2]));
    }

    [Test]
    public void SizeArithmeticPastTheLimitsGivesClearErrors()
    {
        // Each dimension is allowed (at most 2^40), but the element count of x passes 2^63 - 1.
        var huge = new Conv2dDescriptor(1L << 20, 1L << 20, 1L << 20, 1L << 20, 1, 1, 1);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => _ = huge.InputLength)!;
        Assert.That(e.Message, Does.Contain("element count of x").And.Contain("exceeds the addressable size"));
        Assert.That(e.Data[NativeErrors.StatusKey], Is.EqualTo(ReproKitStatus.SizeOverflow));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => _ = new Conv2dDescriptor(long.MaxValue, 1, 1, 1, 1, 1, 1).WeightLength)!.Message,
            Does.Contain("desc->n (9223372036854775807) exceeds 2^40"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => _ = new Conv2dDescriptor(-1, 1, 1, 1, 1, 1, 1).OutputLength)!.Message,
            Does.Contain("desc->n is negative"));
        Assert.That(Assert.Throws<ArgumentException>(() => _ = new Conv2dDescriptor(1, 1, 1, 1, 1, 1, 1, Groups: 0).WeightLength)!.Message,
            Does.Contain("groups must be at least 1"));
        // Past 2^31 elements but within 2^63: the length is reported exactly, and a span cannot match it.
        var big = new Conv2dDescriptor(256, 256, 256, 256, 1, 1, 1);
        Assert.That(big.InputLength, Is.EqualTo(1L << 32));
        Assert.That(Assert.Throws<ArgumentException>(() => Conv2d.Forward(big, new float[16], new float[big.WeightLength], default, new float[16]))!.Message,
            Does.Contain("4294967296 are needed"));

        Assert.Throws<ArgumentOutOfRangeException>(() => DataSplits.ShuffledIndices((long)Array.MaxLength + 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => DataSplits.ShuffledIndices(-1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Permutation(Permutation.MaxCount + 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Permutation(ulong.MaxValue, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Permutation(0, 1));
        var largest = new Permutation(Permutation.MaxCount, 5);
        Assert.That(largest.Invert(largest.Apply(Permutation.MaxCount - 1)), Is.EqualTo(Permutation.MaxCount - 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => largest.Apply(Permutation.MaxCount));
        Assert.Throws<ArgumentOutOfRangeException>(() => largest.Fill(new ulong[2], Permutation.MaxCount - 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Permutation(10, 1).Fill(new ulong[11]));

        var end = new PhiloxStream(1, 0, ulong.MaxValue - 1);
        Assert.Throws<OverflowException>(() => end.Advance(2));
        var r = new ReproRandom(end);
        Assert.Throws<OverflowException>(() => r.NextUInt32(new uint[3]));
        Assert.That(r.Stream, Is.EqualTo(end), "a refused call does not move the generator");

        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => WeightInit.Fans([1L << 32, 1L << 32, 1L << 32]))!.Message, Does.Contain("more than 2^63 - 1"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => WeightInit.Fans([-2, 3]))!.Message, Does.Contain("negative dimension"));
        Assert.Throws<ArgumentOutOfRangeException>(() => WeightInit.XavierNormal(new float[6], [-2, -3], S));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new IO.NpyArray(IO.NpyDType.Float32, [1L << 40, 1L << 40], []).Length);
    }

    private static void Expect<T>(TestDelegate call, ReproKitStatus status, string message)
        where T : Exception
    {
        var e = Assert.Throws<T>(call)!;
        Assert.That(e.Message, Does.Contain(message));
        Assert.That(e.Data[NativeErrors.StatusKey], Is.EqualTo(status), message);
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static nint CreateAndDrop(bool defer)
    {
        var context = new CpuContext(new CpuContextOptions(CpuIsa.Scalar, 1), isShared: false, deferFinalizerRelease: defer);
        new PhiloxStream(1).FillUInt32(new uint[8], context);
        return context.DangerousRawHandle;
    }

    private static void CollectGarbage()
    {
        for (int i = 0; i < 3; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }
    }
}
