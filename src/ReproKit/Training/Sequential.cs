using System.Runtime.InteropServices;

namespace ReproKit.Training;

/// <summary>
/// Layers run in order, with an explicit <see cref="Forward"/> and <see cref="Backward"/>: the model and its reference,
/// not a framework. <see cref="Digest"/> identifies every parameter and running statistic bit for bit.
/// </summary>
public sealed class Sequential
{
    private readonly Layer[] layers;

    /// <summary>Creates a model; each layer gets its index (which keys its streams).</summary>
    /// <param name="layers">The layers, first to last.</param>
    public Sequential(params Layer[] layers)
    {
        if (layers.Length == 0)
        {
            throw new ArgumentException("A model needs at least one layer.", nameof(layers));
        }

        this.layers = [.. layers];
        for (int i = 0; i < layers.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(layers[i], nameof(layers));
            layers[i].Index = i;
        }
    }

    /// <summary>The layers.</summary>
    public IReadOnlyList<Layer> Layers => layers;

    /// <summary>Every parameter, named <c>index.name</c>, in layer order.</summary>
    public IReadOnlyList<(string Name, Parameter Parameter)> Parameters =>
        [.. layers.SelectMany(l => l.Parameters.Select(p => ($"{l.Index}.{p.Name}", p)))];

    /// <summary>Initializes every layer's parameters from the seed (one named stream per parameter).</summary>
    /// <param name="seed">The run's seed.</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    public void Initialize(ulong seed, CpuContext? context = null)
    {
        foreach (Layer l in layers)
        {
            l.Initialize(seed, context ?? CpuContext.Shared);
        }
    }

    /// <summary>The output shape for an input shape (checks every layer's expectations).</summary>
    /// <param name="input">The input's shape, batch first.</param>
    public int[] OutputShape(int[] input) => layers.Aggregate(input, (s, l) => l.OutputShape(s));

    /// <summary>Runs every layer's forward.</summary>
    /// <param name="x">The input batch.</param>
    /// <param name="shape">Its shape, batch first.</param>
    /// <param name="pass">Context, mode and stream keys.</param>
    public float[] Forward(float[] x, int[] shape, ForwardPass pass)
    {
        ArgumentNullException.ThrowIfNull(pass);
        if (Layer.Product(shape) != x.Length)
        {
            throw new ArgumentException($"The input has {x.Length} values; the shape [{string.Join(", ", shape)}] needs {Layer.Product(shape)}.", nameof(x));
        }

        foreach (Layer l in layers)
        {
            int[] next = l.OutputShape(shape);
            x = l.Forward(x, shape, pass);
            shape = next;
        }

        return x;
    }

    /// <summary>Runs every layer's backward, last to first: fills every parameter's gradient.</summary>
    /// <param name="dy">The gradient of the last forward's output.</param>
    /// <param name="device">Where the operations run; null for the shared CPU context.</param>
    /// <returns>The gradient of the model's input.</returns>
    public float[] Backward(float[] dy, TrainingDevice? device = null)
    {
        device ??= TrainingDevice.Cpu();
        for (int i = layers.Length - 1; i >= 0; i--)
        {
            dy = layers[i].Backward(dy, device);
        }

        return dy;
    }

    /// <summary>
    /// Fills every parameter's gradient, as <see cref="Backward"/>, without the gradient of the model's input (which a
    /// training step does not use: the first layer skips that work). The same gradients, bit for bit.
    /// </summary>
    /// <param name="dy">The gradient of the last forward's output.</param>
    /// <param name="device">Where the operations run; null for the shared CPU context.</param>
    public void BackwardParameters(float[] dy, TrainingDevice? device = null)
    {
        device ??= TrainingDevice.Cpu();
        for (int i = layers.Length - 1; i > 0; i--)
        {
            dy = layers[i].Backward(dy, device);
        }

        layers[0].BackwardParameters(dy, device);
    }

    /// <summary>
    /// Whether every layer writes its results into arrays it keeps (<see cref="Layer.ReusesBuffers"/>): for a training
    /// loop that uses each step's outputs before the next step. Off by default.
    /// </summary>
    public bool ReusesBuffers
    {
        get => layers.All(l => l.ReusesBuffers);
        set
        {
            foreach (Layer l in layers)
            {
                l.ReusesBuffers = value;
            }
        }
    }

    /// <summary>
    /// Every array a checkpoint keeps, by name: each parameter's value (<c>index.name</c>) and optimizer state
    /// (<c>.state0</c>, <c>.state1</c>), then each layer's buffers (<c>index.running_mean</c>, ...). The arrays are the
    /// model's own: restoring writes into them.
    /// </summary>
    public IReadOnlyList<CheckpointTensor> StateArrays =>
    [
        .. Parameters.SelectMany(p => new CheckpointTensor[]
            { new(p.Name, p.Parameter.Value), new($"{p.Name}.state0", p.Parameter.State0), new($"{p.Name}.state1", p.Parameter.State1) }),
        .. Buffers,
    ];

    // Every layer's buffers, named index.name, in layer order.
    private IEnumerable<CheckpointTensor> Buffers => layers.SelectMany(l => l.Buffers.Select(b => new CheckpointTensor($"{l.Index}.{b.Name}", b.Data)));

    /// <summary>SHA-256 of every parameter value, then every buffer (BatchNorm's running mean and variance), in layer order.</summary>
    public string Digest
    {
        get
        {
            var all = new List<float>();
            foreach ((_, Parameter p) in Parameters)
            {
                all.AddRange(p.Value);
            }

            foreach (CheckpointTensor b in Buffers)
            {
                all.AddRange(b.Data);
            }

            return OutputDigest.Sha256<float>(CollectionsMarshal.AsSpan(all));
        }
    }
}
