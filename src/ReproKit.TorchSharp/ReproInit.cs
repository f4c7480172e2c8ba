using static TorchSharp.torch;

namespace ReproKit.TorchSharp;

/// <summary>
/// <c>torch.nn.init</c>'s fills with ReproKit's streams, written into a tensor's memory in place (no copy, outside
/// autograd, like <c>torch.nn.init</c> under <c>no_grad</c>): element <c>i</c> of the tensor (row-major) is element
/// <c>i</c> of the ReproKit fill, so the result equals <see cref="PhiloxStream"/>'s and <see cref="WeightInit"/>'s on the
/// same stream, bit for bit, on every ISA and thread count. The tensor must be a float32 CPU tensor and contiguous (else
/// <see cref="ArgumentException"/>). A CUDA tensor is filled on its device through the ReproKit CUDA plugin with the same
/// bits (no copy; the truncated normal has no CUDA kernel yet: <see cref="NotSupportedException"/>); the context argument
/// is then unused.
/// Each method returns the tensor, as <c>torch.nn.init</c> does.
/// </summary>
public static class ReproInit
{
    /// <summary><c>uniform_(tensor, low, high)</c>: <c>fma(u, high − low, low)</c> with u cuRAND's uniform in (0, 1], one word per element.</summary>
    /// <param name="tensor">The tensor to fill.</param>
    /// <param name="stream">The stream (element i uses word <c>Offset + i</c>).</param>
    /// <param name="low">The lower bound.</param>
    /// <param name="high">The upper bound.</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    public static Tensor Uniform(Tensor tensor, PhiloxStream stream, float low = 0f, float high = 1f, CpuContext? context = null)
    {
        if (CudaTensors.IsCuda(tensor))
        {
            using DeviceBuffer<float> device = CudaTensors.Float32(tensor, nameof(tensor));
            CudaOperations.FillUniform(stream, device, low, high);
            return tensor;
        }

        stream.FillUniform(TensorAccess.Float32(tensor, nameof(tensor)), low, high, context);
        GC.KeepAlive(tensor);
        return tensor;
    }

    /// <summary><c>normal_(tensor, mean, std)</c>: ReproKit's Box–Muller normals (two words per pair of elements).</summary>
    /// <param name="tensor">The tensor to fill.</param>
    /// <param name="stream">The stream.</param>
    /// <param name="mean">The mean.</param>
    /// <param name="std">The standard deviation.</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    public static Tensor Normal(Tensor tensor, PhiloxStream stream, float mean = 0f, float std = 1f, CpuContext? context = null)
    {
        if (CudaTensors.IsCuda(tensor))
        {
            using DeviceBuffer<float> device = CudaTensors.Float32(tensor, nameof(tensor));
            CudaOperations.FillNormal(stream, device, mean, std);
            return tensor;
        }

        stream.FillNormal(TensorAccess.Float32(tensor, nameof(tensor)), mean, std, context);
        GC.KeepAlive(tensor);
        return tensor;
    }

    /// <summary><c>trunc_normal_(tensor, mean, std, a, b)</c>: <c>torch.nn.init.trunc_normal_</c>'s inverse-CDF method, one word per element.</summary>
    /// <param name="tensor">The tensor to fill.</param>
    /// <param name="stream">The stream.</param>
    /// <param name="mean">The mean.</param>
    /// <param name="std">The standard deviation.</param>
    /// <param name="a">The lower cut-off.</param>
    /// <param name="b">The upper cut-off.</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    public static Tensor TruncatedNormal(Tensor tensor, PhiloxStream stream, float mean = 0f, float std = 1f, float a = -2f, float b = 2f,
        CpuContext? context = null)
    {
        if (CudaTensors.IsCuda(tensor))
        {
            throw new NotSupportedException($"'{nameof(tensor)}' is a CUDA tensor ({tensor.device}); the truncated normal has no CUDA kernel yet: fill a CPU tensor and move it with .to(device).");
        }

        stream.FillTruncatedNormal(TensorAccess.Float32(tensor, nameof(tensor)), mean, std, a, b, context);
        GC.KeepAlive(tensor);
        return tensor;
    }

    /// <summary><c>kaiming_uniform_</c>: U(−bound, bound), bound = gain · √(3 / fan), the fans from the tensor's shape.</summary>
    /// <param name="tensor">The weight to fill (at least two dimensions).</param>
    /// <param name="stream">The stream.</param>
    /// <param name="a">Leaky ReLU's negative slope (<c>nn.Linear</c> and <c>nn.Conv2d</c> use √5).</param>
    /// <param name="mode">Fan in or fan out.</param>
    /// <param name="nonlinearity">The nonlinearity after the layer.</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    public static Tensor KaimingUniform(Tensor tensor, PhiloxStream stream, double a = 0, FanMode mode = FanMode.FanIn,
        Nonlinearity nonlinearity = Nonlinearity.LeakyRelu, CpuContext? context = null)
    {
        if (CudaTensors.IsCuda(tensor))
        {
            using DeviceBuffer<float> device = CudaTensors.Float32(tensor, nameof(tensor));
            WeightInit.KaimingUniform(device, tensor.shape, stream, a, mode, nonlinearity);
            return tensor;
        }

        WeightInit.KaimingUniform(TensorAccess.Float32(tensor, nameof(tensor)), tensor.shape, stream, a, mode, nonlinearity, context);
        GC.KeepAlive(tensor);
        return tensor;
    }

    /// <summary><c>kaiming_normal_</c>: N(0, std²), std = gain / √fan.</summary>
    /// <param name="tensor">The weight to fill (at least two dimensions).</param>
    /// <param name="stream">The stream.</param>
    /// <param name="a">Leaky ReLU's negative slope.</param>
    /// <param name="mode">Fan in or fan out.</param>
    /// <param name="nonlinearity">The nonlinearity after the layer.</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    public static Tensor KaimingNormal(Tensor tensor, PhiloxStream stream, double a = 0, FanMode mode = FanMode.FanIn,
        Nonlinearity nonlinearity = Nonlinearity.LeakyRelu, CpuContext? context = null)
    {
        if (CudaTensors.IsCuda(tensor))
        {
            using DeviceBuffer<float> device = CudaTensors.Float32(tensor, nameof(tensor));
            WeightInit.KaimingNormal(device, tensor.shape, stream, a, mode, nonlinearity);
            return tensor;
        }

        WeightInit.KaimingNormal(TensorAccess.Float32(tensor, nameof(tensor)), tensor.shape, stream, a, mode, nonlinearity, context);
        GC.KeepAlive(tensor);
        return tensor;
    }

    /// <summary><c>xavier_uniform_</c>: U(−a, a), a = gain · √(6 / (fan_in + fan_out)).</summary>
    /// <param name="tensor">The weight to fill (at least two dimensions).</param>
    /// <param name="stream">The stream.</param>
    /// <param name="gain">The gain.</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    public static Tensor XavierUniform(Tensor tensor, PhiloxStream stream, double gain = 1.0, CpuContext? context = null)
    {
        if (CudaTensors.IsCuda(tensor))
        {
            using DeviceBuffer<float> device = CudaTensors.Float32(tensor, nameof(tensor));
            WeightInit.XavierUniform(device, tensor.shape, stream, gain);
            return tensor;
        }

        WeightInit.XavierUniform(TensorAccess.Float32(tensor, nameof(tensor)), tensor.shape, stream, gain, context);
        GC.KeepAlive(tensor);
        return tensor;
    }

    /// <summary><c>xavier_normal_</c>: N(0, std²), std = gain · √(2 / (fan_in + fan_out)).</summary>
    /// <param name="tensor">The weight to fill (at least two dimensions).</param>
    /// <param name="stream">The stream.</param>
    /// <param name="gain">The gain.</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    public static Tensor XavierNormal(Tensor tensor, PhiloxStream stream, double gain = 1.0, CpuContext? context = null)
    {
        if (CudaTensors.IsCuda(tensor))
        {
            using DeviceBuffer<float> device = CudaTensors.Float32(tensor, nameof(tensor));
            WeightInit.XavierNormal(device, tensor.shape, stream, gain);
            return tensor;
        }

        WeightInit.XavierNormal(TensorAccess.Float32(tensor, nameof(tensor)), tensor.shape, stream, gain, context);
        GC.KeepAlive(tensor);
        return tensor;
    }
}
