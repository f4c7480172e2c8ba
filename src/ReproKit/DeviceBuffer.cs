using ReproKit.Interop;

namespace ReproKit;

/// <summary>
/// Device memory of a <see cref="CudaContext"/>: <see cref="Length"/> elements of <typeparamref name="T"/>, allocated by
/// ReproKit or wrapping a pointer from another CUDA binding (<see cref="FromPointer"/>). The buffer keeps its context
/// alive. Dispose it explicitly: device memory is never freed from a finalizer (a finalizer may run after the CUDA driver
/// is gone), so an undisposed buffer keeps its memory and its context until the process exits.
/// </summary>
/// <typeparam name="T">An unmanaged element type (float, uint, byte, int, long, ulong, ...).</typeparam>
public sealed unsafe class DeviceBuffer<T> : IDisposable
    where T : unmanaged
{
    private readonly CudaContext _context;
    private readonly bool _owned;
    private readonly ContextLease _lease;
    private nint _pointer;
    private int _disposed;

    internal DeviceBuffer(CudaContext context, long length)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        long bytes = checked(length * sizeof(T));
        _context = context;
        _lease = context.Lease();
        try
        {
            void* p;
            NativeErrors.Check(NativeMethods.rk_device_alloc(_lease.Raw, bytes, &p), nameof(length));
            _pointer = (nint)p;
        }
        catch
        {
            _lease.Dispose();
            throw;
        }

        _owned = true;
        Length = length;
    }

    private DeviceBuffer(CudaContext context, nint pointer, long length)
    {
        _context = context;
        _lease = context.Lease();
        _pointer = pointer;
        Length = length;
    }

    /// <summary>
    /// Wraps device memory owned by someone else (e.g. a tensor of another CUDA library): ReproKit reads and writes it
    /// but never frees it. The pointer must be memory of <paramref name="context"/>'s device; operations check that.
    /// </summary>
    public static DeviceBuffer<T> FromPointer(CudaContext context, nint devicePointer, long length)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentOutOfRangeException.ThrowIfNegative(length);
        if (devicePointer == 0 && length > 0)
        {
            throw new ArgumentNullException(nameof(devicePointer));
        }

        _ = checked(length * sizeof(T));
        return new DeviceBuffer<T>(context, devicePointer, length);
    }

    /// <summary>Number of elements.</summary>
    public long Length { get; }

    /// <summary>The context the memory belongs to.</summary>
    public CudaContext Context => _context;

    /// <summary>The raw device pointer (for other CUDA bindings); valid until the buffer is disposed.</summary>
    public nint Pointer
    {
        get
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
            return _pointer;
        }
    }

    /// <summary>Copies <paramref name="source"/> (exactly <see cref="Length"/> elements) to the device and waits.</summary>
    public void CopyFrom(ReadOnlySpan<T> source)
    {
        ArgumentChecks.Length(source.Length, Length, nameof(source), "the device buffer's length");
        fixed (T* s = source)
        {
            Copy((void*)Pointer, s, RkCopyKind.HostToDevice, async: false);
        }
    }

    /// <summary>Copies the buffer to <paramref name="destination"/> (exactly <see cref="Length"/> elements), after the work queued before it.</summary>
    public void CopyTo(Span<T> destination)
    {
        ArgumentChecks.Length(destination.Length, Length, nameof(destination), "the device buffer's length");
        fixed (T* d = destination)
        {
            Copy(d, (void*)Pointer, RkCopyKind.DeviceToHost, async: false);
        }
    }

    /// <summary>The buffer's contents as a new array.</summary>
    public T[] ToArray()
    {
        var a = new T[checked((int)Length)];
        CopyTo(a);
        return a;
    }

    /// <summary>
    /// Queues a copy (no Task: completion is <see cref="CudaContext.Synchronize"/>, as on a CUDA stream) from host memory at <paramref name="hostPointer"/> (<see cref="Length"/> elements) on the context's
    /// stream and returns at once. The host memory must stay valid and unchanged until <see cref="CudaContext.Synchronize"/>
    /// (pinned or native memory; page-locked memory gives a truly asynchronous copy).
    /// </summary>
    public void QueueCopyFrom(nint hostPointer)
    {
        CheckHostPointer(hostPointer);
        Copy((void*)Pointer, (void*)hostPointer, RkCopyKind.HostToDevice, async: true);
    }

    /// <summary>Queues a copy of the buffer to host memory at <paramref name="hostPointer"/> on the context's stream; see <see cref="QueueCopyFrom"/>.</summary>
    public void QueueCopyTo(nint hostPointer)
    {
        CheckHostPointer(hostPointer);
        Copy((void*)hostPointer, (void*)Pointer, RkCopyKind.DeviceToHost, async: true);
    }

    /// <summary>Frees the memory (if ReproKit allocated it) and drops the context reference. Idempotent.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        nint p = _pointer;
        _pointer = 0;
        try
        {
            if (_owned && p != 0)
            {
                NativeErrors.Check(NativeMethods.rk_device_free(_lease.Raw, (void*)p));
            }
        }
        finally
        {
            _lease.Dispose();
        }
    }

    private void CheckHostPointer(nint hostPointer)
    {
        if (hostPointer == 0 && Length > 0)
        {
            throw new ArgumentNullException(nameof(hostPointer));
        }
    }

    // A native argument error here is about this buffer's own memory (a FromPointer of host memory or of another
    // device), which no parameter holds: its ParamName is null.
    private void Copy(void* dst, void* src, RkCopyKind kind, bool async)
    {
        using ContextLease lease = _context.Lease();
        NativeErrors.Check(NativeMethods.rk_memcpy(lease.Raw, dst, src, checked(Length * sizeof(T)), kind, async ? 1 : 0));
    }
}
