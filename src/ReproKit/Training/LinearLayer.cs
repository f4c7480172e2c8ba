namespace ReproKit.Training;

/// <summary>
/// A fully connected layer <c>y = x Wᵀ + b</c> on <c>[N, in]</c>, initialized as PyTorch's <c>nn.Linear</c> (Kaiming
/// uniform with a = √5; bias uniform in ±1/√in) from named streams.
/// </summary>
public sealed class LinearLayer : Layer
{
    private readonly int inFeatures, outFeatures;
    private readonly Parameter weight, bias;
    private float[] input = [];
    private LinearShape? shape;
    private float[][] outputs = [], inputGradients = [];

    /// <summary>Creates the layer.</summary>
    /// <param name="inFeatures">Input features.</param>
    /// <param name="outFeatures">Output features.</param>
    public LinearLayer(int inFeatures, int outFeatures)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(inFeatures, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(outFeatures, 1);
        (this.inFeatures, this.outFeatures) = (inFeatures, outFeatures);
        weight = new Parameter("weight", outFeatures, inFeatures);
        bias = new Parameter("bias", outFeatures);
    }

    /// <inheritdoc/>
    public override string Name => $"Linear({inFeatures}, {outFeatures})";

    /// <inheritdoc/>
    public override IReadOnlyList<Parameter> Parameters => [weight, bias];

    /// <inheritdoc/>
    public override int[] OutputShape(int[] input)
    {
        Expect(input.Length == 2 && input[1] == inFeatures, Name, $"expects [N, {inFeatures}], got [{string.Join(", ", input)}] (add a Flatten)");
        return [input[0], outFeatures];
    }

    /// <inheritdoc/>
    public override void Initialize(ulong seed, CpuContext context)
    {
        WeightInit.KaimingUniform(weight.Value, weight.Shape, InitStream(seed, 0), a: Math.Sqrt(5), context: context);
        float bound = (float)(1 / Math.Sqrt(inFeatures));
        InitStream(seed, 1).FillUniform(bias.Value, -bound, bound, context);
    }

    /// <inheritdoc/>
    public override float[] Forward(float[] x, int[] shape, ForwardPass pass)
    {
        int[] outShape = OutputShape(shape);
        if (this.shape is not { } s || s.Batch != shape[0])
        {
            this.shape = new LinearShape(shape[0], inFeatures, outFeatures);
        }

        input = x;
        float[] y = Buffer(ref outputs, Product(outShape));
        pass.Device.LinearForward(this.shape, x, weight.Value, bias.Value, y);
        return y;
    }

    /// <inheritdoc/>
    public override float[] Backward(float[] dy, TrainingDevice device)
    {
        LinearShape s = shape ?? throw new InvalidOperationException($"{Name}: backward before forward.");
        float[] dx = Buffer(ref inputGradients, input.Length);
        device.LinearBackwardData(s, dy, weight.Value, dx);
        device.LinearBackwardWeights(s, input, dy, weight.Grad, bias.Grad);
        return dx;
    }

    /// <inheritdoc/>
    public override void BackwardParameters(float[] dy, TrainingDevice device)
    {
        LinearShape s = shape ?? throw new InvalidOperationException($"{Name}: backward before forward.");
        device.LinearBackwardWeights(s, input, dy, weight.Grad, bias.Grad);
    }
}
