// Command line and --check: finds the repository, loads libclang, parses the header, emits the C#
// file, then writes it (only when changed) or compares it with the committed one.
//
// Exit codes: 0 ok / up to date; 1 --check found a difference; 2 usage error, header diagnostic or
// unsupported declaration; 3 libclang cannot be loaded.
using System.Text;

namespace ReproKit.BindingGen;

internal static class Program
{
    internal const string HeaderRelativePath = "native/include/reprokit/reprokit.h";
    internal const string OutputRelativePath = "src/ReproKit/Interop/NativeMethods.g.cs";
    private const string RegenerateHint = "run: dotnet run --project bindings/ReproKit.BindingGen";

    private const string Usage = """
        Usage: dotnet run --project bindings/ReproKit.BindingGen -- [options]

        Generates the C# P/Invoke layer (src/ReproKit/Interop/NativeMethods.g.cs) from the C header
        (native/include/reprokit/reprokit.h) using libclang.

        Options:
          --header PATH     C header to parse (default: <repo>/native/include/reprokit/reprokit.h)
          --output PATH     C# file to write or check (default: <repo>/src/ReproKit/Interop/NativeMethods.g.cs)
          --check           regenerate in memory; exit 1 if the output file differs, 0 if identical
          --libclang PATH   libclang shared library to load (default: libclang-16.so.1;
                            the REPROKIT_LIBCLANG environment variable also sets it)
          -h, --help        show this help

        <repo> is the first directory, walking up from the current one, that contains
        native/include/reprokit/reprokit.h.

        Exit codes: 0 success, 1 --check difference, 2 usage error / header diagnostic /
        unsupported declaration, 3 libclang not loadable (Debian: apt-get install libclang1-16 libclang-16-dev).
        """;

    private sealed record Options(string? Header, string? Output, bool Check, string? LibClangPath);

    internal static int Main(string[] args)
    {
        try
        {
            Options? options = ParseArguments(args);
            return options is null ? 0 : Run(options);
        }
        catch (GeneratorException e)
        {
            Console.Error.WriteLine(e.Message);
            return e.ExitCode;
        }
    }

    /// <summary>Null when --help was handled.</summary>
    private static Options? ParseArguments(string[] args)
    {
        string? header = null, output = null, libclang = null;
        bool check = false;
        for (int i = 0; i < args.Length; i++)
        {
            string arg = args[i];
            switch (arg)
            {
                case "-h" or "--help":
                    Console.Out.Write(Usage);
                    return null;
                case "--check":
                    check = true;
                    break;
                case "--header":
                    header = Value(args, ref i);
                    break;
                case "--output":
                    output = Value(args, ref i);
                    break;
                case "--libclang":
                    libclang = Value(args, ref i);
                    break;
                default:
                    throw new GeneratorException($"error: unknown option '{arg}'\n\n{Usage}");
            }
        }
        return new Options(header, output, check, libclang);
    }

    private static string Value(string[] args, ref int i)
    {
        if (i + 1 >= args.Length || args[i + 1].Length == 0)
        {
            throw new GeneratorException($"error: {args[i]} needs a value\n\n{Usage}");
        }
        return args[++i];
    }

    private static int Run(Options options)
    {
        string? root = FindRepositoryRoot(Directory.GetCurrentDirectory());
        string header = Path.GetFullPath(options.Header ?? Path.Combine(
            root ?? throw NoRoot("--header"), HeaderRelativePath));
        string output = Path.GetFullPath(options.Output ?? Path.Combine(
            root ?? throw NoRoot("--output"), OutputRelativePath));

        if (!LibClangLoader.TryLoad(options.LibClangPath, out string library, out string loadError))
        {
            throw new GeneratorException(
                $"error: cannot load libclang '{library}': {loadError}\n" +
                "The generator needs libclang 16. On Debian/Ubuntu: apt-get install libclang1-16 libclang-16-dev\n" +
                $"(or point --libclang / {LibClangLoader.EnvironmentVariable} at a libclang shared library).",
                exitCode: 3);
        }

        HeaderModel model = HeaderParser.Parse(header, DisplayPath(header, root));
        string generated = CSharpEmitter.Emit(model);
        return options.Check ? Check(generated, output, root) : Write(generated, output, model, root);
    }

    private static int Write(string generated, string output, HeaderModel model, string? root)
    {
        string shown = DisplayPath(output, root);
        string summary = $"{model.Declarations.OfType<EnumDeclaration>().Count()} enums, " +
            $"{model.Declarations.OfType<StructDeclaration>().Count()} structs, " +
            $"{model.Declarations.OfType<FunctionDeclaration>().Count()} functions, " +
            $"{model.Declarations.OfType<ConstantDeclaration>().Count()} constants";
        if (File.Exists(output) && File.ReadAllText(output) == generated)
        {
            Console.WriteLine($"Up to date: {shown} ({summary}) from {model.HeaderDisplayPath}");
            return 0;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        File.WriteAllText(output, generated, new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        Console.WriteLine($"Wrote {shown} ({summary}) from {model.HeaderDisplayPath}");
        return 0;
    }

    private static int Check(string generated, string output, string? root)
    {
        string shown = DisplayPath(output, root);
        if (!File.Exists(output))
        {
            Console.Error.WriteLine($"error: {shown} does not exist; {RegenerateHint}");
            return 1;
        }
        string[] expected = generated.Split('\n');
        string[] actual = File.ReadAllText(output).Split('\n');
        var differing = new List<int>();
        for (int i = 0; i < Math.Max(expected.Length, actual.Length); i++)
        {
            string? want = i < expected.Length ? expected[i] : null;
            string? have = i < actual.Length ? actual[i] : null;
            if (want != have)
            {
                differing.Add(i + 1);
            }
        }
        if (differing.Count == 0)
        {
            Console.WriteLine($"OK: {shown} is up to date with the header");
            return 0;
        }

        Console.Error.WriteLine($"error: {shown} is out of date with the header ({differing.Count} differing line(s)); first at line(s) {string.Join(", ", differing.Take(10))}");
        foreach (int line in differing.Take(3))
        {
            Console.Error.WriteLine($"  line {line}: expected: {Show(expected, line)}");
            Console.Error.WriteLine($"  line {line}: found:    {Show(actual, line)}");
        }
        Console.Error.WriteLine(RegenerateHint);
        return 1;
    }

    private static string Show(string[] lines, int line) =>
        line <= lines.Length ? lines[line - 1].Replace("\r", "\\r", StringComparison.Ordinal) : "(end of file)";

    /// <summary>The first directory at or above <paramref name="start"/> that contains the header.</summary>
    private static string? FindRepositoryRoot(string start)
    {
        for (DirectoryInfo? directory = new(start); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, HeaderRelativePath)))
            {
                return directory.FullName;
            }
        }
        return null;
    }

    private static GeneratorException NoRoot(string option) => new(
        $"error: no directory containing {HeaderRelativePath} found at or above {Directory.GetCurrentDirectory()}; " +
        $"run from inside the repository or pass {option}");

    /// <summary>Path relative to the repository root with '/' separators, else the full path.</summary>
    private static string DisplayPath(string path, string? root)
    {
        if (root is not null)
        {
            string relative = Path.GetRelativePath(root, path);
            if (!relative.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(relative))
            {
                return relative.Replace(Path.DirectorySeparatorChar, '/');
            }
        }
        return path.Replace(Path.DirectorySeparatorChar, '/');
    }
}
