using System.Diagnostics;
using System.Text.Json;

namespace ReproKit.Cli.Bench;

/// <summary>What every bench command shares: the timing rule (one warm-up run, then the best of <c>repeat</c>) and the JSON envelope.</summary>
internal static class BenchTiming
{
    /// <summary>Seconds of the fastest of <paramref name="repeat"/> runs after a warm-up run.</summary>
    internal static double Best(int repeat, Action run)
    {
        run(); // warm-up: page in the buffers, start the threads
        double best = double.MaxValue;
        for (int i = 0; i < repeat; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            run();
            best = Math.Min(best, Stopwatch.GetElapsedTime(t0).TotalSeconds);
        }

        return best;
    }

    /// <summary>
    /// Writes a bench result as indented JSON: <c>{"op", "machine", "isa", "threads", (header fields), "cases": [...]}</c>,
    /// the shape <c>reprokit compare</c> reads (each case has at least "name" and "sha256").
    /// </summary>
    /// <remarks>A CPU result also carries "bounds": the FMA peak and the memory-copy traffic of its thread count.</remarks>
    internal static void WriteJson<T>(TextWriter stdout, string op, CpuContext context, IEnumerable<T> cases,
        Action<Utf8JsonWriter, T> writeCase, Action<Utf8JsonWriter>? writeHeader = null)
    {
        MachineBound bound = MachineBounds.For(context.Threads);
        WriteJson(stdout, op, ReproKitLibrary.CpuDescription, ReproKitLibrary.IsaName(context.Isa), context.Threads, cases, writeCase, w =>
        {
            bound.Write(w);
            writeHeader?.Invoke(w);
        });
    }

    /// <summary>A share of a bound as the tables print it ("87.5%").</summary>
    internal static string Percent(double value, double bound) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{100 * value / bound:F1}%");

    /// <summary>The same envelope for any backend: a CUDA device gives its name as the machine and cuda:sm_XY as the ISA.</summary>
    internal static void WriteJson<T>(TextWriter stdout, string op, string machine, string isa, int threads, IEnumerable<T> cases,
        Action<Utf8JsonWriter, T> writeCase, Action<Utf8JsonWriter>? writeHeader = null)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("op", op);
            w.WriteString("machine", machine);
            w.WriteString("isa", isa);
            w.WriteNumber("threads", threads);
            writeHeader?.Invoke(w);
            w.WriteStartArray("cases");
            foreach (T c in cases)
            {
                w.WriteStartObject();
                writeCase(w, c);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        stdout.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
    }
}
