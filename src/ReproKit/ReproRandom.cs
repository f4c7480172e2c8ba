using System.Text.Json;
using ReproKit.Interop;

namespace ReproKit;

/// <summary>
/// A checkpointable random generator: a Philox stream position (seed, subsequence, offset) that advances by exactly
/// the words each call consumed, so a training run can save <see cref="ToJson"/>, stop, restore with
/// <see cref="FromJson"/> and continue with identical random numbers. <see cref="Fork"/> derives independent child
/// generators deterministically (per data-loader worker, per layer). Not thread-safe: give each thread its own fork.
/// </summary>
public sealed class ReproRandom
{
    private const string FormatName = "reprokit.philox4x32-10/1";

    // Fork keys are the seed xor these constants, so fork derivations never reuse the words of any stream
    // (whose key is the seed itself).
    private const uint ForkKeyTweak0 = 0x5851F42D;
    private const uint ForkKeyTweak1 = 0x4C957F2D;

    private readonly CpuContext? _context;

    /// <summary>Creates a generator at a stream position.</summary>
    /// <param name="seed">The seed.</param>
    /// <param name="subsequence">The subsequence.</param>
    /// <param name="offset">The offset in 32-bit words.</param>
    /// <param name="context">The CPU context to run on; null for <see cref="CpuContext.Shared"/>.</param>
    public ReproRandom(ulong seed, ulong subsequence = 0, ulong offset = 0, CpuContext? context = null)
        : this(new PhiloxStream(seed, subsequence, offset), context)
    {
    }

    /// <summary>Creates a generator at a stream's position.</summary>
    /// <param name="stream">The starting position.</param>
    /// <param name="context">The CPU context to run on; null for <see cref="CpuContext.Shared"/>.</param>
    public ReproRandom(PhiloxStream stream, CpuContext? context = null)
    {
        Stream = stream;
        _context = context;
    }

    /// <summary>The current position: the next call starts at this stream.</summary>
    public PhiloxStream Stream { get; private set; }

    /// <summary>Fills with stream words (one word each).</summary>
    /// <param name="destination">The span to fill.</param>
    public void NextUInt32(Span<uint> destination)
    {
        PhiloxStream next = Stream.Advance((ulong)destination.Length); // throws before filling if the offset would overflow
        Stream.FillUInt32(destination, _context);
        Stream = next;
    }

    /// <summary>Fills with uniform floats in (0, 1] (one word each).</summary>
    /// <param name="destination">The span to fill.</param>
    public void NextUniform(Span<float> destination)
    {
        PhiloxStream next = Stream.Advance((ulong)destination.Length); // throws before filling if the offset would overflow
        Stream.FillUniform(destination, _context);
        Stream = next;
    }

    /// <summary>Fills with uniform floats in [low, high] (one word each).</summary>
    /// <param name="destination">The span to fill.</param>
    /// <param name="low">Lower bound.</param>
    /// <param name="high">Upper bound.</param>
    public void NextUniform(Span<float> destination, float low, float high)
    {
        PhiloxStream next = Stream.Advance((ulong)destination.Length); // throws before filling if the offset would overflow
        Stream.FillUniform(destination, low, high, _context);
        Stream = next;
    }

    /// <summary>Fills with normal floats (two words per pair of elements; an odd count still consumes a whole pair).</summary>
    /// <param name="destination">The span to fill.</param>
    /// <param name="mean">Mean.</param>
    /// <param name="standardDeviation">Standard deviation.</param>
    public void NextNormal(Span<float> destination, float mean = 0f, float standardDeviation = 1f)
    {
        PhiloxStream next = Stream.Advance(PhiloxStream.WordsForNormal(destination.Length)); // throws before filling if the offset would overflow
        Stream.FillNormal(destination, mean, standardDeviation, _context);
        Stream = next;
    }

    /// <summary>Fills with a truncated normal on [a, b] (one word each).</summary>
    /// <param name="destination">The span to fill.</param>
    /// <param name="mean">Mean.</param>
    /// <param name="standardDeviation">Standard deviation.</param>
    /// <param name="a">Lower cut-off.</param>
    /// <param name="b">Upper cut-off.</param>
    public void NextTruncatedNormal(Span<float> destination, float mean, float standardDeviation, float a, float b)
    {
        PhiloxStream next = Stream.Advance((ulong)destination.Length); // throws before filling if the offset would overflow
        Stream.FillTruncatedNormal(destination, mean, standardDeviation, a, b, _context);
        Stream = next;
    }

    /// <summary>Fills with Bernoulli(p) 0/1 bytes (one word each).</summary>
    /// <param name="destination">The span to fill.</param>
    /// <param name="p">Probability of a 1.</param>
    public void NextBernoulli(Span<byte> destination, double p)
    {
        PhiloxStream next = Stream.Advance((ulong)destination.Length); // throws before filling if the offset would overflow
        Stream.FillBernoulli(destination, p, _context);
        Stream = next;
    }

    /// <summary>Fills with integers in [low, high) (two words each).</summary>
    /// <param name="destination">The span to fill.</param>
    /// <param name="low">Smallest value.</param>
    /// <param name="high">One past the largest value.</param>
    public void NextInt64(Span<long> destination, long low, long high)
    {
        PhiloxStream next = Stream.Advance(2 * (ulong)destination.Length); // throws before filling if the offset would overflow
        Stream.FillInt64(destination, low, high, _context);
        Stream = next;
    }

    /// <summary>
    /// A child generator for <paramref name="index"/> (a worker, a layer), independent of this one and of other
    /// indices, and the same every time: its seed and subsequence are the four words of
    /// <c>philox4x32_10(counter = (index lo, index hi, subsequence lo, subsequence hi), key = seed ^ tweak)</c>.
    /// Forking consumes nothing from this generator.
    /// </summary>
    /// <param name="index">The child's index.</param>
    public ReproRandom Fork(ulong index)
    {
        Span<uint> counter = [(uint)index, (uint)(index >> 32), (uint)Stream.Subsequence, (uint)(Stream.Subsequence >> 32)];
        Span<uint> key = [(uint)Stream.Seed ^ ForkKeyTweak0, (uint)(Stream.Seed >> 32) ^ ForkKeyTweak1];
        Span<uint> block = stackalloc uint[4];
        Philox.Block(counter, key, block);
        ulong seed = block[0] | ((ulong)block[1] << 32);
        ulong subsequence = block[2] | ((ulong)block[3] << 32);
        return new ReproRandom(new PhiloxStream(seed, subsequence), _context);
    }

    /// <summary>The position as JSON: <c>{"format": "...", "seed": "...", "subsequence": "...", "offset": "..."}</c> (64-bit values as decimal strings, exact in every JSON reader).</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("format", FormatName);
            w.WriteString("seed", Stream.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture));
            w.WriteString("subsequence", Stream.Subsequence.ToString(System.Globalization.CultureInfo.InvariantCulture));
            w.WriteString("offset", Stream.Offset.ToString(System.Globalization.CultureInfo.InvariantCulture));
            w.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Restores a generator saved by <see cref="ToJson"/>.</summary>
    /// <param name="json">The saved state.</param>
    /// <param name="context">The CPU context to run on; null for <see cref="CpuContext.Shared"/>.</param>
    /// <exception cref="FormatException">The JSON is not a saved ReproRandom state.</exception>
    public static ReproRandom FromJson(string json, CpuContext? context = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using JsonDocument doc = JsonDocument.Parse(json);
            JsonElement root = doc.RootElement;
            string? format = root.GetProperty("format").GetString();
            if (format != FormatName)
            {
                throw new FormatException($"The state's format is '{format}'; expected '{FormatName}'.");
            }

            return new ReproRandom(Field(root, "seed"), Field(root, "subsequence"), Field(root, "offset"), context);
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new FormatException($"Not a saved ReproRandom state: {e.Message}", e);
        }
    }

    private static ulong Field(JsonElement root, string name)
    {
        string text = root.GetProperty(name).GetString() ?? throw new FormatException($"'{name}' is null.");
        return ulong.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out ulong v)
            ? v
            : throw new FormatException($"'{name}' is '{text}', not an unsigned 64-bit integer.");
    }
}
