// C → C# naming rules: PascalCase of snake_case names, enum member prefix stripping, keyword escaping.
using System.Text;

namespace ReproKit.BindingGen;

internal static class Naming
{
    private static readonly HashSet<string> s_keywords = new(StringComparer.Ordinal)
    {
        "abstract", "as", "base", "bool", "break", "byte", "case", "catch", "char", "checked", "class", "const",
        "continue", "decimal", "default", "delegate", "do", "double", "else", "enum", "event", "explicit", "extern",
        "false", "finally", "fixed", "float", "for", "foreach", "goto", "if", "implicit", "in", "int", "interface",
        "internal", "is", "lock", "long", "namespace", "new", "null", "object", "operator", "out", "override",
        "params", "private", "protected", "public", "readonly", "ref", "return", "sbyte", "sealed", "short",
        "sizeof", "stackalloc", "static", "string", "struct", "switch", "this", "throw", "true", "try", "typeof",
        "uint", "ulong", "unchecked", "unsafe", "ushort", "using", "virtual", "void", "volatile", "while",
    };

    /// <summary><c>rk_cpu_context_options</c> → <c>RkCpuContextOptions</c>, <c>NULL_POINTER</c> → <c>NullPointer</c>,
    /// <c>AVX512</c> → <c>Avx512</c>. A mixed-case word keeps its inner capitals (<c>numThreads</c> → <c>NumThreads</c>).</summary>
    internal static string PascalCase(string name)
    {
        var result = new StringBuilder(name.Length);
        foreach (string word in name.Split('_', StringSplitOptions.RemoveEmptyEntries))
        {
            bool uniformCase = word == word.ToUpperInvariant() || word == word.ToLowerInvariant();
            result.Append(char.ToUpperInvariant(word[0]));
            result.Append(uniformCase ? word[1..].ToLowerInvariant() : word[1..]);
        }
        return result.ToString();
    }

    /// <summary>The longest common prefix ending in '_' of all names, shortened so that every remainder
    /// is non-empty and starts with a letter (RK_STATUS_OK, RK_STATUS_NULL_POINTER → RK_STATUS_).</summary>
    internal static string CommonPrefix(IReadOnlyList<string> names)
    {
        if (names.Count == 0)
        {
            return "";
        }
        string prefix = names[0];
        foreach (string name in names)
        {
            int length = 0;
            while (length < prefix.Length && length < name.Length && prefix[length] == name[length])
            {
                length++;
            }
            prefix = prefix[..length];
        }

        prefix = prefix[..(prefix.LastIndexOf('_') + 1)];
        while (prefix.Length > 0 && names.Any(n => n.Length == prefix.Length || !char.IsAsciiLetter(n[prefix.Length])))
        {
            int previous = prefix.Length >= 2 ? prefix.LastIndexOf('_', prefix.Length - 2) : -1;
            prefix = prefix[..(previous + 1)];
        }
        return prefix;
    }

    /// <summary>A C identifier usable as a C# identifier (<c>out</c> → <c>@out</c>).</summary>
    internal static string Identifier(string name) => s_keywords.Contains(name) ? "@" + name : name;
}
