namespace ReproKit.Cli;

/// <summary>
/// Ctrl+C for every command but <c>train</c> (which stops at a step boundary and saves its checkpoint): the files the
/// command writes (the values of <c>--out</c>, <c>--*-out</c>, <c>--svg</c>, <c>--write-digests</c>, <c>--manifest</c>)
/// that it created or changed since it started are removed, one line says so on stderr, and the process exits with
/// <see cref="CliApp.ExitInterrupted"/>, without a stack trace. A file the command had not touched yet is left alone.
/// </summary>
internal sealed class InterruptGuard : IDisposable
{
    private readonly string _command;
    private readonly TextWriter _stderr;
    private readonly (string Path, bool Existed, DateTime WriteTime, long Length)[] _outputs;
    private readonly Action<int> _exit;
    private readonly ConsoleCancelEventHandler _handler;
    private int _stopped;

    internal InterruptGuard(string command, IEnumerable<string> outputPaths, TextWriter stderr, Action<int>? exit = null)
    {
        _command = command;
        _stderr = stderr;
        _exit = exit ?? Environment.Exit;
        _outputs = [.. outputPaths.Distinct().Select(p =>
        {
            var info = new FileInfo(p);
            return (p, info.Exists, info.Exists ? info.LastWriteTimeUtc : default, info.Exists ? info.Length : -1);
        })];
        _handler = (_, e) =>
        {
            e.Cancel = true; // this handler ends the process itself, after the cleanup
            Stop();
        };
        Console.CancelKeyPress += _handler;
    }

    /// <summary>Whether an option's value is a file that the command writes.</summary>
    internal static bool IsOutputOption(string name) =>
        name is "--out" or "--svg" or "--write-digests" or "--manifest" || name.EndsWith("-out", StringComparison.Ordinal);

    /// <summary>The output files named on a command line (the values of <see cref="IsOutputOption"/> options).</summary>
    internal static IEnumerable<string> OutputPaths(ArgReader reader, IEnumerable<OptionSpec> specs) =>
        specs.Where(s => !s.IsPositional && s.Value is not null && IsOutputOption(s.Name))
            .Select(s => reader.String(s.Name)).OfType<string>();

    /// <summary>The files this run created or changed: removed when it is stopped.</summary>
    internal IEnumerable<string> Touched() => _outputs.Where(o =>
    {
        var info = new FileInfo(o.Path);
        return info.Exists && (!o.Existed || info.LastWriteTimeUtc != o.WriteTime || info.Length != o.Length);
    }).Select(o => o.Path);

    /// <summary>Removes the files this run wrote, reports it and exits with 130 (Ctrl+C's handler; tests call it directly).</summary>
    internal void Stop()
    {
        if (Interlocked.Exchange(ref _stopped, 1) != 0)
        {
            return;
        }

        var removed = new List<string>();
        foreach (string path in Touched())
        {
            try
            {
                File.Delete(path);
                removed.Add(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _stderr.WriteLine($"reprokit {_command}: could not remove the partly written {path}: {e.Message}");
            }
        }

        _stderr.WriteLine(removed.Count == 0
            ? $"reprokit {_command}: stopped by Ctrl+C"
            : $"reprokit {_command}: stopped by Ctrl+C; removed the partly written {string.Join(", ", removed)}");
        _stderr.Flush();
        _exit(CliApp.ExitInterrupted);
    }

    public void Dispose() => Console.CancelKeyPress -= _handler;
}
