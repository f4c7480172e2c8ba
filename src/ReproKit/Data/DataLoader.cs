namespace ReproKit.Data;

/// <summary>
/// Train / validation / test parts of a data set: sample indices, each part in shuffled order.
/// </summary>
/// <param name="Train">Indices of the training samples.</param>
/// <param name="Validation">Indices of the validation samples.</param>
/// <param name="Test">Indices of the held-out test samples.</param>
public sealed record DatasetSplit(long[] Train, long[] Validation, long[] Test)
{
    /// <summary>
    /// The permutation subsequence the split uses: the last one, so that it never meets an epoch's (epochs use
    /// subsequences 0, 1, 2, ...).
    /// </summary>
    public const ulong SplitSubsequence = ulong.MaxValue;

    /// <summary>
    /// Splits [0, <paramref name="count"/>) by the permutation of (<paramref name="seed"/>,
    /// <see cref="SplitSubsequence"/>): with <c>order[j] = perm(j)</c>, the test part is the last
    /// <c>ceil(count * testFraction)</c> positions of the order, the validation part the
    /// <c>ceil(count * validationFraction)</c> before them, and the rest is the training part. A pure function of
    /// (count, fractions, seed): the same split on every machine and in every epoch.
    /// </summary>
    /// <param name="count">The number of samples.</param>
    /// <param name="validationFraction">The validation share, in [0, 1].</param>
    /// <param name="testFraction">The test share, in [0, 1]; the two shares leave at least one training sample.</param>
    /// <param name="seed">The seed.</param>
    public static DatasetSplit Create(long count, double validationFraction, double testFraction, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, (long)Array.MaxLength);
        if (!(validationFraction >= 0 && validationFraction <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(validationFraction), validationFraction, "The validation fraction must be in [0, 1].");
        }

        if (!(testFraction >= 0 && testFraction <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "The test fraction must be in [0, 1].");
        }

        long testCount = (long)Math.Ceiling(count * testFraction);
        long validationCount = (long)Math.Ceiling(count * validationFraction);
        long trainCount = count - testCount - validationCount;
        if (trainCount < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction,
                $"Validation {validationFraction} and test {testFraction} of {count} samples leave no training sample.");
        }

        long[] order = DataSplits.ShuffledIndices(count, seed, SplitSubsequence);
        return new DatasetSplit(order[..(int)trainCount], order[(int)trainCount..(int)(trainCount + validationCount)],
                                order[(int)(trainCount + validationCount)..]);
    }
}

/// <summary>
/// Mini-batches over a part of a data set in a shuffled order per epoch: epoch <c>e</c> visits the part's samples in
/// the order <c>samples[perm(j)]</c>, perm the <see cref="Permutation"/> of (part size, seed, subsequence e), and
/// batch <c>b</c> holds positions [b·B, min((b+1)·B, n)) of that order (the last batch may be short). Every batch is
/// computed directly from (seed, epoch, batch), so a run resumes at any batch without replaying the ones before it,
/// and the batches do not depend on the machine or the thread count.
/// </summary>
public sealed class DataLoader
{
    private readonly long[] samples;

    /// <summary>Creates a loader over some samples of a data set.</summary>
    /// <param name="data">The data set.</param>
    /// <param name="samples">The part to draw from (for example <see cref="DatasetSplit.Train"/>), each in [0, data.Count).</param>
    /// <param name="batchSize">Samples per batch, at least 1.</param>
    /// <param name="seed">The shuffle seed.</param>
    public DataLoader(LabeledDataset data, ReadOnlySpan<long> samples, int batchSize, ulong seed)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (samples.IsEmpty)
        {
            throw new ArgumentException("A loader needs at least one sample.", nameof(samples));
        }

        foreach (long s in samples)
        {
            if ((ulong)s >= (ulong)data.Count)
            {
                throw new ArgumentOutOfRangeException(nameof(samples), s, $"Sample {s} is not in the data set of {data.Count}.");
            }
        }

        Data = data;
        this.samples = samples.ToArray();
        BatchSize = batchSize;
        Seed = seed;
    }

    /// <summary>The data set.</summary>
    public LabeledDataset Data { get; }

    /// <summary>The number of samples an epoch visits.</summary>
    public int SampleCount => samples.Length;

    /// <summary>Samples per batch (the last batch of an epoch may have fewer).</summary>
    public int BatchSize { get; }

    /// <summary>The shuffle seed.</summary>
    public ulong Seed { get; }

    /// <summary>Batches per epoch: ceil(SampleCount / BatchSize).</summary>
    public int BatchesPerEpoch => (int)((samples.LongLength + BatchSize - 1) / BatchSize);

    /// <summary>The number of samples in batch <paramref name="batch"/>.</summary>
    /// <param name="batch">The batch, in [0, BatchesPerEpoch).</param>
    public int BatchLength(int batch)
    {
        CheckBatch(batch);
        return (int)Math.Min(BatchSize, samples.LongLength - (long)batch * BatchSize);
    }

    /// <summary>The data-set indices of batch <paramref name="batch"/> of epoch <paramref name="epoch"/>, in order.</summary>
    /// <param name="epoch">The epoch (the permutation's subsequence; must not be <see cref="DatasetSplit.SplitSubsequence"/>).</param>
    /// <param name="batch">The batch, in [0, BatchesPerEpoch).</param>
    public long[] BatchIndices(ulong epoch, int batch)
    {
        if (epoch == DatasetSplit.SplitSubsequence)
        {
            throw new ArgumentOutOfRangeException(nameof(epoch), epoch, "The last subsequence belongs to the split.");
        }

        int length = BatchLength(batch);
        var positions = new ulong[length];
        new Permutation((ulong)samples.LongLength, Seed, epoch).Fill(positions, (ulong)batch * (ulong)BatchSize);
        var indices = new long[length];
        for (int i = 0; i < length; i++)
        {
            indices[i] = samples[positions[i]];
        }

        return indices;
    }

    /// <summary>
    /// Copies batch <paramref name="batch"/> of epoch <paramref name="epoch"/> into <paramref name="features"/>
    /// (BatchLength · SampleLength values) and <paramref name="labels"/> (BatchLength values); returns BatchLength.
    /// </summary>
    /// <param name="epoch">The epoch.</param>
    /// <param name="batch">The batch, in [0, BatchesPerEpoch).</param>
    /// <param name="features">Receives the features; at least BatchLength · SampleLength long (only that prefix is written).</param>
    /// <param name="labels">Receives the labels; at least BatchLength long.</param>
    public int CopyBatch(ulong epoch, int batch, Span<float> features, Span<long> labels)
    {
        long[] indices = BatchIndices(epoch, batch);
        if (features.Length < (long)indices.Length * Data.SampleLength)
        {
            throw new ArgumentException($"'features' has {features.Length} elements; batch {batch} needs {(long)indices.Length * Data.SampleLength}.", nameof(features));
        }

        if (labels.Length < indices.Length)
        {
            throw new ArgumentException($"'labels' has {labels.Length} elements; batch {batch} needs {indices.Length}.", nameof(labels));
        }

        Data.CopyBatch(indices, features[..(indices.Length * Data.SampleLength)], labels[..indices.Length]);
        return indices.Length;
    }

    private void CheckBatch(int batch)
    {
        if (batch < 0 || batch >= BatchesPerEpoch)
        {
            throw new ArgumentOutOfRangeException(nameof(batch), batch, $"An epoch has batches 0 to {BatchesPerEpoch - 1}.");
        }
    }
}
