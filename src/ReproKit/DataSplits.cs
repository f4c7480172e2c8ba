namespace ReproKit;

/// <summary>One fold of a k-fold split: the indices to train on and the indices to validate on.</summary>
/// <param name="Fold">The fold number, 0 to k - 1.</param>
/// <param name="Train">Indices of the training part, in shuffled order.</param>
/// <param name="Validation">Indices of the validation part, in shuffled order.</param>
public sealed record FoldSplit(int Fold, long[] Train, long[] Validation);

/// <summary>
/// Shuffles and dataset splits from (seed, epoch), built on <see cref="Permutation"/>: the shuffled order is
/// <c>order[j] = perm(j)</c>, so every split is a pure function of (N, seed, epoch) and identical on every machine.
/// </summary>
public static class DataSplits
{
    /// <summary>The shuffled order of [0, <paramref name="count"/>) for an epoch: <c>order[j] = perm(j)</c>.</summary>
    /// <param name="count">Number of elements (at most 2^31 - 1 here; use <see cref="Permutation"/> directly beyond that).</param>
    /// <param name="seed">The seed.</param>
    /// <param name="epoch">The epoch (the permutation's subsequence): each epoch gets an independent order.</param>
    public static long[] ShuffledIndices(long count, ulong seed, ulong epoch = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, (long)Array.MaxLength);
        var order = new long[count];
        if (count > 0)
        {
            new Permutation((ulong)count, seed, epoch).Fill(System.Runtime.InteropServices.MemoryMarshal.Cast<long, ulong>(order.AsSpan()));
        }

        return order;
    }

    /// <summary>Writes <c>source[perm(j)]</c> to <c>destination[j]</c>.</summary>
    /// <typeparam name="T">Element type.</typeparam>
    /// <param name="source">The data.</param>
    /// <param name="destination">Receives the shuffled data; the same length as <paramref name="source"/>, not overlapping it.</param>
    /// <param name="seed">The seed.</param>
    /// <param name="epoch">The epoch.</param>
    public static void Shuffle<T>(ReadOnlySpan<T> source, Span<T> destination, ulong seed, ulong epoch = 0)
    {
        ArgumentChecks.Length(destination.Length, source.Length, nameof(destination), "as many as 'source'");

        if (source.Overlaps(destination))
        {
            throw new ArgumentException("The destination overlaps the source.", nameof(destination));
        }

        long[] order = ShuffledIndices(source.Length, seed, epoch);
        for (int j = 0; j < order.Length; j++)
        {
            destination[j] = source[(int)order[j]];
        }
    }

    /// <summary>
    /// Splits [0, <paramref name="count"/>) into train and test indices: the first <c>count - testCount</c> positions
    /// of the shuffled order are train, the rest test, with <c>testCount = ceil(count * testFraction)</c>
    /// (computed exactly in decimal-free double arithmetic: <c>(long)Math.Ceiling(count * testFraction)</c>).
    /// </summary>
    /// <param name="count">Number of elements.</param>
    /// <param name="testFraction">Fraction for the test part, in [0, 1].</param>
    /// <param name="seed">The seed.</param>
    /// <param name="epoch">The permutation's subsequence (use a fixed one so the split stays the same across epochs).</param>
    public static (long[] Train, long[] Test) TrainTestSplit(long count, double testFraction, ulong seed, ulong epoch = 0)
    {
        if (!(testFraction >= 0 && testFraction <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "The test fraction must be in [0, 1].");
        }

        long[] order = ShuffledIndices(count, seed, epoch);
        long testCount = Math.Min(count, (long)Math.Ceiling(count * testFraction));
        long trainCount = count - testCount;
        return (order[..(int)trainCount], order[(int)trainCount..]);
    }

    /// <summary>
    /// K-fold cross-validation splits: fold <c>f</c> validates on positions [<c>f * N / k</c>, <c>(f + 1) * N / k</c>)
    /// of the shuffled order (integer division) and trains on the others.
    /// </summary>
    /// <param name="count">Number of elements, at least <paramref name="folds"/>.</param>
    /// <param name="folds">Number of folds k, at least 2.</param>
    /// <param name="seed">The seed.</param>
    /// <param name="epoch">The permutation's subsequence.</param>
    public static IReadOnlyList<FoldSplit> KFold(long count, int folds, ulong seed, ulong epoch = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(folds, 2);
        if (count < folds)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, $"K-fold with {folds} folds needs at least {folds} elements.");
        }

        long[] order = ShuffledIndices(count, seed, epoch);
        var result = new FoldSplit[folds];
        for (int f = 0; f < folds; f++)
        {
            int begin = (int)(f * count / folds);
            int end = (int)((f + 1) * count / folds);
            result[f] = new FoldSplit(f, [.. order[..begin], .. order[end..]], order[begin..end]);
        }

        return result;
    }
}
