namespace ReproKit.Tests;

/// <summary>
/// Every record of the cuRAND reference file (CUDA 11.8's device API run on the host): curand_init state, curand(),
/// curand4(), skipahead, skipahead_sequence and curand_uniform, reproduced on every ISA and thread count.
/// </summary>
public class CurandReferenceTests
{
    [Test]
    public void InitRecordsGiveCurandWordsAndUniformsOnEveryBackend()
    {
        var records = TestData.CurandRecords("INIT");
        foreach (var (isa, threads) in TestData.Backends())
        {
            using var context = new CpuContext(new CpuContextOptions(isa, threads));
            foreach (var r in records)
            {
                Assert.That(r.Fields, Has.Length.EqualTo(26), r.Line);
                var stream = new PhiloxStream(r.Fields[0], r.Fields[1], r.Fields[2]);
                var words = new uint[8];
                var uniforms = new float[8];
                stream.FillUInt32(words, context);
                stream.FillUniform(uniforms, context);
                Assert.That(words.Select(w => (ulong)w), Is.EqualTo(r.Fields[10..18]), $"{isa}/{threads}: {r.Line}");
                Assert.That(uniforms.Select(u => (ulong)BitConverter.SingleToUInt32Bits(u)), Is.EqualTo(r.Fields[18..26]), $"{isa}/{threads}: {r.Line}");
            }
        }
    }

    [Test]
    public void Curand4Records()
    {
        foreach (var r in TestData.CurandRecords("C4"))
        {
            var words = new uint[4];
            new PhiloxStream(r.Fields[0], r.Fields[1], r.Fields[2]).FillUInt32(words);
            Assert.That(words.Select(w => (ulong)w), Is.EqualTo(r.Fields[3..7]), r.Line);
        }
    }

    /// <summary>init; ndraw x curand(); skipahead(nskip); 4 x curand() == the stream advanced by ndraw + nskip.</summary>
    [Test]
    public void SkipaheadRecords()
    {
        foreach (var r in TestData.CurandRecords("SKIP"))
        {
            var words = new uint[4];
            new PhiloxStream(r.Fields[0], r.Fields[1], r.Fields[2]).Advance(r.Fields[3]).Advance(r.Fields[4]).FillUInt32(words);
            Assert.That(words.Select(w => (ulong)w), Is.EqualTo(r.Fields[5..9]), r.Line);
        }
    }

    /// <summary>init; skipahead_sequence(nseq); 4 x curand() == the stream nseq subsequences on.</summary>
    [Test]
    public void SkipaheadSequenceRecords()
    {
        foreach (var r in TestData.CurandRecords("SKIPSEQ"))
        {
            var words = new uint[4];
            new PhiloxStream(r.Fields[0], r.Fields[1], r.Fields[2]).SkipSubsequences(r.Fields[3]).FillUInt32(words);
            Assert.That(words.Select(w => (ulong)w), Is.EqualTo(r.Fields[4..8]), r.Line);
        }
    }

    /// <summary>_curand_uniform(x) for edge words, including the ones that round up to exactly 1.</summary>
    [Test]
    public void UniformConversionRecords()
    {
        var records = TestData.CurandRecords("UCONV");
        uint[] words = records.Select(r => (uint)r.Fields[0]).ToArray();
        var uniforms = new float[words.Length];
        Philox.UniformFromWords(words, uniforms);
        for (int i = 0; i < records.Count; i++)
        {
            Assert.That(BitConverter.SingleToUInt32Bits(uniforms[i]), Is.EqualTo((uint)records[i].Fields[1]), records[i].Line);
            Assert.That(uniforms[i], Is.GreaterThan(0f).And.LessThanOrEqualTo(1f), records[i].Line);
        }

        Assert.Throws<ArgumentException>(() => Philox.UniformFromWords(words, new float[words.Length - 1]));
    }
}
