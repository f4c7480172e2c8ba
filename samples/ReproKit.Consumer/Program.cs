// Runs each ReproKit operation as a package user would, and checks the golden digests compiled into the
// native library on every ISA this machine has. Prints "N passed, N failed" and exits 1 on any failure.
using ReproKit;

int passed = 0, failed = 0;
void Check(string what, bool ok)
{
    Console.WriteLine($"{(ok ? "ok  " : "FAIL")} {what}");
    if (ok) passed++; else failed++;
}

try
{
    Console.WriteLine($"ReproKit {ReproKitLibrary.ManagedVersion} (native {ReproKitLibrary.NativeVersion}) on {ReproKitLibrary.CpuDescription}");

    var words = new uint[4];
    new PhiloxStream(0x2a, 7, 1000).FillUInt32(words);
    Check("curand() words", words.SequenceEqual(new uint[] { 0xd6937fa4, 0x528bdcfa, 0x2f135adc, 0x03e5825b }));

    var w = new float[64 * 3 * 3 * 3];
    WeightInit.KaimingNormal(w, [64, 3, 3, 3], new PhiloxStream(1));
    Check("weight init", w.All(float.IsFinite) && w.Any(v => v != 0));

    var x = new float[1000];
    var y = new float[1000];
    new PhiloxStream(2).FillNormal(x);
    Dropout.Forward(x, y, 0.5, new PhiloxStream(3));
    var dx = new float[1000];
    Dropout.Backward(x, dx, 0.5, new PhiloxStream(3));
    Check("dropout forward == regenerated backward", y.SequenceEqual(dx));

    long[] order = DataSplits.ShuffledIndices(100, seed: 4, epoch: 1);
    Check("shuffle is a permutation", order.Order().SequenceEqual(Enumerable.Range(0, 100).Select(i => (long)i)));

    var logits = new float[32000];
    new PhiloxStream(5).FillNormal(logits, 0f, 3f);
    SampledToken t = Sampler.SampleOne(logits, new SamplingParams(0.7f, 50, 0.9), new PhiloxStream(6, 0, 0));
    Check("sampling", t.Token is >= 0 and < 32000 && t.Probability > 0);

    foreach (CpuIsa isa in ReproKitLibrary.SupportedIsas)
    {
        using var context = new CpuContext(new CpuContextOptions(isa, 2));
        foreach (GoldenResult r in Golden.RunAll(context))
        {
            Check($"golden {r.Name} on {ReproKitLibrary.IsaName(isa)}", r.Matches);
        }
    }

    // ReproKit.Cuda: the plugin must sit next to libreprokit in the app's output, so CUDA is either usable or
    // unavailable for want of a GPU/driver, never for want of the plugin.
    int devices = CudaDevices.Count(out string reason);
    if (Environment.GetEnvironmentVariable("REPROKIT_CONSUMER_EXPECT_CUDA_PLUGIN") == "true")
    {
        Check($"CUDA plugin from the ReproKit.Cuda package is found ({(devices > 0 ? $"{devices} device(s)" : reason)})",
            devices > 0 || !reason.Contains("could not be loaded", StringComparison.Ordinal));
    }

    for (int d = 0; d < devices; d++)
    {
        using var gpu = new CudaContext(d);
        for (int i = 0; i < Golden.Count; i++)
        {
            GoldenResult r = CudaOperations.Golden(i, gpu);
            Check($"golden {r.Name} on cuda:{d} ({gpu.Device.Name})", r.Matches);
        }
    }
}
catch (Exception e)
{
    Console.WriteLine($"FAIL unexpected {e.GetType().Name}: {e.Message}");
    failed++;
}

Console.WriteLine($"{passed} passed, {failed} failed");
return failed == 0 ? 0 : 1;
