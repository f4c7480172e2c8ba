using System.Runtime.InteropServices;
using ReproKit.Interop;

namespace ReproKit;

/// <summary>
/// Parameters of one row's token sampling, applied in Hugging Face's order: temperature, then top-k, then top-p, then
/// min-p. The defaults leave every filter off (<c>T = 1, top_k = 0, top_p = 1, min_p = 0</c>): plain sampling from
/// <c>softmax(logits)</c>.
/// </summary>
/// <param name="Temperature">T &gt;= 0; 0 is greedy (the first index of the largest logit). Default 1.</param>
/// <param name="TopK">Keep the k largest logits (ties at the k-th kept); 0 is off, 1 is greedy. Default 0.</param>
/// <param name="TopP">Nucleus: keep the smallest prefix by weight whose mass reaches top_p, in (0, 1]. Default 1 (off).</param>
/// <param name="MinP">Keep tokens with probability at least min_p times the largest, in [0, 1). Default 0 (off).</param>
public sealed record SamplingParams(float Temperature = 1f, int TopK = 0, double TopP = 1.0, double MinP = 0.0)
{
    /// <summary>Greedy decoding: the first index of the largest logit.</summary>
    public static SamplingParams Greedy { get; } = new(Temperature: 0f);

    internal RkSamplingParams ToNative() => new() { Temperature = Temperature, TopK = TopK, TopP = TopP, MinP = MinP };
}

/// <summary>One row's sampling result: the token, its processed probability and log-probability, and how many tokens the filters kept.</summary>
/// <param name="Token">The chosen token.</param>
/// <param name="Probability">Its probability after the filters.</param>
/// <param name="LogProbability">Its log-probability after the filters.</param>
/// <param name="KeptCount">How many tokens the filters kept.</param>
public readonly record struct SampledToken(int Token, float Probability, float LogProbability, int KeptCount);

/// <summary>
/// Token sampling whose result for (logits, parameters, stream) does not depend on the batch, the row's position in it,
/// the other rows, the ISA, the thread count or the device (docs/sampling.md). Each row consumes two words of its
/// stream; give each request its own stream and advance its offset by 2 per step (<see cref="GenerationStreams"/>).
/// </summary>
public static partial class Sampler
{
    /// <summary>
    /// The largest vocabulary size, 2^21 - 1: a row holds 1 to 2^21 - 1 logits (the C API's <c>1 &lt;= vocab &lt; 2^21</c>;
    /// the core's <c>kSampleMaxVocab</c> = 2^21 is the exclusive bound, so that a row's integer weights, each at most 2^43,
    /// sum to less than 2^64).
    /// </summary>
    public const int MaxVocabulary = (1 << 21) - 1;

    /// <summary>Samples one token per row of <paramref name="logits"/> (<paramref name="batch"/> rows, row r at <c>r * rowStride</c>).</summary>
    /// <param name="logits">The logits, float32.</param>
    /// <param name="batch">Number of rows.</param>
    /// <param name="vocabulary">Tokens per row, 1 to 2^21 - 1.</param>
    /// <param name="parameters">One entry per row.</param>
    /// <param name="streams">One stream per row (each row reads words offset and offset + 1).</param>
    /// <param name="tokens">Receives one token per row.</param>
    /// <param name="probabilities">Optional (empty to skip): each chosen token's processed probability.</param>
    /// <param name="logProbabilities">Optional (empty to skip): each chosen token's log-probability.</param>
    /// <param name="keptCounts">Optional (empty to skip): how many tokens the filters kept.</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    /// <param name="rowStride">Distance between rows in elements; 0 means <paramref name="vocabulary"/>.</param>
    /// <exception cref="ArgumentException">A length is wrong, a parameter is out of range, or a row holds NaN / +Inf / no finite logit (the message names the row).</exception>
    public static void Sample(ReadOnlySpan<float> logits, int batch, int vocabulary, ReadOnlySpan<SamplingParams> parameters,
        ReadOnlySpan<PhiloxStream> streams, Span<int> tokens, Span<float> probabilities = default, Span<float> logProbabilities = default,
        Span<int> keptCounts = default, CpuContext? context = null, int rowStride = 0) =>
        SampleRows(logits, batch, vocabulary, parameters, streams, tokens, probabilities, logProbabilities, keptCounts, context, rowStride,
            nameof(vocabulary), nameof(streams));

    /// <summary>Samples one row.</summary>
    /// <param name="logits">The row's logits (1 to 2^21 - 1 of them).</param>
    /// <param name="parameters">Its parameters.</param>
    /// <param name="stream">Its stream (words offset and offset + 1 are read).</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    /// <exception cref="ArgumentException">The row is empty or too long, a parameter is out of range, or the row holds NaN / +Inf / no finite logit.</exception>
    public static SampledToken SampleOne(ReadOnlySpan<float> logits, SamplingParams parameters, PhiloxStream stream, CpuContext? context = null)
    {
        Span<int> token = stackalloc int[1];
        Span<float> prob = stackalloc float[1];
        Span<float> logprob = stackalloc float[1];
        Span<int> kept = stackalloc int[1];
        // The vocabulary is the row's length, and the one stream is the parameter 'stream'.
        SampleRows(logits, 1, logits.Length, [parameters], [stream], token, prob, logprob, kept, context, 0, nameof(logits), nameof(stream));
        return new SampledToken(token[0], prob[0], logprob[0], kept[0]);
    }

    // Sample, with the names under which the public method took the vocabulary and the streams (SampleOne has neither).
    private static unsafe void SampleRows(ReadOnlySpan<float> logits, int batch, int vocabulary, ReadOnlySpan<SamplingParams> parameters,
        ReadOnlySpan<PhiloxStream> streams, Span<int> tokens, Span<float> probabilities, Span<float> logProbabilities,
        Span<int> keptCounts, CpuContext? context, int rowStride, string vocabularyName, string streamsName)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        if (rowStride == 0)
        {
            rowStride = vocabulary;
        }

        // The length of the logits only means something for a valid vocabulary and stride; the native checks report
        // those (below), before they read any logit.
        bool shapeValid = vocabulary is >= 1 and <= MaxVocabulary && rowStride >= vocabulary;
        if (shapeValid && batch > 0 && (long)(batch - 1) * rowStride + vocabulary > logits.Length)
        {
            throw new ArgumentException($"{batch} rows of {vocabulary} logits with stride {rowStride} need {(long)(batch - 1) * rowStride + vocabulary} elements; the span has {logits.Length}.", nameof(logits));
        }

        ArgumentChecks.Length(parameters.Length, batch, nameof(parameters), OnePerRow);
        ArgumentChecks.Length(streams.Length, batch, streamsName, OnePerRow);
        ArgumentChecks.Length(tokens.Length, batch, nameof(tokens), OnePerRow);
        ArgumentChecks.OptionalLength(probabilities.Length, batch, nameof(probabilities), OnePerRow);
        ArgumentChecks.OptionalLength(logProbabilities.Length, batch, nameof(logProbabilities), OnePerRow);
        ArgumentChecks.OptionalLength(keptCounts.Length, batch, nameof(keptCounts), OnePerRow);
        CheckNoOverlap(logits, streams, tokens, probabilities, logProbabilities, keptCounts);

        // Small batches use the stack; no managed allocation per call up to 64 rows.
        Span<RkSamplingParams> nativeParams = batch <= 64 ? stackalloc RkSamplingParams[batch] : new RkSamplingParams[batch];
        for (int r = 0; r < batch; r++)
        {
            nativeParams[r] = (parameters[r] ?? throw new ArgumentNullException(nameof(parameters), $"parameters[{r}] is null.")).ToNative();
        }

        ReadOnlySpan<RkPhiloxStream> nativeStreams = MemoryMarshal.Cast<PhiloxStream, RkPhiloxStream>(streams);
        using ContextLease lease = (context ?? CpuContext.Shared).Lease();
        fixed (float* l = logits)
        fixed (RkSamplingParams* p = nativeParams)
        fixed (RkPhiloxStream* s = nativeStreams)
        fixed (int* t = tokens)
        fixed (float* pr = probabilities)
        fixed (float* lp = logProbabilities)
        fixed (int* kc = keptCounts)
        {
            // rk_sample's argument names, outputs first (see NativeErrors). Row errors name "params[R]..." or
            // "logits[R][I]"; the others ("no finite logit") fall back to logits.
            NativeErrors.Check(NativeMethods.rk_sample(lease.Raw, l, batch, vocabulary, rowStride, p, s, t, pr, lp, kc), nameof(logits),
                ("tokens", nameof(tokens)), ("probs", nameof(probabilities)), ("logprobs", nameof(logProbabilities)),
                ("kept_counts", nameof(keptCounts)), ("params", nameof(parameters)), ("streams", streamsName), ("logits", nameof(logits)),
                ("vocab", vocabularyName), ("row_stride", nameof(rowStride)), ("batch", nameof(batch)));
        }
    }

    // The rows run in parallel, so an output that overlaps an input or another output would be a data race (and
    // results would depend on the thread schedule). Spans of different element types are compared as bytes.
    private static void CheckNoOverlap(ReadOnlySpan<float> logits, ReadOnlySpan<PhiloxStream> streams, Span<int> tokens,
        Span<float> probabilities, Span<float> logProbabilities, Span<int> keptCounts)
    {
        ReadOnlySpan<byte> bl = MemoryMarshal.AsBytes(logits), bs = MemoryMarshal.AsBytes(streams);
        ReadOnlySpan<byte> bt = MemoryMarshal.AsBytes(tokens), bp = MemoryMarshal.AsBytes(probabilities);
        ReadOnlySpan<byte> blp = MemoryMarshal.AsBytes(logProbabilities), bk = MemoryMarshal.AsBytes(keptCounts);
        Check(bt, nameof(tokens), bl, nameof(logits));
        Check(bt, nameof(tokens), bs, nameof(streams));
        Check(bp, nameof(probabilities), bl, nameof(logits));
        Check(bp, nameof(probabilities), bs, nameof(streams));
        Check(bp, nameof(probabilities), bt, nameof(tokens));
        Check(blp, nameof(logProbabilities), bl, nameof(logits));
        Check(blp, nameof(logProbabilities), bs, nameof(streams));
        Check(blp, nameof(logProbabilities), bt, nameof(tokens));
        Check(blp, nameof(logProbabilities), bp, nameof(probabilities));
        Check(bk, nameof(keptCounts), bl, nameof(logits));
        Check(bk, nameof(keptCounts), bs, nameof(streams));
        Check(bk, nameof(keptCounts), bt, nameof(tokens));
        Check(bk, nameof(keptCounts), bp, nameof(probabilities));
        Check(bk, nameof(keptCounts), blp, nameof(logProbabilities));

        static void Check(ReadOnlySpan<byte> output, string outputName, ReadOnlySpan<byte> other, string otherName)
        {
            if (!output.IsEmpty && !other.IsEmpty && output.Overlaps(other))
            {
                throw new ArgumentException($"'{outputName}' overlaps '{otherName}'; outputs must not share memory with the inputs or with each other.", outputName);
            }
        }
    }

    // Where the per-row arguments' length comes from, for the messages of ArgumentChecks.
    internal const string OnePerRow = "one per row of the batch";
}

/// <summary>
/// Per-request streams for a generation loop, keyed by (seed, request, sample index, step): sample <c>i</c> of request
/// <c>r</c> at step <c>t</c> reads words <c>i · 2^32 + 2t</c> and <c>i · 2^32 + 2t + 1</c> of subsequence <c>r</c> (the request
/// id). A request's tokens therefore depend only on its own id, sample index, logits and step — not on which other
/// requests share its batch, when it joined, or how many sibling samples run beside it — and the n samples of one prompt
/// (n &gt; 1, same seed) read disjoint words, so they differ, while sample 0 is the single-sample stream
/// <c>(seed, r, 2t)</c>. Steps are below 2^31 per sample (the regions of two samples never overlap). Thread-safe.
/// </summary>
public sealed class GenerationStreams
{
    /// <summary>Steps per sample: the words of sample <c>i</c> start at <c>i · 2^32</c>.</summary>
    public const ulong MaxSteps = 1UL << 31;

    private readonly Dictionary<(ulong Request, uint Sample), ulong> _steps = [];

    /// <summary>Creates the streams of one seed.</summary>
    /// <param name="seed">The generation seed.</param>
    public GenerationStreams(ulong seed) => Seed = seed;

    /// <summary>The seed.</summary>
    public ulong Seed { get; }

    /// <summary>
    /// The stream of sample <paramref name="sampleIndex"/> of <paramref name="requestId"/> at <paramref name="step"/>:
    /// <c>(seed, requestId, sampleIndex · 2^32 + 2 · step)</c>.
    /// </summary>
    /// <param name="requestId">The request's id (its subsequence).</param>
    /// <param name="step">The step (tokens generated so far for this sample); below <see cref="MaxSteps"/>.</param>
    /// <param name="sampleIndex">Which of the request's parallel samples (0 for a single one).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="step"/> is <see cref="MaxSteps"/> or more.</exception>
    public PhiloxStream StreamFor(ulong requestId, ulong step, uint sampleIndex = 0)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(step, MaxSteps);
        return new(Seed, requestId, ((ulong)sampleIndex << 32) + 2 * step);
    }

    /// <summary>The streams of the requests in a batch (sample 0 of each) at their current steps, then advances each by one step.</summary>
    /// <param name="requestIds">The batch's request ids in row order.</param>
    /// <param name="destination">Receives one stream per request.</param>
    public void NextStep(ReadOnlySpan<ulong> requestIds, Span<PhiloxStream> destination) => NextStep(requestIds, [], destination);

    /// <summary>
    /// The streams of the rows of a batch, each a (request, sample index) pair, at their current steps, then advances each
    /// by one step: the n parallel samples of one request are n rows with the same id and sample indices 0 .. n-1.
    /// </summary>
    /// <param name="requestIds">The batch's request ids in row order.</param>
    /// <param name="sampleIndices">Each row's sample index (empty: 0 for every row).</param>
    /// <param name="destination">Receives one stream per row.</param>
    /// <exception cref="ArgumentException">The lengths differ, or a (request, sample) pair appears twice in the batch.</exception>
    public void NextStep(ReadOnlySpan<ulong> requestIds, ReadOnlySpan<uint> sampleIndices, Span<PhiloxStream> destination)
    {
        ArgumentChecks.Length(destination.Length, requestIds.Length, nameof(destination), "one per request");
        if (!sampleIndices.IsEmpty)
        {
            ArgumentChecks.Length(sampleIndices.Length, requestIds.Length, nameof(sampleIndices), "one per request");
        }

        lock (_steps)
        {
            var seen = new HashSet<(ulong, uint)>();
            for (int i = 0; i < requestIds.Length; i++)
            {
                var key = (requestIds[i], sampleIndices.IsEmpty ? 0u : sampleIndices[i]);
                if (!seen.Add(key))
                {
                    throw new ArgumentException($"row {i}: request {key.Item1} sample {key.Item2} appears twice in the batch (two rows would read the same words).", nameof(requestIds));
                }

                _steps.TryGetValue(key, out ulong step);
                ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(step, MaxSteps, nameof(requestIds));
            }

            for (int i = 0; i < requestIds.Length; i++)
            {
                var key = (requestIds[i], sampleIndices.IsEmpty ? 0u : sampleIndices[i]);
                _steps.TryGetValue(key, out ulong step);
                destination[i] = StreamFor(key.Item1, step, key.Item2);
                _steps[key] = step + 1;
            }
        }
    }

    /// <summary>Steps taken so far by sample <paramref name="sampleIndex"/> of <paramref name="requestId"/>.</summary>
    /// <param name="requestId">The request.</param>
    /// <param name="sampleIndex">The sample (0 for a single one).</param>
    public ulong StepOf(ulong requestId, uint sampleIndex = 0)
    {
        lock (_steps)
        {
            return _steps.TryGetValue((requestId, sampleIndex), out ulong s) ? s : 0;
        }
    }

    /// <summary>Forgets a finished request (all its samples).</summary>
    /// <param name="requestId">The request.</param>
    public void Remove(ulong requestId)
    {
        lock (_steps)
        {
            foreach (var key in _steps.Keys.Where(k => k.Request == requestId).ToList())
            {
                _steps.Remove(key);
            }
        }
    }
}
