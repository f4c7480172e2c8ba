using System.Globalization;
using System.Text;
using static ReproKit.Cli.Bench.BenchMarkup;

namespace ReproKit.Cli.Bench;

/// <summary>
/// The SVG charts of <c>reprokit bench report</c>: per operation, for every case, a bar per input, scaled per case (the
/// longest bar is the case's largest value), with the digest verdict beside each case. <see cref="Element"/> is inlined
/// in the HTML page; <see cref="Document"/> is the standalone <c>--svg</c> file. The output depends only on the inputs.
/// </summary>
internal static class BenchSvg
{
    // Layout, in SVG user units.
    private const double Width = 760, Pad = 12, BarX = 190, BarMax = 420, Row = 16, Heading = 20;

    /// <summary>The standalone SVG file: every operation's chart, one under the other.</summary>
    internal static string Document(IReadOnlyList<BenchOpGroup> ops) => "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + Element(ops);

    /// <summary>One <c>svg</c> element holding the charts of <paramref name="ops"/>, stacked.</summary>
    internal static string Element(IReadOnlyList<BenchOpGroup> ops)
    {
        var body = new StringBuilder();
        double y = 0;
        foreach (BenchOpGroup op in ops)
        {
            body.Append("<g transform=\"translate(0,").Append(Coordinate(y)).Append(")\">\n");
            y += AppendChart(op, body);
            body.Append("</g>\n");
        }

        string title = $"ReproKit bench: {string.Join(", ", ops.Select(o => o.Op))}";
        return new StringBuilder()
            .Append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").Append(Coordinate(Width)).Append("\" height=\"").Append(Coordinate(y))
            .Append("\" viewBox=\"0 0 ").Append(Coordinate(Width)).Append(' ').Append(Coordinate(y))
            .Append("\" font-family=\"sans-serif\" role=\"img\" aria-label=\"")
            .Append(Escape(title)).Append("\">\n<title>").Append(Escape(title)).Append("</title>\n")
            .Append("<rect x=\"0\" y=\"0\" width=\"").Append(Coordinate(Width)).Append("\" height=\"").Append(Coordinate(y)).Append("\" fill=\"#ffffff\" />\n")
            .Append(body).Append("</svg>\n").ToString();
    }

    // Draws one operation's chart at y = 0 and returns its height.
    private static double AppendChart(BenchOpGroup op, StringBuilder s)
    {
        BenchMetric? m = op.Metric;
        string scale = m is null ? "no numbers to chart"
            : $"{m.Unit}{(m.HigherIsBetter is { } hi ? hi ? ", higher is better" : ", lower is better" : "")}; bars scaled per case";
        AppendText(s, Pad, 22, op.Op, "15", "#222", bold: true);
        AppendText(s, Pad, 40, scale, "11", "#555");
        double y = 62;
        foreach (BenchSeries series in op.Series)
        {
            s.Append("<rect x=\"").Append(Coordinate(Pad)).Append("\" y=\"").Append(Coordinate(y - 9)).Append("\" width=\"10\" height=\"10\" fill=\"")
                .Append(SeriesColor(series.Index)).Append("\" />\n");
            AppendText(s, Pad + 16, y, LegendText(series), "11", "#222");
            y += Row;
        }

        y += 6;
        foreach (BenchCaseGroup c in op.Cases)
        {
            double height = Heading + op.Series.Count * Row + 6;
            if (c.Status == DigestStatus.Differs)
            {
                s.Append("<rect x=\"").Append(Coordinate(Pad / 2)).Append("\" y=\"").Append(Coordinate(y)).Append("\" width=\"").Append(Coordinate(Width - Pad))
                    .Append("\" height=\"").Append(Coordinate(height - 2)).Append("\" fill=\"#fdecea\" stroke=\"#c62828\" stroke-width=\"2\" />\n");
            }

            AppendText(s, Pad, y + 14, TruncateEnd(c.Name, 70), "12", c.Status == DigestStatus.Differs ? "#b71c1c" : "#222", bold: true);
            (string color, bool bold) = c.Status switch
            {
                DigestStatus.Differs => ("#b71c1c", true),
                DigestStatus.Same => ("#1b5e20", false),
                _ => ("#666666", false),
            };
            AppendText(s, Width - Pad, y + 14, c.StatusText, "11", color, bold, anchor: "end");
            double max = m is null ? 0 : op.Series.Select(se => se.Case(c.Name)?.Number(m.Field) ?? 0).Max();
            double rowY = y + Heading;
            foreach (BenchSeries series in op.Series)
            {
                BenchCase? bc = series.Case(c.Name);
                double? v = m is null ? null : bc?.Number(m.Field);
                AppendText(s, Pad, rowY + 10, series.Label, "11", "#333");
                if (v is { } value)
                {
                    double len = max > 0 && value > 0 ? Math.Max(1, value / max * BarMax) : 0;
                    string valueText = $"{FormatValue(value)} {m!.Unit}";
                    s.Append("<rect x=\"").Append(Coordinate(BarX)).Append("\" y=\"").Append(Coordinate(rowY + 1)).Append("\" width=\"").Append(Coordinate(len))
                        .Append("\" height=\"12\" fill=\"").Append(SeriesColor(series.Index)).Append("\"><title>")
                        .Append(Escape($"{series.Input.Letter} {c.Name}: {valueText}{(bc!.Sha256 is { } d ? $", sha256 {d}" : "")}"))
                        .Append("</title></rect>\n");
                    AppendText(s, BarX + len + 4, rowY + 10, valueText, "11", "#222");
                }
                else
                {
                    AppendText(s, BarX, rowY + 10, bc is null ? "— not in this file" : "— no value", "11", "#888888");
                }

                rowY += Row;
            }

            y += height;
        }

        return y + Pad;
    }

    // One <text> element, its content escaped.
    private static void AppendText(StringBuilder s, double x, double y, string text, string size, string fill, bool bold = false, string? anchor = null)
    {
        s.Append("<text x=\"").Append(Coordinate(x)).Append("\" y=\"").Append(Coordinate(y)).Append("\" font-size=\"").Append(size)
            .Append("\" fill=\"").Append(fill).Append('"');
        if (bold)
        {
            s.Append(" font-weight=\"bold\"");
        }

        if (anchor is not null)
        {
            s.Append(" text-anchor=\"").Append(anchor).Append('"');
        }

        s.Append('>').Append(Escape(text)).Append("</text>\n");
    }

    // An SVG coordinate or length: rounded to 0.1, invariant culture, no trailing ".0".
    private static string Coordinate(double v) => Math.Round(v, 1).ToString("0.#", CultureInfo.InvariantCulture);

    // "A: path — machine, isa, N threads": the machine, ISA and threads always whole (they are what a reader compares);
    // the path gives way, shortened from the left so that its file name stays.
    private static string LegendText(BenchSeries series)
    {
        string run = $" — {series.Run.Machine}, {series.Run.Isa}, {series.Run.Threads} thread{(series.Run.Threads == 1 ? "" : "s")}";
        string letter = $"{series.Input.Letter}: ";
        int pathRoom = Math.Max(LegendPathMin, LegendWidth - letter.Length - run.Length);
        return letter + TruncateStart(series.Input.Path, pathRoom) + run;
    }

    private const int LegendWidth = 110;
    private const int LegendPathMin = 24;

    // At most max characters: "…" and the end of the text, never splitting a surrogate pair.
    private static string TruncateStart(string text, int max)
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

    // At most max characters: the start of the text and "…", never splitting a surrogate pair.
    private static string TruncateEnd(string text, int max)
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
}
