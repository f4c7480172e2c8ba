using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;

namespace ReproKit.Data;

// What every loader shares: reading a file (gzip or not) and turning parsed values into a checked data set, with
// messages that name the file.
internal static class DatasetFiles
{
    // The whole file, decompressed when it starts with gzip's magic bytes.
    internal static byte[] ReadAllBytes(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] raw = File.ReadAllBytes(path);
        return IsGzip(raw) ? Gunzip(raw, path) : raw;
    }

    // Numbers in messages: shortest round-trip, whatever the culture.
    internal static string Format(float v) => v.ToString(CultureInfo.InvariantCulture);

    internal static bool IsGzip(ReadOnlySpan<byte> bytes) => bytes.Length >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B;

    internal static byte[] Gunzip(byte[] gz, string source)
    {
        try
        {
            using var input = new GZipStream(new MemoryStream(gz), CompressionMode.Decompress);
            using var output = new MemoryStream();
            input.CopyTo(output);
            // GZipStream stops quietly at the end of a truncated file; the trailer's ISIZE (the length mod 2^32, in
            // the last 4 bytes) then disagrees with what came out.
            long recorded = gz.Length >= 18 ? BinaryPrimitives.ReadUInt32LittleEndian(gz.AsSpan(gz.Length - 4)) : -1;
            if (recorded != (uint)output.Length)
            {
                throw new InvalidDataException(
                    $"{source}: the gzip data is truncated or corrupt (its trailer records {recorded} bytes, {output.Length} came out).");
            }

            return output.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{source}: the gzip data is truncated or corrupt ({e.Message}).", e);
        }
    }

    // The default name: the file name without extensions ("digits.csv.gz" -> "digits").
    internal static string NameOf(string path)
    {
        string name = Path.GetFileName(path);
        int dot = name.IndexOf('.', StringComparison.Ordinal);
        return dot > 0 ? name[..dot] : name;
    }

    // Applies the options (sample shape, scale, class count) and checks labels and values, naming `source` in every
    // message. Takes ownership of the arrays.
    internal static LabeledDataset Build(string source, string name, float[] features, int[] labels, int[] fileSampleShape,
                                         DatasetOptions options)
    {
        if (labels.Length == 0)
        {
            throw new InvalidDataException($"{source}: the data set has no samples.");
        }

        int[] shape = options.SampleShape ?? fileSampleShape;
        long perSample = features.Length / labels.Length;
        long product = 1;
        foreach (int d in shape)
        {
            product = d > 0 ? product * d : -1;
            if ((product < 0 || product > int.MaxValue) && options.SampleShape is null)
            {
                throw new InvalidDataException($"{source}: a sample's dimensions [{string.Join(", ", shape)}] must be positive and hold at most {int.MaxValue} values.");
            }

            if (product < 0 || product > int.MaxValue)
            {
                throw new ArgumentException($"The sample shape [{string.Join(", ", shape)}] is not a list of positive dimensions of at most {int.MaxValue} values.",
                                            nameof(options));
            }
        }

        if (shape.Length == 0 || product != perSample)
        {
            throw new ArgumentException($"{source}: a sample has {perSample} features, which the sample shape [{string.Join(", ", shape)}] does not hold.",
                                       nameof(options));
        }

        int classCount = options.ClassCount ?? (int)Math.Min(Math.Max(labels.Max(), 0) + 1L, int.MaxValue);
        if (classCount < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), classCount, "ClassCount must be at least 1.");
        }

        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classCount)
            {
                string why = options.ClassCount is null ? "labels must not be negative" : $"ClassCount is {classCount}";
                throw new InvalidDataException($"{source}: the label of sample {i} is {labels[i]}, outside [0, {classCount}) ({why}).");
            }
        }

        float scale = options.FeatureScale;
        if (!float.IsFinite(scale))
        {
            throw new ArgumentOutOfRangeException(nameof(options), scale, "FeatureScale must be finite.");
        }

        for (int i = 0; i < features.Length; i++)
        {
            float v = features[i] * scale;
            if (!float.IsFinite(v))
            {
                throw new InvalidDataException($"{source}: feature {i % perSample} of sample {i / perSample} is {Format(features[i])}{(scale == 1f ? "" : $" (x {Format(scale)} = {Format(v)})")}; every feature must be finite.");
            }

            features[i] = v;
        }

        return LabeledDataset.Wrap(name, features, labels, shape.ToArray(), classCount);
    }
}
