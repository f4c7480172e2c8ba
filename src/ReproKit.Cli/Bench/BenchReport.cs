using System.Globalization;
using System.Text;

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
/// Renders bench results as a self-contained HTML page (inline SVG charts and CSS, no scripts) and as one standalone
/// SVG: a chart per operation with, for every case, a bar per input; and tables of every number with the digests,
/// where a case whose digests differ between inputs of equal settings is flagged as a reproducibility failure.
/// The output depends only on the inputs (their order, paths and contents): the same files give the same bytes.
/// </summary>
internal static class BenchReport
{
    // Charted fields, best first: the first one a result has is drawn.
    private static readonly BenchMetric[] KnownMetrics =
    [
        new("gvaluesPerSecond", "G values/s", true),
        new("gflops", "GFLOP/s", true),
        new("milliseconds", "ms", false),
        new("seconds", "s", false),
    ];

    private static readonly Dictionary<string, string> FieldTitles = new(StringComparer.Ordinal)
    {
        ["gvaluesPerSecond"] = "G values/s",
        ["gflops"] = "GFLOP/s",
        ["milliseconds"] = "ms",
        ["seconds"] = "s",
        ["readLogitsMilliseconds"] = "read logits ms",
    };

    private static readonly string[] Palette = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f", "#ff9da7", "#bab0ac"];

    private const double Width = 760, Pad = 12, BarX = 190, BarMax = 420, Row = 16, Heading = 20;

    internal static string Color(int inputIndex) => Palette[inputIndex % Palette.Length];

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
            var cases = allCases.Select(c => c.Name).Distinct().Select(name => Compare(name, series)).ToList();
            ops.Add(new BenchOpGroup(op, metric, series, cases, fields));
        }

        return ops;
    }

    private static BenchCaseGroup Compare(string name, List<BenchSeries> series)
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

    /// <summary>The complete HTML page.</summary>
    internal static string Html(IReadOnlyList<BenchInput> inputs, IReadOnlyList<BenchOpGroup> ops)
    {
        var h = new StringBuilder();
        bool failed = Failures(ops).Count > 0;
        h.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n")
            .Append("<title>ReproKit bench report: ").Append(X(string.Join(", ", ops.Select(o => o.Op)))).Append("</title>\n")
            .Append("<style>\n").Append(Css).Append("</style>\n</head>\n<body>\n")
            .Append("<h1>ReproKit bench report</h1>\n")
            .Append("<p class=\"banner ").Append(failed ? "fail" : "ok").Append("\">").Append(X(Summary(ops, inputs.Count))).Append("</p>\n");

        h.Append("<h2>Inputs</h2>\n<table>\n<tr><th>input</th><th>file</th><th>operations</th><th>machine</th><th>ISA</th><th>threads</th><th>settings</th></tr>\n");
        for (int i = 0; i < inputs.Count; i++)
        {
            BenchInput input = inputs[i];
            IEnumerable<string> Distinct(Func<BenchRun, string> f) => input.Runs.Select(f).Distinct();
            var settings = input.Runs.Where(r => r.Settings.Count > 0)
                .Select(r => $"{r.Op}: {string.Join(", ", r.Settings.Select(s => $"{s.Key}={s.Value}"))}");
            h.Append("<tr><td><span class=\"swatch\" style=\"background:").Append(Color(i)).Append("\"></span>").Append(X(input.Letter))
                .Append("</td><td><code>").Append(X(input.Path)).Append("</code></td><td>").Append(X(string.Join(", ", Distinct(r => r.Op))))
                .Append("</td><td>").Append(X(string.Join("; ", Distinct(r => r.Machine))))
                .Append("</td><td>").Append(X(string.Join("; ", Distinct(r => r.Isa))))
                .Append("</td><td class=\"num\">").Append(X(string.Join("; ", Distinct(r => r.Threads.ToString(CultureInfo.InvariantCulture)))))
                .Append("</td><td>").Append(X(string.Join("; ", settings))).Append("</td></tr>\n");
        }

        h.Append("</table>\n");
        foreach (BenchOpGroup op in ops)
        {
            h.Append("<section>\n<h2>").Append(X(op.Op)).Append("</h2>\n").Append(Svg([op])).Append(OpTable(op)).Append("</section>\n");
        }

        h.Append("<p class=\"note\">Written by <code>reprokit bench report</code>. Bars are scaled per case (the longest bar is the ")
            .Append("largest value of that case); digests are compared between inputs whose settings are equal, and ")
            .Append("any difference there is a reproducibility failure.</p>\n</body>\n</html>\n");
        return h.ToString();
    }

    private const string Css =
        "body { font-family: system-ui, sans-serif; margin: 24px; color: #222; max-width: 1200px; }\n" +
        "h1 { font-size: 22px; } h2 { font-size: 18px; margin-top: 28px; }\n" +
        "table { border-collapse: collapse; font-size: 13px; margin: 8px 0 16px; }\n" +
        "th, td { border: 1px solid #ccc; padding: 3px 6px; text-align: left; vertical-align: top; }\n" +
        "th { background: #f3f3f3; }\n" +
        "td.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }\n" +
        "code { font-size: 12px; word-break: break-all; }\n" +
        "tr.differs td { background: #fdecea; }\n" +
        ".banner { padding: 10px 14px; border-radius: 4px; font-weight: bold; }\n" +
        ".banner.ok { background: #e8f5e9; color: #1b5e20; border: 1px solid #81c784; }\n" +
        ".banner.fail { background: #fdecea; color: #b71c1c; border: 2px solid #c62828; font-size: 17px; }\n" +
        ".differs-text { color: #b71c1c; font-weight: bold; }\n" +
        ".same-text { color: #1b5e20; }\n" +
        ".other-text { color: #666; }\n" +
        ".swatch { display: inline-block; width: 10px; height: 10px; margin-right: 5px; }\n" +
        ".note { color: #555; font-size: 13px; }\n" +
        "svg { max-width: 100%; height: auto; }\n";

    private static string OpTable(BenchOpGroup op)
    {
        var t = new StringBuilder();
        bool ratio = op.Metric?.HigherIsBetter is not null;
        t.Append("<table>\n<tr><th>case</th><th>input</th><th>ISA</th><th>threads</th>");
        foreach (string f in op.Fields)
        {
            t.Append("<th>").Append(X(FieldTitles.GetValueOrDefault(f, f))).Append("</th>");
        }

        if (ratio)
        {
            t.Append("<th>speed vs first</th>");
        }

        t.Append("<th>sha256</th><th>digests</th></tr>\n");
        foreach (BenchCaseGroup c in op.Cases)
        {
            var rows = op.Series.Where(s => s.Case(c.Name) is not null).ToList();
            double? reference = op.Metric is null ? null : rows.Select(s => s.Case(c.Name)!.Number(op.Metric.Field)).FirstOrDefault(v => v > 0);
            string cls = c.Status == DigestStatus.Differs ? " class=\"differs\"" : "";
            string? majority = rows.Select(s => s.Case(c.Name)!.Sha256).Where(d => d is not null)
                .GroupBy(d => d).OrderByDescending(g => g.Count()).Select(g => g.Key).FirstOrDefault();
            for (int r = 0; r < rows.Count; r++)
            {
                BenchSeries s = rows[r];
                BenchCase bc = s.Case(c.Name)!;
                t.Append("<tr").Append(cls).Append('>');
                if (r == 0)
                {
                    t.Append("<td rowspan=\"").Append(rows.Count).Append("\">").Append(X(c.Name)).Append("</td>");
                }

                t.Append("<td><span class=\"swatch\" style=\"background:").Append(Color(s.Index)).Append("\"></span>").Append(X(s.Input.Letter))
                    .Append("</td><td>").Append(X(s.Run.Isa)).Append("</td><td class=\"num\">").Append(s.Run.Threads).Append("</td>");
                foreach (string f in op.Fields)
                {
                    t.Append("<td class=\"num\">").Append(bc.Number(f) is { } v ? X(Fmt(v)) : "—").Append("</td>");
                }

                if (ratio)
                {
                    double? v = bc.Number(op.Metric!.Field);
                    double speed = v > 0 && reference > 0 ? op.Metric.HigherIsBetter == true ? v.Value / reference.Value : reference.Value / v.Value : 0;
                    string text = speed > 0 ? speed.ToString("F2", CultureInfo.InvariantCulture) + "×" : "—";
                    t.Append("<td class=\"num\">").Append(X(text)).Append("</td>");
                }

                // In a failing case, the digests that differ from the most common one are the ones to look at.
                bool odd = c.Status == DigestStatus.Differs && bc.Sha256 is not null && bc.Sha256 != majority;
                t.Append(odd ? "<td class=\"differs-text\"><code>" : "<td><code>").Append(bc.Sha256 is null ? "—" : X(bc.Sha256)).Append("</code></td>");
                if (r == 0)
                {
                    t.Append("<td rowspan=\"").Append(rows.Count).Append("\" class=\"").Append(StatusClass(c.Status)).Append("\">")
                        .Append(X(c.StatusText)).Append("</td>");
                }

                t.Append("</tr>\n");
            }
        }

        return t.Append("</table>\n").ToString();
    }

    private static string StatusClass(DigestStatus s) => s switch
    {
        DigestStatus.Differs => "differs-text",
        DigestStatus.Same => "same-text",
        _ => "other-text",
    };

    /// <summary>The standalone SVG file: every operation's chart, one under the other.</summary>
    internal static string SvgFile(IReadOnlyList<BenchOpGroup> ops) => "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + Svg(ops);

    /// <summary>One <c>svg</c> element holding the charts of <paramref name="ops"/>, stacked.</summary>
    internal static string Svg(IReadOnlyList<BenchOpGroup> ops)
    {
        var body = new StringBuilder();
        double y = 0;
        foreach (BenchOpGroup op in ops)
        {
            body.Append("<g transform=\"translate(0,").Append(N(y)).Append(")\">\n");
            y += Chart(op, body);
            body.Append("</g>\n");
        }

        string title = $"ReproKit bench: {string.Join(", ", ops.Select(o => o.Op))}";
        return new StringBuilder()
            .Append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").Append(N(Width)).Append("\" height=\"").Append(N(y))
            .Append("\" viewBox=\"0 0 ").Append(N(Width)).Append(' ').Append(N(y)).Append("\" font-family=\"sans-serif\" role=\"img\" aria-label=\"")
            .Append(X(title)).Append("\">\n<title>").Append(X(title)).Append("</title>\n")
            .Append("<rect x=\"0\" y=\"0\" width=\"").Append(N(Width)).Append("\" height=\"").Append(N(y)).Append("\" fill=\"#ffffff\" />\n")
            .Append(body).Append("</svg>\n").ToString();
    }

    // Draws one operation's chart at y = 0 and returns its height.
    private static double Chart(BenchOpGroup op, StringBuilder s)
    {
        BenchMetric? m = op.Metric;
        string scale = m is null ? "no numbers to chart"
            : $"{m.Unit}{(m.HigherIsBetter is { } hi ? hi ? ", higher is better" : ", lower is better" : "")}; bars scaled per case";
        Text(s, Pad, 22, op.Op, "15", "#222", bold: true);
        Text(s, Pad, 40, scale, "11", "#555");
        double y = 62;
        foreach (BenchSeries series in op.Series)
        {
            s.Append("<rect x=\"").Append(N(Pad)).Append("\" y=\"").Append(N(y - 9)).Append("\" width=\"10\" height=\"10\" fill=\"")
                .Append(Color(series.Index)).Append("\" />\n");
            Text(s, Pad + 16, y, Legend(series), "11", "#222");
            y += Row;
        }

        y += 6;
        foreach (BenchCaseGroup c in op.Cases)
        {
            double height = Heading + op.Series.Count * Row + 6;
            if (c.Status == DigestStatus.Differs)
            {
                s.Append("<rect x=\"").Append(N(Pad / 2)).Append("\" y=\"").Append(N(y)).Append("\" width=\"").Append(N(Width - Pad))
                    .Append("\" height=\"").Append(N(height - 2)).Append("\" fill=\"#fdecea\" stroke=\"#c62828\" stroke-width=\"2\" />\n");
            }

            Text(s, Pad, y + 14, Truncate(c.Name, 70), "12", c.Status == DigestStatus.Differs ? "#b71c1c" : "#222", bold: true);
            (string color, bool bold) = c.Status switch
            {
                DigestStatus.Differs => ("#b71c1c", true),
                DigestStatus.Same => ("#1b5e20", false),
                _ => ("#666666", false),
            };
            Text(s, Width - Pad, y + 14, c.StatusText, "11", color, bold, anchor: "end");
            double max = m is null ? 0 : op.Series.Select(se => se.Case(c.Name)?.Number(m.Field) ?? 0).Max();
            double rowY = y + Heading;
            foreach (BenchSeries series in op.Series)
            {
                BenchCase? bc = series.Case(c.Name);
                double? v = m is null ? null : bc?.Number(m.Field);
                Text(s, Pad, rowY + 10, series.Label, "11", "#333");
                if (v is { } value)
                {
                    double len = max > 0 && value > 0 ? Math.Max(1, value / max * BarMax) : 0;
                    string valueText = $"{Fmt(value)} {m!.Unit}";
                    s.Append("<rect x=\"").Append(N(BarX)).Append("\" y=\"").Append(N(rowY + 1)).Append("\" width=\"").Append(N(len))
                        .Append("\" height=\"12\" fill=\"").Append(Color(series.Index)).Append("\"><title>")
                        .Append(X($"{series.Input.Letter} {c.Name}: {valueText}{(bc!.Sha256 is { } d ? $", sha256 {d}" : "")}"))
                        .Append("</title></rect>\n");
                    Text(s, BarX + len + 4, rowY + 10, valueText, "11", "#222");
                }
                else
                {
                    Text(s, BarX, rowY + 10, bc is null ? "— not in this file" : "— no value", "11", "#888888");
                }

                rowY += Row;
            }

            y += height;
        }

        return y + Pad;
    }

    private static void Text(StringBuilder s, double x, double y, string text, string size, string fill, bool bold = false, string? anchor = null)
    {
        s.Append("<text x=\"").Append(N(x)).Append("\" y=\"").Append(N(y)).Append("\" font-size=\"").Append(size).Append("\" fill=\"").Append(fill).Append('"');
        if (bold)
        {
            s.Append(" font-weight=\"bold\"");
        }

        if (anchor is not null)
        {
            s.Append(" text-anchor=\"").Append(anchor).Append('"');
        }

        s.Append('>').Append(X(text)).Append("</text>\n");
    }

    /// <summary>A number for people: integers as they are, others to about four significant digits (invariant culture).</summary>
    internal static string Fmt(double v)
    {
        if (v == Math.Floor(v) && Math.Abs(v) < 1e15)
        {
            return v.ToString("F0", CultureInfo.InvariantCulture);
        }

        double a = Math.Abs(v);
        return v.ToString(a >= 100 ? "F1" : a >= 10 ? "F2" : a >= 0.1 ? "F3" : "G3", CultureInfo.InvariantCulture);
    }

    private static string N(double v) => Math.Round(v, 1).ToString("0.#", CultureInfo.InvariantCulture);

    // "A: path — machine, isa, N threads": the machine, ISA and threads always whole (they are what a reader compares);
    // the path gives way, shortened from the left so that its file name stays.
    private static string Legend(BenchSeries series)
    {
        string run = $" — {series.Run.Machine}, {series.Run.Isa}, {series.Run.Threads} thread{(series.Run.Threads == 1 ? "" : "s")}";
        string letter = $"{series.Input.Letter}: ";
        int pathRoom = Math.Max(LegendPathMin, LegendWidth - letter.Length - run.Length);
        return letter + TruncateLeft(series.Input.Path, pathRoom) + run;
    }

    private const int LegendWidth = 110;
    private const int LegendPathMin = 24;

    private static string TruncateLeft(string text, int max)
    {
        if (text.Length <= max)
        {
            return text;
        }

        int k = text.Length - (max - 1);
        if (char.IsLowSurrogate(text[k]))
        {
            k++;
        }

        return "…" + text[k..];
    }

    private static string Truncate(string text, int max)
    {
        if (text.Length <= max)
        {
            return text;
        }

        int k = max - 1;
        if (char.IsHighSurrogate(text[k - 1]))
        {
            k--;
        }

        return text[..k] + "…";
    }

    /// <summary>
    /// Text escaped for HTML and XML alike (content and quoted attributes): the five markup characters become
    /// references, and characters XML cannot hold (controls other than tab / LF / CR, unpaired surrogates, U+FFFE,
    /// U+FFFF) become U+FFFD.
    /// </summary>
    internal static string X(string text)
    {
        var sb = new StringBuilder(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            char ch = text[i];
            switch (ch)
            {
                case '&': sb.Append("&amp;"); break;
                case '<': sb.Append("&lt;"); break;
                case '>': sb.Append("&gt;"); break;
                case '"': sb.Append("&quot;"); break;
                case '\'': sb.Append("&#39;"); break;
                default:
                    if (char.IsHighSurrogate(ch) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
                    {
                        sb.Append(ch).Append(text[++i]);
                    }
                    else if ((ch < 0x20 && ch is not ('\t' or '\n' or '\r')) || char.IsSurrogate(ch) || ch is '\uFFFE' or '\uFFFF')
                    {
                        sb.Append('\uFFFD');
                    }
                    else
                    {
                        sb.Append(ch);
                    }

                    break;
            }
        }

        return sb.ToString();
    }
}
