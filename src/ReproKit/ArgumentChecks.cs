namespace ReproKit;

/// <summary>
/// Argument checks the binding makes before a native call, with one wording for every operation: a span or buffer of
/// the wrong length is an <see cref="ArgumentException"/> whose <see cref="ArgumentException.ParamName"/> is the public
/// parameter that holds it, and whose message reads <c>'y' has 9 elements; 10 are needed (as many as 'x').</c>
/// </summary>
internal static class ArgumentChecks
{
    /// <summary>Throws unless <paramref name="actual"/> equals <paramref name="expected"/>.</summary>
    /// <param name="actual">The length of the argument.</param>
    /// <param name="expected">The length the call needs.</param>
    /// <param name="paramName">The public parameter that holds the argument (<c>nameof</c>).</param>
    /// <param name="reason">Where <paramref name="expected"/> comes from, e.g. "as many as 'x'"; null for nothing.</param>
    /// <exception cref="ArgumentException">The lengths differ.</exception>
    internal static void Length(long actual, long expected, string paramName, string? reason = null)
    {
        if (actual != expected)
        {
            throw new ArgumentException($"{Has(paramName, actual)}; {Needed(expected)}{Reason(reason)}.", paramName);
        }
    }

    /// <summary>
    /// Throws unless an optional argument is absent (<paramref name="actual"/> is 0) or has exactly
    /// <paramref name="expected"/> elements.
    /// </summary>
    /// <param name="actual">The length of the argument; 0 when it was not given.</param>
    /// <param name="expected">The length the call needs when the argument is given.</param>
    /// <param name="paramName">The public parameter that holds the argument (<c>nameof</c>).</param>
    /// <param name="reason">Where <paramref name="expected"/> comes from; null for nothing.</param>
    /// <exception cref="ArgumentException">The argument is given with another length.</exception>
    internal static void OptionalLength(long actual, long expected, string paramName, string? reason = null)
    {
        if (actual != 0 && actual != expected)
        {
            throw new ArgumentException($"{Has(paramName, actual)}; {Needed(expected)}{Reason(reason)}, or none to skip it.", paramName);
        }
    }

    private static string Has(string paramName, long actual) => $"'{paramName}' has {actual} element{(actual == 1 ? "" : "s")}";

    private static string Needed(long expected) => $"{expected} {(expected == 1 ? "is" : "are")} needed";

    private static string Reason(string? reason) => reason is null ? "" : $" ({reason})";
}
