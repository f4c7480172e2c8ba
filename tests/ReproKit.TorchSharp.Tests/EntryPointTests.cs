using TorchSharp;
using static TorchSharp.torch;
using static ReproKit.TorchSharp.Tests.TestTensors;

namespace ReproKit.TorchSharp.Tests;

/// <summary>Init fills, shuffles and splits, and the sampler: the same bits as ReproKit's own operations, in place, and clear errors.</summary>
public sealed class EntryPointTests
{
    private static readonly PhiloxStream Stream = new(Seed: 42, Subsequence: 7, Offset: 3);

    private static IEnumerable<TestCaseData> Fills()
    {
        long[] shape = [16, 8, 3, 3];
        yield return new TestCaseData("uniform", (Func<Tensor, Tensor>)(t => ReproInit.Uniform(t, Stream, -0.5f, 2f)),
            (Action<float[]>)(a => Stream.FillUniform(a, -0.5f, 2f)), shape);
        yield return new TestCaseData("normal", (Func<Tensor, Tensor>)(t => ReproInit.Normal(t, Stream, 1f, 3f)),
            (Action<float[]>)(a => Stream.FillNormal(a, 1f, 3f)), shape);
        yield return new TestCaseData("truncated normal", (Func<Tensor, Tensor>)(t => ReproInit.TruncatedNormal(t, Stream, 0f, 1f, -1.5f, 2f)),
            (Action<float[]>)(a => Stream.FillTruncatedNormal(a, 0f, 1f, -1.5f, 2f)), shape);
        yield return new TestCaseData("kaiming uniform", (Func<Tensor, Tensor>)(t => ReproInit.KaimingUniform(t, Stream, a: Math.Sqrt(5))),
            (Action<float[]>)(a => WeightInit.KaimingUniform(a, shape, Stream, a: Math.Sqrt(5))), shape);
        yield return new TestCaseData("kaiming normal", (Func<Tensor, Tensor>)(t => ReproInit.KaimingNormal(t, Stream, mode: FanMode.FanOut, nonlinearity: Nonlinearity.Relu)),
            (Action<float[]>)(a => WeightInit.KaimingNormal(a, shape, Stream, mode: FanMode.FanOut, nonlinearity: Nonlinearity.Relu)), shape);
        yield return new TestCaseData("xavier uniform", (Func<Tensor, Tensor>)(t => ReproInit.XavierUniform(t, Stream, gain: 2)),
            (Action<float[]>)(a => WeightInit.XavierUniform(a, shape, Stream, gain: 2)), shape);
        yield return new TestCaseData("xavier normal", (Func<Tensor, Tensor>)(t => ReproInit.XavierNormal(t, Stream)),
            (Action<float[]>)(a => WeightInit.XavierNormal(a, shape, Stream)), shape);
    }

    [TestCaseSource(nameof(Fills))]
    public void InitFillsTheTensorInPlaceWithReproKitsBits(string name, Func<Tensor, Tensor> fill, Action<float[]> reference, long[] shape)
    {
        using Tensor t = torch.zeros(shape, ScalarType.Float32);
        using Tensor alias = t.view(-1); // shares the memory: an in-place write shows through it
        Tensor returned = fill(t);
        Assert.That(returned, Is.SameAs(t), name);
        var expected = new float[t.numel()];
        reference(expected);
        AssertBits(alias, expected, name);
    }

    [Test]
    public void InitIntoAParameterWritesItsValues()
    {
        using var p = new global::TorchSharp.Modules.Parameter(torch.zeros([4, 5]));
        ReproInit.KaimingUniform(p, Stream);
        var expected = new float[20];
        WeightInit.KaimingUniform(expected, [4, 5], Stream);
        AssertBits(p, expected, "parameter");
        Assert.That(p.requires_grad, Is.True);
    }

    [Test]
    public void InitRejectsNonContiguousWrongDtypeAndDisposedTensors()
    {
        using Tensor square = torch.zeros([4, 6]);
        using Tensor transposed = square.t();
        var e = Assert.Throws<ArgumentException>(() => ReproInit.Uniform(transposed, Stream))!;
        Assert.That(e.Message, Does.Contain("not contiguous").And.Contain("[6, 4]").And.Contain(".contiguous()"));
        Assert.That(e.ParamName, Is.EqualTo("tensor"));

        using Tensor doubles = torch.zeros([4], ScalarType.Float64);
        e = Assert.Throws<ArgumentException>(() => ReproInit.Normal(doubles, Stream))!;
        Assert.That(e.Message, Does.Contain("Float64").And.Contain("Float32"));

        using Tensor ints = torch.zeros([4], ScalarType.Int32);
        Assert.Throws<ArgumentException>(() => ReproInit.XavierUniform(ints, Stream));

        Tensor disposed = torch.zeros([4]);
        disposed.Dispose();
        e = Assert.Throws<ArgumentException>(() => ReproInit.Uniform(disposed, Stream))!;
        Assert.That(e.Message, Does.Contain("disposed"));

        Assert.Throws<ArgumentNullException>(() => ReproInit.Uniform(null!, Stream));
        using Tensor vector = torch.zeros([4]);
        Assert.Throws<ArgumentException>(() => ReproInit.KaimingUniform(vector, Stream), "fans need two dimensions");
    }

    [Test]
    [Category("Gpu")]
    public void CudaTensorsGetTheCpuBitsOnTheirDevice()
    {
        if (!torch.cuda.is_available())
        {
            Assert.Ignore("No CUDA tensor can be made here: NuGet serves only the CPU build of libtorch (libtorch-cpu), so the CUDA path (the tensor's device pointer through the ReproKit CUDA plugin) runs only where a CUDA libtorch and a GPU are present.");
        }

        if (CudaDevices.Count(out string reason) == 0)
        {
            Assert.Ignore($"libtorch sees a GPU but the ReproKit CUDA plugin does not: {reason}");
        }

        // Fills: the same elements as the CPU fill on the same stream, every kind the device path has.
        using Tensor w = torch.zeros([64, 3, 3, 3], device: torch.CUDA);
        float[] expected = new float[w.numel()];
        ReproInit.KaimingUniform(w, Stream, a: Math.Sqrt(5));
        WeightInit.KaimingUniform(expected, w.shape, Stream, a: Math.Sqrt(5));
        Assert.That(w.cpu().data<float>().ToArray(), Is.EqualTo(expected));
        ReproInit.Normal(w, Stream, 0.5f, 2f);
        Stream.FillNormal(expected, 0.5f, 2f);
        Assert.That(w.cpu().data<float>().ToArray(), Is.EqualTo(expected));
        using Tensor view = w.view(64, 27)[TensorIndex.Slice(8, 16)];  // contiguous, at a storage offset
        ReproInit.Uniform(view, Stream, -1f, 1f);
        float[] part = new float[8 * 27];
        Stream.FillUniform(part, -1f, 1f);
        Assert.That(view.cpu().data<float>().ToArray(), Is.EqualTo(part));
        Assert.Throws<NotSupportedException>(() => ReproInit.TruncatedNormal(w, Stream));

        // The sampler: tokens, probabilities and log-probabilities on the device, equal to the CPU's.
        const int batch = 4, vocab = 500;
        float[] logits = Normal(batch * vocab, 3, std: 2f);
        using Tensor onDevice = Tensor(logits, batch, vocab).to(torch.CUDA);
        PhiloxStream[] rows = [.. Enumerable.Range(0, batch).Select(r => new GenerationStreams(5).StreamFor((ulong)r, 2))];
        SamplingParams[] parameters = [new(0.7f, 50, 0.9), new(1f, 0, 0.95), SamplingParams.Greedy, new(MinP: 0.05)];
        SampledTokens s = ReproSampler.Sample(onDevice, parameters, rows);
        var tokens = new int[batch];
        var probs = new float[batch];
        Sampler.Sample(logits, batch, vocab, parameters, rows, tokens, probs);
        Assert.That(s.Tokens.device_type, Is.EqualTo(DeviceType.CUDA));
        Assert.That(s.Tokens.cpu().data<long>().ToArray(), Is.EqualTo(tokens.Select(x => (long)x).ToArray()));
        AssertBits(s.Probabilities.cpu(), probs, "probabilities");

        // Dropout through autograd on the device: the CPU's mask and bits, forward and backward.
        float[] input = Normal(3001, 9);
        using Tensor xd = Tensor(input, 3001).to(torch.CUDA).requires_grad_(true);
        using Tensor yd = ReproFunctional.Dropout(xd, 0.3, Stream, elementOffset: 5);
        var yRef = new float[3001];
        Dropout.Forward(input, yRef, 0.3, Stream, 5);
        AssertBits(yd.cpu(), yRef, "dropout forward on the device");
        using Tensor g = Tensor(Normal(3001, 10), 3001).to(torch.CUDA);
        yd.backward([g]);
        var dxRef = new float[3001];
        Dropout.Backward(Values(g.cpu()), dxRef, 0.3, Stream, 5);
        AssertBits(xd.grad!.cpu(), dxRef, "dropout backward on the device");

        // Operations without a device path say so.
        using Tensor x = torch.zeros([2, 3], device: torch.CUDA);
        Assert.Throws<NotSupportedException>(() => ReproFunctional.Relu(x));
    }

    [Test]
    public void ShufflesAndSplitsAreReproKitsIndices()
    {
        using Tensor order = ReproData.ShuffledIndices(1000, seed: 9, epoch: 4);
        Assert.That(order.dtype, Is.EqualTo(ScalarType.Int64));
        Assert.That(order.data<long>().ToArray(), Is.EqualTo(DataSplits.ShuffledIndices(1000, 9, 4)));

        (Tensor train, Tensor test) = ReproData.TrainTestSplit(1000, 0.25, seed: 9);
        (long[] trainRef, long[] testRef) = DataSplits.TrainTestSplit(1000, 0.25, 9);
        Assert.That(train.data<long>().ToArray(), Is.EqualTo(trainRef));
        Assert.That(test.data<long>().ToArray(), Is.EqualTo(testRef));

        IReadOnlyList<(Tensor Train, Tensor Validation)> folds = ReproData.KFold(103, 5, seed: 2, epoch: 1);
        IReadOnlyList<FoldSplit> foldsRef = DataSplits.KFold(103, 5, 2, 1);
        for (int f = 0; f < 5; f++)
        {
            Assert.That(folds[f].Train.data<long>().ToArray(), Is.EqualTo(foldsRef[f].Train));
            Assert.That(folds[f].Validation.data<long>().ToArray(), Is.EqualTo(foldsRef[f].Validation));
        }

        using Tensor empty = ReproData.ShuffledIndices(0, 1);
        Assert.That(empty.numel(), Is.Zero);
        Assert.Throws<ArgumentOutOfRangeException>(() => ReproData.ShuffledIndices(-1, 1));
    }

    [Test]
    public void SamplerGivesReproKitsTokensPerRow()
    {
        const int batch = 5, vocab = 1000;
        float[] logits = Normal(batch * vocab, 11, std: 3f);
        using Tensor t = Tensor(logits, batch, vocab);
        var streams = new GenerationStreams(77);
        PhiloxStream[] rows = [.. Enumerable.Range(0, batch).Select(r => streams.StreamFor((ulong)r, 3))];
        SamplingParams[] parameters = [new(0.7f, 50, 0.9), new(1f), SamplingParams.Greedy, new(1.2f, 0, 0.5, 0.05), new(0.5f, 3)];

        SampledTokens s = ReproSampler.Sample(t, parameters, rows);
        var tokens = new int[batch];
        var probs = new float[batch];
        var logprobs = new float[batch];
        Sampler.Sample(logits, batch, vocab, parameters, rows, tokens, probs, logprobs);
        Assert.That(s.Tokens.dtype, Is.EqualTo(ScalarType.Int64));
        Assert.That(s.Tokens.data<long>().ToArray(), Is.EqualTo(tokens.Select(x => (long)x).ToArray()));
        AssertBits(s.Probabilities, probs, "probabilities");
        AssertBits(s.LogProbabilities, logprobs, "log-probabilities");

        // One row alone gives the same token as in the batch.
        using Tensor row3 = Tensor(logits[(3 * vocab)..(4 * vocab)], 1, vocab);
        Assert.That(ReproSampler.Sample(row3, parameters[3], [rows[3]]).Tokens.item<long>(), Is.EqualTo(tokens[3]));
    }

    [Test]
    public void SamplerRejectsBadTensors()
    {
        PhiloxStream[] one = [new(1)];
        using Tensor flat = torch.zeros([10]);
        var e = Assert.Throws<ArgumentException>(() => ReproSampler.Sample(flat, new SamplingParams(), one))!;
        Assert.That(e.Message, Does.Contain("[B, V]"));
        using Tensor wide = torch.zeros([10, 2]);
        using Tensor notContiguous = wide.t();
        Assert.That(Assert.Throws<ArgumentException>(() => ReproSampler.Sample(notContiguous, new SamplingParams(), one))!.Message, Does.Contain("not contiguous"));
        using Tensor nan = torch.full([1, 4], float.NaN);
        Assert.That(Assert.Throws<ArgumentException>(() => ReproSampler.Sample(nan, new SamplingParams(), one))!.Message, Does.Contain("row"));
        using Tensor two = torch.zeros([2, 4]);
        Assert.Throws<ArgumentException>(() => ReproSampler.Sample(two, new SamplingParams(), one), "one stream for two rows");
    }
}
