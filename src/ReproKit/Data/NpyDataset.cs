using ReproKit.IO;

namespace ReproKit.Data;

/// <summary>
/// Reads a labelled data set from two <c>.npy</c> files: features [count, ...] (float32, float64, uint8, int32 or
/// int64; converted to float32) and labels [count] (an integer type). A bad file, or two that disagree, is refused
/// with an <see cref="InvalidDataException"/> that names it.
/// </summary>
public static class NpyDataset
{
    /// <summary>Reads a features file and a labels file.</summary>
    /// <param name="featuresPath">The <c>.npy</c> array of features, [count, ...].</param>
    /// <param name="labelsPath">The <c>.npy</c> array of labels, [count].</param>
    /// <param name="options">Sample shape (default: the features' dimensions after the first), class count, scale.</param>
    /// <exception cref="InvalidDataException">A file is not a valid array or the two disagree; the message says why.</exception>
    public static LabeledDataset Read(string featuresPath, string labelsPath, DatasetOptions? options = null)
    {
        options ??= new DatasetOptions();
        NpyArray x = NpyFile.Read(featuresPath);
        NpyArray y = NpyFile.Read(labelsPath);
        if (x.Shape.Length < 2)
        {
            throw new InvalidDataException($"{featuresPath}: features need at least two dimensions ([count, ...]); the shape is ({string.Join(", ", x.Shape)}).");
        }

        if (y.Shape.Length != 1)
        {
            throw new InvalidDataException($"{labelsPath}: labels need one dimension ([count]); the shape is ({string.Join(", ", y.Shape)}).");
        }

        if (y.Shape[0] != x.Shape[0])
        {
            throw new InvalidDataException($"{labelsPath} holds {y.Shape[0]} labels but {featuresPath} holds {x.Shape[0]} samples.");
        }

        float[] features = x.DType switch
        {
            NpyDType.Float32 => x.ToArray<float>(),
            NpyDType.Float64 => Array.ConvertAll(x.ToArray<double>(), v => (float)v),
            NpyDType.UInt8 => Array.ConvertAll(x.ToArray<byte>(), v => (float)v),
            NpyDType.Int32 => Array.ConvertAll(x.ToArray<int>(), v => (float)v),
            NpyDType.Int64 => Array.ConvertAll(x.ToArray<long>(), v => (float)v),
            _ => throw new InvalidDataException($"{featuresPath}: features of type {NpyFile.Descr(x.DType)} are not supported (float32, float64, uint8, int32, int64 are)."),
        };
        int[] labels = y.DType switch
        {
            NpyDType.UInt8 => Array.ConvertAll(y.ToArray<byte>(), v => (int)v),
            NpyDType.Int32 => y.ToArray<int>(),
            NpyDType.Int64 => Array.ConvertAll(y.ToArray<long>(), v => (int)Math.Clamp(v, int.MinValue, int.MaxValue)),
            _ => throw new InvalidDataException($"{labelsPath}: labels must be integers (uint8, int32 or int64), not {NpyFile.Descr(y.DType)}."),
        };
        int[] sampleShape = x.Shape[1..].Select(d => d > int.MaxValue ? -1 : (int)d).ToArray();
        return DatasetFiles.Build(featuresPath, options.Name ?? DatasetFiles.NameOf(featuresPath), features, labels, sampleShape, options);
    }
}
