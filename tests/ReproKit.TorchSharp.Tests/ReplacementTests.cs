using ReproKit.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using StockConv2d = TorchSharp.Modules.Conv2d;
using Sequential = TorchSharp.Modules.Sequential;
using static ReproKit.TorchSharp.Tests.TestTensors;

namespace ReproKit.TorchSharp.Tests;

/// <summary>Reproducible.ReplaceLayers: a stock TorchSharp model's layers replaced by Repro modules, in place.</summary>
public sealed class ReplacementTests
{
    [Test]
    public void ReplacedStockModelComputesTheReproModelsBits()
    {
        const ulong seed = 7;
        using var repro = DigitsModels.Repro(seed);
        using Tensor x = NormalTensor(70, 16, 1, 8, 8);
        repro.train();
        repro.SetStep(0);
        using (torch.no_grad())
        {
            repro.call(x).Dispose(); // BatchNorm's running statistics move away from their initial values
        }

        using var stock = DigitsModels.Stock();
        stock.load_state_dict(repro.state_dict());
        stock.eval();
        ReplacementReport report = Reproducible.ReplaceLayers(stock, seed);

        TestContext.Out.WriteLine(report);
        Assert.That(report.IsComplete, Is.True);
        Assert.That(report.Layers.Select(l => (l.Path, l.Index)), Is.EqualTo(Enumerable.Range(0, 12).Select(i => (i.ToString(), i))));
        Assert.That(report.Replaced.Count(), Is.EqualTo(11));
        Assert.That(report.Layers[7], Is.EqualTo(new LayerReplacement("7", 7, "Flatten", LayerOutcome.Kept, "a view, exact everywhere")));
        Assert.That(report.Layers[8].Detail, Is.EqualTo("ReproDropout, masks keyed by (seed, step, 8)"));
        Assert.That(stock.children().Select(m => m.GetType()), Is.EqualTo(repro.children().Select(m => m.GetType())));
        Assert.That(stock.children().All(m => !m.training), Is.True, "the training mode is kept");

        // Same names and bits, parameters and buffers (BatchNorm's num_batches_tracked included).
        var a = repro.state_dict();
        var b = stock.state_dict();
        Assert.That(b.Keys, Is.EqualTo(a.Keys));
        foreach (string name in a.Keys)
        {
            Assert.That(b[name].dtype, Is.EqualTo(a[name].dtype), name);
            Assert.That(b[name].bytes.ToArray(), Is.EqualTo(a[name].bytes.ToArray()), name);
        }

        // Training forward (dropout of step 3) and backward: the same bits.
        foreach (var m in new[] { repro, stock })
        {
            m.train();
            m.SetStep(3);
        }

        using var loss = new ReproCrossEntropyLoss();
        using Tensor target = torch.tensor(Enumerable.Range(0, 16).Select(i => (long)(i % 10)).ToArray());
        using Tensor yRepro = repro.call(x), yStock = stock.call(x);
        AssertBits(yStock, Values(yRepro), "training forward");
        loss.call(yRepro, target).backward();
        loss.call(yStock, target).backward();
        foreach (((string name, var p), (_, var q)) in repro.named_parameters().Zip(stock.named_parameters()))
        {
            AssertBits(q.grad!, Values(p.grad!), name + ".grad");
        }

        repro.eval();
        stock.eval();
        using Tensor zRepro = repro.call(x), zStock = stock.call(x);
        AssertBits(zStock, Values(zRepro), "evaluation forward");
    }

    [Test]
    public void ReinitializedStockModelTrainsWithReproSgdToReproKitTrainingsDigest()
    {
        const ulong seed = 5;
        using var context = new CpuContext(new CpuContextOptions(Threads: 1));
        string expected = DigitsTraining.Run(new DigitsTrainingOptions(Epochs: 1, Seed: seed), context).Digest;
        using var model = DigitsModels.Stock();
        ReplacementReport report = Reproducible.ReplaceLayers(model, seed, reinitialize: true, context: context);
        Assert.That(report.IsComplete, Is.True);
        Assert.That(report.Layers[0].Detail, Is.EqualTo("ReproConv2d, ReproKit's initialization"));
        Assert.That(DigitsModels.Train(model, seed, 1, context), Is.EqualTo(expected));
    }

    [Test]
    public void CustomModulesContainersAndWhatCannotBeReplaced()
    {
        using var m = new Custom();
        using Tensor x = NormalTensor(71, 2, 3, 6, 6);
        ReplacementReport report = Reproducible.ReplaceLayers(m, seed: 3);
        TestContext.Out.WriteLine(report);
        Dictionary<string, LayerReplacement> byPath = report.Layers.ToDictionary(l => l.Path);
        Assert.That(byPath.Keys, Is.EquivalentTo(new[]
        {
            "conv", "typed", "wide", "reflect", "same", "dbl", "list.0", "list.1", "dict.drop", "dict.norm", "dict.tanh", "dict.gelu", "seq.0", "seq.1", "seq.2",
        }));

        Assert.That(byPath["conv"].Outcome, Is.EqualTo(LayerOutcome.Replaced));
        Assert.That(m.Conv, Is.InstanceOf<ReproConv2d>(), "the field holds the Repro module");
        Assert.That(byPath["typed"].Outcome, Is.EqualTo(LayerOutcome.NotReplaced));
        Assert.That(byPath["typed"].Detail, Does.Contain("field 'typed' is declared Conv2d"));
        Assert.That(m.Typed, Is.InstanceOf<StockConv2d>());
        Assert.That(byPath["wide"].Outcome, Is.EqualTo(LayerOutcome.Replaced), "a non-square kernel");
        Assert.That(byPath["reflect"].Detail, Does.Contain("padding_mode Reflect"));
        Assert.That(byPath["same"].Outcome, Is.EqualTo(LayerOutcome.Replaced), "padding 'same' with an odd kernel");
        Assert.That(byPath["dbl"].Detail, Does.Contain("Float64"));
        Assert.That(m.List[0], Is.InstanceOf<ReproLinear>());
        Assert.That(m.List[1], Is.InstanceOf<ReproReLU>());
        Assert.That(m.Dict["drop"], Is.InstanceOf<ReproDropout>());
        Assert.That(m.Dict["norm"], Is.InstanceOf<ReproLayerNorm>());
        Assert.That(byPath["dict.norm"].Detail, Is.EqualTo("ReproLayerNorm, values copied"));
        Assert.That(((ReproGELU)m.Dict["gelu"]).TanhApproximation, Is.True);
        Assert.That(byPath["dict.tanh"].Detail, Does.Contain("no ReproKit equivalent"));
        Assert.That(m.Seq[0], Is.InstanceOf<ReproReLU>());
        Assert.That(m.Seq[1], Is.SameAs(m.Seq[2]), "a shared layer stays shared");
        Assert.That(byPath["seq.2"].Detail, Does.Contain("shared"));
        Assert.That(report.IsComplete, Is.False);
        Assert.That(report.NotReplaced.Select(l => l.Path), Is.EquivalentTo(new[] { "typed", "reflect", "dbl", "dict.tanh" }));
        Assert.Throws<InvalidOperationException>(() => report.ThrowIfIncomplete());

        // The module's own children and forward see the replacements.
        Assert.That(m.named_modules().Single(n => n.name == "conv").module, Is.InstanceOf<ReproConv2d>());
        Assert.That(m.named_modules().Single(n => n.name == "list.0").module, Is.InstanceOf<ReproLinear>());
        Assert.That(m.named_parameters().Select(p => p.name), Does.Contain("conv.weight").And.Contain("same.bias"));
        using Tensor y = m.call(x);
        Assert.That(y.shape, Is.EqualTo(new long[] { 2, 4, 6, 6 }));
    }

    [Test]
    public void SameConvolutionKeepsItsPaddingAndValues()
    {
        using var seq = nn.Sequential(("c", nn.Conv2d(3, 4, 5, Padding.Same, dilation: 2)));
        using Tensor x = NormalTensor(72, 2, 3, 9, 9);
        using Tensor expected = seq.call(x);
        var conv = (StockConv2d)seq.children().Single();
        using Tensor w = conv.weight.detach().clone(), b = conv.bias!.detach().clone();
        Assert.That(Reproducible.ReplaceLayers(seq, 1).IsComplete, Is.True);
        var repro = (ReproConv2d)seq.children().Single();
        AssertBits(repro.Weight, Values(w), "weight copied");
        AssertBits(repro.Bias!, Values(b), "bias copied");
        using Tensor y = seq.call(x);
        Assert.That(y.shape, Is.EqualTo(expected.shape));
        AssertClose(y, expected.to(ScalarType.Float64), 1e-5, "same as the stock convolution");
    }

    [Test]
    public void NonSquareConvolutionIsReplacedPerAxis()
    {
        using var seq = nn.Sequential(("c", nn.Conv2d(3, 4, (3, 5), stride: (1, 2), padding: (1, 2), dilation: (2, 1))));
        using Tensor x = NormalTensor(73, 2, 3, 9, 11);
        using Tensor expected = seq.call(x);
        Assert.That(Reproducible.ReplaceLayers(seq, 1).IsComplete, Is.True);
        var repro = (ReproConv2d)seq.children().Single();
        Assert.That(repro.Kernel, Is.EqualTo((3, 5)));
        Assert.That(repro.Weight.shape, Is.EqualTo(new long[] { 4, 3, 3, 5 }));
        using Tensor y = seq.call(x);
        Assert.That(y.shape, Is.EqualTo(expected.shape));
        AssertClose(y, expected.to(ScalarType.Float64), 1e-5, "same as the stock convolution");

        // Built directly: the same weight shape, and its forward is ReproFunctional's per-axis convolution.
        using var direct = new ReproConv2d(3, 4, (3, 5), new PhiloxStream(1), stride: (1, 2), padding: (1, 2), dilation: (2, 1));
        using Tensor z = direct.call(x);
        using Tensor zf = ReproFunctional.Conv2d(x, direct.Weight, direct.Bias, (1, 2), (1, 2), (2, 1));
        AssertBits(z, Values(zf), "module = functional");
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReproConv2d(3, 4, (0, 3), new PhiloxStream(1), (1, 1), (0, 0), (1, 1)));
    }

    [Test]
    public void AModelThatIsOneLayerIsReportedNotReplaced()
    {
        using var linear = nn.Linear(3, 2);
        ReplacementReport report = Reproducible.ReplaceLayers(linear, 1);
        Assert.That(report.Layers, Has.Count.EqualTo(1));
        Assert.That(report.Layers[0].Outcome, Is.EqualTo(LayerOutcome.NotReplaced));
        Assert.That(report.Layers[0].Detail, Does.Contain("wrap it in nn.Sequential"));
        Assert.Throws<ArgumentNullException>(() => Reproducible.ReplaceLayers(null!, 1));
    }

    private sealed class Custom : nn.Module<Tensor, Tensor>
    {
#pragma warning disable IDE0044, CS0414
        private nn.Module<Tensor, Tensor> conv = nn.Conv2d(3, 4, 3, padding: 1);
        private StockConv2d typed = nn.Conv2d(3, 4, 3, padding: 1);
        private nn.Module<Tensor, Tensor> wide = nn.Conv2d(3, 4, (3, 5));
        private nn.Module<Tensor, Tensor> reflect = nn.Conv2d(3, 4, 3, padding: 1, padding_mode: PaddingModes.Reflect);
        private readonly nn.Module<Tensor, Tensor> same = nn.Conv2d(4, 4, 3, Padding.Same);
        private nn.Module<Tensor, Tensor> dbl = nn.Linear(2, 2, dtype: ScalarType.Float64);
        private ModuleList<nn.Module<Tensor, Tensor>> list = nn.ModuleList<nn.Module<Tensor, Tensor>>(nn.Linear(6, 6), nn.ReLU());
        private ModuleDict<nn.Module<Tensor, Tensor>> dict = nn.ModuleDict<nn.Module<Tensor, Tensor>>(("drop", nn.Dropout(0.1)), ("norm", nn.LayerNorm(6)), ("tanh", nn.Tanh()),
            ("gelu", nn.GELU(global::TorchSharp.Modules.GELU.Approximate.tanh)));
        private Sequential seq;
#pragma warning restore IDE0044, CS0414

        public Custom()
            : base(nameof(Custom))
        {
            var shared = nn.ReLU();
            seq = nn.Sequential(("0", nn.ReLU()), ("1", shared), ("2", shared));
            RegisterComponents();
        }

        public nn.Module<Tensor, Tensor> Conv => conv;

        public StockConv2d Typed => typed;

        public ModuleList<nn.Module<Tensor, Tensor>> List => list;

        public ModuleDict<nn.Module<Tensor, Tensor>> Dict => dict;

        public Sequential Seq => seq;

        public override Tensor forward(Tensor input)
        {
            Tensor y = same.call(seq.call(conv.call(input)));
            foreach (nn.Module<Tensor, Tensor> layer in list)
            {
                y = layer.call(y);
            }

            return y;
        }
    }
}
