using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace ReproKit.TorchSharp;

/// <summary>
/// The memory of a TorchSharp tensor as a span, without a copy: a CPU tensor of the expected dtype, contiguous. Anything
/// else is a clear exception naming the argument and the problem (ReproKit writes and reads tensors in place, so it never
/// copies silently). The caller keeps the tensor alive while it uses the span (<see cref="GC.KeepAlive"/>).
/// </summary>
internal static class TensorAccess
{
    /// <summary>A float32 CPU contiguous tensor's elements.</summary>
    internal static Span<float> Float32(Tensor tensor, string name) => Data<float>(tensor, ScalarType.Float32, name);

    /// <summary>An int64 CPU contiguous tensor's elements.</summary>
    internal static Span<long> Int64(Tensor tensor, string name) => Data<long>(tensor, ScalarType.Int64, name);

    /// <summary>Throws unless the tensor is a live CPU tensor (CUDA: <see cref="NotSupportedException"/>).</summary>
    internal static void CheckCpu(Tensor tensor, string name)
    {
        ArgumentNullException.ThrowIfNull(tensor, name);
        if (tensor.IsInvalid)
        {
            throw new ArgumentException($"'{name}' has been disposed.", name);
        }

        DeviceType device = tensor.device_type;
        if (device == DeviceType.CUDA)
        {
            throw new NotSupportedException(
                $"'{name}' is a CUDA tensor ({tensor.device}); this operation runs on CPU tensors (on CUDA tensors ReproKit.TorchSharp has the init fills, dropout and the sampler so far). Move it with .cpu().");
        }

        if (device != DeviceType.CPU)
        {
            throw new ArgumentException($"'{name}' is on device {tensor.device}; ReproKit.TorchSharp needs a CPU tensor.", name);
        }
    }

    /// <summary>Throws unless the tensor has <paramref name="dimensions"/> dimensions.</summary>
    internal static void CheckDimensions(Tensor tensor, int dimensions, string name, string expected)
    {
        if (tensor.Dimensions != dimensions)
        {
            throw new ArgumentException($"'{name}' has shape {Shape(tensor)}; expected {expected}.", name);
        }
    }

    /// <summary>A shape as <c>[a, b, c]</c>, for messages.</summary>
    internal static string Shape(Tensor tensor) => Shape(tensor.shape);

    /// <summary>A shape as <c>[a, b, c]</c>, for messages.</summary>
    internal static string Shape(ReadOnlySpan<long> shape) => $"[{string.Join(", ", shape.ToArray())}]";

    /// <summary>Checked narrowing of a size to int (ReproKit's shapes are int or long per operation).</summary>
    internal static int ToInt(long value, string name, string what)
    {
        if (value is < 0 or > int.MaxValue)
        {
            throw new ArgumentException($"'{name}': {what} is {value}; at most {int.MaxValue} is supported.", name);
        }

        return (int)value;
    }

    /// <summary>Throws unless the tensor (on any device) has <paramref name="dtype"/> and is contiguous.</summary>
    internal static void CheckLayout(Tensor tensor, ScalarType dtype, string name)
    {
        if (tensor.dtype != dtype)
        {
            throw new ArgumentException($"'{name}' is {tensor.dtype}; ReproKit.TorchSharp needs {dtype} here (convert with .to({dtype})).", name);
        }

        if (!tensor.is_contiguous())
        {
            throw new ArgumentException(
                $"'{name}' is not contiguous (shape {Shape(tensor)}, strides {Shape(tensor.stride())}); ReproKit works on a tensor's memory in place and does not copy silently: pass .contiguous().",
                name);
        }
    }

    private static Span<T> Data<T>(Tensor tensor, ScalarType dtype, string name)
        where T : unmanaged
    {
        CheckCpu(tensor, name);
        CheckLayout(tensor, dtype, name);
        long bytes = tensor.numel() * tensor.ElementSize;
        if (bytes > int.MaxValue)
        {
            throw new ArgumentException($"'{name}' holds {bytes} bytes; at most {int.MaxValue} bytes per tensor are supported.", name);
        }

        return MemoryMarshal.Cast<byte, T>(tensor.bytes);
    }
}
