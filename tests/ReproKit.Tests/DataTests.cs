using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using ReproKit.Data;
using ReproKit.IO;

namespace ReproKit.Tests;

/// <summary>The shipped digits data set and the CSV / IDX / .npy loaders, with clear errors for bad files.</summary>
public class DataTests
{
    // LabeledDataset.Digest of Digits.Load(): pins the parse (pixel / 16, labels, shape) on every platform.
    private const string DigitsDigest = "2a128b5cb0132f92ba0c72e2f13ed5b3cb59039c49a6876a9b11bc8224895d11";

    private string dir = "";

    [SetUp]
    public void CreateFolder()
    {
        dir = Path.Combine(Path.GetTempPath(), "reprokit-data-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
    }

    [TearDown]
    public void RemoveFolder() => Directory.Delete(dir, recursive: true);

    [Test]
    public void DigitsLoadWithTheirRecordedContents()
    {
        LabeledDataset d = Digits.Load();
        Assert.That(d.Name, Is.EqualTo("digits"));
        Assert.That(d.Count, Is.EqualTo(Digits.Count));
        Assert.That(d.SampleShape, Is.EqualTo(new[] { 1, 8, 8 }));
        Assert.That(d.ClassCount, Is.EqualTo(10));
        Assert.That(d.CountPerClass(), Is.EqualTo(new[] { 178, 182, 177, 183, 181, 182, 181, 179, 174, 180 }));
        Assert.That(d.Features.ToArray().Min(), Is.EqualTo(0f));
        Assert.That(d.Features.ToArray().Max(), Is.EqualTo(1f));
        // The first row of the file: 0,0,5,13,9,1,0,0, ... label 0.
        Assert.That(d.Sample(0)[..8].ToArray(), Is.EqualTo(new[] { 0f, 0f, 5f / 16, 13f / 16, 9f / 16, 1f / 16, 0f, 0f }));
        Assert.That(d.Labels[0], Is.EqualTo(0));
        Assert.That(d.Labels[1], Is.EqualTo(1));
        Assert.That(d.Digest, Is.EqualTo(DigitsDigest));
    }

    [Test]
    public void AlteredDigitsAreRefused()
    {
        byte[] gz = Digits.ReadEmbedded();
        gz[gz.Length / 2] ^= 1;
        var e = Assert.Throws<InvalidDataException>(() => Digits.Parse(gz))!;
        Assert.That(e.Message, Does.Contain(Digits.FileSha256).And.Contain("altered"));
        Assert.Throws<InvalidDataException>(() => Digits.Parse(gz[..^10]));
    }

    [Test]
    public void TheDigestDependsOnEveryPart()
    {
        var a = new LabeledDataset("a", [0f, 1f, 2f, 3f], [0, 1], [2], 2);
        Assert.That(a.Digest, Is.EqualTo(new LabeledDataset("b", [0f, 1f, 2f, 3f], [0, 1], [2], 2).Digest), "the name is not content");
        Assert.That(a.Digest, Is.Not.EqualTo(new LabeledDataset("a", [0f, 1f, 2f, 3f], [1, 1], [2], 2).Digest));
        Assert.That(a.Digest, Is.Not.EqualTo(new LabeledDataset("a", [0f, 1f, 2f, 3.5f], [0, 1], [2], 2).Digest));
        Assert.That(a.Digest, Is.Not.EqualTo(new LabeledDataset("a", [0f, 1f, 2f, 3f], [0, 1], [2], 3).Digest));
        Assert.That(a.Digest, Is.Not.EqualTo(new LabeledDataset("a", [0f, 1f, 2f, 3f], [0, 1], [1, 2], 2).Digest));
    }

    [Test]
    public void CopyBatchGathersSamplesInTheGivenOrder()
    {
        var d = new LabeledDataset("t", [0f, 1f, 10f, 11f, 20f, 21f], [2, 0, 1], [2], 3);
        var x = new float[4];
        var y = new long[2];
        d.CopyBatch([2, 0], x, y);
        Assert.That(x, Is.EqualTo(new[] { 20f, 21f, 0f, 1f }));
        Assert.That(y, Is.EqualTo(new[] { 1L, 2L }));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => d.CopyBatch([3], new float[2], new long[1]))!.ParamName, Is.EqualTo("indices"));
        Assert.That(Assert.Throws<ArgumentException>(() => d.CopyBatch([0], new float[3], new long[1]))!.ParamName, Is.EqualTo("batchFeatures"));
        Assert.That(Assert.Throws<ArgumentException>(() => d.CopyBatch([0], new float[2], new long[2]))!.ParamName, Is.EqualTo("batchLabels"));
    }

    [Test]
    public void TheConstructorRefusesInconsistentData()
    {
        Assert.That(Assert.Throws<ArgumentException>(() => new LabeledDataset("t", new float[3], [0, 0], [2], 1))!.ParamName, Is.EqualTo("features"));
        Assert.That(Assert.Throws<ArgumentException>(() => new LabeledDataset("t", new float[2], [0, 2], [1], 2))!.ParamName, Is.EqualTo("labels"));
        Assert.That(Assert.Throws<ArgumentException>(() => new LabeledDataset("t", [float.NaN], [0], [1], 1))!.ParamName, Is.EqualTo("features"));
        Assert.That(Assert.Throws<ArgumentException>(() => new LabeledDataset("t", new float[2], [0], [0, 2], 1))!.ParamName, Is.EqualTo("sampleShape"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => new LabeledDataset("t", new float[1], [0], [1], 0))!.ParamName, Is.EqualTo("classCount"));
    }

    [Test]
    public void CsvReadsHeadersLabelColumnsGzipAndShapes()
    {
        string plain = Write("a.csv", "label,p0,p1\n1,0.5,2\n0,-1e-3,4\n\n");
        LabeledDataset d = CsvDataset.Read(plain, new CsvDatasetOptions { LabelColumn = 0 });
        Assert.That(d.Name, Is.EqualTo("a"));
        Assert.That(d.Features.ToArray(), Is.EqualTo(new[] { 0.5f, 2f, -1e-3f, 4f }));
        Assert.That(d.Labels.ToArray(), Is.EqualTo(new[] { 1, 0 }));
        Assert.That(d.ClassCount, Is.EqualTo(2));

        string gz = WriteGzip("b.csv.gz", "1,2,3,4,2.0\r\n5,6,7,8,0\r\n");
        LabeledDataset g = CsvDataset.Read(gz, new CsvDatasetOptions { SampleShape = [1, 2, 2], ClassCount = 5, FeatureScale = 0.5f, Name = "g" });
        Assert.That(g.Name, Is.EqualTo("g"));
        Assert.That(g.SampleShape, Is.EqualTo(new[] { 1, 2, 2 }));
        Assert.That(g.Features.ToArray(), Is.EqualTo(new[] { 0.5f, 1f, 1.5f, 2f, 2.5f, 3f, 3.5f, 4f }));
        Assert.That(g.Labels.ToArray(), Is.EqualTo(new[] { 2, 0 }));

        string semi = Write("c.csv", "1;2\n3;1\n");
        Assert.That(CsvDataset.Read(semi, new CsvDatasetOptions { Separator = ';' }).Features.ToArray(), Is.EqualTo(new[] { 1f, 3f }));
    }

    [TestCase("1,2,0\n1,x,1\n", "line 2, column 2: 'x' is not a number")]
    [TestCase("1,2,0\n1,2\n", "line 2 has 2 cells; the first line has 3")]
    [TestCase("1,2,0\n1,2,1.5\n", "line 2, column 3: the label '1.5' is not an integer")]
    [TestCase("1,2,0\n1,NaN,1\n", "line 2, column 2: 'NaN' is not a finite float32 number")]
    [TestCase("1,2,0\n1,1e39,1\n", "column 2: '1e39' is not a finite")]
    [TestCase("1,2,-1\n", "the label of sample 0 is -1")]
    [TestCase("", "the file holds no samples")]
    [TestCase("a,b,label\n", "the file holds no samples (only a header)")]
    [TestCase("1\n2\n", "a sample needs at least one feature and a label")]
    public void CsvRefusesBadFilesSayingWhere(string text, string expected)
    {
        string path = Write("bad.csv", text);
        var e = Assert.Throws<InvalidDataException>(() => CsvDataset.Read(path))!;
        Assert.That(e.Message, Does.StartWith(path).And.Contain(expected));
    }

    [Test]
    public void CsvRefusesLabelsOutsideTheClassCountAndBadShapes()
    {
        string path = Write("c.csv", "1,2,3\n4,5,6\n");
        var e = Assert.Throws<InvalidDataException>(() => CsvDataset.Read(path, new CsvDatasetOptions { ClassCount = 5 }))!;
        Assert.That(e.Message, Does.Contain("the label of sample 1 is 6, outside [0, 5) (ClassCount is 5)"));
        Assert.That(Assert.Throws<ArgumentException>(() => CsvDataset.Read(path, new CsvDatasetOptions { SampleShape = [3] }))!.Message,
                    Does.Contain("a sample has 2 features"));
        Assert.Throws<ArgumentOutOfRangeException>(() => CsvDataset.Read(path, new CsvDatasetOptions { LabelColumn = 3 }));
        Assert.Throws<FileNotFoundException>(() => CsvDataset.Read(Path.Combine(dir, "missing.csv")));
    }

    [Test]
    public void TruncatedGzipIsRefused()
    {
        string gz = WriteGzip("t.csv.gz", string.Concat(Enumerable.Repeat("1,2,3,0\n", 500)));
        byte[] bytes = File.ReadAllBytes(gz);
        File.WriteAllBytes(gz, bytes[..(bytes.Length / 2)]);
        var e = Assert.Throws<InvalidDataException>(() => CsvDataset.Read(gz))!;
        Assert.That(e.Message, Does.Contain("gzip data is truncated or corrupt"));
    }

    [Test]
    public void IdxReadsMnistStyleFiles()
    {
        string images = WriteIdx("img-idx3-ubyte", 0x08, [3, 2, 2], Enumerable.Range(0, 12).Select(i => (byte)(i * 20)).ToArray());
        string labels = WriteIdx("lbl-idx1-ubyte", 0x08, [3], [7, 0, 9]);
        LabeledDataset d = IdxDataset.Read(images, labels, new DatasetOptions { FeatureScale = 1f / 255, ClassCount = 10 });
        Assert.That(d.SampleShape, Is.EqualTo(new[] { 2, 2 }));
        Assert.That(d.Labels.ToArray(), Is.EqualTo(new[] { 7, 0, 9 }));
        Assert.That(d.Features[1], Is.EqualTo(20f * (1f / 255)));

        var floats = new byte[8];
        BinaryPrimitives.WriteSingleBigEndian(floats, 1.5f);
        BinaryPrimitives.WriteSingleBigEndian(floats.AsSpan(4), -2f);
        string f = WriteIdx("f-idx2", 0x0D, [2, 1], floats);
        Assert.That(IdxDataset.Read(f, WriteIdx("l2", 0x08, [2], [1, 0])).Features.ToArray(), Is.EqualTo(new[] { 1.5f, -2f }));
    }

    [Test]
    public void IdxRefusesBadFiles()
    {
        string labels = WriteIdx("l", 0x08, [2], [1, 0]);
        string Images(byte type, int[] dims, byte[] data) => WriteIdx("i" + Guid.NewGuid().ToString("N"), type, dims, data);
        void Refused(string images, string labelsPath, string expected) =>
            Assert.That(Assert.Throws<InvalidDataException>(() => IdxDataset.Read(images, labelsPath))!.Message, Does.Contain(expected));

        Refused(Write("x", "not idx"), labels, "not an IDX file");
        Refused(Images(0x07, [2, 1], [1, 2]), labels, "type code 0x07 is unknown");
        Refused(Images(0x08, [2, 2], [1, 2, 3]), labels, "the data is truncated: [2, 2] needs 4 bytes, the file has 3");
        Refused(Images(0x08, [2, 1], [1, 2, 3]), labels, "1 bytes follow");
        Refused(Images(0x08, [3, 1], [1, 2, 3]), labels, "holds 2 labels but");
        Refused(Images(0x08, [2], [1, 2]), labels, "at least two dimensions");
        Refused(Images(0x08, [2, 1], [1, 2]), WriteIdx("lf", 0x0D, [2], new byte[8]), "labels must be an integer IDX type");
        Refused(Images(0x08, [2, 1], [1, 2]), WriteIdx("ln", 0x09, [2], [0, 0xFF]), "the label of sample 1 is -1");
        Refused(Images(0x08, [2, 0], []), labels, "dimension 1 is 0");
    }

    [Test]
    public void NpyReadsFeaturesAndLabels()
    {
        string x = Path.Combine(dir, "x.npy");
        string y = Path.Combine(dir, "y.npy");
        NpyFile.Write<double>(x, [0.25, 1, 2, 3, 4, 5], [3, 2]);
        NpyFile.Write<long>(y, [1, 0, 1], [3]);
        LabeledDataset d = NpyDataset.Read(x, y);
        Assert.That(d.Name, Is.EqualTo("x"));
        Assert.That(d.Features.ToArray(), Is.EqualTo(new[] { 0.25f, 1f, 2f, 3f, 4f, 5f }));
        Assert.That(d.SampleShape, Is.EqualTo(new[] { 2 }));
        Assert.That(d.ClassCount, Is.EqualTo(2));

        NpyFile.Write<float>(y, [1, 0, 1], [3]);
        Assert.That(Assert.Throws<InvalidDataException>(() => NpyDataset.Read(x, y))!.Message, Does.Contain("labels must be integers"));
        NpyFile.Write<int>(y, [1, 0], [2]);
        Assert.That(Assert.Throws<InvalidDataException>(() => NpyDataset.Read(x, y))!.Message, Does.Contain("holds 2 labels but"));
        NpyFile.Write<int>(y, [1, 0, 1], [3, 1]);
        Assert.That(Assert.Throws<InvalidDataException>(() => NpyDataset.Read(x, y))!.Message, Does.Contain("labels need one dimension"));
        NpyFile.Write<int>(y, [1, 0, -4], [3]);
        Assert.That(Assert.Throws<InvalidDataException>(() => NpyDataset.Read(x, y))!.Message, Does.Contain("the label of sample 2 is -4"));
        byte[] bytes = File.ReadAllBytes(x);
        File.WriteAllBytes(x, bytes[..^5]);
        Assert.That(Assert.Throws<InvalidDataException>(() => NpyDataset.Read(x, y))!.Message, Does.Contain("truncated"));
    }

    private string Write(string name, string text)
    {
        string path = Path.Combine(dir, name);
        File.WriteAllText(path, text, new UTF8Encoding(false));
        return path;
    }

    private string WriteGzip(string name, string text)
    {
        string path = Path.Combine(dir, name);
        using (var gz = new GZipStream(File.Create(path), CompressionLevel.Optimal))
        {
            gz.Write(Encoding.UTF8.GetBytes(text));
        }

        return path;
    }

    private string WriteIdx(string name, byte type, int[] dims, byte[] data)
    {
        var bytes = new List<byte> { 0, 0, type, (byte)dims.Length };
        foreach (int d in dims)
        {
            var b = new byte[4];
            BinaryPrimitives.WriteInt32BigEndian(b, d);
            bytes.AddRange(b);
        }

        bytes.AddRange(data);
        string path = Path.Combine(dir, name);
        File.WriteAllBytes(path, bytes.ToArray());
        return path;
    }
}

/// <summary>The split and the loader: pure functions of (seed, epoch, batch), every sample once per epoch.</summary>
public class DataLoaderTests
{
    [Test]
    public void TheSplitIsAPartitionFixedBySeed()
    {
        DatasetSplit s = DatasetSplit.Create(1797, 0.1, 0.2, seed: 5);
        Assert.That(s.Test, Has.Length.EqualTo(360));
        Assert.That(s.Validation, Has.Length.EqualTo(180));
        Assert.That(s.Train, Has.Length.EqualTo(1797 - 540));
        Assert.That(s.Train.Concat(s.Validation).Concat(s.Test).Order(), Is.EqualTo(Enumerable.Range(0, 1797).Select(i => (long)i)));
        DatasetSplit again = DatasetSplit.Create(1797, 0.1, 0.2, seed: 5);
        Assert.That(again.Test, Is.EqualTo(s.Test));
        Assert.That(DatasetSplit.Create(1797, 0.1, 0.2, seed: 6).Test, Is.Not.EqualTo(s.Test));
        Assert.Throws<ArgumentOutOfRangeException>(() => DatasetSplit.Create(10, 0.5, 0.5, 1));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => DatasetSplit.Create(10, -0.1, 0, 1))!.ParamName, Is.EqualTo("validationFraction"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => DatasetSplit.Create(10, 0, double.NaN, 1))!.ParamName, Is.EqualTo("testFraction"));
    }

    [Test]
    public void EveryEpochVisitsEverySampleOnceInItsOwnOrder()
    {
        LabeledDataset d = Digits.Load();
        DatasetSplit split = DatasetSplit.Create(d.Count, 0.1, 0.2, seed: 1);
        var loader = new DataLoader(d, split.Train, batchSize: 64, seed: 9);
        Assert.That(loader.BatchesPerEpoch, Is.EqualTo((split.Train.Length + 63) / 64));
        Assert.That(loader.BatchLength(loader.BatchesPerEpoch - 1), Is.EqualTo(split.Train.Length - 64 * (loader.BatchesPerEpoch - 1)));
        long[] Epoch(ulong e) => Enumerable.Range(0, loader.BatchesPerEpoch).SelectMany(b => loader.BatchIndices(e, b)).ToArray();
        long[] e0 = Epoch(0), e1 = Epoch(1);
        Assert.That(e0.Order(), Is.EqualTo(split.Train.Order()));
        Assert.That(e1.Order(), Is.EqualTo(split.Train.Order()));
        Assert.That(e1, Is.Not.EqualTo(e0));
        // Random access: batch 7 of epoch 1 alone equals its place in the whole epoch.
        Assert.That(loader.BatchIndices(1, 7), Is.EqualTo(e1[(7 * 64)..(8 * 64)]));

        var x = new float[64 * 64];
        var y = new long[64];
        Assert.That(loader.CopyBatch(1, 7, x, y), Is.EqualTo(64));
        Assert.That(x[..64], Is.EqualTo(d.Sample((int)e1[7 * 64]).ToArray()));
        Assert.That(y[0], Is.EqualTo(d.Labels[(int)e1[7 * 64]]));
    }

    [Test]
    public void BadLoaderArgumentsAreRefused()
    {
        var d = new LabeledDataset("t", new float[4], [0, 0, 0, 0], [1], 1);
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => new DataLoader(d, [0, 4], 2, 1))!.ParamName, Is.EqualTo("samples"));
        Assert.That(Assert.Throws<ArgumentException>(() => new DataLoader(d, [], 2, 1))!.ParamName, Is.EqualTo("samples"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => new DataLoader(d, [0], 0, 1))!.ParamName, Is.EqualTo("batchSize"));
        var loader = new DataLoader(d, [0, 1, 2], 2, 1);
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => loader.BatchIndices(0, 2))!.ParamName, Is.EqualTo("batch"));
        Assert.That(Assert.Throws<ArgumentOutOfRangeException>(() => loader.BatchIndices(ulong.MaxValue, 0))!.ParamName, Is.EqualTo("epoch"));
        Assert.That(Assert.Throws<ArgumentException>(() => loader.CopyBatch(0, 0, new float[1], new long[2]))!.ParamName, Is.EqualTo("features"));
        Assert.That(Assert.Throws<ArgumentException>(() => loader.CopyBatch(0, 1, new float[1], new long[0]))!.ParamName, Is.EqualTo("labels"));
    }
}
