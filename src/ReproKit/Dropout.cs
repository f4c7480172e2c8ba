using System.Runtime.InteropServices;
using ReproKit.Interop;

namespace ReproKit;

/// <summary>
/// Reproducible dropout (docs/spec.md section 7). Element <c>i</c> of a tensor is kept iff its stream word
/// <c>offset + elementOffset + i</c> is at least <c>floor(p * 2^32)</c>; kept elements are multiplied by
/// <see cref="Scale"/>, dropped ones become +0. The mask depends only on (stream, p, global element index): not on the
/// ISA, the thread count, the device or how the tensor is sharded (a shard passes its global <c>elementOffset</c>).
/// <c>p</c> is the drop probability, as in PyTorch.
/// </summary>
public static class Dropout
{
    /// <summary>The float32 factor of kept elements: <c>(float)(1 / (1 - p))</c> (+Inf for p = 1, when nothing is kept).</summary>
    /// <param name="p">Drop probability in [0, 1].</param>
    public static unsafe float Scale(double p)
    {
        ReproKitLibrary.EnsureLoaded();
        float scale;
        NativeErrors.Check(NativeMethods.rk_dropout_scale(p, &scale), nameof(p));
        return scale;
    }

    /// <summary>Length in 32-bit words of a bit-packed mask of <paramref name="count"/> elements.</summary>
    /// <param name="count">Number of elements.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    public static int PackedMaskLength(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        return (int)(((long)count + 31) / 32);
    }

    /// <summary>
    /// Dropout forward without storing a mask (backward regenerates it). With <paramref name="training"/> false this is the
    /// identity (inference mode): <paramref name="y"/> receives a copy of <paramref name="x"/> and no random numbers are used.
    /// </summary>
    /// <param name="x">Input.</param>
    /// <param name="y">Output, as long as <paramref name="x"/>; it may be the same memory (in place) but must not otherwise overlap.</param>
    /// <param name="p">Drop probability in [0, 1].</param>
    /// <param name="stream">The random stream.</param>
    /// <param name="elementOffset">Global index of <c>x[0]</c> in the whole tensor (0 unless sharded).</param>
    /// <param name="training">False for inference: the identity.</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, double p, PhiloxStream stream, ulong elementOffset = 0,
        bool training = true, CpuContext? context = null)
    {
        ArgumentChecks.Length(y.Length, x.Length, nameof(y), "as many as 'x'");
        if (!training)
        {
            CheckProbability(p);
            x.CopyTo(y);
            return;
        }

        Run(x, y, p, stream, elementOffset, RkMaskFormat.None, Span<byte>.Empty, context, nameof(x), nameof(y), nameof(y));
    }

    /// <summary>Dropout forward in place.</summary>
    /// <param name="data">Input and output.</param>
    /// <param name="p">Drop probability in [0, 1].</param>
    /// <param name="stream">The random stream.</param>
    /// <param name="elementOffset">Global index of <c>data[0]</c>.</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    public static void ForwardInPlace(Span<float> data, double p, PhiloxStream stream, ulong elementOffset = 0, CpuContext? context = null) =>
        Run(data, data, p, stream, elementOffset, RkMaskFormat.None, Span<byte>.Empty, context, nameof(data), nameof(data), nameof(data));

    /// <summary>Dropout forward that also stores the keep mask, one byte per element (1 kept, 0 dropped).</summary>
    /// <param name="x">Input.</param>
    /// <param name="y">Output (may be the same memory as <paramref name="x"/>).</param>
    /// <param name="mask">Receives the mask; as long as <paramref name="x"/>.</param>
    /// <param name="p">Drop probability in [0, 1].</param>
    /// <param name="stream">The random stream.</param>
    /// <param name="elementOffset">Global index of <c>x[0]</c>.</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    public static void Forward(ReadOnlySpan<float> x, Span<float> y, Span<byte> mask, double p, PhiloxStream stream, ulong elementOffset = 0,
        CpuContext? context = null)
    {
        ArgumentChecks.Length(y.Length, x.Length, nameof(y), "as many as 'x'");
        ArgumentChecks.Length(mask.Length, x.Length, nameof(mask), "one byte per element of 'x'");
        Run(x, y, p, stream, elementOffset, RkMaskFormat.Bytes, mask, context, nameof(x), nameof(y), nameof(mask));
    }

    /// <summary>Dropout forward that also stores a bit-packed mask: element i is bit i % 32 of <c>packedMask[i / 32]</c>.</summary>
    /// <param name="x">Input.</param>
    /// <param name="y">Output (may be the same memory as <paramref name="x"/>).</param>
    /// <param name="packedMask">Receives the mask; <see cref="PackedMaskLength"/> words.</param>
    /// <param name="p">Drop probability in [0, 1].</param>
    /// <param name="stream">The random stream.</param>
    /// <param name="elementOffset">Global index of <c>x[0]</c>.</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    public static void ForwardPacked(ReadOnlySpan<float> x, Span<float> y, Span<uint> packedMask, double p, PhiloxStream stream,
        ulong elementOffset = 0, CpuContext? context = null)
    {
        ArgumentChecks.Length(y.Length, x.Length, nameof(y), "as many as 'x'");
        ArgumentChecks.Length(packedMask.Length, PackedMaskLength(x.Length), nameof(packedMask), "one bit per element of 'x'");
        Run(x, y, p, stream, elementOffset, RkMaskFormat.Bits, MemoryMarshal.AsBytes(packedMask), context, nameof(x), nameof(y), nameof(packedMask));
    }

    /// <summary>Backward by regenerating the mask from the stream (no mask memory, as FlashAttention does): <c>dx = keep ? dy * scale : +0</c>.</summary>
    /// <param name="dy">Gradient of the output.</param>
    /// <param name="dx">Receives the gradient of the input (may be the same memory as <paramref name="dy"/>).</param>
    /// <param name="p">The forward pass's drop probability.</param>
    /// <param name="stream">The forward pass's stream.</param>
    /// <param name="elementOffset">The forward pass's element offset.</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    public static void Backward(ReadOnlySpan<float> dy, Span<float> dx, double p, PhiloxStream stream, ulong elementOffset = 0, CpuContext? context = null)
    {
        ArgumentChecks.Length(dx.Length, dy.Length, nameof(dx), "as many as 'dy'");
        RunBackward(dy, dx, p, stream, elementOffset, RkMaskFormat.None, ReadOnlySpan<byte>.Empty, context, nameof(dy), nameof(dx), nameof(dx));
    }

    /// <summary>Backward from a stored byte mask (nonzero = kept).</summary>
    /// <param name="dy">Gradient of the output.</param>
    /// <param name="dx">Receives the gradient of the input.</param>
    /// <param name="mask">The forward pass's mask.</param>
    /// <param name="p">The forward pass's drop probability (for the scale).</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    public static void Backward(ReadOnlySpan<float> dy, Span<float> dx, ReadOnlySpan<byte> mask, double p, CpuContext? context = null)
    {
        ArgumentChecks.Length(dx.Length, dy.Length, nameof(dx), "as many as 'dy'");
        ArgumentChecks.Length(mask.Length, dy.Length, nameof(mask), "one byte per element of 'dy'");
        RunBackward(dy, dx, p, default, 0, RkMaskFormat.Bytes, mask, context, nameof(dy), nameof(dx), nameof(mask));
    }

    /// <summary>Backward from a stored bit-packed mask.</summary>
    /// <param name="dy">Gradient of the output.</param>
    /// <param name="dx">Receives the gradient of the input.</param>
    /// <param name="packedMask">The forward pass's packed mask.</param>
    /// <param name="p">The forward pass's drop probability (for the scale).</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    public static void BackwardPacked(ReadOnlySpan<float> dy, Span<float> dx, ReadOnlySpan<uint> packedMask, double p, CpuContext? context = null)
    {
        ArgumentChecks.Length(dx.Length, dy.Length, nameof(dx), "as many as 'dy'");
        ArgumentChecks.Length(packedMask.Length, PackedMaskLength(dy.Length), nameof(packedMask), "one bit per element of 'dy'");
        RunBackward(dy, dx, p, default, 0, RkMaskFormat.Bits, MemoryMarshal.AsBytes(packedMask), context, nameof(dy), nameof(dx), nameof(packedMask));
    }

    /// <summary>Only the keep mask, one byte per element.</summary>
    /// <param name="mask">Receives the mask.</param>
    /// <param name="p">Drop probability in [0, 1].</param>
    /// <param name="stream">The random stream.</param>
    /// <param name="elementOffset">Global index of <c>mask[0]</c>.</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    public static unsafe void Mask(Span<byte> mask, double p, PhiloxStream stream, ulong elementOffset = 0, CpuContext? context = null)
    {
        RkPhiloxStream native = stream.ToNative();
        using ContextLease lease = (context ?? CpuContext.Shared).Lease();
        fixed (byte* m = mask)
        {
            NativeErrors.Check(NativeMethods.rk_dropout_mask(lease.Raw, &native, p, elementOffset, mask.Length, RkMaskFormat.Bytes, m), nameof(p),
                ("mask", nameof(mask)), ("p", nameof(p)), ("element_offset", nameof(elementOffset)), ("count", nameof(mask)));
        }
    }

    /// <summary>Only the keep mask, bit-packed, for <paramref name="count"/> elements.</summary>
    /// <param name="packedMask">Receives the mask; <see cref="PackedMaskLength"/>(<paramref name="count"/>) words.</param>
    /// <param name="count">Number of elements.</param>
    /// <param name="p">Drop probability in [0, 1].</param>
    /// <param name="stream">The random stream.</param>
    /// <param name="elementOffset">Global index of the first element.</param>
    /// <param name="context">The CPU context; null for the shared one.</param>
    public static unsafe void MaskPacked(Span<uint> packedMask, int count, double p, PhiloxStream stream, ulong elementOffset = 0, CpuContext? context = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentChecks.Length(packedMask.Length, PackedMaskLength(count), nameof(packedMask), "one bit per element of 'count'");
        RkPhiloxStream native = stream.ToNative();
        using ContextLease lease = (context ?? CpuContext.Shared).Lease();
        fixed (uint* m = packedMask)
        {
            NativeErrors.Check(NativeMethods.rk_dropout_mask(lease.Raw, &native, p, elementOffset, count, RkMaskFormat.Bits, m), nameof(p),
                ("mask", nameof(packedMask)), ("p", nameof(p)), ("element_offset", nameof(elementOffset)), ("count", nameof(count)));
        }
    }

    // The public method's names of x, y and the mask travel with them, so that an error the native checks find (an
    // overlap, a device pointer) names the caller's parameter; p and elementOffset have the same names everywhere.
    private static unsafe void Run(ReadOnlySpan<float> x, Span<float> y, double p, PhiloxStream stream, ulong elementOffset,
        RkMaskFormat format, Span<byte> mask, CpuContext? context, string xName, string yName, string maskName)
    {
        RkPhiloxStream native = stream.ToNative();
        using ContextLease lease = (context ?? CpuContext.Shared).Lease();
        fixed (float* px = x)
        fixed (float* py = y)
        fixed (byte* pm = mask)
        {
            NativeErrors.Check(NativeMethods.rk_dropout_forward(lease.Raw, &native, p, elementOffset, px, py, x.Length, format, pm), nameof(p),
                ("y", yName), ("mask", maskName), ("x", xName), ("p", nameof(p)), ("element_offset", nameof(elementOffset)), ("count", xName));
        }
    }

    private static unsafe void RunBackward(ReadOnlySpan<float> dy, Span<float> dx, double p, PhiloxStream stream, ulong elementOffset,
        RkMaskFormat format, ReadOnlySpan<byte> mask, CpuContext? context, string dyName, string dxName, string maskName)
    {
        RkPhiloxStream native = stream.ToNative();
        using ContextLease lease = (context ?? CpuContext.Shared).Lease();
        fixed (float* pdy = dy)
        fixed (float* pdx = dx)
        fixed (byte* pm = mask)
        {
            NativeErrors.Check(NativeMethods.rk_dropout_backward(lease.Raw, &native, p, elementOffset, pdy, pdx, dy.Length, format, pm), nameof(p),
                ("dx", dxName), ("mask", maskName), ("dy", dyName), ("p", nameof(p)), ("element_offset", nameof(elementOffset)), ("count", dyName));
        }
    }

    private static void CheckProbability(double p)
    {
        if (!(p >= 0 && p <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(p), p, "The drop probability must be in [0, 1].");
        }
    }
}
