using TorchSharp;
using static TorchSharp.torch;

namespace ReproKit.TorchSharp;

/// <summary>One token per row of a <c>[B, V]</c> logits tensor, with each chosen token's processed probability and log-probability.</summary>
/// <param name="Tokens">int64 <c>[B]</c>.</param>
/// <param name="Probabilities">float32 <c>[B]</c>: each token's probability after temperature, top-k, top-p and min-p.</param>
/// <param name="LogProbabilities">float32 <c>[B]</c>: its log-probability.</param>
public sealed record SampledTokens(Tensor Tokens, Tensor Probabilities, Tensor LogProbabilities);

/// <summary>
/// ReproKit's token sampler over a TorchSharp logits tensor: row r's token depends only on its logits, its parameters and
/// its stream (docs/sampling.md), never on the batch, the other rows or the machine. The logits are read in place: a
/// float32 CPU tensor <c>[B, V]</c>, contiguous.
/// </summary>
public static class ReproSampler
{
    /// <summary>Samples one token per row with the same parameters for every row.</summary>
    /// <param name="logits">float32 <c>[B, V]</c>, contiguous, on the CPU or a CUDA device (the results are then on that device).</param>
    /// <param name="parameters">Temperature, top-k, top-p and min-p.</param>
    /// <param name="streams">One stream per row (each row reads words offset and offset + 1; see <see cref="GenerationStreams"/>).</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    public static SampledTokens Sample(Tensor logits, SamplingParams parameters, ReadOnlySpan<PhiloxStream> streams, CpuContext? context = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        var all = new SamplingParams[streams.Length];
        Array.Fill(all, parameters);
        return Sample(logits, all, streams, context);
    }

    /// <summary>Samples one token per row, each row with its own parameters and stream.</summary>
    /// <param name="logits">float32 <c>[B, V]</c>, contiguous, on the CPU or a CUDA device (the results are then on that device).</param>
    /// <param name="parameters">One entry per row.</param>
    /// <param name="streams">One stream per row.</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    /// <exception cref="ArgumentException">A tensor of the wrong dtype, device, shape or layout; a count that does not match
    /// the rows; or a row holding NaN, +Inf or no finite logit (the message names the row).</exception>
    public static SampledTokens Sample(Tensor logits, ReadOnlySpan<SamplingParams> parameters, ReadOnlySpan<PhiloxStream> streams,
        CpuContext? context = null)
    {
        if (CudaTensors.IsCuda(logits))
        {
            return SampleOnDevice(logits, parameters, streams);
        }

        TensorAccess.CheckCpu(logits, nameof(logits));
        TensorAccess.CheckDimensions(logits, 2, nameof(logits), "[B, V]");
        Span<float> data = TensorAccess.Float32(logits, nameof(logits));
        int batch = TensorAccess.ToInt(logits.shape[0], nameof(logits), "the batch");
        int vocabulary = TensorAccess.ToInt(logits.shape[1], nameof(logits), "the vocabulary");
        var tokens = new int[batch];
        Tensor probabilities = torch.empty(batch, ScalarType.Float32);
        Tensor logProbabilities = torch.empty(batch, ScalarType.Float32);
        try
        {
            Sampler.Sample(data, batch, vocabulary, parameters, streams, tokens, TensorAccess.Float32(probabilities, nameof(probabilities)),
                TensorAccess.Float32(logProbabilities, nameof(logProbabilities)), context: context);
        }
        catch
        {
            probabilities.Dispose();
            logProbabilities.Dispose();
            throw;
        }

        GC.KeepAlive(logits);
        return new SampledTokens(torch.tensor(tokens.Select(t => (long)t).ToArray()), probabilities, logProbabilities);
    }

    // A CUDA [B, V] tensor: the tokens, probabilities and log-probabilities are tensors on its device, written by the
    // CUDA sampler (the same bits as the CPU's).
    private static SampledTokens SampleOnDevice(Tensor logits, ReadOnlySpan<SamplingParams> parameters, ReadOnlySpan<PhiloxStream> streams)
    {
        TensorAccess.CheckDimensions(logits, 2, nameof(logits), "[B, V]");
        int batch = TensorAccess.ToInt(logits.shape[0], nameof(logits), "the batch");
        int vocabulary = TensorAccess.ToInt(logits.shape[1], nameof(logits), "the vocabulary");
        Tensor tokens = torch.empty(batch, ScalarType.Int32, logits.device);
        Tensor probabilities = torch.empty(batch, ScalarType.Float32, logits.device);
        Tensor logProbabilities = torch.empty(batch, ScalarType.Float32, logits.device);
        try
        {
            using DeviceBuffer<float> l = CudaTensors.Float32(logits, nameof(logits));
            using DeviceBuffer<int> t = CudaTensors.Int32(tokens, nameof(tokens));
            using DeviceBuffer<float> p = CudaTensors.Float32(probabilities, nameof(probabilities));
            using DeviceBuffer<float> lp = CudaTensors.Float32(logProbabilities, nameof(logProbabilities));
            CudaOperations.Sample(l, batch, vocabulary, parameters, streams, t, p, lp);
            Tensor tokens64 = tokens.to(ScalarType.Int64);
            tokens.Dispose();
            return new SampledTokens(tokens64, probabilities, logProbabilities);
        }
        catch
        {
            tokens.Dispose();
            probabilities.Dispose();
            logProbabilities.Dispose();
            throw;
        }
    }
}
