using BenchmarkDotNet.Attributes;
using ReproKit;

namespace ReproKit.Benchmarks;

/// <summary>Activations forward / backward, 16M float32 elements per operation (OperationsPerInvoke: per element).</summary>
[MemoryDiagnoser]
[Config(typeof(ThroughputConfig))]
public class ActivationBenchmarks
{
    private const int Count = 1 << 24;
    private float[] _x = [];
    private float[] _dy = [];
    private float[] _y = [];
    private CpuContext? _context;

    [Params(Activation.Relu, Activation.Gelu, Activation.GeluTanh)]
    public Activation Kind { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _x = new float[Count];
        _dy = new float[Count];
        _y = new float[Count];
        _context = new CpuContext(new CpuContextOptions(CpuIsa.Auto, Threads));
        new PhiloxStream(1).FillNormal(_x, 0f, 3f, _context);
        new PhiloxStream(2).FillNormal(_dy, 0f, 1f, _context);
    }

    [GlobalCleanup]
    public void Cleanup() => _context?.Dispose();

    [Benchmark(OperationsPerInvoke = Count)]
    public void Forward() => Activations.Forward(Kind, _x, _y, context: _context);

    [Benchmark(OperationsPerInvoke = Count)]
    public void Backward() => Activations.Backward(Kind, _x, _dy, _y, context: _context);
}

/// <summary>One optimizer step over 16M parameters (OperationsPerInvoke: per parameter); the state evolves across invocations.</summary>
[MemoryDiagnoser]
[Config(typeof(ThroughputConfig))]
public class OptimizerBenchmarks
{
    private const int Count = 1 << 24;
    private float[] _p = [];
    private float[] _g = [];
    private float[] _m = [];
    private float[] _v = [];
    private long _step;
    private CpuContext? _context;

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _p = new float[Count];
        _g = new float[Count];
        _m = new float[Count];
        _v = new float[Count];
        _context = new CpuContext(new CpuContextOptions(CpuIsa.Auto, Threads));
        new PhiloxStream(3).FillNormal(_p, 0f, 1f, _context);
        new PhiloxStream(4).FillNormal(_g, 0f, 1f, _context);
    }

    [GlobalCleanup]
    public void Cleanup() => _context?.Dispose();

    [Benchmark(OperationsPerInvoke = Count)]
    public void SgdNesterov() => Optimizers.SgdStep(new SgdOptions(0.01, Momentum: 0.9, Nesterov: true), _p, _g, _m, firstStep: false, _context);

    [Benchmark(OperationsPerInvoke = Count)]
    public void AdamW() => Optimizers.AdamStep(AdamOptions.AdamW(), ++_step, _p, _g, _m, _v, _context);
}
