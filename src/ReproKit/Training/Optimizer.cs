namespace ReproKit.Training;

/// <summary>An optimizer over a model's parameters: one step from their gradients, state kept in the parameters.</summary>
public abstract class Optimizer
{
    /// <summary>The number of steps taken.</summary>
    public long Steps { get; protected set; }

    /// <summary>Continues from a checkpoint: the number of steps already taken (the state itself is in the parameters).</summary>
    /// <param name="steps">Steps taken, at least 0.</param>
    public void Restore(long steps)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        Steps = steps;
    }

    /// <summary>Updates every parameter from its gradient.</summary>
    /// <param name="parameters">The parameters (a model's <see cref="Sequential.Parameters"/>).</param>
    /// <param name="device">Where the update runs; null for the shared CPU context.</param>
    public abstract void Step(IReadOnlyList<(string Name, Parameter Parameter)> parameters, TrainingDevice? device = null);
}

/// <summary>SGD (PyTorch's update; the momentum buffer is <see cref="Parameter.State0"/>).</summary>
/// <param name="options">Learning rate, momentum, dampening, weight decay, Nesterov.</param>
public sealed class SgdOptimizer(SgdOptions options) : Optimizer
{
    /// <inheritdoc/>
    public override void Step(IReadOnlyList<(string Name, Parameter Parameter)> parameters, TrainingDevice? device = null)
    {
        device ??= TrainingDevice.Cpu();
        foreach ((_, Parameter p) in parameters)
        {
            device.SgdStep(options, p.Value, p.Grad, p.State0, firstStep: Steps == 0);
        }

        Steps++;
    }
}

/// <summary>Adam or AdamW (PyTorch's update; moments in <see cref="Parameter.State0"/> and <see cref="Parameter.State1"/>).</summary>
/// <param name="options">Learning rate, betas, ε, weight decay, decoupled (AdamW) or not.</param>
public sealed class AdamOptimizer(AdamOptions options) : Optimizer
{
    /// <inheritdoc/>
    public override void Step(IReadOnlyList<(string Name, Parameter Parameter)> parameters, TrainingDevice? device = null)
    {
        device ??= TrainingDevice.Cpu();
        Steps++;
        foreach ((_, Parameter p) in parameters)
        {
            device.AdamStep(options, Steps, p.Value, p.Grad, p.State0, p.State1);
        }
    }
}
