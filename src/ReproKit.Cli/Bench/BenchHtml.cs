using System.Globalization;
using System.Text;
using static ReproKit.Cli.Bench.BenchMarkup;

namespace ReproKit.Cli.Bench;

/// <summary>
/// The HTML page of <c>reprokit bench report</c>: self-contained (inline CSS and SVG charts, no scripts), with the
/// verdict on the digests, the inputs, and per operation its chart and a table of every number with the digests, where
/// a case whose digests differ between inputs of equal settings is flagged. The page depends only on the inputs.
/// </summary>
internal static class BenchHtml
{
    // Column titles of the known numeric fields; other fields are titled by their name.
    private static readonly Dictionary<string, string> FieldTitles = new(StringComparer.Ordinal)
    {
        ["gvaluesPerSecond"] = "G values/s",
        ["gflops"] = "GFLOP/s",
        ["milliseconds"] = "ms",
        ["seconds"] = "s",
        ["readLogitsMilliseconds"] = "read logits ms",
        ["trafficGBps"] = "GB/s (read + written)",
    };

    // A field shown also as a share of one of the run's bounds (the bound of its own machine and thread count).
    private static readonly (string Field, string Title, Func<MachineBound, double> Bound)[] Shares =
    [
        ("gflops", "% of FMA peak", b => b.FmaPeakGflops),
        ("trafficGBps", "% of copy bound", b => b.CopyTrafficGBps),
    ];

    /// <summary>The complete HTML page.</summary>
    internal static string Page(IReadOnlyList<BenchInput> inputs, IReadOnlyList<BenchOpGroup> ops)
    {
        var h = new StringBuilder();
        bool failed = BenchAnalysis.Failures(ops).Count > 0;
        h.Append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n")
            .Append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n")
            .Append("<title>ReproKit bench report: ").Append(Escape(string.Join(", ", ops.Select(o => o.Op)))).Append("</title>\n")
            .Append("<style>\n").Append(Css).Append("</style>\n</head>\n<body>\n")
            .Append("<h1>ReproKit bench report</h1>\n")
            .Append("<p class=\"banner ").Append(failed ? "fail" : "ok").Append("\">")
            .Append(Escape(BenchAnalysis.Summary(ops, inputs.Count))).Append("</p>\n");

        h.Append("<h2>Inputs</h2>\n<table>\n<tr><th>input</th><th>file</th><th>operations</th><th>machine</th><th>ISA</th><th>threads</th><th>bounds</th><th>settings</th></tr>\n");
        for (int i = 0; i < inputs.Count; i++)
        {
            BenchInput input = inputs[i];
            IEnumerable<string> Distinct(Func<BenchRun, string> f) => input.Runs.Select(f).Distinct();
            var settings = input.Runs.Where(r => r.Settings.Count > 0)
                .Select(r => $"{r.Op}: {string.Join(", ", r.Settings.Select(s => $"{s.Key}={s.Value}"))}");
            h.Append("<tr><td><span class=\"swatch\" style=\"background:").Append(SeriesColor(i)).Append("\"></span>").Append(Escape(input.Letter))
                .Append("</td><td><code>").Append(Escape(input.Path)).Append("</code></td><td>").Append(Escape(string.Join(", ", Distinct(r => r.Op))))
                .Append("</td><td>").Append(Escape(string.Join("; ", Distinct(r => r.Machine))))
                .Append("</td><td>").Append(Escape(string.Join("; ", Distinct(r => r.Isa))))
                .Append("</td><td class=\"num\">").Append(Escape(string.Join("; ", Distinct(r => r.Threads.ToString(CultureInfo.InvariantCulture)))))
                .Append("</td><td>").Append(Escape(string.Join("; ", input.Runs.Where(r => r.Bounds is not null).Select(r => r.Bounds!.Describe()).Distinct())))
                .Append("</td><td>").Append(Escape(string.Join("; ", settings))).Append("</td></tr>\n");
        }

        h.Append("</table>\n");
        foreach (BenchOpGroup op in ops)
        {
            h.Append("<section>\n<h2>").Append(Escape(op.Op)).Append("</h2>\n").Append(BenchSvg.Element([op])).Append(OperationTable(op))
                .Append("</section>\n");
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

    private static string OperationTable(BenchOpGroup op)
    {
        var t = new StringBuilder();
        bool ratio = op.Metric?.HigherIsBetter is not null;
        t.Append("<table>\n<tr><th>case</th><th>input</th><th>ISA</th><th>threads</th>");
        foreach (string f in op.Fields)
        {
            t.Append("<th>").Append(Escape(FieldTitles.GetValueOrDefault(f, f))).Append("</th>");
        }

        var shares = Shares.Where(x => op.Fields.Contains(x.Field) && op.Series.Any(s => s.Run.Bounds is not null)).ToList();
        foreach (var share in shares)
        {
            t.Append("<th>").Append(Escape(share.Title)).Append("</th>");
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
                    t.Append("<td rowspan=\"").Append(rows.Count).Append("\">").Append(Escape(c.Name)).Append("</td>");
                }

                t.Append("<td><span class=\"swatch\" style=\"background:").Append(SeriesColor(s.Index)).Append("\"></span>").Append(Escape(s.Input.Letter))
                    .Append("</td><td>").Append(Escape(s.Run.Isa)).Append("</td><td class=\"num\">").Append(s.Run.Threads).Append("</td>");
                foreach (string f in op.Fields)
                {
                    t.Append("<td class=\"num\">").Append(bc.Number(f) is { } v ? Escape(FormatValue(v)) : "—").Append("</td>");
                }

                foreach (var share in shares)
                {
                    string text = bc.Number(share.Field) is { } v && s.Run.Bounds is { } b ? BenchTiming.Percent(v, share.Bound(b)) : "—";
                    t.Append("<td class=\"num\">").Append(Escape(text)).Append("</td>");
                }

                if (ratio)
                {
                    double? v = bc.Number(op.Metric!.Field);
                    double speed = v > 0 && reference > 0 ? op.Metric.HigherIsBetter == true ? v.Value / reference.Value : reference.Value / v.Value : 0;
                    string text = speed > 0 ? speed.ToString("F2", CultureInfo.InvariantCulture) + "×" : "—";
                    t.Append("<td class=\"num\">").Append(Escape(text)).Append("</td>");
                }

                // In a failing case, the digests that differ from the most common one are the ones to look at.
                bool odd = c.Status == DigestStatus.Differs && bc.Sha256 is not null && bc.Sha256 != majority;
                t.Append(odd ? "<td class=\"differs-text\"><code>" : "<td><code>").Append(bc.Sha256 is null ? "—" : Escape(bc.Sha256)).Append("</code></td>");
                if (r == 0)
                {
                    t.Append("<td rowspan=\"").Append(rows.Count).Append("\" class=\"").Append(StatusClass(c.Status)).Append("\">")
                        .Append(Escape(c.StatusText)).Append("</td>");
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
}
