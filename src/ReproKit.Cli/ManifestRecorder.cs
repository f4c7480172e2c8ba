using ReproKit.IO;

namespace ReproKit.Cli;

/// <summary>
/// Records a successful CLI call into the manifest named by <c>--manifest FILE.json</c>: the operation, its arguments,
/// the backend it ran on, and the digests of its input and output files.
/// </summary>
internal static class ManifestRecorder
{
    internal static readonly OptionSpec Spec = new("--manifest", "FILE.json", "append this call to a run manifest (created if missing)");

    private static readonly string[] InputRoles =
        ["--input", "--logits", "--grad-output", "--mask", "--row-streams", "--weight", "--bias", "--targets", "--resume"];

    /// <summary>The options that name files a command writes (replay redirects them).</summary>
    internal static readonly string[] OutputRoles = ["--out", "--mask-out", "--probs-out", "--logprobs-out", "--bias-grad-out", "--checkpoint"];

    // Files that are not .npy arrays: their digest is the SHA-256 of the whole file (a checkpoint holds no machine data).
    private static readonly string[] WholeFileRoles = ["--resume", "--checkpoint"];

    /// <summary>The backend of the context the current command created (set by BackendOptions).</summary>
    internal static string Backend { get; set; } = "cpu";

    /// <summary>Values a command chose that the manifest should keep (e.g. the algorithm Auto picked).</summary>
    internal static Dictionary<string, string> Details { get; } = [];

    /// <summary>A training run's epochs, for the manifest (reprokit train fills it).</summary>
    internal static List<ManifestEpoch> Epochs { get; } = [];

    /// <summary>Clears the per-call state before a command runs.</summary>
    internal static void Reset()
    {
        Backend = "cpu";
        Details.Clear();
        Epochs.Clear();
    }

    internal static void Record(string manifestPath, string operation, string[] arguments)
    {
        ReproManifest manifest = File.Exists(manifestPath) ? ReproManifest.Load(manifestPath) : new ReproManifest();
        var kept = new List<string>();
        var inputs = new List<ManifestFile>();
        var outputs = new List<ManifestFile>();
        for (int i = 0; i < arguments.Length; i++)
        {
            string a = arguments[i];
            string name = a.Contains('=') ? a[..a.IndexOf('=')] : a;
            string? value = a.Contains('=') ? a[(a.IndexOf('=') + 1)..] : i + 1 < arguments.Length ? arguments[i + 1] : null;
            if (name == Spec.Name)
            {
                if (!a.Contains('='))
                {
                    i++;
                }

                continue;
            }

            kept.Add(a);
            if (value is null)
            {
                continue;
            }

            if (InputRoles.Contains(name))
            {
                inputs.Add(new ManifestFile(name, value, Digest(name, value)));
            }
            else if (OutputRoles.Contains(name) && File.Exists(value))
            {
                outputs.Add(new ManifestFile(name, value, Digest(name, value)));
            }
        }

        manifest.Add(new ManifestCall(operation, kept.ToArray(), Backend, inputs.ToArray(), outputs.ToArray(), new Dictionary<string, string>(Details), [.. Epochs]));
        manifest.Save(manifestPath);
    }

    /// <summary>The digest of a file named by option <paramref name="role"/>: the array data of a .npy, or the whole file.</summary>
    internal static string Digest(string role, string path) =>
        WholeFileRoles.Contains(role) ? OutputDigest.Sha256<byte>(File.ReadAllBytes(path)) : DataDigest(path);

    /// <summary>SHA-256 of a .npy file's array data (what two machines must agree on; NaN payloads canonicalised).</summary>
    internal static string DataDigest(string path)
    {
        NpyArray a = NpyFile.Read(path);
        return a.DType switch
        {
            NpyDType.Float32 => OutputDigest.Sha256<float>(a.ToArray<float>()),
            NpyDType.Float64 => OutputDigest.Sha256<double>(a.ToArray<double>()),
            _ => OutputDigest.Sha256<byte>(a.Data),
        };
    }
}
