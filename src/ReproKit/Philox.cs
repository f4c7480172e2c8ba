using ReproKit.Interop;

namespace ReproKit;

/// <summary>The Philox4x32 block function (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11).</summary>
public static class Philox
{
    /// <summary>Standard number of rounds (Philox4x32-10, as in cuRAND and Random123's default).</summary>
    public const int DefaultRounds = 10;

    /// <summary>Computes <c>philox4x32_R(counter, key)</c>, writing four words into <paramref name="output"/>.</summary>
    /// <param name="counter">Four counter words.</param>
    /// <param name="key">Two key words.</param>
    /// <param name="output">Receives four output words.</param>
    /// <param name="rounds">Number of rounds, 1 to 16.</param>
    /// <exception cref="ArgumentException">A span has the wrong length.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="rounds"/> is outside [1, 16].</exception>
    public static unsafe void Block(ReadOnlySpan<uint> counter, ReadOnlySpan<uint> key, Span<uint> output, int rounds = DefaultRounds)
    {
        ArgumentChecks.Length(counter.Length, 4, nameof(counter), "Philox4x32's counter words");
        ArgumentChecks.Length(key.Length, 2, nameof(key), "Philox4x32's key words");
        ArgumentChecks.Length(output.Length, 4, nameof(output), "Philox4x32's output words");

        if (rounds is < 1 or > 16)
        {
            throw new ArgumentOutOfRangeException(nameof(rounds), rounds, "Rounds must be in [1, 16].");
        }

        ReproKitLibrary.EnsureLoaded();
        fixed (uint* c = counter)
        fixed (uint* k = key)
        fixed (uint* o = output)
        {
            NativeErrors.Check(NativeMethods.rk_philox4x32((uint)rounds, c, k, o));
        }
    }

    /// <summary>
    /// Converts 32-bit words to uniform floats in (0, 1] with cuRAND's <c>curand_uniform</c> formula,
    /// <c>(float)w * 2^-32 + 2^-33</c> in float32: the conversion every uniform fill uses.
    /// </summary>
    /// <param name="words">The words.</param>
    /// <param name="destination">Receives one float per word; must be as long as <paramref name="words"/>.</param>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    public static unsafe void UniformFromWords(ReadOnlySpan<uint> words, Span<float> destination)
    {
        ArgumentChecks.Length(destination.Length, words.Length, nameof(destination), "one per element of 'words'");

        ReproKitLibrary.EnsureLoaded();
        fixed (uint* w = words)
        fixed (float* d = destination)
        {
            NativeErrors.Check(NativeMethods.rk_uniform_from_words(w, d, words.Length));
        }
    }
}
