using ReproKit.Interop;

namespace ReproKit;

/// <summary>
/// A random-access permutation of [0, N) for N up to 2^63, keyed by (seed, subsequence): <see cref="Apply"/> and
/// <see cref="Invert"/> cost O(1) (expected) each and need no memory, so a data loader can shuffle a huge dataset
/// and find the position of any element without materialising the order. The definition (a keyed Feistel network
/// with cycle walking) is in docs/permutation.md; it is the same on every backend.
/// </summary>
public sealed class Permutation
{
    /// <summary>Largest supported size, 2^63.</summary>
    public const ulong MaxCount = 1UL << 63;

    /// <summary>Creates the permutation of [0, <paramref name="count"/>) for a seed and subsequence (for example, an epoch).</summary>
    /// <param name="count">Number of elements, 1 to 2^63.</param>
    /// <param name="seed">Key of the permutation.</param>
    /// <param name="subsequence">Second key word: distinct subsequences give independent permutations.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is 0 or above 2^63.</exception>
    public Permutation(ulong count, ulong seed, ulong subsequence = 0)
    {
        if (count is 0 or > MaxCount)
        {
            throw new ArgumentOutOfRangeException(nameof(count), count, "A permutation needs 1 to 2^63 elements.");
        }

        Count = count;
        Seed = seed;
        Subsequence = subsequence;
    }

    /// <summary>Number of elements N.</summary>
    public ulong Count { get; }

    /// <summary>The seed.</summary>
    public ulong Seed { get; }

    /// <summary>The subsequence.</summary>
    public ulong Subsequence { get; }

    /// <summary>perm(i): the element at position <paramref name="index"/> of the permuted order.</summary>
    /// <param name="index">A position in [0, N).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not below N.</exception>
    public ulong Apply(ulong index)
    {
        CheckBelowCount(index, nameof(index));
        Span<ulong> one = stackalloc ulong[1];
        Fill(one, index);
        return one[0];
    }

    /// <summary>perm⁻¹(j): the position at which element <paramref name="value"/> appears.</summary>
    /// <param name="value">An element in [0, N).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is not below N.</exception>
    public ulong Invert(ulong value)
    {
        CheckBelowCount(value, nameof(value));
        Span<ulong> one = stackalloc ulong[1];
        FillInverse(one, value);
        return one[0];
    }

    /// <summary>Writes perm(first + k) into <c>destination[k]</c>.</summary>
    /// <param name="destination">Receives the images; first + its length must not exceed N.</param>
    /// <param name="first">First position.</param>
    /// <param name="context">The CPU context to run on; null for <see cref="CpuContext.Shared"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="first"/> is above N, or <paramref name="destination"/> is longer than the positions from it.</exception>
    public void Fill(Span<ulong> destination, ulong first = 0, CpuContext? context = null) => Run(destination, first, inverse: false, context);

    /// <summary>Writes perm⁻¹(first + k) into <c>destination[k]</c>.</summary>
    /// <param name="destination">Receives the positions; first + its length must not exceed N.</param>
    /// <param name="first">First element.</param>
    /// <param name="context">The CPU context to run on; null for <see cref="CpuContext.Shared"/>.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="first"/> is above N, or <paramref name="destination"/> is longer than the elements from it.</exception>
    public void FillInverse(Span<ulong> destination, ulong first = 0, CpuContext? context = null) => Run(destination, first, inverse: true, context);

    private unsafe void Run(Span<ulong> destination, ulong first, bool inverse, CpuContext? context)
    {
        if (first > Count)
        {
            throw new ArgumentOutOfRangeException(nameof(first), first, $"'first' passes the permutation's size {Count}.");
        }

        if ((ulong)destination.Length > Count - first)
        {
            throw new ArgumentOutOfRangeException(nameof(destination), destination.Length,
                $"Positions {first} .. {first}+{destination.Length} pass the permutation's size {Count}.");
        }

        using ContextLease lease = (context ?? CpuContext.Shared).Lease();
        fixed (ulong* d = destination)
        {
            NativeErrors.Check(NativeMethods.rk_permutation(lease.Raw, Count, Seed, Subsequence, inverse ? 1 : 0, first, d, destination.Length), nameof(destination));
        }
    }

    private void CheckBelowCount(ulong position, string paramName)
    {
        if (position >= Count)
        {
            throw new ArgumentOutOfRangeException(paramName, position, $"'{paramName}' must be below the permutation's size {Count}.");
        }
    }
}
