namespace ReproKit.Cli.Bench;

/// <summary>How the digests of one case compare across the inputs that measured it.</summary>
internal enum DigestStatus
{
    /// <summary>Fewer than two inputs have a digest for the case.</summary>
    Single,

    /// <summary>Every input with the same settings has the same digest.</summary>
    Same,

    /// <summary>Two inputs with the same settings have different digests: a reproducibility failure.</summary>
    Differs,

    /// <summary>Several inputs have digests, but their settings (e.g. "count") differ, so no two can be compared.</summary>
    NotComparable,
}

/// <summary>The figure a chart draws: a numeric case field, its unit, and which way is better (null when unknown).</summary>
internal sealed record BenchMetric(string Field, string Unit, bool? HigherIsBetter);

/// <summary>One input's result for one operation: a row of bars in that operation's chart.</summary>
internal sealed record BenchSeries(BenchInput Input, int Index, BenchRun Run)
{
    internal BenchCase? Case(string name) => Run.Cases.FirstOrDefault(c => c.Name == name);

    internal string Label => $"{Input.Letter} · {Run.Isa} · {Run.Threads} thread{(Run.Threads == 1 ? "" : "s")}";
}

/// <summary>One case of an operation across the inputs, with the verdict on its digests.</summary>
internal sealed record BenchCaseGroup(string Name, DigestStatus Status, string StatusText);

/// <summary>One operation: the inputs that measured it, the metric its chart draws, and its cases in first-seen order.</summary>
internal sealed record BenchOpGroup(string Op, BenchMetric? Metric, IReadOnlyList<BenchSeries> Series, IReadOnlyList<BenchCaseGroup> Cases,
    IReadOnlyList<string> Fields);

/// <summary>
/// The analysis behind <c>reprokit bench report</c>: groups the inputs' results by operation, picks the figure each
/// chart draws, and compares the digests of every case between inputs whose settings are equal (a difference there is a
/// reproducibility failure). <see cref="BenchHtml"/> and <see cref="BenchSvg"/> render what it finds.
/// </summary>
internal static class BenchAnalysis
{
    // Charted fields, best first: the first one a result has is drawn.
    private static readonly BenchMetric[] KnownMetrics =
    [
        new("gvaluesPerSecond", "G values/s", true),
        new("gflops", "GFLOP/s", true),
        new("milliseconds", "ms", false),
        new("seconds", "s", false),
    ];

    /// <summary>Groups the inputs' results by operation (first-seen order) and compares the digests of every case.</summary>
    internal static List<BenchOpGroup> Analyse(IReadOnlyList<BenchInput> inputs)
    {
        var ops = new List<BenchOpGroup>();
        foreach (string op in inputs.SelectMany(i => i.Runs).Select(r => r.Op).Distinct())
        {
            var series = new List<BenchSeries>();
            for (int i = 0; i < inputs.Count; i++)
            {
                if (inputs[i].Runs.FirstOrDefault(r => r.Op == op) is { } run)
                {
                    series.Add(new BenchSeries(inputs[i], i, run));
                }
            }

            var allCases = series.SelectMany(s => s.Run.Cases).ToList();
            var fields = allCases.SelectMany(c => c.Numbers).Select(n => n.Key).Distinct().ToList();
            BenchMetric? metric = KnownMetrics.FirstOrDefault(m => fields.Contains(m.Field))
                ?? (fields.Count > 0 ? new BenchMetric(fields[0], fields[0], null) : null);
            var cases = allCases.Select(c => c.Name).Distinct().Select(name => CompareDigests(name, series)).ToList();
            ops.Add(new BenchOpGroup(op, metric, series, cases, fields));
        }

        return ops;
    }

    private static BenchCaseGroup CompareDigests(string name, List<BenchSeries> series)
    {
        var withDigest = series.Where(s => s.Case(name)?.Sha256 is not null).ToList();
        var bySettings = withDigest.GroupBy(s => SettingsKey(s.Run)).ToList();
        var differing = bySettings.Where(g => g.Select(s => s.Case(name)!.Sha256).Distinct().Count() > 1).ToList();
        if (differing.Count > 0)
        {
            var groups = differing[0].GroupBy(s => s.Case(name)!.Sha256).Select(g => string.Join(", ", g.Select(s => s.Input.Letter)));
            return new(name, DigestStatus.Differs, $"✗ digests differ ({string.Join(" ≠ ", groups)})");
        }

        if (bySettings.Any(g => g.Count() > 1))
        {
            var alone = bySettings.Where(g => g.Count() == 1).Select(g => g.Single().Input.Letter).ToList();
            return new(name, DigestStatus.Same, alone.Count == 0 ? "✓ same digest" : $"✓ same digest ({string.Join(", ", alone)}: other settings)");
        }

        return withDigest.Count > 1
            ? new(name, DigestStatus.NotComparable, $"not compared: settings differ ({string.Join(", ", DifferingSettings(withDigest))})")
            : new(name, DigestStatus.Single, withDigest.Count == 1 ? "one digest" : "no digest");
    }

    private static string SettingsKey(BenchRun run) =>
        string.Join("\n", run.Settings.OrderBy(s => s.Key, StringComparer.Ordinal).Select(s => $"{s.Key}={s.Value}"));

    private static IEnumerable<string> DifferingSettings(List<BenchSeries> series) =>
        series.SelectMany(s => s.Run.Settings.Select(p => p.Key)).Distinct()
            .Where(k => series.Select(s => s.Run.Settings.FirstOrDefault(p => p.Key == k).Value).Distinct().Count() > 1);

    /// <summary>The "op / case" names whose digests differ.</summary>
    internal static List<string> Failures(IEnumerable<BenchOpGroup> ops) =>
        ops.SelectMany(o => o.Cases.Where(c => c.Status == DigestStatus.Differs).Select(c => $"{o.Op} / {c.Name}")).ToList();

    /// <summary>The verdict on the digests, as one sentence.</summary>
    internal static string Summary(IReadOnlyList<BenchOpGroup> ops, int files)
    {
        List<string> failures = Failures(ops);
        int compared = ops.Sum(o => o.Cases.Count(c => c.Status is DigestStatus.Same or DigestStatus.Differs));
        if (failures.Count > 0)
        {
            string list = string.Join(", ", failures.Take(10)) + (failures.Count > 10 ? $" and {failures.Count - 10} more" : "");
            return $"REPRODUCIBILITY FAILURE: {failures.Count} of {compared} compared case(s) have different digests for the same settings: {list}.";
        }

        return compared > 0
            ? $"All digests agree: {compared} case(s) compared across {files} file(s)."
            : "No digests were compared: no case has digests from two files with the same settings.";
    }
}
