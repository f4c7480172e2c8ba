using System.Text.Json;

namespace ReproKit.Cli.Commands;

/// <summary>
/// <c>reprokit verify [--device cpu|cuda:N] [--isa I] [--threads T] [--all] [--json]</c>: runs the golden suite on the
/// chosen backends and prints (case, backend, digest, match); exits 1 on any mismatch. <c>--all</c> runs every available
/// ISA with 1, 2 and 3 threads and every CUDA device present.
/// </summary>
internal static class VerifyCommand
{
    internal static readonly OptionSpec[] Options =
    [
        new("--device", "D", "cpu (default) or cuda:N (CUDA device N; needs the ReproKit.Cuda plugin and a GPU)"),
        new("--all", null, "every available ISA x thread counts 1, 2, 3, and every CUDA device"),
        new("--json", null, "print JSON instead of a table"),
        .. BackendOptions.Specs,
    ];

    internal static int Run(ArgReader args, TextWriter stdout)
    {
        int? cudaDevice = DeviceOption.Parse(args.String("--device"));
        var rows = new List<(string Backend, GoldenResult Result)>();
        var backends = new List<CpuContextOptions>();
        var cudaDevices = new List<int>();
        if (cudaDevice is int requested)
        {
            if (args.Flag("--all") || args.Has("--isa") || args.Has("--threads"))
            {
                throw new UsageException("--device cuda:N runs on the GPU; drop --all, --isa and --threads.");
            }

            cudaDevices.Add(requested);
        }
        else if (args.Flag("--all"))
        {
            if (args.Has("--isa") || args.Has("--threads"))
            {
                throw new UsageException("--all runs every ISA and thread count; drop --isa and --threads.");
            }

            int count = CudaDevices.Count(out string reason);
            cudaDevices.AddRange(Enumerable.Range(0, count));
            if (count == 0)
            {
                Console.Error.WriteLine($"verify: no CUDA device verified ({reason})");
            }

            foreach (CpuIsa isa in ReproKitLibrary.SupportedIsas)
            {
                foreach (int t in new[] { 1, 2, 3 })
                {
                    backends.Add(new CpuContextOptions(isa, t));
                }
            }
        }
        else
        {
            using CpuContext probe = BackendOptions.CreateContext(args);
            backends.Add(new CpuContextOptions(probe.Isa, probe.Threads));
        }

        foreach (CpuContextOptions o in backends)
        {
            using var context = new CpuContext(o);
            string backend = $"cpu/{ReproKitLibrary.IsaName(context.Isa)}/{context.Threads}t";
            Progress.Step($"verify: {backend}");
            foreach (GoldenResult r in Golden.RunAll(context))
            {
                rows.Add((backend, r));
            }
        }

        foreach (int d in cudaDevices)
        {
            using var context = new CudaContext(d);
            string backend = $"cuda:{d}/{context.Device.Architecture}";
            Progress.Step($"verify: {backend} {context.Device.Name}");
            for (int i = 0; i < Golden.Count; i++)
            {
                rows.Add((backend, CudaOperations.Golden(i, context)));
            }
        }

        Progress.Done();
        int mismatches = rows.Count(r => !r.Result.Matches);
        if (args.Flag("--json"))
        {
            using var buffer = new MemoryStream();
            using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
            {
                w.WriteStartObject();
                w.WriteString("machine", ReproKitLibrary.CpuDescription);
                w.WriteString("nativeVersion", ReproKitLibrary.NativeVersion);
                w.WriteNumber("mismatches", mismatches);
                w.WriteStartArray("results");
                foreach (var (backend, r) in rows)
                {
                    w.WriteStartObject();
                    w.WriteString("case", r.Name);
                    w.WriteString("backend", backend);
                    w.WriteString("sha256", r.Actual);
                    w.WriteString("expected", r.Expected);
                    w.WriteBoolean("match", r.Matches);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
            }

            stdout.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
        }
        else
        {
            stdout.WriteLine($"{"case",-26} {"backend",-18} {"sha256",-18} match");
            foreach (var (backend, r) in rows)
            {
                stdout.WriteLine($"{r.Name,-26} {backend,-18} {r.Actual[..16]}.. {(r.Matches ? "yes" : r.Expected.Length == 0 ? "NO DIGEST RECORDED" : "MISMATCH")}");
            }

            stdout.WriteLine(mismatches == 0
                ? $"All {rows.Count} results match the recorded digests."
                : $"{mismatches} of {rows.Count} results do NOT match the recorded digests.");
        }

        return mismatches == 0 ? CliApp.ExitOk : CliApp.ExitFailure;
    }
}
