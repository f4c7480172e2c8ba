using System.Buffers.Binary;

namespace ReproKit.Data;

/// <summary>
/// Reads a labelled data set from a pair of IDX files, the format of MNIST and its relatives
/// (<c>train-images-idx3-ubyte</c> and <c>train-labels-idx1-ubyte</c>, plain or gzip): the images file holds
/// [count, d1, d2, ...] values of any IDX type (unsigned/signed byte, 16/32-bit integer, float, double, big-endian),
/// the labels file [count] integers. A bad file (wrong magic, unknown type, truncated data, extra bytes, counts that
/// disagree, labels out of range) is refused with an <see cref="InvalidDataException"/> that names it.
/// </summary>
public static class IdxDataset
{
    /// <summary>Reads an images file and a labels file.</summary>
    /// <param name="imagesPath">The IDX file of features, [count, ...].</param>
    /// <param name="labelsPath">The IDX file of labels, [count], an integer type.</param>
    /// <param name="options">Sample shape (default: the file's dimensions after the first), class count and scale
    /// (for example <c>FeatureScale = 1f / 255</c>).</param>
    /// <exception cref="InvalidDataException">A file is not valid IDX or the two disagree; the message says why.</exception>
    public static LabeledDataset Read(string imagesPath, string labelsPath, DatasetOptions? options = null)
    {
        options ??= new DatasetOptions();
        (int[] imageDims, double[] images) = Parse(DatasetFiles.ReadAllBytes(imagesPath), imagesPath, integerOnly: false);
        (int[] labelDims, double[] labelValues) = Parse(DatasetFiles.ReadAllBytes(labelsPath), labelsPath, integerOnly: true);
        if (imageDims.Length < 2)
        {
            throw new InvalidDataException($"{imagesPath}: an images file needs at least two dimensions ([count, ...]); it has {imageDims.Length}.");
        }

        if (labelDims.Length != 1)
        {
            throw new InvalidDataException($"{labelsPath}: a labels file has one dimension ([count]); it has {labelDims.Length}.");
        }

        if (labelDims[0] != imageDims[0])
        {
            throw new InvalidDataException($"{labelsPath} holds {labelDims[0]} labels but {imagesPath} holds {imageDims[0]} samples.");
        }

        var features = new float[images.Length];
        for (int i = 0; i < images.Length; i++)
        {
            features[i] = (float)images[i];
        }

        var labels = new int[labelValues.Length];
        for (int i = 0; i < labels.Length; i++)
        {
            double v = labelValues[i];
            labels[i] = (int)Math.Clamp(v, int.MinValue, int.MaxValue);  // out-of-range labels fail in Build
        }

        return DatasetFiles.Build(imagesPath, options.Name ?? DatasetFiles.NameOf(imagesPath), features, labels,
                                  imageDims[1..], options);
    }

    // An IDX file's dimensions and values (every IDX type is exactly representable as a double).
    internal static (int[] Dims, double[] Values) Parse(ReadOnlySpan<byte> b, string source, bool integerOnly)
    {
        if (b.Length < 4 || b[0] != 0 || b[1] != 0)
        {
            throw new InvalidDataException($"{source}: not an IDX file (the first two bytes must be zero).");
        }

        int size = b[2] switch
        {
            0x08 or 0x09 => 1,
            0x0B => 2,
            0x0C or 0x0D => 4,
            0x0E => 8,
            _ => throw new InvalidDataException($"{source}: IDX type code 0x{b[2]:X2} is unknown (0x08, 0x09, 0x0B, 0x0C, 0x0D and 0x0E are)."),
        };
        if (integerOnly && b[2] is 0x0D or 0x0E)
        {
            throw new InvalidDataException($"{source}: labels must be an integer IDX type, not {(b[2] == 0x0D ? "float" : "double")}.");
        }

        int rank = b[3];
        if (rank == 0 || b.Length < 4 + 4 * rank)
        {
            throw new InvalidDataException($"{source}: the header is truncated or names no dimension ({rank} dimensions, {b.Length} bytes).");
        }

        var dims = new int[rank];
        long count = 1;
        for (int i = 0; i < rank; i++)
        {
            dims[i] = BinaryPrimitives.ReadInt32BigEndian(b[(4 + 4 * i)..]);
            if (dims[i] <= 0)
            {
                throw new InvalidDataException($"{source}: dimension {i} is {dims[i]}; every dimension must be positive.");
            }

            count *= dims[i];
            if (count > Array.MaxLength)
            {
                throw new InvalidDataException($"{source}: the dimensions [{string.Join(", ", dims[..(i + 1)])}...] hold more values than an array can.");
            }
        }

        ReadOnlySpan<byte> data = b[(4 + 4 * rank)..];
        if (data.Length != count * size)
        {
            throw new InvalidDataException(data.Length < count * size
                ? $"{source}: the data is truncated: [{string.Join(", ", dims)}] needs {count * size} bytes, the file has {data.Length}."
                : $"{source}: {data.Length - count * size} bytes follow the [{string.Join(", ", dims)}] values.");
        }

        var values = new double[count];
        for (int i = 0; i < values.Length; i++)
        {
            ReadOnlySpan<byte> v = data[(i * size)..];
            values[i] = b[2] switch
            {
                0x08 => v[0],
                0x09 => (sbyte)v[0],
                0x0B => BinaryPrimitives.ReadInt16BigEndian(v),
                0x0C => BinaryPrimitives.ReadInt32BigEndian(v),
                0x0D => BinaryPrimitives.ReadSingleBigEndian(v),
                _ => BinaryPrimitives.ReadDoubleBigEndian(v),
            };
        }

        return (dims, values);
    }
}
