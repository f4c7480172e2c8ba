using System.Globalization;
using System.Text;

namespace ReproKit.Cli.Bench;

/// <summary>
/// What the HTML page and the SVG charts of <c>reprokit bench report</c> share: escaping, number formatting and the
/// inputs' colours.
/// </summary>
internal static class BenchMarkup
{
    // One colour per input (swatches in the tables, bars in the charts), repeating after nine inputs.
    private static readonly string[] Palette = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f", "#ff9da7", "#bab0ac"];

    /// <summary>The colour of input <paramref name="inputIndex"/>.</summary>
    internal static string SeriesColor(int inputIndex) => Palette[inputIndex % Palette.Length];

    /// <summary>A number for people: integers as they are, others to about four significant digits (invariant culture).</summary>
    internal static string FormatValue(double v)
    {
        if (v == Math.Floor(v) && Math.Abs(v) < 1e15)
        {
            return v.ToString("F0", CultureInfo.InvariantCulture);
        }

        double a = Math.Abs(v);
        return v.ToString(a >= 100 ? "F1" : a >= 10 ? "F2" : a >= 0.1 ? "F3" : "G3", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Text escaped for HTML and XML alike (content and quoted attributes): the five markup characters become
    /// references, and characters XML cannot hold (controls other than tab / LF / CR, unpaired surrogates, U+FFFE,
    /// U+FFFF) become U+FFFD.
    /// </summary>
    internal static string Escape(string text)
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
