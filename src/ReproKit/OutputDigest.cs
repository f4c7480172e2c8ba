using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace ReproKit;

/// <summary>SHA-256 digests of results, so that two machines (or backends) can compare outputs bit for bit.</summary>
public static class OutputDigest
{
    /// <summary>
    /// Lower-case hex SHA-256 of the elements' little-endian bytes in order (the bytes a <c>.npy</c> file holds after
    /// its header). For float32 and float64 data every NaN is hashed as the canonical quiet NaN, because NaN payloads
    /// are not part of ReproKit's contract (x86 and ARM64 produce different ones).
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

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
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

            SHA256.HashData(MemoryMarshal.AsBytes(canonical.AsSpan()), hash);
        }
        else if (typeof(T) == typeof(double) && ContainsNaN(MemoryMarshal.Cast<T, double>(data)))
        {
            double[] canonical = MemoryMarshal.Cast<T, double>(data).ToArray();
            for (int i = 0; i < canonical.Length; i++)
            {
                if (double.IsNaN(canonical[i]))
                {
                    canonical[i] = BitConverter.UInt64BitsToDouble(0x7FF8000000000000);
                }
            }

            SHA256.HashData(MemoryMarshal.AsBytes(canonical.AsSpan()), hash);
        }
        else
        {
            SHA256.HashData(MemoryMarshal.AsBytes(data), hash);
        }
        return Convert.ToHexString(hash).ToLowerInvariant();
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
