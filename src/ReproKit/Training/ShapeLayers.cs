namespace ReproKit.Training;

/// <summary>ReLU (gradient 0 at 0, as PyTorch).</summary>
public sealed class ReluLayer : Layer
{
    private float[] input = [];
    private float[][] outputs = [], inputGradients = [];

    /// <inheritdoc/>
    public override string Name => "ReLU";

    /// <inheritdoc/>
    public override int[] OutputShape(int[] input) => input;

    /// <inheritdoc/>
    public override float[] Forward(float[] x, int[] shape, ForwardPass pass)
    {
        input = x;
        float[] y = Buffer(ref outputs, x.Length);
        pass.Device.ActivationForward(Activation.Relu, x, y);
        return y;
    }

    /// <inheritdoc/>
    public override float[] Backward(float[] dy, TrainingDevice device)
    {
        float[] dx = Buffer(ref inputGradients, dy.Length);
        device.ActivationBackward(Activation.Relu, input, dy, dx);
        return dx;
    }
}

/// <summary>Flattens <c>[N, ...]</c> to <c>[N, features]</c> (the data is not moved).</summary>
public sealed class FlattenLayer : Layer
{
    /// <inheritdoc/>
    public override string Name => "Flatten";

    /// <inheritdoc/>
    public override int[] OutputShape(int[] input) => [input[0], Product(input, 1)];

    /// <inheritdoc/>
    public override float[] Forward(float[] x, int[] shape, ForwardPass pass) => x;

    /// <inheritdoc/>
    public override float[] Backward(float[] dy, TrainingDevice device) => dy;
}

/// <summary>
/// Dropout with drop probability p (scaled by 1/(1 − p) in training, the identity in evaluation). The mask of step s
/// comes from the stream (seed, subsequence 64·s + layer index), regenerated for the backward: it depends on the
/// step and the layer, never on the order of calls.
/// </summary>
public sealed class DropoutLayer : Layer
{
    private readonly double p;
    private PhiloxStream stream;
    private bool training;
    private float[][] outputs = [], inputGradients = [];

    /// <summary>Creates the layer.</summary>
    /// <param name="p">The drop probability, in [0, 1).</param>
    public DropoutLayer(double p)
    {
        if (!(p >= 0 && p < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "The drop probability must be in [0, 1).");
        }

        this.p = p;
    }

    /// <inheritdoc/>
    public override string Name => FormattableString.Invariant($"Dropout({p})");

    /// <inheritdoc/>
    public override int[] OutputShape(int[] input) => input;

    /// <summary>The stream of a step's mask for this layer.</summary>
    /// <param name="seed">The run's seed.</param>
    /// <param name="step">The step.</param>
    public PhiloxStream MaskStream(ulong seed, long step) => new(seed, (ulong)step * 64 + (ulong)Index);

    /// <inheritdoc/>
    public override float[] Forward(float[] x, int[] shape, ForwardPass pass)
    {
        training = pass.Training;
        stream = MaskStream(pass.Seed, pass.Step);
        float[] y = Buffer(ref outputs, x.Length);
        if (training)
        {
            pass.Device.DropoutForward(x, y, p, stream);
        }
        else
        {
            x.CopyTo(y, 0); // evaluation: the identity
        }

        return y;
    }

    /// <inheritdoc/>
    public override float[] Backward(float[] dy, TrainingDevice device)
    {
        float[] dx = Buffer(ref inputGradients, dy.Length);
        if (training)
        {
            device.DropoutBackward(dy, dx, p, stream);
        }
        else
        {
            dy.CopyTo(dx, 0);
        }

        return dx;
    }
}

/// <summary>Max pooling with a square window and stride equal to it (PyTorch's <c>nn.MaxPool2d(k)</c>).</summary>
public sealed class MaxPool2dLayer : Layer
{
    private readonly int kernel;
    private Pool2dDescriptor? descriptor;
    private long[] indices = [];
    private int inputLength;
    private float[][] outputs = [], inputGradients = [];
    private long[][] indexBuffers = [];

    /// <summary>Creates the layer.</summary>
    /// <param name="kernel">Window size and stride.</param>
    public MaxPool2dLayer(int kernel)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(kernel, 1);
        this.kernel = kernel;
    }

    /// <inheritdoc/>
    public override string Name => $"MaxPool2d({kernel})";

    /// <inheritdoc/>
    public override int[] OutputShape(int[] input)
    {
        Expect(input.Length == 4 && input[2] >= kernel && input[3] >= kernel, Name, $"expects [N, C, H, W] with H, W >= {kernel}, got [{string.Join(", ", input)}]");
        return [input[0], input[1], input[2] / kernel, input[3] / kernel];
    }

    /// <inheritdoc/>
    public override float[] Forward(float[] x, int[] shape, ForwardPass pass)
    {
        int[] outShape = OutputShape(shape);
        if (descriptor is not { } d || d.N != shape[0] || d.C != shape[1] || d.H != shape[2] || d.W != shape[3])
        {
            descriptor = Pool2dDescriptor.Max(shape[0], shape[1], shape[2], shape[3], kernel);
        }

        inputLength = x.Length;
        float[] y = Buffer(ref outputs, Product(outShape));
        indices = Buffer(ref indexBuffers, y.Length);
        pass.Device.PoolForward(descriptor, x, y, indices);
        return y;
    }

    /// <inheritdoc/>
    public override float[] Backward(float[] dy, TrainingDevice device)
    {
        Pool2dDescriptor d = descriptor ?? throw new InvalidOperationException($"{Name}: backward before forward.");
        float[] dx = Buffer(ref inputGradients, inputLength);
        device.PoolBackward(d, dy, indices, dx);
        return dx;
    }
}
