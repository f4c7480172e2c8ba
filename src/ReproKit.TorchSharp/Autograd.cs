using TorchSharp;
using static TorchSharp.torch;
using AutogradContext = TorchSharp.torch.autograd.AutogradContext;

namespace ReproKit.TorchSharp;

// TorchSharp custom autograd functions (torch.autograd.SingleTensorFunction<T>): each forward and backward calls ReproKit's
// canonical operation on the tensors' memory. A function's non-tensor arguments travel as one record (the last forward
// argument) and are kept with ctx.save_data; backward returns one entry per forward argument (null for non-tensors and
// for inputs that need no gradient). The public entry points are ReproFunctional's; they validate before calling apply.

/// <summary>Helpers shared by the functions.</summary>
internal static class AutogradTensors
{
    /// <summary>A new float32 CPU tensor of this shape (its content is written by ReproKit).</summary>
    internal static Tensor Empty(long[] shape) => torch.empty(shape, ScalarType.Float32, device: torch.CPU);

    /// <summary>
    /// The gradient autograd passes to a backward, as a float32 contiguous CPU tensor: autograd's own tensor when it is
    /// contiguous, else a contiguous copy (autograd may pass an expanded gradient, e.g. from a sum).
    /// </summary>
    internal static Tensor Contiguous(Tensor gradient, string operation)
    {
        if (gradient.dtype != ScalarType.Float32 || gradient.device_type != DeviceType.CPU)
        {
            throw new ArgumentException($"{operation}: the gradient from autograd is {gradient.dtype} on {gradient.device}; ReproKit needs float32 on the CPU.");
        }

        return gradient.contiguous();
    }

    // The tensors the functions' forwards return, on this thread, while Apply runs.
    [ThreadStatic]
    private static List<Tensor>? outputs;

    /// <summary>
    /// Runs function <typeparamref name="T"/> through TorchSharp's autograd and returns its output. TorchSharp wraps the
    /// tensor a forward returns into a new tensor and leaves the forward's own wrapper alive (until a dispose scope or
    /// the finalizer takes it); Apply disposes it as soon as the output exists, so that a forward outside a dispose
    /// scope leaves nothing behind but the output the caller disposes.
    /// </summary>
    internal static Tensor Apply<T>(params object[] vars)
        where T : torch.autograd.SingleTensorFunction<T>, new()
    {
        List<Tensor>? outer = outputs;
        outputs = [];
        try
        {
            return torch.autograd.SingleTensorFunction<T>.apply(vars);
        }
        finally
        {
            foreach (Tensor t in outputs)
            {
                t.Dispose();
            }

            outputs = outer;
        }
    }

    /// <summary>A forward's output: returned to autograd, and disposed by <see cref="Apply{T}"/> once autograd has wrapped it.</summary>
    internal static Tensor Output(Tensor y)
    {
        outputs?.Add(y);
        return y;
    }

    // The gradients the last backward on this thread returned: autograd copies them as soon as the backward returns.
    [ThreadStatic]
    private static List<Tensor>? returned;

    /// <summary>
    /// A backward's result. TorchSharp disposes neither the wrapper of the gradient it passes to a backward nor the
    /// tensors a backward returns (libtorch copies them as soon as the backward returns): this disposes the first now
    /// and the second at the next backward on this thread, so that a training step outside a dispose scope leaves at
    /// most the last backward's gradients behind, not a few tensors per layer and step.
    /// </summary>
    internal static List<Tensor> Gradients(Tensor gradOutput, List<Tensor> gradients)
    {
        if (returned is not null)
        {
            foreach (Tensor t in returned)
            {
                t.Dispose();
            }
        }

        returned = [.. gradients.Where(g => g is not null)];
        gradOutput.Dispose();
        return gradients;
    }

    /// <summary>True when a forward argument is a tensor that takes part in autograd with requires_grad.</summary>
    internal static bool NeedsGrad(Tensor? t) => t is not null && t.requires_grad;
}

/// <summary>conv2d's non-tensor arguments.</summary>
internal sealed record ConvArgs(Conv2dDescriptor Descriptor, ConvAlgorithm Algorithm, CpuContext? Context, bool InputNeedsGrad);

/// <summary>y = conv2d(x, w) + b: ReproKit's forward, backward-data and backward-weights.</summary>
internal sealed class Conv2dFunction : torch.autograd.SingleTensorFunction<Conv2dFunction>
{
    public override string Name => "ReproConv2d";

    public override Tensor forward(AutogradContext ctx, params object[] vars)
    {
        var x = (Tensor)vars[0];
        var w = (Tensor)vars[1];
        var b = vars[2] as Tensor;
        var a = (ConvArgs)vars[3];
        Conv2dDescriptor d = a.Descriptor;
        (long p, long q) = d.OutputSize;
        Tensor y = AutogradTensors.Empty([d.N, d.K, p, q]);
        Conv2d.Forward(d, TensorAccess.Float32(x, "input"), TensorAccess.Float32(w, "weight"), b is null ? default : TensorAccess.Float32(b, "bias"),
            TensorAccess.Float32(y, "output"), a.Algorithm, context: a.Context);
        ctx.save_for_backward([x, w]);
        ctx.save_data("args", a);
        ctx.save_data("bias", b is not null);
        return AutogradTensors.Output(y);
    }

    public override List<Tensor> backward(AutogradContext ctx, Tensor grad_output)
    {
        var a = (ConvArgs)ctx.get_data("args");
        bool hasBias = (bool)ctx.get_data("bias");
        List<Tensor> saved = ctx.get_saved_variables();
        using Tensor x = saved[0], w = saved[1];
        using Tensor dy = AutogradTensors.Contiguous(grad_output, Name);
        Conv2dDescriptor d = a.Descriptor;
        Tensor? dx = null;
        if (a.InputNeedsGrad)
        {
            dx = AutogradTensors.Empty([d.N, d.C, d.H, d.W]);
            Conv2d.BackwardData(d, TensorAccess.Float32(dy, "grad"), TensorAccess.Float32(w, "weight"), TensorAccess.Float32(dx, "dx"), context: a.Context);
        }

        Tensor dw = AutogradTensors.Empty(w.shape);
        Tensor? db = hasBias ? AutogradTensors.Empty([d.K]) : null;
        Conv2d.BackwardWeights(d, TensorAccess.Float32(x, "input"), TensorAccess.Float32(dy, "grad"), TensorAccess.Float32(dw, "dw"),
            db is null ? default : TensorAccess.Float32(db, "db"), context: a.Context);
        return AutogradTensors.Gradients(grad_output, [dx!, dw, db!, null!]);
    }
}

/// <summary>Linear's non-tensor arguments.</summary>
internal sealed record LinearArgs(LinearShape Shape, long[] OutputShape, CpuContext? Context, bool InputNeedsGrad);

/// <summary>y = x Wᵀ + b over the last dimension of x: ReproKit's Linear forward and backward.</summary>
internal sealed class LinearFunction : torch.autograd.SingleTensorFunction<LinearFunction>
{
    public override string Name => "ReproLinear";

    public override Tensor forward(AutogradContext ctx, params object[] vars)
    {
        var x = (Tensor)vars[0];
        var w = (Tensor)vars[1];
        var b = vars[2] as Tensor;
        var a = (LinearArgs)vars[3];
        Tensor y = AutogradTensors.Empty(a.OutputShape);
        Linear.Forward(a.Shape, TensorAccess.Float32(x, "input"), TensorAccess.Float32(w, "weight"), b is null ? default : TensorAccess.Float32(b, "bias"),
            TensorAccess.Float32(y, "output"), a.Context);
        ctx.save_for_backward([x, w]);
        ctx.save_data("args", a);
        ctx.save_data("bias", b is not null);
        return AutogradTensors.Output(y);
    }

    public override List<Tensor> backward(AutogradContext ctx, Tensor grad_output)
    {
        var a = (LinearArgs)ctx.get_data("args");
        bool hasBias = (bool)ctx.get_data("bias");
        List<Tensor> saved = ctx.get_saved_variables();
        using Tensor x = saved[0], w = saved[1];
        using Tensor dy = AutogradTensors.Contiguous(grad_output, Name);
        Tensor? dx = null;
        if (a.InputNeedsGrad)
        {
            dx = AutogradTensors.Empty(x.shape);
            Linear.BackwardData(a.Shape, TensorAccess.Float32(dy, "grad"), TensorAccess.Float32(w, "weight"), TensorAccess.Float32(dx, "dx"), a.Context);
        }

        Tensor dw = AutogradTensors.Empty(w.shape);
        Tensor? db = hasBias ? AutogradTensors.Empty([a.Shape.OutFeatures]) : null;
        Linear.BackwardWeights(a.Shape, TensorAccess.Float32(x, "input"), TensorAccess.Float32(dy, "grad"), TensorAccess.Float32(dw, "dw"),
            db is null ? default : TensorAccess.Float32(db, "db"), a.Context);
        return AutogradTensors.Gradients(grad_output, [dx!, dw, db!, null!]);
    }
}

/// <summary>Pooling's non-tensor arguments.</summary>
internal sealed record PoolArgs(Pool2dDescriptor Descriptor, CpuContext? Context);

/// <summary>MaxPool2d / AvgPool2d: ReproKit's forward (max: with indices) and its gather backward.</summary>
internal sealed class Pool2dFunction : torch.autograd.SingleTensorFunction<Pool2dFunction>
{
    public override string Name => "ReproPool2d";

    public override Tensor forward(AutogradContext ctx, params object[] vars)
    {
        var x = (Tensor)vars[0];
        var a = (PoolArgs)vars[1];
        Pool2dDescriptor d = a.Descriptor;
        (long p, long q) = d.OutputSize;
        Tensor y = AutogradTensors.Empty([d.N, d.C, p, q]);
        // The indices are the backward's only need (not x): a managed array, kept with the node.
        long[] indices = d.Mode == PoolMode.Max ? new long[d.OutputLength] : [];
        Pooling.Forward(d, TensorAccess.Float32(x, "input"), TensorAccess.Float32(y, "output"), indices, a.Context);
        ctx.save_data("args", a);
        ctx.save_data("indices", indices);
        return AutogradTensors.Output(y);
    }

    public override List<Tensor> backward(AutogradContext ctx, Tensor grad_output)
    {
        var a = (PoolArgs)ctx.get_data("args");
        var indices = (long[])ctx.get_data("indices");
        using Tensor dy = AutogradTensors.Contiguous(grad_output, Name);
        Pool2dDescriptor d = a.Descriptor;
        Tensor dx = AutogradTensors.Empty([d.N, d.C, d.H, d.W]);
        Pooling.Backward(d, TensorAccess.Float32(dy, "grad"), indices, TensorAccess.Float32(dx, "dx"), a.Context);
        return AutogradTensors.Gradients(grad_output, [dx, null!]);
    }
}

/// <summary>BatchNorm2d's non-tensor arguments: the running statistics (updated in place in training) travel here, not as graph inputs.</summary>
internal sealed record BatchNormArgs(BatchNorm2dShape Shape, bool Training, Tensor? RunningMean, Tensor? RunningVar, float Eps, float Momentum,
    CpuContext? Context);

/// <summary>BatchNorm2d: training (batch statistics, running statistics updated) or evaluation (running statistics).</summary>
internal sealed class BatchNorm2dFunction : torch.autograd.SingleTensorFunction<BatchNorm2dFunction>
{
    public override string Name => "ReproBatchNorm2d";

    public override Tensor forward(AutogradContext ctx, params object[] vars)
    {
        var x = (Tensor)vars[0];
        var gamma = vars[1] as Tensor;
        var beta = vars[2] as Tensor;
        var a = (BatchNormArgs)vars[3];
        BatchNorm2dShape s = a.Shape;
        Tensor y = AutogradTensors.Empty(x.shape);
        Span<float> gs = gamma is null ? default : TensorAccess.Float32(gamma, "weight");
        Span<float> bs = beta is null ? default : TensorAccess.Float32(beta, "bias");
        Span<float> rm = a.RunningMean is null ? default : TensorAccess.Float32(a.RunningMean, "running_mean");
        Span<float> rv = a.RunningVar is null ? default : TensorAccess.Float32(a.RunningVar, "running_var");
        if (a.Training)
        {
            var mean = new float[s.C];
            var invStd = new float[s.C];
            BatchNorm2d.ForwardTraining(s, TensorAccess.Float32(x, "input"), gs, bs, TensorAccess.Float32(y, "output"), mean, invStd, rm, rv, a.Eps,
                a.Momentum, a.Context);
            ctx.save_data("mean", mean);
            ctx.save_data("invstd", invStd);
        }
        else
        {
            BatchNorm2d.ForwardInference(s, TensorAccess.Float32(x, "input"), gs, bs, rm, rv, TensorAccess.Float32(y, "output"), a.Eps, a.Context);
        }

        ctx.save_for_backward([x, gamma!]);
        ctx.save_data("args", a);
        ctx.save_data("beta", beta is not null);
        return AutogradTensors.Output(y);
    }

    public override List<Tensor> backward(AutogradContext ctx, Tensor grad_output)
    {
        var a = (BatchNormArgs)ctx.get_data("args");
        bool hasBeta = (bool)ctx.get_data("beta");
        List<Tensor> saved = ctx.get_saved_variables();
        using Tensor x = saved[0];
        using Tensor? gamma = saved[1] is { IsInvalid: false } g ? g : null;
        using Tensor dy = AutogradTensors.Contiguous(grad_output, Name);
        BatchNorm2dShape s = a.Shape;
        Tensor dx = AutogradTensors.Empty(x.shape);
        ReadOnlySpan<float> gs = gamma is null ? default : TensorAccess.Float32(gamma, "weight");
        if (!a.Training)
        {
            // Evaluation: dx only; γ and β get no gradient (docs/training.md section 4).
            BatchNorm2d.BackwardInference(s, TensorAccess.Float32(dy, "grad"), gs, TensorAccess.Float32(a.RunningVar!, "running_var"),
                TensorAccess.Float32(dx, "dx"), a.Eps, a.Context);
            return AutogradTensors.Gradients(grad_output, [dx, null!, null!, null!]);
        }

        Tensor? dGamma = gamma is null ? null : AutogradTensors.Empty([s.C]);
        Tensor? dBeta = hasBeta ? AutogradTensors.Empty([s.C]) : null;
        BatchNorm2d.BackwardTraining(s, TensorAccess.Float32(x, "input"), TensorAccess.Float32(dy, "grad"), gs, (float[])ctx.get_data("mean"),
            (float[])ctx.get_data("invstd"), TensorAccess.Float32(dx, "dx"), dGamma is null ? default : TensorAccess.Float32(dGamma, "dgamma"),
            dBeta is null ? default : TensorAccess.Float32(dBeta, "dbeta"), a.Context);
        return AutogradTensors.Gradients(grad_output, [dx, dGamma!, dBeta!, null!]);
    }
}

/// <summary>LayerNorm's non-tensor arguments: rows × features (the last dimension), ε.</summary>
internal sealed record LayerNormArgs(int Rows, int Features, float Eps, CpuContext? Context);

/// <summary>LayerNorm over the last dimension: ReproKit's forward (saving each row's statistics) and backward.</summary>
internal sealed class LayerNormFunction : torch.autograd.SingleTensorFunction<LayerNormFunction>
{
    public override string Name => "ReproLayerNorm";

    public override Tensor forward(AutogradContext ctx, params object[] vars)
    {
        var x = (Tensor)vars[0];
        var gamma = vars[1] as Tensor;
        var beta = vars[2] as Tensor;
        var a = (LayerNormArgs)vars[3];
        Tensor y = AutogradTensors.Empty(x.shape);
        var mean = new float[a.Rows];
        var invStd = new float[a.Rows];
        LayerNorm.Forward(a.Rows, a.Features, TensorAccess.Float32(x, "input"), gamma is null ? default : TensorAccess.Float32(gamma, "weight"),
            beta is null ? default : TensorAccess.Float32(beta, "bias"), TensorAccess.Float32(y, "output"), mean, invStd, a.Eps, a.Context);
        ctx.save_for_backward([x, gamma!]);
        ctx.save_data("args", a);
        ctx.save_data("beta", beta is not null);
        ctx.save_data("mean", mean);
        ctx.save_data("invstd", invStd);
        return AutogradTensors.Output(y);
    }

    public override List<Tensor> backward(AutogradContext ctx, Tensor grad_output)
    {
        var a = (LayerNormArgs)ctx.get_data("args");
        bool hasBeta = (bool)ctx.get_data("beta");
        List<Tensor> saved = ctx.get_saved_variables();
        using Tensor x = saved[0];
        using Tensor? gamma = saved[1] is { IsInvalid: false } g ? g : null;
        using Tensor dy = AutogradTensors.Contiguous(grad_output, Name);
        Tensor dx = AutogradTensors.Empty(x.shape);
        Tensor? dGamma = gamma is null ? null : AutogradTensors.Empty([a.Features]);
        Tensor? dBeta = hasBeta ? AutogradTensors.Empty([a.Features]) : null;
        LayerNorm.Backward(a.Rows, a.Features, TensorAccess.Float32(x, "input"), TensorAccess.Float32(dy, "grad"),
            gamma is null ? default : TensorAccess.Float32(gamma, "weight"), (float[])ctx.get_data("mean"), (float[])ctx.get_data("invstd"),
            TensorAccess.Float32(dx, "dx"), dGamma is null ? default : TensorAccess.Float32(dGamma, "dgamma"),
            dBeta is null ? default : TensorAccess.Float32(dBeta, "dbeta"), a.Context);
        return AutogradTensors.Gradients(grad_output, [dx, dGamma!, dBeta!, null!]);
    }
}

/// <summary>Dropout's non-tensor arguments.</summary>
internal sealed record DropoutArgs(double P, PhiloxStream Stream, ulong ElementOffset, CpuContext? Context);

/// <summary>Dropout in training: ReproKit's fused forward; the backward regenerates the mask from the stream.</summary>
internal sealed class DropoutFunction : torch.autograd.SingleTensorFunction<DropoutFunction>
{
    public override string Name => "ReproDropout";

    public override Tensor forward(AutogradContext ctx, params object[] vars)
    {
        var x = (Tensor)vars[0];
        var a = (DropoutArgs)vars[1];
        ctx.save_data("args", a);
        if (CudaTensors.IsCuda(x))
        {
            // On the tensor's device: the CUDA plugin's fused forward, the same mask and bits.
            Tensor yd = torch.empty(x.shape, ScalarType.Float32, x.device);
            using (DeviceBuffer<float> xb = CudaTensors.Float32(x, "input"), yb = CudaTensors.Float32(yd, "output"))
            {
                CudaOperations.DropoutForward(xb, yb, a.P, a.Stream, a.ElementOffset);
            }

            return AutogradTensors.Output(yd);
        }

        Tensor y = AutogradTensors.Empty(x.shape);
        Dropout.Forward(TensorAccess.Float32(x, "input"), TensorAccess.Float32(y, "output"), a.P, a.Stream, a.ElementOffset, training: true,
            context: a.Context);
        return AutogradTensors.Output(y);
    }

    public override List<Tensor> backward(AutogradContext ctx, Tensor grad_output)
    {
        var a = (DropoutArgs)ctx.get_data("args");
        if (CudaTensors.IsCuda(grad_output))
        {
            using Tensor dyd = grad_output.contiguous();
            Tensor dxd = torch.empty(dyd.shape, ScalarType.Float32, dyd.device);
            using (DeviceBuffer<float> dyb = CudaTensors.Float32(dyd, "grad"), dxb = CudaTensors.Float32(dxd, "dx"))
            {
                CudaOperations.DropoutBackward(dyb, dxb, a.P, a.Stream, a.ElementOffset);
            }

            return AutogradTensors.Gradients(grad_output, [dxd, null!]);
        }

        using Tensor dy = AutogradTensors.Contiguous(grad_output, Name);
        Tensor dx = AutogradTensors.Empty(dy.shape);
        Dropout.Backward(TensorAccess.Float32(dy, "grad"), TensorAccess.Float32(dx, "dx"), a.P, a.Stream, a.ElementOffset, a.Context);
        return AutogradTensors.Gradients(grad_output, [dx, null!]);
    }
}

/// <summary>An activation's non-tensor arguments.</summary>
internal sealed record ActivationArgs(Activation Kind, float NegativeSlope, CpuContext? Context);

/// <summary>ReLU, LeakyReLU, GELU: ReproKit's elementwise forward and backward (from x).</summary>
internal sealed class ActivationFunction : torch.autograd.SingleTensorFunction<ActivationFunction>
{
    public override string Name => "ReproActivation";

    public override Tensor forward(AutogradContext ctx, params object[] vars)
    {
        var x = (Tensor)vars[0];
        var a = (ActivationArgs)vars[1];
        Tensor y = AutogradTensors.Empty(x.shape);
        Activations.Forward(a.Kind, TensorAccess.Float32(x, "input"), TensorAccess.Float32(y, "output"), a.NegativeSlope, a.Context);
        ctx.save_for_backward([x]);
        ctx.save_data("args", a);
        return AutogradTensors.Output(y);
    }

    public override List<Tensor> backward(AutogradContext ctx, Tensor grad_output)
    {
        var a = (ActivationArgs)ctx.get_data("args");
        List<Tensor> saved = ctx.get_saved_variables();
        using Tensor x = saved[0];
        using Tensor dy = AutogradTensors.Contiguous(grad_output, Name);
        Tensor dx = AutogradTensors.Empty(x.shape);
        Activations.Backward(a.Kind, TensorAccess.Float32(x, "input"), TensorAccess.Float32(dy, "grad"), TensorAccess.Float32(dx, "dx"), a.NegativeSlope,
            a.Context);
        return AutogradTensors.Gradients(grad_output, [dx, null!]);
    }
}

/// <summary>Cross-entropy's non-tensor arguments.</summary>
internal sealed record CrossEntropyArgs(int Classes, LossReduction Reduction, long IgnoreIndex, float LabelSmoothing, CpuContext? Context);

/// <summary>Cross-entropy with class indices: ReproKit's loss and its gradient with respect to the logits.</summary>
internal sealed class CrossEntropyFunction : torch.autograd.SingleTensorFunction<CrossEntropyFunction>
{
    public override string Name => "ReproCrossEntropy";

    public override Tensor forward(AutogradContext ctx, params object[] vars)
    {
        var logits = (Tensor)vars[0];
        var targets = (Tensor)vars[1];
        var a = (CrossEntropyArgs)vars[2];
        long rows = targets.shape[0];
        Tensor loss = AutogradTensors.Empty(a.Reduction == LossReduction.None ? [rows] : []);
        Loss.CrossEntropy(TensorAccess.Float32(logits, "input"), TensorAccess.Int64(targets, "target"), a.Classes, TensorAccess.Float32(loss, "loss"),
            a.Reduction, a.IgnoreIndex, a.LabelSmoothing, a.Context);
        ctx.save_for_backward([logits, targets]);
        ctx.save_data("args", a);
        return AutogradTensors.Output(loss);
    }

    public override List<Tensor> backward(AutogradContext ctx, Tensor grad_output)
    {
        var a = (CrossEntropyArgs)ctx.get_data("args");
        List<Tensor> saved = ctx.get_saved_variables();
        using Tensor logits = saved[0], targets = saved[1];
        using Tensor dLoss = AutogradTensors.Contiguous(grad_output, Name);
        Tensor dLogits = AutogradTensors.Empty(logits.shape);
        Loss.CrossEntropyBackward(TensorAccess.Float32(logits, "input"), TensorAccess.Int64(targets, "target"), a.Classes, TensorAccess.Float32(dLoss, "grad"),
            TensorAccess.Float32(dLogits, "dlogits"), a.Reduction, a.IgnoreIndex, a.LabelSmoothing, a.Context);
        return AutogradTensors.Gradients(grad_output, [dLogits, null!, null!]);
    }
}
