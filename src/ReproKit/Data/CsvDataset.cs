using System.Globalization;
using System.Text;

namespace ReproKit.Data;

/// <summary>
/// Reads a labelled data set from a CSV file (plain or gzip): one sample per line, its features and an integer label
/// in one of the columns; an optional header line; numbers in the invariant culture ('.' decimal point), whatever the
/// machine's culture. Bad files are refused with an <see cref="InvalidDataException"/> that names the file, line and
/// column: a cell that is not a number, a line with a different number of cells, a label that is not an integer or is
/// out of range, a non-finite feature, truncated gzip data, an empty file.
/// </summary>
public static class CsvDataset
{
    /// <summary>Reads a CSV file (gzip-compressed when it starts with gzip's magic bytes).</summary>
    /// <param name="path">The file.</param>
    /// <param name="options">Columns, sample shape, class count and scale (default: the label in the last column).</param>
    /// <exception cref="InvalidDataException">The file is not a valid labelled CSV; the message says where and why.</exception>
    public static LabeledDataset Read(string path, CsvDatasetOptions? options = null)
    {
        byte[] bytes = DatasetFiles.ReadAllBytes(path);
        options ??= new CsvDatasetOptions();
        return Parse(bytes, path, options.Name ?? DatasetFiles.NameOf(path), options);
    }

    // Parses decompressed CSV bytes (UTF-8); `source` names the file in messages.
    internal static LabeledDataset Parse(ReadOnlySpan<byte> bytes, string source, string name, CsvDatasetOptions options)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(bytes);
        }
        catch (DecoderFallbackException e)
        {
            throw new InvalidDataException($"{source}: not a text file (invalid UTF-8 at byte {e.Index}).", e);
        }

        string[] lines = text.Split('\n');
        var features = new List<float>();
        var labels = new List<int>();
        int columns = -1;
        int labelColumn = 0;
        int lastLine = lines.Length;
        while (lastLine > 0 && lines[lastLine - 1].Trim().Length == 0)
        {
            lastLine--;  // trailing empty lines end the file
        }

        for (int li = 0; li < lastLine; li++)
        {
            int lineNumber = li + 1;
            string[] cells = lines[li].TrimEnd('\r').Split(options.Separator);
            if (columns < 0)
            {
                columns = cells.Length;
                if (columns < 2)
                {
                    throw new InvalidDataException($"{source}: line {lineNumber} has {columns} cell; a sample needs at least one feature and a label (separator '{options.Separator}').");
                }

                labelColumn = options.LabelColumn < 0 ? columns + options.LabelColumn : options.LabelColumn;
                if (labelColumn < 0 || labelColumn >= columns)
                {
                    throw new ArgumentOutOfRangeException(nameof(options), options.LabelColumn, $"LabelColumn names no column of {source}, which has {columns}.");
                }

                if (options.HasHeader ?? !cells.All(c => TryFeature(c, out _)))
                {
                    continue;  // the header
                }
            }
            else if (cells.Length != columns)
            {
                throw new InvalidDataException($"{source}: line {lineNumber} has {cells.Length} cells; the first line has {columns}.");
            }

            for (int c = 0; c < columns; c++)
            {
                string cell = cells[c].Trim();
                if (c == labelColumn)
                {
                    labels.Add(Label(cell, source, lineNumber, c));
                }
                else if (TryFeature(cell, out float v))
                {
                    if (!float.IsFinite(v))
                    {
                        throw new InvalidDataException($"{source}: line {lineNumber}, column {c + 1}: '{cell}' is not a finite float32 number.");
                    }

                    features.Add(v);
                }
                else
                {
                    throw new InvalidDataException($"{source}: line {lineNumber}, column {c + 1}: '{cell}' is not a number.");
                }
            }
        }

        if (labels.Count == 0)
        {
            throw new InvalidDataException($"{source}: the file holds no samples{(columns < 0 ? "" : " (only a header)")}.");
        }

        return DatasetFiles.Build(source, name, features.ToArray(), labels.ToArray(), [columns - 1], options);
    }

    private static bool TryFeature(string cell, out float value) =>
        float.TryParse(cell.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out value);

    // An integer label; an integral float such as "3.0" (as some writers print labels) is accepted.
    private static int Label(string cell, string source, int lineNumber, int column)
    {
        if (int.TryParse(cell, NumberStyles.Integer, CultureInfo.InvariantCulture, out int label))
        {
            return label;
        }

        if (double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && d == Math.Floor(d)
            && d >= int.MinValue && d <= int.MaxValue)
        {
            return (int)d;
        }

        throw new InvalidDataException($"{source}: line {lineNumber}, column {column + 1}: the label '{cell}' is not an integer.");
    }
}
