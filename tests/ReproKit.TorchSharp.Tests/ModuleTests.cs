using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static ReproKit.TorchSharp.Tests.TestTensors;

namespace ReproKit.TorchSharp.Tests;

/// <summary>The Repro modules (initialization, parameter and buffer names, modes) and optimizers.</summary>
public sealed class ModuleTests
{
    [Test]
    public void ConvAndLinearInitializeAsReproKitsTrainingLayers()
    {
        // The digits CNN's layer 3 (conv 16 -> 32) and layer 9 (linear 128 -> 64), seed 5: ReproKit.Training's own init.
        using var conv = new ReproConv2d(16, 32, 3, ReproKeys.Init(5, 3), padding: 1);
        using var linear = new ReproLinear(128, 64, ReproKeys.Init(5, 9));
        var reference = new ReproKit.Training.Sequential(new ReproKit.Training.ReluLayer(), new ReproKit.Training.ReluLayer(),
            new ReproKit.Training.ReluLayer(), new ReproKit.Training.Conv2dLayer(16, 32, 3, padding: 1), new ReproKit.Training.ReluLayer(),
            new ReproKit.Training.ReluLayer(), new ReproKit.Training.ReluLayer(), new ReproKit.Training.ReluLayer(), new ReproKit.Training.ReluLayer(),
            new ReproKit.Training.LinearLayer(128, 64));
        reference.Initialize(5);
        var p = reference.Parameters.ToDictionary(x => x.Name, x => x.Parameter.Value);
        AssertBits(conv.Weight, p["3.weight"], "conv weight");
        AssertBits(conv.Bias!, p["3.bias"], "conv bias");
        AssertBits(linear.Weight, p["9.weight"], "linear weight");
        AssertBits(linear.Bias!, p["9.bias"], "linear bias");
        Assert.That(conv.named_parameters().Select(x => x.name), Is.EqualTo(new[] { "weight", "bias" }));
        Assert.That(linear.named_parameters().Select(x => x.name), Is.EqualTo(new[] { "weight", "bias" }));
        Assert.That(conv.Weight.requires_grad, Is.True);
    }

    [Test]
    public void BatchNormKeepsPyTorchsNamesAndUpdatesItsRunningStatistics()
    {
        using var bn = new ReproBatchNorm2d(3);
        Assert.That(bn.named_parameters().Select(x => x.name), Is.EqualTo(new[] { "weight", "bias" }));
        Assert.That(bn.named_buffers().Select(x => x.name), Is.EqualTo(new[] { "running_mean", "running_var", "num_batches_tracked" }));
        using Tensor x = NormalTensor(40, 2, 3, 4, 4) + 1;
        bn.train();
        using Tensor y = bn.call(x);
        var s = new BatchNorm2dShape(2, 3, 4, 4);
        var rm = new float[3];
        var rv = new float[] { 1, 1, 1 };
        var yRef = new float[s.Length];
        BatchNorm2d.ForwardTraining(s, Values(x), [1, 1, 1], [0, 0, 0], yRef, new float[3], new float[3], rm, rv);
        AssertBits(y, yRef, "training y");
        AssertBits(bn.RunningMean!, rm, "running mean");
        AssertBits(bn.RunningVar!, rv, "running var");
        Assert.That(bn.named_buffers().Single(b => b.name == "num_batches_tracked").buffer.item<long>(), Is.EqualTo(1));

        bn.eval();
        using Tensor z = bn.call(x);
        BatchNorm2d.ForwardInference(s, Values(x), [1, 1, 1], [0, 0, 0], rm, rv, yRef);
        AssertBits(z, yRef, "evaluation y");
        Assert.That(bn.named_buffers().Single(b => b.name == "num_batches_tracked").buffer.item<long>(), Is.EqualTo(1));
    }

    [Test]
    public void DropoutIsKeyedByStepAndLayerAndIsTheIdentityInEvaluation()
    {
        var seq = nn.Sequential(("0", new ReproReLU()), ("1", new ReproDropout(0.25, seed: 5, layer: 1)));
        var dropout = (ReproDropout)seq.children().Last();
        using Tensor x = NormalTensor(41, 8, 16).abs();
        seq.train();
        seq.SetStep(7);
        Assert.That(dropout.Step, Is.EqualTo(7));
        using Tensor y = seq.call(x);
        var yRef = new float[128];
        Dropout.Forward(Values(x), yRef, 0.25, new PhiloxStream(5, 7 * 64 + 1));
        AssertBits(y, yRef, "step 7");
        seq.SetStep(8);
        using Tensor y8 = seq.call(x);
        Assert.That(Values(y8), Is.Not.EqualTo(Values(y)), "another step draws another mask");
        seq.eval();
        using Tensor z = seq.call(x);
        AssertBits(z, Values(x), "evaluation");
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new ReproDropout(1.0, 1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new ReproDropout(0.5, 1, 64));
    }

    [Test]
    public void LayerNormAndGeluModulesAreReproKitsAndCloseToTorch()
    {
        const int rows = 6, features = 10;
        using Tensor x0 = NormalTensor(44, 2, 3, features);
        using Tensor x = Leaf(x0);
        using var norm = new ReproLayerNorm(features, eps: 1e-5);
        using (torch.no_grad())
        {
            norm.Weight!.copy_(NormalTensor(45, features));
            norm.Bias!.copy_(NormalTensor(46, features));
        }

        using Tensor y = norm.call(x);
        float[] yRef = new float[rows * features], mean = new float[rows], invStd = new float[rows];
        LayerNorm.Forward(rows, features, Values(x0), Values(norm.Weight!), Values(norm.Bias!), yRef, mean, invStd, 1e-5f);
        AssertBits(y, yRef, "forward");
        using Tensor dy = NormalTensor(47, 2, 3, features);
        y.backward([dy]);
        float[] dx = new float[rows * features], dGamma = new float[features], dBeta = new float[features];
        LayerNorm.Backward(rows, features, Values(x0), Values(dy), Values(norm.Weight!), mean, invStd, dx, dGamma, dBeta);
        AssertBits(x.grad!, dx, "dx");
        AssertBits(norm.Weight!.grad!, dGamma, "dgamma");
        AssertBits(norm.Bias!.grad!, dBeta, "dbeta");

        // Against TorchSharp's own layer norm in float64.
        using Tensor xd = Double(x0), wd = Double(norm.Weight!), bd = Double(norm.Bias!);
        using Tensor yd = torch.nn.functional.layer_norm(xd, [features], wd, bd, 1e-5);
        AssertClose(y, yd, 1e-5, "forward vs float64");
        yd.backward([dy.to(ScalarType.Float64)]);
        AssertClose(x.grad!, xd.grad!, 1e-5, "dx vs float64");
        AssertClose(norm.Weight!.grad!, wd.grad!, 1e-5, "dgamma vs float64");

        Assert.Throws<ArgumentException>(() => norm.call(torch.zeros([2, features + 1])));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ReproLayerNorm(4, eps: double.NaN));
        using var plain = new ReproLayerNorm(features, elementwiseAffine: false);
        Assert.That(plain.Weight, Is.Null);
        Assert.That(plain.parameters().Count(), Is.Zero);

        foreach (bool tanh in new[] { false, true })
        {
            using var gelu = new ReproGELU(tanh);
            var g = new float[rows * features];
            Activations.Forward(tanh ? Activation.GeluTanh : Activation.Gelu, Values(x0), g);
            AssertBits(gelu.call(x0), g, tanh ? "gelu tanh" : "gelu");
        }
    }

    [Test]
    public void CrossEntropyLossModuleAndPoolingModules()
    {
        using var loss = new ReproCrossEntropyLoss();
        using Tensor logits = NormalTensor(42, 4, 3);
        using Tensor target = torch.tensor(new long[] { 0, 2, 1, 1 });
        var expected = new float[1];
        Loss.CrossEntropy(Values(logits), [0, 2, 1, 1], 3, expected);
        AssertBits(loss.call(logits, target), expected, "loss");

        using Tensor x = NormalTensor(43, 1, 2, 6, 6);
        var d = Pool2dDescriptor.Max(1, 2, 6, 6, 2);
        var yRef = new float[d.OutputLength];
        Pooling.Forward(d, Values(x), yRef);
        AssertBits(new ReproMaxPool2d(2).call(x), yRef, "max pool");
        d = Pool2dDescriptor.Average(1, 2, 6, 6, 3);
        yRef = new float[d.OutputLength];
        Pooling.Forward(d, Values(x), yRef);
        AssertBits(new ReproAvgPool2d(3).call(x), yRef, "average pool");
    }

    [Test]
    public void SgdStepsAreReproKitsAndMatchTorchSgd()
    {
        using var w = new Parameter(NormalTensor(44, 3, 4));
        using var b = new Parameter(NormalTensor(45, 3));
        var options = new SgdOptions(0.05, Momentum: 0.9, WeightDecay: 1e-3);
        using var opt = new ReproSGD([w, b], options);
        using var w2 = new Parameter(NormalTensor(44, 3, 4));
        using var b2 = new Parameter(NormalTensor(45, 3));
        using var stock = torch.optim.SGD([w2, b2], 0.05, momentum: 0.9, weight_decay: 1e-3);
        float[] wRef = Values(w), bRef = Values(b);
        var wBuf = new float[12];
        var bBuf = new float[3];
        for (int step = 0; step < 4; step++)
        {
            using Tensor x = NormalTensor(46 + (ulong)step, 5, 4);
            opt.zero_grad();
            ReproFunctional.Linear(x, w, b).square().sum().backward();
            float[] gw = Values(w.grad!), gb = Values(b.grad!);
            opt.step();
            Optimizers.SgdStep(options, wRef, gw, wBuf, firstStep: step == 0);
            Optimizers.SgdStep(options, bRef, gb, bBuf, firstStep: step == 0);
            AssertBits(w, wRef, $"w after step {step + 1}");
            AssertBits(b, bRef, $"b after step {step + 1}");

            stock.zero_grad();
            torch.nn.functional.linear(x, w2, b2).square().sum().backward();
            stock.step();
            AssertClose(w, w2.to(ScalarType.Float64), 1e-4, $"w vs torch SGD after step {step + 1}");
        }

        Assert.That(opt.Steps, Is.EqualTo(4));
        Assert.That(opt.parameters().Count(), Is.EqualTo(2));
        opt.zero_grad();
        Assert.That(w.grad, Is.Null, "zero_grad sets gradients to none");
    }

    [Test]
    public void AdamWStepsAreReproKitsAndMatchTorchAdamW()
    {
        using var w = new Parameter(NormalTensor(50, 6));
        var options = AdamOptions.AdamW(0.01, 0.05);
        using var opt = new ReproAdamW([w], options);
        using var w2 = new Parameter(NormalTensor(50, 6));
        using var stock = torch.optim.AdamW([w2], 0.01, weight_decay: 0.05);
        float[] wRef = Values(w);
        var m = new float[6];
        var v = new float[6];
        for (int step = 1; step <= 5; step++)
        {
            opt.zero_grad();
            (w * w * step).sum().backward();
            float[] g = Values(w.grad!);
            opt.step();
            Optimizers.AdamStep(options, step, wRef, g, m, v);
            AssertBits(w, wRef, $"step {step}");
            stock.zero_grad();
            (w2 * w2 * step).sum().backward();
            stock.step();
            AssertClose(w, w2.to(ScalarType.Float64), 1e-5, $"vs torch AdamW, step {step}");
        }
    }

    [Test]
    public void OptimizersSkipParametersWithoutGradientsAndRejectBadOnes()
    {
        using var used = new Parameter(torch.ones(2));
        using var unused = new Parameter(torch.ones(2));
        using var opt = new ReproSGD([used, unused], new SgdOptions(0.5));
        (used * 3).sum().backward();
        opt.step();
        AssertBits(used, [-0.5f, -0.5f], "updated");
        AssertBits(unused, [1f, 1f], "no gradient: not updated");

        using var doubles = new Parameter(torch.ones(2, ScalarType.Float64));
        var e = Assert.Throws<ArgumentException>(() => _ = new ReproAdamW([doubles]))!;
        Assert.That(e.Message, Does.Contain("Float64"));
        Assert.That(e.ParamName, Is.EqualTo("parameters[0]"));
    }
}
