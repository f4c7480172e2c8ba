using System.Collections.Concurrent;
using TorchSharp;
using static TorchSharp.torch;

namespace ReproKit.TorchSharp;

/// <summary>
/// CUDA tensors as ReproKit device buffers, without a copy: the tensor's device pointer (its storage's data pointer plus
/// its storage offset) wrapped by <see cref="DeviceBuffer{T}.FromPointer"/> in the ReproKit.Cuda context of the tensor's
/// device (one per device, shared, created on first use; it needs the ReproKit CUDA plugin). ReproKit's kernels run on
/// the legacy default stream of the device's primary context, which is the stream libtorch runs TorchSharp's kernels on
/// (TorchSharp exposes no stream API), so the order between torch's work and ReproKit's is the stream's order.
/// </summary>
internal static class CudaTensors
{
    private static readonly ConcurrentDictionary<int, CudaContext> Contexts = new();

    /// <summary>Whether the tensor lives on a CUDA device (a disposed or null tensor is not; the CPU checks report it).</summary>
    internal static bool IsCuda(Tensor? tensor) => tensor is not null && !tensor.IsInvalid && tensor.device_type == DeviceType.CUDA;

    /// <summary>The ReproKit context of CUDA device <paramref name="device"/>.</summary>
    internal static CudaContext ContextFor(int device) => Contexts.GetOrAdd(device, d => new CudaContext(d));

    /// <summary>A float32 contiguous CUDA tensor's elements as a device buffer (dispose it after the call).</summary>
    internal static DeviceBuffer<float> Float32(Tensor tensor, string name) => Buffer<float>(tensor, ScalarType.Float32, name);

    /// <summary>An int32 contiguous CUDA tensor's elements as a device buffer.</summary>
    internal static DeviceBuffer<int> Int32(Tensor tensor, string name) => Buffer<int>(tensor, ScalarType.Int32, name);

    private static unsafe DeviceBuffer<T> Buffer<T>(Tensor tensor, ScalarType dtype, string name)
        where T : unmanaged
    {
        TensorAccess.CheckLayout(tensor, dtype, name);
        nint pointer = (nint)tensor.storage<T>().data_ptr() + checked((nint)(tensor.storage_offset() * sizeof(T)));
        return DeviceBuffer<T>.FromPointer(ContextFor(tensor.device.index), pointer, tensor.NumberOfElements);
    }
}
