using System.Runtime.CompilerServices;
using ReproKit.Cli;
using ReproKit.Interop;

namespace ReproKit.Tests;

/// <summary>
/// The CUDA backend from C# (category Gpu). On a machine with a GPU and the plugin they run on device 0; without one they
/// are skipped, naming the reason. CI runs them a second time with REPROKIT_CUDA_PLUGIN pointing at the emulated plugin
/// (native/tests/simt/emulated_plugin.cpp), where the real kernel sources run on the CPU, so the whole C# path is exercised.
/// </summary>
[Category("Gpu")]
public class CudaTests
{
    private CudaContext _context = null!;

    [SetUp]
    public void SetUp()
    {
        if (CudaDevices.Count(out string reason) == 0)
        {
            Assert.Ignore($"No CUDA device: {reason}");
        }

        _context = new CudaContext(0);
    }

    [TearDown]
    public void TearDown() => _context?.Dispose();

    [Test]
    public void GoldenSuiteMatchesOnTheDevice()
    {
        for (int i = 0; i < Golden.Count; i++)
        {
            GoldenResult r = CudaOperations.Golden(i, _context);
            Assert.That(r.Actual, Is.EqualTo(r.Expected), $"{r.Name} on {_context.Device.Name}");
        }
    }

    [Test]
    public void FillsAndDropoutMatchTheCpuBitForBit()
    {
        var stream = new PhiloxStream(77, 3, 5);
        const int n = 3001;
        using DeviceBuffer<uint> words = _context.Allocate<uint>(n);
        CudaOperations.FillUInt32(stream, words);
        var cpuWords = new uint[n];
        stream.FillUInt32(cpuWords);
        Assert.That(words.ToArray(), Is.EqualTo(cpuWords));

        var x = new float[n];
        stream.FillNormal(x);
        using DeviceBuffer<float> dx = _context.Upload<float>(x);
        using DeviceBuffer<float> dy = _context.Allocate<float>(n);
        using DeviceBuffer<uint> mask = _context.Allocate<uint>(Dropout.PackedMaskLength(n));
        CudaOperations.DropoutForward(dx, dy, 0.25, stream, elementOffset: 9, packedMask: mask);
        var y = new float[n];
        var cpuMask = new uint[Dropout.PackedMaskLength(n)];
        Dropout.ForwardPacked(x, y, cpuMask, 0.25, stream, elementOffset: 9);
        Assert.That(OutputDigest.Sha256<float>(dy.ToArray()), Is.EqualTo(OutputDigest.Sha256<float>(y)));
        Assert.That(mask.ToArray(), Is.EqualTo(cpuMask));
    }

    [Test]
    public void WeightInitOnTheDeviceIsTheCpusFill()
    {
        var stream = new PhiloxStream(12, 1, 0);
        long[] shape = [32, 16, 3, 3];
        var cpu = new float[32 * 16 * 9];
        using DeviceBuffer<float> device = _context.Allocate<float>(cpu.Length);
        // A wrapped pointer (as ReproKit.TorchSharp wraps a CUDA tensor's memory) fills the same elements.
        using DeviceBuffer<float> wrapped = DeviceBuffer<float>.FromPointer(_context, device.Pointer, device.Length);
        Assert.That(WeightInit.KaimingUniform(wrapped, shape, stream, a: Math.Sqrt(5)), Is.EqualTo(WeightInit.KaimingUniform(cpu, shape, stream, a: Math.Sqrt(5))));
        Assert.That(device.ToArray(), Is.EqualTo(cpu));
        Assert.That(WeightInit.KaimingNormal(device, shape, stream, mode: FanMode.FanOut), Is.EqualTo(WeightInit.KaimingNormal(cpu, shape, stream, mode: FanMode.FanOut)));
        Assert.That(device.ToArray(), Is.EqualTo(cpu));
        Assert.That(WeightInit.XavierUniform(device, shape, stream, 2.0), Is.EqualTo(WeightInit.XavierUniform(cpu, shape, stream, 2.0)));
        Assert.That(device.ToArray(), Is.EqualTo(cpu));
        Assert.That(WeightInit.XavierNormal(device, shape, stream), Is.EqualTo(WeightInit.XavierNormal(cpu, shape, stream)));
        Assert.That(device.ToArray(), Is.EqualTo(cpu));
        Assert.Throws<ArgumentException>(() => WeightInit.XavierNormal(device, [32, 16], stream), "the shape must hold the buffer's elements");
        Assert.Throws<ArgumentOutOfRangeException>(() => WeightInit.XavierNormal(device, shape, stream, double.NaN));
    }

    [Test]
    public void SamplingAndConvMatchTheCpu()
    {
        const int vocab = 500, batch = 4;
        var logits = new float[vocab * batch];
        new PhiloxStream(3).FillNormal(logits, 0f, 2f);
        SamplingParams[] ps = [new(0.8f, 20), new(TopP: 0.9), new(MinP: 0.1), SamplingParams.Greedy];
        PhiloxStream[] streams = Enumerable.Range(0, batch).Select(r => new PhiloxStream(9, (ulong)r)).ToArray();
        var tokens = new int[batch];
        var probs = new float[batch];
        Sampler.Sample(logits, batch, vocab, ps, streams, tokens, probs);
        using DeviceBuffer<float> dl = _context.Upload<float>(logits);
        using DeviceBuffer<int> dt = _context.Allocate<int>(batch);
        using DeviceBuffer<float> dp = _context.Allocate<float>(batch);
        CudaOperations.Sample(dl, batch, vocab, ps, streams, dt, dp);
        Assert.That(dt.ToArray(), Is.EqualTo(tokens));
        Assert.That(OutputDigest.Sha256<float>(dp.ToArray()), Is.EqualTo(OutputDigest.Sha256<float>(probs)));

        Conv2dDescriptor d = Conv2dDescriptor.Square(1, 4, 9, 9, 3, 3, padding: 1);
        var xin = new float[d.InputLength];
        var w = new float[d.WeightLength];
        var yc = new float[d.OutputLength];
        new PhiloxStream(4).FillNormal(xin);
        new PhiloxStream(5).FillNormal(w);
        using DeviceBuffer<float> gx = _context.Upload<float>(xin);
        using DeviceBuffer<float> gw = _context.Upload<float>(w);
        using DeviceBuffer<float> gy = _context.Allocate<float>(d.OutputLength);
        foreach (ConvAlgorithm a in new[] { ConvAlgorithm.ImplicitGemm, ConvAlgorithm.Winograd4x3, ConvAlgorithm.Fft })
        {
            Assert.That(CudaOperations.Conv2dForward(d, gx, gw, null, gy, a), Is.EqualTo(a));
            Conv2d.Forward(d, xin, w, [], yc, a);
            Assert.That(OutputDigest.Sha256<float>(gy.ToArray()), Is.EqualTo(OutputDigest.Sha256<float>(yc)), a.ToString());
        }
    }

    [Test]
    public void ErrorsCarryTheNativeMessage()
    {
        var logits = new float[10];
        logits[3] = float.NaN;
        using DeviceBuffer<float> dl = _context.Upload<float>(logits);
        using DeviceBuffer<int> dt = _context.Allocate<int>(1);
        var e = Assert.Throws<ArgumentException>(() => CudaOperations.Sample(dl, 1, 10, [new SamplingParams()], [new PhiloxStream(1)], dt));
        Assert.That(e!.Message, Does.Contain("[3] is NaN"));
        Assert.Throws<ArgumentException>(() => new CudaContext(999));
        using DeviceBuffer<float> buffer = _context.Allocate<float>(4);
        Assert.Throws<ArgumentException>(() => buffer.CopyFrom(new float[3]));
    }

    [Test]
    public void DisposalIsSafeAndFinal()
    {
        var ctx = new CudaContext(0);
        DeviceBuffer<float> b = ctx.Allocate<float>(16);
        ctx.Dispose(); // the buffer still holds the context: it stays usable until the buffer goes
        b.CopyFrom(new float[16]);
        b.Dispose();
        b.Dispose();
        Assert.Throws<ObjectDisposedException>(() => _ = b.Pointer);
        Assert.Throws<ObjectDisposedException>(() => ctx.Synchronize());
        Assert.Throws<ObjectDisposedException>(() => ctx.Allocate<float>(1));
    }

    [Test]
    public unsafe void AnUndisposedContextIsQueuedByTheFinalizerAndReleasedAtTheNextCreation()
    {
        // The path DisposalAndErrorTests checks with a deferring CpuContext, taken by a real CudaContext.
        DeferredRelease.Drain();
        nint raw = CreateAndDrop();
        for (int i = 0; i < 3; i++)
        {
            GC.Collect();
            GC.WaitForPendingFinalizers();
        }

        var info = new RkContextInfo { StructSize = (uint)sizeof(RkContextInfo) };
        Assert.That(DeferredRelease.Contains(raw), Is.True, "the finalizer queued the handle");
        Assert.That(NativeMethods.rk_context_get_info(raw, &info), Is.EqualTo(RkStatus.Ok), "and did not release it");
        new CudaContext(0).Dispose();
        Assert.That(DeferredRelease.Contains(raw), Is.False);
        Assert.That(NativeMethods.rk_context_get_info(raw, &info), Is.EqualTo(RkStatus.InvalidHandle), "the next creation released it");

        // Disposed explicitly, a CUDA context is released at once, on the disposing thread.
        var disposed = new CudaContext(0);
        nint raw2 = disposed.DangerousRawHandle;
        disposed.Dispose();
        Assert.That(DeferredRelease.Count, Is.Zero);
        Assert.That(NativeMethods.rk_context_get_info(raw2, &info), Is.EqualTo(RkStatus.InvalidHandle));
    }

    [Test]
    public void CliVerifiesAndBenchmarksTheDevice()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Assert.That(CliApp.Run(["verify", "--device", "cuda:0"], stdout, stderr), Is.Zero, stderr.ToString() + stdout);
        Assert.That(stdout.ToString(), Does.Contain("cuda:0/"));
        var bench = new StringWriter();
        Assert.That(CliApp.Run(["bench", "dropout", "--device", "cuda:0", "--count", "4096", "--repeat", "1", "--json"], bench, stderr), Is.Zero, stderr.ToString());
        Assert.That(bench.ToString(), Does.Contain("\"device\": \"cuda:0\""));
        Assert.That(CliApp.Run(["bench", "rand", "--device", "cuda", "--count", "64"], new StringWriter(), new StringWriter()), Is.EqualTo(CliApp.ExitUsage));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static nint CreateAndDrop()
    {
        var context = new CudaContext(0);
        using (DeviceBuffer<uint> words = context.Allocate<uint>(8))
        {
            CudaOperations.FillUInt32(new PhiloxStream(1), words);
        }

        return context.DangerousRawHandle;
    }
}

/// <summary>What a machine without a usable CUDA device reports (runs everywhere; skipped where a device exists).</summary>
public class CudaUnavailableTests
{
    [Test]
    public void ContextCreationSaysWhy()
    {
        if (CudaDevices.Count(out string reason) > 0)
        {
            Assert.Ignore("A CUDA device is present; CudaTests cover this machine.");
        }

        Assert.That(reason, Is.Not.Empty);
        var e = Assert.Throws<ReproKitException>(() => new CudaContext(0));
        Assert.That(e!.Status, Is.EqualTo(ReproKitStatus.Unsupported));
        Assert.That(CliApp.Run(["verify", "--device", "cuda:0"], new StringWriter(), new StringWriter()), Is.EqualTo(CliApp.ExitFailure));
    }
}
