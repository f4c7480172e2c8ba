using ReproKit.Cli;
using ReproKit.IO;

namespace ReproKit.Tests;

/// <summary>Run manifests: recording, replay on other backends, comparison.</summary>
public class ManifestTests
{
    private static (int Code, string Out, string Err) Run(params string[] args) => TestCli.Run(args);

    [Test]
    public void AScalarManifestReplaysBitForBitOnEveryOtherBackend()
    {
        string dir = Directory.CreateTempSubdirectory("rk-manifest").FullName;
        string P(string f) => Path.Combine(dir, f);
        string m = P("run.json");
        var x = new float[3000];
        new PhiloxStream(3).FillNormal(x);
        NpyFile.Write<float>(P("x.npy"), x, [30, 100]);

        Assert.That(Run("rand", "--dist", "normal", "--seed", "5", "--count", "10001", "--out", P("n.npy"), "--isa", "scalar", "--threads", "1", "--manifest", m).Code, Is.Zero);
        Assert.That(Run("dropout", "--input", P("x.npy"), "--p", "0.3", "--seed", "9", "--out", P("y.npy"), "--mask-out", P("mask.npy"), "--packed", "--isa", "scalar", "--threads", "1", "--manifest", m).Code, Is.Zero);
        Assert.That(Run("sample", "--logits", P("x.npy"), "--top-k", "20", "--top-p", "0.9", "--seed", "4", "--out", P("t.npy"), "--probs-out", P("p.npy"), "--isa", "scalar", "--threads", "1", "--manifest", m).Code, Is.Zero);

        ReproManifest manifest = ReproManifest.Load(m);
        Assert.That(manifest.Calls.Select(c => c.Operation), Is.EqualTo(new[] { "rand", "dropout", "sample" }));
        Assert.That(manifest.Calls[0].Backend, Is.EqualTo("cpu/scalar/1t"));
        Assert.That(manifest.Calls[1].Outputs.Select(o => o.Role), Is.EqualTo(new[] { "--out", "--mask-out" }));
        Assert.That(manifest.Calls[1].Inputs.Single().Sha256, Is.EqualTo(OutputDigest.Sha256<float>(x)));
        Assert.That(manifest.Environment.Keys, Is.SupersetOf(new[] { "managedVersion", "nativeVersion", "cpu", "os", "runtime" }));
        Assert.That(manifest.Calls[0].Arguments, Does.Not.Contain("--manifest"));

        foreach (CpuIsa isa in ReproKitLibrary.SupportedIsas)
        {
            foreach (string threads in new[] { "1", "2", "3" })
            {
                var (code, output, err) = Run("replay", m, "--isa", ReproKitLibrary.IsaName(isa), "--threads", threads);
                Assert.That(code, Is.Zero, $"{isa}/{threads}: {output}{err}");
                Assert.That(output, Does.Contain("reproduced bit for bit"));
            }
        }

        // A changed input is reported, not silently replayed.
        x[0] += 1;
        NpyFile.Write<float>(P("x.npy"), x, [30, 100]);
        var (bad, report, _) = Run("replay", m);
        Assert.That(bad, Is.EqualTo(CliApp.ExitFailure));
        Assert.That(report, Does.Contain("has changed"));
    }

    [Test]
    public void CompareReportsDigestsAndSpeed()
    {
        string dir = Directory.CreateTempSubdirectory("rk-compare").FullName;
        string P(string f) => Path.Combine(dir, f);
        Assert.That(Run("rand", "--dist", "u32", "--seed", "1", "--count", "100", "--out", P("a.npy"), "--manifest", P("a.json")).Code, Is.Zero);
        Assert.That(Run("rand", "--dist", "u32", "--seed", "1", "--count", "100", "--out", P("b.npy"), "--isa", "scalar", "--manifest", P("b.json")).Code, Is.Zero);
        Assert.That(Run("rand", "--dist", "u32", "--seed", "2", "--count", "100", "--out", P("c.npy"), "--manifest", P("c.json")).Code, Is.Zero);
        var (same, text, _) = Run("compare", P("a.json"), P("b.json"));
        Assert.That(same, Is.Zero, text);
        Assert.That(text, Does.Contain("No output differs"));
        Assert.That(Run("compare", P("a.json"), P("c.json")).Code, Is.EqualTo(CliApp.ExitFailure));

        var (c1, ja, _) = Run("bench", "rand", "--count", "2048", "--repeat", "1", "--json", "--isa", "scalar");
        var (c2, jb, _) = Run("bench", "rand", "--count", "2048", "--repeat", "1", "--json");
        Assert.That(c1 + c2, Is.Zero);
        File.WriteAllText(P("ba.json"), ja);
        File.WriteAllText(P("bb.json"), jb);
        var (bc, btext, _) = Run("compare", P("ba.json"), P("bb.json"));
        Assert.That(bc, Is.Zero, btext);
        Assert.That(btext, Does.Contain("B/A speed").And.Contain("same digest"));
        Assert.That(Run("compare", P("ba.json"), P("a.json")).Code, Is.EqualTo(CliApp.ExitFailure), "different kinds");
        File.WriteAllText(P("junk.json"), "{nope");
        Assert.That(Run("compare", P("junk.json"), P("a.json")).Code, Is.EqualTo(CliApp.ExitFailure));
        Assert.That(Run("replay", P("junk.json")).Code, Is.EqualTo(CliApp.ExitFailure));
    }
}
