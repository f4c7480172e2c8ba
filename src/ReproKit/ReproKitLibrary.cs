using System.Reflection;
using System.Runtime.InteropServices;
using ReproKit.Interop;

namespace ReproKit;

/// <summary>Versions of the managed and native libraries and what this machine's CPU backend can run.</summary>
public static class ReproKitLibrary
{
    private static readonly Lazy<bool> AbiChecked = new(CheckAbi);

    /// <summary>Version of the managed ReproKit assembly.</summary>
    public static string ManagedVersion =>
        typeof(ReproKitLibrary).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? typeof(ReproKitLibrary).Assembly.GetName().Version?.ToString() ?? "unknown";

    /// <summary>Version string of the loaded native library, e.g. <c>0.1.0</c>.</summary>
    public static unsafe string NativeVersion
    {
        get
        {
            EnsureLoaded();
            return Marshal.PtrToStringUTF8((nint)NativeMethods.rk_version_string()) ?? string.Empty;
        }
    }

    /// <summary>ABI version of the loaded native library (equal to <see cref="ExpectedAbiVersion"/>).</summary>
    public static uint NativeAbiVersion
    {
        get
        {
            EnsureLoaded();
            return NativeMethods.rk_abi_version();
        }
    }

    /// <summary>ABI version this managed library was generated against.</summary>
    public static uint ExpectedAbiVersion => NativeMethods.RK_ABI_VERSION;

    /// <summary>The CPU's brand string and the vector features ReproKit detected.</summary>
    public static unsafe string CpuDescription
    {
        get
        {
            EnsureLoaded();
            byte* buffer = stackalloc byte[512];
            NativeErrors.Check(NativeMethods.rk_cpu_description(buffer, 512));
            return Marshal.PtrToStringUTF8((nint)buffer) ?? string.Empty;
        }
    }

    /// <summary>Whether this machine and build can run <paramref name="isa"/> (<see cref="CpuIsa.Auto"/> is always supported).</summary>
    /// <param name="isa">The instruction set to ask about.</param>
    public static unsafe bool IsSupported(CpuIsa isa)
    {
        EnsureLoaded();
        if (isa == CpuIsa.Auto)
        {
            return true;
        }

        int supported;
        NativeErrors.Check(NativeMethods.rk_cpu_isa_supported((RkIsa)isa, &supported), nameof(isa));
        return supported != 0;
    }

    /// <summary>Every concrete ISA this machine runs, scalar first.</summary>
    public static IReadOnlyList<CpuIsa> SupportedIsas =>
        new[] { CpuIsa.Scalar, CpuIsa.Avx2, CpuIsa.Avx512, CpuIsa.Neon }.Where(IsSupported).ToArray();

    /// <summary>Lower-case name of an ISA as the CLI and the <c>RK_ISA</c> variable spell it.</summary>
    /// <param name="isa">The instruction set.</param>
    public static string IsaName(CpuIsa isa) => isa switch
    {
        CpuIsa.Auto => "auto",
        CpuIsa.Scalar => "scalar",
        CpuIsa.Avx2 => "avx2",
        CpuIsa.Avx512 => "avx512",
        CpuIsa.Neon => "neon",
        _ => throw new ArgumentOutOfRangeException(nameof(isa), isa, "Not a CpuIsa value."),
    };

    /// <summary>Parses an ISA name (<c>auto</c>, <c>scalar</c>, <c>avx2</c>, <c>avx512</c>, <c>neon</c>; case-insensitive).</summary>
    /// <param name="name">The name to parse.</param>
    /// <exception cref="ArgumentException">The name is not one of the above.</exception>
    public static CpuIsa ParseIsa(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        foreach (CpuIsa isa in Enum.GetValues<CpuIsa>())
        {
            if (string.Equals(IsaName(isa), name.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                return isa;
            }
        }

        throw new ArgumentException($"'{name}' is not an ISA; expected one of auto, scalar, avx2, avx512, neon.", nameof(name));
    }

    /// <summary>Loads the native library (if not yet loaded) and checks that its ABI matches this assembly.</summary>
    /// <exception cref="ReproKitNativeLoadException">The library could not be found or loaded.</exception>
    /// <exception cref="ReproKitException">The library's ABI version differs from <see cref="ExpectedAbiVersion"/>.</exception>
    public static void EnsureLoaded() => _ = AbiChecked.Value;

    private static bool CheckAbi()
    {
        uint actual = NativeMethods.rk_abi_version();
        if (actual != NativeMethods.RK_ABI_VERSION)
        {
            throw new ReproKitException(
                ReproKitStatus.Unsupported,
                $"The ReproKit native library has ABI version {actual}, but this managed assembly expects {NativeMethods.RK_ABI_VERSION}. " +
                "Use matching versions of the managed and native packages.");
        }

        return true;
    }
}
