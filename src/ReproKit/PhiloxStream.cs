using ReproKit.Interop;

namespace ReproKit;

/// <summary>
/// A cuRAND-compatible Philox4x32-10 stream: the position that <c>curand_init(seed, subsequence, offset, &amp;state)</c>
/// sets. Word <c>i</c> of the stream is the <c>(i+1)</c>-th <c>curand()</c> after that call, and element <c>i</c> of
/// every fill is a pure function of (stream, i): the same bits on every ISA, thread count and device.
/// </summary>
/// <remarks>
/// The stream is an immutable value. <see cref="Advance"/> moves the offset by the words a fill consumed, so
/// consecutive fills from advanced streams continue one sequence exactly as successive <c>curand()</c> calls would.
/// </remarks>
/// <param name="Seed">The generator key (cuRAND's seed).</param>
/// <param name="Subsequence">The high 64 bits of the block counter (cuRAND's subsequence).</param>
/// <param name="Offset">The position within the subsequence, in 32-bit words (cuRAND's offset).</param>
public readonly partial record struct PhiloxStream(ulong Seed, ulong Subsequence = 0, ulong Offset = 0)
{
    /// <summary>The stream <paramref name="words"/> 32-bit words further on (cuRAND's <c>skipahead</c>).</summary>
    /// <param name="words">Number of words to skip.</param>
    /// <exception cref="OverflowException">The offset would pass 2^64 - 1.</exception>
    public PhiloxStream Advance(ulong words)
    {
        ulong offset = Offset + words;
        if (offset < Offset)
        {
            throw new OverflowException(
                $"Advancing offset {Offset} by {words} words passes 2^64 - 1; use another subsequence for longer streams.");
        }

        return this with { Offset = offset };
    }

    /// <summary>The stream <paramref name="count"/> subsequences further on, same offset (cuRAND's <c>skipahead_sequence</c>; wraps modulo 2^64 like cuRAND).</summary>
    /// <param name="count">Number of subsequences to skip.</param>
    public PhiloxStream SkipSubsequences(ulong count) => this with { Subsequence = unchecked(Subsequence + count) };

    /// <summary>Fills <paramref name="destination"/> with stream words: <c>destination[i]</c> = word <c>Offset + i</c> (successive <c>curand()</c> results).</summary>
    /// <param name="destination">The span to fill.</param>
    /// <param name="context">The CPU context to run on; null for <see cref="CpuContext.Shared"/>.</param>
    /// <exception cref="ObjectDisposedException">The context has been disposed.</exception>
    public unsafe void FillUInt32(Span<uint> destination, CpuContext? context = null)
    {
        RkPhiloxStream native = ToNative();
        using ContextLease lease = (context ?? CpuContext.Shared).Lease();
        fixed (uint* p = destination)
        {
            NativeErrors.Check(NativeMethods.rk_philox_fill_u32(lease.Raw, &native, p, destination.Length), nameof(destination));
        }
    }

    /// <summary>
    /// Fills <paramref name="destination"/> with uniform floats in (0, 1] by cuRAND's <c>curand_uniform</c> formula:
    /// <c>destination[i] = (float)w * 2^-32 + 2^-33</c> with <c>w</c> = word <c>Offset + i</c>.
    /// </summary>
    /// <param name="destination">The span to fill.</param>
    /// <param name="context">The CPU context to run on; null for <see cref="CpuContext.Shared"/>.</param>
    /// <exception cref="ObjectDisposedException">The context has been disposed.</exception>
    public unsafe void FillUniform(Span<float> destination, CpuContext? context = null)
    {
        RkPhiloxStream native = ToNative();
        using ContextLease lease = (context ?? CpuContext.Shared).Lease();
        fixed (float* p = destination)
        {
            NativeErrors.Check(NativeMethods.rk_philox_fill_uniform(lease.Raw, &native, p, destination.Length), nameof(destination));
        }
    }

    /// <summary>
    /// Fills <paramref name="destination"/> with uniform floats in [<paramref name="low"/>, <paramref name="high"/>]:
    /// <c>fma(u, high - low, low)</c> with <c>u</c> the curand_uniform value of word <c>Offset + i</c>. One word per element.
    /// </summary>
    /// <param name="destination">The span to fill.</param>
    /// <param name="low">Lower bound (finite).</param>
    /// <param name="high">Upper bound (finite, at least <paramref name="low"/>).</param>
    /// <param name="context">The CPU context to run on; null for <see cref="CpuContext.Shared"/>.</param>
    /// <exception cref="ArgumentException">
    /// A bound is not finite (on that bound), or <paramref name="low"/> &gt; <paramref name="high"/>, or the width overflows
    /// float32 (on <paramref name="high"/>).
    /// </exception>
    public unsafe void FillUniform(Span<float> destination, float low, float high, CpuContext? context = null)
    {
        RkPhiloxStream native = ToNative();
        using ContextLease lease = (context ?? CpuContext.Shared).Lease();
        fixed (float* p = destination)
        {
            NativeErrors.Check(NativeMethods.rk_philox_fill_uniform_range(lease.Raw, &native, low, high, p, destination.Length), UniformRangeFault(low, high));
        }
    }

    /// <summary>
    /// Fills <paramref name="destination"/> with normal floats by Box-Muller: elements <c>2j</c> and <c>2j+1</c> come
    /// from words <c>Offset + 2j</c> and <c>Offset + 2j + 1</c> (ReproKit's portable log, sinpi and cospi), so a fill
    /// consumes <see cref="WordsForNormal"/> words.
    /// </summary>
    /// <param name="destination">The span to fill.</param>
    /// <param name="mean">Mean (finite).</param>
    /// <param name="standardDeviation">Standard deviation (finite, not negative).</param>
    /// <param name="context">The CPU context to run on; null for <see cref="CpuContext.Shared"/>.</param>
    /// <exception cref="ArgumentException">A parameter is out of its domain (named by <see cref="ArgumentException.ParamName"/>).</exception>
    public unsafe void FillNormal(Span<float> destination, float mean = 0f, float standardDeviation = 1f, CpuContext? context = null)
    {
        RkPhiloxStream native = ToNative();
        using ContextLease lease = (context ?? CpuContext.Shared).Lease();
        fixed (float* p = destination)
        {
            NativeErrors.Check(NativeMethods.rk_philox_fill_normal(lease.Raw, &native, mean, standardDeviation, p, destination.Length),
                NormalFault(mean, standardDeviation));
        }
    }

    /// <summary>
    /// Fills <paramref name="destination"/> with a normal distribution truncated to [<paramref name="a"/>, <paramref name="b"/>]
    /// by the inverse-CDF method of <c>torch.nn.init.trunc_normal_</c>, one word per element.
    /// </summary>
    /// <param name="destination">The span to fill.</param>
    /// <param name="mean">Mean of the untruncated normal.</param>
    /// <param name="standardDeviation">Its standard deviation (positive).</param>
    /// <param name="a">Lower cut-off (absolute, like PyTorch's).</param>
    /// <param name="b">Upper cut-off, greater than <paramref name="a"/>.</param>
    /// <param name="context">The CPU context to run on; null for <see cref="CpuContext.Shared"/>.</param>
    /// <exception cref="ArgumentException">
    /// A parameter is out of its domain (named by <see cref="ArgumentException.ParamName"/>; an interval that is empty or
    /// holds no probability mass in float32 is reported on <paramref name="b"/>).
    /// </exception>
    public unsafe void FillTruncatedNormal(Span<float> destination, float mean, float standardDeviation, float a, float b, CpuContext? context = null)
    {
        RkPhiloxStream native = ToNative();
        using ContextLease lease = (context ?? CpuContext.Shared).Lease();
        fixed (float* p = destination)
        {
            NativeErrors.Check(NativeMethods.rk_philox_fill_truncated_normal(lease.Raw, &native, mean, standardDeviation, a, b, p, destination.Length),
                TruncatedNormalFault(mean, standardDeviation, a, b));
        }
    }

    /// <summary>
    /// Fills <paramref name="destination"/> with Bernoulli(<paramref name="p"/>) draws as 0 or 1:
    /// <c>1</c> iff word <c>Offset + i</c> &lt; <c>floor(p * 2^32)</c>. One word per element.
    /// </summary>
    /// <param name="destination">The span to fill.</param>
    /// <param name="p">Probability of a 1, in [0, 1].</param>
    /// <param name="context">The CPU context to run on; null for <see cref="CpuContext.Shared"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="p"/> is outside [0, 1] or NaN.</exception>
    public unsafe void FillBernoulli(Span<byte> destination, double p, CpuContext? context = null)
    {
        RkPhiloxStream native = ToNative();
        using ContextLease lease = (context ?? CpuContext.Shared).Lease();
        fixed (byte* d = destination)
        {
            NativeErrors.Check(NativeMethods.rk_philox_fill_bernoulli(lease.Raw, &native, p, d, destination.Length), nameof(p));
        }
    }

    /// <summary>
    /// Fills <paramref name="destination"/> with integers in [<paramref name="low"/>, <paramref name="high"/>):
    /// <c>low + floor(r * (high - low) / 2^64)</c> with the 64-bit draw <c>r = word(2i) | word(2i+1) &lt;&lt; 32</c>
    /// (Lemire's multiply-shift, no rejection: the bias is below (high - low) / 2^64). Two words per element.
    /// </summary>
    /// <param name="destination">The span to fill.</param>
    /// <param name="low">Smallest value.</param>
    /// <param name="high">One past the largest value; greater than <paramref name="low"/>.</param>
    /// <param name="context">The CPU context to run on; null for <see cref="CpuContext.Shared"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="high"/> is not greater than <paramref name="low"/>.</exception>
    public unsafe void FillInt64(Span<long> destination, long low, long high, CpuContext? context = null)
    {
        RkPhiloxStream native = ToNative();
        using ContextLease lease = (context ?? CpuContext.Shared).Lease();
        fixed (long* d = destination)
        {
            NativeErrors.Check(NativeMethods.rk_philox_fill_int64(lease.Raw, &native, low, high, d, destination.Length), nameof(high));
        }
    }

    /// <summary>Words a normal fill of <paramref name="count"/> elements consumes: <c>2 * ceil(count / 2)</c>.</summary>
    /// <param name="count">Number of elements.</param>
    public static ulong WordsForNormal(long count) => count <= 0 ? 0 : 2 * (((ulong)count + 1) / 2);

    /// <summary>Word <paramref name="index"/> of the stream (one Philox block; for bulk use <see cref="FillUInt32"/>).</summary>
    /// <param name="index">Word index counted from <see cref="Offset"/>.</param>
    /// <exception cref="OverflowException">The word position passes 2^64 - 1.</exception>
    public uint WordAt(ulong index)
    {
        Span<uint> word = stackalloc uint[1];
        Advance(index).FillUInt32(word);
        return word[0];
    }

    /// <summary>A readable form such as <c>Philox(seed=0x2a, subsequence=7, offset=1000)</c>.</summary>
    public override string ToString() => $"Philox(seed=0x{Seed:x}, subsequence={Subsequence}, offset={Offset})";

    internal RkPhiloxStream ToNative() => new() { Seed = Seed, Subsequence = Subsequence, Offset = Offset };

    // The native checks of the distributions' parameters cover several parameters in one message ("needs finite low <=
    // high ..."); these name the one at fault, for the ArgumentException's ParamName (see NativeErrors). Each is the
    // first parameter, in order, that is invalid on its own; a relation between them (low > high, a >= b, a width or an
    // interval float32 cannot hold) is reported on the last one.
    internal static string UniformRangeFault(float low, float high) => float.IsFinite(low) ? nameof(high) : nameof(low);

    internal static string NormalFault(float mean, float standardDeviation) =>
        float.IsFinite(mean) ? nameof(standardDeviation) : nameof(mean);

    internal static string TruncatedNormalFault(float mean, float standardDeviation, float a, float b) =>
        !float.IsFinite(mean) ? nameof(mean)
        : !(float.IsFinite(standardDeviation) && standardDeviation > 0) ? nameof(standardDeviation)
        : !float.IsFinite(a) ? nameof(a)
        : nameof(b);
}
