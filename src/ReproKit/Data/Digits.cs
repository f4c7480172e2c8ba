using System.Reflection;

namespace ReproKit.Data;

/// <summary>
/// The UCI "Optical Recognition of Handwritten Digits" test set, shipped inside ReproKit: 1,797 grey 8×8 images of the
/// digits 0–9 (174–183 per class), pixels 0–16. Creators: E. Alpaydin and C. Kaynak (Bogazici University, 1998); UCI
/// Machine Learning Repository; licence CC BY 4.0 (<see cref="Credit"/>). The embedded file's SHA-256 is checked on
/// every load.
/// </summary>
public static class Digits
{
    /// <summary>SHA-256 of the embedded <c>digits.csv.gz</c> (57,512 bytes), as recorded in <c>data/digits/README.md</c>.</summary>
    public const string FileSha256 = "46abec6b12486ad9e51943373abcf22bbea1b5a51a1619b361570d8893f1464a";

    /// <summary>The number of images.</summary>
    public const int Count = 1797;

    /// <summary>The credit the licence asks for, to show wherever the data is shown.</summary>
    public const string Credit =
        "Optical Recognition of Handwritten Digits: E. Alpaydin and C. Kaynak (1998), UCI Machine Learning Repository, CC BY 4.0.";

    private const string ResourceName = "ReproKit.Data.digits.csv.gz";

    /// <summary>
    /// Loads the data set: samples of shape [1, 8, 8] (one channel) with each pixel divided by 16, so features are in
    /// [0, 1] (exact: 16 is a power of two), labels 0–9, name <c>digits</c>.
    /// </summary>
    /// <exception cref="InvalidDataException">The embedded file does not have its recorded SHA-256.</exception>
    public static LabeledDataset Load() => Parse(ReadEmbedded());

    // The embedded gzip bytes.
    internal static byte[] ReadEmbedded()
    {
        using Stream stream = typeof(Digits).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"ReproKit.dll lacks its embedded resource {ResourceName}.");
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    // Checks the SHA-256 of the gzip bytes, then parses them.
    internal static LabeledDataset Parse(byte[] gz)
    {
        string sha = OutputDigest.Sha256<byte>(gz);
        if (sha != FileSha256)
        {
            throw new InvalidDataException($"digits.csv.gz has SHA-256 {sha}, not the recorded {FileSha256}: the file was altered or damaged.");
        }

        var options = new CsvDatasetOptions { HasHeader = false, ClassCount = 10, SampleShape = [1, 8, 8], FeatureScale = 1f / 16 };
        return CsvDataset.Parse(DatasetFiles.Gunzip(gz, "digits.csv.gz"), "digits.csv.gz", "digits", options);
    }
}
