using System.Runtime.InteropServices;
using ReproKit.Interop;

namespace ReproKit;

/// <summary>A CUDA device as the driver describes it.</summary>
/// <param name="Index">Device index (0-based).</param>
/// <param name="Name">Device name, e.g. "NVIDIA H100 80GB HBM3".</param>
/// <param name="ComputeMajor">Compute capability, major part (9 for sm_90).</param>
/// <param name="ComputeMinor">Compute capability, minor part.</param>
/// <param name="SmCount">Streaming multiprocessors.</param>
/// <param name="DriverVersion">Installed CUDA driver version (12040 = 12.4).</param>
/// <param name="RuntimeVersion">CUDA runtime the plugin was built with (11080 = 11.8).</param>
/// <param name="TotalMemory">Device memory in bytes.</param>
public sealed record CudaDeviceInfo(int Index, string Name, int ComputeMajor, int ComputeMinor, int SmCount, int DriverVersion,
    int RuntimeVersion, long TotalMemory)
{
    /// <summary>"sm_90"-style name of the compute capability.</summary>
    public string Architecture => $"sm_{ComputeMajor}{ComputeMinor}";
}

/// <summary>CUDA devices: whether ReproKit can use one, and what they are (docs/cuda.md).</summary>
public static class CudaDevices
{
    /// <summary>
    /// Number of usable CUDA devices; 0 when the CUDA plugin (the ReproKit.Cuda package), the NVIDIA driver or a
    /// device is missing. <paramref name="reason"/> then says which.
    /// </summary>
    public static unsafe int Count(out string reason)
    {
        ReproKitLibrary.EnsureLoaded();
        int count;
        RkStatus s = NativeMethods.rk_cuda_device_count(&count);
        if (s != RkStatus.Ok)
        {
            reason = NativeErrors.LastMessage();
            return 0;
        }

        reason = count == 0 ? "no CUDA device is present" : string.Empty;
        return count;
    }

    /// <summary>Describes device <paramref name="index"/>.</summary>
    /// <exception cref="ReproKitException">CUDA is unavailable (status <see cref="ReproKitStatus.Unsupported"/>).</exception>
    /// <exception cref="ArgumentException">No such device.</exception>
    public static unsafe CudaDeviceInfo Info(int index)
    {
        ReproKitLibrary.EnsureLoaded();
        var info = new RkCudaDeviceInfo { StructSize = (uint)sizeof(RkCudaDeviceInfo) };
        NativeErrors.Check(NativeMethods.rk_cuda_device_get_info(index, &info), nameof(index));
        string name = Marshal.PtrToStringUTF8((nint)info.Name) ?? string.Empty;
        return new CudaDeviceInfo(index, name, info.ComputeMajor, info.ComputeMinor, info.SmCount, info.DriverVersion,
            info.RuntimeVersion, info.TotalMemory);
    }
}

/// <summary>
/// A context on one CUDA device. Operations through <see cref="CudaOperations"/> take <see cref="DeviceBuffer{T}"/>s of
/// this context and queue their work on its stream (the default stream until <see cref="SetStream"/>); call
/// <see cref="Synchronize"/> or copy a buffer back to wait. Results are bit-identical to the CPU backend's.
/// Thread-safe like <see cref="CpuContext"/>, with the same lifetime rules (leases, disposal while other threads call).
/// Dispose it explicitly: a CUDA context is never released from the finalizer thread (a finalizer may run after the
/// CUDA driver is gone); an undisposed context is queued and released at the next <see cref="CpuContext"/> or
/// <see cref="CudaContext"/> creation.
/// </summary>
public sealed class CudaContext : IDisposable
{
    private readonly ContextHandle _handle;

    /// <summary>Creates a context on device <paramref name="device"/>.</summary>
    /// <exception cref="ReproKitException">CUDA is unavailable here (status <see cref="ReproKitStatus.Unsupported"/>; the message says why).</exception>
    /// <exception cref="ArgumentException">No such device.</exception>
    public unsafe CudaContext(int device = 0)
    {
        ReproKitLibrary.EnsureLoaded();
        DeferredRelease.Drain();
        nint raw;
        NativeErrors.Check(NativeMethods.rk_cuda_context_create(device, &raw), nameof(device));
        _handle = new ContextHandle(raw, nameof(CudaContext), deferFinalizerRelease: true);
        try
        {
            Device = CudaDevices.Info(device);
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>The device this context computes on.</summary>
    public CudaDeviceInfo Device { get; }

    /// <summary>
    /// Queues this context's work on <paramref name="stream"/> (a <c>cudaStream_t</c> of the same device, e.g. from another
    /// CUDA binding; 0 for the default stream). Work queued on the previous stream is waited for first.
    /// </summary>
    public unsafe void SetStream(nint stream)
    {
        using ContextLease lease = Lease();
        NativeErrors.Check(NativeMethods.rk_cuda_context_set_stream(lease.Raw, (void*)stream), nameof(stream));
    }

    /// <summary>Waits until every operation and asynchronous copy queued on this context is done.</summary>
    public void Synchronize()
    {
        using ContextLease lease = Lease();
        NativeErrors.Check(NativeMethods.rk_context_synchronize(lease.Raw));
    }

    /// <summary>Allocates <paramref name="length"/> elements of device memory.</summary>
    public DeviceBuffer<T> Allocate<T>(long length)
        where T : unmanaged => new(this, length);

    /// <summary>Allocates a device buffer holding a copy of <paramref name="source"/>.</summary>
    public DeviceBuffer<T> Upload<T>(ReadOnlySpan<T> source)
        where T : unmanaged
    {
        var buffer = new DeviceBuffer<T>(this, source.Length);
        buffer.CopyFrom(source);
        return buffer;
    }

    /// <summary>Releases the context (after the last operation using it returns). Later calls throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose() => _handle.DisposeExplicitly();

    /// <summary>The raw handle, for tests that check the native side of the lifetime rules; no lease is taken.</summary>
    internal nint DangerousRawHandle => _handle.DangerousGetHandle();

    /// <summary>A counted reference to the live native context for the duration of a call or a buffer's life.</summary>
    /// <exception cref="ObjectDisposedException">The context has been disposed.</exception>
    internal ContextLease Lease() => _handle.Lease();
}
