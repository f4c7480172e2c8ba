// ReproKit's digits CNN as a TorchSharp model, trained twice from the same initial values and the same batches:
// with ReproKit.TorchSharp's layers, loss and optimizer (its final digest must equal ReproKit.Training's own run of the
// same settings, on every ISA and thread count), and with stock TorchSharp layers (whose digest depends on the machine,
// the thread count and ATEN_CPU_CAPABILITY). Exit code 0 when the first equals ReproKit.Training's digest.
//
//   dotnet run -c Release --project samples/ReproKit.TorchSharp.Digits -- [--epochs E] [--seed S] [--threads T] [--isa I] [--bench R]
//
// --threads sets TorchSharp's and ReproKit's threads; --isa ReproKit's instruction set (scalar, avx2, avx512; default
// the best), ATEN_CPU_CAPABILITY libtorch's. --bench R then times one training step (a batch of 64) of each model,
// ReproKit layers and stock layers alternately, best of R rounds.
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using ReproKit;
using ReproKit.Data;
using ReproKit.Training;
using ReproKit.TorchSharp;
using TorchSharp;
using static TorchSharp.torch;

int epochs = 20, threads = 0, benchRounds = 0;
ulong seed = 1;
CpuIsa isa = CpuIsa.Auto;
for (int i = 0; i < args.Length; i++)
{
    string value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value.");
    switch (args[i])
    {
        case "--epochs": epochs = int.Parse(value, CultureInfo.InvariantCulture); i++; break;
        case "--seed": seed = ulong.Parse(value, CultureInfo.InvariantCulture); i++; break;
        case "--threads": threads = int.Parse(value, CultureInfo.InvariantCulture); i++; break;
        case "--isa": isa = ReproKitLibrary.ParseIsa(value); i++; break;
        case "--bench": benchRounds = int.Parse(value, CultureInfo.InvariantCulture); i++; break;
        default: Console.Error.WriteLine($"unknown option {args[i]}; options: --epochs E --seed S --threads T --isa I --bench R"); return 2;
    }
}

if (threads > 0)
{
    torch.set_num_threads(threads);
}

using var context = new CpuContext(new CpuContextOptions(isa, threads));
LabeledDataset data = Digits.Load();
DatasetSplit split = DatasetSplit.Create(data.Count, DigitsTrainingOptions.ValidationFraction, DigitsTrainingOptions.TestFraction, seed);
var loader = new DataLoader(data, split.Train, 64, seed);
Console.WriteLine(FormattableString.Invariant(
    $"digits CNN, {epochs} epochs of {loader.BatchesPerEpoch} SGD steps (lr 0.05, momentum 0.9), seed {seed}; TorchSharp threads {torch.get_num_threads()}, ReproKit {context.Isa} with {context.Threads} threads, ATEN_CPU_CAPABILITY={Environment.GetEnvironmentVariable("ATEN_CPU_CAPABILITY") ?? "(unset)"}"));

// ReproKit's own run: the reference.
var clock = Stopwatch.StartNew();
DigitsTrainingResult reference = DigitsTraining.Run(new DigitsTrainingOptions(Epochs: epochs, Seed: seed), context);
Report("ReproKit.Training (reference)", reference.Digest, reference.TestAccuracy ?? 0, clock.Elapsed, null);

// The same architecture with ReproKit.TorchSharp's layers: the layer indices (0 to 11) key initialization and dropout.
var repro = nn.Sequential(
    ("0", new ReproConv2d(1, 16, 3, ReproKeys.Init(seed, 0), padding: 1)), ("1", new ReproReLU()), ("2", new ReproMaxPool2d(2)),
    ("3", new ReproConv2d(16, 32, 3, ReproKeys.Init(seed, 3), padding: 1)), ("4", new ReproBatchNorm2d(32)), ("5", new ReproReLU()),
    ("6", new ReproMaxPool2d(2)), ("7", nn.Flatten()), ("8", new ReproDropout(0.25, seed, layer: 8)),
    ("9", new ReproLinear(128, 64, ReproKeys.Init(seed, 9))), ("10", new ReproReLU()), ("11", new ReproLinear(64, 10, ReproKeys.Init(seed, 11))));
repro.SetContext(context);

// Stock TorchSharp layers, starting from the same values.
var stock = nn.Sequential(
    ("0", nn.Conv2d(1, 16, 3, padding: 1)), ("1", nn.ReLU()), ("2", nn.MaxPool2d(2)),
    ("3", nn.Conv2d(16, 32, 3, padding: 1)), ("4", nn.BatchNorm2d(32)), ("5", nn.ReLU()), ("6", nn.MaxPool2d(2)), ("7", nn.Flatten()),
    ("8", nn.Dropout(0.25)), ("9", nn.Linear(128, 64)), ("10", nn.ReLU()), ("11", nn.Linear(64, 10)));
stock.load_state_dict(repro.state_dict());
torch.manual_seed((long)(seed & long.MaxValue));

var reproLoss = new ReproCrossEntropyLoss { Context = context };
clock.Restart();
double reproAccuracy = Train(repro, reproLoss, new ReproSGD(repro.parameters(), new SgdOptions(0.05, Momentum: 0.9), context), true);
string reproDigest = Digest(repro);
Report("TorchSharp + ReproKit layers", reproDigest, reproAccuracy, clock.Elapsed, reproDigest == reference.Digest);

clock.Restart();
double stockAccuracy = Train(stock, nn.CrossEntropyLoss(), torch.optim.SGD(stock.parameters(), 0.05, momentum: 0.9), false);
Report("TorchSharp stock layers", Digest(stock), stockAccuracy, clock.Elapsed, null);

Console.WriteLine(reproDigest == reference.Digest
    ? "The ReproKit layers' digest equals ReproKit.Training's: run this on another machine or thread count, it stays the same."
    : "MISMATCH: the ReproKit layers' digest differs from ReproKit.Training's.");
if (benchRounds > 0)
{
    Bench(benchRounds);
}

return reproDigest == reference.Digest ? 0 : 1;

// One training step (zero_grad, forward, loss, backward, SGD step) on the first batch, each model in turn: the best
// round's mean of 50 steps, after 20 steps of warm-up. The models keep training (their values no longer matter).
void Bench(int rounds)
{
    const int stepsPerRound = 50;
    var x = new float[loader.BatchSize * data.SampleLength];
    var y = new long[loader.BatchSize];
    int n = loader.CopyBatch(0, 0, x, y);
    using Tensor input = torch.tensor(x[..(n * data.SampleLength)]).reshape(n, 1, 8, 8);
    using Tensor target = torch.tensor(y[..n]);
    long step = 0;
    var reproStep = StepOf(repro, reproLoss, new ReproSGD(repro.parameters(), new SgdOptions(0.05, Momentum: 0.9), context), true);
    var stockStep = StepOf(stock, nn.CrossEntropyLoss(), torch.optim.SGD(stock.parameters(), 0.05, momentum: 0.9), false);
    double bestRepro = double.MaxValue, bestStock = double.MaxValue;
    for (int round = -1; round < rounds; round++)
    {
        bestRepro = Math.Min(bestRepro, Time(reproStep, round < 0 ? 20 : stepsPerRound, round < 0));
        bestStock = Math.Min(bestStock, Time(stockStep, round < 0 ? 20 : stepsPerRound, round < 0));
    }

    Console.WriteLine(FormattableString.Invariant(
        $"training step, batch {n} (best of {rounds} rounds of {stepsPerRound}): ReproKit layers {bestRepro:F0} us, stock TorchSharp layers {bestStock:F0} us ({bestRepro / bestStock:F2}x)"));

    double Time(Action run, int steps, bool warmUp)
    {
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < steps; i++)
        {
            run();
        }

        return warmUp ? double.MaxValue : Stopwatch.GetElapsedTime(start).TotalMicroseconds / steps;
    }

    Action StepOf(nn.Module<Tensor, Tensor> model, nn.Module<Tensor, Tensor, Tensor> loss, optim.Optimizer optimizer, bool isRepro) => () =>
    {
        using var scope = torch.NewDisposeScope();
        if (isRepro)
        {
            model.SetStep(step++);
        }

        optimizer.zero_grad();
        loss.call(model.call(input), target).backward();
        optimizer.step();
    };
}

// Trains for the epochs; returns the test accuracy.
double Train(nn.Module<Tensor, Tensor> model, nn.Module<Tensor, Tensor, Tensor> loss, optim.Optimizer optimizer, bool isRepro)
{
    int features = data.SampleLength;
    var x = new float[loader.BatchSize * features];
    var y = new long[loader.BatchSize];
    long step = 0;
    for (int epoch = 0; epoch < epochs; epoch++)
    {
        model.train();
        for (int b = 0; b < loader.BatchesPerEpoch; b++, step++)
        {
            using var scope = torch.NewDisposeScope();
            int n = loader.CopyBatch((ulong)epoch, b, x, y);
            Tensor input = torch.tensor(x[..(n * features)]).reshape(n, 1, 8, 8);
            Tensor target = torch.tensor(y[..n]);
            if (isRepro)
            {
                model.SetStep(step);
            }

            optimizer.zero_grad();
            loss.call(model.call(input), target).backward();
            optimizer.step();
        }
    }

    // Test accuracy in evaluation mode: the first largest logit.
    model.eval();
    using var _ = torch.no_grad();
    var tx = new float[split.Test.Length * features];
    var ty = new long[split.Test.Length];
    data.CopyBatch(split.Test, tx, ty);
    using Tensor logits = model.call(torch.tensor(tx).reshape(ty.Length, 1, 8, 8));
    float[] l = logits.data<float>().ToArray();
    int correct = 0;
    for (int i = 0; i < ty.Length; i++)
    {
        int best = 0;
        for (int k = 1; k < 10; k++)
        {
            best = l[i * 10 + k] > l[i * 10 + best] ? k : best;
        }

        correct += best == ty[i] ? 1 : 0;
    }

    return (double)correct / ty.Length;
}

// SHA-256 of every float32 parameter, then every float32 buffer, in module order (ReproKit's Sequential.Digest).
static string Digest(nn.Module model)
{
    var all = new List<float>();
    foreach ((_, var p) in model.named_parameters())
    {
        all.AddRange(p.data<float>().ToArray());
    }

    foreach ((_, Tensor b) in model.named_buffers())
    {
        if (b.dtype == ScalarType.Float32)
        {
            all.AddRange(b.data<float>().ToArray());
        }
    }

    return OutputDigest.Sha256<float>(CollectionsMarshal.AsSpan(all));
}

static void Report(string name, string digest, double accuracy, TimeSpan time, bool? equal) =>
    Console.WriteLine(FormattableString.Invariant(
        $"{name,-30} digest {digest}  test accuracy {accuracy * 100:F2} %  {time.TotalSeconds,6:F1} s{(equal is null ? "" : equal.Value ? "  (= ReproKit.Training)" : "  (DIFFERENT)")}"));
