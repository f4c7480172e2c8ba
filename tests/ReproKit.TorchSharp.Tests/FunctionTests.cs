using TorchSharp;
using static TorchSharp.torch;
using static ReproKit.TorchSharp.Tests.TestTensors;
using F = TorchSharp.torch.nn.functional;

namespace ReproKit.TorchSharp.Tests;

/// <summary>
/// Each operation through autograd: forward and gradients bitwise equal to ReproKit's own operation on the same data,
/// and close to TorchSharp's own operation in float64.
/// </summary>
public sealed class FunctionTests
{
    [TestCase(1, 1, 1, 1)]
    [TestCase(2, 0, 1, 1)]
    [TestCase(1, 2, 2, 1)]
    [TestCase(2, 1, 1, 2)]
    public void Conv2dMatchesReproKitBitwiseAndTorchInFloat64(int stride, int padding, int dilation, int groups)
    {
        const int n = 2, c = 4, h = 9, w = 8, k = 6, r = 3;
        using Tensor x = Leaf(NormalTensor(1, n, c, h, w));
        using Tensor wt = Leaf(NormalTensor(2, k, c / groups, r, r));
        using Tensor b = Leaf(NormalTensor(3, k));
        using Tensor y = ReproFunctional.Conv2d(x, wt, b, stride, padding, dilation, groups);
        using Tensor g = NormalTensor(4, y.shape);
        y.backward([g]);

        var d = Conv2dDescriptor.Square(n, c, h, w, k, r, stride, padding, dilation, groups);
        float[] xs = Values(x), ws = Values(wt), bs = Values(b), gs = Values(g);
        var yRef = new float[d.OutputLength];
        Conv2d.Forward(d, xs, ws, bs, yRef);
        var dx = new float[xs.Length];
        var dw = new float[ws.Length];
        var db = new float[k];
        Conv2d.BackwardData(d, gs, ws, dx);
        Conv2d.BackwardWeights(d, xs, gs, dw, db);
        AssertBits(y, yRef, "y");
        AssertBits(x.grad!, dx, "dx");
        AssertBits(wt.grad!, dw, "dw");
        AssertBits(b.grad!, db, "db");

        using Tensor x64 = Double(x), w64 = Double(wt), b64 = Double(b);
        using Tensor y64 = F.conv2d(x64, w64, b64, [stride, stride], [padding, padding], [dilation, dilation], groups);
        y64.backward([g.to(ScalarType.Float64)]);
        AssertClose(y, y64, 1e-5, "y vs float64");
        AssertClose(x.grad!, x64.grad!, 1e-5, "dx vs float64");
        AssertClose(wt.grad!, w64.grad!, 1e-5, "dw vs float64");
        AssertClose(b.grad!, b64.grad!, 1e-5, "db vs float64");
    }

    [Test]
    public void Conv2dWithoutBiasAndAnInputThatNeedsNoGradient()
    {
        using Tensor x = NormalTensor(5, 1, 2, 6, 6);
        using Tensor wt = Leaf(NormalTensor(6, 3, 2, 3, 3));
        using Tensor y = ReproFunctional.Conv2d(x, wt, padding: 1);
        y.sum().backward();
        Assert.That(x.grad, Is.Null);
        var d = Conv2dDescriptor.Square(1, 2, 6, 6, 3, 3, padding: 1);
        var dw = new float[wt.numel()];
        var ones = Enumerable.Repeat(1f, (int)y.numel()).ToArray();
        Conv2d.BackwardWeights(d, Values(x), ones, dw, default);
        AssertBits(wt.grad!, dw, "dw");
    }

    [Test]
    public void LinearMatchesReproKitBitwiseOverLeadingDimensions()
    {
        using Tensor x = Leaf(NormalTensor(7, 2, 3, 5));
        using Tensor wt = Leaf(NormalTensor(8, 4, 5));
        using Tensor b = Leaf(NormalTensor(9, 4));
        using Tensor y = ReproFunctional.Linear(x, wt, b);
        Assert.That(y.shape, Is.EqualTo(new long[] { 2, 3, 4 }));
        using Tensor g = NormalTensor(10, y.shape);
        y.backward([g]);

        var s = new LinearShape(6, 5, 4);
        float[] xs = Values(x), ws = Values(wt), gs = Values(g);
        var yRef = new float[24];
        Linear.Forward(s, xs, ws, Values(b), yRef);
        var dx = new float[xs.Length];
        var dw = new float[ws.Length];
        var db = new float[4];
        Linear.BackwardData(s, gs, ws, dx);
        Linear.BackwardWeights(s, xs, gs, dw, db);
        AssertBits(y, yRef, "y");
        AssertBits(x.grad!, dx, "dx");
        AssertBits(wt.grad!, dw, "dw");
        AssertBits(b.grad!, db, "db");

        using Tensor x64 = Double(x), w64 = Double(wt), b64 = Double(b);
        using Tensor y64 = F.linear(x64, w64, b64);
        y64.backward([g.to(ScalarType.Float64)]);
        AssertClose(y, y64, 1e-5, "y vs float64");
        AssertClose(x.grad!, x64.grad!, 1e-5, "dx vs float64");
        AssertClose(wt.grad!, w64.grad!, 1e-5, "dw vs float64");
        AssertClose(b.grad!, b64.grad!, 1e-5, "db vs float64");
    }

    [TestCase(2, null, 0, 1, false)]
    [TestCase(3, 2, 1, 1, false)]
    [TestCase(3, 2, 1, 1, true)]
    [TestCase(2, 1, 0, 2, false)]
    public void MaxPool2dMatchesReproKitBitwiseAndTorch(int kernel, int? stride, int padding, int dilation, bool ceil)
    {
        using Tensor x = Leaf(NormalTensor(11, 2, 3, 9, 8));
        using Tensor y = ReproFunctional.MaxPool2d(x, kernel, stride, padding, dilation, ceil);
        using Tensor g = NormalTensor(12, y.shape);
        y.backward([g]);

        var d = Pool2dDescriptor.Max(2, 3, 9, 8, kernel, stride, padding, dilation, ceil);
        var yRef = new float[d.OutputLength];
        var indices = new long[d.OutputLength];
        Pooling.Forward(d, Values(x), yRef, indices);
        var dx = new float[x.numel()];
        Pooling.Backward(d, Values(g), indices, dx);
        AssertBits(y, yRef, "y");
        AssertBits(x.grad!, dx, "dx");

        using Tensor x64 = Double(x);
        long s = stride ?? kernel;
        using Tensor y64 = F.max_pool2d(x64, [kernel, kernel], [s, s], [padding, padding], [dilation, dilation], ceil);
        y64.backward([g.to(ScalarType.Float64)]);
        AssertClose(y, y64, 0, "y vs float64");
        AssertClose(x.grad!, x64.grad!, 1e-6, "dx vs float64");
    }

    [Test]
    public void AvgPool2dMatchesReproKitBitwiseAndTorch()
    {
        using Tensor x = Leaf(NormalTensor(13, 2, 3, 7, 7));
        using Tensor y = ReproFunctional.AvgPool2d(x, 3, 2, 1, ceilMode: true, countIncludePad: false);
        using Tensor g = NormalTensor(14, y.shape);
        y.backward([g]);
        var d = Pool2dDescriptor.Average(2, 3, 7, 7, 3, 2, 1, ceilMode: true, countIncludePad: false);
        var yRef = new float[d.OutputLength];
        Pooling.Forward(d, Values(x), yRef);
        var dx = new float[x.numel()];
        Pooling.Backward(d, Values(g), default, dx);
        AssertBits(y, yRef, "y");
        AssertBits(x.grad!, dx, "dx");

        using Tensor x64 = Double(x);
        using Tensor y64 = F.avg_pool2d(x64, [3, 3], [2, 2], [1, 1], ceil_mode: true, count_include_pad: false);
        y64.backward([g.to(ScalarType.Float64)]);
        AssertClose(y, y64, 1e-6, "y vs float64");
        AssertClose(x.grad!, x64.grad!, 1e-6, "dx vs float64");
    }

    [Test]
    public void BatchNorm2dTrainingMatchesReproKitBitwiseAndTorch()
    {
        const int n = 3, c = 4, h = 5, w = 6;
        using Tensor x = Leaf(NormalTensor(15, n, c, h, w) * 2 + 0.5);
        using Tensor gamma = Leaf(NormalTensor(16, c));
        using Tensor beta = Leaf(NormalTensor(17, c));
        using Tensor runningMean = NormalTensor(18, c);
        using Tensor runningVar = torch.ones(c) * 1.5;
        float[] rm = Values(runningMean), rv = Values(runningVar);
        using Tensor y = ReproFunctional.BatchNorm2d(x, runningMean, runningVar, gamma, beta, training: true, momentum: 0.2, eps: 1e-3);
        using Tensor g = NormalTensor(19, y.shape);
        y.backward([g]);

        var s = new BatchNorm2dShape(n, c, h, w);
        var yRef = new float[s.Length];
        var mean = new float[c];
        var invStd = new float[c];
        BatchNorm2d.ForwardTraining(s, Values(x), Values(gamma), Values(beta), yRef, mean, invStd, rm, rv, 1e-3f, 0.2f);
        var dx = new float[s.Length];
        var dg = new float[c];
        var dbeta = new float[c];
        BatchNorm2d.BackwardTraining(s, Values(x), Values(g), Values(gamma), mean, invStd, dx, dg, dbeta);
        AssertBits(y, yRef, "y");
        AssertBits(runningMean, rm, "running mean");
        AssertBits(runningVar, rv, "running var");
        AssertBits(x.grad!, dx, "dx");
        AssertBits(gamma.grad!, dg, "dgamma");
        AssertBits(beta.grad!, dbeta, "dbeta");

        using Tensor x64 = Double(x), g64 = Double(gamma), b64 = Double(beta);
        using Tensor rm64 = NormalTensor(18, c).to(ScalarType.Float64), rv64 = (torch.ones(c) * 1.5).to(ScalarType.Float64);
        using Tensor y64 = F.batch_norm(x64, rm64, rv64, g64, b64, training: true, momentum: 0.2, eps: 1e-3);
        y64.backward([g.to(ScalarType.Float64)]);
        AssertClose(y, y64, 1e-5, "y vs float64");
        AssertClose(runningMean, rm64, 1e-6, "running mean vs float64");
        AssertClose(runningVar, rv64, 1e-6, "running var vs float64");
        AssertClose(x.grad!, x64.grad!, 1e-5, "dx vs float64");
        AssertClose(gamma.grad!, g64.grad!, 1e-5, "dgamma vs float64");
        AssertClose(beta.grad!, b64.grad!, 1e-5, "dbeta vs float64");
    }

    [Test]
    public void BatchNorm2dEvaluationUsesTheRunningStatistics()
    {
        const int c = 3;
        using Tensor x = Leaf(NormalTensor(20, 2, c, 4, 4));
        using Tensor gamma = Leaf(NormalTensor(21, c));
        using Tensor beta = Leaf(NormalTensor(22, c));
        using Tensor runningMean = NormalTensor(23, c);
        using Tensor runningVar = torch.ones(c) * 0.7;
        using Tensor y = ReproFunctional.BatchNorm2d(x, runningMean, runningVar, gamma, beta, training: false);
        using Tensor g = NormalTensor(24, y.shape);
        y.backward([g]);
        var s = new BatchNorm2dShape(2, c, 4, 4);
        var yRef = new float[s.Length];
        BatchNorm2d.ForwardInference(s, Values(x), Values(gamma), Values(beta), Values(runningMean), Values(runningVar), yRef);
        var dx = new float[s.Length];
        BatchNorm2d.BackwardInference(s, Values(g), Values(gamma), Values(runningVar), dx);
        AssertBits(y, yRef, "y");
        AssertBits(x.grad!, dx, "dx");
        Assert.That(gamma.grad, Is.Null, "no gradient for gamma in evaluation");

        using Tensor y64 = F.batch_norm(Double(x), runningMean.to(ScalarType.Float64), runningVar.to(ScalarType.Float64), Double(gamma), Double(beta));
        AssertClose(y, y64, 1e-5, "y vs float64");
    }

    [Test]
    public void DropoutMatchesReproKitsMaskAndRegeneratesItBackward()
    {
        var stream = new PhiloxStream(3, 17);
        using Tensor x = Leaf(NormalTensor(25, 4, 50));
        using Tensor y = ReproFunctional.Dropout(x, 0.3, stream, elementOffset: 5);
        using Tensor g = NormalTensor(26, y.shape);
        y.backward([g]);
        var yRef = new float[200];
        Dropout.Forward(Values(x), yRef, 0.3, stream, 5);
        var dx = new float[200];
        Dropout.Backward(Values(g), dx, 0.3, stream, 5);
        AssertBits(y, yRef, "y");
        AssertBits(x.grad!, dx, "dx");

        using Tensor evaluation = ReproFunctional.Dropout(x, 0.3, stream, training: false);
        AssertBits(evaluation, Values(x), "evaluation is the identity");
    }

    [Test]
    public void ActivationsMatchReproKit()
    {
        foreach ((string name, Func<Tensor, Tensor> op, Activation kind, float slope, Func<Tensor, Tensor> reference) in new (string, Func<Tensor, Tensor>, Activation, float, Func<Tensor, Tensor>)[]
        {
            ("relu", t => ReproFunctional.Relu(t), Activation.Relu, 0.01f, t => F.relu(t)),
            ("leaky relu", t => ReproFunctional.LeakyRelu(t, 0.2f), Activation.LeakyRelu, 0.2f, t => F.leaky_relu(t, 0.2)),
            ("gelu", t => ReproFunctional.Gelu(t), Activation.Gelu, 0.01f, t => F.gelu(t)),
        })
        {
            using Tensor x = Leaf(NormalTensor(27, 3, 40));
            using Tensor y = op(x);
            using Tensor g = NormalTensor(28, y.shape);
            y.backward([g]);
            var yRef = new float[120];
            var dx = new float[120];
            Activations.Forward(kind, Values(x), yRef, slope);
            Activations.Backward(kind, Values(x), Values(g), dx, slope);
            AssertBits(y, yRef, name + " y");
            AssertBits(x.grad!, dx, name + " dx");
            using Tensor x64 = Double(x);
            using Tensor y64 = reference(x64);
            y64.backward([g.to(ScalarType.Float64)]);
            AssertClose(y, y64, 1e-6, name + " y vs float64");
            AssertClose(x.grad!, x64.grad!, 1e-6, name + " dx vs float64");
        }
    }

    [TestCase(LossReduction.Mean, -100, 0.0)]
    [TestCase(LossReduction.Sum, 2, 0.0)]
    [TestCase(LossReduction.None, -100, 0.1)]
    [TestCase(LossReduction.Mean, 1, 0.2)]
    public void CrossEntropyMatchesReproKitBitwiseAndTorch(LossReduction reduction, long ignoreIndex, double smoothing)
    {
        const int n = 6, classes = 5;
        using Tensor logits = Leaf(NormalTensor(29, n, classes) * 2);
        long[] targetValues = [0, 1, 2, 3, 4, 1];
        using Tensor target = torch.tensor(targetValues);
        using Tensor loss = ReproFunctional.CrossEntropy(logits, target, reduction, ignoreIndex, smoothing);
        using Tensor g = reduction == LossReduction.None ? NormalTensor(30, n) : torch.tensor(0.75f);
        loss.backward([g]);

        var lossRef = new float[Loss.OutputLength(n, reduction)];
        Loss.CrossEntropy(Values(logits), targetValues, classes, lossRef, reduction, ignoreIndex, (float)smoothing);
        var dx = new float[n * classes];
        Loss.CrossEntropyBackward(Values(logits), targetValues, classes, Values(g), dx, reduction, ignoreIndex, (float)smoothing);
        AssertBits(loss, lossRef, "loss");
        AssertBits(logits.grad!, dx, "dlogits");
        Assert.That(loss.shape, Is.EqualTo(reduction == LossReduction.None ? new long[] { n } : Array.Empty<long>()));

        using Tensor x64 = Double(logits);
        var torchReduction = reduction switch
        {
            LossReduction.Mean => nn.Reduction.Mean,
            LossReduction.Sum => nn.Reduction.Sum,
            _ => nn.Reduction.None,
        };
        using Tensor loss64 = F.cross_entropy(x64, target, ignore_index: ignoreIndex, reduction: torchReduction, label_smoothing: smoothing);
        loss64.backward([g.to(ScalarType.Float64)]);
        AssertClose(loss, loss64, 1e-6, "loss vs float64");
        AssertClose(logits.grad!, x64.grad!, 1e-6, "dlogits vs float64");
    }

    [Test]
    public void AutogradRunsThroughMixedGraphs()
    {
        // stock linear → Repro ReLU → Repro linear → stock tanh → sum, against the same graph of stock ops in float64.
        using Tensor x = NormalTensor(31, 5, 6);
        using Tensor w1 = Leaf(NormalTensor(32, 7, 6)), w2 = Leaf(NormalTensor(33, 3, 7)), b2 = Leaf(NormalTensor(34, 3));
        using Tensor h = F.linear(x, w1);
        using Tensor y = ReproFunctional.Linear(ReproFunctional.Relu(h), w2, b2).tanh().sum();
        y.backward();

        using Tensor w1d = Double(w1), w2d = Double(w2), b2d = Double(b2);
        using Tensor y64 = F.linear(F.relu(F.linear(x.to(ScalarType.Float64), w1d)), w2d, b2d).tanh().sum();
        y64.backward();
        AssertClose(y, y64, 1e-5, "y");
        AssertClose(w1.grad!, w1d.grad!, 1e-5, "dw1 (a stock layer below Repro layers)");
        AssertClose(w2.grad!, w2d.grad!, 1e-5, "dw2");
        AssertClose(b2.grad!, b2d.grad!, 1e-5, "db2");
    }

    [Test]
    public void NonContiguousGradientsFromAutogradAreAccepted()
    {
        // The gradient of a sum reaches the linear's backward as an expanded (stride 0) tensor.
        using Tensor x = Leaf(NormalTensor(35, 4, 3));
        using Tensor w = Leaf(NormalTensor(36, 2, 3));
        ReproFunctional.Linear(x, w).sum().backward();
        var dx = new float[12];
        Linear.BackwardData(new LinearShape(4, 3, 2), Enumerable.Repeat(1f, 8).ToArray(), Values(w), dx);
        AssertBits(x.grad!, dx, "dx");
    }

    [Test]
    public void BadInputsAreClearArgumentExceptions()
    {
        using Tensor x = torch.zeros([2, 3, 8, 8]);
        using Tensor w = torch.zeros([4, 3, 3, 3]);
        Assert.Multiple(() =>
        {
            Expect(() => ReproFunctional.Conv2d(x.to(ScalarType.Float64), w), "input", "Float64");
            Expect(() => ReproFunctional.Conv2d(x, w.to(ScalarType.Float16)), "weight", "Float16");
            Expect(() => ReproFunctional.Conv2d(x.transpose(2, 3), w), "input", "not contiguous");
            Expect(() => ReproFunctional.Conv2d(x[0], w), "input", "[N, C, H, W]");
            Expect(() => ReproFunctional.Conv2d(x, torch.zeros([4, 2, 3, 3])), "weight", "input channels");
            Expect(() => ReproFunctional.Conv2d(x, w, torch.zeros([5])), "bias", "[4]");
            Expect(() => ReproFunctional.Conv2d(torch.zeros([1, 3, 2, 2]), w), "descriptor", "");
            Expect(() => ReproFunctional.Linear(torch.zeros([2, 5]), torch.zeros([3, 4])), "input", "input features");
            Expect(() => ReproFunctional.Linear(torch.zeros([2, 4]), torch.zeros([3, 4]).t()), "weight", "");
            Expect(() => ReproFunctional.MaxPool2d(torch.zeros([2, 8, 8]), 2), "input", "[N, C, H, W]");
            Expect(() => ReproFunctional.BatchNorm2d(x, torch.zeros([2]), torch.ones([3]), training: true), "runningMean", "[3]");
            Expect(() => ReproFunctional.BatchNorm2d(torch.zeros([1, 3, 1, 1]), null, null, training: true), "input", "N·H·W");
            Expect(() => ReproFunctional.BatchNorm2d(x, null, null), "runningMean", "running statistics");
            Expect(() => ReproFunctional.CrossEntropy(torch.zeros([4, 3]), torch.zeros([4], ScalarType.Int32)), "target", "Int32");
            Expect(() => ReproFunctional.CrossEntropy(torch.zeros([4, 3]), torch.zeros([5], ScalarType.Int64)), "target", "rows");
            Expect(() => ReproFunctional.CrossEntropy(torch.zeros([4, 3, 2]), torch.zeros([4], ScalarType.Int64)), "input", "[N, C]");
            Expect(() => ReproFunctional.CrossEntropy(torch.zeros([2, 3]), torch.tensor(new long[] { 0, 3 })), "", "row 1");
        });
        Assert.Throws<ArgumentOutOfRangeException>(() => ReproFunctional.Dropout(x, 1.5, new PhiloxStream(1)));
    }

    private static void Expect(TestDelegate action, string paramName, string messagePart)
    {
        var e = Assert.Catch<ArgumentException>(action);
        if (e is null)
        {
            return;
        }

        if (paramName.Length > 0)
        {
            Assert.That(e.ParamName, Is.EqualTo(paramName), e.Message);
        }

        Assert.That(e.Message, Does.Contain(messagePart), e.Message);
    }
}
