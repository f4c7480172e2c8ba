namespace ReproKit.Cli.Commands;

/// <summary>The <c>--device cpu|cuda:N</c> option shared by verify and bench.</summary>
internal static class DeviceOption
{
    /// <summary>Null for the CPU (option absent or "cpu"), else the CUDA device index.</summary>
    internal static int? Parse(string? value)
    {
        if (value is null or "cpu")
        {
            return null;
        }

        if (value.StartsWith("cuda:", StringComparison.Ordinal)
            && int.TryParse(value.AsSpan(5), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int index))
        {
            return index;
        }

        throw new UsageException(value == "cuda"
            ? "--device cuda needs a device index: cuda:0, cuda:1, ..."
            : $"--device '{value}' is not cpu or cuda:N.");
    }
}
