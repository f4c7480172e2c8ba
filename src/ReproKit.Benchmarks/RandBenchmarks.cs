using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using ReproKit;

namespace ReproKit.Benchmarks;

/// <summary>
/// Philox fills per ISA and thread count: 16M values per operation, so the G values/s column is
/// 0.016777216 / (mean seconds). The memory diagnoser shows 0 bytes allocated per operation.
/// </summary>
[MemoryDiagnoser]
[Config(typeof(ThroughputConfig))]
public class RandBenchmarks
{
    public const int Count = 1 << 24;

    private uint[] _words = [];
    private float[] _floats = [];
    private CpuContext? _context;

    [ParamsSource(nameof(Isas))]
    public CpuIsa Isa { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    public static IEnumerable<CpuIsa> Isas() => ReproKitLibrary.SupportedIsas;

    [GlobalSetup]
    public void Setup()
    {
        _words = new uint[Count];
        _floats = new float[Count];
        _context = new CpuContext(new CpuContextOptions(Isa, Threads));
    }

    [GlobalCleanup]
    public void Cleanup() => _context?.Dispose();

    [Benchmark(OperationsPerInvoke = Count)]
    public void U32() => new PhiloxStream(42).FillUInt32(_words, _context);

    [Benchmark(OperationsPerInvoke = Count)]
    public void Uniform() => new PhiloxStream(42).FillUniform(_floats, _context);

    [Benchmark(OperationsPerInvoke = Count)]
    public void Normal() => new PhiloxStream(42).FillNormal(_floats, 0f, 1f, _context);
}

/// <summary>Adds a "G values/s" column (operations are single values via OperationsPerInvoke).</summary>
public sealed class ThroughputConfig : BenchmarkDotNet.Configs.ManualConfig
{
    public ThroughputConfig() => AddColumn(StatisticColumn.OperationsPerSecond);
}
