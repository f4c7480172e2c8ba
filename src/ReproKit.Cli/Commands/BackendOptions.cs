namespace ReproKit.Cli.Commands;

/// <summary>The --isa and --threads options that every computing command shares.</summary>
internal static class BackendOptions
{
    internal static readonly OptionSpec[] Specs =
    [
        new("--isa", "I", "CPU instruction set: auto (default), scalar, avx2, avx512, neon"),
        new("--threads", "T", "worker threads (default: RK_NUM_THREADS, else all hardware threads)"),
    ];

    /// <summary>Creates the CPU context the options ask for.</summary>
    internal static CpuContext CreateContext(ArgReader args)
    {
        CpuIsa isa = CpuIsa.Auto;
        if (args.String("--isa") is { } isaName)
        {
            try
            {
                isa = ReproKitLibrary.ParseIsa(isaName);
            }
            catch (ArgumentException e)
            {
                throw new UsageException($"option '--isa': {e.Message}");
            }
        }

        int threads = (int)args.Count("--threads", 1024, 0);
        if (args.Has("--threads") && threads == 0)
        {
            throw new UsageException("option '--threads' must be at least 1.");
        }

        var context = new CpuContext(new CpuContextOptions(isa, threads));
        ManifestRecorder.Backend = $"cpu/{ReproKitLibrary.IsaName(context.Isa)}/{context.Threads}t";
        return context;
    }
}
