using System.Text.Json;

namespace ReproKit.Cli.Commands;

/// <summary>
/// <c>reprokit replay FILE.json [--isa I] [--threads T] [--json]</c>: recomputes every recorded call on this machine
/// (optionally on another ISA or thread count) into temporary files and reports, per output, whether the digest matches
/// the recorded one. Inputs must still exist with their recorded digests. A training run (<c>reprokit train</c>) is
/// trained again and compared epoch by epoch (each epoch's parameter digest), naming the first epoch that differs.
/// Exits 1 on any mismatch.
/// </summary>
internal static class ReplayCommand
{
    internal static readonly OptionSpec[] Options =
    [
        new("manifest", null, "the manifest to replay", Required: true),
        new("--json", null, "print JSON instead of a table"),
        .. BackendOptions.Specs,
    ];

    // The commands that record manifests; nothing else is replayed (a manifest naming 'replay' would recurse forever).
    private static readonly string[] ReplayableOperations = ["rand", "dropout", "sample", "conv2d", "linear", "pool2d", "cross-entropy", "train"];

    internal static int Run(ArgReader args, TextWriter stdout)
    {
        ReproManifest manifest = ReproManifest.Load(args.String("manifest")!);
        for (int c = 0; c < manifest.Calls.Count; c++)
        {
            if (!ReplayableOperations.Contains(manifest.Calls[c].Operation, StringComparer.Ordinal))
            {
                throw new FormatException(
                    $"{args.String("manifest")}: call {c} is '{manifest.Calls[c].Operation}', which cannot be replayed (only {string.Join(", ", ReplayableOperations)} can).");
            }
        }

        string temp = Directory.CreateTempSubdirectory("reprokit-replay").FullName;
        var rows = new List<(int Call, string Operation, string Role, string Expected, string Actual, string Note)>();
        try
        {
            for (int c = 0; c < manifest.Calls.Count; c++)
            {
                ManifestCall call = manifest.Calls[c];
                string? inputProblem = call.Inputs
                    .Select(f => !File.Exists(f.Path) ? $"input {f.Path} is missing"
                        : ManifestRecorder.Digest(f.Role, f.Path) != f.Sha256 ? $"input {f.Path} has changed since it was recorded" : null)
                    .FirstOrDefault(p => p is not null);
                if (inputProblem is not null)
                {
                    rows.AddRange(call.Outputs.Select(o => (c, call.Operation, o.Role, o.Sha256, "", inputProblem)));
                    rows.AddRange(call.Epochs.Select(e => (c, call.Operation, $"epoch {e.Epoch}", e.Digest, "", inputProblem)));
                    continue;
                }

                var replayed = new Dictionary<string, string>();
                string[] argv = Rewrite(call, args, temp, c, replayed);
                // A training run records its epochs into a manifest of its own, compared below with the recorded ones.
                string epochsManifest = Path.Combine(temp, $"call{c}-manifest.json");
                if (call.Epochs.Count > 0)
                {
                    argv = [.. argv, ManifestRecorder.Spec.Name, epochsManifest];
                    Progress.Step($"call {c}: {call.Operation} {string.Join(' ', call.Arguments)}");
                }

                var err = new StringWriter();
                int code = CliApp.Run([call.Operation, .. argv], new StringWriter(), err);
                if (call.Epochs.Count > 0)
                {
                    IReadOnlyList<ManifestEpoch> actual = code == CliApp.ExitOk && File.Exists(epochsManifest)
                        ? ReproManifest.Load(epochsManifest).Calls[^1].Epochs
                        : [];
                    foreach (ManifestEpoch e in call.Epochs)
                    {
                        ManifestEpoch? a = actual.FirstOrDefault(x => x.Epoch == e.Epoch);
                        rows.Add((c, call.Operation, $"epoch {e.Epoch}", e.Digest, a?.Digest ?? "",
                            code != CliApp.ExitOk ? err.ToString().Trim() : a is null ? "the replay did not reach this epoch" : ""));
                    }
                }

                foreach (ManifestFile o in call.Outputs)
                {
                    if (!replayed.TryGetValue(o.Role, out string? path))
                    {
                        rows.Add((c, call.Operation, o.Role, o.Sha256, "", $"the recorded arguments have no {o.Role} option"));
                        continue;
                    }

                    string actual = code == CliApp.ExitOk ? ManifestRecorder.Digest(o.Role, path) : "";
                    rows.Add((c, call.Operation, o.Role, o.Sha256, actual, code == CliApp.ExitOk ? "" : err.ToString().Trim()));
                }
            }
        }
        finally
        {
            Progress.Done();
            Directory.Delete(temp, recursive: true);
        }

        int mismatches = rows.Count(r => r.Expected != r.Actual);
        if (args.Flag("--json"))
        {
            using var buffer = new MemoryStream();
            using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
            {
                w.WriteStartObject();
                w.WriteString("recordedOn", manifest.Environment.GetValueOrDefault("cpu", "?"));
                w.WriteString("replayedOn", ReproKitLibrary.CpuDescription);
                w.WriteNumber("mismatches", mismatches);
                w.WriteStartArray("outputs");
                foreach (var r in rows)
                {
                    w.WriteStartObject();
                    w.WriteNumber("call", r.Call);
                    w.WriteString("operation", r.Operation);
                    w.WriteString("role", r.Role);
                    w.WriteString("expected", r.Expected);
                    w.WriteString("actual", r.Actual);
                    w.WriteBoolean("match", r.Expected == r.Actual);
                    w.WriteString("note", r.Note);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            stdout.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
        }
        else
        {
            stdout.WriteLine($"replaying {manifest.Calls.Count} call(s) recorded on {manifest.Environment.GetValueOrDefault("cpu", "?")}");
            foreach (var r in rows)
            {
                string verdict = r.Expected == r.Actual ? "match" : "MISMATCH" + (r.Note.Length > 0 ? $" ({r.Note})" : "");
                stdout.WriteLine($"  call {r.Call,-3} {r.Operation,-8} {r.Role,-14} {verdict}");
            }

            stdout.WriteLine(mismatches == 0 ? $"All {rows.Count} outputs reproduced bit for bit." : $"{mismatches} of {rows.Count} outputs differ.");
            if (rows.FirstOrDefault(r => r.Role.StartsWith("epoch ", StringComparison.Ordinal) && r.Expected != r.Actual) is { Role: not null } first)
            {
                stdout.WriteLine($"The first epoch whose parameter digest differs: call {first.Call}, {first.Role}.");
            }
        }

        return mismatches == 0 ? CliApp.ExitOk : CliApp.ExitFailure;
    }

    // The recorded arguments with outputs redirected to temporary files and the backend options replaced if given.
    private static string[] Rewrite(ManifestCall call, ArgReader args, string temp, int index, Dictionary<string, string> outputs)
    {
        bool overrideBackend = args.Has("--isa") || args.Has("--threads");
        var result = new List<string>();
        string[] a = call.Arguments;
        for (int i = 0; i < a.Length; i++)
        {
            string name = a[i].Contains('=') ? a[i][..a[i].IndexOf('=')] : a[i];
            bool inline = a[i].Contains('=');
            if (overrideBackend && name is "--isa" or "--threads")
            {
                i += inline ? 0 : 1;
                continue;
            }

            if (ManifestRecorder.OutputRoles.Contains(name))
            {
                string path = Path.Combine(temp, $"call{index}{name.Replace("-", "_", StringComparison.Ordinal)}{(name == "--checkpoint" ? ".ckpt" : ".npy")}");
                outputs[name] = path;
                result.Add(name);
                result.Add(path);
                i += inline ? 0 : 1;
                continue;
            }

            result.Add(a[i]);
        }

        if (args.String("--isa") is { } isa)
        {
            result.AddRange(["--isa", isa]);
        }

        if (args.String("--threads") is { } threads)
        {
            result.AddRange(["--threads", threads]);
        }

        return result.ToArray();
    }
}
