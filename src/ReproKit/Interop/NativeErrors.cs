using System.Runtime.InteropServices;

namespace ReproKit.Interop;

/// <summary>Turns native statuses into .NET exceptions, with the native message and status attached.</summary>
internal static class NativeErrors
{
    /// <summary>Key under which argument exceptions carry the native <see cref="ReproKitStatus"/> in <see cref="Exception.Data"/>.</summary>
    internal const string StatusKey = "ReproKit.Status";

    /// <summary>Throws the exception that matches <paramref name="status"/> unless it is <see cref="RkStatus.Ok"/>.</summary>
    internal static void Check(RkStatus status, string? paramName = null)
    {
        if (status != RkStatus.Ok)
        {
            throw Create(status, paramName);
        }
    }

    internal static unsafe string LastMessage() =>
        Marshal.PtrToStringUTF8((nint)NativeMethods.rk_last_error_message()) ?? string.Empty;

    private static Exception Create(RkStatus status, string? paramName)
    {
        string message = LastMessage();
        var publicStatus = (ReproKitStatus)status;
        if (message.Length == 0)
        {
            message = $"ReproKit native call failed with {publicStatus}.";
        }

        Exception e = status switch
        {
            RkStatus.NullPointer => new ArgumentNullException(paramName, message),
            RkStatus.SizeOverflow => new ArgumentOutOfRangeException(paramName, message),
            RkStatus.InvalidArgument => new ArgumentException(message, paramName),
            _ => new ReproKitException(publicStatus, message),
        };
        e.Data[StatusKey] = publicStatus;
        return e;
    }
}
