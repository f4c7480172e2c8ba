using System.Globalization;
using System.Text.Json;
using ReproKit.Cli.Demo;

namespace ReproKit.Cli.Commands;

/// <summary>
/// <c>reprokit demo [--json]</c>: a tour of every source of randomness that deep-learning reproducibility depends on
/// (weight init, shuffling and splits, checkpointed generators, dropout, convolution algorithms, token sampling, a
/// whole training run, hardware). Each section computes from fixed seeds, shows the property that makes it reproducible, and prints its
/// SHA-256 digest, compared with the digest recorded in this release (tests/golden/demo-digests.txt, embedded);
/// the tour ends with one combined digest for comparing machines. Exit 1 if any check fails.
/// </summary>
internal static class DemoCommand
{
    internal static readonly OptionSpec[] Options =
    [
        new("--json", null, "print the sections, checks and digests as JSON"),
        new("--write-digests", "FILE", "write the digests of this run in the recorded-digests format (maintainers: a documented spec change)"),
    ];

    private static readonly int[] ThreadCounts = [1, 2, 3];

    private sealed record SectionResult(string Key, string Title, DemoOutcome Outcome, string? Recorded)
    {
        internal bool MatchesRecorded => Recorded == Outcome.Digest;

        internal bool Ok => MatchesRecorded && Outcome.Checks.All(c => c.Ok);
    }

    internal static int Run(ArgReader args, TextWriter stdout) => Run(args, stdout, DemoDigests.Recorded);

    /// <summary>Runs the demo against the given recorded digests (the tests pass altered ones to see a difference reported).</summary>
    internal static int Run(ArgReader args, TextWriter stdout, IReadOnlyDictionary<string, string> recorded)
    {
        bool json = args.Flag("--json");
        string? writeTo = args.String("--write-digests");
        if (writeTo is not null && Path.GetDirectoryName(Path.GetFullPath(writeTo)) is { } dir && !Directory.Exists(dir))
        {
            throw new DirectoryNotFoundException($"--write-digests: the folder '{dir}' does not exist.");
        }

        using var context = new CpuContext(); // RK_ISA / RK_NUM_THREADS choose it, as for every command
        var results = new List<SectionResult>();
        foreach (DemoSection s in DemoSections.All)
        {
            DemoOutcome outcome = s.Run(context, true);
            results.Add(new SectionResult(s.Key, s.Title, outcome, recorded.GetValueOrDefault(s.Key)));
        }

        DemoOutcome hardware = Hardware(context, results);
        results.Add(new SectionResult(HardwareKey, "Hardware: every ISA and thread count (and CUDA device) gives the same bits", hardware,
            recorded.GetValueOrDefault(HardwareKey)));

        var combinedSet = new DigestSet();
        foreach (SectionResult r in results)
        {
            combinedSet.Add(r.Key, r.Outcome.Digest);
        }

        string combined = combinedSet.Combined;
        string? combinedRecorded = recorded.GetValueOrDefault(CombinedKey);
        bool allOk = results.All(r => r.Ok) && combined == combinedRecorded;

        if (writeTo is not null)
        {
            File.WriteAllText(writeTo, DemoDigests.Format(results.Select(r => (r.Key, r.Outcome.Digest)).Append((CombinedKey, combined))));
        }

        if (json)
        {
            WriteJson(stdout, context, results, combined, combinedRecorded, allOk);
        }
        else
        {
            WriteText(stdout, context, results, combined, combinedRecorded, allOk);
        }

        return allOk ? CliApp.ExitOk : CliApp.ExitFailure;
    }

    internal const string HardwareKey = "hardware";
    internal const string CombinedKey = "combined";

    // Reruns every section on every ISA x thread count (1, 2, 3) and the golden suite there and on every CUDA device.
    // The section's digest is the golden suite's (the same on every backend by contract).
    private static DemoOutcome Hardware(CpuContext context, List<SectionResult> shown)
    {
        var lines = new List<string>();
        var checks = new List<DemoCheck>();
        var golden = new DigestSet();
        foreach (GoldenResult g in Golden.RunAll(context))
        {
            golden.Add(g.Name, g.Actual);
        }

        bool sectionsAgree = true, goldenAgrees = true;
        int backends = 0;
        foreach (CpuIsa isa in ReproKitLibrary.SupportedIsas)
        {
            var perThreads = new List<string>();
            foreach (int threads in ThreadCounts)
            {
                using var c = new CpuContext(new CpuContextOptions(isa, threads));
                Progress.Step($"demo: every section again on {ReproKitLibrary.IsaName(isa)} with {threads} thread(s)", logWhenRedirected: false);
                bool same = DemoSections.All.Select((s, i) => (s, i)).All(p =>
                {
                    DemoOutcome o = p.s.Run(c, false);
                    return o.Digest == shown[p.i].Outcome.Digest && o.Checks.All(k => k.Ok);
                });
                IReadOnlyList<GoldenResult> g = Golden.RunAll(c);
                bool goldenOk = g.All(r => r.Matches);
                sectionsAgree &= same;
                goldenAgrees &= goldenOk;
                perThreads.Add($"{threads}t {(same && goldenOk ? "same" : "DIFFERENT")}");
                backends++;
            }

            lines.Add($"cpu {ReproKitLibrary.IsaName(isa),-7} {string.Join(", ", perThreads)}");
        }

        Progress.Done();
        checks.Add(new DemoCheck($"sections 1-{DemoSections.All.Length} give the digests above on all {backends} CPU backends", sectionsAgree));
        checks.Add(new DemoCheck($"the golden suite ({Golden.Count} cases, every operation) matches its recorded digests on all {backends}", goldenAgrees));

        int devices = CudaDevices.Count(out string reason);
        if (devices == 0)
        {
            lines.Add("cuda    no device here:");
            lines.Add($"        {reason}");
        }

        for (int d = 0; d < devices; d++)
        {
            using var cuda = new CudaContext(d);
            Progress.Step($"demo: the golden suite on cuda:{d}", logWhenRedirected: false);
            bool ok = Enumerable.Range(0, Golden.Count).All(i => CudaOperations.Golden(i, cuda).Matches);
            Progress.Done();
            lines.Add($"cuda:{d}  {cuda.Device.Name} ({cuda.Device.Architecture}): golden suite {(ok ? "same" : "DIFFERENT")}");
            checks.Add(new DemoCheck($"the golden suite matches on cuda:{d} ({cuda.Device.Architecture})", ok));
        }

        return new DemoOutcome(golden.Combined, lines, checks);
    }

    private static void WriteText(TextWriter w, CpuContext context, List<SectionResult> results, string combined, string? combinedRecorded, bool allOk)
    {
        w.WriteLine("ReproKit demo: every source of randomness in deep learning, the same bits on every machine");
        w.WriteLine($"ReproKit {ReproKitLibrary.ManagedVersion} (native {ReproKitLibrary.NativeVersion}) on {ReproKitLibrary.CpuDescription}");
        w.WriteLine($"CPU backend: ISA {ReproKitLibrary.IsaName(context.Isa)}, {context.Threads} thread(s)");
        for (int i = 0; i < results.Count; i++)
        {
            SectionResult r = results[i];
            w.WriteLine();
            w.WriteLine($"{i + 1}. {r.Title}");
            foreach (string line in r.Outcome.Lines)
            {
                w.WriteLine($"   {line}");
            }

            foreach (DemoCheck c in r.Outcome.Checks)
            {
                w.WriteLine($"   {(c.Ok ? "ok  " : "FAIL")} {c.What}");
            }

            w.WriteLine($"   sha256 {r.Outcome.Digest}  {RecordedNote(r.Outcome.Digest, r.Recorded)}");
        }

        w.WriteLine();
        w.WriteLine($"Combined digest of all {results.Count} sections: {combined}  {RecordedNote(combined, combinedRecorded)}");
        w.WriteLine(allOk
            ? "All checks passed. Run this on another machine: every digest above must be identical."
            : "SOME CHECKS FAILED: this build does not reproduce the canonical results. Please report it with this output.");
    }

    private static string RecordedNote(string digest, string? recorded) =>
        recorded is null ? "(NO DIGEST RECORDED)" : digest == recorded ? "(= recorded)" : $"(DIFFERS from the recorded {recorded[..16]}...)";

    private static void WriteJson(TextWriter stdout, CpuContext context, List<SectionResult> results, string combined, string? combinedRecorded, bool allOk)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("version", ReproKitLibrary.ManagedVersion);
            w.WriteString("nativeVersion", ReproKitLibrary.NativeVersion);
            w.WriteString("machine", ReproKitLibrary.CpuDescription);
            w.WriteString("isa", ReproKitLibrary.IsaName(context.Isa));
            w.WriteNumber("threads", context.Threads);
            w.WriteStartArray("sections");
            foreach (SectionResult r in results)
            {
                w.WriteStartObject();
                w.WriteString("key", r.Key);
                w.WriteString("title", r.Title);
                w.WriteString("sha256", r.Outcome.Digest);
                w.WriteString("recorded", r.Recorded);
                w.WriteBoolean("matchesRecorded", r.MatchesRecorded);
                w.WriteStartArray("lines");
                foreach (string line in r.Outcome.Lines)
                {
                    w.WriteStringValue(line);
                }

                w.WriteEndArray();
                w.WriteStartArray("checks");
                foreach (DemoCheck c in r.Outcome.Checks)
                {
                    w.WriteStartObject();
                    w.WriteString("what", c.What);
                    w.WriteBoolean("ok", c.Ok);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteString("combined", combined);
            w.WriteString("combinedRecorded", combinedRecorded);
            w.WriteBoolean("allChecksPassed", allOk);
            w.WriteEndObject();
        }

        stdout.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }
}

/// <summary>The demo's digests recorded in this release: tests/golden/demo-digests.txt, embedded in the CLI.</summary>
internal static class DemoDigests
{
    internal const string ResourceName = "ReproKit.Cli.demo-digests.txt";

    internal static IReadOnlyDictionary<string, string> Recorded { get; } = Load();

    internal static IReadOnlyDictionary<string, string> Parse(string text)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2 || parts[1].Length != 64)
            {
                throw new InvalidDataException($"{ResourceName}: malformed line '{line}' (expected 'name sha256').");
            }

            map[parts[0]] = parts[1];
        }

        return map;
    }

    internal static string Format(IEnumerable<(string Key, string Digest)> digests)
    {
        var s = new System.Text.StringBuilder();
        s.Append("# The digests of `reprokit demo`, one per section, and the combined digest. The demo compares every run with\n");
        s.Append("# these (embedded in the CLI), and tests/ReproKit.Tests/DemoTests.cs checks them. They change ONLY with a\n");
        s.Append("# documented spec change (docs/spec.md) or a deliberate change of the demo's inputs: regenerate with\n");
        s.Append("#   dotnet run --project src/ReproKit.Cli -- demo --write-digests tests/golden/demo-digests.txt\n");
        s.Append("# and say in the commit which change moved which digest.\n");
        foreach (var (key, digest) in digests)
        {
            s.Append(CultureInfo.InvariantCulture, $"{key} {digest}\n");
        }

        return s.ToString();
    }

    private static IReadOnlyDictionary<string, string> Load()
    {
        using Stream? stream = typeof(DemoDigests).Assembly.GetManifestResourceStream(ResourceName);
        if (stream is null)
        {
            return new Dictionary<string, string>();
        }

        using var reader = new StreamReader(stream);
        return Parse(reader.ReadToEnd());
    }
}
