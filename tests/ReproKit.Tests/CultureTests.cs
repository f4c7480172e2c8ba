using System.Globalization;
using ReproKit.Cli;

namespace ReproKit.Tests;

/// <summary>
/// The CLI's outputs do not depend on the user's culture: a German (decimal comma, '.' thousands), a Turkish
/// (dotted/dotless i) and an Arabic culture print the same bytes as the invariant one.
/// </summary>
[NonParallelizable]
public class CultureTests
{
    private static readonly string[][] Commands =
    [
        ["rand", "--dist", "uniform", "--seed", "42", "--count", "16"],
        ["rand", "--dist", "normal", "--seed", "0x2A", "--count", "16", "--mean", "1.5", "--std", "0.25"],
        ["demo"],
        ["demo", "--json"],
        ["verify", "--json"],
    ];

    private static string Run(string[] args, string culture)
    {
        CultureInfo before = CultureInfo.CurrentCulture, beforeUi = CultureInfo.CurrentUICulture;
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = culture.Length == 0 ? CultureInfo.InvariantCulture : new CultureInfo(culture);
            var stdout = new StringWriter();
            var stderr = new StringWriter();
            int code = CliApp.Run(args, stdout, stderr);
            Assert.That(code, Is.Zero, $"{string.Join(' ', args)} under '{culture}': {stderr}");
            return stdout.ToString();
        }
        finally
        {
            CultureInfo.CurrentCulture = before;
            CultureInfo.CurrentUICulture = beforeUi;
        }
    }

    [TestCase("de-DE")]
    [TestCase("tr-TR")]
    [TestCase("ar-SA")]
    public void OutputsAreTheSameInEveryCulture(string culture)
    {
        foreach (string[] args in Commands)
        {
            Assert.That(Run(args, culture), Is.EqualTo(Run(args, "")), string.Join(' ', args));
        }
    }
}
