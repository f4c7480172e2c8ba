using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace ReproKit.Data;

/// <summary>
/// A classification data set held in memory: <see cref="Count"/> samples of <see cref="SampleShape"/> float features
/// each (C order, sample after sample) and one class label in [0, <see cref="ClassCount"/>) per sample. Immutable;
/// every value is finite. <see cref="Digest"/> identifies the contents for run manifests.
/// </summary>
public sealed class LabeledDataset
{
    private readonly float[] features;
    private readonly int[] labels;
    private readonly int[] sampleShape;
    private string? digest;

    /// <summary>Creates a data set over the given arrays (they are copied).</summary>
    /// <param name="name">A short name for messages and manifests (for example <c>digits</c>).</param>
    /// <param name="features">The features, <c>labels.Length</c> samples of <paramref name="sampleShape"/> each.</param>
    /// <param name="labels">One label per sample, each in [0, <paramref name="classCount"/>).</param>
    /// <param name="sampleShape">The shape of one sample (for example <c>[1, 8, 8]</c>); every dimension positive.</param>
    /// <param name="classCount">The number of classes, at least 1.</param>
    /// <exception cref="ArgumentException">The sizes disagree, a label is out of range or a feature is not finite.</exception>
    public LabeledDataset(string name, ReadOnlySpan<float> features, ReadOnlySpan<int> labels, ReadOnlySpan<int> sampleShape, int classCount)
        : this(name, features.ToArray(), labels.ToArray(), sampleShape.ToArray(), classCount, owned: true)
    {
    }

    private LabeledDataset(string name, float[] features, int[] labels, int[] sampleShape, int classCount, bool owned)
    {
        _ = owned;  // only tells this constructor from the public one
        ArgumentException.ThrowIfNullOrEmpty(name);
        if (sampleShape.Length == 0)
        {
            throw new ArgumentException("A sample needs at least one dimension.", nameof(sampleShape));
        }

        long sampleLength = 1;
        foreach (int d in sampleShape)
        {
            if (d <= 0)
            {
                throw new ArgumentException($"Every dimension of a sample must be positive; the shape is [{string.Join(", ", sampleShape)}].", nameof(sampleShape));
            }

            sampleLength *= d;
            if (sampleLength > int.MaxValue)
            {
                throw new ArgumentException($"A sample of shape [{string.Join(", ", sampleShape)}] has more than {int.MaxValue} values.", nameof(sampleShape));
            }
        }

        if (classCount < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(classCount), classCount, "A data set needs at least one class.");
        }

        if ((long)labels.Length * sampleLength != features.Length)
        {
            throw new ArgumentException(
                $"{labels.Length} samples of shape [{string.Join(", ", sampleShape)}] need {(long)labels.Length * sampleLength} features; {features.Length} were given.",
                nameof(features));
        }

        for (int i = 0; i < labels.Length; i++)
        {
            if ((uint)labels[i] >= (uint)classCount)
            {
                throw new ArgumentException($"The label of sample {i} is {labels[i]}, outside [0, {classCount}).", nameof(labels));
            }
        }

        for (int i = 0; i < features.Length; i++)
        {
            if (!float.IsFinite(features[i]))
            {
                throw new ArgumentException($"Feature {i % sampleLength} of sample {i / sampleLength} is {DatasetFiles.Format(features[i])}; every feature must be finite.", nameof(features));
            }
        }

        Name = name;
        this.features = features;
        this.labels = labels;
        this.sampleShape = sampleShape;
        SampleLength = (int)sampleLength;
        ClassCount = classCount;
    }

    // Takes ownership of the arrays (the loaders build them, so they are not copied again).
    internal static LabeledDataset Wrap(string name, float[] features, int[] labels, int[] sampleShape, int classCount) =>
        new(name, features, labels, sampleShape, classCount, owned: true);

    /// <summary>The data set's short name.</summary>
    public string Name { get; }

    /// <summary>The number of samples.</summary>
    public int Count => labels.Length;

    /// <summary>The shape of one sample.</summary>
    public IReadOnlyList<int> SampleShape => sampleShape;

    /// <summary>The number of features in one sample (the product of <see cref="SampleShape"/>).</summary>
    public int SampleLength { get; }

    /// <summary>The number of classes: every label is in [0, ClassCount).</summary>
    public int ClassCount { get; }

    /// <summary>All features, sample after sample.</summary>
    public ReadOnlySpan<float> Features => features;

    /// <summary>All labels.</summary>
    public ReadOnlySpan<int> Labels => labels;

    /// <summary>
    /// Lower-case hex SHA-256 of the contents: the count, class count, rank and sample dimensions (int32,
    /// little-endian), then every feature (float32 little-endian) and every label (int32 little-endian). Equal on every
    /// machine for the same data, whatever file format it came from.
    /// </summary>
    public string Digest => digest ??= ComputeDigest();

    /// <summary>The features of one sample.</summary>
    /// <param name="index">The sample, in [0, <see cref="Count"/>).</param>
    public ReadOnlySpan<float> Sample(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        return features.AsSpan(index * SampleLength, SampleLength);
    }

    /// <summary>
    /// Copies the samples <paramref name="indices"/> name, in that order, into a batch: their features into
    /// <paramref name="batchFeatures"/> (<c>indices.Length * SampleLength</c> values) and their labels into
    /// <paramref name="batchLabels"/> (<c>indices.Length</c> values, as the 64-bit class indices the loss takes).
    /// </summary>
    /// <param name="indices">Sample indices, each in [0, <see cref="Count"/>).</param>
    /// <param name="batchFeatures">Receives the features.</param>
    /// <param name="batchLabels">Receives the labels.</param>
    public void CopyBatch(ReadOnlySpan<long> indices, Span<float> batchFeatures, Span<long> batchLabels)
    {
        ArgumentChecks.Length(batchFeatures.Length, (long)indices.Length * SampleLength, nameof(batchFeatures));
        ArgumentChecks.Length(batchLabels.Length, indices.Length, nameof(batchLabels));
        for (int i = 0; i < indices.Length; i++)
        {
            long s = indices[i];
            if ((ulong)s >= (ulong)Count)
            {
                throw new ArgumentOutOfRangeException(nameof(indices), s, $"Index {i} of the batch names sample {s}; the data set has {Count}.");
            }

            features.AsSpan((int)s * SampleLength, SampleLength).CopyTo(batchFeatures.Slice(i * SampleLength, SampleLength));
            batchLabels[i] = labels[s];
        }
    }

    /// <summary>The number of samples of each class (index = label).</summary>
    public int[] CountPerClass()
    {
        var counts = new int[ClassCount];
        foreach (int label in labels)
        {
            counts[label]++;
        }

        return counts;
    }

    private string ComputeDigest()
    {
        var header = new byte[4 * (3 + sampleShape.Length)];
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(0), Count);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(4), ClassCount);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(8), sampleShape.Length);
        for (int i = 0; i < sampleShape.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(12 + 4 * i), sampleShape[i]);
        }

        byte[] all = new byte[header.Length + 4L * features.Length + 4L * labels.Length];
        header.CopyTo(all, 0);
        MemoryMarshal.AsBytes(features.AsSpan()).CopyTo(all.AsSpan(header.Length));
        MemoryMarshal.AsBytes(labels.AsSpan()).CopyTo(all.AsSpan(header.Length + 4 * features.Length));
        return OutputDigest.Sha256<byte>(all);
    }
}
