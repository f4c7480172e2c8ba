using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace ReproKit;

/// <summary>SHA-256 digests of results, so that two machines (or backends) can compare outputs bit for bit.</summary>
public static class OutputDigest
{
    /// <summary>
    /// Lower-case hex SHA-256 of the elements' little-endian bytes in order (the bytes a <c>.npy</c> file holds after
    /// its header).
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
        SHA256.HashData(MemoryMarshal.AsBytes(data), hash);
        return Convert.ToHexString(hash).ToLowerInvariant();
    }
}
