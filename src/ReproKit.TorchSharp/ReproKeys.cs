namespace ReproKit.TorchSharp;

/// <summary>
/// The stream keys of ReproKit's own training (<c>ReproKit.Training</c>, docs/training-run.md), so that a TorchSharp model
/// can draw exactly the same initialization and dropout masks: each parameter of layer <c>l</c> from
/// <c>(seed, 2^62 + 16·l + parameter)</c>, the dropout mask of step <c>s</c> in layer <c>l</c> from
/// <c>(seed, 64·s + l)</c>. The layer index is the layer's position in the model (ReLU, pooling and flatten count).
/// </summary>
public static class ReproKeys
{
    /// <summary>Subsequences at and above this are initialization streams; dropout uses the ones below.</summary>
    public const ulong InitSubsequence = 1UL << 62;

    /// <summary>Dropout masks of consecutive steps are this many subsequences apart (at most 64 layers per model).</summary>
    public const ulong StepStride = 64;

    /// <summary>
    /// The initialization stream of layer <paramref name="layer"/>: its weight draws from this stream, its bias from
    /// <c>stream.SkipSubsequences(1)</c> (the Repro modules do so).
    /// </summary>
    /// <param name="seed">The run's seed.</param>
    /// <param name="layer">The layer's index in the model, 0 to 2^58.</param>
    public static PhiloxStream Init(ulong seed, int layer)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(layer);
        return new PhiloxStream(seed, InitSubsequence + (ulong)layer * 16);
    }

    /// <summary>The dropout mask stream of step <paramref name="step"/> in layer <paramref name="layer"/>.</summary>
    /// <param name="seed">The run's seed.</param>
    /// <param name="step">The optimizer step (0-based), at least 0.</param>
    /// <param name="layer">The layer's index in the model, 0 to 63.</param>
    public static PhiloxStream Dropout(ulong seed, long step, int layer)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        ArgumentOutOfRangeException.ThrowIfNegative(layer);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual((ulong)layer, StepStride, nameof(layer));
        return new PhiloxStream(seed, (ulong)step * StepStride + (ulong)layer);
    }
}
