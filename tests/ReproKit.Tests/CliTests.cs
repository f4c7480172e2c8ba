using System.Globalization;
using System.Text.Json;
using ReproKit.Cli;
using ReproKit.IO;

namespace ReproKit.Tests;

/// <summary>The reprokit command, run in-process: outputs, .npy files, and bad arguments with exit codes.</summary>
public class CliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int code = CliApp.Run(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Test]
    public void RandU32PrintsCurandWords()
    {
        foreach (var r in TestData.CurandRecords("INIT"))
        {
            var (code, output, err) = Run("rand", "--dist", "u32", "--seed", $"0x{r.Fields[0]:x}", "--subsequence", r.Fields[1].ToString(CultureInfo.InvariantCulture),
                "--offset", $"0x{r.Fields[2]:X}", "--count", "8");
            Assert.That(code, Is.Zero, err);
            Assert.That(Lines(output), Is.EqualTo(r.Fields[10..18].Select(w => w.ToString("x8", CultureInfo.InvariantCulture))), r.Line);
        }
    }

    [Test]
    public void RandUniformPrintsBitsAndValues()
    {
        foreach (var r in TestData.CurandRecords("INIT"))
        {
            var (code, output, err) = Run("rand", "--dist", "uniform", "--seed", r.Fields[0].ToString(CultureInfo.InvariantCulture),
                "--subsequence", r.Fields[1].ToString(CultureInfo.InvariantCulture), "--offset", r.Fields[2].ToString(CultureInfo.InvariantCulture), "--count", "8");
            Assert.That(code, Is.Zero, err);
            string[] lines = Lines(output);
            Assert.That(lines, Has.Length.EqualTo(8));
            for (int i = 0; i < 8; i++)
            {
                string[] parts = lines[i].Split(' ');
                Assert.That(parts[0], Is.EqualTo(r.Fields[18 + i].ToString("x8", CultureInfo.InvariantCulture)), r.Line);
                float value = float.Parse(parts[1], CultureInfo.InvariantCulture);
                Assert.That(BitConverter.SingleToUInt32Bits(value), Is.EqualTo((uint)r.Fields[18 + i]), "the decimal round-trips to the bits");
            }
        }
    }

    [Test]
    public void LongPrintedOutputEqualsOneFill()
    {
        var expected = new uint[70_001];
        new PhiloxStream(3, 4, 5).FillUInt32(expected);
        var (code, output, _) = Run("rand", "--dist", "u32", "--seed", "3", "--subsequence", "4", "--offset", "5", "--count", "70001", "--isa", "scalar", "--threads", "3");
        Assert.That(code, Is.Zero);
        Assert.That(Lines(output), Is.EqualTo(expected.Select(w => w.ToString("x8", CultureInfo.InvariantCulture))));
    }

    [Test]
    public void RandWritesNpyFiles()
    {
        string dir = Directory.CreateTempSubdirectory("rk-cli").FullName;
        string u32Path = Path.Combine(dir, "w.npy");
        string uniPath = Path.Combine(dir, "u.npy");
        Assert.That(Run("rand", "--dist", "u32", "--seed", "42", "--count", "1000", "--out", u32Path).Code, Is.Zero);
        Assert.That(Run("rand", "--dist", "uniform", "--seed", "42", "--count", "1000", "--out", uniPath, "--isa", "scalar").Code, Is.Zero);
        var words = new uint[1000];
        var uniforms = new float[1000];
        new PhiloxStream(42).FillUInt32(words);
        new PhiloxStream(42).FillUniform(uniforms);
        NpyArray a = NpyFile.Read(u32Path);
        NpyArray b = NpyFile.Read(uniPath);
        Assert.That(a.DType, Is.EqualTo(NpyDType.UInt32));
        Assert.That(a.ToArray<uint>(), Is.EqualTo(words));
        Assert.That(b.DType, Is.EqualTo(NpyDType.Float32));
        Assert.That(b.ToArray<float>(), Is.EqualTo(uniforms));
    }

    [TestCase(new[] { "rand", "--dist", "u32", "--count", "4" }, "'--seed' is required")]
    [TestCase(new[] { "rand", "--dist", "normal9", "--seed", "1", "--count", "4" }, "expected one of u32, uniform")]
    [TestCase(new[] { "rand", "--dist", "u32", "--seed", "-1", "--count", "4" }, "expected an integer")]
    [TestCase(new[] { "rand", "--dist", "u32", "--seed", "18446744073709551616", "--count", "4" }, "expected an integer")]
    [TestCase(new[] { "rand", "--dist", "u32", "--seed", "0xZZ", "--count", "4" }, "expected an integer")]
    [TestCase(new[] { "rand", "--dist", "u32", "--seed", "1", "--count", "4", "--bogus" }, "unknown option '--bogus'")]
    [TestCase(new[] { "rand", "--dist", "u32", "--seed", "1", "--seed", "2", "--count", "4" }, "more than once")]
    [TestCase(new[] { "rand", "--dist", "u32", "--seed", "1", "--count" }, "needs a value")]
    [TestCase(new[] { "rand", "--dist", "u32", "--seed", "1", "--count", "4", "--isa", "sse9" }, "not an ISA")]
    [TestCase(new[] { "rand", "--dist", "u32", "--seed", "1", "--count", "4", "--threads", "0" }, "at least 1")]
    [TestCase(new[] { "rand", "--dist", "u32", "--seed", "1", "--count", "3000000000", "--out", "x.npy" }, "maximum is")]
    [TestCase(new[] { "rand", "--dist", "u32", "--seed", "1", "--offset", "18446744073709551615", "--count", "2" }, "pass 2^64 - 1")]
    [TestCase(new[] { "rand", "stray" }, "unexpected argument")]
    [TestCase(new[] { "frobnicate" }, "unknown command")]
    [TestCase(new[] { "info", "--json=yes" }, "takes no value")]
    public void UsageErrorsExitWithTwo(string[] args, string expected)
    {
        var (code, output, err) = Run(args);
        Assert.That(code, Is.EqualTo(CliApp.ExitUsage), output + err);
        Assert.That(err, Does.Contain(expected));
    }

    [Test]
    public void RuntimeErrorsExitWithOneAndAMessage()
    {
        var (code, _, err) = Run("rand", "--dist", "u32", "--seed", "1", "--count", "4", "--out", "/nonexistent-dir/x.npy");
        Assert.That(code, Is.EqualTo(CliApp.ExitFailure));
        Assert.That(err, Does.Contain("/nonexistent-dir/x.npy"));
        string? missing = new[] { "neon", "avx512", "avx2" }.FirstOrDefault(i => !ReproKitLibrary.IsSupported(ReproKitLibrary.ParseIsa(i)));
        if (missing is not null)
        {
            var (c2, _, e2) = Run("rand", "--dist", "u32", "--seed", "1", "--count", "4", "--isa", missing);
            Assert.That(c2, Is.EqualTo(CliApp.ExitFailure));
            Assert.That(e2, Does.Contain("not supported"));
        }
    }

    [Test]
    public void RandCoversEveryDistribution()
    {
        string dir = Directory.CreateTempSubdirectory("rk-cli-dist").FullName;
        string Out(string name) => Path.Combine(dir, name + ".npy");
        Assert.That(Run("rand", "--dist", "normal", "--seed", "7", "--count", "1001", "--mean", "1", "--std", "2", "--out", Out("n")).Code, Is.Zero);
        Assert.That(Run("rand", "--dist", "truncnormal", "--seed", "7", "--count", "100", "--a", "-1", "--b", "1", "--out", Out("t")).Code, Is.Zero);
        Assert.That(Run("rand", "--dist", "uniform", "--seed", "7", "--count", "100", "--low", "-2", "--high", "2", "--out", Out("u")).Code, Is.Zero);
        Assert.That(Run("rand", "--dist", "bernoulli", "--seed", "7", "--count", "100", "--p", "0.25", "--out", Out("b")).Code, Is.Zero);
        Assert.That(Run("rand", "--dist", "int", "--seed", "7", "--count", "100", "--low", "-5", "--high", "5", "--out", Out("i")).Code, Is.Zero);
        Assert.That(Run("rand", "--dist", "perm", "--seed", "7", "--subsequence", "2", "--count", "100", "--out", Out("p")).Code, Is.Zero);
        Assert.That(Run("rand", "--dist", "kaiming-uniform", "--seed", "7", "--shape", "8,4,3,3", "--out", Out("k")).Code, Is.Zero);

        var s = new PhiloxStream(7);
        var n = new float[1001];
        s.FillNormal(n, 1f, 2f);
        Assert.That(NpyFile.Read(Out("n")).ToArray<float>(), Is.EqualTo(n));
        var t = new float[100];
        s.FillTruncatedNormal(t, 0f, 1f, -1f, 1f);
        Assert.That(NpyFile.Read(Out("t")).ToArray<float>(), Is.EqualTo(t));
        var u = new float[100];
        s.FillUniform(u, -2f, 2f);
        Assert.That(NpyFile.Read(Out("u")).ToArray<float>(), Is.EqualTo(u));
        var b = new byte[100];
        s.FillBernoulli(b, 0.25);
        Assert.That(NpyFile.Read(Out("b")).ToArray<byte>(), Is.EqualTo(b));
        var i = new long[100];
        s.FillInt64(i, -5, 5);
        Assert.That(NpyFile.Read(Out("i")).ToArray<long>(), Is.EqualTo(i));
        var p = new ulong[100];
        new Permutation(100, 7, 2).Fill(p);
        Assert.That(NpyFile.Read(Out("p")).ToArray<ulong>(), Is.EqualTo(p));
        var k = new float[8 * 4 * 3 * 3];
        WeightInit.KaimingUniform(k, [8, 4, 3, 3], s);
        NpyArray kn = NpyFile.Read(Out("k"));
        Assert.That(kn.Shape, Is.EqualTo(new long[] { 8, 4, 3, 3 }));
        Assert.That(kn.ToArray<float>(), Is.EqualTo(k));

        // Printed chunks of a long normal fill equal one fill (pairs never straddle chunks).
        var big = new float[70_001];
        s.FillNormal(big);
        var (code, text, _) = Run("rand", "--dist", "normal", "--seed", "7", "--count", "70001");
        Assert.That(code, Is.Zero);
        Assert.That(Lines(text).Select(l => l.Split(' ')[0]), Is.EqualTo(big.Select(v => BitConverter.SingleToUInt32Bits(v).ToString("x8", CultureInfo.InvariantCulture))));
        Assert.That(Lines(Run("rand", "--dist", "perm", "--seed", "1", "--n", "10", "--count", "3", "--first", "7", "--inverse").Out), Has.Length.EqualTo(3));
    }

    [TestCase(new[] { "rand", "--dist", "bernoulli", "--seed", "1", "--count", "4" }, "needs --p")]
    [TestCase(new[] { "rand", "--dist", "int", "--seed", "1", "--count", "4", "--low", "3" }, "needs --low and --high")]
    [TestCase(new[] { "rand", "--dist", "kaiming-normal", "--seed", "1", "--count", "4" }, "needs --shape")]
    [TestCase(new[] { "rand", "--dist", "xavier-normal", "--seed", "1", "--shape", "4" }, "at least two dimensions")]
    [TestCase(new[] { "rand", "--dist", "xavier-normal", "--seed", "1", "--shape", "4,4", "--count", "3" }, "differs")]
    [TestCase(new[] { "rand", "--dist", "normal", "--seed", "1", "--count", "4", "--std", "abc" }, "expected a number")]
    [TestCase(new[] { "rand", "--dist", "perm", "--seed", "1", "--count", "4", "--n", "3" }, "pass --n")]
    [TestCase(new[] { "bench", "nothing" }, "expected one of rand")]
    [TestCase(new[] { "bench" }, "<op> is required")]
    public void DistributionUsageErrors(string[] args, string expected)
    {
        var (code, output, err) = Run(args);
        Assert.That(code, Is.EqualTo(CliApp.ExitUsage), output + err);
        Assert.That(err, Does.Contain(expected));
    }

    [TestCase("--p", "1.5")]
    [TestCase("--p", "NaN")]
    public void OutOfDomainParametersFailWithOne(string option, string value)
    {
        var (code, _, err) = Run("rand", "--dist", "bernoulli", "--seed", "1", "--count", "4", option, value);
        Assert.That(code, Is.EqualTo(CliApp.ExitFailure));
        Assert.That(err, Does.Contain("p must be in [0, 1]"));
    }

    [Test]
    public void BenchRandReportsEveryCaseWithDigests()
    {
        var (code, json, err) = Run("bench", "rand", "--count", "4096", "--repeat", "1", "--json", "--isa", "scalar", "--threads", "2");
        Assert.That(code, Is.Zero, err);
        using JsonDocument doc = JsonDocument.Parse(json);
        var cases = doc.RootElement.GetProperty("cases").EnumerateArray().ToDictionary(c => c.GetProperty("name").GetString()!);
        Assert.That(cases.Keys, Is.SupersetOf(new[] { "u32", "uniform", "normal", "truncnormal", "bernoulli", "int", "perm" }));
        var words = new uint[4096];
        new PhiloxStream(42).FillUInt32(words);
        Assert.That(cases["u32"].GetProperty("sha256").GetString(), Is.EqualTo(OutputDigest.Sha256<uint>(words)));
        Assert.That(cases["normal"].GetProperty("gvaluesPerSecond").GetDouble(), Is.GreaterThan(0));
        Assert.That(Run("bench", "rand", "--count", "1024", "--repeat", "1").Out, Does.Contain("G values/s"));
    }

    [Test]
    public void InfoPrintsTextAndJson()
    {
        var (code, text, _) = Run("info");
        Assert.That(code, Is.Zero);
        Assert.That(text, Does.Contain("native").And.Contain("scalar"));
        var (jcode, json, _) = Run("info", "--json");
        Assert.That(jcode, Is.Zero);
        using JsonDocument doc = JsonDocument.Parse(json);
        Assert.That(doc.RootElement.GetProperty("nativeVersion").GetString(), Is.EqualTo(ReproKitLibrary.NativeVersion));
        Assert.That(doc.RootElement.GetProperty("abiVersion").GetUInt32(), Is.EqualTo(ReproKitLibrary.ExpectedAbiVersion));
        var isas = doc.RootElement.GetProperty("backends").GetProperty("cpu").GetProperty("isas").EnumerateArray().Select(e => e.GetString()).ToArray();
        Assert.That(isas, Is.EqualTo(ReproKitLibrary.SupportedIsas.Select(ReproKitLibrary.IsaName)));
    }

    [Test]
    public void HelpIsAvailable()
    {
        Assert.That(Run("--help").Out, Does.Contain("rand").And.Contain("demo"));
        var (code, output, _) = Run("rand", "--help");
        Assert.That(code, Is.Zero);
        Assert.That(output, Does.Contain("--subsequence Q"));
        Assert.That(Run().Code, Is.EqualTo(CliApp.ExitUsage));
    }
}
