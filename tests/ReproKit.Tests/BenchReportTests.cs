using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml;
using System.Xml.Linq;
using ReproKit.Cli;

namespace ReproKit.Tests;

/// <summary><c>reprokit bench all</c> and <c>reprokit bench report</c>, run in-process on real bench results.</summary>
public class BenchReportTests
{
    private static readonly XNamespace Svg = "http://www.w3.org/2000/svg";
    private string _dir = null!;

    [SetUp]
    public void CreateDirectory() => _dir = Directory.CreateTempSubdirectory("rk-report").FullName;

    [TearDown]
    public void DeleteDirectory() => Directory.Delete(_dir, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CliApp.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private string PathOf(string name) => Path.Combine(_dir, name);

    // A real `bench rand --json` result (4096 values, one timed run), optionally edited, written to a file.
    private string RandResult(string name, string isa, int threads, Action<JsonObject>? edit = null)
    {
        var (code, json, err) = Run("bench", "rand", "--count", "4096", "--repeat", "1", "--json", "--isa", isa, "--threads", $"{threads}");
        Assert.That(code, Is.Zero, err);
        var node = JsonNode.Parse(json)!.AsObject();
        edit?.Invoke(node);
        string path = PathOf(name);
        File.WriteAllText(path, node.ToJsonString());
        return path;
    }

    private static string BestIsa => ReproKitLibrary.IsaName(ReproKitLibrary.SupportedIsas.Last());

    private static XDocument ParseXml(string path) =>
        XDocument.Load(XmlReader.Create(path, new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore }));

    [Test]
    public void TwoResultsGiveChartsTableAndAStandaloneSvg()
    {
        string a = RandResult("a.json", "scalar", 1);
        string b = RandResult("b.json", BestIsa, 2);
        var (code, output, err) = Run("bench", "report", a, b, "--out", PathOf("r.html"), "--svg", PathOf("r.svg"));
        Assert.That(code, Is.Zero, output + err);
        Assert.That(output, Does.Contain("All digests agree: 8 case(s) compared across 2 file(s)."));

        string html = File.ReadAllText(PathOf("r.html"));
        Assert.That(html, Does.StartWith("<!DOCTYPE html>"));
        Assert.That(html, Does.Contain("A · scalar · 1 thread").And.Contain($"B · {BestIsa} · 2 threads"));
        Assert.That(html, Does.Contain(ReproKitLibrary.CpuDescription.Replace("&", "&amp;", StringComparison.Ordinal)));
        Assert.That(html, Does.Contain("G values/s, higher is better"));
        Assert.That(html, Does.Not.Contain("<script").And.Not.Contain("<link").And.Not.Contain(" src=").And.Not.Contain("url("), "no scripts or external resources");
        Assert.That(html, Does.Contain("<svg xmlns=\"http://www.w3.org/2000/svg\""), "the chart is inline");

        // The table: a row per case and input, with the digests of the files.
        XDocument page = ParseXml(PathOf("r.html"));
        var rows = page.Descendants("tr").Where(tr => tr.Ancestors("section").Any() && tr.Elements("td").Any()).ToList();
        Assert.That(rows, Has.Count.EqualTo(16));
        using JsonDocument da = JsonDocument.Parse(File.ReadAllText(a));
        foreach (JsonElement c in da.RootElement.GetProperty("cases").EnumerateArray())
        {
            Assert.That(page.Descendants("code").Count(e => e.Value == c.GetProperty("sha256").GetString()), Is.EqualTo(2), c.GetProperty("name").GetString());
        }

        Assert.That(page.Descendants("td").Count(td => td.Value == "✓ same digest"), Is.EqualTo(8));

        // The SVG: valid XML, a bar per case and input, each case's largest value the full length.
        string svgText = File.ReadAllText(PathOf("r.svg"));
        Assert.That(svgText, Does.StartWith("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\""));
        XDocument svg = XDocument.Parse(svgText);
        var bars = svg.Descendants(Svg + "rect").Where(r => r.Element(Svg + "title") is not null).ToList();
        Assert.That(bars, Has.Count.EqualTo(16));
        foreach (var pair in bars.Chunk(2))
        {
            double[] widths = pair.Select(r => double.Parse(r.Attribute("width")!.Value, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            Assert.That(widths.Max(), Is.EqualTo(420), pair[0].Element(Svg + "title")!.Value);
            Assert.That(widths.Min(), Is.GreaterThan(0));
        }

        var texts = svg.Descendants(Svg + "text").Select(t => t.Value).ToList();
        Assert.That(texts, Does.Contain("u32").And.Contain("perm").And.Contain($"B · {BestIsa} · 2 threads"));
        Assert.That(texts.Any(t => t.StartsWith("A: ", StringComparison.Ordinal) && t.Contains(ReproKitLibrary.CpuDescription, StringComparison.Ordinal)));
        Assert.That(texts.Count(t => t.EndsWith(" G values/s", StringComparison.Ordinal)), Is.EqualTo(16));
    }

    [Test]
    public void LegendKeepsTheMachineWhateverThePathLength()
    {
        // Results in a folder 200+ characters deep (users' clones and temp folders can be): the legend shortens the path,
        // never the machine, ISA or thread count.
        string deep = Path.Combine(_dir, new string('d', 90), new string('e', 90));
        Directory.CreateDirectory(deep);
        string a = RandResult(Path.Combine(deep, "first-result.json"), "scalar", 1);
        string b = RandResult(Path.Combine(deep, "second-result.json"), BestIsa, 2);
        Assert.That(a.Length, Is.GreaterThan(200));
        var (code, output, err) = Run("bench", "report", a, b, "--out", PathOf("r.html"), "--svg", PathOf("r.svg"));
        Assert.That(code, Is.Zero, output + err);

        var legends = XDocument.Parse(File.ReadAllText(PathOf("r.svg"))).Descendants(Svg + "text").Select(t => t.Value)
            .Where(t => t.StartsWith("A: ", StringComparison.Ordinal) || t.StartsWith("B: ", StringComparison.Ordinal)).ToList();
        Assert.That(legends, Is.Not.Empty);
        foreach (string legend in legends)
        {
            Assert.That(legend, Does.Contain("…").And.Contain("-result.json — " + ReproKitLibrary.CpuDescription + ", "), legend);
            Assert.That(legend, Does.EndWith(legend.StartsWith('A') ? ", scalar, 1 thread" : $", {BestIsa}, 2 threads"), legend);
        }
    }

    [Test]
    public void SameInputsGiveTheSameBytes()
    {
        string a = RandResult("a.json", "scalar", 1);
        string b = RandResult("b.json", BestIsa, 2);
        Assert.That(Run("bench", "report", a, b, "--out", PathOf("1.html"), "--svg", PathOf("1.svg")).Code, Is.Zero);
        Assert.That(Run("bench", "report", a, b, "--out", PathOf("2.html"), "--svg", PathOf("2.svg")).Code, Is.Zero);
        Assert.That(File.ReadAllBytes(PathOf("2.html")), Is.EqualTo(File.ReadAllBytes(PathOf("1.html"))));
        Assert.That(File.ReadAllBytes(PathOf("2.svg")), Is.EqualTo(File.ReadAllBytes(PathOf("1.svg"))));
        Assert.That(File.ReadAllBytes(PathOf("1.svg"))[..5], Is.EqualTo("<?xml"u8.ToArray()), "no byte-order mark");
    }

    [Test]
    public void MarkupInInputsIsEscaped()
    {
        const string machine = "Evil <&> \"CPU\" 'x' </text><script>alert(1)</script>";
        string a = RandResult("a.json", "scalar", 1, o =>
        {
            o["machine"] = machine;
            o["cases"]![0]!["name"] = "u32 <b>&amp;</b>";
        });
        string b = RandResult("b&'x'.json", "scalar", 2);
        var (code, output, err) = Run("bench", "report", a, b, "--out", PathOf("r.html"), "--svg", PathOf("r.svg"));
        Assert.That(code, Is.Zero, output + err);
        string html = File.ReadAllText(PathOf("r.html"));
        string svgText = File.ReadAllText(PathOf("r.svg"));
        foreach (string text in new[] { html, svgText })
        {
            Assert.That(text, Does.Not.Contain("<&>").And.Not.Contain("<script>").And.Not.Contain("<b>"));
            Assert.That(text, Does.Contain("Evil &lt;&amp;&gt; &quot;CPU&quot; &#39;x&#39; &lt;/text&gt;&lt;script&gt;"));
        }

        // Both parse as XML, and the text comes back exactly.
        XDocument svg = XDocument.Parse(svgText);
        Assert.That(svg.Descendants(Svg + "text").Any(t => t.Value.Contains(machine, StringComparison.Ordinal)));
        Assert.That(svg.Descendants(Svg + "text").Any(t => t.Value == "u32 <b>&amp;</b>"));
        // (The legend may shorten the path from the left, never the file name.)
        Assert.That(svg.Descendants(Svg + "text").Any(t => t.Value.StartsWith("B: ", StringComparison.Ordinal) && t.Value.Contains("b&'x'.json — ", StringComparison.Ordinal)));
        XDocument page = ParseXml(PathOf("r.html"));
        Assert.That(page.Descendants("td").Any(td => td.Value == machine));
    }

    [Test]
    public void DifferentDigestsAreAReproducibilityFailure()
    {
        string a = RandResult("a.json", "scalar", 1);
        string b = RandResult("b.json", BestIsa, 2, o => o["cases"]![3]!["sha256"] = new string('0', 64));
        string c = RandResult("c.json", "scalar", 2);
        var (code, output, err) = Run("bench", "report", a, b, c, "--out", PathOf("r.html"), "--svg", PathOf("r.svg"));
        Assert.That(code, Is.EqualTo(CliApp.ExitFailure), "a digest differs: exit 1 like 'reprokit compare'");
        Assert.That(err, Is.Empty);
        Assert.That(output, Does.Contain("REPRODUCIBILITY FAILURE: 1 of 8 compared case(s)").And.Contain("rand / normal"));

        XDocument page = ParseXml(PathOf("r.html"));
        Assert.That(page.Descendants("p").Single(p => (string?)p.Attribute("class") == "banner fail").Value, Does.Contain("rand / normal"));
        var failing = page.Descendants("tr").Where(tr => (string?)tr.Attribute("class") == "differs").ToList();
        Assert.That(failing, Has.Count.EqualTo(3), "the three rows of the normal case");
        Assert.That(failing[0].Elements("td").First().Value, Is.EqualTo("normal"));
        Assert.That(failing.SelectMany(tr => tr.Elements("td")).Any(td => td.Value == "✗ digests differ (A, C ≠ B)"));
        var oddDigest = page.Descendants("td").Where(td => (string?)td.Attribute("class") == "differs-text" && td.Element("code") is not null).ToList();
        Assert.That(oddDigest.Select(td => td.Value), Is.EqualTo(new[] { new string('0', 64) }), "the digest that differs is marked");

        XDocument svg = XDocument.Load(PathOf("r.svg"));
        Assert.That(svg.Descendants(Svg + "rect").Count(r => (string?)r.Attribute("stroke") == "#c62828"), Is.EqualTo(1), "one case is framed");
        Assert.That(svg.Descendants(Svg + "text").Count(t => t.Value.StartsWith("✗ digests differ", StringComparison.Ordinal)), Is.EqualTo(1));
    }

    [Test]
    public void JsonOutWritesTheSameResultToAFile()
    {
        var (code, printed, err) = Run("bench", "rand", "--count", "2048", "--repeat", "1", "--json", "--isa", "scalar", "--threads", "1");
        Assert.That(code, Is.Zero, err);
        string path = PathOf("rand.json");
        var (rc, output, rerr) = Run("bench", "rand", "--count", "2048", "--repeat", "1", "--json-out", path, "--isa", "scalar", "--threads", "1");
        Assert.That(rc, Is.Zero, rerr);
        Assert.That(output, Does.Contain($"wrote {path}"));
        // Timings differ from run to run; the cases and their digests do not.
        static string[] Digests(string json) =>
            [.. JsonNode.Parse(json)!["cases"]!.AsArray().Select(c => $"{c!["name"]} {c["sha256"]}")];
        string[] written = Digests(File.ReadAllText(path));
        Assert.That(written, Is.Not.Empty);
        Assert.That(written, Is.EqualTo(Digests(printed)));

        string missing = Path.Combine(_dir, "no-such-folder", "r.json");
        var (bad, _, berr) = Run("bench", "rand", "--count", "2048", "--repeat", "1", "--json-out", missing);
        Assert.That(bad, Is.EqualTo(CliApp.ExitFailure));
        Assert.That(berr, Does.Contain("--json-out").And.Contain("does not exist"));
        Assert.That(File.Exists(missing), Is.False);
    }

    [Test]
    public void DigestsOfDifferentSettingsAreNotCompared()
    {
        string a = RandResult("a.json", "scalar", 1);
        var (code, json, err) = Run("bench", "rand", "--count", "2048", "--repeat", "1", "--json", "--isa", "scalar");
        Assert.That(code, Is.Zero, err);
        File.WriteAllText(PathOf("b.json"), json);
        var (rc, output, _) = Run("bench", "report", a, PathOf("b.json"), "--out", PathOf("r.html"));
        Assert.That(rc, Is.Zero, output);
        Assert.That(output, Does.Contain("No digests were compared"));
        Assert.That(File.ReadAllText(PathOf("r.html")), Does.Contain("not compared: settings differ (count)").And.Not.Contain("class=\"differs\""));
    }

    [Test]
    public void BenchAllWritesOneResultPerOperationThatTheReportReads()
    {
        var (code, json, err) = Run("bench", "all", "--count", "4096", "--repeat", "1", "--vocab", "64", "--batch", "2",
            "--shape", "1,2,6,6,3,3,3", "--linear-shape", "3,5,4", "--json", "--isa", "scalar", "--threads", "1");
        Assert.That(code, Is.Zero, err);
        using (JsonDocument doc = JsonDocument.Parse(json))
        {
            var results = doc.RootElement.EnumerateArray().ToList();
            Assert.That(results.Select(r => r.GetProperty("op").GetString()), Is.EqualTo(new[] { "rand", "dropout", "sample", "conv2d", "linear", "training" }));
            Assert.That(results.All(r => r.GetProperty("cases").GetArrayLength() > 0 && r.GetProperty("threads").GetInt32() == 1));
            var words = new uint[4096];
            new PhiloxStream(42).FillUInt32(words);
            Assert.That(results[0].GetProperty("cases")[0].GetProperty("sha256").GetString(), Is.EqualTo(OutputDigest.Sha256<uint>(words)));
            Assert.That(results[3].GetProperty("cases")[0].GetProperty("name").GetString(), Does.StartWith("custom 1,2,6,6,3,3,3 forward"));
        }

        File.WriteAllText(PathOf("all.json"), json);
        string b = RandResult("b.json", BestIsa, 2);
        var (cc, _, cerr) = Run("compare", PathOf("all.json"), b);
        Assert.That(cc, Is.EqualTo(CliApp.ExitFailure), "compare takes single results and says so");
        Assert.That(cerr, Does.Contain("holds a JSON array").And.Contain("bench report"));
        var (rc, output, rerr) = Run("bench", "report", PathOf("all.json"), b, "--out", PathOf("r.html"), "--svg", PathOf("r.svg"));
        Assert.That(rc, Is.Zero, output + rerr);
        Assert.That(output, Does.Contain("2 file(s), 6 operation(s)").And.Contain("All digests agree: 8 case(s)"));
        XDocument page = ParseXml(PathOf("r.html"));
        Assert.That(page.Descendants("section").Select(s => s.Element("h2")!.Value), Is.EqualTo(new[] { "rand", "dropout", "sample", "conv2d", "linear", "training" }));
        XDocument svg = XDocument.Load(PathOf("r.svg"));
        Assert.That(svg.Root!.Elements(Svg + "g").Count(), Is.EqualTo(6), "one chart per operation");
        var units = svg.Descendants(Svg + "text").Select(t => t.Value).Where(t => t.Contains("bars scaled per case", StringComparison.Ordinal)).ToList();
        Assert.That(units, Is.EqualTo(new[]
        {
            "G values/s, higher is better; bars scaled per case", "G values/s, higher is better; bars scaled per case",
            "ms, lower is better; bars scaled per case", "GFLOP/s, higher is better; bars scaled per case",
            "GFLOP/s, higher is better; bars scaled per case",
            "G values/s, higher is better; bars scaled per case",
        }));
    }

    [Test]
    public void BenchPeakMeasuresBothBoundsForEachThreadCount()
    {
        var (code, json, err) = Run("bench", "peak", "--threads", "2", "--json");
        Assert.That(code, Is.Zero, err);
        using (JsonDocument doc = JsonDocument.Parse(json))
        {
            JsonElement root = doc.RootElement;
            Assert.That(root.GetProperty("op").GetString(), Is.EqualTo("peak"));
            var cases = root.GetProperty("cases").EnumerateArray().ToList();
            Assert.That(cases.Select(c => c.GetProperty("name").GetString()), Is.EqualTo(new[] { "threads=1", "threads=2" }));
            Assert.That(cases.All(c => c.GetProperty("fmaPeakGflops").GetDouble() > 0 && c.GetProperty("copyTrafficGBps").GetDouble() > 0));
            Assert.That(root.GetProperty("bounds").GetProperty("threads").GetInt32(), Is.EqualTo(2));
        }

        var (tc, text, terr) = Run("bench", "peak", "--threads", "1");
        Assert.That(tc, Is.Zero, terr);
        Assert.That(text, Does.Contain("GFLOP/s").And.Contain("copy GB/s"));
        Assert.That(text.Split('\n').Count(l => l.TrimStart().StartsWith("1 ", StringComparison.Ordinal)), Is.EqualTo(1), text);

        var (dc, _, derr) = Run("bench", "peak", "--device", "cuda:0");
        Assert.That(dc, Is.EqualTo(CliApp.ExitUsage));
        Assert.That(derr, Does.Contain("bench peak measures the CPU"));
    }

    [Test]
    public void EveryCpuResultCarriesItsBoundsAndTheReportShowsSharesOfThem()
    {
        string a = RandResult("a.json", "scalar", 1);
        // Another machine's bounds: the bounds are not settings, so the digests are still compared.
        string b = RandResult("b.json", BestIsa, 1, r => r["bounds"]!["copyTrafficGBps"] = 1000.0);
        using (JsonDocument doc = JsonDocument.Parse(File.ReadAllText(a)))
        {
            JsonElement bounds = doc.RootElement.GetProperty("bounds");
            Assert.That(bounds.GetProperty("threads").GetInt32(), Is.EqualTo(1));
            Assert.That(bounds.GetProperty("fmaPeakGflops").GetDouble(), Is.GreaterThan(0));
            Assert.That(doc.RootElement.GetProperty("cases")[0].GetProperty("trafficGBps").GetDouble(), Is.GreaterThan(0));
        }

        var (code, output, err) = Run("bench", "report", a, b, "--out", PathOf("r.html"));
        Assert.That(code, Is.Zero, output + err);
        Assert.That(output, Does.Contain("All digests agree: 8 case(s) compared across 2 file(s)."));
        string html = File.ReadAllText(PathOf("r.html"));
        Assert.That(html, Does.Contain("% of copy bound").And.Contain("memory copy 1000.0 GB/s"));
        // B's u32 share: its traffic over its own (edited) bound, as the table prints it.
        double traffic = JsonNode.Parse(File.ReadAllText(b))!["cases"]![0]!["trafficGBps"]!.GetValue<double>();
        Assert.That(html, Does.Contain(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{100 * traffic / 1000:F1}%")));

        var (tc, text, terr) = Run("bench", "rand", "--count", "4096", "--repeat", "1", "--threads", "1");
        Assert.That(tc, Is.Zero, terr);
        Assert.That(text, Does.Contain("bounds on 1 thread(s): FMA peak").And.Contain("% copy"));
    }

    [TestCase("{", "not valid JSON")]
    [TestCase("", "not valid JSON")]
    [TestCase("{\"a\": 1}", "not a bench result (no \"op\" string)")]
    [TestCase("[1, 2]", "element 0: not a bench result (expected an object, found number)")]
    [TestCase("[]", "not a bench result (the array is empty)")]
    [TestCase("{\"op\": \"rand\", \"machine\": \"m\", \"isa\": \"scalar\", \"threads\": 0, \"cases\": []}", "\"threads\" must be a positive integer")]
    [TestCase("{\"op\": \"rand\", \"machine\": \"m\", \"isa\": \"scalar\", \"threads\": 1}", "no \"cases\" array")]
    [TestCase("{\"op\": \"rand\", \"machine\": \"m\", \"isa\": \"scalar\", \"threads\": 1, \"cases\": [{\"seconds\": 1}]}", "case 0: not a bench result (no \"name\" string)")]
    [TestCase("{\"op\": \"rand\", \"machine\": \"m\", \"isa\": \"scalar\", \"threads\": 1, \"cases\": [{\"name\": \"u32\", \"sha256\": 5}]}", "\"sha256\" must be a string")]
    [TestCase("{\"op\": \"rand\", \"machine\": \"m\", \"isa\": \"scalar\", \"threads\": 1, \"bounds\": {\"threads\": 1}, \"cases\": []}", "\"bounds\" needs a positive number \"fmaPeakGflops\"")]
    [TestCase("[{\"op\": \"rand\", \"machine\": \"m\", \"isa\": \"s\", \"threads\": 1, \"cases\": []}, {\"op\": \"rand\", \"machine\": \"m\", \"isa\": \"s\", \"threads\": 1, \"cases\": []}]", "two results for 'rand'")]
    public void BadInputFilesFailWithOneAndNameTheFile(string content, string expected)
    {
        string good = RandResult("good.json", "scalar", 1);
        string bad = PathOf("bad.json");
        File.WriteAllText(bad, content);
        var (code, output, err) = Run("bench", "report", good, bad, "--out", PathOf("r.html"));
        Assert.That(code, Is.EqualTo(CliApp.ExitFailure), output + err);
        Assert.That(err, Does.Contain($"error: {bad}").And.Contain(expected));
        Assert.That(File.Exists(PathOf("r.html")), Is.False, "nothing is written when an input is bad");
    }

    [Test]
    public void MissingFilesAndOptionsAreClearErrors()
    {
        string good = RandResult("good.json", "scalar", 1);
        var (code, _, err) = Run("bench", "report", good, PathOf("missing.json"), "--out", PathOf("r.html"));
        Assert.That(code, Is.EqualTo(CliApp.ExitFailure));
        Assert.That(err, Does.Contain($"{PathOf("missing.json")}: no such file."));

        (code, _, err) = Run("bench", "report", "--out", PathOf("r.html"));
        Assert.That(code, Is.EqualTo(CliApp.ExitUsage));
        Assert.That(err, Does.Contain("the argument <files> is required"));

        (code, _, err) = Run("bench", "report", good);
        Assert.That(code, Is.EqualTo(CliApp.ExitUsage));
        Assert.That(err, Does.Contain("option '--out' is required"));

        (code, _, err) = Run("bench", "report", good, "--out", Path.Combine(_dir, "no-such-dir", "r.html"));
        Assert.That(code, Is.EqualTo(CliApp.ExitFailure));
        Assert.That(err, Does.Contain("no-such-dir"));

        (code, _, err) = Run("bench", "all", "--shape", "1,2,3", "--json");
        Assert.That(code, Is.EqualTo(CliApp.ExitUsage), "bench all checks every option before it runs anything");
        Assert.That(err, Does.Contain("--shape '1,2,3'"));
        Assert.That(Run("bench", "report", "--help").Out, Does.Contain("usage: reprokit bench report <files>... --out REPORT.html"));
    }
}
