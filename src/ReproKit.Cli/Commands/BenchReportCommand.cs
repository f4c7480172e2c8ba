using System.Text;
using ReproKit.Cli.Bench;

namespace ReproKit.Cli.Commands;

/// <summary>
/// <c>reprokit bench report A.json [B.json ...] --out report.html [--svg chart.svg]</c>: comparison charts of bench
/// results (<c>reprokit bench &lt;op&gt;|all --json</c>). Exits 1, after writing the files, when a case's digests differ
/// between inputs with equal settings (as <c>reprokit compare</c> does).
/// </summary>
internal static class BenchReportCommand
{
    internal static readonly OptionSpec[] Options =
    [
        new("files", null, "bench results written by 'reprokit bench <op>|all --json' (one or more)", Required: true, Many: true),
        new("--out", "REPORT.html", "the HTML report to write (self-contained: inline SVG and CSS)", Required: true),
        new("--svg", "CHART.svg", "also write every chart into one standalone SVG file"),
    ];

    internal static int Run(ArgReader args, TextWriter stdout)
    {
        List<BenchInput> inputs = BenchResults.Load(args.Strings("files"));
        List<BenchOpGroup> ops = BenchAnalysis.Analyse(inputs);
        var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
        string html = args.String("--out")!;
        File.WriteAllText(html, BenchHtml.Page(inputs, ops), utf8);
        stdout.WriteLine($"wrote {html}: {inputs.Count} file(s), {ops.Count} operation(s), {ops.Sum(o => o.Cases.Count)} case(s)");
        if (args.String("--svg") is { } svg)
        {
            File.WriteAllText(svg, BenchSvg.Document(ops), utf8);
            stdout.WriteLine($"wrote {svg}");
        }

        stdout.WriteLine(BenchAnalysis.Summary(ops, inputs.Count));
        return BenchAnalysis.Failures(ops).Count == 0 ? CliApp.ExitOk : CliApp.ExitFailure;
    }
}
