using System.Runtime.InteropServices;

namespace ReproKit.Interop;

/// <summary>Turns native statuses into .NET exceptions, with the native message and status attached.</summary>
/// <remarks>
/// <para>
/// Parameter names. An <see cref="ArgumentException"/> (or subclass) carries in <see cref="ArgumentException.ParamName"/>
/// the parameter of the public method that the caller got wrong, never a native argument name. Two mechanisms get there:
/// </para>
/// <list type="number">
/// <item><description>
/// Checks the binding can make cheaply and exactly are made in C# before the native call, naming the parameter with
/// <c>nameof</c>: span and buffer lengths (<see cref="ArgumentChecks"/>), overlaps that the binding itself forbids
/// (sampling outputs), ranges of values the binding derives (counts, positions, enum values), and, for native checks
/// that cover several parameters at once (<c>needs finite low &lt;= high</c>), which of them is at fault: the call site
/// passes that parameter as <c>paramName</c>, chosen from the values.
/// </description></item>
/// <item><description>
/// Everything else is validated by the native library, whose message and status the exception keeps. The call site
/// passes a table from the native argument names of the entry point (as the C header spells them: <c>x</c>,
/// <c>mask</c>, <c>row_stride</c>, <c>params</c>, <c>desc</c>, ...) to its own parameters, and
/// <see cref="ParameterOf"/> picks the first entry that the message names. A native message names an argument in one
/// of two ways, both of which <c>native/src/api</c> uses for every check: quoted (<c>argument 'stream' is null</c>,
/// <c>'x' and 'y' overlap without being the same buffer</c>, <c>'y' is host memory, ...</c>), or as the first word
/// after the function's name and an optional <c>row R: </c> (<c>p must be in [0, 1]</c>, <c>vocab must be in [1, 2^21)</c>,
/// <c>params[3].top_p ...</c>, <c>desc-&gt;groups ...</c>, <c>workspace_bytes is ...</c>). The table is searched in
/// order, so a message that names two arguments (an overlap) is reported on the one listed first: call sites list
/// the buffers they write before the ones they read. When no entry matches (a message about no argument in
/// particular, or a native message that changed), <c>paramName</c> is used: the parameter the failure most likely
/// concerns. The tests assert the parameter name of every kind of bad argument of every operation, so a native
/// message that stops naming its argument fails them rather than going unnoticed.
/// </description></item>
/// </list>
/// </remarks>
internal static class NativeErrors
{
    /// <summary>Key under which argument exceptions carry the native <see cref="ReproKitStatus"/> in <see cref="Exception.Data"/>.</summary>
    internal const string StatusKey = "ReproKit.Status";

    /// <summary>Throws the exception that matches <paramref name="status"/> unless it is <see cref="RkStatus.Ok"/>.</summary>
    /// <param name="status">The native call's status.</param>
    /// <param name="paramName">The public parameter an argument error concerns when <paramref name="arguments"/> do not say.</param>
    /// <param name="arguments">
    /// Native argument names of the entry point and the public parameters that hold them, writes first; see the remarks.
    /// </param>
    internal static void Check(RkStatus status, string? paramName = null, params ReadOnlySpan<(string Native, string Parameter)> arguments)
    {
        if (status != RkStatus.Ok)
        {
            throw Create(status, paramName, arguments);
        }
    }

    internal static unsafe string LastMessage() =>
        Marshal.PtrToStringUTF8((nint)NativeMethods.rk_last_error_message()) ?? string.Empty;

    /// <summary>
    /// The public parameter a native message is about: the first of <paramref name="arguments"/> whose native name the
    /// message quotes or starts with (after the function's name and a <c>row R: </c> prefix), else <paramref name="fallback"/>.
    /// </summary>
    internal static string? ParameterOf(string message, string? fallback, ReadOnlySpan<(string Native, string Parameter)> arguments)
    {
        ReadOnlySpan<char> text = message;
        int colon = text.IndexOf(": ", StringComparison.Ordinal);
        if (colon >= 0)
        {
            text = text[(colon + 2)..]; // "rk_dropout_forward: "
        }

        if (text.StartsWith("row ", StringComparison.Ordinal))
        {
            int end = text.IndexOf(": ", StringComparison.Ordinal);
            if (end > 4 && long.TryParse(text[4..end], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _))
            {
                text = text[(end + 2)..]; // rk_sample's "row 3: "
            }
        }

        foreach (var (native, parameter) in arguments)
        {
            if (Quotes(text, native) || StartsWithName(text, native))
            {
                return parameter;
            }
        }

        return fallback;
    }

    // Only on the failure path: the allocation does not matter.
    private static bool Quotes(ReadOnlySpan<char> text, string name) => text.Contains($"'{name}'", StringComparison.Ordinal);

    private static bool StartsWithName(ReadOnlySpan<char> text, string name) =>
        text.StartsWith(name, StringComparison.Ordinal) && (text.Length == name.Length || !IsNameChar(text[name.Length]));

    private static bool IsNameChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';

    private static Exception Create(RkStatus status, string? paramName, ReadOnlySpan<(string Native, string Parameter)> arguments)
    {
        string message = LastMessage();
        var publicStatus = (ReproKitStatus)status;
        if (message.Length == 0)
        {
            message = $"ReproKit native call failed with {publicStatus}.";
        }

        Exception e = status switch
        {
            RkStatus.NullPointer => new ArgumentNullException(ParameterOf(message, paramName, arguments), message),
            RkStatus.SizeOverflow => new ArgumentOutOfRangeException(ParameterOf(message, paramName, arguments), message),
            RkStatus.InvalidArgument => new ArgumentException(message, ParameterOf(message, paramName, arguments)),
            _ => new ReproKitException(publicStatus, message),
        };
        e.Data[StatusKey] = publicStatus;
        return e;
    }
}
