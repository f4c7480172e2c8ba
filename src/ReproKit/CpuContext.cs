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
            _handle.Dispose();
        }
    }

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

    /// <summary>A counted reference to a live context handle (a struct: no allocation per call).</summary>
    internal readonly struct HandleLease : IDisposable
    {
        private readonly SafeHandle _handle;

        internal HandleLease(SafeHandle handle) => _handle = handle;

        internal nint Raw => _handle.DangerousGetHandle();

        public void Dispose() => _handle.DangerousRelease();
    }

    private sealed class ContextHandle : SafeHandle
    {
        public ContextHandle(nint raw)
            : base(0, ownsHandle: true) => SetHandle(raw);

        public override bool IsInvalid => handle == 0;

        protected override bool ReleaseHandle() => NativeMethods.rk_context_destroy(handle) == RkStatus.Ok;
    }
}
