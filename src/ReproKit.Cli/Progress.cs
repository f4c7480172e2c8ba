namespace ReproKit.Cli;

/// <summary>
/// Progress of long runs (bench, verify) on stderr, never mixed into stdout's tables or JSON. On a terminal it is
/// one line rewritten in place and erased at the end; when stderr is redirected (a log file, CI) each step is
/// its own line, so the log shows what ran without carriage-return clutter.
/// </summary>
internal static class Progress
{
    private static int _shown; // length of the line on the terminal now

    /// <summary>Reports the step starting now.</summary>
    /// <param name="text">What runs now.</param>
    /// <param name="logWhenRedirected">Whether a redirected stderr gets the step as a line (false: short steps shown only on a terminal).</param>
    internal static void Step(string text, bool logWhenRedirected = true)
    {
        if (Console.IsErrorRedirected)
        {
            if (logWhenRedirected)
            {
                Console.Error.WriteLine(text);
            }

            return;
        }

        Console.Error.Write("\r" + text.PadRight(_shown));
        _shown = text.Length;
    }

    /// <summary>Erases the progress line (terminal only).</summary>
    internal static void Done()
    {
        if (!Console.IsErrorRedirected && _shown > 0)
        {
            Console.Error.Write("\r" + new string(' ', _shown) + "\r");
        }

        _shown = 0;
    }
}
