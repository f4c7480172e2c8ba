using System.Runtime.InteropServices;
using ReproKit.Interop;

namespace ReproKit.Tests;

/// <summary>
/// Every kind of bad argument of every public method is an <see cref="ArgumentException"/> (or subclass) whose
/// <see cref="ArgumentException.ParamName"/> is the offending parameter of that method, whether the binding found it
/// (lengths, ranges, nulls) or the native library did (ranges, overlaps, descriptors, rows), in which case the native
/// message and status stay attached.
/// </summary>
public class ParamNameTests
{
    private static readonly PhiloxStream S = new(7);

    /// <summary>Asserts that <paramref name="call"/> throws an argument exception naming <paramref name="expected"/>.</summary>
    internal static ArgumentException Names(string expected, TestDelegate call)
    {
        var e = Assert.Catch<ArgumentException>(call)!;
        Assert.That(e.ParamName, Is.EqualTo(expected), e.Message);
        return e;
    }

    // Like Names, for an error the native library found: its status and message are kept.
    private static void NamesNative(string expected, string message, TestDelegate call)
    {
        ArgumentException e = Names(expected, call);
        Assert.That(e.Message, Does.Contain(message));
        Assert.That(e.Data[NativeErrors.StatusKey], Is.Not.Null, "the error comes from the native library");
    }

    [Test]
    public void NativeMessagesAreMappedToTheFirstListedArgumentTheyName()
    {
        (string, string)[] dropout = [("y", "output"), ("mask", "keepMask"), ("x", "input"), ("p", "probability"), ("element_offset", "offset")];
        Assert.That(NativeErrors.ParameterOf("rk_dropout_forward: 'x' and 'y' overlap without being the same buffer", "fallback", dropout), Is.EqualTo("output"));
        Assert.That(NativeErrors.ParameterOf("rk_dropout_forward: 'mask' overlaps a data buffer", "fallback", dropout), Is.EqualTo("keepMask"));
        Assert.That(NativeErrors.ParameterOf("rk_dropout_forward: argument 'x' is null", "fallback", dropout), Is.EqualTo("input"));
        Assert.That(NativeErrors.ParameterOf("rk_dropout_forward: p must be in [0, 1] (got 2)", "fallback", dropout), Is.EqualTo("probability"));
        Assert.That(NativeErrors.ParameterOf("rk_dropout_forward: element_offset + count passes 2^64 - 1", "fallback", dropout), Is.EqualTo("offset"));
        Assert.That(NativeErrors.ParameterOf("rk_dropout_forward: something else", "fallback", dropout), Is.EqualTo("fallback"));
        Assert.That(NativeErrors.ParameterOf("", null, dropout), Is.Null);
        // A name must be whole: "p" is not the start of "pass", nor is 'x' quoted in "'xs'".
        Assert.That(NativeErrors.ParameterOf("fn: pass 7 is not valid", "fallback", dropout), Is.EqualTo("fallback"));
        Assert.That(NativeErrors.ParameterOf("fn: 'xs' is null", "fallback", dropout), Is.EqualTo("fallback"));

        (string, string)[] sample = [("params", "parameters"), ("logits", "logits"), ("vocab", "vocabulary"), ("row_stride", "rowStride")];
        Assert.That(NativeErrors.ParameterOf("rk_sample: row 12: params[12].top_p must be in (0, 1] (got 0)", "logits", sample), Is.EqualTo("parameters"));
        Assert.That(NativeErrors.ParameterOf("rk_sample: row 0: logits[0][3] is NaN", "x", sample), Is.EqualTo("logits"));
        Assert.That(NativeErrors.ParameterOf("rk_sample: row_stride (2) must be >= vocab (4)", "logits", sample), Is.EqualTo("rowStride"));
        Assert.That(NativeErrors.ParameterOf("rk_sample: vocab must be in [1, 2^21) (got 0)", "logits", sample), Is.EqualTo("vocabulary"));
        Assert.That(NativeErrors.ParameterOf("rk_conv2d_forward: desc->groups (2) does not divide desc->c (3)", "d", [("desc", "descriptor")]),
            Is.EqualTo("descriptor"));
    }

    [Test]
    public void PhiloxFills()
    {
        var f = new float[16];
        NamesNative("high", "rk_philox_fill_uniform_range", () => S.FillUniform(f, 2f, 1f));
        NamesNative("low", "rk_philox_fill_uniform_range", () => S.FillUniform(f, float.NaN, 1f));
        NamesNative("low", "rk_philox_fill_uniform_range", () => S.FillUniform(f, float.NegativeInfinity, 1f));
        NamesNative("high", "rk_philox_fill_uniform_range", () => S.FillUniform(f, 0f, float.PositiveInfinity));
        NamesNative("high", "finite width", () => S.FillUniform(f, -3e38f, 3e38f));
        NamesNative("mean", "rk_philox_fill_normal", () => S.FillNormal(f, float.NaN, 1f));
        NamesNative("standardDeviation", "rk_philox_fill_normal", () => S.FillNormal(f, 0f, -1f));
        NamesNative("standardDeviation", "rk_philox_fill_normal", () => S.FillNormal(f, 0f, float.PositiveInfinity));
        NamesNative("mean", "rk_philox_fill_truncated_normal", () => S.FillTruncatedNormal(f, float.PositiveInfinity, 1f, -2f, 2f));
        NamesNative("standardDeviation", "rk_philox_fill_truncated_normal", () => S.FillTruncatedNormal(f, 0f, 0f, -2f, 2f));
        NamesNative("a", "rk_philox_fill_truncated_normal", () => S.FillTruncatedNormal(f, 0f, 1f, float.NaN, 2f));
        NamesNative("b", "rk_philox_fill_truncated_normal", () => S.FillTruncatedNormal(f, 0f, 1f, 2f, -2f));
        NamesNative("b", "rk_philox_fill_truncated_normal", () => S.FillTruncatedNormal(f, 0f, 1f, -2f, float.PositiveInfinity));
        NamesNative("b", "holds no probability mass", () => S.FillTruncatedNormal(f, 0f, 1f, 50f, 60f));
        NamesNative("p", "rk_philox_fill_bernoulli", () => S.FillBernoulli(new byte[4], 1.5));
        NamesNative("p", "rk_philox_fill_bernoulli", () => S.FillBernoulli(new byte[4], double.NaN));
        NamesNative("high", "rk_philox_fill_int64", () => S.FillInt64(new long[4], 5, 5));
        NamesNative("high", "rk_philox_fill_int64", () => S.FillInt64(new long[4], 5, -5));
    }

    [Test]
    public void ReproRandomAndPhilox()
    {
        var r = new ReproRandom(S);
        var f = new float[4];
        Names("high", () => r.NextUniform(f, 1f, 0f));
        Names("low", () => r.NextUniform(f, float.NaN, 0f));
        Names("standardDeviation", () => r.NextNormal(f, 0f, -1f));
        Names("mean", () => r.NextNormal(f, float.NaN));
        Names("b", () => r.NextTruncatedNormal(f, 0f, 1f, 1f, 1f));
        Names("a", () => r.NextTruncatedNormal(f, 0f, 1f, float.NaN, 1f));
        Names("p", () => r.NextBernoulli(new byte[4], -0.1));
        Names("high", () => r.NextInt64(new long[4], 3, 2));
        Assert.That(r.Stream, Is.EqualTo(S), "refused calls do not move the generator");
        Names("json", () => ReproRandom.FromJson(null!));

        Names("counter", () => Philox.Block(new uint[3], new uint[2], new uint[4]));
        Names("key", () => Philox.Block(new uint[4], new uint[3], new uint[4]));
        Names("output", () => Philox.Block(new uint[4], new uint[2], new uint[5]));
        Names("rounds", () => Philox.Block(new uint[4], new uint[2], new uint[4], rounds: 0));
        Names("destination", () => Philox.UniformFromWords(new uint[4], new float[3]));
    }

    [Test]
    public void DropoutLengthsRangesAndOffsets()
    {
        var x = new float[10];
        var y = new float[10];
        NamesNative("p", "rk_dropout_scale", () => Dropout.Scale(2));
        NamesNative("p", "rk_dropout_forward: p must be in [0, 1]", () => Dropout.Forward(x, y, double.NaN, S));
        Names("p", () => Dropout.Forward(x, y, 1.5, S, training: false));
        NamesNative("p", "rk_dropout_forward", () => Dropout.ForwardInPlace(y, -1, S));
        NamesNative("p", "rk_dropout_forward", () => Dropout.Forward(x, y, new byte[10], 7, S));
        NamesNative("p", "rk_dropout_forward", () => Dropout.ForwardPacked(x, y, new uint[1], 7, S));
        NamesNative("p", "rk_dropout_backward", () => Dropout.Backward(x, y, 2, S));
        NamesNative("p", "rk_dropout_backward", () => Dropout.Backward(x, y, new byte[10], 2));
        NamesNative("p", "rk_dropout_backward", () => Dropout.BackwardPacked(x, y, new uint[1], 2));
        NamesNative("p", "rk_dropout_mask", () => Dropout.Mask(new byte[4], 1.01, S));
        NamesNative("p", "rk_dropout_mask", () => Dropout.MaskPacked(new uint[1], 4, 1.01, S));

        Names("y", () => Dropout.Forward(x, new float[9], 0.5, S));
        Names("y", () => Dropout.Forward(x, new float[9], 0.5, S, training: false));
        Names("y", () => Dropout.Forward(x, new float[11], new byte[10], 0.5, S));
        Names("mask", () => Dropout.Forward(x, y, new byte[9], 0.5, S));
        Names("y", () => Dropout.ForwardPacked(x, new float[9], new uint[1], 0.5, S));
        Names("packedMask", () => Dropout.ForwardPacked(x, y, new uint[2], 0.5, S));
        Names("dx", () => Dropout.Backward(x, new float[9], 0.5, S));
        Names("dx", () => Dropout.Backward(x, new float[9], new byte[10], 0.5));
        Names("mask", () => Dropout.Backward(x, y, new byte[11], 0.5));
        Names("dx", () => Dropout.BackwardPacked(x, new float[9], new uint[1], 0.5));
        Names("packedMask", () => Dropout.BackwardPacked(x, y, new uint[0], 0.5));
        Names("packedMask", () => Dropout.MaskPacked(new uint[2], 10, 0.5, S));
        Names("count", () => Dropout.MaskPacked(new uint[1], -1, 0.5, S));
        Names("count", () => Dropout.PackedMaskLength(-1));

        // element_offset + count past 2^64 - 1 (a size overflow: ArgumentOutOfRangeException).
        ulong last = ulong.MaxValue - 3;
        Assert.That(Names("elementOffset", () => Dropout.Forward(x, y, 0.5, S, last)), Is.InstanceOf<ArgumentOutOfRangeException>());
        Names("elementOffset", () => Dropout.ForwardInPlace(y, 0.5, S, last));
        Names("elementOffset", () => Dropout.Forward(x, y, new byte[10], 0.5, S, last));
        Names("elementOffset", () => Dropout.ForwardPacked(x, y, new uint[1], 0.5, S, last));
        Names("elementOffset", () => Dropout.Backward(x, y, 0.5, S, last));
        Names("elementOffset", () => Dropout.Mask(new byte[10], 0.5, S, last));
        Names("elementOffset", () => Dropout.MaskPacked(new uint[1], 10, 0.5, S, last));
    }

    [Test]
    public void DropoutOverlapsNameTheWrittenBuffer()
    {
        var a = new float[200];
        var y = new float[100];
        NamesNative("y", "rk_dropout_forward: 'x' and 'y' overlap without being the same buffer",
            () => Dropout.Forward(a.AsSpan(0, 100), a.AsSpan(1, 100), 0.5, S));
        NamesNative("y", "overlap", () => Dropout.Forward(a.AsSpan(1, 100), a.AsSpan(0, 100), new byte[100], 0.5, S));
        NamesNative("y", "overlap", () => Dropout.ForwardPacked(a.AsSpan(4, 100), a.AsSpan(0, 100), new uint[4], 0.5, S));
        NamesNative("dx", "rk_dropout_backward: 'dy' and 'dx' overlap", () => Dropout.Backward(a.AsSpan(5, 100), a.AsSpan(0, 100), 0.5, S));
        NamesNative("dx", "rk_dropout_backward: 'dy' and 'dx' overlap", () => Dropout.Backward(a.AsSpan(5, 100), a.AsSpan(0, 100), new byte[100], 0.5));
        NamesNative("dx", "rk_dropout_backward: 'dy' and 'dx' overlap", () => Dropout.BackwardPacked(a.AsSpan(5, 100), a.AsSpan(0, 100), new uint[4], 0.5));
        NamesNative("mask", "'mask' overlaps a data buffer", () => Dropout.Forward(a.AsSpan(100, 100), y, MemoryMarshal.AsBytes(y.AsSpan())[..100], 0.5, S));
        NamesNative("packedMask", "'mask' overlaps a data buffer",
            () => Dropout.ForwardPacked(a.AsSpan(0, 100), a.AsSpan(0, 100), MemoryMarshal.Cast<float, uint>(a.AsSpan(96, 4)), 0.5, S));
        NamesNative("mask", "'mask' overlaps a data buffer", () => Dropout.Backward(y, a.AsSpan(0, 100), MemoryMarshal.AsBytes(a.AsSpan(0, 25)), 0.5));
        NamesNative("packedMask", "'mask' overlaps a data buffer",
            () => Dropout.BackwardPacked(a.AsSpan(100, 100), y, MemoryMarshal.Cast<float, uint>(a.AsSpan(150, 4)), 0.5));
        // In place (the same memory) is allowed.
        Assert.DoesNotThrow(() => Dropout.Forward(a.AsSpan(0, 100), a.AsSpan(0, 100), 0.5, S));
        Assert.DoesNotThrow(() => Dropout.Backward(a.AsSpan(0, 100), a.AsSpan(0, 100), 0.5, S));
    }

    [Test]
    public void MonteCarloEstimates()
    {
        var m = new float[4];
        Names("sample", () => MonteCarloDropout.SampleStream(S, -1));
        Names("samples", () => MonteCarloDropout.Estimate(1, S, m, new float[4], (_, _, _) => { }));
        Names("pass", () => MonteCarloDropout.Estimate(2, S, m, new float[4], null!));
        Names("variance", () => MonteCarloDropout.Estimate(2, S, m, new float[3], (_, _, _) => { }));
    }

    [Test]
    public void SamplingLengthsAndOverlaps()
    {
        SamplingParams[] two = [new(), new()];
        PhiloxStream[] streams = [S, S];
        Names("logits", () => Sampler.Sample(new float[7], 2, 4, two, streams, new int[2]));
        Names("logits", () => Sampler.Sample(new float[12], 2, 4, two, streams, new int[2], rowStride: 9));
        Names("batch", () => Sampler.Sample(new float[8], -1, 4, two, streams, new int[2]));
        Names("parameters", () => Sampler.Sample(new float[8], 2, 4, [new()], streams, new int[2]));
        Names("streams", () => Sampler.Sample(new float[8], 2, 4, two, [S], new int[2]));
        Names("tokens", () => Sampler.Sample(new float[8], 2, 4, two, streams, new int[3]));
        Names("probabilities", () => Sampler.Sample(new float[8], 2, 4, two, streams, new int[2], new float[1]));
        Names("logProbabilities", () => Sampler.Sample(new float[8], 2, 4, two, streams, new int[2], logProbabilities: new float[3]));
        Names("keptCounts", () => Sampler.Sample(new float[8], 2, 4, two, streams, new int[2], keptCounts: new int[1]));
        Assert.That(Names("parameters", () => Sampler.Sample(new float[8], 2, 4, [new(), null!], streams, new int[2])), Is.InstanceOf<ArgumentNullException>());

        float[] logits = new float[8];
        Names("tokens", () => Sampler.Sample(logits, 2, 4, two, streams, MemoryMarshal.Cast<float, int>(logits.AsSpan())[6..8]));
        var outputs = new float[3];
        Names("logProbabilities", () => Sampler.Sample(new float[8], 2, 4, two, streams, new int[2], outputs.AsSpan(0, 2), outputs.AsSpan(1, 2)));
        var ints = new int[3];
        Names("keptCounts", () => Sampler.Sample(new float[8], 2, 4, two, streams, ints.AsSpan(0, 2), keptCounts: ints.AsSpan(1, 2)));
    }

    [Test]
    public void SamplingRangesAndRows()
    {
        SamplingParams[] two = [new(), new()];
        PhiloxStream[] streams = [S, S];
        NamesNative("vocabulary", "vocab must be in [1, 2^21)", () => Sampler.Sample(new float[8], 2, 0, two, streams, new int[2]));
        NamesNative("vocabulary", "argument 'vocab' is negative", () => Sampler.Sample(new float[8], 2, -3, two, streams, new int[2]));
        NamesNative("vocabulary", "vocab must be in [1, 2^21)", () => Sampler.Sample(new float[8], 1, Sampler.MaxVocabulary + 1, [new()], [S], new int[1]));
        NamesNative("rowStride", "row_stride (-4) must be >= vocab (4)", () => Sampler.Sample(new float[8], 2, 4, two, streams, new int[2], rowStride: -4));
        NamesNative("rowStride", "row_stride (2) must be >= vocab (4)", () => Sampler.Sample(new float[8], 3, 4, [.. two, new()], [.. streams, S], new int[3], rowStride: 2));
        NamesNative("parameters", "row 1: params[1].temperature", () => Sampler.Sample(new float[8], 2, 4, [new(), new(Temperature: -1f)], streams, new int[2]));
        NamesNative("parameters", "top_k", () => Sampler.Sample(new float[8], 2, 4, [new(TopK: -1), new()], streams, new int[2]));
        NamesNative("parameters", "top_p", () => Sampler.Sample(new float[8], 2, 4, [new(TopP: 0), new()], streams, new int[2]));
        NamesNative("parameters", "min_p", () => Sampler.Sample(new float[8], 2, 4, [new(MinP: 1), new()], streams, new int[2]));
        NamesNative("logits", "logits[1][1] is NaN", () => Sampler.Sample([0f, 1f, 2f, 3f, 0f, float.NaN, 1f, 2f], 2, 4, two, streams, new int[2]));
        NamesNative("logits", "no finite logit", () => Sampler.Sample(Enumerable.Repeat(float.NegativeInfinity, 8).ToArray(), 2, 4, two, streams, new int[2]));

        // SampleOne: the vocabulary is the row's length, so a bad one is the logits' fault.
        NamesNative("logits", "vocab", () => Sampler.SampleOne(ReadOnlySpan<float>.Empty, new SamplingParams(), S));
        NamesNative("logits", "vocab must be in [1, 2^21)", () => Sampler.SampleOne(new float[Sampler.MaxVocabulary + 1], new SamplingParams(), S));
        NamesNative("logits", "is +Inf", () => Sampler.SampleOne([1f, float.PositiveInfinity], new SamplingParams(), S));
        NamesNative("parameters", "temperature", () => Sampler.SampleOne([1f, 2f], new SamplingParams(Temperature: float.NaN), S));
        Names("parameters", () => Sampler.SampleOne([1f, 2f], null!, S));
        Assert.DoesNotThrow(() => Sampler.SampleOne(new float[Sampler.MaxVocabulary], new SamplingParams(), S));

        var g = new GenerationStreams(1);
        Names("destination", () => g.NextStep([1, 2], new PhiloxStream[1]));
        Names("requestIds", () => g.NextStep([1, 1], new PhiloxStream[2]));
        Names("sampleIndices", () => g.NextStep([1, 1], [0], new PhiloxStream[2]));
        Names("step", () => g.StreamFor(1, GenerationStreams.MaxSteps));
    }

    [Test]
    public void Convolution()
    {
        var d = Conv2dDescriptor.Square(2, 3, 8, 8, 4, 3, padding: 1);
        var x = new float[d.InputLength];
        var w = new float[d.WeightLength];
        var y = new float[d.OutputLength];
        var bad = new Conv2dDescriptor(1, 3, 8, 8, 4, 3, 3, Groups: 2);
        NamesNative("descriptor", "desc->groups (2) does not divide desc->c (3)", () => Conv2d.Query(bad));
        NamesNative("descriptor", "desc->groups", () => Conv2d.Forward(bad, x, w, default, y));
        NamesNative("descriptor", "desc->groups", () => Conv2d.BackwardData(bad, y, w, x));
        NamesNative("descriptor", "desc->groups", () => Conv2d.BackwardWeights(bad, x, y, w, default));
        NamesNative("descriptor", "desc->n is negative", () => _ = new Conv2dDescriptor(-1, 1, 1, 1, 1, 1, 1).OutputSize);
        NamesNative("descriptor", "element count of x", () => _ = new Conv2dDescriptor(1L << 20, 1L << 20, 1L << 20, 1L << 20, 1, 1, 1).InputLength);
        Names("descriptor", () => Conv2d.Query(null!));
        Names("descriptor", () => Conv2d.Forward(null!, x, w, default, y));
        NamesNative("pass", "is not a valid rk_conv_pass", () => Conv2d.Query(d, (ConvPass)7));
        NamesNative("requested", "is not a valid rk_conv_algorithm", () => Conv2d.Query(d, ConvPass.Forward, (ConvAlgorithm)9));
        NamesNative("algorithm", "is not a valid rk_conv_algorithm", () => Conv2d.Forward(d, x, w, default, y, (ConvAlgorithm)9));

        Names("x", () => Conv2d.Forward(d, x.AsSpan(1), w, default, y));
        Names("w", () => Conv2d.Forward(d, x, w.AsSpan(1), default, y));
        Names("bias", () => Conv2d.Forward(d, x, w, new float[3], y));
        Names("y", () => Conv2d.Forward(d, x, w, default, y.AsSpan(1)));
        Names("dy", () => Conv2d.BackwardData(d, y.AsSpan(1), w, x));
        Names("w", () => Conv2d.BackwardData(d, y, w.AsSpan(1), x));
        Names("dx", () => Conv2d.BackwardData(d, y, w, x.AsSpan(1)));
        Names("x", () => Conv2d.BackwardWeights(d, x.AsSpan(1), y, w, default));
        Names("dy", () => Conv2d.BackwardWeights(d, x, y.AsSpan(1), w, default));
        Names("dw", () => Conv2d.BackwardWeights(d, x, y, w.AsSpan(1), default));
        Names("dbias", () => Conv2d.BackwardWeights(d, x, y, w, new float[5]));

        // Workspaces smaller than the query says.
        var (_, forwardBytes) = Conv2d.Query(d, ConvPass.Forward, ConvAlgorithm.Winograd4x3);
        Assert.That(forwardBytes, Is.GreaterThan(1));
        NamesNative("workspace", "workspace_bytes", () => Conv2d.Forward(d, x, w, default, y, ConvAlgorithm.Winograd4x3, new byte[forwardBytes - 1]));
        long dataBytes = Conv2d.Query(d, ConvPass.BackwardData).WorkspaceBytes;
        if (dataBytes > 1)
        {
            NamesNative("workspace", "workspace_bytes", () => Conv2d.BackwardData(d, y, w, x, new byte[dataBytes - 1]));
        }

        long weightBytes = Conv2d.Query(d, ConvPass.BackwardWeights).WorkspaceBytes;
        if (weightBytes > 1)
        {
            NamesNative("workspace", "workspace_bytes", () => Conv2d.BackwardWeights(d, x, y, w, default, new byte[weightBytes - 1]));
        }

        // Overlaps: the written buffer is named.
        var shared = new float[x.Length + y.Length];
        NamesNative("y", "'y' overlaps 'x'", () => Conv2d.Forward(d, shared.AsSpan(0, x.Length), w, default, shared.AsSpan(x.Length - 1, y.Length)));
        var wy = new float[w.Length + y.Length];
        NamesNative("y", "'y' overlaps 'w'", () => Conv2d.Forward(d, x, wy.AsSpan(0, w.Length), default, wy.AsSpan(w.Length - 1, y.Length)));
        var ws = new byte[forwardBytes + 64];
        NamesNative("workspace", "'workspace' overlaps 'x'", () => Conv2d.Forward(d, MemoryMarshal.Cast<byte, float>(ws.AsSpan(0, x.Length * 4)), w, default, y,
            ConvAlgorithm.Winograd4x3, ws.AsSpan(0, (int)forwardBytes)));
        var dxy = new float[x.Length + y.Length];
        NamesNative("dx", "'dx' overlaps 'dy'", () => Conv2d.BackwardData(d, dxy.AsSpan(x.Length - 1, y.Length), w, dxy.AsSpan(0, x.Length)));
        var both = new float[w.Length + 4 - 1];
        NamesNative("dw", "'dw' overlaps 'dbias'", () => Conv2d.BackwardWeights(d, x, y, both.AsSpan(0, w.Length), both.AsSpan(w.Length - 1, 4)));
        var xb = new float[x.Length];
        NamesNative("dbias", "'dbias' overlaps 'x'", () => Conv2d.BackwardWeights(d, xb, y, w, xb.AsSpan(0, 4)));
    }

    [Test]
    public void PermutationsAndSplits()
    {
        Names("count", () => new Permutation(0, 1));
        Names("count", () => new Permutation(Permutation.MaxCount + 1, 1));
        var p = new Permutation(10, 1);
        Names("index", () => p.Apply(10));
        Names("value", () => p.Invert(10));
        Names("destination", () => p.Fill(new ulong[11]));
        Names("destination", () => p.Fill(new ulong[2], 9));
        Names("first", () => p.Fill(new ulong[1], 11));
        Names("destination", () => p.FillInverse(new ulong[11]));
        Names("first", () => p.FillInverse([], 11));
        Assert.DoesNotThrow(() => p.Fill([], 10));

        Names("count", () => DataSplits.ShuffledIndices(-1, 1));
        Names("count", () => DataSplits.ShuffledIndices((long)Array.MaxLength + 1, 1));
        var data = new int[10];
        Names("destination", () => DataSplits.Shuffle<int>(data.AsSpan(0, 5), new int[4], 1));
        Names("destination", () => DataSplits.Shuffle<int>(data.AsSpan(0, 5), data.AsSpan(4, 5), 1));
        Names("testFraction", () => DataSplits.TrainTestSplit(10, 1.5, 1));
        Names("testFraction", () => DataSplits.TrainTestSplit(10, double.NaN, 1));
        Names("count", () => DataSplits.TrainTestSplit(-1, 0.5, 1));
        Names("folds", () => DataSplits.KFold(10, 1, 1));
        Names("count", () => DataSplits.KFold(2, 3, 1));
    }

    [Test]
    public void WeightInitialisation()
    {
        var w = new float[12];
        Names("shape", () => WeightInit.Fans([3]));
        Names("shape", () => WeightInit.Fans([-2, 3]));
        Names("shape", () => WeightInit.Fans([1L << 32, 1L << 32, 1L << 32]));
        Names("shape", () => WeightInit.KaimingUniform(w, [3, 5], S));
        Names("shape", () => WeightInit.XavierNormal(new float[6], [-2, -3], S));
        Names("shape", () => WeightInit.KaimingNormal([], [4, 0], S));
        Names("shape", () => WeightInit.XavierUniform([], [0, 0], S));
        Names("a", () => WeightInit.KaimingUniform(w, [3, 4], S, a: double.NaN));
        Names("a", () => WeightInit.KaimingNormal(w, [3, 4], S, a: double.NaN));
        Assert.DoesNotThrow(() => WeightInit.KaimingNormal(w, [3, 4], S, a: double.NaN, nonlinearity: Nonlinearity.Relu), "a is only leaky ReLU's slope");
        Names("mode", () => WeightInit.KaimingUniform(w, [3, 4], S, mode: (FanMode)5));
        Names("nonlinearity", () => WeightInit.KaimingNormal(w, [3, 4], S, nonlinearity: (Nonlinearity)9));
        Names("nonlinearity", () => WeightInit.Gain((Nonlinearity)9));
        Names("gain", () => WeightInit.XavierUniform(w, [3, 4], S, gain: double.NaN));
        Names("gain", () => WeightInit.XavierUniform(w, [3, 4], S, gain: -1));
        Names("gain", () => WeightInit.XavierNormal(w, [3, 4], S, gain: -1));
        Names("gain", () => WeightInit.XavierNormal(w, [3, 4], S, gain: 1e300));
        Names("gain", () => WeightInit.XavierUniform(w, [3, 4], S, gain: double.PositiveInfinity));
        Assert.DoesNotThrow(() => WeightInit.XavierUniform(w, [3, 4], S, gain: 0));
    }

    [Test]
    public void ContextsLibraryGoldenAndFiles()
    {
        Names("options", () => new CpuContext(new CpuContextOptions(Threads: -1)));
        Names("options", () => new CpuContext(new CpuContextOptions(Isa: (CpuIsa)9)));
        NamesNative("options", "num_threads", () => new CpuContext(new CpuContextOptions(Threads: 1025)));
        Names("isa", () => ReproKitLibrary.IsaName((CpuIsa)9));
        Names("name", () => ReproKitLibrary.ParseIsa("avx9"));
        Names("name", () => ReproKitLibrary.ParseIsa(null!));

        NamesNative("index", "index -1 is not in", () => Golden.Info(-1));
        NamesNative("index", "is not in", () => Golden.Run(Golden.Count));

        Names("shape", () => IO.NpyFile.Write(new MemoryStream(), new float[6], [4, 2]));
        Names("shape", () => IO.NpyFile.Write(new MemoryStream(), new float[0], [-1]));
        Names("stream", () => IO.NpyFile.Write<float>((Stream)null!, new float[1]));
        Names("stream", () => IO.NpyFile.Read((Stream)null!));
        Names("dtype", () => IO.NpyFile.Descr((IO.NpyDType)99));
        Names("dtype", () => IO.NpyFile.ElementSize((IO.NpyDType)99));
        Names("call", () => new ReproManifest().Add(null!));
    }
}

/// <summary>The parameter names of the CUDA API's argument errors, on a device or the emulated one (category Gpu).</summary>
[Category("Gpu")]
public class CudaParamNameTests
{
    private static readonly PhiloxStream S = new(7);
    private CudaContext _context = null!;

    [SetUp]
    public void SetUp()
    {
        if (CudaDevices.Count(out string reason) == 0)
        {
            Assert.Ignore($"No CUDA device: {reason}");
        }

        _context = new CudaContext(0);
    }

    [TearDown]
    public void TearDown() => _context?.Dispose();

    private static void Names(string expected, TestDelegate call) => ParamNameTests.Names(expected, call);

    [Test]
    public void ContextsAndBuffers()
    {
        Names("device", () => new CudaContext(999));
        Names("index", () => CudaDevices.Info(999));
        Names("length", () => _context.Allocate<float>(-1));
        using DeviceBuffer<float> b = _context.Allocate<float>(4);
        Names("source", () => b.CopyFrom(new float[3]));
        Names("destination", () => b.CopyTo(new float[5]));
        Names("hostPointer", () => b.QueueCopyFrom(0));
        Names("hostPointer", () => b.QueueCopyTo(0));
        Names("context", () => DeviceBuffer<float>.FromPointer(null!, b.Pointer, 4));
        Names("devicePointer", () => DeviceBuffer<float>.FromPointer(_context, 0, 4));
        Names("length", () => DeviceBuffer<float>.FromPointer(_context, b.Pointer, -1));
        Names("index", () => CudaOperations.Golden(-1, _context));
        Names("context", () => CudaOperations.Golden(0, null!));
    }

    [Test]
    public unsafe void FillsAndDropout()
    {
        using DeviceBuffer<float> x = _context.Allocate<float>(64);
        using DeviceBuffer<float> y = _context.Allocate<float>(64);
        using DeviceBuffer<float> shortY = _context.Allocate<float>(63);
        using DeviceBuffer<byte> bytes = _context.Allocate<byte>(64);
        using DeviceBuffer<uint> bits = _context.Allocate<uint>(2);
        using DeviceBuffer<byte> shortBytes = _context.Allocate<byte>(3);
        using DeviceBuffer<uint> longBits = _context.Allocate<uint>(3);
        Names("high", () => CudaOperations.FillUniform(S, x, 1f, 0f));
        Names("low", () => CudaOperations.FillUniform(S, x, float.NaN, 0f));
        Names("standardDeviation", () => CudaOperations.FillNormal(S, x, 0f, -1f));
        Names("mean", () => CudaOperations.FillNormal(S, x, float.PositiveInfinity));
        Names("destination", () => CudaOperations.FillUInt32(S, null!));

        Names("p", () => CudaOperations.DropoutForward(x, y, 1.5, S));
        Names("p", () => CudaOperations.DropoutBackward(x, y, double.NaN, S));
        Names("y", () => CudaOperations.DropoutForward(x, shortY, 0.5, S));
        Names("dx", () => CudaOperations.DropoutBackward(x, shortY, 0.5, S));
        Names("byteMask", () => CudaOperations.DropoutForward(x, y, 0.5, S, byteMask: shortBytes));
        Names("packedMask", () => CudaOperations.DropoutForward(x, y, 0.5, S, packedMask: longBits));
        Names("packedMask", () => CudaOperations.DropoutBackward(x, y, 0.5, S, byteMask: bytes, packedMask: bits));
        Names("elementOffset", () => CudaOperations.DropoutForward(x, y, 0.5, S, ulong.MaxValue - 3));
        Names("x", () => CudaOperations.DropoutForward(null!, y, 0.5, S));

        // Device memory that overlaps: the output is named.
        using DeviceBuffer<float> shifted = DeviceBuffer<float>.FromPointer(_context, x.Pointer + 4, 63);
        using DeviceBuffer<float> x63 = DeviceBuffer<float>.FromPointer(_context, x.Pointer, 63);
        Names("y", () => CudaOperations.DropoutForward(x63, shifted, 0.5, S));
        Names("dx", () => CudaOperations.DropoutBackward(x63, shifted, 0.5, S));

        // Host memory where device memory is needed: the parameter that holds it is named.
        float* host = (float*)NativeMemory.AllocZeroed(64 * sizeof(float));
        try
        {
            using DeviceBuffer<float> h = DeviceBuffer<float>.FromPointer(_context, (nint)host, 64);
            using DeviceBuffer<byte> hb = DeviceBuffer<byte>.FromPointer(_context, (nint)host, 64);
            using DeviceBuffer<uint> hu = DeviceBuffer<uint>.FromPointer(_context, (nint)host, 2);
            using DeviceBuffer<uint> hw = DeviceBuffer<uint>.FromPointer(_context, (nint)host, 64);
            Names("destination", () => CudaOperations.FillUInt32(S, hw));
            Names("destination", () => CudaOperations.FillUniform(S, h, 0f, 1f));
            Names("destination", () => CudaOperations.FillNormal(S, h));
            Names("y", () => CudaOperations.DropoutForward(x, h, 0.5, S));
            Names("x", () => CudaOperations.DropoutForward(h, y, 0.5, S));
            Names("byteMask", () => CudaOperations.DropoutForward(x, y, 0.5, S, byteMask: hb));
            Names("packedMask", () => CudaOperations.DropoutForward(x, y, 0.5, S, packedMask: hu));
            Names("dx", () => CudaOperations.DropoutBackward(x, h, 0.5, S));
            Names("dy", () => CudaOperations.DropoutBackward(h, y, 0.5, S));
            Names("packedMask", () => CudaOperations.DropoutBackward(x, y, 0.5, S, packedMask: hu));
        }
        finally
        {
            NativeMemory.Free(host);
        }
    }

    [Test]
    public unsafe void SamplingAndConvolution()
    {
        const int vocab = 10, batch = 2;
        using DeviceBuffer<float> logits = _context.Allocate<float>(vocab * batch);
        CudaOperations.FillNormal(S, logits);
        using DeviceBuffer<int> tokens = _context.Allocate<int>(batch);
        SamplingParams[] ps = [new(), new()];
        PhiloxStream[] streams = [S, S];
        using DeviceBuffer<int> threeInts = _context.Allocate<int>(3);
        using DeviceBuffer<float> oneFloat = _context.Allocate<float>(1);
        using DeviceBuffer<int> oneInt = _context.Allocate<int>(1);
        Names("logits", () => CudaOperations.Sample(logits, batch, vocab + 1, ps, streams, tokens));
        Names("vocabulary", () => CudaOperations.Sample(logits, batch, 0, ps, streams, tokens));
        Names("batch", () => CudaOperations.Sample(logits, -1, vocab, ps, streams, tokens));
        Names("parameters", () => CudaOperations.Sample(logits, batch, vocab, [new()], streams, tokens));
        Names("streams", () => CudaOperations.Sample(logits, batch, vocab, ps, [S], tokens));
        Names("tokens", () => CudaOperations.Sample(logits, batch, vocab, ps, streams, threeInts));
        Names("probabilities", () => CudaOperations.Sample(logits, batch, vocab, ps, streams, tokens, probabilities: oneFloat));
        Names("logProbabilities", () => CudaOperations.Sample(logits, batch, vocab, ps, streams, tokens, logProbabilities: oneFloat));
        Names("keptCounts", () => CudaOperations.Sample(logits, batch, vocab, ps, streams, tokens, keptCounts: oneInt));
        Names("parameters", () => CudaOperations.Sample(logits, batch, vocab, [new(), new(TopP: 2)], streams, tokens));
        Names("parameters", () => CudaOperations.Sample(logits, batch, vocab, [new(), null!], streams, tokens));
        using DeviceBuffer<float> nan = _context.Upload<float>([0f, float.NaN, 1f]);
        using DeviceBuffer<int> one = _context.Allocate<int>(1);
        Names("logits", () => CudaOperations.Sample(nan, 1, 3, [new()], [S], one));
        using DeviceBuffer<int> overlapping = DeviceBuffer<int>.FromPointer(_context, logits.Pointer, batch);
        Names("tokens", () => CudaOperations.Sample(logits, batch, vocab, ps, streams, overlapping));
        int* host = (int*)NativeMemory.AllocZeroed(batch * sizeof(int));
        try
        {
            using DeviceBuffer<int> h = DeviceBuffer<int>.FromPointer(_context, (nint)host, batch);
            Names("tokens", () => CudaOperations.Sample(logits, batch, vocab, ps, streams, h));
        }
        finally
        {
            NativeMemory.Free(host);
        }

        Conv2dDescriptor d = Conv2dDescriptor.Square(1, 2, 6, 6, 3, 3, padding: 1);
        using DeviceBuffer<float> x = _context.Allocate<float>(d.InputLength);
        using DeviceBuffer<float> w = _context.Allocate<float>(d.WeightLength);
        using DeviceBuffer<float> y = _context.Allocate<float>(d.OutputLength);
        using DeviceBuffer<float> shortBuffer = _context.Allocate<float>(1);
        using DeviceBuffer<float> twoFloats = _context.Allocate<float>(2);
        Names("descriptor", () => CudaOperations.Conv2dForward(null!, x, w, null, y));
        Names("descriptor", () => CudaOperations.Conv2dForward(d with { Groups = 4 }, x, w, null, y));
        Names("x", () => CudaOperations.Conv2dForward(d, shortBuffer, w, null, y));
        Names("w", () => CudaOperations.Conv2dForward(d, x, shortBuffer, null, y));
        Names("bias", () => CudaOperations.Conv2dForward(d, x, w, shortBuffer, y));
        Names("y", () => CudaOperations.Conv2dForward(d, x, w, null, shortBuffer));
        Names("algorithm", () => CudaOperations.Conv2dForward(d, x, w, null, y, (ConvAlgorithm)9));
        Names("dy", () => CudaOperations.Conv2dBackwardData(d, shortBuffer, w, x));
        Names("dx", () => CudaOperations.Conv2dBackwardData(d, y, w, shortBuffer));
        Names("dw", () => CudaOperations.Conv2dBackwardWeights(d, x, y, shortBuffer));
        Names("dbias", () => CudaOperations.Conv2dBackwardWeights(d, x, y, w, twoFloats));
        // x and y carved from one allocation, overlapping by one element.
        using DeviceBuffer<float> both = _context.Allocate<float>(d.InputLength + d.OutputLength);
        using DeviceBuffer<float> xPart = DeviceBuffer<float>.FromPointer(_context, both.Pointer, d.InputLength);
        using DeviceBuffer<float> yPart = DeviceBuffer<float>.FromPointer(_context, both.Pointer + ((nint)d.InputLength - 1) * sizeof(float), d.OutputLength);
        Names("y", () => CudaOperations.Conv2dForward(d, xPart, w, null, yPart));
        float* hostY = (float*)NativeMemory.AllocZeroed((nuint)d.OutputLength * sizeof(float));
        try
        {
            using DeviceBuffer<float> h = DeviceBuffer<float>.FromPointer(_context, (nint)hostY, d.OutputLength);
            Names("y", () => CudaOperations.Conv2dForward(d, x, w, null, h));
            Names("dy", () => CudaOperations.Conv2dBackwardData(d, h, w, x));
            Names("dy", () => CudaOperations.Conv2dBackwardWeights(d, x, h, w));
        }
        finally
        {
            NativeMemory.Free(hostY);
        }
    }
}
