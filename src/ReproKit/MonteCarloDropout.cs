namespace ReproKit;

/// <summary>
/// Monte Carlo dropout (Gal and Ghahramani, 2016): run a model N times with dropout active and summarise the outputs,
/// for an uncertainty estimate. Sample <c>s</c> uses the stream <c>baseStream.SkipSubsequences(s)</c> (one
/// subsequence per sample), so every sample, and so the estimate, is reproducible on any machine and independent of
/// how many samples run in parallel elsewhere.
/// </summary>
/// <example>
/// <code>
/// var mean = new float[10];
/// var variance = new float[10];
/// MonteCarloDropout.Estimate(samples: 30, new PhiloxStream(Seed: 7), mean, variance, (sample, stream, output) =&gt;
/// {
///     // hidden = relu(W1 x); dropout with p = 0.5 on the hidden layer; output = W2 hidden
///     ComputeHidden(hidden);
///     Dropout.ForwardInPlace(hidden, 0.5, stream);   // a second dropout layer would use stream.Advance(hidden.Length)
///     ComputeOutput(hidden, output);
/// });
/// </code>
/// </example>
public static class MonteCarloDropout
{
    /// <summary>One stochastic pass: write the model's output for this sample's stream.</summary>
    /// <param name="sample">The sample number.</param>
    /// <param name="stream">The sample's stream: use it (and advanced copies of it, one range per dropout layer) for every dropout.</param>
    /// <param name="output">Receives the model's output.</param>
    public delegate void Pass(int sample, PhiloxStream stream, Span<float> output);

    /// <summary>The stream of sample <paramref name="sample"/>: <paramref name="baseStream"/> moved <paramref name="sample"/> subsequences on.</summary>
    /// <param name="baseStream">The estimate's base stream.</param>
    /// <param name="sample">The sample number.</param>
    public static PhiloxStream SampleStream(PhiloxStream baseStream, int sample)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(sample);
        return baseStream.SkipSubsequences((ulong)sample);
    }

    /// <summary>
    /// Runs <paramref name="samples"/> passes in sample order and writes the per-output mean and unbiased variance
    /// (accumulated in float64 with Welford's update in sample order, then rounded to float32).
    /// </summary>
    /// <param name="samples">Number of passes, at least 2.</param>
    /// <param name="baseStream">The base stream.</param>
    /// <param name="mean">Receives the mean of each output.</param>
    /// <param name="variance">Receives the unbiased sample variance of each output; as long as <paramref name="mean"/>.</param>
    /// <param name="pass">The model with dropout active.</param>
    public static void Estimate(int samples, PhiloxStream baseStream, Span<float> mean, Span<float> variance, Pass pass)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(samples, 2);
        ArgumentNullException.ThrowIfNull(pass);
        ArgumentChecks.Length(variance.Length, mean.Length, nameof(variance), "as many as 'mean'");

        var output = new float[mean.Length];
        var m = new double[mean.Length];
        var m2 = new double[mean.Length];
        for (int s = 0; s < samples; s++)
        {
            Array.Clear(output);
            pass(s, SampleStream(baseStream, s), output);
            for (int i = 0; i < output.Length; i++)
            {
                double delta = output[i] - m[i];
                m[i] += delta / (s + 1);
                m2[i] += delta * (output[i] - m[i]);
            }
        }

        for (int i = 0; i < mean.Length; i++)
        {
            mean[i] = (float)m[i];
            variance[i] = (float)(m2[i] / (samples - 1));
        }
    }
}
