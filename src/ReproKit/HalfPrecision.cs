using System.Buffers;

namespace ReproKit;

/// <summary>
/// The float32 ↔ binary16 conversions of the Half entry points (docs/spec.md, "Half precision"): a float32 result is
/// rounded once to the nearest <see cref="Half"/>, ties to even (overflow to ±infinity, subnormals kept, NaN stays NaN) —
/// .NET's IEEE conversion, checked against an independent rounding in the tests; a Half is widened to float32 exactly.
/// </summary>
internal static class HalfPrecision
{
    /// <summary>Rounds each float to the nearest Half (ties to even).</summary>
    internal static void Narrow(ReadOnlySpan<float> source, Span<Half> destination)
    {
        for (int i = 0; i < source.Length; i++)
        {
            destination[i] = (Half)source[i];
        }
    }

    /// <summary>Widens each Half to float32 (exact).</summary>
    internal static void Widen(ReadOnlySpan<Half> source, Span<float> destination)
    {
        for (int i = 0; i < source.Length; i++)
        {
            destination[i] = (float)source[i];
        }
    }

    /// <summary>Runs <paramref name="fill"/> on a pooled float32 buffer of the destination's length, then narrows it into the destination.</summary>
    internal static void FillThroughSingle(Span<Half> destination, SpanAction fill)
    {
        float[] buffer = ArrayPool<float>.Shared.Rent(destination.Length);
        try
        {
            Span<float> values = buffer.AsSpan(0, destination.Length);
            fill(values);
            Narrow(values, destination);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    /// <summary>A fill of a float32 span.</summary>
    internal delegate void SpanAction(Span<float> values);
}

/// <content>The fills into <see cref="Half"/> spans: the float32 fill, each value then rounded to the nearest Half.</content>
public readonly partial record struct PhiloxStream
{
    /// <summary>
    /// <see cref="FillUniform(Span{float}, CpuContext?)"/> into Half: element <c>i</c> is the float32 element <c>i</c>
    /// rounded to the nearest Half, ties to even (values near 1 round to 1; a float32 scratch of the same length is pooled).
    /// </summary>
    /// <param name="destination">The span to fill.</param>
    /// <param name="context">The CPU context to run on; null for <see cref="CpuContext.Shared"/>.</param>
    public void FillUniform(Span<Half> destination, CpuContext? context = null)
    {
        PhiloxStream self = this;
        HalfPrecision.FillThroughSingle(destination, v => self.FillUniform(v, context));
    }

    /// <summary><see cref="FillUniform(Span{float}, float, float, CpuContext?)"/> into Half (float32 values rounded to the nearest Half, ties to even).</summary>
    /// <param name="destination">The span to fill.</param>
    /// <param name="low">Lower bound (finite).</param>
    /// <param name="high">Upper bound (finite, at least <paramref name="low"/>).</param>
    /// <param name="context">The CPU context to run on; null for <see cref="CpuContext.Shared"/>.</param>
    public void FillUniform(Span<Half> destination, float low, float high, CpuContext? context = null)
    {
        PhiloxStream self = this;
        HalfPrecision.FillThroughSingle(destination, v => self.FillUniform(v, low, high, context));
    }

    /// <summary><see cref="FillNormal(Span{float}, float, float, CpuContext?)"/> into Half (float32 values rounded to the nearest Half, ties to even).</summary>
    /// <param name="destination">The span to fill.</param>
    /// <param name="mean">Mean (finite).</param>
    /// <param name="standardDeviation">Standard deviation (finite, not negative).</param>
    /// <param name="context">The CPU context to run on; null for <see cref="CpuContext.Shared"/>.</param>
    public void FillNormal(Span<Half> destination, float mean = 0f, float standardDeviation = 1f, CpuContext? context = null)
    {
        PhiloxStream self = this;
        HalfPrecision.FillThroughSingle(destination, v => self.FillNormal(v, mean, standardDeviation, context));
    }

    /// <summary><see cref="FillTruncatedNormal(Span{float}, float, float, float, float, CpuContext?)"/> into Half (float32 values rounded to the nearest Half, ties to even).</summary>
    /// <param name="destination">The span to fill.</param>
    /// <param name="mean">Mean of the untruncated normal.</param>
    /// <param name="standardDeviation">Its standard deviation (positive).</param>
    /// <param name="a">Lower cut-off.</param>
    /// <param name="b">Upper cut-off, greater than <paramref name="a"/>.</param>
    /// <param name="context">The CPU context to run on; null for <see cref="CpuContext.Shared"/>.</param>
    public void FillTruncatedNormal(Span<Half> destination, float mean, float standardDeviation, float a, float b, CpuContext? context = null)
    {
        PhiloxStream self = this;
        HalfPrecision.FillThroughSingle(destination, v => self.FillTruncatedNormal(v, mean, standardDeviation, a, b, context));
    }
}

/// <content>The sampler over <see cref="Half"/> logits: each logit widened to float32 (exactly), then the float32 sampler.</content>
public static partial class Sampler
{
    /// <summary>
    /// <see cref="Sample(ReadOnlySpan{float}, int, int, ReadOnlySpan{SamplingParams}, ReadOnlySpan{PhiloxStream}, Span{int}, Span{float}, Span{float}, Span{int}, CpuContext?, int)"/>
    /// over Half logits: every Half is a float32, so the tokens and probabilities are those of the float32 sampler on the
    /// widened logits (a float32 copy of <paramref name="logits"/> is pooled for the call).
    /// </summary>
    /// <param name="logits">The logits, binary16.</param>
    /// <param name="batch">Number of rows.</param>
    /// <param name="vocabulary">Tokens per row, 1 to 2^21 - 1.</param>
    /// <param name="parameters">One entry per row.</param>
    /// <param name="streams">One stream per row.</param>
    /// <param name="tokens">Receives one token per row.</param>
    /// <param name="probabilities">Optional (empty to skip): each chosen token's processed probability.</param>
    /// <param name="logProbabilities">Optional (empty to skip): each chosen token's log-probability.</param>
    /// <param name="keptCounts">Optional (empty to skip): how many tokens the filters kept.</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    /// <param name="rowStride">Distance between rows in elements; 0 means <paramref name="vocabulary"/>.</param>
    public static void Sample(ReadOnlySpan<Half> logits, int batch, int vocabulary, ReadOnlySpan<SamplingParams> parameters,
        ReadOnlySpan<PhiloxStream> streams, Span<int> tokens, Span<float> probabilities = default, Span<float> logProbabilities = default,
        Span<int> keptCounts = default, CpuContext? context = null, int rowStride = 0)
    {
        float[] widened = ArrayPool<float>.Shared.Rent(logits.Length);
        try
        {
            HalfPrecision.Widen(logits, widened);
            Sample(widened.AsSpan(0, logits.Length), batch, vocabulary, parameters, streams, tokens, probabilities, logProbabilities, keptCounts,
                context, rowStride);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(widened);
        }
    }

    /// <summary>Samples one row of Half logits (widened to float32 exactly, then <see cref="SampleOne(ReadOnlySpan{float}, SamplingParams, PhiloxStream, CpuContext?)"/>).</summary>
    /// <param name="logits">The row's logits (1 to 2^21 - 1 of them).</param>
    /// <param name="parameters">Its parameters.</param>
    /// <param name="stream">Its stream (words offset and offset + 1 are read).</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    public static SampledToken SampleOne(ReadOnlySpan<Half> logits, SamplingParams parameters, PhiloxStream stream, CpuContext? context = null)
    {
        float[] widened = ArrayPool<float>.Shared.Rent(logits.Length);
        try
        {
            HalfPrecision.Widen(logits, widened);
            return SampleOne(widened.AsSpan(0, logits.Length), parameters, stream, context);
        }
        finally
        {
            ArrayPool<float>.Shared.Return(widened);
        }
    }
}
