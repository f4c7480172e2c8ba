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
/// Every operation leases the native handle for the duration of its native call, and <see cref="Dispose"/> destroys the
/// native context only when the last lease ends: when one thread disposes a context while others use it, each call
/// either completes normally or throws <see cref="ObjectDisposedException"/>, and the native library never sees a
/// destroyed handle. An undisposed context is released by its handle's finalizer. The rules, shared with
/// <see cref="CudaContext"/>, are in <c>ContextHandle</c>'s remarks (src/ReproKit/ContextHandle.cs) and docs/errors.md.
/// </remarks>
public sealed class CpuContext : IDisposable
{
    private static readonly Lazy<CpuContext> SharedContext = new(() => new CpuContext(new CpuContextOptions(), isShared: true, deferFinalizerRelease: false));

    private readonly ContextHandle _handle;
    private readonly bool _isShared;

    /// <summary>Creates a CPU context.</summary>
    /// <param name="options">ISA and thread count; null for the defaults.</param>
    /// <exception cref="ArgumentException">The options are invalid (negative threads, an unknown ISA, a bad environment variable).</exception>
    /// <exception cref="ReproKitException">The ISA is not supported on this machine (status <see cref="ReproKitStatus.Unsupported"/>).</exception>
    public CpuContext(CpuContextOptions? options = null)
        : this(options ?? new CpuContextOptions(), isShared: false, deferFinalizerRelease: false)
    {
    }

    /// <summary>
    /// Creates a context whose handle, with <paramref name="deferFinalizerRelease"/>, releases as a <see cref="CudaContext"/>'s
    /// does: never on the finalizer thread (tests of the deferred path, which CUDA contexts take).
    /// </summary>
    internal unsafe CpuContext(CpuContextOptions options, bool isShared, bool deferFinalizerRelease = false)
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
        _handle = new ContextHandle(raw, nameof(CpuContext), deferFinalizerRelease);
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
            _handle.DisposeExplicitly();
        }
    }

    /// <summary>The raw handle, for tests that check the native side of the lifetime rules; no lease is taken.</summary>
    internal nint DangerousRawHandle => _handle.DangerousGetHandle();

    /// <summary>Adds a reference to the native handle for the duration of a call; dispose the lease afterwards.</summary>
    /// <exception cref="ObjectDisposedException">The context has been disposed.</exception>
    internal ContextLease Lease() => _handle.Lease();
}
