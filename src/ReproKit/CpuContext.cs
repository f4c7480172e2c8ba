using System.Runtime.InteropServices;
using ReproKit.Interop;

namespace ReproKit;

/// <summary>Options of a <see cref="CpuContext"/>.</summary>
/// <param name="Isa">Instruction set; <see cref="CpuIsa.Auto"/> (the default) picks the best one, or the <c>RK_ISA</c> environment variable's.</param>
/// <param name="Threads">Worker threads; 0 (the default) means the <c>RK_NUM_THREADS</c> environment variable, else one per hardware thread.</param>
public sealed record CpuContextOptions(CpuIsa Isa = CpuIsa.Auto, int Threads = 0);

/// <summary>
/// A CPU execution context: the ISA and the worker threads that ReproKit operations use. Results never depend on
/// either. Thread-safe: several threads may call operations on one context at once. Dispose it to stop its threads.
/// </summary>
/// <remarks>
/// <para>
/// Lifetime of the native handle. Every operation leases the handle for the duration of its native call
/// (<see cref="Lease"/>: <c>SafeHandle.DangerousAddRef</c> / <c>DangerousRelease</c>). <see cref="Dispose"/> marks the
/// handle closed; the native context is destroyed only when the last lease ends. So when one thread disposes a context
/// while others use it, each call either completes normally (it held a lease before the disposal) or throws
/// <see cref="ObjectDisposedException"/> (it asked for a lease after): the native library never sees a destroyed
/// handle. Disposing twice does nothing.
/// </para>
/// <para>
/// Finalizers. No ReproKit type has a finalizer of its own; the only finalizer is the handle's (the critical finalizer
/// of <see cref="SafeHandle"/>), which runs when an undisposed context becomes unreachable, and it calls nothing in the
/// native library but the handle's release function. This is a rule for every future handle type too: a finalizer
/// runs on the finalizer thread, at an arbitrary time, in arbitrary order with other finalizers, and possibly during
/// process exit after the native runtime has begun to shut down, so it must not run operations, query state or take
/// locks that user threads may hold. A CPU context may be released there (destroying it only joins idle worker threads
/// and frees memory). A GPU context must not be: destroying a CUDA context or freeing device memory needs the context
/// current on the calling thread, takes driver locks that a user thread may hold (a deadlock on the finalizer thread
/// stops every finalizer in the process), and fails or crashes once the driver has been unloaded at exit. Handles
/// created with <c>deferFinalizerRelease</c> therefore never release on the finalizer thread: a release that does not
/// come from <see cref="Dispose"/> only queues the raw handle (<see cref="DeferredRelease"/>), and the queue is drained
/// on an ordinary thread, at the next context creation.
/// </para>
/// </remarks>
public sealed class CpuContext : IDisposable
{
    private static readonly Lazy<CpuContext> SharedContext = new(() => new CpuContext(new CpuContextOptions(), isShared: true));

    private readonly ContextHandle _handle;
    private readonly bool _isShared;

    /// <summary>Creates a CPU context.</summary>
    /// <param name="options">ISA and thread count; null for the defaults.</param>
    /// <exception cref="ArgumentException">The options are invalid (negative threads, an unknown ISA, a bad environment variable).</exception>
    /// <exception cref="ReproKitException">The ISA is not supported on this machine (status <see cref="ReproKitStatus.Unsupported"/>).</exception>
    public CpuContext(CpuContextOptions? options = null)
        : this(options ?? new CpuContextOptions(), isShared: false)
    {
    }

    /// <summary>Creates a context whose handle releases as a future GPU context's must (tests of the deferred path).</summary>
    internal CpuContext(CpuContextOptions options, bool isShared, bool deferFinalizerRelease)
        : this(options, isShared)
    {
        _handle.DeferFinalizerRelease = deferFinalizerRelease;
    }

    private unsafe CpuContext(CpuContextOptions options, bool isShared)
    {
        if (options.Threads < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Threads, "Threads must be 0 (default) or positive.");
        }

        if (!Enum.IsDefined(options.Isa))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Isa, "Not a CpuIsa value.");
        }

        ReproKitLibrary.EnsureLoaded();
        DeferredRelease.Drain();
        var native = new RkCpuContextOptions
        {
            StructSize = (uint)sizeof(RkCpuContextOptions),
            Isa = (RkIsa)options.Isa,
            NumThreads = options.Threads,
        };
        nint raw;
        NativeErrors.Check(NativeMethods.rk_cpu_context_create(&native, &raw), nameof(options));
        _handle = new ContextHandle(raw);
        _isShared = isShared;

        var info = new RkContextInfo { StructSize = (uint)sizeof(RkContextInfo) };
        NativeErrors.Check(NativeMethods.rk_context_get_info(raw, &info));
        Isa = (CpuIsa)info.Isa;
        Threads = info.NumThreads;
    }

    /// <summary>
    /// A process-wide context with default options, created on first use and never disposed (disposing it does
    /// nothing). Operations that take an optional context use this one.
    /// </summary>
    public static CpuContext Shared => SharedContext.Value;

    /// <summary>The ISA this context runs (never <see cref="CpuIsa.Auto"/>).</summary>
    public CpuIsa Isa { get; }

    /// <summary>Number of threads this context uses (at least 1).</summary>
    public int Threads { get; }

    /// <summary>Stops the context's worker threads. Calls after disposal throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        if (!_isShared)
        {
            // Set before the handle is closed: the release (now, or when the last lease ends) comes from Dispose,
            // on an ordinary thread, never from the finalizer.
            _handle.DisposedExplicitly = true;
            _handle.Dispose();
        }
    }

    /// <summary>The raw handle, for tests that check the native side of the lifetime rules; no lease is taken.</summary>
    internal nint DangerousRawHandle => _handle.DangerousGetHandle();

    /// <summary>Adds a reference to the native handle for the duration of a call; dispose the lease afterwards.</summary>
    internal HandleLease Lease()
    {
        bool added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
        }
        catch (ObjectDisposedException)
        {
            throw new ObjectDisposedException(nameof(CpuContext), "The CpuContext has been disposed.");
        }

        return new HandleLease(_handle);
    }

    /// <summary>A counted reference to a live context handle (a struct: no allocation per call); CUDA contexts use it too.</summary>
    internal readonly struct HandleLease : IDisposable
    {
        private readonly SafeHandle _handle;

        internal HandleLease(SafeHandle handle) => _handle = handle;

        internal nint Raw => _handle.DangerousGetHandle();

        public void Dispose() => _handle.DangerousRelease();
    }

    private sealed class ContextHandle : SafeHandle
    {
        private volatile bool _disposedExplicitly;

        public ContextHandle(nint raw)
            : base(0, ownsHandle: true) => SetHandle(raw);

        public override bool IsInvalid => handle == 0;

        /// <summary>Whether a release that does not come from Dispose must be queued instead of run (GPU contexts).</summary>
        internal bool DeferFinalizerRelease { get; set; }

        /// <summary>Set by <see cref="CpuContext.Dispose"/> before it closes the handle.</summary>
        internal bool DisposedExplicitly
        {
            get => _disposedExplicitly;
            set => _disposedExplicitly = value;
        }

        // Runs once: from Dispose (or from the last lease's release after Dispose) on a user thread, or from the
        // critical finalizer when the context was never disposed. It calls only the native release function.
        protected override bool ReleaseHandle()
        {
            if (DeferFinalizerRelease && !_disposedExplicitly)
            {
                DeferredRelease.Enqueue(handle);
                return true;
            }

            return NativeMethods.rk_context_destroy(handle) == RkStatus.Ok;
        }
    }
}

/// <summary>
/// Native context handles whose release must not run on the finalizer thread (see <see cref="CpuContext"/>'s remarks):
/// the finalizer only queues them, and <see cref="Drain"/> destroys them later on an ordinary thread.
/// </summary>
internal static class DeferredRelease
{
    private static readonly System.Collections.Concurrent.ConcurrentQueue<nint> Pending = new();

    /// <summary>Number of handles waiting to be released.</summary>
    internal static int Count => Pending.Count;

    /// <summary>Queues a handle (called from a finalizer: no native call, no lock, no allocation beyond the queue's).</summary>
    internal static void Enqueue(nint handle) => Pending.Enqueue(handle);

    /// <summary>Whether a handle is waiting in the queue.</summary>
    internal static bool Contains(nint handle) => Pending.Contains(handle);

    /// <summary>Destroys every queued handle; returns how many. Call only from an ordinary (non-finalizer) thread.</summary>
    internal static int Drain()
    {
        int released = 0;
        while (Pending.TryDequeue(out nint handle))
        {
            _ = NativeMethods.rk_context_destroy(handle);
            released++;
        }

        return released;
    }
}
