using BenchmarkDotNet.Attributes;
using ReproKit;

namespace ReproKit.Benchmarks;

/// <summary>Dropout forward / backward, 16M float32 elements per operation (OperationsPerInvoke: per element).</summary>
[MemoryDiagnoser]
[Config(typeof(ThroughputConfig))]
public class DropoutBenchmarks
{
    private const int Count = 1 << 24;
    private float[] _x = [];
    private float[] _y = [];
    private uint[] _mask = [];
    private CpuContext? _context;

    [Params(1, 2)]
    public int Threads { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _x = new float[Count];
        _y = new float[Count];
        _mask = new uint[Dropout.PackedMaskLength(Count)];
        _context = new CpuContext(new CpuContextOptions(CpuIsa.Auto, Threads));
        new PhiloxStream(1).FillNormal(_x, 0f, 1f, _context);
    }

    [GlobalCleanup]
    public void Cleanup() => _context?.Dispose();

    [Benchmark(OperationsPerInvoke = Count)]
    public void Forward() => Dropout.Forward(_x, _y, 0.1, new PhiloxStream(7), context: _context);

    [Benchmark(OperationsPerInvoke = Count)]
    public void ForwardPackedMask() => Dropout.ForwardPacked(_x, _y, _mask, 0.1, new PhiloxStream(7), context: _context);

    [Benchmark(OperationsPerInvoke = Count)]
    public void BackwardRegenerated() => Dropout.Backward(_x, _y, 0.1, new PhiloxStream(7), context: _context);
}

/// <summary>Token sampling, V = 128256, per batch (the target configuration: B = 32, T = 0.7, k = 50, p = 0.9).</summary>
[MemoryDiagnoser]
public class SamplingBenchmarks
{
    private const int Vocabulary = 128256;
    private float[] _logits = [];
    private SamplingParams[] _params = [];
    private PhiloxStream[] _streams = [];
    private int[] _tokens = [];
    private CpuContext? _context;

    [Params(1, 32)]
    public int Batch { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _context = new CpuContext(new CpuContextOptions(CpuIsa.Auto, 2));
        _logits = new float[Vocabulary * Batch];
        new PhiloxStream(3).FillNormal(_logits, 0f, 3f, _context);
        _params = Enumerable.Repeat(new SamplingParams(0.7f, 50, 0.9), Batch).ToArray();
        _streams = Enumerable.Range(0, Batch).Select(r => new PhiloxStream(9, (ulong)r)).ToArray();
        _tokens = new int[Batch];
    }

    [GlobalCleanup]
    public void Cleanup() => _context?.Dispose();

    [Benchmark]
    public void TopKTopP() => Sampler.Sample(_logits, Batch, Vocabulary, _params, _streams, _tokens, context: _context);
}

/// <summary>conv2d forward, N=8 C=K=64 56x56 3x3 pad 1 (the ResNet target shape), per algorithm.</summary>
[MemoryDiagnoser]
public class Conv2dBenchmarks
{
    private readonly Conv2dDescriptor _desc = Conv2dDescriptor.Square(8, 64, 56, 56, 64, 3, padding: 1);
    private float[] _x = [];
    private float[] _w = [];
    private float[] _y = [];
    private byte[] _workspace = [];
    private CpuContext? _context;

    [Params(ConvAlgorithm.ImplicitGemm, ConvAlgorithm.Winograd4x3)]
    public ConvAlgorithm Algorithm { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _context = new CpuContext(new CpuContextOptions(CpuIsa.Auto, 2));
        _x = new float[_desc.InputLength];
        _w = new float[_desc.WeightLength];
        _y = new float[_desc.OutputLength];
        new PhiloxStream(1).FillNormal(_x, 0f, 1f, _context);
        new PhiloxStream(2).FillNormal(_w, 0f, 0.1f, _context);
        _workspace = new byte[Conv2d.Query(_desc, ConvPass.Forward, Algorithm).WorkspaceBytes];
    }

    [GlobalCleanup]
    public void Cleanup() => _context?.Dispose();

    [Benchmark]
    public void Forward() => Conv2d.Forward(_desc, _x, _w, [], _y, Algorithm, _workspace, _context);
}

/// <summary>P/Invoke overhead: a trivial entry point, and a 1-element fill (argument validation and dispatch included).</summary>
[MemoryDiagnoser]
public class InteropBenchmarks
{
    private readonly uint[] _one = new uint[1];
    private CpuContext? _context;

    [GlobalSetup]
    public void Setup() => _context = new CpuContext(new CpuContextOptions(CpuIsa.Auto, 1));

    [GlobalCleanup]
    public void Cleanup() => _context?.Dispose();

    [Benchmark]
    public uint TrivialCall() => ReproKitLibrary.NativeAbiVersion;

    [Benchmark]
    public void OneWordFill() => new PhiloxStream(1).FillUInt32(_one, _context);
}
