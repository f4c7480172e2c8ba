using ReproKit.IO;

namespace ReproKit.Tests;

/// <summary>Dropout from C# and the CLI: definition, invariance, masks, backward, inference mode, MC dropout, errors.</summary>
public class DropoutTests
{
    private static float[] Input(int n)
    {
        var x = new float[n];
        new PhiloxStream(1234).FillNormal(x);
        return x;
    }

    [Test]
    public void MaskFollowsTheStreamWords()
    {
        var stream = new PhiloxStream(42, 1, 2);
        const int n = 5000;
        const ulong offset = 17;
        var words = new uint[n];
        stream.Advance(offset).FillUInt32(words);
        var mask = new byte[n];
        Dropout.Mask(mask, 0.3, stream, offset);
        uint t = (uint)Math.Floor(0.3 * 4294967296.0);
        for (int i = 0; i < n; i++)
        {
            Assert.That(mask[i], Is.EqualTo(words[i] >= t ? 1 : 0), $"element {i}");
        }
    }

    [Test]
    public void ForwardIsIdenticalOnEveryBackendAndShard()
    {
        float[] x = Input(100_003);
        var stream = new PhiloxStream(9);
        var expected = new float[x.Length];
        using (var scalar = new CpuContext(new CpuContextOptions(CpuIsa.Scalar, 1)))
        {
            Dropout.Forward(x, expected, 0.4, stream, context: scalar);
        }

        foreach (var (isa, threads) in TestData.Backends())
        {
            using var c = new CpuContext(new CpuContextOptions(isa, threads));
            var y = new float[x.Length];
            Dropout.Forward(x, y, 0.4, stream, context: c);
            Assert.That(DistributionTests.Bits(y), Is.EqualTo(DistributionTests.Bits(expected)), $"{isa}/{threads}");
        }

        // Shards with their global offsets reproduce the whole tensor.
        var sharded = new float[x.Length];
        int[] cuts = [0, 1, 33, 4096, 50_001, x.Length];
        for (int k = 0; k + 1 < cuts.Length; k++)
        {
            Dropout.Forward(x.AsSpan(cuts[k], cuts[k + 1] - cuts[k]), sharded.AsSpan(cuts[k], cuts[k + 1] - cuts[k]), 0.4, stream, (ulong)cuts[k]);
        }

        Assert.That(DistributionTests.Bits(sharded), Is.EqualTo(DistributionTests.Bits(expected)));
    }

    [Test]
    public void ForwardMasksAndBackwardsAgree()
    {
        float[] x = Input(10_001);
        var stream = new PhiloxStream(5, 5, 5);
        var y = new float[x.Length];
        var yBytes = new float[x.Length];
        var yBits = new float[x.Length];
        var bytes = new byte[x.Length];
        var bits = new uint[Dropout.PackedMaskLength(x.Length)];
        Dropout.Forward(x, y, 0.5, stream);
        Dropout.Forward(x, yBytes, bytes, 0.5, stream);
        Dropout.ForwardPacked(x, yBits, bits, 0.5, stream);
        Assert.That(yBytes, Is.EqualTo(y));
        Assert.That(yBits, Is.EqualTo(y));
        float scale = Dropout.Scale(0.5);
        Assert.That(scale, Is.EqualTo(2f));
        for (int i = 0; i < x.Length; i++)
        {
            bool keep = bytes[i] == 1;
            Assert.That(((bits[i / 32] >> (i % 32)) & 1) == 1, Is.EqualTo(keep));
            Assert.That(y[i], Is.EqualTo(keep ? x[i] * scale : 0f));
        }

        var regen = new float[x.Length];
        var fromBytes = new float[x.Length];
        var fromBits = new float[x.Length];
        Dropout.Backward(x, regen, 0.5, stream);
        Dropout.Backward(x, fromBytes, bytes, 0.5);
        Dropout.BackwardPacked(x, fromBits, bits, 0.5);
        Assert.That(regen, Is.EqualTo(y));
        Assert.That(fromBytes, Is.EqualTo(y));
        Assert.That(fromBits, Is.EqualTo(y));

        float[] inPlace = (float[])x.Clone();
        Dropout.ForwardInPlace(inPlace, 0.5, stream);
        Assert.That(inPlace, Is.EqualTo(y));
    }

    [Test]
    public void InferenceModeIsTheIdentityAndEndsAreExact()
    {
        float[] x = Input(1000);
        var y = new float[x.Length];
        Dropout.Forward(x, y, 0.9, new PhiloxStream(1), training: false);
        Assert.That(y, Is.EqualTo(x));
        Dropout.Forward(x, y, 0.0, new PhiloxStream(1));
        Assert.That(y, Is.EqualTo(x), "p = 0 keeps everything with scale 1");
        Dropout.Forward(x, y, 1.0, new PhiloxStream(1));
        Assert.That(y.All(v => BitConverter.SingleToUInt32Bits(v) == 0), "p = 1 gives +0 everywhere");
        float[] special = [float.NaN, -0f, float.PositiveInfinity, 1e-40f];
        var out4 = new float[4];
        var mask = new byte[4];
        Dropout.Forward(special, out4, mask, 0.5, new PhiloxStream(3));
        for (int i = 0; i < 4; i++)
        {
            if (mask[i] == 0)
            {
                Assert.That(BitConverter.SingleToUInt32Bits(out4[i]), Is.Zero, "dropped elements are +0, NaN included");
            }
        }
    }

    [Test]
    public void MonteCarloDropoutIsReproducible()
    {
        float[] x = Input(64);
        var w = new float[64 * 8];
        new PhiloxStream(77).FillNormal(w, 0f, 0.1f);
        void Model(int sample, PhiloxStream stream, Span<float> output)
        {
            var hidden = (float[])x.Clone();
            Dropout.ForwardInPlace(hidden, 0.5, stream);
            for (int o = 0; o < 8; o++)
            {
                float sum = 0;
                for (int i = 0; i < 64; i++)
                {
                    sum += w[(o * 64) + i] * hidden[i];
                }

                output[o] = sum;
            }
        }

        var mean1 = new float[8];
        var var1 = new float[8];
        var mean2 = new float[8];
        var var2 = new float[8];
        MonteCarloDropout.Estimate(40, new PhiloxStream(5), mean1, var1, Model);
        MonteCarloDropout.Estimate(40, new PhiloxStream(5), mean2, var2, Model);
        Assert.That(mean2, Is.EqualTo(mean1));
        Assert.That(var2, Is.EqualTo(var1));
        Assert.That(var1.All(v => v > 0), "dropout makes the outputs vary");
        Assert.That(MonteCarloDropout.SampleStream(new PhiloxStream(5, 10), 3), Is.EqualTo(new PhiloxStream(5, 13)));
        Assert.Throws<ArgumentOutOfRangeException>(() => MonteCarloDropout.Estimate(1, new PhiloxStream(5), mean1, var1, Model));
    }

    [Test]
    public void BadArguments()
    {
        var x = new float[10];
        var s = new PhiloxStream(1);
        Assert.Throws<ArgumentException>(() => Dropout.Forward(x, new float[9], 0.5, s));
        Assert.Throws<ArgumentException>(() => Dropout.Forward(x, new float[10], 1.5, s));
        Assert.Throws<ArgumentException>(() => Dropout.Forward(x, new float[10], double.NaN, s));
        Assert.Throws<ArgumentOutOfRangeException>(() => Dropout.Forward(x, new float[10], -1, s, training: false));
        Assert.Throws<ArgumentException>(() => Dropout.Forward(x, new float[10], new byte[9], 0.5, s));
        Assert.Throws<ArgumentException>(() => Dropout.ForwardPacked(x, new float[10], new uint[2], 0.5, s));
        Assert.Throws<ArgumentException>(() => Dropout.Forward(x.AsSpan(0, 9), x.AsSpan(1, 9), 0.5, s));
        Assert.Throws<ArgumentOutOfRangeException>(() => Dropout.Forward(x, new float[10], 0.5, s, ulong.MaxValue - 3));
    }

    [Test]
    public void CliForwardAndBackward()
    {
        string dir = Directory.CreateTempSubdirectory("rk-dropout").FullName;
        string P(string f) => Path.Combine(dir, f);
        float[] x = Input(3 * 257);
        NpyFile.Write<float>(P("x.npy"), x, [3, 257]);
        int Run(params string[] a) => ReproKit.Cli.CliApp.Run(a, new StringWriter(), new StringWriter());

        Assert.That(Run("dropout", "--input", P("x.npy"), "--p", "0.2", "--seed", "11", "--element-offset", "64", "--out", P("y.npy"), "--mask-out", P("m.npy")), Is.Zero);
        Assert.That(Run("dropout", "--input", P("x.npy"), "--p", "0.2", "--seed", "11", "--element-offset", "64", "--out", P("y2.npy"), "--mask-out", P("mb.npy"), "--packed"), Is.Zero);
        Assert.That(Run("dropout", "--backward", "--grad-output", P("x.npy"), "--p", "0.2", "--seed", "11", "--element-offset", "64", "--out", P("dx.npy")), Is.Zero);
        Assert.That(Run("dropout", "--backward", "--grad-output", P("x.npy"), "--p", "0.2", "--seed", "11", "--out", P("dxm.npy"), "--mask", P("mb.npy"), "--packed"), Is.Zero);

        var expected = new float[x.Length];
        var mask = new byte[x.Length];
        Dropout.Forward(x, expected, mask, 0.2, new PhiloxStream(11), 64);
        NpyArray y = NpyFile.Read(P("y.npy"));
        Assert.That(y.Shape, Is.EqualTo(new long[] { 3, 257 }));
        Assert.That(y.ToArray<float>(), Is.EqualTo(expected));
        Assert.That(NpyFile.Read(P("m.npy")).ToArray<byte>(), Is.EqualTo(mask));
        Assert.That(NpyFile.Read(P("y2.npy")).ToArray<float>(), Is.EqualTo(expected));
        Assert.That(NpyFile.Read(P("mb.npy")).ToArray<uint>(), Has.Length.EqualTo(Dropout.PackedMaskLength(x.Length)));
        Assert.That(NpyFile.Read(P("dx.npy")).ToArray<float>(), Is.EqualTo(expected));
        Assert.That(NpyFile.Read(P("dxm.npy")).ToArray<float>(), Is.EqualTo(expected));

        // Errors: usage (2) and bad data (1).
        Assert.That(Run("dropout", "--p", "0.2", "--seed", "1", "--out", P("z.npy")), Is.EqualTo(2));
        Assert.That(Run("dropout", "--backward", "--p", "0.2", "--seed", "1", "--out", P("z.npy")), Is.EqualTo(2));
        Assert.That(Run("dropout", "--input", P("x.npy"), "--p", "2", "--seed", "1", "--out", P("z.npy")), Is.EqualTo(1));
        Assert.That(Run("dropout", "--input", P("m.npy"), "--p", "0.2", "--seed", "1", "--out", P("z.npy")), Is.EqualTo(1));
        Assert.That(Run("dropout", "--backward", "--grad-output", P("x.npy"), "--mask", P("m.npy"), "--packed", "--p", "0.2", "--seed", "1", "--out", P("z.npy")), Is.EqualTo(1));
        File.WriteAllBytes(P("bad.npy"), [1, 2, 3]);
        Assert.That(Run("dropout", "--input", P("bad.npy"), "--p", "0.2", "--seed", "1", "--out", P("z.npy")), Is.EqualTo(1));
    }
}
