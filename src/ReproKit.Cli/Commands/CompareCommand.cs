using System.Globalization;
using System.Text.Json;

namespace ReproKit.Cli.Commands;

/// <summary>
/// <c>reprokit compare A.json B.json</c>: what differs between two run manifests (environment, calls, output digests) or
/// two bench results (digest per case, and B's throughput relative to A's). Exits 1 when a digest differs.
/// </summary>
internal static class CompareCommand
{
    internal static readonly OptionSpec[] Options =
    [
        new("a", null, "the first manifest or bench result (JSON)", Required: true),
        new("b", null, "the second", Required: true),
    ];

    internal static int Run(ArgReader args, TextWriter stdout)
    {
        string a = args.String("a")!, b = args.String("b")!;
        string ta = File.ReadAllText(a), tb = File.ReadAllText(b);
        return IsBench(ta, a) && IsBench(tb, b) ? CompareBench(ta, tb, stdout)
            : !IsBench(ta, a) && !IsBench(tb, b) ? CompareManifests(ReproManifest.Parse(ta, a), ReproManifest.Parse(tb, b), stdout)
            : throw new FormatException($"{a} and {b} are not of the same kind (one is a bench result, the other is not).");
    }

    private static bool IsBench(string json, string path)
    {
        try
        {
            using JsonDocument d = JsonDocument.Parse(json);
            return d.RootElement.ValueKind == JsonValueKind.Array
                ? throw new FormatException($"{path} holds a JSON array (e.g. 'bench all' results); compare takes one result per file, 'reprokit bench report' takes several.")
                : d.RootElement.ValueKind == JsonValueKind.Object && d.RootElement.TryGetProperty("op", out _) && d.RootElement.TryGetProperty("cases", out _);
        }
        catch (JsonException e)
        {
            throw new FormatException($"not JSON: {e.Message}", e);
        }
    }

    private static int CompareManifests(ReproManifest a, ReproManifest b, TextWriter w)
    {
        w.WriteLine("environment:");
        foreach (string key in a.Environment.Keys.Union(b.Environment.Keys).Order())
        {
            string va = a.Environment.GetValueOrDefault(key, "(none)"), vb = b.Environment.GetValueOrDefault(key, "(none)");
            w.WriteLine(va == vb ? $"  {key,-20} same: {va}" : $"  {key,-20} A: {va}\n  {string.Empty,-20} B: {vb}");
        }

        int differences = 0;
        w.WriteLine($"calls: A has {a.Calls.Count}, B has {b.Calls.Count}");
        for (int i = 0; i < Math.Max(a.Calls.Count, b.Calls.Count); i++)
        {
            if (i >= a.Calls.Count || i >= b.Calls.Count)
            {
                w.WriteLine($"  call {i}: only in {(i >= a.Calls.Count ? "B" : "A")}");
                differences++;
                continue;
            }

            ManifestCall ca = a.Calls[i], cb = b.Calls[i];
            bool sameArgs = ca.Operation == cb.Operation && Settings(ca).SequenceEqual(Settings(cb));
            w.WriteLine($"  call {i}: {ca.Operation} on {ca.Backend} vs {cb.Operation} on {cb.Backend}{(sameArgs ? "" : " (DIFFERENT parameters)")}");
            foreach (ManifestFile oa in ca.Outputs)
            {
                ManifestFile? ob = cb.Outputs.FirstOrDefault(o => o.Role == oa.Role);
                bool same = ob is not null && ob.Sha256 == oa.Sha256;
                differences += same ? 0 : 1;
                w.WriteLine($"    {oa.Role,-14} {(same ? "same digest" : "DIGEST DIFFERS")}");
            }

            differences += CompareEpochs(ca.Epochs, cb.Epochs, w);
        }

        w.WriteLine(differences == 0 ? "No output differs." : $"{differences} difference(s).");
        return differences == 0 ? CliApp.ExitOk : CliApp.ExitFailure;
    }

    // A call's arguments without the backend options (--isa, --threads): the backend is shown on its own.
    private static List<string> Settings(ManifestCall call)
    {
        var kept = new List<string>();
        for (int i = 0; i < call.Arguments.Length; i++)
        {
            string a = call.Arguments[i];
            if (BackendOptions.Specs.Any(o => o.Name == a))
            {
                i++;
            }
            else if (!BackendOptions.Specs.Any(o => a.StartsWith(o.Name + "=", StringComparison.Ordinal)))
            {
                kept.Add(a);
            }
        }

        return kept;
    }

    // A training run's epochs side by side; names the first epoch whose parameter digest differs.
    private static int CompareEpochs(IReadOnlyList<ManifestEpoch> a, IReadOnlyList<ManifestEpoch> b, TextWriter w)
    {
        int differences = 0;
        int? first = null;
        for (int i = 0; i < Math.Max(a.Count, b.Count); i++)
        {
            if (i >= a.Count || i >= b.Count)
            {
                w.WriteLine($"    epoch {(i < a.Count ? a[i] : b[i]).Epoch,-8} only in {(i >= a.Count ? "B" : "A")}");
                differences++;
                continue;
            }

            bool same = a[i].Digest == b[i].Digest;
            first ??= same ? null : a[i].Epoch;
            differences += same ? 0 : 1;
            w.WriteLine(same
                ? string.Create(CultureInfo.InvariantCulture, $"    epoch {a[i].Epoch,-8} same digest      loss {a[i].MeanLoss:F6}, val acc {a[i].ValidationAccuracy:P2}")
                : string.Create(CultureInfo.InvariantCulture,
                    $"    epoch {a[i].Epoch,-8} DIGEST DIFFERS   loss A {a[i].MeanLoss:R} B {b[i].MeanLoss:R}, val acc A {a[i].ValidationAccuracy:P2} B {b[i].ValidationAccuracy:P2}"));
        }

        if (first is { } f)
        {
            w.WriteLine($"    the first epoch whose parameter digest differs: {f}");
        }
        else if (a.Count > 0 && a.Count == b.Count)
        {
            w.WriteLine($"    all {a.Count} epochs have the same parameter digests");
        }

        return differences;
    }

    private static int CompareBench(string ta, string tb, TextWriter w)
    {
        try
        {
            return CompareBenchDocuments(ta, tb, w);
        }
        catch (Exception e) when (e is InvalidOperationException or KeyNotFoundException or ArgumentException)
        {
            // A property of the wrong kind (cases not an array, a case without a string name or sha256, a speed that is not a number).
            throw new FormatException($"not a valid bench result: {e.Message}", e);
        }
    }

    private static int CompareBenchDocuments(string ta, string tb, TextWriter w)
    {
        using JsonDocument da = JsonDocument.Parse(ta), db = JsonDocument.Parse(tb);
        w.WriteLine($"A: {Text(da, "op")} on {Text(da, "machine")} ({Text(da, "isa")}, {Num(da, "threads")} threads)");
        w.WriteLine($"B: {Text(db, "op")} on {Text(db, "machine")} ({Text(db, "isa")}, {Num(db, "threads")} threads)");
        var casesB = db.RootElement.GetProperty("cases").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!);
        int differences = 0;
        foreach (JsonElement ca in da.RootElement.GetProperty("cases").EnumerateArray())
        {
            string name = ca.GetProperty("name").GetString()!;
            if (!casesB.TryGetValue(name, out JsonElement cb))
            {
                w.WriteLine($"  {name,-30} only in A");
                continue;
            }

            bool same = ca.GetProperty("sha256").GetString() == cb.GetProperty("sha256").GetString();
            differences += same ? 0 : 1;
            double ratio = Speed(cb) / Speed(ca);
            w.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {name,-30} B/A speed {ratio,6:F2}x  {(same ? "same digest" : "DIGEST DIFFERS")}"));
        }

        return differences == 0 ? CliApp.ExitOk : CliApp.ExitFailure;
    }

    // Throughput for rand/dropout results, inverse time for latency results.
    private static double Speed(JsonElement c) =>
        c.TryGetProperty("gvaluesPerSecond", out JsonElement g) ? g.GetDouble() : 1.0 / c.GetProperty("milliseconds").GetDouble();

    private static string Text(JsonDocument d, string p) => d.RootElement.TryGetProperty(p, out JsonElement e) ? e.ToString() : "?";

    private static string Num(JsonDocument d, string p) => Text(d, p);
}
