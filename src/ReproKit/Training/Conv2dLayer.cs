namespace ReproKit.Training;

/// <summary>
/// A 2-D convolution layer, NCHW, square kernel, stride 1: weight <c>[K][C][k][k]</c> and bias <c>[K]</c>, initialized
/// as PyTorch's <c>nn.Conv2d</c> (Kaiming uniform with a = √5; bias uniform in ±1/√fan_in) from named streams. The
/// algorithm is Auto, which chooses from the shape alone, so every machine runs the same canonical function.
/// </summary>
public sealed class Conv2dLayer : Layer
{
    private readonly int inChannels, outChannels, kernel, padding;
    private readonly Parameter weight, bias;
    private float[] input = [];
    private Conv2dDescriptor? descriptor;
    private float[][] outputs = [], inputGradients = [];

    /// <summary>Creates the layer.</summary>
    /// <param name="inChannels">Input channels.</param>
    /// <param name="outChannels">Output channels.</param>
    /// <param name="kernel">Kernel height and width.</param>
    /// <param name="padding">Zero padding on every side.</param>
    public Conv2dLayer(int inChannels, int outChannels, int kernel, int padding = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inChannels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outChannels, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(kernel, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        (this.inChannels, this.outChannels, this.kernel, this.padding) = (inChannels, outChannels, kernel, padding);
        weight = new Parameter("weight", outChannels, inChannels, kernel, kernel);
        bias = new Parameter("bias", outChannels);
    }

    /// <inheritdoc/>
    public override string Name => $"Conv2d({inChannels}, {outChannels}, {kernel}, padding {padding})";

    /// <inheritdoc/>
    public override IReadOnlyList<Parameter> Parameters => [weight, bias];

    /// <inheritdoc/>
    public override int[] OutputShape(int[] input)
    {
        Expect(input.Length == 4 && input[1] == inChannels, Name, $"expects [N, {inChannels}, H, W], got [{string.Join(", ", input)}]");
        int h = input[2] + 2 * padding - kernel + 1, w = input[3] + 2 * padding - kernel + 1;
        Expect(h >= 1 && w >= 1, Name, $"the kernel does not fit [{string.Join(", ", input)}]");
        return [input[0], outChannels, h, w];
    }

    /// <inheritdoc/>
    public override void Initialize(ulong seed, CpuContext context)
    {
        long fanIn = (long)inChannels * kernel * kernel;
        WeightInit.KaimingUniform(weight.Value, weight.Shape, InitStream(seed, 0), a: Math.Sqrt(5), context: context);
        float bound = (float)(1 / Math.Sqrt(fanIn));
        InitStream(seed, 1).FillUniform(bias.Value, -bound, bound, context);
    }

    /// <inheritdoc/>
    public override float[] Forward(float[] x, int[] shape, ForwardPass pass)
    {
        int[] outShape = OutputShape(shape);
        if (descriptor is not { } d || d.N != shape[0] || d.H != shape[2] || d.W != shape[3])
        {
            descriptor = Conv2dDescriptor.Square(shape[0], inChannels, shape[2], shape[3], outChannels, kernel, padding: padding);
        }

        input = x;
        float[] y = Buffer(ref outputs, Product(outShape));
        pass.Device.Conv2dForward(descriptor, x, weight.Value, bias.Value, y);
        return y;
    }

    /// <inheritdoc/>
    public override float[] Backward(float[] dy, TrainingDevice device)
    {
        Conv2dDescriptor d = descriptor ?? throw new InvalidOperationException($"{Name}: backward before forward.");
        float[] dx = Buffer(ref inputGradients, input.Length);
        device.Conv2dBackwardData(d, dy, weight.Value, dx);
        device.Conv2dBackwardWeights(d, input, dy, weight.Grad, bias.Grad);
        return dx;
    }

    /// <inheritdoc/>
    public override void BackwardParameters(float[] dy, TrainingDevice device)
    {
        Conv2dDescriptor d = descriptor ?? throw new InvalidOperationException($"{Name}: backward before forward.");
        device.Conv2dBackwardWeights(d, input, dy, weight.Grad, bias.Grad);
    }
}
