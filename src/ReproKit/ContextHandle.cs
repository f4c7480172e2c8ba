using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using ReproKit.Interop;

namespace ReproKit;

/// <summary>
/// The native handle (<c>rk_context*</c>) of a <see cref="CpuContext"/> or a <see cref="CudaContext"/>: the one
/// <see cref="SafeHandle"/> both context types hold, so both follow the same lifetime rules.
/// </summary>
/// <remarks>
/// <para>
/// Leases. Every operation leases the handle for the duration of its native call (<see cref="Lease"/>:
/// <c>SafeHandle.DangerousAddRef</c> / <c>DangerousRelease</c>); a <see cref="DeviceBuffer{T}"/> holds a lease for its
/// whole life. <see cref="DisposeExplicitly"/> (the owner's <c>Dispose</c>) marks the handle closed; the native context
/// is destroyed only when the last lease ends. So when one thread disposes a context while others use it, each call
/// either completes normally (it held a lease before the disposal) or throws <see cref="ObjectDisposedException"/> (it
/// asked for a lease after): the native library never sees a destroyed handle. Disposing twice does nothing.
/// </para>
/// <para>
/// Finalizers. No ReproKit type has a finalizer of its own; the only finalizer is this handle's (the critical finalizer
/// of <see cref="SafeHandle"/>), which runs when an undisposed context becomes unreachable, and it calls nothing in the
/// native library but the handle's release function. This is a rule for every future handle type too: a finalizer
/// runs on the finalizer thread, at an arbitrary time, in arbitrary order with other finalizers, and possibly during
/// process exit after the native runtime has begun to shut down, so it must not run operations, query state or take
/// locks that user threads may hold. A CPU context may be released there (destroying it only joins idle worker threads
/// and frees memory). A GPU context must not be: destroying a CUDA context or freeing device memory needs the context
/// current on the calling thread, takes driver locks that a user thread may hold (a deadlock on the finalizer thread
/// stops every finalizer in the process), and fails or crashes once the driver has been unloaded at exit. Handles
/// created with <c>deferFinalizerRelease</c> (every <see cref="CudaContext"/>'s; a <see cref="CpuContext"/>'s only in
/// the tests of this path) therefore never release on the finalizer thread: a release that does not come from
/// <see cref="DisposeExplicitly"/> only queues the raw handle (<see cref="DeferredRelease"/>), and the queue is
/// drained on an ordinary thread, at the next context creation.
/// </para>
/// </remarks>
internal sealed class ContextHandle : SafeHandle
{
    private readonly string _ownerName;
    private volatile bool _disposedExplicitly;

    /// <summary>Takes ownership of a live native context.</summary>
    /// <param name="raw">The <c>rk_context*</c> a create function returned.</param>
    /// <param name="ownerName">The owning type's name, for <see cref="ObjectDisposedException"/>s.</param>
    /// <param name="deferFinalizerRelease">Whether a release that does not come from Dispose must be queued instead of run (GPU contexts).</param>
    internal ContextHandle(nint raw, string ownerName, bool deferFinalizerRelease)
        : base(0, ownsHandle: true)
    {
        SetHandle(raw);
        _ownerName = ownerName;
        DefersFinalizerRelease = deferFinalizerRelease;
    }

    public override bool IsInvalid => handle == 0;

    /// <summary>Whether a release that does not come from <see cref="DisposeExplicitly"/> is queued instead of run.</summary>
    internal bool DefersFinalizerRelease { get; }

    /// <summary>
    /// Closes the handle on behalf of the owner's <c>Dispose</c>: the release (now, or when the last lease ends) then
    /// destroys the native context on an ordinary thread, never from the finalizer. Idempotent.
    /// </summary>
    internal void DisposeExplicitly()
    {
        // Set before the handle is closed, so that the release sees it whichever thread runs it.
        _disposedExplicitly = true;
        Dispose();
    }

    /// <summary>Adds a reference to the native handle for the duration of a call; dispose the lease afterwards.</summary>
    /// <exception cref="ObjectDisposedException">The owner has been disposed.</exception>
    internal ContextLease Lease()
    {
        bool added = false;
        try
        {
            DangerousAddRef(ref added);
        }
        catch (ObjectDisposedException)
        {
            throw new ObjectDisposedException(_ownerName, $"The {_ownerName} has been disposed.");
        }

        return new ContextLease(this);
    }

    // Runs once: from DisposeExplicitly (or from the last lease's release after it) on a user thread, or from the
    // critical finalizer when the context was never disposed. It calls only the native release function, or, for a
    // deferred handle released by the finalizer, only queues it.
    protected override bool ReleaseHandle()
    {
        if (DefersFinalizerRelease && !_disposedExplicitly)
        {
            DeferredRelease.Enqueue(handle);
            return true;
        }

        return NativeMethods.rk_context_destroy(handle) == RkStatus.Ok;
    }
}

/// <summary>
/// A counted reference to a live <see cref="ContextHandle"/> (a struct: no allocation per call), taken by
/// <see cref="ContextHandle.Lease"/>; the native context stays alive until it is disposed.
/// </summary>
internal readonly struct ContextLease : IDisposable
{
    private readonly ContextHandle _handle;

    internal ContextLease(ContextHandle handle) => _handle = handle;

    /// <summary>The raw <c>rk_context*</c>, valid while the lease is held.</summary>
    internal nint Raw => _handle.DangerousGetHandle();

    public void Dispose() => _handle.DangerousRelease();
}

/// <summary>
/// Native context handles whose release must not run on the finalizer thread (see <see cref="ContextHandle"/>'s remarks):
/// the finalizer only queues them, and <see cref="Drain"/> destroys them later on an ordinary thread.
/// </summary>
internal static class DeferredRelease
{
    private static readonly ConcurrentQueue<nint> Pending = new();

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
