using System.Collections;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using StockAvgPool2d = TorchSharp.Modules.AvgPool2d;
using StockBatchNorm2d = TorchSharp.Modules.BatchNorm2d;
using StockConv2d = TorchSharp.Modules.Conv2d;
using StockDropout = TorchSharp.Modules.Dropout;
using StockGELU = TorchSharp.Modules.GELU;
using StockLayerNorm = TorchSharp.Modules.LayerNorm;
using StockLinear = TorchSharp.Modules.Linear;
using StockMaxPool2d = TorchSharp.Modules.MaxPool2d;
using StockReLU = TorchSharp.Modules.ReLU;

namespace ReproKit.TorchSharp;

/// <summary>What <see cref="Reproducible.ReplaceLayers"/> did with one layer.</summary>
public enum LayerOutcome
{
    /// <summary>Replaced by a Repro module.</summary>
    Replaced,

    /// <summary>Left as it is, and exact everywhere: a Repro module already, or a view (<c>Flatten</c>, <c>Unflatten</c>, <c>Identity</c>).</summary>
    Kept,

    /// <summary>Left as it is, although its results may differ between machines: see the reason.</summary>
    NotReplaced,
}

/// <summary>One layer (a leaf module) of a model and what <see cref="Reproducible.ReplaceLayers"/> did with it.</summary>
/// <param name="Path">The layer's name in the model, as <c>named_modules()</c> gives it (<c>"3"</c>, <c>"block.conv1"</c>).</param>
/// <param name="Index">The layer's index in the model: its position among the model's layers, depth first (keys its dropout masks and, with <c>reinitialize</c>, its initialization).</param>
/// <param name="Layer">The layer's type before (e.g. <c>Conv2d</c>).</param>
/// <param name="Outcome">Replaced, kept or not replaced.</param>
/// <param name="Detail">The replacement (<c>ReproConv2d, weights copied</c>), or why the layer was kept or not replaced.</param>
public sealed record LayerReplacement(string Path, int Index, string Layer, LayerOutcome Outcome, string Detail)
{
    /// <inheritdoc/>
    public override string ToString() => $"{Path} ({Layer}): {Outcome switch
    {
        LayerOutcome.Replaced => "-> ",
        LayerOutcome.Kept => "kept, ",
        _ => "NOT replaced: ",
    }}{Detail}";
}

/// <summary>The report of <see cref="Reproducible.ReplaceLayers"/>: every layer of the model, in order.</summary>
public sealed class ReplacementReport
{
    internal ReplacementReport(IReadOnlyList<LayerReplacement> layers) => Layers = layers;

    /// <summary>Every layer (leaf module) of the model, depth first.</summary>
    public IReadOnlyList<LayerReplacement> Layers { get; }

    /// <summary>The layers replaced by Repro modules.</summary>
    public IEnumerable<LayerReplacement> Replaced => Layers.Where(l => l.Outcome == LayerOutcome.Replaced);

    /// <summary>The layers left as they were, with the reason; their results may differ between machines.</summary>
    public IEnumerable<LayerReplacement> NotReplaced => Layers.Where(l => l.Outcome == LayerOutcome.NotReplaced);

    /// <summary>Whether every layer is now a Repro module or an exact view (the model's own <c>forward</c> code aside).</summary>
    public bool IsComplete => !NotReplaced.Any();

    /// <summary>Throws an <see cref="InvalidOperationException"/> listing the layers not replaced, if any.</summary>
    /// <returns>This report.</returns>
    public ReplacementReport ThrowIfIncomplete() => IsComplete
        ? this
        : throw new InvalidOperationException("Some layers were not replaced by ReproKit layers:" + Environment.NewLine +
            string.Join(Environment.NewLine, NotReplaced.Select(l => "  " + l)));

    /// <inheritdoc/>
    public override string ToString()
    {
        var s = new StringBuilder(FormattableString.Invariant(
            $"{Replaced.Count()} replaced, {Layers.Count(l => l.Outcome == LayerOutcome.Kept)} kept, {NotReplaced.Count()} not replaced"));
        foreach (LayerReplacement l in Layers)
        {
            s.AppendLine().Append("  ").Append(l);
        }

        return s.ToString();
    }
}

/// <summary>Makes an existing TorchSharp model reproducible.</summary>
public static class Reproducible
{
    /// <summary>
    /// Replaces, in place, the model's stock layers that have a Repro equivalent — <c>nn.Conv2d</c>, <c>nn.Linear</c>,
    /// <c>nn.MaxPool2d</c>, <c>nn.AvgPool2d</c>, <c>nn.BatchNorm2d</c>, <c>nn.LayerNorm</c> (over the last dimension),
    /// <c>nn.Dropout</c>, <c>nn.ReLU</c>, <c>nn.GELU</c> — by
    /// <see cref="ReproConv2d"/>, <see cref="ReproLinear"/>, ... with the same options, the same parameter and buffer names,
    /// the same training mode and <c>requires_grad</c>, and the layers' values copied bit for bit (or, with
    /// <paramref name="reinitialize"/>, ReproKit's initialization). Returns what it replaced, kept and could not replace
    /// (with the reason: another layer type, an option the Repro module lacks — a pooling layer's non-square kernel, stride, padding or
    /// dilation, a padding mode other than zeros, BatchNorm without momentum —, a dtype other than float32, a CUDA tensor).
    /// </summary>
    /// <remarks>
    /// <para>Layers are found through <c>named_children()</c>, depth first, and replaced where their parent holds them:
    /// <c>Sequential</c>, <c>ModuleList</c>, <c>ModuleDict</c>, and a custom module's fields (as TorchSharp's
    /// <c>Module.to</c> finds them) and registered submodules. A field declared with the stock type (<c>Conv2d conv1</c>)
    /// cannot hold a Repro module: declare it <c>Module&lt;Tensor, Tensor&gt;</c>, or the layer is reported not replaced.
    /// A layer shared by several parents is replaced by one Repro module (still shared).</para>
    /// <para>A layer's index is its position among the model's layers (leaf modules, depth first, containers not
    /// counted): for a flat <c>Sequential</c>, its position in it, as <see cref="ReproKeys"/> expects. A replaced dropout
    /// draws its masks from (<paramref name="seed"/>, step, index): call <see cref="ReproModel.SetStep"/> before each
    /// training forward. Dropout indices must be below 64.</para>
    /// <para>Build the optimizer after this call, from the model's new parameters. The replaced stock layers are no
    /// longer part of the model and are not disposed. What a custom module's own <c>forward</c> computes (a residual
    /// add, a matmul) stays TorchSharp's.</para>
    /// </remarks>
    /// <param name="model">The model (a container: <c>Sequential</c> or a custom module). Its parameters are float32 CPU tensors.</param>
    /// <param name="seed">The run's seed: keys the dropout masks (and, with <paramref name="reinitialize"/>, the initialization).</param>
    /// <param name="reinitialize">
    /// False (default): copy the stock layers' values. True: give convolutions and linear layers ReproKit's initialization
    /// (<see cref="ReproKeys.Init"/>(seed, index), PyTorch's default init) and BatchNorm its initial values, so that the
    /// model's start depends on the seed alone, not on TorchSharp's generator.
    /// </param>
    /// <param name="context">The CPU context of the new Repro modules; null for the shared one.</param>
    /// <returns>Every layer and what was done with it.</returns>
    public static ReplacementReport ReplaceLayers(nn.Module model, ulong seed, bool reinitialize = false, CpuContext? context = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        var layers = new List<LayerReplacement>();
        var done = new Dictionary<nn.Module, nn.Module>(ReferenceEqualityComparer.Instance);
        int index = 0;
        if (!model.named_children().Any())
        {
            // A model that is one layer: nothing holds it, so it cannot be replaced in place.
            string type = model.GetType().Name;
            using (nn.Module? probe = Create(model, seed, 0, reinitialize, out string? why))
            {
                layers.Add(probe is not null
                    ? new LayerReplacement("", 0, type, LayerOutcome.NotReplaced, "the model is this one layer, which cannot be replaced in place: wrap it in nn.Sequential")
                    : why is not null ? new LayerReplacement("", 0, type, LayerOutcome.NotReplaced, why) : Classify(model, type));
            }

            return new ReplacementReport(layers);
        }

        Visit(model, "");
        return new ReplacementReport(layers);

        void Visit(nn.Module parent, string prefix)
        {
            foreach ((string name, nn.Module child) in parent.named_children().ToList())
            {
                string path = prefix + name;
                string layer = child.GetType().Name;
                if (done.TryGetValue(child, out nn.Module? shared))
                {
                    string? failure = ReplaceChild(parent, name, child, shared);
                    layers.Add(new LayerReplacement(path, index++, layer, failure is null ? LayerOutcome.Replaced : LayerOutcome.NotReplaced,
                        failure ?? $"{shared.GetType().Name} (shared with another path)"));
                    continue;
                }

                nn.Module? repro = Create(child, seed, index, reinitialize, out string? reason);
                if (repro is not null)
                {
                    string? failure = ReplaceChild(parent, name, child, repro);
                    if (failure is null)
                    {
                        repro.SetContext(context);
                        done[child] = repro;
                        layers.Add(new LayerReplacement(path, index++, layer, LayerOutcome.Replaced, reason!));
                    }
                    else
                    {
                        repro.Dispose();
                        layers.Add(new LayerReplacement(path, index++, layer, LayerOutcome.NotReplaced, failure));
                    }
                }
                else if (reason is not null)
                {
                    layers.Add(new LayerReplacement(path, index++, layer, LayerOutcome.NotReplaced, reason));
                }
                else if (child.named_children().Any())
                {
                    Visit(child, path + ".");
                }
                else
                {
                    layers.Add(Classify(child, layer) with { Path = path, Index = index++ });
                }
            }
        }
    }

    // A leaf without a Repro equivalent: kept when it is exact everywhere, otherwise not replaced.
    private static LayerReplacement Classify(nn.Module layer, string type) => layer switch
    {
        ReproConv2d or ReproLinear or ReproMaxPool2d or ReproAvgPool2d or ReproBatchNorm2d or ReproLayerNorm or ReproDropout or ReproReLU
            or ReproGELU or ReproCrossEntropyLoss =>
            new("", 0, type, LayerOutcome.Kept, "a ReproKit module already"),
        Flatten or Unflatten or Identity => new("", 0, type, LayerOutcome.Kept, "a view, exact everywhere"),
        _ => new("", 0, type, LayerOutcome.NotReplaced, "no ReproKit equivalent (its results may differ between machines)"),
    };

    // The Repro module for a stock layer, with its values; null with a reason when the layer has options the Repro
    // module lacks, null without a reason when the layer has no Repro equivalent. On success, reason is the detail.
    private static nn.Module? Create(nn.Module layer, ulong seed, int index, bool reinitialize, out string? reason)
    {
        reason = null;
        string values = reinitialize ? "ReproKit's initialization" : "values copied";
        switch (layer)
        {
            case StockConv2d c:
            {
                if (Unsupported(c.weight, c.bias) is { } r)
                {
                    reason = r;
                    return null;
                }

                if (c.transposed || c.kernel_size.Length != 2)
                {
                    reason = "not a plain 2-D convolution";
                    return null;
                }

                if (c.padding_mode != PaddingModes.Zeros)
                {
                    reason = $"padding_mode {c.padding_mode}: ReproConv2d pads with zeros only";
                    return null;
                }

                long[] padding;
                if (c.padding is not null)
                {
                    padding = c.padding;
                }
                else if (c.padding_type == Padding.Valid)
                {
                    padding = [0, 0];
                }
                else
                {
                    long th = c.dilation[0] * (c.kernel_size[0] - 1), tw = c.dilation[1] * (c.kernel_size[1] - 1);
                    if (th % 2 != 0 || tw % 2 != 0)
                    {
                        reason = "padding 'same' with an even kernel pads unevenly: ReproConv2d pads every side alike";
                        return null;
                    }

                    padding = [th / 2, tw / 2];
                }

                static (int H, int W) Axes(long[] v) => (checked((int)v[0]), checked((int)v[1]));
                var repro = new ReproConv2d(c.in_channels, c.out_channels, Axes(c.kernel_size), ReproKeys.Init(seed, index), Axes(c.stride),
                    Axes(padding), Axes(c.dilation), (int)c.groups, c.bias is not null);
                CopyParameter(c.weight, repro.Weight, reinitialize);
                CopyParameter(c.bias, repro.Bias, reinitialize);
                reason = $"ReproConv2d, {values}";
                return Finish(layer, repro);
            }

            case StockLinear l:
            {
                if (Unsupported(l.weight, l.bias) is { } r)
                {
                    reason = r;
                    return null;
                }

                var repro = new ReproLinear(l.in_features, l.out_features, ReproKeys.Init(seed, index), l.bias is not null);
                CopyParameter(l.weight, repro.Weight, reinitialize);
                CopyParameter(l.bias, repro.Bias, reinitialize);
                reason = $"ReproLinear, {values}";
                return Finish(layer, repro);
            }

            case StockMaxPool2d p:
            {
                long[] k = p.kernel_size, s = p.stride ?? k, pad = p.padding ?? [0, 0], d = p.dilation ?? [1, 1];
                if (NonSquare(("kernel", k), ("stride", s), ("padding", pad), ("dilation", d)) is { } ns)
                {
                    reason = ns;
                    return null;
                }

                reason = "ReproMaxPool2d";
                return Finish(layer, new ReproMaxPool2d((int)k[0], (int)s[0], (int)pad[0], (int)d[0], p.ceil_mode));
            }

            case StockAvgPool2d a:
            {
                long[] k = a.kernel_size, s = a.stride ?? k, pad = a.padding ?? [0, 0];
                if (NonSquare(("kernel", k), ("stride", s), ("padding", pad)) is { } ns)
                {
                    reason = ns;
                    return null;
                }

                reason = "ReproAvgPool2d";
                return Finish(layer, new ReproAvgPool2d((int)k[0], (int)s[0], (int)pad[0], a.ceil_mode, a.count_include_pad,
                    (int)(a.divisor_override ?? 0)));
            }

            case StockBatchNorm2d b:
            {
                if (Unsupported(b.affine ? b.weight : null, b.bias, b.running_mean, b.running_var) is { } r)
                {
                    reason = r;
                    return null;
                }

                if (b.momentum is not { } momentum)
                {
                    reason = "momentum null (a cumulative average): ReproBatchNorm2d takes a momentum";
                    return null;
                }

                var repro = new ReproBatchNorm2d(b.num_features, b.eps, momentum, b.affine, b.track_running_stats);
                if (!reinitialize)
                {
                    CopyParameter(b.affine ? b.weight : null, repro.Weight, false);
                    CopyParameter(b.bias, repro.Bias, false);
                    CopyTensor(b.running_mean, repro.RunningMean);
                    CopyTensor(b.running_var, repro.RunningVar);
                    CopyTensor(b.num_batches_tracked, repro.NumBatchesTracked);
                }

                reason = $"ReproBatchNorm2d, {values}";
                return Finish(layer, repro);
            }

            case StockDropout d:
            {
                if (!(d.p is >= 0 and < 1))
                {
                    reason = FormattableString.Invariant($"p = {d.p}: ReproDropout takes p in [0, 1)");
                    return null;
                }

                if (index >= (int)ReproKeys.StepStride)
                {
                    reason = $"its index {index} is 64 or more: ReproKit keys the dropout masks of layers 0 to 63";
                    return null;
                }

                reason = $"ReproDropout, masks keyed by (seed, step, {index})";
                return Finish(layer, new ReproDropout(d.p, seed, index));
            }

            case StockReLU:
                reason = "ReproReLU";
                return Finish(layer, new ReproReLU());

            case StockGELU g:
                reason = g.approximate == StockGELU.Approximate.tanh ? "ReproGELU, tanh form" : "ReproGELU";
                return Finish(layer, new ReproGELU(g.approximate == StockGELU.Approximate.tanh));

            case StockLayerNorm n:
            {
                if (Unsupported(n.weight, n.bias) is { } r)
                {
                    reason = r;
                    return null;
                }

                if (n.normalized_shape.Length != 1)
                {
                    reason = $"normalized_shape {TensorAccess.Shape(n.normalized_shape)} spans {n.normalized_shape.Length} dimensions: ReproLayerNorm normalizes the last one";
                    return null;
                }

                if ((n.weight is null) != (n.bias is null))
                {
                    reason = "a weight without a bias: ReproLayerNorm has both or neither";
                    return null;
                }

                var repro = new ReproLayerNorm(n.normalized_shape[0], n.eps, n.weight is not null);
                CopyParameter(n.weight, repro.Weight, reinitialize);
                CopyParameter(n.bias, repro.Bias, reinitialize);
                reason = $"ReproLayerNorm, {(reinitialize ? "ones and zeros" : "values copied")}";
                return Finish(layer, repro);
            }

            default:
                return null;
        }
    }

    private static nn.Module Finish(nn.Module stock, nn.Module repro)
    {
        repro.train(stock.training);
        return repro;
    }

    private static string? Unsupported(params Tensor?[] tensors)
    {
        foreach (Tensor? t in tensors)
        {
            if (t is null)
            {
                continue;
            }

            if (t.device_type != DeviceType.CPU)
            {
                return $"its tensors are on {t.device}: ReproKit.TorchSharp runs on CPU tensors for now";
            }

            if (t.dtype != ScalarType.Float32)
            {
                return $"its tensors are {t.dtype}: the Repro modules are float32";
            }
        }

        return null;
    }

    private static string? NonSquare(params (string Name, long[] Value)[] options)
    {
        foreach ((string name, long[] value) in options)
        {
            if (value.Length == 2 && value[0] != value[1])
            {
                return $"{name} ({value[0]}, {value[1]}) is not square: the Repro module takes one value for both axes";
            }

            if (value.Length is not (1 or 2) || value[0] > int.MaxValue)
            {
                return $"{name} [{string.Join(", ", value)}] is not one value for both axes";
            }
        }

        return null;
    }

    private static void CopyParameter(Parameter? from, Parameter? to, bool reinitialize)
    {
        if (from is null || to is null)
        {
            return;
        }

        if (!reinitialize)
        {
            CopyTensor(from, to);
        }

        to.requires_grad = from.requires_grad;
    }

    // Bit for bit: a float32 (or int64) copy on the CPU.
    private static void CopyTensor(Tensor? from, Tensor? to)
    {
        if (from is null || to is null)
        {
            return;
        }

        using var _ = torch.no_grad();
        to.copy_(from);
    }

    // Puts `replacement` wherever `parent` holds `old`: its registered submodules, and its fields (directly, or in a
    // list, array, dictionary, or a tuple in a list). Null on success; otherwise why not (and nothing is changed).
    private static string? ReplaceChild(nn.Module parent, string name, nn.Module old, nn.Module replacement)
    {
        var writes = new List<Action>();
        object? registered = RegisteredModules?.GetValue(parent);
        if (registered is IDictionary<string, nn.Module> dict && dict.TryGetValue(name, out nn.Module? r) && ReferenceEquals(r, old))
        {
            writes.Add(() => dict[name] = replacement);
        }

        Type newType = replacement.GetType();
        for (Type? type = parent.GetType(); type is not null && type != typeof(nn.Module); type = type.BaseType)
        {
            // Module<T, TResult> and Module hold TorchSharp's bookkeeping (parameters, buffers, hooks), not children.
            if (type.IsGenericType && type.Namespace == typeof(nn.Module).Namespace && type.DeclaringType == typeof(nn))
            {
                continue;
            }

            foreach (FieldInfo field in type.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                object? value = field.GetValue(parent);
                if (value is null || ReferenceEquals(value, registered) || value is Tensor || value is string)
                {
                    continue;
                }

                if (ReferenceEquals(value, old))
                {
                    if (!field.FieldType.IsAssignableFrom(newType))
                    {
                        return $"its parent's field '{field.Name}' is declared {field.FieldType.Name}, which cannot hold a {newType.Name} (declare it Module<Tensor, Tensor>)";
                    }

                    writes.Add(() => field.SetValue(parent, replacement));
                }
                else if (value is nn.Module)
                {
                    continue;
                }
                else if (value is IList list && !list.IsReadOnly)
                {
                    Type? element = ElementType(list.GetType());
                    for (int i = 0; i < list.Count; i++)
                    {
                        int at = i;
                        object? item = list[i];
                        if (ReferenceEquals(item, old))
                        {
                            if (element is null || !element.IsAssignableFrom(newType))
                            {
                                return $"its parent's field '{field.Name}' ({Describe(list.GetType())}) cannot hold a {newType.Name}";
                            }

                            writes.Add(() => list[at] = replacement);
                        }
                        else if (item is ITuple tuple && ReplaceInTuple(tuple, old, replacement) is { } newTuple)
                        {
                            if (newTuple is string failure)
                            {
                                return $"its parent's field '{field.Name}' ({Describe(list.GetType())}): {failure}";
                            }

                            writes.Add(() => list[at] = newTuple);
                        }
                    }
                }
                else if (value is IDictionary map && !map.IsReadOnly)
                {
                    Type[] args = map.GetType().IsGenericType ? map.GetType().GetGenericArguments() : [];
                    foreach (object key in map.Keys.Cast<object>().ToList())
                    {
                        if (ReferenceEquals(map[key], old))
                        {
                            if (args.Length != 2 || !args[1].IsAssignableFrom(newType))
                            {
                                return $"its parent's field '{field.Name}' ({Describe(map.GetType())}) cannot hold a {newType.Name}";
                            }

                            writes.Add(() => map[key] = replacement);
                        }
                    }
                }
                else if (value is IEnumerable items && Contains(items, old))
                {
                    return $"its parent holds it in field '{field.Name}' ({Describe(value.GetType())}), which cannot be updated";
                }
            }
        }

        if (writes.Count == 0)
        {
            // A layer shared under several names: replacing the first name replaced the others too.
            if (parent.named_children().Any(c => c.name == name && ReferenceEquals(c.module, replacement)))
            {
                return null;
            }

            return $"its parent ({parent.GetType().Name}) holds it in no field or registered module that could be updated";
        }

        foreach (Action write in writes)
        {
            write();
        }

        return null;
    }

    // TorchSharp's registered submodules (an OrderedDict<string, Module>; its indexer keeps the order).
    private static readonly FieldInfo? RegisteredModules =
        typeof(nn.Module).GetField("_internal_submodules", BindingFlags.Instance | BindingFlags.NonPublic);

    // A copy of the tuple with `old` replaced; null if it does not hold `old`; a string if the slot cannot hold the new module.
    private static object? ReplaceInTuple(ITuple tuple, nn.Module old, nn.Module replacement)
    {
        Type type = tuple.GetType();
        if (!type.IsGenericType || !type.FullName!.StartsWith("System.ValueTuple`", StringComparison.Ordinal) || tuple.Length > 7)
        {
            return null;
        }

        Type[] args = type.GetGenericArguments();
        var values = new object?[tuple.Length];
        bool found = false;
        for (int i = 0; i < tuple.Length; i++)
        {
            values[i] = tuple[i];
            if (ReferenceEquals(values[i], old))
            {
                if (!args[i].IsAssignableFrom(replacement.GetType()))
                {
                    return $"its slot is {args[i].Name}, which cannot hold a {replacement.GetType().Name}";
                }

                values[i] = replacement;
                found = true;
            }
        }

        return found ? Activator.CreateInstance(type, values) : null;
    }

    private static bool Contains(IEnumerable items, nn.Module old)
    {
        IEnumerator e;
        try
        {
            e = items.GetEnumerator();
        }
        catch (NotImplementedException)
        {
            return false; // a collection that only enumerates through its generic interface (TorchSharp's OrderedDict)
        }

        foreach (object? item in Enumerate(e))
        {
            if (ReferenceEquals(item, old))
            {
                return true;
            }

            if (item is ITuple t)
            {
                for (int i = 0; i < t.Length; i++)
                {
                    if (ReferenceEquals(t[i], old))
                    {
                        return true;
                    }
                }
            }
        }

        return false;
    }

    private static IEnumerable<object?> Enumerate(IEnumerator e)
    {
        while (e.MoveNext())
        {
            yield return e.Current;
        }
    }

    private static Type? ElementType(Type listType) =>
        listType.IsArray
            ? listType.GetElementType()
            : listType.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IList<>))?.GetGenericArguments()[0];

    private static string Describe(Type type) =>
        type.IsGenericType ? $"{type.Name[..type.Name.IndexOf('`', StringComparison.Ordinal)]}<{string.Join(", ", type.GetGenericArguments().Select(Describe))}>" : type.Name;
}
