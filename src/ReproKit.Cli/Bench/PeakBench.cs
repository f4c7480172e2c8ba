using System.Globalization;

namespace ReproKit.Cli.Bench;

/// <summary>
/// <c>reprokit bench peak [--threads T] [--json]</c>: the machine's two bounds for 1 .. T threads, measured in one run —
/// the FMA peak (GFLOP/s of independent vector FMAs) and the memory-copy traffic (GB/s read plus written) — the figures
/// every other bench result carries for its own thread count, so that results from different machines compare as
/// shares of their machine's bounds.
/// </summary>
internal static class PeakBench
{
    internal static int Run(bool json, CpuContext context, TextWriter stdout)
    {
        var bounds = Enumerable.Range(1, context.Threads).Select(MachineBounds.For).ToList();
        Progress.Done();
        if (json)
        {
            BenchTiming.WriteJson(stdout, "peak", context, bounds, (w, b) =>
            {
                w.WriteString("name", $"threads={b.Threads}");
                w.WriteNumber("fmaPeakGflops", b.FmaPeakGflops);
                w.WriteNumber("copyTrafficGBps", b.CopyTrafficGBps);
            });
            return CliApp.ExitOk;
        }

        stdout.WriteLine($"bench peak: FMA peak ({MachineBounds.FmaKind}, 12 independent chains per thread, best of 3) and memory copy "
            + $"(128 MiB, read + written, best of 5) per thread count; {ReproKitLibrary.CpuDescription}");
        stdout.WriteLine($"{"threads",7} {"GFLOP/s",9} {"per thread",10} {"copy GB/s",9} {"per thread",10}");
        foreach (MachineBound b in bounds)
        {
            stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{b.Threads,7} {b.FmaPeakGflops,9:F1} {b.FmaPeakGflops / b.Threads,10:F1} {b.CopyTrafficGBps,9:F1} {b.CopyTrafficGBps / b.Threads,10:F1}"));
        }

        return CliApp.ExitOk;
    }
}
