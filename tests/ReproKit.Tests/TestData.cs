using System.Globalization;

namespace ReproKit.Tests;

/// <summary>Readers for the reference vectors in tests/data/rng (see the files' headers for their sources).</summary>
internal static class TestData
{
    internal static string PathOf(string relative) => Path.Combine(TestContext.CurrentContext.TestDirectory, "data", relative);

    internal sealed record Kat(int Rounds, uint[] Counter, uint[] Key, uint[] Expected, string Line);

    /// <summary>Every philox4x32 line of philox_kat.txt (7 and 10 rounds).</summary>
    internal static IReadOnlyList<Kat> Philox4x32Kats()
    {
        var list = new List<Kat>();
        foreach (string line in File.ReadLines(PathOf("rng/philox_kat.txt")))
        {
            string[] t = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (t.Length == 0 || t[0] != "philox4x32")
            {
                continue;
            }

            Assert.That(t, Has.Length.EqualTo(12), line);
            uint[] w = t.Skip(2).Select(Hex32).ToArray();
            list.Add(new Kat(int.Parse(t[1], CultureInfo.InvariantCulture), w[..4], w[4..6], w[6..10], line));
        }

        return list;
    }

    internal sealed record CurandRecord(string Type, ulong[] Fields, string Line);

    /// <summary>The records of curand_philox_ref.txt of one type (INIT, C4, SKIP, SKIPSEQ, UCONV).</summary>
    internal static IReadOnlyList<CurandRecord> CurandRecords(string type)
    {
        var list = new List<CurandRecord>();
        foreach (string line in File.ReadLines(PathOf("rng/curand_philox_ref.txt")))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            string[] t = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (t[0] != type)
            {
                continue;
            }

            ulong[] fields = t.Skip(1).Where(x => x is not ("|" or "STATE" or "U32" or "UNI"))
                .Select(x => ulong.Parse(x, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture)).ToArray();
            list.Add(new CurandRecord(type, fields, line));
        }

        Assert.That(list, Is.Not.Empty, $"no {type} records in curand_philox_ref.txt");
        return list;
    }

    private static uint Hex32(string s) => uint.Parse(s, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);

    /// <summary>Every (ISA, thread count) pair this machine runs, for bit-for-bit comparisons.</summary>
    internal static IEnumerable<(CpuIsa Isa, int Threads)> Backends()
    {
        foreach (CpuIsa isa in ReproKitLibrary.SupportedIsas)
        {
            foreach (int threads in new[] { 1, 2, 3, 7 })
            {
                yield return (isa, threads);
            }
        }
    }
}
