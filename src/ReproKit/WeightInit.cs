namespace ReproKit;

/// <summary>Nonlinearities of <c>torch.nn.init.calculate_gain</c>.</summary>
public enum Nonlinearity
{
    /// <summary>Gain 1 (also convolutions and sigmoid).</summary>
    Linear,

    /// <summary>Gain 1.</summary>
    Sigmoid,

    /// <summary>Gain 5/3.</summary>
    Tanh,

    /// <summary>Gain sqrt(2).</summary>
    Relu,

    /// <summary>Gain sqrt(2 / (1 + slope^2)).</summary>
    LeakyRelu,

    /// <summary>Gain 3/4.</summary>
    Selu,
}

/// <summary>Which fan Kaiming initialisation preserves: the forward pass (fan in) or the backward pass (fan out).</summary>
public enum FanMode
{
    /// <summary>Fan in.</summary>
    FanIn,

    /// <summary>Fan out.</summary>
    FanOut,
}

/// <summary>
/// Weight initialisation with <c>torch.nn.init</c>'s semantics (fans, gains, bounds), reproducible to the bit:
/// the bound or standard deviation is computed in float64 exactly as PyTorch's Python code does and rounded to float32,
/// then the fill is ReproKit's canonical uniform or normal fill of the given stream.
/// </summary>
public static class WeightInit
{
    /// <summary>Fan in and fan out of a weight of this shape, as <c>torch.nn.init._calculate_fan_in_and_fan_out</c>: dims 0 and 1 times the receptive field.</summary>
    /// <param name="shape">The weight's shape, at least two dimensions (e.g. [out, in] or [out, in, kh, kw]).</param>
    public static (long FanIn, long FanOut) Fans(ReadOnlySpan<long> shape)
    {
        if (shape.Length < 2)
        {
            throw new ArgumentException("Fan in and fan out need a shape of at least two dimensions.", nameof(shape));
        }

        Sizes.Product(shape, nameof(shape)); // negative dimensions and overflowing shapes fail here, with the shape
        long receptive = Sizes.Product(shape[2..], nameof(shape));
        return (Sizes.Product([shape[1], receptive], nameof(shape)), Sizes.Product([shape[0], receptive], nameof(shape)));
    }

    /// <summary>The recommended gain, as <c>torch.nn.init.calculate_gain</c>.</summary>
    /// <param name="nonlinearity">The nonlinearity.</param>
    /// <param name="negativeSlope">Leaky ReLU's negative slope (PyTorch's default 0.01 when called directly; 0 from Kaiming's <c>a</c>).</param>
    public static double Gain(Nonlinearity nonlinearity, double negativeSlope = 0.01) => nonlinearity switch
    {
        Nonlinearity.Linear or Nonlinearity.Sigmoid => 1.0,
        Nonlinearity.Tanh => 5.0 / 3,
        Nonlinearity.Relu => Math.Sqrt(2.0),
        Nonlinearity.LeakyRelu => Math.Sqrt(2.0 / (1 + (negativeSlope * negativeSlope))),
        Nonlinearity.Selu => 3.0 / 4,
        _ => throw new ArgumentOutOfRangeException(nameof(nonlinearity)),
    };

    /// <summary><c>kaiming_uniform_</c>: U(-bound, bound) with bound = gain * sqrt(3 / fan).</summary>
    /// <param name="weights">The weights to fill.</param>
    /// <param name="shape">The weight's shape (for the fans); its element count must equal <paramref name="weights"/>' length.</param>
    /// <param name="stream">The random stream.</param>
    /// <param name="a">Leaky ReLU's negative slope.</param>
    /// <param name="mode">Fan in or fan out.</param>
    /// <param name="nonlinearity">The nonlinearity after this layer.</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    /// <returns>The bound used.</returns>
    public static float KaimingUniform(Span<float> weights, ReadOnlySpan<long> shape, PhiloxStream stream, double a = 0,
        FanMode mode = FanMode.FanIn, Nonlinearity nonlinearity = Nonlinearity.LeakyRelu, CpuContext? context = null)
    {
        float bound = KaimingUniformBound(weights.Length, shape, a, mode, nonlinearity);
        stream.FillUniform(weights, -bound, bound, context);
        return bound;
    }

    /// <summary><c>kaiming_normal_</c>: N(0, std²) with std = gain / sqrt(fan).</summary>
    /// <param name="weights">The weights to fill.</param>
    /// <param name="shape">The weight's shape.</param>
    /// <param name="stream">The random stream.</param>
    /// <param name="a">Leaky ReLU's negative slope.</param>
    /// <param name="mode">Fan in or fan out.</param>
    /// <param name="nonlinearity">The nonlinearity after this layer.</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    /// <returns>The standard deviation used.</returns>
    public static float KaimingNormal(Span<float> weights, ReadOnlySpan<long> shape, PhiloxStream stream, double a = 0,
        FanMode mode = FanMode.FanIn, Nonlinearity nonlinearity = Nonlinearity.LeakyRelu, CpuContext? context = null)
    {
        float std = KaimingNormalStd(weights.Length, shape, a, mode, nonlinearity);
        stream.FillNormal(weights, 0f, std, context);
        return std;
    }

    /// <summary><c>xavier_uniform_</c>: U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)).</summary>
    /// <param name="weights">The weights to fill.</param>
    /// <param name="shape">The weight's shape.</param>
    /// <param name="stream">The random stream.</param>
    /// <param name="gain">The gain.</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    /// <returns>The bound used.</returns>
    public static float XavierUniform(Span<float> weights, ReadOnlySpan<long> shape, PhiloxStream stream, double gain = 1.0, CpuContext? context = null)
    {
        float bound = XavierUniformBound(weights.Length, shape, gain);
        stream.FillUniform(weights, -bound, bound, context);
        return bound;
    }

    /// <summary><c>xavier_normal_</c>: N(0, std²) with std = gain * sqrt(2 / (fan_in + fan_out)).</summary>
    /// <param name="weights">The weights to fill.</param>
    /// <param name="shape">The weight's shape.</param>
    /// <param name="stream">The random stream.</param>
    /// <param name="gain">The gain.</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    /// <returns>The standard deviation used.</returns>
    public static float XavierNormal(Span<float> weights, ReadOnlySpan<long> shape, PhiloxStream stream, double gain = 1.0, CpuContext? context = null)
    {
        float std = XavierNormalStd(weights.Length, shape, gain);
        stream.FillNormal(weights, 0f, std, context);
        return std;
    }

    /// <summary><c>kaiming_uniform_</c> into device memory: the same bound and fill as on the CPU (<see cref="CudaOperations.FillUniform(PhiloxStream, DeviceBuffer{float}, float, float)"/>).</summary>
    /// <param name="weights">The weights to fill, on a CUDA device.</param>
    /// <param name="shape">The weight's shape; its element count must equal <paramref name="weights"/>' length.</param>
    /// <param name="stream">The random stream.</param>
    /// <param name="a">Leaky ReLU's negative slope.</param>
    /// <param name="mode">Fan in or fan out.</param>
    /// <param name="nonlinearity">The nonlinearity after this layer.</param>
    /// <returns>The bound used.</returns>
    public static float KaimingUniform(DeviceBuffer<float> weights, ReadOnlySpan<long> shape, PhiloxStream stream, double a = 0,
        FanMode mode = FanMode.FanIn, Nonlinearity nonlinearity = Nonlinearity.LeakyRelu)
    {
        ArgumentNullException.ThrowIfNull(weights);
        float bound = KaimingUniformBound(weights.Length, shape, a, mode, nonlinearity);
        CudaOperations.FillUniform(stream, weights, -bound, bound);
        return bound;
    }

    /// <summary><c>kaiming_normal_</c> into device memory: the same standard deviation and fill as on the CPU.</summary>
    /// <param name="weights">The weights to fill, on a CUDA device.</param>
    /// <param name="shape">The weight's shape.</param>
    /// <param name="stream">The random stream.</param>
    /// <param name="a">Leaky ReLU's negative slope.</param>
    /// <param name="mode">Fan in or fan out.</param>
    /// <param name="nonlinearity">The nonlinearity after this layer.</param>
    /// <returns>The standard deviation used.</returns>
    public static float KaimingNormal(DeviceBuffer<float> weights, ReadOnlySpan<long> shape, PhiloxStream stream, double a = 0,
        FanMode mode = FanMode.FanIn, Nonlinearity nonlinearity = Nonlinearity.LeakyRelu)
    {
        ArgumentNullException.ThrowIfNull(weights);
        float std = KaimingNormalStd(weights.Length, shape, a, mode, nonlinearity);
        CudaOperations.FillNormal(stream, weights, 0f, std);
        return std;
    }

    /// <summary><c>xavier_uniform_</c> into device memory: the same bound and fill as on the CPU.</summary>
    /// <param name="weights">The weights to fill, on a CUDA device.</param>
    /// <param name="shape">The weight's shape.</param>
    /// <param name="stream">The random stream.</param>
    /// <param name="gain">The gain.</param>
    /// <returns>The bound used.</returns>
    public static float XavierUniform(DeviceBuffer<float> weights, ReadOnlySpan<long> shape, PhiloxStream stream, double gain = 1.0)
    {
        ArgumentNullException.ThrowIfNull(weights);
        float bound = XavierUniformBound(weights.Length, shape, gain);
        CudaOperations.FillUniform(stream, weights, -bound, bound);
        return bound;
    }

    /// <summary><c>xavier_normal_</c> into device memory: the same standard deviation and fill as on the CPU.</summary>
    /// <param name="weights">The weights to fill, on a CUDA device.</param>
    /// <param name="shape">The weight's shape.</param>
    /// <param name="stream">The random stream.</param>
    /// <param name="gain">The gain.</param>
    /// <returns>The standard deviation used.</returns>
    public static float XavierNormal(DeviceBuffer<float> weights, ReadOnlySpan<long> shape, PhiloxStream stream, double gain = 1.0)
    {
        ArgumentNullException.ThrowIfNull(weights);
        float std = XavierNormalStd(weights.Length, shape, gain);
        CudaOperations.FillNormal(stream, weights, 0f, std);
        return std;
    }

    // The scale each fill receives, one definition for the CPU and the device (the bound: sqrt(3) std, rounded once).
    private static float KaimingUniformBound(long length, ReadOnlySpan<long> shape, double a, FanMode mode, Nonlinearity nonlinearity) =>
        CheckScale((float)(Math.Sqrt(3.0) * KaimingStd(length, shape, a, mode, nonlinearity)), nameof(a), a);

    private static float KaimingNormalStd(long length, ReadOnlySpan<long> shape, double a, FanMode mode, Nonlinearity nonlinearity) =>
        CheckScale((float)KaimingStd(length, shape, a, mode, nonlinearity), nameof(a), a);

    private static float XavierUniformBound(long length, ReadOnlySpan<long> shape, double gain) =>
        CheckScale((float)(Math.Sqrt(3.0) * XavierStd(length, shape, gain)), nameof(gain), gain);

    private static float XavierNormalStd(long length, ReadOnlySpan<long> shape, double gain) =>
        CheckScale((float)XavierStd(length, shape, gain), nameof(gain), gain);

    private static double KaimingStd(long length, ReadOnlySpan<long> shape, double a, FanMode mode, Nonlinearity nonlinearity)
    {
        if (!Enum.IsDefined(mode))
        {
            throw new ArgumentOutOfRangeException(nameof(mode), mode, "Not a FanMode value.");
        }

        var (fanIn, fanOut) = CheckedFans(length, shape);
        long fan = mode == FanMode.FanIn ? fanIn : fanOut;
        if (fan == 0)
        {
            throw new ArgumentException("Initialising a tensor with a zero fan is not possible.", nameof(shape));
        }

        return Gain(nonlinearity, a) / Math.Sqrt(fan);
    }

    private static double XavierStd(long length, ReadOnlySpan<long> shape, double gain)
    {
        var (fanIn, fanOut) = CheckedFans(length, shape);
        if (fanIn + fanOut == 0)
        {
            throw new ArgumentException("Initialising a tensor with zero fans is not possible.", nameof(shape));
        }

        return gain * Math.Sqrt(2.0 / (fanIn + fanOut));
    }

    // The bound or standard deviation that the fill receives: a NaN, infinite or negative one can only come from the
    // parameter that scales it (a NaN slope, a negative or huge gain), so that parameter is reported, not the fill's.
    private static float CheckScale(float scale, string paramName, double value)
    {
        if (!(float.IsFinite(scale) && scale >= 0))
        {
            throw new ArgumentOutOfRangeException(paramName, value,
                $"'{paramName}' gives a bound or standard deviation ({scale.ToString(System.Globalization.CultureInfo.InvariantCulture)}) that is not a finite, non-negative float32.");
        }

        return scale;
    }

    private static (long, long) CheckedFans(long length, ReadOnlySpan<long> shape)
    {
        long elements = Sizes.Product(shape, nameof(shape));

        if (elements != length)
        {
            throw new ArgumentException($"The shape holds {elements} elements, but the weights have {length}.", nameof(shape));
        }

        return Fans(shape);
    }
}
