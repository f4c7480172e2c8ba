using System.Diagnostics;

namespace ReproKit.Cli.Commands;

/// <summary>The timing rule every bench command uses: one warm-up run, then the best of <c>repeat</c> timed runs.</summary>
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
}
