using System.Text.Json;
using ReproKit.Cli;

namespace ReproKit.Tests;

/// <summary>The golden suite from C# and through <c>reprokit verify</c>.</summary>
public class GoldenTests
{
    [Test]
    public void EveryCaseMatchesOnEveryBackend()
    {
        Assert.That(Golden.Count, Is.GreaterThanOrEqualTo(7));
        foreach (var (isa, threads) in TestData.Backends())
        {
            using var c = new CpuContext(new CpuContextOptions(isa, threads));
            foreach (GoldenResult r in Golden.RunAll(c))
            {
                Assert.That(r.Expected, Is.Not.Empty, $"{r.Name}: no digest recorded");
                Assert.That(r.Actual, Is.EqualTo(r.Expected), $"{r.Name} on {isa}/{threads}");
            }
        }
    }

    [Test]
    public void VerifyAllPassesAndReportsJson()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Assert.That(CliApp.Run(["verify", "--all", "--json"], stdout, stderr), Is.Zero, stderr.ToString());
        using JsonDocument doc = JsonDocument.Parse(stdout.ToString());
        Assert.That(doc.RootElement.GetProperty("mismatches").GetInt32(), Is.Zero);
        int results = doc.RootElement.GetProperty("results").GetArrayLength();
        Assert.That(results, Is.EqualTo(Golden.Count * ReproKitLibrary.SupportedIsas.Count * 3));

        var text = new StringWriter();
        Assert.That(CliApp.Run(["verify", "--isa", "scalar", "--threads", "1"], text, new StringWriter()), Is.Zero);
        Assert.That(text.ToString(), Does.Contain("match the recorded digests"));
        Assert.That(CliApp.Run(["verify", "--device", "cuda:0"], new StringWriter(), new StringWriter()), Is.EqualTo(CliApp.ExitFailure));
        Assert.That(CliApp.Run(["verify", "--all", "--isa", "scalar"], new StringWriter(), new StringWriter()), Is.EqualTo(CliApp.ExitUsage));
        Assert.Throws<ArgumentException>(() => Golden.Run(-1));
    }

    [Test]
    public void DigestsIgnoreNaNPayloads()
    {
        float[] a = [1f, BitConverter.UInt32BitsToSingle(0xFFC00000), 2f];
        float[] b = [1f, BitConverter.UInt32BitsToSingle(0x7FC00001), 2f];
        float[] c = [1f, 0f, 2f];
        Assert.That(OutputDigest.Sha256<float>(a), Is.EqualTo(OutputDigest.Sha256<float>(b)));
        Assert.That(OutputDigest.Sha256<float>(a), Is.Not.EqualTo(OutputDigest.Sha256<float>(c)));
        Assert.That(OutputDigest.Sha256<float>(c), Is.EqualTo(OutputDigest.Sha256<byte>(System.Runtime.InteropServices.MemoryMarshal.AsBytes(c.AsSpan()).ToArray())));
    }

    [Test]
    public void DigestsAreSha256OfTheLittleEndianBytes()
    {
        // FIPS 180-4's examples, and the same bytes as the managed SHA-256 (OutputDigest uses the native one).
        Assert.That(OutputDigest.Sha256<byte>(ReadOnlySpan<byte>.Empty), Is.EqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"));
        Assert.That(OutputDigest.Sha256<byte>("abc"u8), Is.EqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"));
        uint[] words = Enumerable.Range(0, 100_003).Select(i => (uint)i * 2654435761u).ToArray();
        string managed = Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(words.AsSpan()))).ToLowerInvariant();
        Assert.That(OutputDigest.Sha256<uint>(words), Is.EqualTo(managed));
    }
}
