using System.Text.Json;

namespace ReproKit.Cli.Bench;

/// <summary>One case of a bench result: its name, the digest of its output (when recorded) and its numeric fields in file order.</summary>
internal sealed record BenchCase(string Name, string? Sha256, IReadOnlyList<KeyValuePair<string, double>> Numbers)
{
    internal double? Number(string field)
    {
        foreach (var (key, value) in Numbers)
        {
            if (key == field)
            {
                return value;
            }
        }

        return null;
    }
}

/// <summary>
/// One bench result (the envelope <c>reprokit bench &lt;op&gt; --json</c> writes): the operation, where it ran, the
/// settings that shape its outputs (every other top-level field, e.g. "count", as raw JSON), its cases, and the machine's
/// bounds measured in the same run (absent in results written before they were recorded, and for CUDA).
/// </summary>
internal sealed record BenchRun(string Op, string Machine, string Isa, int Threads,
    IReadOnlyList<KeyValuePair<string, string>> Settings, IReadOnlyList<BenchCase> Cases, MachineBound? Bounds = null);

/// <summary>One input file of a report: its letter (A, B, ...), its path as given, and its results (one per operation).</summary>
internal sealed record BenchInput(string Letter, string Path, IReadOnlyList<BenchRun> Runs);

/// <summary>Reads the JSON files <c>reprokit bench</c> writes: one result object, or an array of them (<c>bench all</c>).</summary>
internal static class BenchResults
{
    private static readonly HashSet<string> EnvelopeFields = ["op", "machine", "isa", "threads", "cases", "bounds"];

    /// <summary>The letter of the <paramref name="index"/>-th input: A .. Z, then AA, AB, ...</summary>
    internal static string Letter(int index) =>
        index < 26 ? ((char)('A' + index)).ToString() : Letter(index / 26 - 1) + (char)('A' + index % 26);

    /// <summary>Reads every file; the first error names its file.</summary>
    internal static List<BenchInput> Load(IReadOnlyList<string> paths)
    {
        var inputs = new List<BenchInput>();
        for (int i = 0; i < paths.Count; i++)
        {
            string path = paths[i];
            if (!File.Exists(path))
            {
                throw new FileNotFoundException($"{path}: no such file.", path);
            }

            inputs.Add(new BenchInput(Letter(i), path, Parse(File.ReadAllText(path), path)));
        }

        return inputs;
    }

    /// <summary>Parses one file's text; <paramref name="path"/> names it in errors (FormatException).</summary>
    internal static List<BenchRun> Parse(string json, string path)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException e)
        {
            throw new FormatException($"{path}: not valid JSON ({e.Message})", e);
        }

        using (doc)
        {
            JsonElement root = doc.RootElement;
            var runs = new List<BenchRun>();
            if (root.ValueKind == JsonValueKind.Array)
            {
                int index = 0;
                foreach (JsonElement item in root.EnumerateArray())
                {
                    runs.Add(ParseRun(item, $"{path}: element {index++}"));
                }

                if (runs.Count == 0)
                {
                    throw NotBench(path, "the array is empty");
                }
            }
            else
            {
                runs.Add(ParseRun(root, path));
            }

            string? repeated = runs.GroupBy(r => r.Op).FirstOrDefault(g => g.Count() > 1)?.Key;
            if (repeated is not null)
            {
                throw new FormatException($"{path}: holds two results for '{repeated}'; give one result per operation per file.");
            }

            return runs;
        }
    }

    private static BenchRun ParseRun(JsonElement e, string where)
    {
        if (e.ValueKind != JsonValueKind.Object)
        {
            throw NotBench(where, $"expected an object, found {Kind(e)}");
        }

        string op = RequiredString(e, "op", where);
        string machine = RequiredString(e, "machine", where);
        string isa = RequiredString(e, "isa", where);
        if (!e.TryGetProperty("threads", out JsonElement threads) || threads.ValueKind != JsonValueKind.Number
            || !threads.TryGetInt32(out int threadCount) || threadCount < 1)
        {
            throw NotBench(where, "\"threads\" must be a positive integer");
        }

        if (!e.TryGetProperty("cases", out JsonElement cases) || cases.ValueKind != JsonValueKind.Array)
        {
            throw NotBench(where, "no \"cases\" array");
        }

        var settings = new List<KeyValuePair<string, string>>();
        foreach (JsonProperty p in e.EnumerateObject())
        {
            if (!EnvelopeFields.Contains(p.Name))
            {
                settings.Add(new(p.Name, p.Value.GetRawText()));
            }
        }

        var list = new List<BenchCase>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        int index = 0;
        foreach (JsonElement c in cases.EnumerateArray())
        {
            string at = $"{where}: case {index++}";
            if (c.ValueKind != JsonValueKind.Object)
            {
                throw NotBench(at, $"expected an object, found {Kind(c)}");
            }

            string name = RequiredString(c, "name", at);
            if (!names.Add(name))
            {
                throw NotBench(at, $"the case name '{name}' appears twice");
            }

            string? sha = null;
            if (c.TryGetProperty("sha256", out JsonElement digest))
            {
                sha = digest.ValueKind == JsonValueKind.String ? ReadString(digest, at) : throw NotBench(at, "\"sha256\" must be a string");
            }

            var numbers = new List<KeyValuePair<string, double>>();
            foreach (JsonProperty p in c.EnumerateObject())
            {
                if (p.Value.ValueKind == JsonValueKind.Number && p.Value.TryGetDouble(out double v) && double.IsFinite(v))
                {
                    numbers.Add(new(p.Name, v));
                }
            }

            list.Add(new BenchCase(name, sha, numbers));
        }

        return new BenchRun(op, machine, isa, threadCount, settings, list, ParseBounds(e, where));
    }

    private static MachineBound? ParseBounds(JsonElement e, string where)
    {
        if (!e.TryGetProperty("bounds", out JsonElement b))
        {
            return null;
        }

        double Positive(string name) =>
            b.ValueKind == JsonValueKind.Object && b.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.Number
                && v.TryGetDouble(out double d) && double.IsFinite(d) && d > 0
                ? d
                : throw NotBench(where, $"\"bounds\" needs a positive number \"{name}\"");
        string fma = b.TryGetProperty("fma", out JsonElement f) && f.ValueKind == JsonValueKind.String ? ReadString(f, where) : "?";
        return new MachineBound((int)Positive("threads"), Positive("fmaPeakGflops"), Positive("copyTrafficGBps"), fma);
    }

    private static string RequiredString(JsonElement e, string name, string where) =>
        e.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.String
            ? ReadString(v, where)
            : throw NotBench(where, $"no \"{name}\" string");

    private static string ReadString(JsonElement v, string where)
    {
        try
        {
            return v.GetString()!;
        }
        catch (InvalidOperationException e)
        {
            throw new FormatException($"{where}: a string is not valid UTF-16 ({e.Message})", e);
        }
    }

    private static string Kind(JsonElement e) => e.ValueKind.ToString().ToLowerInvariant();

    private static FormatException NotBench(string where, string why) =>
        new($"{where}: not a bench result ({why}); write one with 'reprokit bench <op> --json > FILE.json'.");
}
