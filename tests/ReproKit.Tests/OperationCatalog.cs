using System.Runtime.InteropServices;

namespace ReproKit.Tests;

/// <summary>
/// Every public operation that runs on a <see cref="CpuContext"/>, each as a function of the context that returns its
/// output bytes. Inputs are fixed (built once from a Philox stream), so each operation's output is a pure function
/// of nothing: the same bytes on every context, ISA, thread count and thread schedule.
/// </summary>
internal static class OperationCatalog
{
    private const int Count = 3001; // odd, not a multiple of any vector width: tails are exercised

    private static readonly PhiloxStream Stream = new(0x5EED, 3, 17);
    private static readonly float[] Input = Normal(Count, new PhiloxStream(11));
    private static readonly Conv2dDescriptor Conv = Conv2dDescriptor.Square(2, 4, 9, 9, 6, 3, padding: 1);
    private static readonly float[] ConvX = Normal(2 * 4 * 9 * 9, new PhiloxStream(12));
    private static readonly float[] ConvW = Normal(6 * 4 * 3 * 3, new PhiloxStream(13));
    private static readonly float[] ConvB = Normal(6, new PhiloxStream(14));
    private static readonly float[] ConvDy = Normal(2 * 6 * 9 * 9, new PhiloxStream(15));
    private static readonly float[] Logits = Normal(8 * 500, new PhiloxStream(16));
    private static readonly LinearShape LinearDims = new(70, 33, 17);
    private static readonly float[] LinearX = Normal(70 * 33, new PhiloxStream(17));
    private static readonly float[] LinearW = Normal(17 * 33, new PhiloxStream(18));
    private static readonly float[] LinearB = Normal(17, new PhiloxStream(19));
    private static readonly float[] LinearDy = Normal(70 * 17, new PhiloxStream(20));
    private static readonly BatchNorm2dShape NormDims = new(3, 4, 15, 17); // 765 positions per channel
    private static readonly float[] NormX = Normal(3 * 4 * 15 * 17, new PhiloxStream(21));
    private static readonly float[] NormDy = Normal(3 * 4 * 15 * 17, new PhiloxStream(22));
    private static readonly float[] NormGamma = Normal(255, new PhiloxStream(23));
    private static readonly long[] Targets = [3, 499, Loss.DefaultIgnoreIndex, 0, 250, 17, 8, 411];
    private static readonly Pool2dDescriptor MaxPool = Pool2dDescriptor.Max(2, 5, 11, 13, 3, stride: 2, padding: 1, ceilMode: true);
    private static readonly Pool2dDescriptor AvgPool =
        Pool2dDescriptor.Average(2, 5, 11, 13, 3, stride: 1, padding: 1, countIncludePad: false, layout: ConvLayout.Nhwc);
    private static readonly float[] PoolX = Normal(2 * 5 * 11 * 13, new PhiloxStream(17));
    private static readonly float[] Dy = Normal(Count, new PhiloxStream(21));

    /// <summary>Operations that take no context argument (they always run on <see cref="CpuContext.Shared"/>).</summary>
    internal static readonly HashSet<string> ContextFree = ["datasplits.kfold"];

    /// <summary>Name and run function of each operation.</summary>
    internal static IReadOnlyList<(string Name, Func<CpuContext, byte[]> Run)> All { get; } =
    [
        ("philox.u32", c => Fill<uint>(Count, d => Stream.FillUInt32(d, c))),
        ("philox.uniform", c => Fill<float>(Count, d => Stream.FillUniform(d, c))),
        ("philox.uniform-range", c => Fill<float>(Count, d => Stream.FillUniform(d, -3f, 5f, c))),
        ("philox.normal", c => Fill<float>(Count, d => Stream.FillNormal(d, 1f, 2f, c))),
        ("philox.truncnormal", c => Fill<float>(Count, d => Stream.FillTruncatedNormal(d, 0f, 1f, -1.5f, 2f, c))),
        ("philox.bernoulli", c => Fill<byte>(Count, d => Stream.FillBernoulli(d, 0.3, c))),
        ("philox.int64", c => Fill<long>(Count, d => Stream.FillInt64(d, -1000, 123_456_789, c))),
        ("reprorandom.sequence", RandomSequence),
        ("permutation.fill", c => Fill<ulong>(Count, d => new Permutation(1UL << 40, 9, 2).Fill(d, 12345, c))),
        ("permutation.inverse", c => Fill<ulong>(Count, d => new Permutation(5000, 9, 2).FillInverse(d, 100, c))),
        ("datasplits.kfold", _ => Bytes(DataSplits.KFold(1000, 4, 77, 1).SelectMany(f => f.Train.Concat(f.Validation)).ToArray())),
        ("dropout.forward", c => Fill<float>(Count, y => Dropout.Forward(Input, y, 0.25, Stream, 7, context: c))),
        ("dropout.forward-inplace", c => Fill<float>(Count, y => { Input.CopyTo(y); Dropout.ForwardInPlace(y, 0.25, Stream, 7, c); })),
        ("dropout.forward-mask", DropoutWithMask),
        ("dropout.forward-packed", DropoutPacked),
        ("dropout.backward-regen", c => Fill<float>(Count, dx => Dropout.Backward(Input, dx, 0.25, Stream, 7, c))),
        ("dropout.backward-mask", DropoutBackwardMask),
        ("dropout.mask-packed", c => Fill<uint>(Dropout.PackedMaskLength(Count), m => Dropout.MaskPacked(m, Count, 0.6, Stream, 3, c))),
        ("sampler.sample", Sample),
        ("conv2d.forward", c => Fill<float>(2 * 6 * 9 * 9, y => Conv2d.Forward(Conv, ConvX, ConvW, ConvB, y, context: c))),
        ("conv2d.forward-winograd", c => Fill<float>(2 * 6 * 9 * 9, y => Conv2d.Forward(Conv, ConvX, ConvW, ConvB, y, ConvAlgorithm.Winograd4x3, context: c))),
        ("conv2d.backward-data", c => Fill<float>(ConvX.Length, dx => Conv2d.BackwardData(Conv, ConvDy, ConvW, dx, context: c))),
        ("conv2d.backward-weights", ConvBackwardWeights),
        ("linear.forward", c => Fill<float>((int)LinearDims.OutputLength, y => Linear.Forward(LinearDims, LinearX, LinearW, LinearB, y, c))),
        ("linear.backward-data", c => Fill<float>((int)LinearDims.InputLength, dx => Linear.BackwardData(LinearDims, LinearDy, LinearW, dx, c))),
        ("linear.backward-weights", LinearBackwardWeights),
        ("batchnorm2d.training", BatchNormTraining),
        ("layernorm.forward-backward", LayerNormBoth),
        ("loss.cross-entropy", c => Fill<float>(8, l => Loss.CrossEntropy(Logits, Targets, 500, l, LossReduction.None, labelSmoothing: 0.1f, context: c))),
        ("loss.cross-entropy-mean", c => Fill<float>(1, l => Loss.CrossEntropy(Logits, Targets, 500, l, context: c))),
        ("loss.cross-entropy-backward", c => Fill<float>(Logits.Length, dx => Loss.CrossEntropyBackward(Logits, Targets, 500, [0.5f], dx, context: c))),
        ("pool2d.max", PoolMax),
        ("pool2d.avg", c => Fill<float>((int)AvgPool.OutputLength, y => Pooling.Forward(AvgPool, PoolX, y, context: c))),
        ("pool2d.avg-backward", c => Fill<float>(PoolX.Length, dx => Pooling.Backward(AvgPool, PoolX.AsSpan(0, (int)AvgPool.OutputLength), [], dx, c))),
        ("pool2d.global-avg", c => Fill<float>(10, y => Pooling.GlobalAverageForward(ConvLayout.Nchw, 2, 5, 11, 13, PoolX, y, c))),
        ("activation.relu", c => ActivationBoth(Activation.Relu, c)),
        ("activation.leaky-relu", c => ActivationBoth(Activation.LeakyRelu, c)),
        ("activation.gelu", c => ActivationBoth(Activation.Gelu, c)),
        ("activation.gelu-tanh", c => ActivationBoth(Activation.GeluTanh, c)),
        ("optimizer.sgd", SgdSteps),
        ("optimizer.adam", c => AdamSteps(new AdamOptions(WeightDecay: 0.01), c)),
        ("optimizer.adamw", c => AdamSteps(AdamOptions.AdamW(), c)),
        ("golden.case0", c => System.Text.Encoding.ASCII.GetBytes(Golden.Run(0, c).Actual)),
    ];

    private static byte[] LinearBackwardWeights(CpuContext c)
    {
        var dw = new float[LinearDims.WeightLength];
        var db = new float[LinearDims.OutFeatures];
        Linear.BackwardWeights(LinearDims, LinearX, LinearDy, dw, db, c);
        return [.. Bytes(dw), .. Bytes(db)];
    }

    private static byte[] BatchNormTraining(CpuContext c)
    {
        int n = (int)NormDims.Length, ch = NormDims.C;
        float[] y = new float[n], mean = new float[ch], invstd = new float[ch], rm = new float[ch], rv = new float[ch], dx = new float[n];
        float[] dg = new float[ch], db = new float[ch];
        rv.AsSpan().Fill(1f);
        BatchNorm2d.ForwardTraining(NormDims, NormX, NormGamma.AsSpan(0, ch), NormGamma.AsSpan(ch, ch), y, mean, invstd, rm, rv, context: c);
        BatchNorm2d.BackwardTraining(NormDims, NormX, NormDy, NormGamma.AsSpan(0, ch), mean, invstd, dx, dg, db, c);
        return [.. Bytes(y), .. Bytes(mean), .. Bytes(invstd), .. Bytes(rm), .. Bytes(rv), .. Bytes(dx), .. Bytes(dg), .. Bytes(db)];
    }

    private static byte[] LayerNormBoth(CpuContext c)
    {
        const int rows = 12, features = 255; // NormX as 12 rows of 255
        float[] y = new float[rows * features], mean = new float[rows], invstd = new float[rows], dx = new float[rows * features];
        float[] dg = new float[features], db = new float[features];
        LayerNorm.Forward(rows, features, NormX, NormGamma, [], y, mean, invstd, context: c);
        LayerNorm.Backward(rows, features, NormX, NormDy, NormGamma, mean, invstd, dx, dg, db, c);
        return [.. Bytes(y), .. Bytes(mean), .. Bytes(invstd), .. Bytes(dx), .. Bytes(dg), .. Bytes(db)];
    }

    private static byte[] ActivationBoth(Activation kind, CpuContext c)
    {
        var y = new float[Count];
        var dx = new float[Count];
        Activations.Forward(kind, Input, y, context: c);
        Activations.Backward(kind, Input, Dy, dx, context: c);
        return [.. Bytes(y), .. Bytes(dx)];
    }

    private static byte[] SgdSteps(CpuContext c)
    {
        float[] p = [.. Input];
        var b = new float[Count];
        var o = new SgdOptions(0.05, Momentum: 0.9, Dampening: 0.1, WeightDecay: 1e-3);
        for (int t = 0; t < 3; t++)
        {
            Optimizers.SgdStep(o, p, Dy, b, firstStep: t == 0, c);
        }

        return [.. Bytes(p), .. Bytes(b)];
    }

    private static byte[] AdamSteps(AdamOptions o, CpuContext c)
    {
        float[] p = [.. Input];
        var m = new float[Count];
        var v = new float[Count];
        for (int t = 1; t <= 3; t++)
        {
            Optimizers.AdamStep(o, t, p, Dy, m, v, c);
        }

        return [.. Bytes(p), .. Bytes(m), .. Bytes(v)];
    }

    private static byte[] RandomSequence(CpuContext c)
    {
        var r = new ReproRandom(Stream, c);
        var a = new uint[257];
        var b = new float[129];
        var l = new long[65];
        r.NextUInt32(a);
        r.NextNormal(b);
        r.Fork(3).NextInt64(l, 0, 10);
        return [.. Bytes(a), .. Bytes(b), .. Bytes(l), .. System.Text.Encoding.ASCII.GetBytes(r.ToJson())];
    }

    private static byte[] DropoutWithMask(CpuContext c)
    {
        var y = new float[Count];
        var mask = new byte[Count];
        Dropout.Forward(Input, y, mask, 0.5, Stream, 11, c);
        return [.. Bytes(y), .. mask];
    }

    private static byte[] DropoutPacked(CpuContext c)
    {
        var y = new float[Count];
        var mask = new uint[Dropout.PackedMaskLength(Count)];
        Dropout.ForwardPacked(Input, y, mask, 0.5, Stream, 11, c);
        return [.. Bytes(y), .. Bytes(mask)];
    }

    private static byte[] DropoutBackwardMask(CpuContext c)
    {
        var mask = new byte[Count];
        Dropout.Mask(mask, 0.4, Stream, 0, c);
        var words = new uint[Dropout.PackedMaskLength(Count)];
        Dropout.MaskPacked(words, Count, 0.4, Stream, 0, c);
        var dx1 = new float[Count];
        var dx2 = new float[Count];
        Dropout.Backward(Input, dx1, mask, 0.4, c);
        Dropout.BackwardPacked(Input, dx2, words, 0.4, c);
        return [.. Bytes(dx1), .. Bytes(dx2)];
    }

    private static byte[] Sample(CpuContext c)
    {
        const int batch = 8, vocab = 500;
        SamplingParams[] p = Enumerable.Range(0, batch).Select(r => new SamplingParams(0.5f + (0.25f * r), r % 3 * 20, r % 2 == 0 ? 0.9 : 1.0, r % 4 == 3 ? 0.05 : 0)).ToArray();
        PhiloxStream[] s = Enumerable.Range(0, batch).Select(r => new PhiloxStream(42, (ulong)r, 6)).ToArray();
        var tokens = new int[batch];
        var probs = new float[batch];
        var logprobs = new float[batch];
        var kept = new int[batch];
        Sampler.Sample(Logits, batch, vocab, p, s, tokens, probs, logprobs, kept, c);
        return [.. Bytes(tokens), .. Bytes(probs), .. Bytes(logprobs), .. Bytes(kept)];
    }

    private static byte[] ConvBackwardWeights(CpuContext c)
    {
        var dw = new float[ConvW.Length];
        var db = new float[6];
        Conv2d.BackwardWeights(Conv, ConvX, ConvDy, dw, db, context: c);
        return [.. Bytes(dw), .. Bytes(db)];
    }

    private static byte[] PoolMax(CpuContext c)
    {
        var y = new float[MaxPool.OutputLength];
        var idx = new long[y.Length];
        var dx = new float[PoolX.Length];
        Pooling.Forward(MaxPool, PoolX, y, idx, c);
        Pooling.Backward(MaxPool, y, idx, dx, c);
        return [.. Bytes(y), .. Bytes(idx), .. Bytes(dx)];
    }

    private static float[] Normal(int n, PhiloxStream s)
    {
        var a = new float[n];
        s.FillNormal(a);
        return a;
    }

    private static byte[] Fill<T>(int n, Action<T[]> fill)
        where T : unmanaged
    {
        var a = new T[n];
        fill(a);
        return Bytes(a);
    }

    private static byte[] Bytes<T>(T[] a)
        where T : unmanaged => MemoryMarshal.AsBytes(a.AsSpan()).ToArray();
}
