using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace ReproKit.Interop;

/// <summary>
/// Finds and loads the native library for the generated P/Invoke layer. A project reference does not put
/// <c>runtimes/&lt;rid&gt;/native</c> on .NET's probing path (only a package reference does), so this resolver
/// probes it itself, honours the <c>REPROKIT_NATIVE_PATH</c> override, and on failure reports every path it tried.
/// </summary>
internal static class NativeLibraryResolver
{
    /// <summary>Environment variable naming the native library file, or a directory that contains it.</summary>
    internal const string OverrideVariable = "REPROKIT_NATIVE_PATH";

    private static readonly object Gate = new();
    private static nint s_handle;

    // A library needs its resolver in place before the first P/Invoke; a module initializer is the one hook
    // that runs early enough without asking every caller to register it.
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Register() =>
        NativeLibrary.SetDllImportResolver(typeof(NativeLibraryResolver).Assembly, Resolve);

    private static nint Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != NativeMethods.LibraryName)
        {
            return 0;
        }

        lock (Gate)
        {
            if (s_handle == 0)
            {
                s_handle = Load(Environment.GetEnvironmentVariable(OverrideVariable), CandidateDirectories(assembly));
            }

            return s_handle;
        }
    }

    /// <summary>File name of the native library on this OS.</summary>
    internal static string NativeFileName =>
        OperatingSystem.IsWindows() ? "libreprokit.dll" : OperatingSystem.IsMacOS() ? "libreprokit.dylib" : "libreprokit.so";

    /// <summary>The runtime identifier whose native folder is probed, e.g. <c>linux-x64</c>.</summary>
    internal static string RuntimeIdentifier
    {
        get
        {
            string os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
            string arch = RuntimeInformation.ProcessArchitecture switch
            {
                Architecture.X64 => "x64",
                Architecture.Arm64 => "arm64",
                Architecture.X86 => "x86",
                var other => other.ToString().ToLowerInvariant(),
            };
            return $"{os}-{arch}";
        }
    }

    /// <summary>Directories probed in order when no override is set.</summary>
    internal static IReadOnlyList<string> CandidateDirectories(Assembly assembly)
    {
        var dirs = new List<string>();
        void Add(string? baseDir)
        {
            if (string.IsNullOrEmpty(baseDir))
            {
                return;
            }

            foreach (string dir in new[] { Path.Combine(baseDir, "runtimes", RuntimeIdentifier, "native"), baseDir })
            {
                string full = Path.GetFullPath(dir);
                if (!dirs.Contains(full))
                {
                    dirs.Add(full);
                }
            }
        }

        // Empty for single-file apps; AppContext.BaseDirectory covers those.
#pragma warning disable IL3000
        Add(Path.GetDirectoryName(assembly.Location));
#pragma warning restore IL3000
        Add(AppContext.BaseDirectory);
        return dirs;
    }

    /// <summary>
    /// Loads the library from the override (strictly: a set override is never silently ignored) or the first
    /// candidate directory that has it, then the OS's default search. Throws <see cref="ReproKitNativeLoadException"/>
    /// listing every attempt on failure.
    /// </summary>
    internal static nint Load(string? overridePath, IReadOnlyList<string> candidateDirectories, bool osSearch = true)
    {
        var attempts = new List<string>();
        if (!string.IsNullOrWhiteSpace(overridePath))
        {
            string path = Directory.Exists(overridePath) ? Path.Combine(overridePath, NativeFileName) : overridePath;
            if (TryLoad(path, attempts, out nint handle))
            {
                return handle;
            }

            throw new ReproKitNativeLoadException(
                $"{OverrideVariable} is set to '{overridePath}', but the ReproKit native library could not be loaded from it.",
                attempts);
        }

        foreach (string dir in candidateDirectories)
        {
            if (TryLoad(Path.Combine(dir, NativeFileName), attempts, out nint handle))
            {
                return handle;
            }
        }

        if (osSearch && NativeLibrary.TryLoad(NativeMethods.LibraryName, typeof(NativeLibraryResolver).Assembly, null, out nint fallback))
        {
            return fallback;
        }

        if (osSearch)
        {
            attempts.Add($"'{NativeMethods.LibraryName}' through the OS loader's default search: not found");
        }

        throw new ReproKitNativeLoadException(
            $"The ReproKit native library ({NativeFileName} for {RuntimeIdentifier}) was not found. " +
            $"Build it with 'dotnet build' from the repository, install the ReproKit package, or set {OverrideVariable}.",
            attempts);
    }

    private static bool TryLoad(string path, List<string> attempts, out nint handle)
    {
        handle = 0;
        if (!File.Exists(path))
        {
            attempts.Add($"{path}: file not found");
            return false;
        }

        try
        {
            handle = NativeLibrary.Load(path);
            return true;
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            attempts.Add($"{path}: {e.Message}");
            return false;
        }
    }
}
