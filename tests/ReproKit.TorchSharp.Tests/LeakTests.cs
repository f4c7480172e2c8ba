using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;
using static ReproKit.TorchSharp.Tests.TestTensors;

namespace ReproKit.TorchSharp.Tests;

/// <summary>
/// No leaks over many training steps, with a dispose scope per step (TorchSharp's advice) or without one (the caller
/// disposes the output and the loss): the Repro modules, loss and optimizers dispose every tensor they create
/// (TorchSharp's per-thread count of live tensors, which the finalizer thread does not decrement, stays the same), and
/// neither the managed heap nor the process's resident memory grows with the steps.
/// </summary>
public sealed class LeakTests
{
    [TestCase(false, true)]
    [TestCase(true, true)]
    [TestCase(false, false)]
    [TestCase(true, false)]
    public void ThreeHundredTrainingStepsLeaveNoTensorsAndNoMemoryBehind(bool adamW, bool scoped)
    {
        const ulong seed = 9;
        using var model = DigitsModels.Repro(seed);
        using var loss = new ReproCrossEntropyLoss();
        using optim.Optimizer optimizer = adamW
            ? new ReproAdamW(model.parameters())
            : new ReproSGD(model.parameters(), new SgdOptions(0.05, Momentum: 0.9));
        using Tensor x = NormalTensor(90, 64, 1, 8, 8);
        using Tensor y = torch.tensor(Enumerable.Range(0, 64).Select(i => (long)(i % 10)).ToArray());
        long step = 0;
        model.train();

        void Steps(int count)
        {
            for (int i = 0; i < count; i++, step++)
            {
                using DisposeScope? scope = scoped ? torch.NewDisposeScope() : null;
                model.SetStep(step);
                optimizer.zero_grad();
                using Tensor output = model.call(x);
                using Tensor l = loss.call(output, y);
                l.backward();
                optimizer.step();
            }

            // An evaluation forward too, outside any dispose scope, disposed by hand.
            model.eval();
            using (torch.no_grad())
            {
                model.call(x).Dispose();
            }

            model.train();
        }

        Steps(30); // warm-up: momentum buffers, the allocator's pools
        (long live, long total, long managed, long resident) before = Measure();
        Steps(300);
        (long live, long total, long managed, long resident) after = Measure();
        TestContext.Out.WriteLine($"before: {before}; after 300 steps: {after}; {DisposeScopeManager.Statistics}");

        Assert.That(after.live, Is.EqualTo(before.live), "tensors created on this thread and not disposed");
        Assert.That(after.total, Is.LessThanOrEqualTo(before.total), "live tensors in the process (Tensor.TotalCount)");
        Assert.That(after.managed - before.managed, Is.LessThan(1 << 20), "managed heap growth, bytes");
        Assert.That(after.resident - before.resident, Is.LessThan(32 << 20), "resident memory growth, bytes");
    }

    private static (long Live, long Total, long Managed, long Resident) Measure()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        using var process = Process.GetCurrentProcess();
        return (DisposeScopeManager.Statistics.ThreadTotalLiveCount, torch.Tensor.TotalCount, GC.GetGCMemoryInfo().HeapSizeBytes, process.WorkingSet64);
    }
}
