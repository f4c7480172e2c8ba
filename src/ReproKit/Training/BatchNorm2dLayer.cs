namespace ReproKit.Training;

/// <summary>
/// BatchNorm2d over channels (γ = 1, β = 0 at start; running mean 0 and variance 1; ε = 1e-5, momentum 0.1, as
/// PyTorch): batch statistics while training, running statistics in evaluation.
/// </summary>
public sealed class BatchNorm2dLayer : Layer
{
    private readonly int channels;
    private readonly Parameter gamma, beta;
    private readonly float[] mean, invStd;
    private float[] input = [];
    private BatchNorm2dShape? shape;
    private bool training;
    private float[][] outputs = [], inputGradients = [];

    /// <summary>Creates the layer.</summary>
    /// <param name="channels">Channels.</param>
    public BatchNorm2dLayer(int channels)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(channels, 1);
        this.channels = channels;
        gamma = new Parameter("weight", channels);
        beta = new Parameter("bias", channels);
        mean = new float[channels];
        invStd = new float[channels];
        RunningMean = new float[channels];
        RunningVar = new float[channels];
        Reset();
    }

    /// <inheritdoc/>
    public override string Name => $"BatchNorm2d({channels})";

    /// <inheritdoc/>
    public override IReadOnlyList<Parameter> Parameters => [gamma, beta];

    /// <inheritdoc/>
    public override IReadOnlyList<CheckpointTensor> Buffers => [new("running_mean", RunningMean), new("running_var", RunningVar)];

    /// <summary>The running means (saved in checkpoints; part of the model's digest).</summary>
    public float[] RunningMean { get; }

    /// <summary>The running variances.</summary>
    public float[] RunningVar { get; }

    /// <inheritdoc/>
    public override int[] OutputShape(int[] input)
    {
        Expect(input.Length == 4 && input[1] == channels, Name, $"expects [N, {channels}, H, W], got [{string.Join(", ", input)}]");
        return input;
    }

    /// <inheritdoc/>
    public override void Initialize(ulong seed, CpuContext context) => Reset();

    /// <inheritdoc/>
    public override float[] Forward(float[] x, int[] shape, ForwardPass pass)
    {
        OutputShape(shape);
        if (this.shape is not { } s || s.N != shape[0] || s.H != shape[2] || s.W != shape[3])
        {
            this.shape = new BatchNorm2dShape(shape[0], shape[1], shape[2], shape[3]);
        }

        input = x;
        training = pass.Training;
        float[] y = Buffer(ref outputs, x.Length);
        if (training)
        {
            pass.Device.BatchNormForwardTraining(this.shape, x, gamma.Value, beta.Value, y, mean, invStd, RunningMean, RunningVar);
        }
        else
        {
            pass.Device.BatchNormForwardInference(this.shape, x, gamma.Value, beta.Value, RunningMean, RunningVar, y);
        }

        return y;
    }

    /// <inheritdoc/>
    public override float[] Backward(float[] dy, TrainingDevice device)
    {
        BatchNorm2dShape s = shape ?? throw new InvalidOperationException($"{Name}: backward before forward.");
        float[] dx = Buffer(ref inputGradients, dy.Length);
        if (training)
        {
            device.BatchNormBackwardTraining(s, input, dy, gamma.Value, mean, invStd, dx, gamma.Grad, beta.Grad);
        }
        else
        {
            device.BatchNormBackwardInference(s, dy, gamma.Value, RunningVar, dx);
            Array.Clear(gamma.Grad);
            Array.Clear(beta.Grad);
        }

        return dx;
    }

    private void Reset()
    {
        gamma.Value.AsSpan().Fill(1f);
        beta.Value.AsSpan().Clear();
        RunningMean.AsSpan().Clear();
        RunningVar.AsSpan().Fill(1f);
    }
}
