using System.Diagnostics;
using System.Text.RegularExpressions;
using ReproKit.Training;

namespace ReproKit.TorchSharp.Tests;

/// <summary>
/// The digits sample in separate processes, with 1 and 2 threads and libtorch's ATEN_CPU_CAPABILITY default / avx2 /
/// avx512 (ReproKit's instruction set set to match: scalar / avx2 / avx512): its ReproKit layers give one digest,
/// ReproKit.Training's own for the same settings (computed here, in this process). The stock layers' digests are
/// printed beside it.
/// </summary>
public sealed partial class SampleProcessTests
{
    private const ulong Seed = 5;
    private const int Epochs = 2;

    private static readonly Lazy<string> Expected = new(() => DigitsTraining.Run(new DigitsTrainingOptions(Epochs: Epochs, Seed: Seed)).Digest);

    [TestCase(1, "default")]
    [TestCase(2, "default")]
    [TestCase(1, "avx2")]
    [TestCase(2, "avx2")]
    [TestCase(1, "avx512")]
    [TestCase(2, "avx512")]
    public void TheSampleTrainsToReproKitTrainingsDigestInEveryConfiguration(int threads, string capability)
    {
        CpuIsa isa = capability == "default" ? CpuIsa.Scalar : ReproKitLibrary.ParseIsa(capability);
        if (!ReproKitLibrary.IsSupported(isa))
        {
            Assert.Ignore($"This CPU lacks {capability.ToUpperInvariant()} (ReproKit supports {string.Join(", ", ReproKitLibrary.SupportedIsas)} here).");
        }

        string sample = SamplePath();
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in new[] { "exec", sample, "--epochs", $"{Epochs}", "--seed", $"{Seed}", "--threads", $"{threads}", "--isa", ReproKitLibrary.IsaName(isa) })
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["ATEN_CPU_CAPABILITY"] = capability;
        using var process = Process.Start(start)!;
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"The sample did not finish in 120 s:{Environment.NewLine}{output}");
        }

        TestContext.Out.WriteLine(output + stderr.Result);
        Assert.That(process.ExitCode, Is.EqualTo(0), "the sample's exit code (0: its ReproKit layers' digest equals ReproKit.Training's)");
        Assert.That(output, Does.Contain($"ATEN_CPU_CAPABILITY={capability}"));
        Assert.That(output, Does.Contain($"TorchSharp threads {threads}, ReproKit {isa} with {threads} threads"));
        Assert.That(Digest(output, "ReproKit.Training (reference)"), Is.EqualTo(Expected.Value));
        Assert.That(Digest(output, "TorchSharp + ReproKit layers"), Is.EqualTo(Expected.Value));
        Assert.That(Digest(output, "TorchSharp stock layers"), Has.Length.EqualTo(64));
    }

    private static string Digest(string output, string name)
    {
        Match m = Regex.Match(output, "^" + Regex.Escape(name) + @"\s+digest ([0-9a-f]{64})", RegexOptions.Multiline);
        Assert.That(m.Success, Is.True, $"the sample printed no digest for '{name}'");
        return m.Groups[1].Value;
    }

    // The sample is built with the tests (a project reference): samples/ReproKit.TorchSharp.Digits/bin/<config>/<tfm>.
    private static string SamplePath()
    {
        string here = AppContext.BaseDirectory.Replace('\\', '/');
        const string tests = "tests/ReproKit.TorchSharp.Tests/";
        int at = here.LastIndexOf(tests, StringComparison.Ordinal);
        Assert.That(at, Is.GreaterThanOrEqualTo(0), $"the tests run from {here}, not from the repository's tests/ReproKit.TorchSharp.Tests");
        string path = Path.Combine(here[..at] + "samples/ReproKit.TorchSharp.Digits/" + here[(at + tests.Length)..], "ReproKit.TorchSharp.Digits.dll");
        Assert.That(File.Exists(path), Is.True, $"the sample is not built: {path}");
        return path;
    }
}
