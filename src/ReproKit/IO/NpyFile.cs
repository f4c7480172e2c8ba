using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace ReproKit.IO;

/// <summary>Element types that <see cref="NpyFile"/> reads and writes (little-endian, as NumPy spells them).</summary>
public enum NpyDType
{
    /// <summary><c>&lt;f4</c>: float32.</summary>
    Float32,

    /// <summary><c>&lt;f8</c>: float64.</summary>
    Float64,

    /// <summary><c>&lt;i4</c>: int32.</summary>
    Int32,

    /// <summary><c>&lt;u4</c>: uint32.</summary>
    UInt32,

    /// <summary><c>&lt;i8</c>: int64.</summary>
    Int64,

    /// <summary><c>&lt;u8</c>: uint64.</summary>
    UInt64,

    /// <summary><c>|u1</c>: uint8.</summary>
    UInt8,
}

/// <summary>An array read from a <c>.npy</c> file: its element type, shape and raw little-endian bytes.</summary>
/// <param name="DType">Element type.</param>
/// <param name="Shape">Dimensions (empty for a scalar).</param>
/// <param name="Data">Element bytes in C order, little-endian.</param>
public sealed record NpyArray(NpyDType DType, long[] Shape, byte[] Data)
{
    /// <summary>Number of elements (product of the shape).</summary>
    /// <exception cref="ArgumentOutOfRangeException">The shape has a negative dimension or more than 2^63 - 1 elements.</exception>
    public long Length => Sizes.Product(Shape, nameof(Shape));

    /// <summary>The elements as <typeparamref name="T"/>; the type must match <see cref="DType"/>.</summary>
    /// <typeparam name="T">float, double, int, uint, long, ulong or byte, matching <see cref="DType"/>.</typeparam>
    /// <exception cref="InvalidDataException">The element type does not match.</exception>
    public T[] ToArray<T>()
        where T : unmanaged => AsSpan<T>().ToArray();

    /// <summary>The elements as <typeparamref name="T"/> over <see cref="Data"/> itself, without a copy.</summary>
    /// <typeparam name="T">float, double, int, uint, long, ulong or byte, matching <see cref="DType"/>.</typeparam>
    /// <exception cref="InvalidDataException">The element type does not match.</exception>
    public Span<T> AsSpan<T>()
        where T : unmanaged
    {
        NpyDType expected = NpyFile.DTypeOf<T>();
        if (expected != DType)
        {
            throw new InvalidDataException($"The array holds {NpyFile.Descr(DType)} ({DType}), not {NpyFile.Descr(expected)} ({expected}).");
        }

        return MemoryMarshal.Cast<byte, T>(Data.AsSpan());
    }
}

/// <summary>
/// Reads and writes NumPy <c>.npy</c> files (format versions 1.0, 2.0 and 3.0; little-endian; C order), the data format
/// of the ReproKit CLI. Anything else (big-endian or Fortran-order data, object arrays, truncated files, shapes whose
/// size overflows) is rejected with an <see cref="InvalidDataException"/> that says what is wrong.
/// </summary>
public static class NpyFile
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    /// <summary>Largest element count accepted when reading (2^31 - 1 elements: .NET arrays' limit).</summary>
    public const long MaxElements = int.MaxValue;

    /// <summary>Writes <paramref name="data"/> with the given <paramref name="shape"/> (default: one dimension).</summary>
    /// <typeparam name="T">float, double, int, uint, long, ulong or byte.</typeparam>
    /// <param name="path">Destination file (overwritten).</param>
    /// <param name="data">Elements in C order.</param>
    /// <param name="shape">Dimensions whose product is <c>data.Length</c>; null for <c>[data.Length]</c>.</param>
    public static void Write<T>(string path, ReadOnlySpan<T> data, long[]? shape = null)
        where T : unmanaged
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        Write(stream, data, shape);
    }

    /// <summary>Writes an array to a stream (see <see cref="Write{T}(string, ReadOnlySpan{T}, long[])"/>).</summary>
    /// <typeparam name="T">float, double, int, uint, long, ulong or byte.</typeparam>
    /// <param name="stream">Destination stream.</param>
    /// <param name="data">Elements in C order.</param>
    /// <param name="shape">Dimensions whose product is <c>data.Length</c>; null for <c>[data.Length]</c>.</param>
    public static void Write<T>(Stream stream, ReadOnlySpan<T> data, long[]? shape = null)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(stream);
        NpyDType dtype = DTypeOf<T>();
        shape ??= [data.Length];
        long count = Sizes.Product(shape, nameof(shape));

        if (count != data.Length)
        {
            throw new ArgumentException($"Shape ({string.Join(", ", shape)}) holds {count} elements, but the data has {data.Length}.", nameof(shape));
        }

        string shapeText = shape.Length == 1 ? $"({shape[0]},)" : "(" + string.Join(", ", shape) + ")";
        string header = $"{{'descr': '{Descr(dtype)}', 'fortran_order': False, 'shape': {shapeText}, }}";
        // Pad with spaces so that the data starts on a 64-byte boundary, ending the header with '\n'.
        int unpadded = Magic.Length + 2 + 2 + header.Length + 1;
        int total = (unpadded + 63) / 64 * 64;
        header = header + new string(' ', total - unpadded) + "\n";
        byte[] headerBytes = Encoding.ASCII.GetBytes(header);
        if (headerBytes.Length > ushort.MaxValue)
        {
            throw new ArgumentException("The shape is too long for a version 1.0 header.", nameof(shape));
        }

        stream.Write(Magic);
        stream.WriteByte(1);
        stream.WriteByte(0);
        Span<byte> len = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16LittleEndian(len, (ushort)headerBytes.Length);
        stream.Write(len);
        stream.Write(headerBytes);
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Writing .npy files on a big-endian machine is not supported.");
        }

        stream.Write(MemoryMarshal.AsBytes(data));
    }

    /// <summary>Reads a <c>.npy</c> file.</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="InvalidDataException">The file is not a supported .npy array; the message says why.</exception>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    public static NpyArray Read(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            return Read(stream);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>Reads a <c>.npy</c> array from a stream.</summary>
    /// <param name="stream">The source stream, positioned at the magic string.</param>
    /// <exception cref="InvalidDataException">The data is not a supported .npy array; the message says why.</exception>
    public static NpyArray Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Span<byte> prefix = stackalloc byte[8];
        ReadExactly(stream, prefix, "the magic string and version");
        if (!prefix[..6].SequenceEqual(Magic))
        {
            throw new InvalidDataException("not a .npy file (the magic string \\x93NUMPY is missing).");
        }

        byte major = prefix[6];
        int headerLength;
        Encoding headerEncoding = Encoding.ASCII;
        switch (major)
        {
            case 1:
                Span<byte> l2 = stackalloc byte[2];
                ReadExactly(stream, l2, "the header length");
                headerLength = BinaryPrimitives.ReadUInt16LittleEndian(l2);
                break;
            case 2:
            case 3:
                Span<byte> l4 = stackalloc byte[4];
                ReadExactly(stream, l4, "the header length");
                uint l = BinaryPrimitives.ReadUInt32LittleEndian(l4);
                if (l > 1 << 20)
                {
                    throw new InvalidDataException($"the header claims {l} bytes; at most 1 MiB is accepted.");
                }

                headerLength = (int)l;
                headerEncoding = major == 3 ? Encoding.UTF8 : Encoding.Latin1;
                break;
            default:
                throw new InvalidDataException($"format version {major}.{prefix[7]} is not supported (1.0, 2.0 and 3.0 are).");
        }

        byte[] headerBytes = new byte[headerLength];
        ReadExactly(stream, headerBytes, "the header");
        (NpyDType dtype, long[] shape) = ParseHeader(headerEncoding.GetString(headerBytes));

        long count = 1;
        foreach (long d in shape)
        {
            if (d != 0 && count > MaxElements / d)
            {
                throw new InvalidDataException($"the shape ({string.Join(", ", shape)}) has more than {MaxElements} elements.");
            }

            count *= d;
        }

        long bytes = count * ElementSize(dtype);
        if (bytes > Array.MaxLength)
        {
            throw new InvalidDataException($"the shape ({string.Join(", ", shape)}) needs {bytes} bytes, more than an array can hold.");
        }

        if (stream.CanSeek && stream.Length - stream.Position < bytes)
        {
            throw new InvalidDataException(
                $"the data is truncated: the shape ({string.Join(", ", shape)}) needs {bytes} bytes, the file has {stream.Length - stream.Position}.");
        }

        byte[] data = new byte[bytes];
        ReadExactly(stream, data, $"the {bytes} data bytes");
        return new NpyArray(dtype, shape, data);
    }

    /// <summary>NumPy's <c>descr</c> string of a dtype, e.g. <c>&lt;f4</c>.</summary>
    /// <param name="dtype">The element type.</param>
    public static string Descr(NpyDType dtype) => dtype switch
    {
        NpyDType.Float32 => "<f4",
        NpyDType.Float64 => "<f8",
        NpyDType.Int32 => "<i4",
        NpyDType.UInt32 => "<u4",
        NpyDType.Int64 => "<i8",
        NpyDType.UInt64 => "<u8",
        NpyDType.UInt8 => "|u1",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    /// <summary>Bytes per element of a dtype.</summary>
    /// <param name="dtype">The element type.</param>
    public static int ElementSize(NpyDType dtype) => dtype switch
    {
        NpyDType.Float32 or NpyDType.Int32 or NpyDType.UInt32 => 4,
        NpyDType.Float64 or NpyDType.Int64 or NpyDType.UInt64 => 8,
        NpyDType.UInt8 => 1,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    internal static NpyDType DTypeOf<T>()
        where T : unmanaged =>
        typeof(T) == typeof(float) ? NpyDType.Float32
        : typeof(T) == typeof(double) ? NpyDType.Float64
        : typeof(T) == typeof(int) ? NpyDType.Int32
        : typeof(T) == typeof(uint) ? NpyDType.UInt32
        : typeof(T) == typeof(long) ? NpyDType.Int64
        : typeof(T) == typeof(ulong) ? NpyDType.UInt64
        : typeof(T) == typeof(byte) ? NpyDType.UInt8
        : throw new NotSupportedException($"{typeof(T).Name} has no .npy dtype here; use float, double, int, uint, long, ulong or byte.");

    private static (NpyDType DType, long[] Shape) ParseHeader(string header)
    {
        string descr = Field(header, "descr", @"'([^']*)'");
        NpyDType dtype = descr switch
        {
            "<f4" => NpyDType.Float32,
            "<f8" => NpyDType.Float64,
            "<i4" => NpyDType.Int32,
            "<u4" => NpyDType.UInt32,
            "<i8" => NpyDType.Int64,
            "<u8" => NpyDType.UInt64,
            "|u1" or "<u1" => NpyDType.UInt8,
            _ when descr.StartsWith('>') => throw new InvalidDataException($"dtype '{descr}' is big-endian; only little-endian data is supported."),
            _ => throw new InvalidDataException($"dtype '{descr}' is not supported (float32, float64, int32, uint32, int64, uint64 and uint8 are)."),
        };
        string fortran = Field(header, "fortran_order", "(True|False)");
        if (fortran == "True")
        {
            throw new InvalidDataException("the array is in Fortran (column-major) order; save it in C order (numpy.ascontiguousarray).");
        }

        string shapeText = Field(header, "shape", @"\(([^)]*)\)");
        string[] parts = shapeText.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        var shape = new long[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            string p = parts[i].TrimEnd('L');
            if (!long.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out shape[i]))
            {
                throw new InvalidDataException($"the shape ({shapeText}) has an invalid dimension '{parts[i]}'.");
            }
        }

        return (dtype, shape);
    }

    private static string Field(string header, string key, string valuePattern)
    {
        Match m = Regex.Match(header, $@"['""]{key}['""]\s*:\s*{valuePattern}");
        if (!m.Success)
        {
            throw new InvalidDataException($"the header has no valid '{key}' entry: {header.Trim()}");
        }

        return m.Groups[1].Value;
    }

    private static void ReadExactly(Stream stream, Span<byte> buffer, string what)
    {
        int done = 0;
        while (done < buffer.Length)
        {
            int n = stream.Read(buffer[done..]);
            if (n == 0)
            {
                throw new InvalidDataException($"the file ends inside {what} (read {done} of {buffer.Length} bytes).");
            }

            done += n;
        }
    }
}
