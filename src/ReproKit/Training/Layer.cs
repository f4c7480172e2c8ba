namespace ReproKit.Training;

/// <summary>
/// What a layer's forward needs besides its input: where it runs, whether it trains, and the keys of its random
/// streams. Dropout's stream is keyed by (<see cref="Seed"/>, <see cref="Step"/>, the layer's index), never by the
/// order of calls, so a resumed run draws the same masks.
/// </summary>
/// <param name="Device">Where every operation runs (a CPU context or a CUDA device: the same bits).</param>
/// <param name="Training">True while training (batch statistics, dropout); false for evaluation.</param>
/// <param name="Seed">The run's seed.</param>
/// <param name="Step">The optimizer step this forward belongs to (0-based).</param>
public sealed record ForwardPass(TrainingDevice Device, bool Training, ulong Seed, long Step)
{
    /// <summary>A pass on a CPU context.</summary>
    /// <param name="context">The CPU context every operation runs on.</param>
    /// <param name="training">True while training.</param>
    /// <param name="seed">The run's seed.</param>
    /// <param name="step">The optimizer step (0-based).</param>
    public ForwardPass(CpuContext context, bool training, ulong seed, long step)
        : this(TrainingDevice.Cpu(context), training, seed, step)
    {
    }
}

/// <summary>
/// One layer of a <see cref="Sequential"/> model: an explicit forward and backward (no hidden graph). A layer keeps
/// what its backward needs from the last forward; <see cref="Backward"/> writes its parameters' gradients (not added
/// to earlier ones) and returns the gradient of its input.
/// </summary>
public abstract class Layer
{
    /// <summary>The layer's position in its model, set by <see cref="Sequential"/> (keys its random streams).</summary>
    public int Index { get; internal set; }

    /// <summary>A short description, for summaries and messages.</summary>
    public abstract string Name { get; }

    /// <summary>The layer's trainable parameters, in a fixed order (empty for none).</summary>
    public virtual IReadOnlyList<Parameter> Parameters => [];

    /// <summary>State that is not trained but must be saved (BatchNorm's running statistics), by local name.</summary>
    public virtual IReadOnlyList<CheckpointTensor> Buffers => [];

    /// <summary>The output shape <c>[N, ...]</c> for an input shape <c>[N, ...]</c>.</summary>
    /// <param name="input">The input's shape, batch first.</param>
    public abstract int[] OutputShape(int[] input);

    /// <summary>Fills the parameters from the run's seed (streams named by layer index and parameter).</summary>
    /// <param name="seed">The run's seed.</param>
    /// <param name="context">The CPU context.</param>
    public virtual void Initialize(ulong seed, CpuContext context)
    {
    }

    /// <summary>Forward of a batch <paramref name="x"/> of shape <paramref name="shape"/> (batch first).</summary>
    /// <param name="x">The input.</param>
    /// <param name="shape">Its shape.</param>
    /// <param name="pass">Context, mode and stream keys.</param>
    public abstract float[] Forward(float[] x, int[] shape, ForwardPass pass);

    /// <summary>Backward of the last forward: the input gradient from the output gradient <paramref name="dy"/>.</summary>
    /// <param name="dy">The output gradient (the last output's shape).</param>
    /// <param name="device">Where the operations run.</param>
    public abstract float[] Backward(float[] dy, TrainingDevice device);

    /// <summary>
    /// Whether <see cref="Forward"/> and <see cref="Backward"/> may write into arrays the layer keeps and return them
    /// again, instead of allocating per call (a training loop's activations and gradients are the same sizes every step).
    /// Then the array a call returns is valid until the layer's next call of the same kind on the same batch size: a
    /// caller that keeps it longer must copy it. Off by default: every call returns a new array. The results are the
    /// same bits either way.
    /// </summary>
    public bool ReusesBuffers { get; set; }

    /// <summary>
    /// The parameters' gradients of the last forward, for a caller that does not need the input gradient (the first
    /// layer of a model): the same gradients as <see cref="Backward"/>. By default it runs <see cref="Backward"/> and
    /// drops its result; layers whose input gradient costs work of its own skip it.
    /// </summary>
    /// <param name="dy">The output gradient (the last output's shape).</param>
    /// <param name="device">Where the operations run.</param>
    public virtual void BackwardParameters(float[] dy, TrainingDevice device) => Backward(dy, device);

    /// <summary>
    /// An array of <paramref name="length"/> elements for a call's result: a new one, or with <see cref="ReusesBuffers"/>
    /// the one <paramref name="slots"/> keeps for that length (contents unspecified: the caller writes every element).
    /// </summary>
    /// <param name="slots">The buffers of one kind of result, one per batch size seen (a few: training, last batch, evaluation).</param>
    /// <param name="length">The length needed.</param>
    private protected T[] Buffer<T>(ref T[][] slots, int length)
    {
        if (!ReusesBuffers)
        {
            return new T[length];
        }

        foreach (T[] b in slots)
        {
            if (b.Length == length)
            {
                return b;
            }
        }

        // A new size: keep the latest few (older sizes are dropped, newest first).
        var fresh = new T[length];
        slots = [fresh, .. slots.Length < MaxBufferSizes ? slots : slots[..(MaxBufferSizes - 1)]];
        return fresh;
    }

    // Batch sizes whose buffers a layer keeps per kind of result.
    private const int MaxBufferSizes = 4;

    /// <summary>The stream of parameter <paramref name="parameter"/> of this layer for a run's seed.</summary>
    protected PhiloxStream InitStream(ulong seed, int parameter) => new(seed, InitSubsequence + (ulong)(Index * 16 + parameter));

    /// <summary>Subsequences at and above this are initialization streams; dropout uses the ones below.</summary>
    internal const ulong InitSubsequence = 1UL << 62;

    internal static int Product(int[] shape, int from = 0)
    {
        long p = 1;
        for (int i = from; i < shape.Length; i++)
        {
            p *= shape[i];
        }

        return checked((int)p);
    }

    internal static void Expect(bool ok, string layer, string what)
    {
        if (!ok)
        {
            throw new ArgumentException($"{layer}: {what}", "shape");
        }
    }
}

/// <summary>A trainable tensor: its value, its gradient from the last backward, and its optimizer state.</summary>
public sealed class Parameter
{
    /// <summary>Creates a parameter of the given shape, zero-filled.</summary>
    /// <param name="name">Its name, e.g. <c>2.weight</c>.</param>
    /// <param name="shape">Its shape.</param>
    public Parameter(string name, params long[] shape)
    {
        Name = name;
        Shape = shape;
        long n = 1;
        foreach (long d in shape)
        {
            n *= d;
        }

        Value = new float[n];
        Grad = new float[n];
        State0 = new float[n];
        State1 = new float[n];
    }

    /// <summary>The parameter's name.</summary>
    public string Name { get; }

    /// <summary>The shape.</summary>
    public long[] Shape { get; }

    /// <summary>The values.</summary>
    public float[] Value { get; }

    /// <summary>The gradient written by the last backward.</summary>
    public float[] Grad { get; }

    /// <summary>Optimizer state: SGD's momentum buffer, or Adam's first moment.</summary>
    public float[] State0 { get; }

    /// <summary>Optimizer state: Adam's second moment.</summary>
    public float[] State1 { get; }
}
