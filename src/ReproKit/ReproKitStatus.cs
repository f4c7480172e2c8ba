namespace ReproKit;

/// <summary>Status codes of the native library (the C API's <c>rk_status</c>).</summary>
public enum ReproKitStatus
{
    /// <summary>Success.</summary>
    Ok = 0,

    /// <summary>A required pointer argument was null.</summary>
    NullPointer = 1,

    /// <summary>An argument had a value outside its documented domain.</summary>
    InvalidArgument = 2,

    /// <summary>A size or count was negative, or an element or byte count would overflow.</summary>
    SizeOverflow = 3,

    /// <summary>Memory could not be allocated.</summary>
    OutOfMemory = 4,

    /// <summary>The request is valid but not supported by this build or machine.</summary>
    Unsupported = 5,

    /// <summary>A handle was invalid (destroyed, or of the wrong kind).</summary>
    InvalidHandle = 6,

    /// <summary>An internal error in the native library.</summary>
    Internal = 7,
}
