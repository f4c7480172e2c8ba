using ReproKit.Data;
using ReproKit.Training;

namespace ReproKit.Tests;

/// <summary>The digits run on a CUDA device: the CPU's bits, step by step (the SIMT-emulated device in CI).</summary>
[Category("Gpu")]
public class TrainingDeviceTests
{
    private static CudaContext Cuda()
    {
        if (CudaDevices.Count(out string reason) == 0)
        {
            Assert.Ignore($"No CUDA device: {reason}");
        }

        return new CudaContext(0);
    }

    [Test]
    public void TrainingStepsOnTheDeviceGiveTheCpusParameters()
    {
        using CudaContext cuda = Cuda();
        // A few steps (the emulation runs each kernel on the CPU, slowly): conv, pooling, BatchNorm, dropout, linear,
        // cross-entropy and SGD with momentum forward and backward on the device, the parameters compared after them.
        var options = new DigitsTrainingOptions(Epochs: 1, Seed: 6);
        var control = new DigitsRunControl(MaxSteps: 3);
        DigitsTrainingResult cpu = DigitsTraining.Run(options, TrainingDevice.Cpu(), control: control);
        DigitsTrainingResult gpu = DigitsTraining.Run(options, TrainingDevice.Cuda(cuda), control: control);
        Assert.That((gpu.Steps, gpu.Digest), Is.EqualTo((cpu.Steps, cpu.Digest)));

        var adamw = new DigitsTrainingOptions(Epochs: 1, LearningRate: 3e-3, Optimizer: "adamw", Seed: 6);
        var oneStep = new DigitsRunControl(MaxSteps: 1);
        Assert.That(DigitsTraining.Run(adamw, TrainingDevice.Cuda(cuda), control: oneStep).Digest,
            Is.EqualTo(DigitsTraining.Run(adamw, TrainingDevice.Cpu(), control: oneStep).Digest));
    }

    [Test]
    public void EvaluationOnTheDeviceGivesTheCpusLogits()
    {
        using CudaContext cuda = Cuda();
        LabeledDataset data = Digits.Load();
        long[] samples = [.. Enumerable.Range(0, 24).Select(i => (long)i * 7)];
        var x = new float[samples.Length * data.SampleLength];
        var y = new long[samples.Length];
        data.CopyBatch(samples, x, y);
        Sequential model = DigitsTraining.CreateModel();
        model.Initialize(9);
        float[] cpu = model.Forward(x, [samples.Length, 1, 8, 8], new ForwardPass(TrainingDevice.Cpu(), false, 9, 0));
        float[] gpu = model.Forward(x, [samples.Length, 1, 8, 8], new ForwardPass(TrainingDevice.Cuda(cuda), false, 9, 0));
        Assert.That(gpu, Is.EqualTo(cpu).AsCollection);
        Assert.That(TrainingDevice.Cuda(cuda).Name, Does.StartWith("cuda:0/sm_"));
    }
}
