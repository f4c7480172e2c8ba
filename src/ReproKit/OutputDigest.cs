using System.Runtime.InteropServices;
using ReproKit.Interop;

namespace ReproKit;

/// <summary>SHA-256 digests of results, so that two machines (or backends) can compare outputs bit for bit.</summary>
public static class OutputDigest
{
    /// <summary>
    /// Lower-case hex SHA-256 of the elements' little-endian bytes in order (the bytes a <c>.npy</c> file holds after
    /// its header). For float32 and float64 data every NaN is hashed as the canonical quiet NaN, because NaN payloads
    /// are not part of ReproKit's contract (x86 and ARM64 produce different ones). The hash is the native library's
    /// (<c>rk_sha256</c>), so that it needs no system crypto library (OpenSSL on Linux) anywhere.
    /// </summary>
    /// <typeparam name="T">An unmanaged element type.</typeparam>
    /// <param name="data">The elements.</param>
    public static string Sha256<T>(ReadOnlySpan<T> data)
        where T : unmanaged
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Digests are defined over little-endian bytes.");
        }

        if (typeof(T) == typeof(float) && ContainsNaN(MemoryMarshal.Cast<T, float>(data)))
        {
            float[] canonical = MemoryMarshal.Cast<T, float>(data).ToArray();
            for (int i = 0; i < canonical.Length; i++)
            {
                if (float.IsNaN(canonical[i]))
                {
                    canonical[i] = BitConverter.UInt32BitsToSingle(0x7FC00000);
                }
            }

            return Hash(MemoryMarshal.AsBytes(canonical.AsSpan()));
        }
        if (typeof(T) == typeof(double) && ContainsNaN(MemoryMarshal.Cast<T, double>(data)))
        {
            double[] canonical = MemoryMarshal.Cast<T, double>(data).ToArray();
            for (int i = 0; i < canonical.Length; i++)
            {
                if (double.IsNaN(canonical[i]))
                {
                    canonical[i] = BitConverter.UInt64BitsToDouble(0x7FF8000000000000);
                }
            }

            return Hash(MemoryMarshal.AsBytes(canonical.AsSpan()));
        }

        return Hash(MemoryMarshal.AsBytes(data));
    }

    private static unsafe string Hash(ReadOnlySpan<byte> bytes)
    {
        ReproKitLibrary.EnsureLoaded();
        byte* hex = stackalloc byte[65];
        fixed (byte* p = bytes)
        {
            NativeErrors.Check(NativeMethods.rk_sha256(p, bytes.Length, hex, 65));
        }

        return Marshal.PtrToStringUTF8((nint)hex)!;
    }

    private static bool ContainsNaN(ReadOnlySpan<float> data)
    {
        foreach (float f in data)
        {
            if (float.IsNaN(f))
            {
                return true;
            }
        }

        return false;
    }

    private static bool ContainsNaN(ReadOnlySpan<double> data)
    {
        foreach (double d in data)
        {
            if (double.IsNaN(d))
            {
                return true;
            }
        }

        return false;
    }
}
