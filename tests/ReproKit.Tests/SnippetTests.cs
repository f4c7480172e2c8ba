using System.Reflection;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace ReproKit.Tests;

/// <summary>
/// Every <c>```csharp</c> block of README.md and docs/nuget/README.md compiles against the ReproKit assembly.
/// The convention (README.md, "Using the library"): a block is a whole C# program of top-level statements: it
/// declares every variable it uses and starts with the <c>using</c> directives it needs; nothing is added around it.
/// The test compiles it with Roslyn against the .NET runtime's assemblies and ReproKit.dll; a compile error fails it.
/// </summary>
public class SnippetTests
{
    /// <summary>The documents whose C# blocks are compiled, relative to the repository root.</summary>
    internal static readonly string[] Documents = ["README.md", "docs/nuget/README.md"];

    /// <summary>One C# block: its document, the line of its first code line, and its code.</summary>
    public sealed record Snippet(string Document, int Line, string Code)
    {
        public override string ToString() => $"{Document}:{Line}";
    }

    internal static string RepositoryRoot()
    {
        for (var d = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "README.md")) && File.Exists(Path.Combine(d.FullName, "Interop.sln")))
            {
                return d.FullName;
            }
        }

        throw new FileNotFoundException("README.md not found above the test folder");
    }

    /// <summary>The <c>```csharp</c> blocks of a Markdown text, each with the line number of its first code line.</summary>
    internal static IEnumerable<(int Line, string Code)> CSharpBlocks(string markdown)
    {
        string[] lines = markdown.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim() != "```csharp")
            {
                continue;
            }

            int start = i + 1;
            int end = start;
            while (end < lines.Length && lines[end].Trim() != "```")
            {
                end++;
            }

            yield return (start + 1, string.Join('\n', lines[start..end]));
            i = end;
        }
    }

    private static IEnumerable<TestCaseData> AllSnippets()
    {
        string root = RepositoryRoot();
        foreach (string document in Documents)
        {
            foreach ((int line, string code) in CSharpBlocks(File.ReadAllText(Path.Combine(root, document))))
            {
                var snippet = new Snippet(document, line, code);
                yield return new TestCaseData(snippet).SetArgDisplayNames(snippet.ToString());
            }
        }
    }

    /// <summary>Compiles a snippet as a console program; returns its errors (empty when it compiles).</summary>
    internal static IReadOnlyList<string> CompileErrors(string code, string path)
    {
        var tree = CSharpSyntaxTree.ParseText(code, new CSharpParseOptions(LanguageVersion.Latest), path);
        // The shared framework's assemblies (those the test host runs on), then ReproKit.dll.
        string framework = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var references = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!)
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Where(p => Path.GetDirectoryName(p) == framework)
            .Select(p => MetadataReference.CreateFromFile(p))
            .Append(MetadataReference.CreateFromFile(typeof(PhiloxStream).Assembly.Location));
        var compilation = CSharpCompilation.Create("Snippet", [tree], references,
            new CSharpCompilationOptions(OutputKind.ConsoleApplication, nullableContextOptions: NullableContextOptions.Enable));
        using var image = new MemoryStream();
        var result = compilation.Emit(image);
        return [.. result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => d.ToString())];
    }

    [TestCaseSource(nameof(AllSnippets))]
    public void EveryCSharpSnippetCompiles(Snippet snippet)
    {
        // Line numbers in the errors are the document's: the code is padded with the lines above the block.
        string padded = new string('\n', snippet.Line - 1) + snippet.Code;
        IReadOnlyList<string> errors = CompileErrors(padded, snippet.Document);
        Assert.That(errors, Is.Empty, $"the C# block at {snippet} does not compile:\n" + string.Join('\n', errors));
    }

    [Test]
    public void TheDocumentsHaveSnippets()
    {
        string root = RepositoryRoot();
        foreach (string document in Documents)
        {
            Assert.That(CSharpBlocks(File.ReadAllText(Path.Combine(root, document))), Is.Not.Empty,
                $"{document} has no ```csharp block (did the fence change?)");
        }
    }

    [Test]
    public void ABrokenSnippetFails()
    {
        // The package README's snippet as it was: x, y, step, logits and requestId were never declared.
        const string markdown = """
            # Text
            ```csharp
            using ReproKit;

            Dropout.Forward(x, y, p: 0.1, new PhiloxStream(Seed: 7, Subsequence: step));
            int token = Sampler.SampleOne(logits, new SamplingParams(0.7f, 50, 0.9), new PhiloxStream(9, requestId, 2 * step)).Token;
            ```
            """;
        (int line, string code) = CSharpBlocks(markdown).Single();
        Assert.That(line, Is.EqualTo(3));
        IReadOnlyList<string> errors = CompileErrors(code, "broken.md");
        Assert.That(errors, Has.Some.Contains("CS0103").And.Some.Contains("'x'").And.Some.Contains("'requestId'"));
        Assert.That(CompileErrors("using ReproKit;\nvar s = new PhiloxStream(Seed: 1);\n", "fine.md"), Is.Empty,
            "a correct snippet compiles (the references are complete)");
    }
}
