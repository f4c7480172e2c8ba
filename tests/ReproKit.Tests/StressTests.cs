using System.Collections.Concurrent;
using ReproKit.Interop;

namespace ReproKit.Tests;

/// <summary>
/// Concurrency stress: many threads run every operation on one shared context, on contexts of their own, and while
/// other threads dispose the contexts in use. Every result must equal the single-threaded reference bit for bit; a
/// call on a context being disposed must either complete normally or throw <see cref="ObjectDisposedException"/>.
/// Sized to take a few seconds each on two cores.
/// </summary>
[Category("Stress")]
[NonParallelizable]
public class StressTests
{
    private const int Workers = 8;

    private static Dictionary<string, byte[]> _reference = null!;

    [OneTimeSetUp]
    public void ComputeReferences()
    {
        // One thread, one worker, scalar: the plainest way to compute each result.
        using var single = new CpuContext(new CpuContextOptions(CpuIsa.Scalar, 1));
        _reference = OperationCatalog.All.ToDictionary(op => op.Name, op => op.Run(single));
    }

    [Test]
    public void ManyThreadsOnOneContextGiveTheReferenceBits()
    {
        using var shared = new CpuContext(new CpuContextOptions(Threads: 3));
        var failures = new ConcurrentQueue<string>();
        int calls = 0;
        RunOnThreads(Workers, t =>
        {
            for (int i = 0; i < 3 * OperationCatalog.All.Count; i++)
            {
                var op = OperationCatalog.All[(i + (t * 5)) % OperationCatalog.All.Count];
                Check(op.Name, () => op.Run(t % 2 == 0 ? shared : CpuContext.Shared), failures);
                Interlocked.Increment(ref calls);
            }
        });
        Assert.That(failures, Is.Empty);
        Assert.That(calls, Is.EqualTo(Workers * 3 * OperationCatalog.All.Count));
    }

    [Test]
    public void ManyThreadsOnTheirOwnContextsGiveTheReferenceBits()
    {
        var failures = new ConcurrentQueue<string>();
        IReadOnlyList<CpuIsa> isas = ReproKitLibrary.SupportedIsas;
        RunOnThreads(Workers, t =>
        {
            for (int round = 0; round < 2; round++)
            {
                // Contexts are created and disposed on every thread while the others compute.
                using var own = new CpuContext(new CpuContextOptions(isas[(t + round) % isas.Count], 1 + ((t + round) % 3)));
                foreach (var op in OperationCatalog.All)
                {
                    Check(op.Name, () => op.Run(own), failures);
                }
            }
        });
        Assert.That(failures, Is.Empty);
    }

    [Test]
    public unsafe void DisposingAContextInUseNeverBreaksACall()
    {
        var failures = new ConcurrentQueue<string>();
        int completed = 0, refused = 0;
        for (int round = 0; round < 6; round++)
        {
            var context = new CpuContext(new CpuContextOptions(Threads: 1 + (round % 3)));
            nint raw = context.DangerousRawHandle;
            using var everyoneRan = new CountdownEvent(Workers);
            var threads = new Thread[Workers];
            for (int t = 0; t < Workers; t++)
            {
                int worker = t;
                threads[t] = new Thread(() =>
                {
                    bool signalled = false;
                    try
                    {
                        // Run operations until the context refuses; the first completed call lets the disposer go.
                        for (int i = 0; ; i++)
                        {
                            var op = OperationCatalog.All[(i + (worker * 3)) % OperationCatalog.All.Count];
                            if (OperationCatalog.ContextFree.Contains(op.Name))
                            {
                                continue;
                            }

                            byte[] result;
                            try
                            {
                                result = op.Run(context);
                            }
                            catch (ObjectDisposedException)
                            {
                                Interlocked.Increment(ref refused);
                                return;
                            }

                            if (!result.AsSpan().SequenceEqual(_reference[op.Name]))
                            {
                                failures.Enqueue($"{op.Name}: result differs from the reference during disposal");
                            }

                            Interlocked.Increment(ref completed);
                            if (!signalled)
                            {
                                signalled = true;
                                everyoneRan.Signal();
                            }
                        }
                    }
                    catch (Exception e)
                    {
                        failures.Enqueue($"worker {worker}: {e.GetType().Name}: {e.Message}");
                    }
                    finally
                    {
                        if (!signalled)
                        {
                            everyoneRan.Signal();
                        }
                    }
                });
                threads[t].Start();
            }

            Assert.That(everyoneRan.Wait(TimeSpan.FromSeconds(60)), Is.True, "every worker completed a call");
            // Several disposers at once: the first one closes the handle, the others are no-ops.
            Parallel.For(0, 3, _ => context.Dispose());
            foreach (Thread th in threads)
            {
                Assert.That(th.Join(TimeSpan.FromSeconds(60)), Is.True, "a worker hung after the disposal");
            }

            // Every lease has ended, so the native context must be destroyed now (not leaked, not destroyed early).
            var info = new RkContextInfo { StructSize = (uint)sizeof(RkContextInfo) };
            Assert.That(NativeMethods.rk_context_get_info(raw, &info), Is.EqualTo(RkStatus.InvalidHandle));
        }

        Assert.That(failures, Is.Empty);
        Assert.That(refused, Is.EqualTo(6 * Workers), "every worker ends with ObjectDisposedException");
        Assert.That(completed, Is.GreaterThanOrEqualTo(6 * Workers));
    }

    private static void Check(string name, Func<byte[]> run, ConcurrentQueue<string> failures)
    {
        try
        {
            byte[] result = run();
            if (!result.AsSpan().SequenceEqual(_reference[name]))
            {
                failures.Enqueue($"{name}: result differs from the single-threaded reference");
            }
        }
        catch (Exception e)
        {
            failures.Enqueue($"{name}: {e.GetType().Name}: {e.Message}");
        }
    }

    private static void RunOnThreads(int count, Action<int> body)
    {
        using var start = new Barrier(count);
        var errors = new ConcurrentQueue<Exception>();
        Thread[] threads = Enumerable.Range(0, count).Select(t => new Thread(() =>
        {
            try
            {
                start.SignalAndWait();
                body(t);
            }
            catch (Exception e)
            {
                errors.Enqueue(e);
            }
        })).ToArray();
        foreach (Thread th in threads)
        {
            th.Start();
        }

        foreach (Thread th in threads)
        {
            Assert.That(th.Join(TimeSpan.FromSeconds(120)), Is.True, "a stress thread hung");
        }

        Assert.That(errors, Is.Empty);
    }
}
