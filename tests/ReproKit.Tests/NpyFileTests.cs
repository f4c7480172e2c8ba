using System.Text;
using ReproKit.IO;

namespace ReproKit.Tests;

/// <summary>.npy reading and writing, and clear errors for everything unsupported.</summary>
public class NpyFileTests
{
    [Test]
    public void RoundTripsEverySupportedType()
    {
        RoundTrip(new[] { 1.5f, -2f, float.Epsilon });
        RoundTrip(new[] { 1.5, double.MaxValue });
        RoundTrip(new[] { -1, int.MaxValue });
        RoundTrip(new[] { 0u, uint.MaxValue });
        RoundTrip(new[] { long.MinValue, 3L });
        RoundTrip(new[] { ulong.MaxValue });
        RoundTrip(new byte[] { 0, 255 });
        RoundTrip(Array.Empty<float>());
    }

    [Test]
    public void WritesAlignedHeadersAndShapes()
    {
        var ms = new MemoryStream();
        NpyFile.Write<float>(ms, new float[6], [2, 3]);
        byte[] bytes = ms.ToArray();
        int headerLen = BitConverter.ToUInt16(bytes, 8);
        Assert.That((10 + headerLen) % 64, Is.Zero);
        string header = Encoding.ASCII.GetString(bytes, 10, headerLen);
        Assert.That(header, Does.StartWith("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }"));
        Assert.That(header, Does.EndWith("\n"));
        ms.Position = 0;
        Assert.That(NpyFile.Read(ms).Shape, Is.EqualTo(new long[] { 2, 3 }));
        Assert.Throws<ArgumentException>(() => NpyFile.Write<float>(new MemoryStream(), new float[5], [2, 3]));
    }

    [TestCase("not numpy at all", "magic")]
    [TestCase("\u0093NUMPY\u0001\u0000", "header length")]
    public void RejectsGarbage(string content, string expected)
    {
        var e = Assert.Throws<InvalidDataException>(() => NpyFile.Read(new MemoryStream(Encoding.Latin1.GetBytes(content))))!;
        Assert.That(e.Message, Does.Contain(expected));
    }

    [TestCase("{'descr': '>f4', 'fortran_order': False, 'shape': (2,), }", "big-endian")]
    [TestCase("{'descr': '<c8', 'fortran_order': False, 'shape': (2,), }", "not supported")]
    [TestCase("{'descr': '|O', 'fortran_order': False, 'shape': (2,), }", "not supported")]
    [TestCase("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }", "Fortran")]
    [TestCase("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999999999), }", "more than")]
    [TestCase("{'descr': '<f4', 'fortran_order': False, 'shape': (-2,), }", "invalid dimension")]
    [TestCase("{'descr': '<f4', 'fortran_order': False, 'shape': (4,), }", "truncated")]
    [TestCase("{'descr': '<f4', 'shape': (4,), }", "fortran_order")]
    [TestCase("{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904,), }", "more than 2147483647")]
    [TestCase("{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296, 4), }", "more than 2147483647")]
    [TestCase("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }", "invalid dimension")]
    [TestCase("{'descr': '<f4', 'fortran_order': False, 'shape': (2, x), }", "invalid dimension")]
    [TestCase("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (2,), }", "'descr'")]
    [TestCase("\u00ff\u00fe garbage", "no valid 'descr' entry")]
    public void RejectsUnsupportedHeaders(string header, string expected)
    {
        var e = Assert.Throws<InvalidDataException>(() => NpyFile.Read(new MemoryStream(Build(header, dataBytes: 8))))!;
        Assert.That(e.Message, Does.Contain(expected));
    }

    [Test]
    public void RejectsUnknownVersionsAndHugeHeaders()
    {
        byte[] v9 = Build("{}", 0);
        v9[6] = 9;
        Assert.That(Assert.Throws<InvalidDataException>(() => NpyFile.Read(new MemoryStream(v9)))!.Message, Does.Contain("version 9"));
        byte[] v2 = [0x93, .. "NUMPY"u8.ToArray(), 2, 0, 0xFF, 0xFF, 0xFF, 0x7F];
        Assert.That(Assert.Throws<InvalidDataException>(() => NpyFile.Read(new MemoryStream(v2)))!.Message, Does.Contain("1 MiB"));
    }

    [Test]
    public void ATruncatedNonSeekableStreamFailsAtTheEnd()
    {
        byte[] file = Build("{'descr': '<f8', 'fortran_order': False, 'shape': (3,), }", dataBytes: 20);
        var e = Assert.Throws<InvalidDataException>(() => NpyFile.Read(new NonSeekable(file)))!;
        Assert.That(e.Message, Does.Contain("ends inside the 24 data bytes (read 20 of 24"));
        Assert.Throws<ArgumentOutOfRangeException>(() => NpyFile.Write<float>(new MemoryStream(), new float[4], [-2, -2]));
    }

    [Test]
    public void TypedAccessChecksTheDType()
    {
        var ms = new MemoryStream();
        NpyFile.Write<uint>(ms, new uint[] { 1, 2 });
        ms.Position = 0;
        NpyArray a = NpyFile.Read(ms);
        Assert.That(a.ToArray<uint>(), Is.EqualTo(new uint[] { 1, 2 }));
        Assert.Throws<InvalidDataException>(() => a.ToArray<float>());
    }

    private static void RoundTrip<T>(T[] data)
        where T : unmanaged
    {
        var ms = new MemoryStream();
        NpyFile.Write<T>(ms, data);
        ms.Position = 0;
        NpyArray a = NpyFile.Read(ms);
        Assert.That(a.Shape, Is.EqualTo(new long[] { data.Length }));
        Assert.That(a.ToArray<T>(), Is.EqualTo(data));
    }

    private static byte[] Build(string header, int dataBytes)
    {
        var ms = new MemoryStream();
        ms.Write([0x93, .. "NUMPY"u8.ToArray(), 1, 0]);
        byte[] h = Encoding.ASCII.GetBytes(header + "\n");
        ms.Write(BitConverter.GetBytes((ushort)h.Length));
        ms.Write(h);
        ms.Write(new byte[dataBytes]);
        return ms.ToArray();
    }

    private sealed class NonSeekable(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;

        public override long Length => throw new NotSupportedException();
    }
}
