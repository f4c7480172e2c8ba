using System.Globalization;

namespace ReproKit.Cli.Demo;

/// <summary>One property a section demonstrates, and whether it held.</summary>
internal sealed record DemoCheck(string What, bool Ok);

/// <summary>What one section computed on one CPU backend: its digest, the lines it shows, the checks it made.</summary>
internal sealed record DemoOutcome(string Digest, IReadOnlyList<string> Lines, IReadOnlyList<DemoCheck> Checks);

/// <summary>A section of the demo: one source of randomness, computed from fixed seeds on a given CPU context.</summary>
/// <param name="Key">Stable name (JSON, the recorded digests).</param>
/// <param name="Title">The heading shown.</param>
/// <param name="Run">Computes the section on a context; <c>detailed</c> adds what only the shown run needs (float64 errors).</param>
internal sealed record DemoSection(string Key, string Title, Func<CpuContext, bool, DemoOutcome> Run);

/// <summary>
/// The demo's sections (every source of randomness deep-learning reproducibility depends on). Each is a pure function
/// of fixed seeds and the context, so the hardware section can rerun them on every ISA and thread count.
/// </summary>
internal static class DemoSections
{
    internal static readonly DemoSection[] All =
    [
        new("weights", "Weight initialisation: torch.nn.init's Kaiming and Xavier fills from a Philox stream", Weights),
        new("shuffle", "Dataset shuffling and splits from (seed, epoch), resumable at any position", Shuffle),
        new("checkpoint", "A checkpointed generator resumed mid-stream gives the same numbers", Checkpoint),
        new("dropout", "Dropout: the mask is a function of (stream, element index) alone", DropoutSection),
        new("conv", "Convolution: every algorithm is a defined function, and the choice changes bits", Convolution),
        new("sampling", "Token sampling: a row's token does not depend on its batch", Sampling),
        new("training", "A whole training run: the digits CNN trains to the same parameters on every backend", Training),
    ];

    // curand() words after curand_init(0x2a, 7, 1000): CUDA 11.8's curand_kernel.h run on the host
    // (tests/data/rng/curand_philox_ref.txt, INIT record of seed 2a).
    private static readonly uint[] CurandReference = [0xd6937fa4, 0x528bdcfa, 0x2f135adc, 0x03e5825b];

    private static DemoOutcome Weights(CpuContext context, bool detailed)
    {
        var digests = new DigestSet();
        var words = new uint[4];
        new PhiloxStream(0x2a, 7, 1000).FillUInt32(words, context);
        bool curand = words.AsSpan().SequenceEqual(CurandReference);
        var conv1 = new float[64 * 3 * 7 * 7];
        float bound = WeightInit.KaimingUniform(conv1, [64, 3, 7, 7], new PhiloxStream(Seed: 1), context: context);
        digests.Add("kaiming_uniform", conv1);
        var fc = new float[512 * 256];
        float std = WeightInit.XavierNormal(fc, [512, 256], new PhiloxStream(Seed: 2), context: context);
        digests.Add("xavier_normal", fc);

        // The same bits whatever the work split: a fill in two pieces from advanced offsets equals one fill.
        var pieces = new float[fc.Length];
        var stream = new PhiloxStream(Seed: 2);
        int half = fc.Length / 2; // even, so the second piece starts on a normal pair
        stream.FillNormal(pieces.AsSpan(0, half), 0f, std, context);
        stream.Advance(PhiloxStream.WordsForNormal(half)).FillNormal(pieces.AsSpan(half), 0f, std, context);
        bool split = pieces.AsSpan().SequenceEqual(fc);

        double mean = fc.Average(v => (double)v);
        double sd = Math.Sqrt(fc.Average(v => ((double)v - mean) * ((double)v - mean)));
        bool inBounds = conv1.All(v => v >= -bound && v <= bound);
        return new DemoOutcome(digests.Combined,
        [
            $"conv1 [64,3,7,7] kaiming_uniform(a=0, fan_in, leaky_relu): bound {F(bound)}, first {Floats(conv1.AsSpan(0, 3))}",
            $"fc [512,256] xavier_normal(gain=1): std {F(std)} (sample std {sd.ToString("F5", CultureInfo.InvariantCulture)}), first {Floats(fc.AsSpan(0, 3))}",
        ],
        [
            new("the stream is cuRAND's: curand_init(0x2a, 7, 1000) then curand() x4 equals CUDA 11.8's words", curand),
            new("every kaiming_uniform value lies in [-bound, bound]", inBounds),
            new("the fill done in two pieces (second from an advanced offset) equals the single fill", split),
        ]);
    }

    private static DemoOutcome Shuffle(CpuContext context, bool detailed)
    {
        const long count = 50_000;
        const ulong seed = 7;
        var digests = new DigestSet();
        var epoch3 = new ulong[count];
        new Permutation(count, seed, subsequence: 3).Fill(epoch3, context: context);
        digests.Add("epoch3", epoch3);
        var epoch4 = new ulong[count];
        new Permutation(count, seed, subsequence: 4).Fill(epoch4, context: context);
        digests.Add("epoch4", epoch4);

        // Resuming epoch 3 after 30,000 samples: the rest of the order, computed from position 30,000 alone.
        var rest = new ulong[count - 30_000];
        var perm = new Permutation(count, seed, subsequence: 3);
        perm.Fill(rest, first: 30_000, context: context);
        bool resumed = rest.AsSpan().SequenceEqual(epoch3.AsSpan(30_000)) && perm.Apply(31_234) == epoch3[31_234] && perm.Invert(epoch3[31_234]) == 31_234;
        bool bijection = new HashSet<ulong>(epoch3).Count == count && epoch3.All(v => v < count);

        var (train, test) = DataSplits.TrainTestSplit(count, 0.2, seed);
        var folds = DataSplits.KFold(count, 5, seed);
        digests.Add("train", train);
        digests.Add("test", test);
        foreach (FoldSplit f in folds)
        {
            digests.Add($"fold{f.Fold}", f.Validation);
        }

        bool splitOk = train.Length == 40_000 && test.Length == 10_000 && !train.Intersect(test).Any() && train.Concat(test).Distinct().Count() == count;
        bool foldsOk = folds.SelectMany(f => f.Validation).Distinct().Count() == count && folds.All(f => f.Train.Length + f.Validation.Length == count);
        return new DemoOutcome(digests.Combined,
        [
            $"50,000 samples, seed 7: epoch 3 starts {Join(epoch3.AsSpan(0, 6))} ..., epoch 4 starts {Join(epoch4.AsSpan(0, 6))} ...",
            $"train/test 80/20: {train.Length:D} / {test.Length:D}; 5-fold validation sets of {folds[0].Validation.Length:D}",
        ],
        [
            new("each epoch's order is a permutation of [0, 50000), and epochs differ", bijection && !epoch3.AsSpan().SequenceEqual(epoch4)),
            new("resumed at sample 30,000, the remaining 20,000 equal the uninterrupted order (perm(i) is O(1))", resumed),
            new("train and test are disjoint and cover every sample; the 5 folds partition them", splitOk && foldsOk),
        ]);
    }

    private static DemoOutcome Checkpoint(CpuContext context, bool detailed)
    {
        var digests = new DigestSet();
        var rng = new ReproRandom(seed: 123, context: context);
        var warmup = new float[1000];
        rng.NextNormal(warmup);
        string checkpoint = rng.ToJson();
        var after = new float[4096];
        rng.NextUniform(after);
        digests.Add("warmup", warmup);
        digests.Add("after", after);

        ReproRandom resumed = ReproRandom.FromJson(checkpoint, context);
        var again = new float[4096];
        resumed.NextUniform(again);

        var workerA = new float[8];
        var workerB = new float[8];
        rng.Fork(2).NextUniform(workerA);
        rng.Fork(2).NextUniform(workerB);
        var other = new float[8];
        rng.Fork(3).NextUniform(other);
        digests.Add("fork2", workerA);
        return new DemoOutcome(digests.Combined,
        [
            $"after 1,000 normals, the checkpoint is {checkpoint}",
            $"next 4,096 uniforms start {Floats(after.AsSpan(0, 3))}",
        ],
        [
            new("restored from the JSON checkpoint, the generator continues with the same 4,096 numbers", again.AsSpan().SequenceEqual(after)),
            new("Fork(2) gives the same child stream every time, and Fork(3) another one", workerA.AsSpan().SequenceEqual(workerB) && !workerA.AsSpan().SequenceEqual(other)),
        ]);
    }

    private static DemoOutcome DropoutSection(CpuContext context, bool detailed)
    {
        const int n = 1 << 20;
        const double p = 0.1;
        var stream = new PhiloxStream(Seed: 99, Subsequence: 0, Offset: 0);
        var x = new float[n];
        new PhiloxStream(Seed: 5).FillNormal(x, context: context);
        var y = new float[n];
        var mask = new byte[n];
        Dropout.Forward(x, y, mask, p, stream, context: context);

        // Backward from the stored mask and by regenerating it from the stream: the same gradient.
        var dy = x; // any upstream gradient
        var dxStored = new float[n];
        var dxRegenerated = new float[n];
        Dropout.Backward(dy, dxStored, mask, p, context);
        Dropout.Backward(dy, dxRegenerated, p, stream, context: context);

        // Two shards of the tensor, the second passing its global element offset: together they are the whole.
        int half = n / 2 + 7;
        var sharded = new float[n];
        Dropout.Forward(x.AsSpan(0, half), sharded.AsSpan(0, half), p, stream, elementOffset: 0, context: context);
        Dropout.Forward(x.AsSpan(half), sharded.AsSpan(half), p, stream, elementOffset: (ulong)half, context: context);

        var digests = new DigestSet();
        digests.Add("y", y);
        digests.Add("mask", mask);
        digests.Add("dx", dxStored);
        double kept = mask.Count(m => m != 0) / (double)n;
        float scale = Dropout.Scale(p);
        bool scaled = Enumerable.Range(0, 1000).All(i => mask[i] == 0 ? BitConverter.SingleToUInt32Bits(y[i]) == 0 : y[i] == x[i] * scale);
        return new DemoOutcome(digests.Combined,
        [
            $"p = 0.1 on 1,048,576 elements, stream {stream}: kept {kept.ToString("P2", CultureInfo.InvariantCulture)}, scale {F(scale)}",
        ],
        [
            new("kept elements are x * scale, dropped ones +0", scaled),
            new("backward with the mask regenerated from the stream equals backward from the stored mask", dxRegenerated.AsSpan().SequenceEqual(dxStored)),
            new($"two shards (the second at element offset {half:D}) equal the slices of the whole tensor", sharded.AsSpan().SequenceEqual(y)),
        ]);
    }

    private static readonly ConvAlgorithm[] ConvAlgorithms =
        [ConvAlgorithm.Direct, ConvAlgorithm.ImplicitGemm, ConvAlgorithm.Winograd2x3, ConvAlgorithm.Winograd4x3, ConvAlgorithm.Fft];

    private static DemoOutcome Convolution(CpuContext context, bool detailed)
    {
        var d = Conv2dDescriptor.Square(n: 2, c: 16, h: 20, w: 20, k: 16, kernel: 3, padding: 1);
        var x = new float[d.InputLength];
        var w = new float[d.WeightLength];
        var b = new float[d.K];
        new PhiloxStream(Seed: 11).FillNormal(x, context: context);
        WeightInit.KaimingNormal(w, [d.K, d.C, d.R, d.S], new PhiloxStream(Seed: 12), context: context);
        new PhiloxStream(Seed: 13).FillUniform(b, -0.1f, 0.1f, context);
        double[]? exact = detailed ? ConvReference.Forward(d, x, w, b) : null;

        var digests = new DigestSet();
        var lines = new List<string>();
        var byAlgorithm = new Dictionary<ConvAlgorithm, string>();
        bool repeatable = true;
        var y = new float[d.OutputLength];
        var again = new float[d.OutputLength];
        using var single = new CpuContext(new CpuContextOptions(CpuIsa.Scalar, Threads: 1));
        foreach (ConvAlgorithm a in ConvAlgorithms)
        {
            Conv2d.Forward(d, x, w, b, y, a, context: context);
            Conv2d.Forward(d, x, w, b, again, a, context: single);
            repeatable &= again.AsSpan().SequenceEqual(y);
            string digest = OutputDigest.Sha256<float>(y);
            digests.Add(a.ToString(), digest);
            byAlgorithm[a] = digest;
            string error = exact is null ? "" : $"  max error {ConvReference.MaxRelativeError(y, exact).ToString("0.0E+0", CultureInfo.InvariantCulture)} of max |y| vs float64";
            lines.Add($"{Name(a),-13} sha256 {digest[..16]}...{error}");
        }

        ConvAlgorithm auto = Conv2d.Forward(d, x, w, b, y, ConvAlgorithm.Auto, context: context);
        lines.Insert(0, $"N=2 C=K=16 20x20, 3x3, padding 1 (Auto picks {Name(auto)} for this shape, from the shape alone):");
        lines.Add("Direct and ImplicitGemm are one canonical function (same bits by definition); Winograd and FFT are their own.");
        bool distinct = byAlgorithm[ConvAlgorithm.Direct] == byAlgorithm[ConvAlgorithm.ImplicitGemm]
                        && byAlgorithm.Values.Distinct().Count() == ConvAlgorithms.Length - 1;
        return new DemoOutcome(digests.Combined, lines,
        [
            new("each algorithm gives the same bits on this backend and on scalar with 1 thread", repeatable),
            new("Direct = ImplicitGemm; Winograd F(2,3), F(4,3) and FFT each differ from them and from one another", distinct),
        ]);
    }

    private static DemoOutcome Sampling(CpuContext context, bool detailed)
    {
        const int batch = 32, vocabulary = 32_000;
        var logits = new float[batch * vocabulary];
        new PhiloxStream(Seed: 21).FillNormal(logits, 0f, 3f, context);
        SamplingParams[] settings =
        [
            new(Temperature: 0.7f, TopK: 50, TopP: 0.9),
            new(Temperature: 1.0f, TopP: 0.95),
            new(Temperature: 0.8f, MinP: 0.05),
            SamplingParams.Greedy,
            new(Temperature: 1.2f, TopK: 20, MinP: 0.1),
        ];
        var parameters = Enumerable.Range(0, batch).Select(r => settings[r % settings.Length]).ToArray();
        var generation = new GenerationStreams(seed: 2024);
        var streams = Enumerable.Range(0, batch).Select(r => generation.StreamFor(requestId: (ulong)r, step: 5)).ToArray();

        var tokens = new int[batch];
        var probabilities = new float[batch];
        Sampler.Sample(logits, batch, vocabulary, parameters, streams, tokens, probabilities, context: context);

        // The same rows alone, and in the reversed batch.
        bool alone = true;
        for (int r = 0; r < batch; r++)
        {
            SampledToken t = Sampler.SampleOne(logits.AsSpan(r * vocabulary, vocabulary), parameters[r], streams[r], context);
            alone &= t.Token == tokens[r] && BitConverter.SingleToUInt32Bits(t.Probability) == BitConverter.SingleToUInt32Bits(probabilities[r]);
        }

        var reversedLogits = new float[logits.Length];
        for (int r = 0; r < batch; r++)
        {
            logits.AsSpan(r * vocabulary, vocabulary).CopyTo(reversedLogits.AsSpan((batch - 1 - r) * vocabulary));
        }

        var reversedTokens = new int[batch];
        Sampler.Sample(reversedLogits, batch, vocabulary, Enumerable.Reverse(parameters).ToArray(), Enumerable.Reverse(streams).ToArray(), reversedTokens, context: context);
        bool reversed = Enumerable.Reverse(reversedTokens).SequenceEqual(tokens);

        var digests = new DigestSet();
        digests.Add("tokens", tokens);
        digests.Add("probabilities", probabilities);
        return new DemoOutcome(digests.Combined,
        [
            $"B=32 rows of V=32,000 logits, step 5 of requests 0..31 (temperature, top-k, top-p, min-p, greedy mixed):",
            $"tokens {string.Join(" ", tokens.Take(10).Select(t => t.ToString(CultureInfo.InvariantCulture)))} ...",
        ],
        [
            new("each row sampled alone gives the token (and probability) it got in the batch of 32", alone),
            new("the batch in reversed order gives every row the same token", reversed),
        ]);
    }

    // Two epochs of `reprokit train`'s run (the split, batches, initialization and dropout all keyed by the seed): every
    // epoch's digest, and the model's.
    private static DemoOutcome Training(CpuContext context, bool detailed)
    {
        var options = new ReproKit.Training.DigitsTrainingOptions(Epochs: 2, Seed: 5);
        ReproKit.Training.DigitsTrainingResult r = ReproKit.Training.DigitsTraining.Run(options, context);
        var digests = new DigestSet();
        digests.Add("dataset", r.DatasetDigest);
        foreach (ReproKit.Training.DigitsEpoch e in r.Epochs)
        {
            digests.Add($"epoch {e.Epoch}", e.Digest);
        }

        return new DemoOutcome(digests.Combined,
        [
            $"digits CNN (conv, BatchNorm, pool, dropout, linear), {options.Epochs} epochs of {r.Epochs[^1].Steps / options.Epochs} SGD steps on the shipped digits (seed {options.Seed}):",
            string.Create(CultureInfo.InvariantCulture, $"mean loss {r.Epochs[0].MeanLoss:F4} then {r.Epochs[^1].MeanLoss:F4}; test accuracy {r.TestAccuracy:P1}; parameters {r.Digest[..16]}..."),
            "(the full 20-epoch run: reprokit train)",
        ],
        [
            new("the loss falls from the first epoch to the last", r.Epochs[^1].MeanLoss < r.Epochs[0].MeanLoss),
            new("the shipped data set has its recorded SHA-256 (checked on load)", r.DatasetDigest.Length == 64),
        ]);
    }

    internal static string Name(ConvAlgorithm a) => a switch
    {
        ConvAlgorithm.Winograd2x3 => "Winograd F2x3",
        ConvAlgorithm.Winograd4x3 => "Winograd F4x3",
        _ => a.ToString(),
    };

    private static string F(float v) => v.ToString("R", CultureInfo.InvariantCulture);

    private static string Floats(ReadOnlySpan<float> values)
    {
        var parts = new string[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            parts[i] = values[i].ToString("F6", CultureInfo.InvariantCulture);
        }

        return string.Join(" ", parts);
    }

    private static string Join(ReadOnlySpan<ulong> values)
    {
        var parts = new string[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            parts[i] = values[i].ToString(CultureInfo.InvariantCulture);
        }

        return string.Join(" ", parts);
    }
}

/// <summary>Digests of named results, combined into one SHA-256 over "name digest" lines in the order added.</summary>
internal sealed class DigestSet
{
    private readonly List<string> _lines = [];

    internal void Add<T>(string name, ReadOnlySpan<T> data)
        where T : unmanaged => Add(name, OutputDigest.Sha256(data));

    internal void Add<T>(string name, T[] data)
        where T : unmanaged => Add(name, OutputDigest.Sha256<T>(data));

    internal void Add(string name, string digest) => _lines.Add($"{name} {digest}\n");

    internal string Combined => OutputDigest.Sha256<byte>(System.Text.Encoding.UTF8.GetBytes(string.Concat(_lines)));
}
