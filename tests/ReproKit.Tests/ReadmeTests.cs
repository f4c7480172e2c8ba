using ReproKit.Cli;

namespace ReproKit.Tests;

/// <summary>README.md says what the tool does: its synopsis is the one the commands generate from their own options.</summary>
public class ReadmeTests
{
    private const string Marker = "<!-- The block below is `reprokit --synopsis`";

    // The repository's README (the tests run from tests/ReproKit.Tests/bin/...; a clone always has it at the root).
    private static string ReadmePath()
    {
        for (var d = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "README.md")) && File.Exists(Path.Combine(d.FullName, "Interop.sln")))
            {
                return Path.Combine(d.FullName, "README.md");
            }
        }

        throw new FileNotFoundException("README.md not found above the test folder");
    }

    [Test]
    public void TheSynopsisIsTheCommandsOwn()
    {
        string[] lines = File.ReadAllLines(ReadmePath());
        int marker = Array.FindIndex(lines, l => l.StartsWith(Marker, StringComparison.Ordinal));
        Assert.That(marker, Is.GreaterThan(0), "README.md has no synopsis marker");
        Assert.That(lines[marker + 1], Is.EqualTo("```sh"));
        string[] readme = [.. lines.Skip(marker + 2).TakeWhile(l => l != "```")];
        var output = new StringWriter();
        Assert.That(CliApp.Run(["--synopsis"], output, new StringWriter()), Is.Zero);
        string[] cli = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();
        Assert.That(readme, Is.EqualTo(cli),
            "README.md's command-line synopsis differs from the commands' options: paste the output of 'reprokit --synopsis' into it");
    }

    [Test]
    public void TheHelpNamesEveryEnvironmentVariableAndExitCode()
    {
        var output = new StringWriter();
        CliApp.Run(["--help"], output, new StringWriter());
        Assert.That(output.ToString(), Does.Contain("RK_ISA=scalar|avx2|avx512|neon").And.Contain("REPROKIT_CUDA_PLUGIN")
            .And.Contain("REPROKIT_NATIVE_PATH").And.Contain("RK_NUM_THREADS").And.Contain("RK_PARALLEL_MIN_WORK").And.Contain("130 stopped by Ctrl+C"));
    }
}
