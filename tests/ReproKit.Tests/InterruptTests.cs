using System.Diagnostics;
using ReproKit.Cli;

namespace ReproKit.Tests;

/// <summary>Ctrl+C on commands other than train: the files the run wrote are removed, exit code 130, no stack trace.</summary>
public class InterruptTests
{
    private string dir = "";

    [SetUp]
    public void CreateFolder() => dir = Directory.CreateTempSubdirectory("reprokit-interrupt").FullName;

    [TearDown]
    public void RemoveFolder() => Directory.Delete(dir, recursive: true);

    [Test]
    public void TheOutputOptionsAreTheFilesACommandWrites()
    {
        foreach (string name in new[] { "--out", "--mask-out", "--probs-out", "--logprobs-out", "--bias-grad-out", "--json-out", "--svg", "--write-digests", "--manifest" })
        {
            Assert.That(InterruptGuard.IsOutputOption(name), Is.True, name);
        }

        foreach (string name in new[] { "--out-channels", "--out-features", "--grad-output", "--input", "--mask", "--checkpoint", "--resume" })
        {
            Assert.That(InterruptGuard.IsOutputOption(name), Is.False, name);
        }
    }

    [Test]
    public void StoppingRemovesWhatTheRunWroteAndNothingElse()
    {
        string untouched = Path.Combine(dir, "untouched.npy"), rewritten = Path.Combine(dir, "rewritten.npy");
        string created = Path.Combine(dir, "created.npy"), never = Path.Combine(dir, "never.npy");
        File.WriteAllText(untouched, "an earlier run's output");
        File.WriteAllText(rewritten, "an earlier run's output");
        var err = new StringWriter();
        var codes = new List<int>();
        using (var guard = new InterruptGuard("rand", [untouched, rewritten, created, never], err, codes.Add))
        {
            File.WriteAllText(rewritten, "half");
            File.WriteAllText(created, "partly written");
            guard.Stop();
            guard.Stop(); // a second Ctrl+C while the first is handled does nothing more
        }

        Assert.That(codes, Is.EqualTo(new[] { CliApp.ExitInterrupted }));
        Assert.That(File.Exists(untouched), Is.True, "a file the run never touched stays");
        Assert.That(File.Exists(rewritten) || File.Exists(created) || File.Exists(never), Is.False);
        Assert.That(err.ToString().Trim(), Is.EqualTo($"reprokit rand: stopped by Ctrl+C; removed the partly written {rewritten}, {created}"));
    }

    [Test]
    public void SigintStopsARealRunWithExitCode130AndNoStackTrace()
    {
        Assume.That(OperatingSystem.IsLinux(), "SIGINT is sent with kill(1)");
        string exe = Path.Combine(TestContext.CurrentContext.TestDirectory, "ReproKit.Cli");
        Assume.That(File.Exists(exe), "the CLI's apphost is next to the tests");
        // A child inherits an ignored SIGINT (a background job of a non-interactive shell), and .NET keeps it ignored.
        Assume.That(SigintIgnored(), Is.False, "SIGINT is ignored in this process, so in its children too");
        // Printing 10^12 values runs until it is stopped; the first line says it is running.
        var start = new ProcessStartInfo(exe, ["rand", "--dist", "u32", "--seed", "1", "--count", "1000000000000", "--manifest", Path.Combine(dir, "m.json")])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.That(process.StandardOutput.ReadLine(), Is.Not.Null);
        var drain = process.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
        using (var kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            kill.WaitForExit();
        }

        Assert.That(process.WaitForExit(60_000), Is.True, "the run did not stop within 60 s of SIGINT");
        Assert.That(process.ExitCode, Is.EqualTo(CliApp.ExitInterrupted));
        string err = stderr.Result;
        Assert.That(err, Does.Contain("reprokit rand: stopped by Ctrl+C").And.Not.Contain("   at "));
        Assert.That(File.Exists(Path.Combine(dir, "m.json")), Is.False);
        drain.Wait(10_000);
    }

    private static bool SigintIgnored()
    {
        string? line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return line is not null && (Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16) & 0x2) != 0; // bit 1: signal 2
    }
}
