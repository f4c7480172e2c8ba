using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ReproKit.Training;

/// <summary>One named array of a checkpoint (a parameter, its optimizer state, a running statistic).</summary>
/// <param name="Name">Its name, e.g. <c>0.weight</c> or <c>0.weight.state0</c>.</param>
/// <param name="Data">The values.</param>
public sealed record CheckpointTensor(string Name, float[] Data);

/// <summary>
/// A training checkpoint: JSON metadata (settings, position, history) and named float32 arrays, in one file with a
/// format version and a SHA-256 checksum (docs/training.md, "Checkpoints"). <see cref="Save"/> is atomic: it writes a
/// temporary file beside the target, flushes it to disk and renames it over the target, so a crash mid-save leaves the
/// previous checkpoint whole. <see cref="Load"/> refuses a truncated, extended or altered file with a message saying
/// which. The bytes hold nothing machine-specific (no times, paths or versions), so the same run writes the same file
/// on every machine.
/// </summary>
public sealed class TrainingCheckpoint
{
    /// <summary>The format version this library writes and reads.</summary>
    public const int FormatVersion = 1;

    // "RKCKPT" then CR LF: a transfer that rewrites line ends breaks the magic, not just the checksum.
    private static ReadOnlySpan<byte> Magic => "RKCKPT\r\n"u8;

    private const int FixedHeaderBytes = 24; // magic, version (u32), JSON length (u32), array bytes (u64)
    private const int ChecksumBytes = 32;

    private readonly CheckpointTensor[] tensors;

    /// <summary>Creates a checkpoint from metadata and arrays (the arrays are copied).</summary>
    /// <param name="metadata">What the writer needs to continue (JSON; kept as given).</param>
    /// <param name="tensors">The arrays; names must be unique.</param>
    public TrainingCheckpoint(JsonObject metadata, IEnumerable<CheckpointTensor> tensors)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(tensors);
        Metadata = metadata;
        this.tensors = [.. tensors.Select(t => new CheckpointTensor(t.Name, [.. t.Data]))];
        string? duplicate = this.tensors.GroupBy(t => t.Name).FirstOrDefault(g => g.Count() > 1)?.Key;
        if (duplicate is not null)
        {
            throw new ArgumentException($"Two arrays are named '{duplicate}'.", nameof(tensors));
        }
    }

    /// <summary>The metadata.</summary>
    public JsonObject Metadata { get; }

    /// <summary>The arrays, in file order.</summary>
    public IReadOnlyList<CheckpointTensor> Tensors => tensors;

    /// <summary>Copies the arrays into <paramref name="targets"/>, which must match the checkpoint's names and lengths exactly.</summary>
    /// <param name="targets">The arrays to fill (e.g. <see cref="Sequential.StateArrays"/>).</param>
    /// <param name="source">The checkpoint's path, for messages.</param>
    /// <exception cref="InvalidDataException">A name is missing on either side or a length differs.</exception>
    public void RestoreInto(IReadOnlyList<CheckpointTensor> targets, string source = "checkpoint")
    {
        ArgumentNullException.ThrowIfNull(targets);
        var byName = tensors.ToDictionary(t => t.Name);
        foreach (CheckpointTensor target in targets)
        {
            if (!byName.TryGetValue(target.Name, out CheckpointTensor? saved))
            {
                throw new InvalidDataException($"{source}: has no array '{target.Name}' (was it written for another model?).");
            }

            if (saved.Data.Length != target.Data.Length)
            {
                throw new InvalidDataException(
                    $"{source}: array '{target.Name}' has {saved.Data.Length} values; the model's has {target.Data.Length} (was it written for another model?).");
            }
        }

        string? extra = tensors.Select(t => t.Name).FirstOrDefault(n => targets.All(t => t.Name != n));
        if (extra is not null)
        {
            throw new InvalidDataException($"{source}: holds an array '{extra}' that the model does not have (was it written for another model?).");
        }

        foreach (CheckpointTensor target in targets)
        {
            byName[target.Name].Data.CopyTo(target.Data, 0);
        }
    }

    /// <summary>The file's bytes: magic, version, lengths, JSON header, arrays (float32 little-endian), SHA-256 of all before.</summary>
    public byte[] ToBytes()
    {
        var header = new JsonObject
        {
            ["format"] = "reprokit.checkpoint",
            ["metadata"] = Metadata.DeepClone(),
            ["arrays"] = new JsonArray([.. tensors.Select(t => (JsonNode)new JsonObject { ["name"] = t.Name, ["length"] = t.Data.Length })]),
        };
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        long arrayBytes = tensors.Sum(t => 4L * t.Data.Length);
        var bytes = new byte[checked(FixedHeaderBytes + json.Length + arrayBytes + ChecksumBytes)];
        Magic.CopyTo(bytes);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), FormatVersion);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(12), (uint)json.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(16), (ulong)arrayBytes);
        json.CopyTo(bytes, FixedHeaderBytes);
        int at = FixedHeaderBytes + json.Length;
        foreach (CheckpointTensor t in tensors)
        {
            foreach (float v in t.Data)
            {
                BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(at), v);
                at += 4;
            }
        }

        Checksum(bytes.AsSpan(0, at)).CopyTo(bytes, at);
        return bytes;
    }

    // SHA-256 by the native library's hash, as every digest of ReproKit (no system crypto library needed).
    private static byte[] Checksum(ReadOnlySpan<byte> data) => Convert.FromHexString(OutputDigest.Sha256(data));

    /// <summary>Writes the checkpoint atomically: a temporary file in the same folder, flushed, then renamed over <paramref name="path"/>.</summary>
    /// <param name="path">The checkpoint file (replaced whole, or left as it was if writing fails).</param>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes = ToBytes();
        string full = Path.GetFullPath(path);
        string temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var f = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                f.Write(bytes);
                f.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }

    /// <summary>Reads and verifies a checkpoint file.</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="InvalidDataException">The file is not a checkpoint, is of another version, truncated or altered.</exception>
    public static TrainingCheckpoint Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        return Parse(File.ReadAllBytes(path), path);
    }

    /// <summary>Verifies and parses a checkpoint's bytes.</summary>
    /// <param name="bytes">The file's bytes.</param>
    /// <param name="source">Where they came from, for messages.</param>
    /// <exception cref="InvalidDataException">The bytes are not a checkpoint, are of another version, truncated or altered.</exception>
    public static TrainingCheckpoint Parse(ReadOnlySpan<byte> bytes, string source = "checkpoint")
    {
        if (bytes.Length < Magic.Length || !bytes[..Magic.Length].SequenceEqual(Magic))
        {
            throw new InvalidDataException($"{source}: not a ReproKit checkpoint (it does not start with 'RKCKPT').");
        }

        if (bytes.Length < FixedHeaderBytes)
        {
            throw new InvalidDataException($"{source}: truncated ({bytes.Length} bytes; the header alone has {FixedHeaderBytes}).");
        }

        uint version = BinaryPrimitives.ReadUInt32LittleEndian(bytes[8..]);
        if (version != FormatVersion)
        {
            throw new InvalidDataException($"{source}: checkpoint format version {version}; this library reads version {FormatVersion}.");
        }

        ulong expected = FixedHeaderBytes + (ulong)BinaryPrimitives.ReadUInt32LittleEndian(bytes[12..])
                         + BinaryPrimitives.ReadUInt64LittleEndian(bytes[16..]) + ChecksumBytes;
        if ((ulong)bytes.Length < expected)
        {
            throw new InvalidDataException($"{source}: truncated ({bytes.Length} bytes of the {expected} its header announces).");
        }

        if ((ulong)bytes.Length > expected)
        {
            throw new InvalidDataException($"{source}: {(ulong)bytes.Length - expected} bytes follow the end its header announces (altered?).");
        }

        int body = bytes.Length - ChecksumBytes;
        if (!Checksum(bytes[..body]).AsSpan().SequenceEqual(bytes[body..]))
        {
            throw new InvalidDataException($"{source}: the checksum does not match its contents: the file was damaged or altered.");
        }

        int jsonLength = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes[12..]);
        try
        {
            JsonNode header = JsonNode.Parse(bytes.Slice(FixedHeaderBytes, jsonLength)) ?? throw new InvalidDataException("empty header");
            var metadata = header["metadata"]!.AsObject();
            var list = new List<CheckpointTensor>();
            int at = FixedHeaderBytes + jsonLength;
            foreach (JsonNode? a in header["arrays"]!.AsArray())
            {
                int length = (int)a!["length"]!;
                if (length < 0 || (long)length * 4 > body - at)
                {
                    throw new InvalidDataException($"array '{(string?)a["name"]}' does not fit in the file");
                }

                var data = new float[length];
                for (int i = 0; i < length; i++, at += 4)
                {
                    data[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes[at..]);
                }

                list.Add(new CheckpointTensor((string)a["name"]!, data));
            }

            if (at != body)
            {
                throw new InvalidDataException("the arrays do not fill the data section");
            }

            return new TrainingCheckpoint((JsonObject)metadata.DeepClone(), list);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException or FormatException
                                      or InvalidDataException or ArgumentException)
        {
            throw new InvalidDataException($"{source}: the header is not a valid checkpoint header: {e.Message}", e);
        }
    }
}
