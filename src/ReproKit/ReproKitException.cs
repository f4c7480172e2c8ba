namespace ReproKit;

/// <summary>
/// An error reported by the ReproKit native library that is not a bad argument: an unsupported request, an
/// invalid handle, memory exhaustion or an internal error. Carries the native status and message.
/// </summary>
/// <remarks>Sealed: callers catch it by type and read <see cref="Status"/>; the library raises no subclasses.</remarks>
public sealed class ReproKitException : Exception
{
    /// <summary>Creates an exception with <see cref="ReproKitStatus.Internal"/> and a generic message.</summary>
    public ReproKitException()
        : this("A ReproKit operation failed.")
    {
    }

    /// <summary>Creates an exception with <see cref="ReproKitStatus.Internal"/> and a message.</summary>
    /// <param name="message">What failed.</param>
    public ReproKitException(string message)
        : this(ReproKitStatus.Internal, message)
    {
    }

    /// <summary>Creates an exception with <see cref="ReproKitStatus.Internal"/>, a message and its cause.</summary>
    /// <param name="message">What failed.</param>
    /// <param name="innerException">The cause.</param>
    public ReproKitException(string message, Exception? innerException)
        : base(message, innerException)
    {
        Status = ReproKitStatus.Internal;
        NativeMessage = message;
    }

    /// <summary>Creates an exception for a native status and its message.</summary>
    /// <param name="status">The native status code.</param>
    /// <param name="message">The native library's message.</param>
    public ReproKitException(ReproKitStatus status, string message)
        : base(message)
    {
        Status = status;
        NativeMessage = message;
    }

    /// <summary>The native status code.</summary>
    public ReproKitStatus Status { get; }

    /// <summary>The message the native library recorded for the failed call.</summary>
    public string NativeMessage { get; }
}

/// <summary>
/// The ReproKit native library could not be found or loaded. <see cref="AttemptedPaths"/> lists every path tried and
/// why each failed.
/// </summary>
public sealed class ReproKitNativeLoadException : DllNotFoundException
{
    /// <summary>Creates the exception with a summary and the list of attempts.</summary>
    /// <param name="summary">What failed and how to fix it.</param>
    /// <param name="attemptedPaths">Each path tried, with the reason it failed.</param>
    public ReproKitNativeLoadException(string summary, IReadOnlyList<string> attemptedPaths)
        : base(summary + Environment.NewLine + "Paths tried:" + Environment.NewLine +
               string.Join(Environment.NewLine, attemptedPaths.Select(p => "  " + p)))
    {
        AttemptedPaths = attemptedPaths;
    }

    /// <summary>Every path tried, with the reason it failed.</summary>
    public IReadOnlyList<string> AttemptedPaths { get; }
}
