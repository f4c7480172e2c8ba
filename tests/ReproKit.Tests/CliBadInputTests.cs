using System.Diagnostics;
using System.Text;
using ReproKit.Cli;
using ReproKit.IO;

namespace ReproKit.Tests;

/// <summary>
/// Bad input for every CLI command: unknown and missing options, bad numbers, missing, unreadable and malformed files,
/// out-of-range parameters, bad JSON. Each must end with a clear message on stderr and exit code 2 (usage) or 1
/// (failure): never an internal error, a hang or a stack trace.
/// </summary>
public class CliBadInputTests
{
    private static string _dir = null!;

    private static readonly Dictionary<string, string> Files = [];

    [OneTimeSetUp]
    public void CreateFiles()
    {
        _dir = Directory.CreateTempSubdirectory("rk-cli-bad").FullName;
        string P(string name) => Files[name] = Path.Combine(_dir, name + ".npy");
        NpyFile.Write<float>(P("x"), new float[2 * 3 * 8 * 8], [2, 3, 8, 8]);
        NpyFile.Write<float>(P("x3d"), new float[2 * 3 * 8], [2, 3, 8]);
        NpyFile.Write<float>(P("w"), new float[4 * 3 * 3 * 3], [4, 3, 3, 3]);
        NpyFile.Write<float>(P("wbad"), new float[4 * 2 * 3 * 3], [4, 2, 3, 3]);
        NpyFile.Write<float>(P("logits"), [0.5f, 1f, 2f, 0f, -1f, 3f], [2, 3]);
        NpyFile.Write<float>(P("nanlogits"), [0.5f, float.NaN, 2f], [3]);
        NpyFile.Write<double>(P("f64"), new double[12], [12]);
        File.WriteAllBytes(P("badmagic"), Encoding.ASCII.GetBytes("PK\u0003\u0004 this is a zip, not an array"));
        File.WriteAllBytes(P("truncated"), Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (100,), }", 12));
        File.WriteAllBytes(P("fortran"), Npy("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }", 16));
        File.WriteAllBytes(P("huge"), Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904,), }", 16));
        File.WriteAllBytes(P("overflow"), Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4), }", 16));
        File.WriteAllBytes(P("dimtoolong"), Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", 16));
        File.WriteAllBytes(P("garbage"), Npy("\u0001\u00ff\u00fe garbage \u0007", 16, Encoding.Latin1));
        byte[] shortHeader = Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }", 0);
        shortHeader[8] = 0xFF; // header length 0xFF.. claims more bytes than the file has
        shortHeader[9] = 0x7F;
        File.WriteAllBytes(P("hdrlen"), shortHeader);
        Files["missing"] = Path.Combine(_dir, "does-not-exist.npy");
        Files["dir"] = Directory.CreateDirectory(Path.Combine(_dir, "a-directory")).FullName;
        Files["out"] = Path.Combine(_dir, "out.npy");
        Files["badjson"] = Text("badjson.json", "{ \"format\": \"reprokit.manifest/1\", \"calls\": [ ");
        Files["arrayjson"] = Text("array.json", "[1, 2, 3]");
        Files["benchbad"] = Text("benchbad.json", "{ \"op\": \"rand\", \"cases\": 42 }");
        Files["benchnoname"] = Text("benchnoname.json", "{ \"op\": \"rand\", \"cases\": [ { \"sha256\": \"ab\" } ] }");
        Files["benchok"] = Text("benchok.json", "{ \"op\": \"rand\", \"cases\": [] }");

        // A valid manifest, then one whose call is 'replay' of itself, and one whose output role is not in its arguments.
        string manifest = Path.Combine(_dir, "m.json");
        Files["manifest"] = manifest;
        Assert.That(CliApp.Run(["rand", "--dist", "u32", "--seed", "1", "--count", "4", "--out", Files["out"], "--manifest", manifest], new StringWriter(), new StringWriter()),
            Is.Zero);
        string json = File.ReadAllText(manifest);
        Files["replayself"] = Text("self.json", json.Replace("\"operation\": \"rand\"", "\"operation\": \"replay\"", StringComparison.Ordinal)
            .Replace("\"--dist\"", $"\"{Path.Combine(_dir, "self.json")}\", \"--json\", \"--x\"", StringComparison.Ordinal));
        Assert.That(File.ReadAllText(Files["replayself"]), Does.Contain("\"operation\": \"replay\""), "the test manifest was rewritten");
        Files["norole"] = Text("norole.json", json.Replace("\"role\": \"--out\"", "\"role\": \"--mask-out\"", StringComparison.Ordinal));
    }

    [OneTimeTearDown]
    public void RemoveFiles() => Directory.Delete(_dir, recursive: true);

    private static IEnumerable<TestCaseData> Cases()
    {
        const int U = CliApp.ExitUsage, F = CliApp.ExitFailure;
        string[] dropout = ["dropout", "--p", "0.5", "--seed", "1", "--out", "{out}"];
        string[] sample = ["sample", "--seed", "1", "--out", "{out}"];
        string[] conv = ["conv2d", "--input", "{x}", "--weight", "{w}", "--out", "{out}"];
        TestCaseData C(int code, string expected, params string[] args) =>
            new TestCaseData(args, code, expected).SetName($"{string.Join(' ', args)} -> {code}");

        // info
        yield return C(U, "unknown option '--bogus'", "info", "--bogus");
        yield return C(U, "unexpected argument 'extra'", "info", "extra");
        // rand
        yield return C(U, "'--dist' is required", "rand", "--seed", "1", "--count", "4");
        yield return C(U, "expected an integer", "rand", "--dist", "u32", "--seed", "1", "--count", "12x");
        yield return C(U, "expected a number", "rand", "--dist", "uniform", "--seed", "1", "--count", "4", "--low", "0", "--high", "1e999x");
        yield return C(F, "rk_philox_fill_normal", "rand", "--dist", "normal", "--seed", "1", "--count", "4", "--std", "-1");
        yield return C(F, "rk_philox_fill_uniform_range", "rand", "--dist", "uniform", "--seed", "1", "--count", "4", "--low", "NaN", "--high", "1");
        yield return C(F, "rk_philox_fill_truncated_normal", "rand", "--dist", "truncnormal", "--seed", "1", "--count", "4", "--a", "1", "--b", "-1");
        yield return C(F, "a-directory", "rand", "--dist", "u32", "--seed", "1", "--count", "4", "--out", "{dir}");
        // dropout: files
        yield return C(F, "does-not-exist.npy", [.. dropout, "--input", "{missing}"]);
        yield return C(F, "a-directory", [.. dropout, "--input", "{dir}"]);
        yield return C(F, "magic string", [.. dropout, "--input", "{badmagic}"]);
        yield return C(F, "truncated", [.. dropout, "--input", "{truncated}"]);
        yield return C(F, "Fortran", [.. dropout, "--input", "{fortran}"]);
        yield return C(F, "more than 2147483647 elements", [.. dropout, "--input", "{huge}"]);
        yield return C(F, "more than 2147483647 elements", [.. dropout, "--input", "{overflow}"]);
        yield return C(F, "invalid dimension", [.. dropout, "--input", "{dimtoolong}"]);
        yield return C(F, "no valid 'descr' entry", [.. dropout, "--input", "{garbage}"]);
        yield return C(F, "ends inside the header", [.. dropout, "--input", "{hdrlen}"]);
        yield return C(F, "float32", [.. dropout, "--input", "{f64}"]);
        // dropout: options
        yield return C(F, "p must be in [0, 1]", "dropout", "--p", "1.5", "--seed", "1", "--out", "{out}", "--input", "{x}");
        yield return C(F, "p must be in [0, 1]", "dropout", "--p", "-Infinity", "--seed", "1", "--out", "{out}", "--input", "{x}");
        yield return C(U, "expected a number", "dropout", "--p", "half", "--seed", "1", "--out", "{out}", "--input", "{x}");
        yield return C(U, "'--p' is required", "dropout", "--seed", "1", "--out", "{out}", "--input", "{x}");
        yield return C(U, "needs --input", dropout);
        yield return C(U, "belong to --backward", [.. dropout, "--input", "{x}", "--mask", "{x}"]);
        yield return C(F, "the mask must hold", [.. dropout, "--backward", "--grad-output", "{x}", "--mask", "{f64}"]);
        yield return C(F, "element_offset + count passes 2^64 - 1", [.. dropout, "--input", "{x}", "--element-offset", "18446744073709551615"]);
        // sample
        yield return C(U, "'--logits' is required", sample);
        yield return C(U, "'--seed' is required", "sample", "--logits", "{logits}", "--out", "{out}");
        yield return C(F, "is NaN", [.. sample, "--logits", "{nanlogits}"]);
        yield return C(F, "temperature must be finite and >= 0", [.. sample, "--logits", "{logits}", "--temperature", "-1"]);
        yield return C(F, "top_p must be in (0, 1]", [.. sample, "--logits", "{logits}", "--top-p", "0"]);
        yield return C(F, "min_p must be in [0, 1)", [.. sample, "--logits", "{logits}", "--min-p", "1"]);
        yield return C(U, "expected a number", [.. sample, "--logits", "{logits}", "--top-p", "most"]);
        yield return C(U, "expected an integer", [.. sample, "--logits", "{logits}", "--top-k", "-3"]);
        yield return C(F, "shape [B, V] or [V]", [.. sample, "--logits", "{x}"]);
        yield return C(F, "does-not-exist.npy", [.. sample, "--logits", "{missing}"]);
        yield return C(F, "more than 2147483647 elements", [.. sample, "--logits", "{huge}"]);
        yield return C(F, "row streams must be uint64", "sample", "--logits", "{logits}", "--row-streams", "{logits}", "--out", "{out}");
        yield return C(U, "replaces --seed", [.. sample, "--logits", "{logits}", "--row-streams", "{logits}"]);
        // conv2d
        yield return C(U, "'--input' is required", "conv2d", "--out", "{out}");
        yield return C(F, "4 dimension(s)", "conv2d", "--input", "{x3d}", "--weight", "{w}", "--out", "{out}");
        yield return C(F, "second dimension must be 3", "conv2d", "--input", "{x}", "--weight", "{wbad}", "--out", "{out}");
        yield return C(F, "does-not-exist.npy", "conv2d", "--input", "{x}", "--weight", "{missing}", "--out", "{out}");
        yield return C(F, "truncated", "conv2d", "--input", "{truncated}", "--weight", "{w}", "--out", "{out}");
        yield return C(U, "needs --weight", "conv2d", "--input", "{x}", "--out", "{out}");
        yield return C(U, "expected one of", [.. conv, "--algo", "magic"]);
        yield return C(U, "expected one of", [.. conv, "--pass", "sideways"]);
        yield return C(U, "--padding", [.. conv, "--padding", "a,b"]);
        yield return C(F, "stride_h must be at least 1", [.. conv, "--stride", "0"]);
        yield return C(F, "rk_conv2d_forward", [.. conv, "--algo", "fft", "--stride", "2"]);
        yield return C(F, "dilated height", [.. conv, "--dilation", "9"]);
        yield return C(U, "needs --grad-output", [.. conv, "--pass", "backward-data"]);
        // bench
        yield return C(U, "expected an integer", "bench", "rand", "--count", "lots");
        yield return C(U, "unknown option '--bogus'", "bench", "rand", "--bogus");
        yield return C(U, "--shape", "bench", "conv2d", "--shape", "1,2");
        yield return C(U, "expected positive integers", "bench", "sample", "--vocab", "0");
        yield return C(U, "maximum is", "bench", "rand", "--count", "99999999999");
        // verify
        yield return C(U, "is not cpu or cuda:N", "verify", "--device", "tpu");
        // Device 99: no plugin, no device, or no such device: each is an rk_cuda_context_create error (exit 1).
        yield return C(F, "rk_cuda_context_create", "verify", "--device", "cuda:99");
        yield return C(U, "needs a device index", "verify", "--device", "cuda");
        yield return C(U, "is not cpu or cuda:N", "bench", "rand", "--device", "gpu0");
        yield return C(U, "drop --isa and --threads", "verify", "--all", "--isa", "scalar");
        yield return C(U, "expected an integer", "verify", "--threads", "x");
        // replay
        yield return C(U, "<manifest> is required", "replay");
        yield return C(F, "does-not-exist.npy", "replay", "{missing}");
        yield return C(F, "not a valid ReproKit manifest", "replay", "{badjson}");
        yield return C(F, "not a valid ReproKit manifest", "replay", "{arrayjson}");
        yield return C(F, "a-directory", "replay", "{dir}");
        yield return C(F, "not a valid ReproKit manifest", "replay", "{x}");
        yield return C(F, "cannot be replayed", "replay", "{replayself}");
        // compare
        yield return C(U, "<b> is required", "compare", "{badjson}");
        yield return C(F, "not JSON", "compare", "{badjson}", "{manifest}");
        yield return C(F, "does-not-exist.npy", "compare", "{missing}", "{manifest}");
        yield return C(F, "not a valid bench result", "compare", "{benchbad}", "{benchok}");
        yield return C(F, "not a valid bench result", "compare", "{benchnoname}", "{benchnoname}");
        yield return C(F, "holds a JSON array", "compare", "{arrayjson}", "{arrayjson}");
        yield return C(F, "not of the same kind", "compare", "{benchok}", "{manifest}");
        yield return C(F, "a-directory", "compare", "{dir}", "{manifest}");
        // demo
        yield return C(U, "unknown option '--fast'", "demo", "--fast");
        yield return C(U, "unexpected argument 'now'", "demo", "now");
    }

    [TestCaseSource(nameof(Cases))]
    public void BadInputGivesAMessageAndAnExitCode(string[] template, int expectedCode, string expected)
    {
        string[] args = template.Select(Expand).ToArray();
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CliApp.Run(args, stdout, stderr);
        string err = stderr.ToString();
        Assert.That(code, Is.EqualTo(expectedCode), err + stdout);
        Assert.That(err, Does.Contain(Expand(expected)));
        Assert.That(err, Does.StartWith($"reprokit {args[0]}: error: "));
        Assert.That(err, Does.Not.Contain("internal error").And.Not.Contain("   at "));
    }

    [Test]
    public void TheCliProcessReportsBadInputWithoutAStackTrace()
    {
        string cli = Path.Combine(TestContext.CurrentContext.TestDirectory, "ReproKit.Cli.dll");
        foreach (var (args, code, expected) in new (string[], int, string)[]
        {
            (["dropout", "--p", "0.5", "--seed", "1", "--out", Files["out"], "--input", Files["huge"]], CliApp.ExitFailure, "more than"),
            (["replay", Files["replayself"]], CliApp.ExitFailure, "cannot be replayed"),
            (["compare", Files["benchbad"], Files["benchok"]], CliApp.ExitFailure, "not a valid bench result"),
            (["sample", "--logits", Files["logits"], "--seed", "x", "--out", Files["out"]], CliApp.ExitUsage, "expected an integer"),
        })
        {
            var psi = new ProcessStartInfo("dotnet", [cli, .. args]) { RedirectStandardError = true, RedirectStandardOutput = true };
            using var p = Process.Start(psi)!;
            Task<string> stderr = p.StandardError.ReadToEndAsync();
            Task<string> stdout = p.StandardOutput.ReadToEndAsync();
            Assert.That(p.WaitForExit(TimeSpan.FromSeconds(60)), Is.True, $"reprokit {args[0]} hung");
            Assert.That(p.ExitCode, Is.EqualTo(code), stderr.Result + stdout.Result);
            Assert.That(stderr.Result, Does.Contain(expected).And.Not.Contain("   at ").And.Not.Contain("Unhandled exception"));
        }
    }

    [Test]
    public void ReplayReportsAnOutputItCannotRecomputeAsAMismatch()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CliApp.Run(["replay", Files["norole"]], stdout, stderr);
        Assert.That(code, Is.EqualTo(CliApp.ExitFailure), stderr.ToString());
        Assert.That(stdout.ToString(), Does.Contain("MISMATCH (the recorded arguments have no --mask-out option)"));
        Assert.That(CliApp.Run(["replay", Files["manifest"]], new StringWriter(), new StringWriter()), Is.Zero, "the unmodified manifest replays");
    }

    private static string Expand(string s)
    {
        foreach (var (key, path) in Files)
        {
            s = s.Replace("{" + key + "}", path, StringComparison.Ordinal);
        }

        return s;
    }

    private static string Text(string name, string content)
    {
        string path = Path.Combine(_dir, name);
        File.WriteAllText(path, content);
        return path;
    }

    private static byte[] Npy(string header, int dataBytes, Encoding? encoding = null)
    {
        var ms = new MemoryStream();
        ms.Write([0x93, .. "NUMPY"u8.ToArray(), 1, 0]);
        byte[] h = (encoding ?? Encoding.ASCII).GetBytes(header + "\n");
        ms.Write(BitConverter.GetBytes((ushort)h.Length));
        ms.Write(h);
        ms.Write(new byte[dataBytes]);
        return ms.ToArray();
    }
}
