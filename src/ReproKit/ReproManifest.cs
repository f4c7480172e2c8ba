using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace ReproKit;

/// <summary>One recorded file of a call: its role (the option that named it), path and the SHA-256 of its data.</summary>
/// <param name="Role">The option that named the file, e.g. <c>--out</c>.</param>
/// <param name="Path">The path as given.</param>
/// <param name="Sha256">SHA-256 of the array data (the bytes after the .npy header).</param>
public sealed record ManifestFile(string Role, string Path, string Sha256);

/// <summary>One epoch of a recorded training run: what two machines' runs are compared by, epoch by epoch.</summary>
/// <param name="Epoch">The epoch, from 1.</param>
/// <param name="Steps">Optimizer steps taken by its end.</param>
/// <param name="MeanLoss">Its mean training loss.</param>
/// <param name="ValidationAccuracy">The validation accuracy after it.</param>
/// <param name="Digest">The model's parameter digest after it.</param>
public sealed record ManifestEpoch(int Epoch, long Steps, double MeanLoss, double ValidationAccuracy, string Digest);

/// <summary>One recorded call: the operation, its full argument list, the backend it ran on, and its input and output digests.</summary>
/// <param name="Operation">The operation, e.g. <c>rand</c>, <c>dropout</c>, <c>sample</c>.</param>
/// <param name="Arguments">The command-line arguments after the operation name (seeds, streams, algorithms: everything).</param>
/// <param name="Backend">The backend, e.g. <c>cpu/avx512/2t</c>.</param>
/// <param name="Inputs">The input files and their digests.</param>
/// <param name="Outputs">The output files and their digests.</param>
/// <param name="Details">Values the call chose or reported (e.g. the algorithm Auto picked).</param>
/// <param name="Epochs">A training run's epochs (empty for other calls).</param>
public sealed record ManifestCall(string Operation, string[] Arguments, string Backend, ManifestFile[] Inputs, ManifestFile[] Outputs,
    IReadOnlyDictionary<string, string> Details, IReadOnlyList<ManifestEpoch>? Epochs = null)
{
    /// <summary>A training run's epochs (empty for other calls).</summary>
    public IReadOnlyList<ManifestEpoch> Epochs { get; init; } = Epochs ?? [];
}

/// <summary>
/// A run manifest: what a run computed and where, so it can be compared with another machine's or replayed bit for bit.
/// It records the library and native versions, the machine (CPU, OS, .NET runtime), the backend of each call, every
/// call's parameters and each output's digest, and for a training run (<c>reprokit train</c>) each epoch's loss,
/// validation accuracy and parameter digest. JSON, format <c>reprokit.manifest/1</c> (the <c>epochs</c> of a call are
/// optional, so older manifests still read).
/// </summary>
public sealed class ReproManifest
{
    /// <summary>The format name written into every manifest.</summary>
    public const string FormatName = "reprokit.manifest/1";

    private readonly List<ManifestCall> _calls = [];

    /// <summary>Creates an empty manifest describing this machine.</summary>
    public ReproManifest()
    {
        Environment = DescribeEnvironment();
    }

    private ReproManifest(IReadOnlyDictionary<string, string> environment, IEnumerable<ManifestCall> calls)
    {
        Environment = environment;
        _calls.AddRange(calls);
    }

    /// <summary>Library versions, machine and runtime, as name/value pairs.</summary>
    public IReadOnlyDictionary<string, string> Environment { get; }

    /// <summary>The recorded calls in order.</summary>
    public IReadOnlyList<ManifestCall> Calls => _calls;

    /// <summary>Appends a call.</summary>
    /// <param name="call">The call.</param>
    public void Add(ManifestCall call) => _calls.Add(call ?? throw new ArgumentNullException(nameof(call)));

    /// <summary>The environment of this process: versions, CPU, OS, runtime, CUDA devices.</summary>
    public static IReadOnlyDictionary<string, string> DescribeEnvironment() => new SortedDictionary<string, string>
    {
        ["managedVersion"] = ReproKitLibrary.ManagedVersion,
        ["nativeVersion"] = ReproKitLibrary.NativeVersion,
        ["abiVersion"] = ReproKitLibrary.NativeAbiVersion.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["cpu"] = ReproKitLibrary.CpuDescription,
        ["isas"] = string.Join(",", ReproKitLibrary.SupportedIsas.Select(ReproKitLibrary.IsaName)),
        ["os"] = RuntimeInformation.OSDescription,
        ["processArchitecture"] = RuntimeInformation.ProcessArchitecture.ToString(),
        ["runtime"] = RuntimeInformation.FrameworkDescription,
        ["device"] = "cpu",
        ["cudaDevices"] = DescribeCudaDevices(),
    };

    // The GPUs of this machine (name, architecture, SMs, driver and runtime), or why there are none.
    private static string DescribeCudaDevices()
    {
        int count = CudaDevices.Count(out string reason);
        return count == 0
            ? $"none ({reason})"
            : string.Join("; ", Enumerable.Range(0, count).Select(CudaDevices.Info)
                .Select(g => $"cuda:{g.Index} {g.Name} {g.Architecture} {g.SmCount} SMs driver {g.DriverVersion} runtime {g.RuntimeVersion}"));
    }

    /// <summary>Writes the manifest as indented JSON.</summary>
    /// <param name="path">The file (overwritten).</param>
    public void Save(string path) => File.WriteAllText(path, ToJson());

    /// <summary>The manifest as indented JSON.</summary>
    public string ToJson()
    {
        var calls = new JsonArray();
        foreach (ManifestCall c in _calls)
        {
            calls.Add((JsonNode)new JsonObject
            {
                ["operation"] = c.Operation,
                ["arguments"] = new JsonArray(c.Arguments.Select(a => (JsonNode)JsonValue.Create(a)!).ToArray()),
                ["backend"] = c.Backend,
                ["inputs"] = Files(c.Inputs),
                ["outputs"] = Files(c.Outputs),
                ["details"] = new JsonObject(c.Details.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)JsonValue.Create(kv.Value)))),
            });
            if (c.Epochs.Count > 0)
            {
                calls[^1]!["epochs"] = new JsonArray([.. c.Epochs.Select(e => (JsonNode)new JsonObject
                {
                    ["epoch"] = e.Epoch, ["steps"] = e.Steps, ["meanLoss"] = e.MeanLoss, ["validationAccuracy"] = e.ValidationAccuracy, ["digest"] = e.Digest,
                })]);
            }
        }

        var root = new JsonObject
        {
            ["format"] = FormatName,
            ["environment"] = new JsonObject(Environment.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)JsonValue.Create(kv.Value)))),
            ["calls"] = calls,
        };
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    /// <summary>Reads a manifest.</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="FormatException">The file is not a ReproKit manifest.</exception>
    public static ReproManifest Load(string path) => Parse(File.ReadAllText(path), path);

    /// <summary>Parses a manifest from JSON text.</summary>
    /// <param name="json">The JSON.</param>
    /// <param name="source">Where it came from, for error messages.</param>
    /// <exception cref="FormatException">The text is not a ReproKit manifest.</exception>
    public static ReproManifest Parse(string json, string source = "manifest")
    {
        try
        {
            JsonNode root = JsonNode.Parse(json) ?? throw new FormatException($"{source}: empty JSON.");
            if ((string?)root["format"] != FormatName)
            {
                throw new FormatException($"{source}: not a ReproKit manifest (format '{(string?)root["format"]}', expected '{FormatName}').");
            }

            var env = root["environment"]!.AsObject().ToDictionary(kv => kv.Key, kv => (string)kv.Value!);
            var calls = root["calls"]!.AsArray().Select(c => new ManifestCall(
                (string)c!["operation"]!,
                c["arguments"]!.AsArray().Select(a => (string)a!).ToArray(),
                (string)c["backend"]!,
                ReadFiles(c["inputs"]!),
                ReadFiles(c["outputs"]!),
                c["details"]!.AsObject().ToDictionary(kv => kv.Key, kv => (string)kv.Value!),
                c["epochs"]?.AsArray().Select(e => new ManifestEpoch((int)e!["epoch"]!, (long)e["steps"]!, (double)e["meanLoss"]!,
                    (double)e["validationAccuracy"]!, (string)e["digest"]!)).ToArray()));
            return new ReproManifest(new SortedDictionary<string, string>(env), calls);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or NullReferenceException or KeyNotFoundException or FormatException
                                      or ArgumentException)
        {
            throw e as FormatException ?? new FormatException($"{source}: not a valid ReproKit manifest: {e.Message}", e);
        }
    }

    private static JsonArray Files(ManifestFile[] files) =>
        new(files.Select(f => (JsonNode)new JsonObject { ["role"] = f.Role, ["path"] = f.Path, ["sha256"] = f.Sha256 }).ToArray());

    private static ManifestFile[] ReadFiles(JsonNode node) =>
        node.AsArray().Select(f => new ManifestFile((string)f!["role"]!, (string)f["path"]!, (string)f["sha256"]!)).ToArray();
}
