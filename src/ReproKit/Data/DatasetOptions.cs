namespace ReproKit.Data;

/// <summary>How a loader turns a file's values into a <see cref="LabeledDataset"/>.</summary>
public record DatasetOptions
{
    /// <summary>The data set's name (default: the features file's name without extensions).</summary>
    public string? Name { get; init; }

    /// <summary>
    /// The number of classes; every label must be in [0, ClassCount). Default: the largest label plus one.
    /// </summary>
    public int? ClassCount { get; init; }

    /// <summary>
    /// The shape of one sample, for example <c>[1, 28, 28]</c> (its product must equal the number of features per
    /// sample in the file). Default: the file's own (CSV: one dimension, the number of feature columns).
    /// </summary>
    public int[]? SampleShape { get; init; }

    /// <summary>
    /// Every feature is multiplied by this in float32 (for example <c>1f / 255</c> for 8-bit pixels). Default 1.
    /// </summary>
    public float FeatureScale { get; init; } = 1f;
}

/// <summary>How <see cref="CsvDataset"/> reads a CSV file: <see cref="DatasetOptions"/> plus the columns.</summary>
public sealed record CsvDatasetOptions : DatasetOptions
{
    /// <summary>The label's column, 0-based; negative counts from the end (default -1: the last column).</summary>
    public int LabelColumn { get; init; } = -1;

    /// <summary>
    /// Whether the first line is a header. Default (null): it is when one of its cells is not a number.
    /// </summary>
    public bool? HasHeader { get; init; }

    /// <summary>The cell separator (default ',').</summary>
    public char Separator { get; init; } = ',';
}
