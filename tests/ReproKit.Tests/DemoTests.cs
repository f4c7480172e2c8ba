using System.Diagnostics;
using System.Text.Json;
using ReproKit.Cli;
using ReproKit.Cli.Commands;

namespace ReproKit.Tests;

/// <summary>
/// <c>reprokit demo</c>, README's main job: every section is there, every check holds, and every digest equals the one
/// recorded in tests/golden/demo-digests.txt, so that a change of bits is a visible decision.
/// </summary>
public class DemoTests
{
    private static readonly string[] SectionKeys = ["weights", "shuffle", "checkpoint", "dropout", "conv", "sampling", "training", "hardware"];

    private static IReadOnlyDictionary<string, string> RecordedFile =>
        DemoDigests.Parse(File.ReadAllText(Path.Combine(TestContext.CurrentContext.TestDirectory, "golden", "demo-digests.txt")));

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CliApp.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    // The demo's JSON from a separate process with the given environment (RK_ISA and RK_NUM_THREADS are read natively).
    private static JsonElement RunProcess(params (string Name, string Value)[] environment)
    {
        string cli = Path.Combine(TestContext.CurrentContext.TestDirectory, "ReproKit.Cli.dll");
        var psi = new ProcessStartInfo("dotnet", [cli, "demo", "--json"]) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var (name, value) in environment)
        {
            psi.Environment[name] = value;
        }

        using var p = Process.Start(psi)!;
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Assert.That(p.WaitForExit(TimeSpan.FromSeconds(120)), Is.True, "reprokit demo hung");
        Assert.That(p.ExitCode, Is.Zero, stderr.Result + stdout.Result);
        return JsonDocument.Parse(stdout.Result).RootElement.Clone();
    }

    [Test]
    public void TheEmbeddedDigestsAreTheRecordedFile()
    {
        Assert.That(DemoDigests.Recorded, Is.EquivalentTo(RecordedFile));
        Assert.That(RecordedFile.Keys, Is.EquivalentTo(SectionKeys.Append(DemoCommand.CombinedKey)));
    }

    [Test]
    public void TheTourShowsEverySectionWithItsRecordedDigest()
    {
        var (code, output, err) = Run("demo");
        Assert.That(code, Is.Zero, output + err);
        string[] titles =
        [
            "1. Weight initialisation", "2. Dataset shuffling and splits", "3. A checkpointed generator", "4. Dropout",
            "5. Convolution", "6. Token sampling", "7. A whole training run", "8. Hardware",
        ];
        foreach (string title in titles)
        {
            Assert.That(output, Does.Contain("\n" + title), title);
        }

        foreach (string key in SectionKeys)
        {
            Assert.That(output, Does.Contain($"sha256 {RecordedFile[key]}  (= recorded)"), key);
        }

        Assert.That(output, Does.Contain($"Combined digest of all 8 sections: {RecordedFile[DemoCommand.CombinedKey]}  (= recorded)"));
        Assert.That(output, Does.Contain("All checks passed. Run this on another machine"));
        Assert.That(output, Does.Not.Contain("FAIL").And.Not.Contain("DIFFER"));

        // Convolution: each algorithm with its error against float64; Winograd F(4,3) is the least accurate, all are close.
        foreach (string algo in new[] { "Direct", "ImplicitGemm", "Winograd F2x3", "Winograd F4x3", "Fft" })
        {
            string line = output.Split('\n').Single(l => l.TrimStart().StartsWith(algo + " ", StringComparison.Ordinal) && l.Contains(" sha256 ", StringComparison.Ordinal));
            double error = double.Parse(line[(line.IndexOf("max error ", StringComparison.Ordinal) + 10)..].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            Assert.That(error, Is.GreaterThan(0).And.LessThan(1e-5), line);
        }
    }

    [Test]
    public void TheJsonHoldsEverySectionCheckAndDigest()
    {
        var (code, output, err) = Run("demo", "--json");
        Assert.That(code, Is.Zero, output + err);
        JsonElement root = JsonDocument.Parse(output).RootElement;
        var sections = root.GetProperty("sections").EnumerateArray().ToList();
        Assert.That(sections.Select(s => s.GetProperty("key").GetString()), Is.EqualTo(SectionKeys));
        foreach (JsonElement s in sections)
        {
            string key = s.GetProperty("key").GetString()!;
            Assert.That(s.GetProperty("sha256").GetString(), Is.EqualTo(RecordedFile[key]), key);
            Assert.That(s.GetProperty("matchesRecorded").GetBoolean(), Is.True, key);
            var checks = s.GetProperty("checks").EnumerateArray().ToList();
            Assert.That(checks, Is.Not.Empty, key);
            Assert.That(checks.All(c => c.GetProperty("ok").GetBoolean()), Is.True, key);
        }

        Assert.That(root.GetProperty("combined").GetString(), Is.EqualTo(RecordedFile[DemoCommand.CombinedKey]));
        Assert.That(root.GetProperty("allChecksPassed").GetBoolean(), Is.True);
    }

    [Test]
    public void EveryIsaAndThreadCountGivesTheSameDigests()
    {
        // The environment a user sets (RK_ISA, RK_NUM_THREADS) changes the backend of every section, never a digest.
        var runs = new List<(string Isa, string Threads)>();
        foreach (CpuIsa isa in ReproKitLibrary.SupportedIsas)
        {
            runs.Add((ReproKitLibrary.IsaName(isa), isa == ReproKitLibrary.SupportedIsas[0] ? "1" : "3"));
        }

        runs.Add((ReproKitLibrary.IsaName(ReproKitLibrary.SupportedIsas[^1]), "1"));
        foreach (var (isa, threads) in runs)
        {
            JsonElement root = RunProcess(("RK_ISA", isa), ("RK_NUM_THREADS", threads));
            Assert.That(root.GetProperty("isa").GetString(), Is.EqualTo(isa));
            Assert.That(root.GetProperty("threads").GetInt32(), Is.EqualTo(int.Parse(threads, System.Globalization.CultureInfo.InvariantCulture)));
            Assert.That(root.GetProperty("combined").GetString(), Is.EqualTo(RecordedFile[DemoCommand.CombinedKey]), $"{isa}, {threads} thread(s)");
        }
    }

    [Test]
    public void ADigestThatDiffersFromTheRecordedOneFailsTheDemo()
    {
        var altered = new Dictionary<string, string>(RecordedFile) { ["dropout"] = new string('0', 64) };
        var stdout = new StringWriter();
        int code = DemoCommand.Run(new ArgReader("demo", DemoCommand.Options, []), stdout, altered);
        Assert.That(code, Is.EqualTo(CliApp.ExitFailure));
        Assert.That(stdout.ToString(), Does.Contain($"sha256 {RecordedFile["dropout"]}  (DIFFERS from the recorded 0000000000000000...)"));
        Assert.That(stdout.ToString(), Does.Contain("SOME CHECKS FAILED"));

        var missing = new Dictionary<string, string>(RecordedFile);
        missing.Remove(DemoCommand.CombinedKey);
        stdout = new StringWriter();
        Assert.That(DemoCommand.Run(new ArgReader("demo", DemoCommand.Options, []), stdout, missing), Is.EqualTo(CliApp.ExitFailure));
        Assert.That(stdout.ToString(), Does.Contain("(NO DIGEST RECORDED)"));
    }

    [Test]
    public void WriteDigestsRecordsThisRunInTheRecordedFormat()
    {
        string dir = Directory.CreateTempSubdirectory("rk-demo").FullName;
        try
        {
            string path = Path.Combine(dir, "digests.txt");
            Assert.That(Run("demo", "--write-digests", path).Code, Is.Zero);
            Assert.That(DemoDigests.Parse(File.ReadAllText(path)), Is.EquivalentTo(RecordedFile));

            var (code, _, err) = Run("demo", "--write-digests", Path.Combine(dir, "no-such-folder", "d.txt"));
            Assert.That(code, Is.EqualTo(CliApp.ExitFailure));
            Assert.That(err, Does.Contain("--write-digests").And.Contain("does not exist"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Test]
    public void AMalformedRecordedFileIsReportedByLine()
    {
        Assert.That(() => DemoDigests.Parse("weights 1234\n"), Throws.TypeOf<InvalidDataException>().With.Message.Contains("'weights 1234'"));
        Assert.That(DemoDigests.Parse("# comment\n\nconv " + new string('a', 64) + "\n"), Has.Count.EqualTo(1));
    }
}
