using System.Globalization;
using System.Text;

namespace ReproKit.Cli;

/// <summary>A command-line usage error: reported with the command's name and exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);

/// <summary>
/// One option of a command: its name, its value's placeholder (null for a flag) and its help text. A name without
/// leading dashes declares a positional argument (in order); the last positional may take <paramref name="Many"/>
/// values (every remaining argument).
/// </summary>
internal sealed record OptionSpec(string Name, string? Value, string Help, bool Required = false, bool Many = false)
{
    internal bool IsPositional => !Name.StartsWith("--", StringComparison.Ordinal);
}

/// <summary>
/// Parses <c>--name value</c>, <c>--name=value</c> and flags against a command's declared options. Unknown options,
/// missing values, repeated options and missing required options are usage errors that name the option.
/// </summary>
internal sealed class ArgReader
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _lists = new(StringComparer.Ordinal);
    private readonly OptionSpec[] _specs;
    private int _positionals;

    internal ArgReader(string command, OptionSpec[] specs, string[] args)
    {
        _specs = specs;
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            if (arg is "-h" or "--help")
            {
                WantsHelp = true;
                continue;
            }

            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                OptionSpec[] positionals = specs.Where(s => s.IsPositional).ToArray();
                OptionSpec slot = _positionals < positionals.Length ? positionals[_positionals]
                    : positionals.Length > 0 && positionals[^1].Many ? positionals[^1]
                    : throw new UsageException($"unexpected argument '{arg}' (options start with --).");
                if (slot.Many)
                {
                    if (!_lists.TryGetValue(slot.Name, out List<string>? list))
                    {
                        _lists[slot.Name] = list = [];
                    }

                    list.Add(arg);
                }

                _values.TryAdd(slot.Name, arg);
                _positionals++;
                continue;
            }

            string name = arg;
            string? inline = null;
            int eq = arg.IndexOf('=');
            if (eq > 0)
            {
                name = arg[..eq];
                inline = arg[(eq + 1)..];
            }

            OptionSpec spec = specs.FirstOrDefault(s => s.Name == name && !s.IsPositional)
                ?? throw new UsageException($"unknown option '{name}' for '{command}'.");
            if (_values.ContainsKey(name))
            {
                throw new UsageException($"option '{name}' is given more than once.");
            }

            if (spec.Value is null)
            {
                if (inline is not null)
                {
                    throw new UsageException($"option '{name}' is a flag and takes no value.");
                }

                _values[name] = null;
                continue;
            }

            if (inline is null)
            {
                if (i + 1 >= args.Length)
                {
                    throw new UsageException($"option '{name}' needs a value ({spec.Value}).");
                }

                inline = args[++i];
            }

            _values[name] = inline;
        }

        if (!WantsHelp)
        {
            foreach (OptionSpec spec in specs.Where(s => s.Required && !_values.ContainsKey(s.Name)))
            {
                throw new UsageException(spec.IsPositional ? $"the argument <{spec.Name}> is required." : $"option '{spec.Name}' is required.");
            }
        }
    }

    /// <summary>Whether --help was given.</summary>
    internal bool WantsHelp { get; }

    internal bool Has(string name) => _values.ContainsKey(name);

    internal bool Flag(string name) => _values.ContainsKey(name);

    internal string? String(string name) => _values.TryGetValue(name, out string? v) ? v : null;

    /// <summary>Every value of a positional declared with <c>Many</c>, in order (empty when none was given).</summary>
    internal IReadOnlyList<string> Strings(string name) => _lists.TryGetValue(name, out List<string>? v) ? v : [];

    /// <summary>An unsigned 64-bit value in decimal or 0x-hex (0 .. 2^64 - 1).</summary>
    internal ulong UInt64(string name, ulong defaultValue = 0)
    {
        string? text = String(name);
        return text is null ? defaultValue : ParseUInt64(name, text);
    }

    /// <summary>A non-negative count no larger than <paramref name="max"/>.</summary>
    internal long Count(string name, long max, long defaultValue = 0)
    {
        string? text = String(name);
        if (text is null)
        {
            return defaultValue;
        }

        ulong v = ParseUInt64(name, text);
        if (v > (ulong)max)
        {
            throw new UsageException($"option '{name}' is {v}; the maximum is {max}.");
        }

        return (long)v;
    }

    /// <summary>One of <paramref name="choices"/> (exact, lower-case).</summary>
    internal string Choice(string name, string[] choices, string? defaultValue = null)
    {
        string? text = String(name) ?? defaultValue ?? throw new UsageException($"option '{name}' is required.");
        if (!choices.Contains(text, StringComparer.Ordinal))
        {
            throw new UsageException($"option '{name}' is '{text}'; expected one of {string.Join(", ", choices)}.");
        }

        return text;
    }

    internal static ulong ParseUInt64(string name, string text)
    {
        string t = text.Trim().Replace("_", string.Empty, StringComparison.Ordinal);
        ulong value;
        bool ok = t.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            ? ulong.TryParse(t.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value)
            : ulong.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out value);
        if (!ok)
        {
            throw new UsageException($"option '{name}' is '{text}'; expected an integer in [0, 2^64 - 1], decimal or 0x-hex.");
        }

        return value;
    }

    /// <summary>"reprokit COMMAND" and every option, required ones bare and optional ones in brackets.</summary>
    internal static string UsageLine(string command, IEnumerable<OptionSpec> specs)
    {
        var sb = new StringBuilder("reprokit ").Append(command);
        foreach (OptionSpec s in specs)
        {
            string part = s.IsPositional ? $"<{s.Name}>{(s.Many ? "..." : "")}" : s.Value is null ? s.Name : $"{s.Name} {s.Value}";
            sb.Append(' ').Append(s.Required ? part : $"[{part}]");
        }

        return sb.ToString();
    }

    /// <summary>The command's help text, generated from its options.</summary>
    internal string Help(string command)
    {
        var sb = new StringBuilder();
        sb.Append("usage: ").AppendLine(UsageLine(command, _specs)).AppendLine();
        foreach (OptionSpec s in _specs)
        {
            string left = s.IsPositional ? $"<{s.Name}>" : s.Value is null ? s.Name : $"{s.Name} {s.Value}";
            sb.Append("  ").Append(left.PadRight(22)).Append(' ').AppendLine(s.Help);
        }

        return sb.ToString();
    }
}
