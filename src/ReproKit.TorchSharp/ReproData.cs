using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace ReproKit.TorchSharp;

/// <summary>
/// Shuffles and splits as int64 index tensors (CPU), from ReproKit's random-access permutation of (seed, epoch): the same
/// indices as <see cref="DataSplits"/> on every machine. Index a data tensor with them (<c>data.index_select(0, order)</c>)
/// or take batches as slices of them.
/// </summary>
public static class ReproData
{
    /// <summary>The shuffled order of [0, count) for an epoch, <c>order[j] = perm(j)</c>, written straight into the tensor.</summary>
    /// <param name="count">Elements, 0 to 2^31 − 1.</param>
    /// <param name="seed">The seed.</param>
    /// <param name="epoch">The epoch (the permutation's subsequence).</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    public static Tensor ShuffledIndices(long count, ulong seed, ulong epoch = 0, CpuContext? context = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(count, (long)Array.MaxLength);
        Tensor order = torch.empty(count, ScalarType.Int64);
        if (count > 0)
        {
            new Permutation((ulong)count, seed, epoch).Fill(MemoryMarshal.Cast<long, ulong>(TensorAccess.Int64(order, nameof(order))), context: context);
        }

        return order;
    }

    /// <summary>Train and test indices as <see cref="DataSplits.TrainTestSplit"/> gives them.</summary>
    /// <param name="count">Elements.</param>
    /// <param name="testFraction">The test share, in [0, 1]: the last <c>ceil(count · testFraction)</c> positions of the shuffled order.</param>
    /// <param name="seed">The seed.</param>
    /// <param name="epoch">The permutation's subsequence.</param>
    public static (Tensor Train, Tensor Test) TrainTestSplit(long count, double testFraction, ulong seed, ulong epoch = 0)
    {
        (long[] train, long[] test) = DataSplits.TrainTestSplit(count, testFraction, seed, epoch);
        return (torch.tensor(train), torch.tensor(test));
    }

    /// <summary>K-fold splits as <see cref="DataSplits.KFold"/> gives them, as index tensors.</summary>
    /// <param name="count">Elements, at least <paramref name="folds"/>.</param>
    /// <param name="folds">Folds, at least 2.</param>
    /// <param name="seed">The seed.</param>
    /// <param name="epoch">The permutation's subsequence.</param>
    public static IReadOnlyList<(Tensor Train, Tensor Validation)> KFold(long count, int folds, ulong seed, ulong epoch = 0) =>
        [.. DataSplits.KFold(count, folds, seed, epoch).Select(f => (torch.tensor(f.Train), torch.tensor(f.Validation)))];
}
