using System.Runtime.InteropServices;
using System.Text.Json;

namespace ReproKit.Cli.Commands;

/// <summary><c>reprokit info [--json]</c>: versions, CPU features, backends and ISAs.</summary>
internal static class InfoCommand
{
    internal static readonly OptionSpec[] Options = [new("--json", null, "print JSON instead of text")];

    internal static int Run(ArgReader args, TextWriter stdout)
    {
        IReadOnlyList<CpuIsa> isas = ReproKitLibrary.SupportedIsas;
        using var context = new CpuContext();
        string runtime = $"{RuntimeInformation.FrameworkDescription} on {RuntimeInformation.OSDescription} ({RuntimeInformation.ProcessArchitecture})";
        int devices = CudaDevices.Count(out string why);
        CudaDeviceInfo[] gpus = Enumerable.Range(0, devices).Select(CudaDevices.Info).ToArray();
        string cuda = devices == 0
            ? $"not available: {why}"
            : string.Join("; ", gpus.Select(g => $"cuda:{g.Index} {g.Name} ({g.Architecture}, {g.SmCount} SMs, {g.TotalMemory >> 20} MiB, driver {g.DriverVersion}, runtime {g.RuntimeVersion})"));

        if (args.Flag("--json"))
        {
            var buffer = new MemoryStream();
            using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
            {
                w.WriteStartObject();
                w.WriteString("managedVersion", ReproKitLibrary.ManagedVersion);
                w.WriteString("nativeVersion", ReproKitLibrary.NativeVersion);
                w.WriteNumber("abiVersion", ReproKitLibrary.NativeAbiVersion);
                w.WriteString("runtime", runtime);
                w.WriteString("cpu", ReproKitLibrary.CpuDescription);
                w.WriteStartObject("backends");
                w.WriteStartObject("cpu");
                w.WriteStartArray("isas");
                foreach (CpuIsa isa in isas)
                {
                    w.WriteStringValue(ReproKitLibrary.IsaName(isa));
                }

                w.WriteEndArray();
                w.WriteString("defaultIsa", ReproKitLibrary.IsaName(context.Isa));
                w.WriteNumber("defaultThreads", context.Threads);
                w.WriteEndObject();
                w.WriteStartObject("cuda");
                w.WriteBoolean("available", devices > 0);
                if (devices == 0)
                {
                    w.WriteString("reason", why);
                }

                w.WriteStartArray("devices");
                foreach (CudaDeviceInfo g in gpus)
                {
                    w.WriteStartObject();
                    w.WriteString("device", $"cuda:{g.Index}");
                    w.WriteString("name", g.Name);
                    w.WriteString("architecture", g.Architecture);
                    w.WriteNumber("smCount", g.SmCount);
                    w.WriteNumber("totalMemory", g.TotalMemory);
                    w.WriteNumber("driverVersion", g.DriverVersion);
                    w.WriteNumber("runtimeVersion", g.RuntimeVersion);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteEndObject();
                w.WriteEndObject();
                w.WriteEndObject();
            }

            stdout.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
            return CliApp.ExitOk;
        }

        stdout.WriteLine($"ReproKit {ReproKitLibrary.ManagedVersion} (native {ReproKitLibrary.NativeVersion}, ABI {ReproKitLibrary.NativeAbiVersion})");
        stdout.WriteLine($"Runtime:  {runtime}");
        stdout.WriteLine($"CPU:      {ReproKitLibrary.CpuDescription}");
        stdout.WriteLine($"Backends: cpu  ISAs {string.Join(", ", isas.Select(ReproKitLibrary.IsaName))}; default {ReproKitLibrary.IsaName(context.Isa)} with {context.Threads} thread(s)");
        stdout.WriteLine($"          cuda {cuda}");
        return CliApp.ExitOk;
    }
}
