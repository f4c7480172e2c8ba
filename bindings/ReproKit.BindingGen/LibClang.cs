// The small part of the libclang C API (clang-c/Index.h, libclang 16) that the generator uses,
// declared by hand: no ClangSharp/CppSharp dependency. Only this file knows about libclang's ABI.
using System.Runtime.InteropServices;

namespace ReproKit.BindingGen;

/// <summary>CXCursorKind values used by the generator.</summary>
internal enum CXCursorKind
{
    StructDecl = 2,
    UnionDecl = 3,
    EnumDecl = 5,
    FieldDecl = 6,
    EnumConstantDecl = 7,
    FunctionDecl = 8,
    VarDecl = 9,
    ParmDecl = 10,
    TypedefDecl = 20,
    MacroDefinition = 501,
    MacroExpansion = 502,
    InclusionDirective = 503,
}

/// <summary>CXTypeKind values used by the generator.</summary>
internal enum CXTypeKind
{
    Invalid = 0,
    Unexposed = 1,
    Void = 2,
    Bool = 3,
    Char_U = 4,
    UChar = 5,
    Char16 = 6,
    Char32 = 7,
    UShort = 8,
    UInt = 9,
    ULong = 10,
    ULongLong = 11,
    UInt128 = 12,
    Char_S = 13,
    SChar = 14,
    WChar = 15,
    Short = 16,
    Int = 17,
    Long = 18,
    LongLong = 19,
    Int128 = 20,
    Float = 21,
    Double = 22,
    LongDouble = 23,
    Pointer = 101,
    Record = 105,
    Enum = 106,
    Typedef = 107,
    FunctionNoProto = 110,
    FunctionProto = 111,
    ConstantArray = 112,
    Vector = 113,
    IncompleteArray = 114,
    VariableArray = 115,
    Elaborated = 119,
    Attributed = 163,
    Atomic = 177,
}

/// <summary>CXTokenKind.</summary>
internal enum CXTokenKind
{
    Punctuation = 0,
    Keyword = 1,
    Identifier = 2,
    Literal = 3,
    Comment = 4,
}

/// <summary>CXDiagnosticSeverity.</summary>
internal enum CXDiagnosticSeverity
{
    Ignored = 0,
    Note = 1,
    Warning = 2,
    Error = 3,
    Fatal = 4,
}

[StructLayout(LayoutKind.Sequential)]
internal struct CXString
{
    public nint Data;
    public uint PrivateFlags;
}

[StructLayout(LayoutKind.Sequential)]
internal struct CXCursor
{
    public CXCursorKind Kind;
    public int XData;
    public nint Data0;
    public nint Data1;
    public nint Data2;
}

[StructLayout(LayoutKind.Sequential)]
internal struct CXType
{
    public CXTypeKind Kind;
    public nint Data0;
    public nint Data1;
}

[StructLayout(LayoutKind.Sequential)]
internal struct CXSourceLocation
{
    public nint PtrData0;
    public nint PtrData1;
    public uint IntData;
}

[StructLayout(LayoutKind.Sequential)]
internal struct CXSourceRange
{
    public nint PtrData0;
    public nint PtrData1;
    public uint BeginIntData;
    public uint EndIntData;
}

[StructLayout(LayoutKind.Sequential)]
internal struct CXToken
{
    public uint IntData0;
    public uint IntData1;
    public uint IntData2;
    public uint IntData3;
    public nint PtrData;
}

/// <summary>Raw libclang entry points. Library name "libclang" is resolved by <see cref="LibClangLoader"/>.</summary>
internal static unsafe partial class LibClang
{
    internal const string Library = "libclang";

    internal const uint TranslationUnitDetailedPreprocessingRecord = 0x01;
    internal const int ChildVisitContinue = 1;

    [LibraryImport(Library)] internal static partial CXString clang_getClangVersion();
    [LibraryImport(Library)] internal static partial sbyte* clang_getCString(CXString str);
    [LibraryImport(Library)] internal static partial void clang_disposeString(CXString str);

    [LibraryImport(Library)] internal static partial nint clang_createIndex(int excludeDeclarationsFromPch, int displayDiagnostics);
    [LibraryImport(Library)] internal static partial void clang_disposeIndex(nint index);

    [LibraryImport(Library)]
    internal static partial int clang_parseTranslationUnit2(
        nint index, byte* sourceFilename, byte** commandLineArgs, int numCommandLineArgs,
        void* unsavedFiles, uint numUnsavedFiles, uint options, nint* outTranslationUnit);

    [LibraryImport(Library)] internal static partial void clang_disposeTranslationUnit(nint translationUnit);

    [LibraryImport(Library)] internal static partial uint clang_getNumDiagnostics(nint translationUnit);
    [LibraryImport(Library)] internal static partial nint clang_getDiagnostic(nint translationUnit, uint index);
    [LibraryImport(Library)] internal static partial CXDiagnosticSeverity clang_getDiagnosticSeverity(nint diagnostic);
    [LibraryImport(Library)] internal static partial uint clang_defaultDiagnosticDisplayOptions();
    [LibraryImport(Library)] internal static partial CXString clang_formatDiagnostic(nint diagnostic, uint options);
    [LibraryImport(Library)] internal static partial void clang_disposeDiagnostic(nint diagnostic);

    [LibraryImport(Library)] internal static partial CXCursor clang_getTranslationUnitCursor(nint translationUnit);

    [LibraryImport(Library)]
    internal static partial uint clang_visitChildren(
        CXCursor parent, delegate* unmanaged<CXCursor, CXCursor, nint, int> visitor, nint clientData);

    [LibraryImport(Library)] internal static partial CXCursorKind clang_getCursorKind(CXCursor cursor);
    [LibraryImport(Library)] internal static partial CXString clang_getCursorSpelling(CXCursor cursor);
    [LibraryImport(Library)] internal static partial CXString clang_getCursorUSR(CXCursor cursor);
    [LibraryImport(Library)] internal static partial CXType clang_getCursorType(CXCursor cursor);
    [LibraryImport(Library)] internal static partial CXType clang_getCursorResultType(CXCursor cursor);
    [LibraryImport(Library)] internal static partial CXCursor clang_getCursorDefinition(CXCursor cursor);
    [LibraryImport(Library)] internal static partial uint clang_isCursorDefinition(CXCursor cursor);
    [LibraryImport(Library)] internal static partial int clang_Cursor_isNull(CXCursor cursor);
    [LibraryImport(Library)] internal static partial uint clang_Cursor_isAnonymous(CXCursor cursor);
    [LibraryImport(Library)] internal static partial uint clang_Cursor_isBitField(CXCursor cursor);
    [LibraryImport(Library)] internal static partial uint clang_Cursor_isVariadic(CXCursor cursor);
    [LibraryImport(Library)] internal static partial uint clang_Cursor_isMacroFunctionLike(CXCursor cursor);
    [LibraryImport(Library)] internal static partial uint clang_Cursor_isMacroBuiltin(CXCursor cursor);
    [LibraryImport(Library)] internal static partial int clang_Cursor_getNumArguments(CXCursor cursor);
    [LibraryImport(Library)] internal static partial CXCursor clang_Cursor_getArgument(CXCursor cursor, uint index);
    [LibraryImport(Library)] internal static partial CXString clang_Cursor_getRawCommentText(CXCursor cursor);
    [LibraryImport(Library)] internal static partial CXType clang_getTypedefDeclUnderlyingType(CXCursor cursor);
    [LibraryImport(Library)] internal static partial CXType clang_getEnumDeclIntegerType(CXCursor cursor);
    [LibraryImport(Library)] internal static partial long clang_getEnumConstantDeclValue(CXCursor cursor);
    [LibraryImport(Library)] internal static partial ulong clang_getEnumConstantDeclUnsignedValue(CXCursor cursor);

    [LibraryImport(Library)] internal static partial CXString clang_getTypeSpelling(CXType type);
    [LibraryImport(Library)] internal static partial CXType clang_getCanonicalType(CXType type);
    [LibraryImport(Library)] internal static partial CXType clang_getPointeeType(CXType type);
    [LibraryImport(Library)] internal static partial CXType clang_Type_getNamedType(CXType type);
    [LibraryImport(Library)] internal static partial CXType clang_Type_getModifiedType(CXType type);
    [LibraryImport(Library)] internal static partial CXType clang_getArrayElementType(CXType type);
    [LibraryImport(Library)] internal static partial long clang_getArraySize(CXType type);
    [LibraryImport(Library)] internal static partial CXCursor clang_getTypeDeclaration(CXType type);
    [LibraryImport(Library)] internal static partial long clang_Type_getSizeOf(CXType type);
    [LibraryImport(Library)] internal static partial long clang_Type_getAlignOf(CXType type);
    [LibraryImport(Library)] internal static partial long clang_Type_getOffsetOf(CXType type, byte* fieldName);
    [LibraryImport(Library)] internal static partial uint clang_isVolatileQualifiedType(CXType type);

    [LibraryImport(Library)] internal static partial CXSourceLocation clang_getCursorLocation(CXCursor cursor);
    [LibraryImport(Library)] internal static partial CXSourceRange clang_getCursorExtent(CXCursor cursor);
    [LibraryImport(Library)] internal static partial CXSourceLocation clang_getRangeStart(CXSourceRange range);
    [LibraryImport(Library)] internal static partial int clang_Location_isFromMainFile(CXSourceLocation location);

    [LibraryImport(Library)]
    internal static partial void clang_getExpansionLocation(
        CXSourceLocation location, nint* file, uint* line, uint* column, uint* offset);

    [LibraryImport(Library)]
    internal static partial void clang_tokenize(nint translationUnit, CXSourceRange range, CXToken** tokens, uint* numTokens);

    [LibraryImport(Library)] internal static partial CXTokenKind clang_getTokenKind(CXToken token);
    [LibraryImport(Library)] internal static partial CXString clang_getTokenSpelling(nint translationUnit, CXToken token);
    [LibraryImport(Library)] internal static partial void clang_disposeTokens(nint translationUnit, CXToken* tokens, uint numTokens);
}

/// <summary>Loads libclang once (default <c>libclang-16.so.1</c>, or an override path) and resolves
/// the <see cref="LibClang.Library"/> name to it.</summary>
internal static class LibClangLoader
{
    internal const string DefaultLibrary = "libclang-16.so.1";
    internal const string EnvironmentVariable = "REPROKIT_LIBCLANG";

    private static nint s_handle;

    /// <summary>Loads libclang; returns false with a reason when it cannot be loaded.</summary>
    internal static bool TryLoad(string? overridePath, out string loadedName, out string error)
    {
        string? fromEnvironment = Environment.GetEnvironmentVariable(EnvironmentVariable);
        loadedName = !string.IsNullOrEmpty(overridePath) ? overridePath
            : !string.IsNullOrEmpty(fromEnvironment) ? fromEnvironment
            : DefaultLibrary;
        try
        {
            s_handle = NativeLibrary.Load(loadedName);
        }
        catch (DllNotFoundException e)
        {
            error = e.Message;
            return false;
        }
        catch (BadImageFormatException e)
        {
            error = e.Message;
            return false;
        }

        NativeLibrary.SetDllImportResolver(typeof(LibClangLoader).Assembly, static (name, _, _) =>
            name == LibClang.Library ? s_handle : 0);
        error = "";
        return true;
    }
}

/// <summary>One formatted clang diagnostic.</summary>
internal sealed record ClangDiagnostic(CXDiagnosticSeverity Severity, string Text);

/// <summary>An index plus a parsed translation unit; disposing frees both.</summary>
internal sealed unsafe class TranslationUnit : IDisposable
{
    private nint _index;

    private TranslationUnit(nint index, nint handle)
    {
        _index = index;
        Handle = handle;
    }

    internal nint Handle { get; private set; }

    internal CXCursor Cursor => LibClang.clang_getTranslationUnitCursor(Handle);

    /// <summary>Parses <paramref name="path"/> with the given clang command-line arguments.
    /// Returns null (with the libclang CXErrorCode) when libclang could not produce a translation unit.</summary>
    internal static TranslationUnit? Parse(string path, IReadOnlyList<string> arguments, uint options, out int errorCode)
    {
        nint index = LibClang.clang_createIndex(0, 0);
        var pinned = new List<GCHandle>();
        try
        {
            byte[] file = Utf8z(path);
            pinned.Add(GCHandle.Alloc(file, GCHandleType.Pinned));
            byte*[] argv = new byte*[arguments.Count];
            for (int i = 0; i < arguments.Count; i++)
            {
                GCHandle argument = GCHandle.Alloc(Utf8z(arguments[i]), GCHandleType.Pinned);
                pinned.Add(argument);
                argv[i] = (byte*)argument.AddrOfPinnedObject();
            }

            nint unit = 0;
            fixed (byte** argvPointer = argv)
            {
                errorCode = LibClang.clang_parseTranslationUnit2(
                    index, (byte*)pinned[0].AddrOfPinnedObject(), argvPointer, argv.Length, null, 0, options, &unit);
            }
            if (errorCode != 0 || unit == 0)
            {
                LibClang.clang_disposeIndex(index);
                return null;
            }
            return new TranslationUnit(index, unit);
        }
        finally
        {
            foreach (GCHandle handle in pinned)
            {
                handle.Free();
            }
        }
    }

    /// <summary>Every diagnostic of the translation unit, formatted the way clang prints them.</summary>
    internal List<ClangDiagnostic> Diagnostics()
    {
        var result = new List<ClangDiagnostic>();
        uint count = LibClang.clang_getNumDiagnostics(Handle);
        uint displayOptions = LibClang.clang_defaultDiagnosticDisplayOptions();
        for (uint i = 0; i < count; i++)
        {
            nint diagnostic = LibClang.clang_getDiagnostic(Handle, i);
            try
            {
                result.Add(new ClangDiagnostic(
                    LibClang.clang_getDiagnosticSeverity(diagnostic),
                    Clang.Take(LibClang.clang_formatDiagnostic(diagnostic, displayOptions))));
            }
            finally
            {
                LibClang.clang_disposeDiagnostic(diagnostic);
            }
        }
        return result;
    }

    public void Dispose()
    {
        if (Handle != 0)
        {
            LibClang.clang_disposeTranslationUnit(Handle);
            Handle = 0;
        }
        if (_index != 0)
        {
            LibClang.clang_disposeIndex(_index);
            _index = 0;
        }
    }

    private static byte[] Utf8z(string value)
    {
        byte[] bytes = new byte[System.Text.Encoding.UTF8.GetByteCount(value) + 1];
        System.Text.Encoding.UTF8.GetBytes(value, bytes);
        return bytes;
    }
}

/// <summary>Managed conveniences over the raw API: strings, child visiting, tokens, locations.</summary>
internal static unsafe class Clang
{
    /// <summary>Copies a CXString to a managed string and disposes it.</summary>
    internal static string Take(CXString value)
    {
        try
        {
            sbyte* text = LibClang.clang_getCString(value);
            return text == null ? "" : Marshal.PtrToStringUTF8((nint)text) ?? "";
        }
        finally
        {
            LibClang.clang_disposeString(value);
        }
    }

    internal static string Spelling(CXCursor cursor) => Take(LibClang.clang_getCursorSpelling(cursor));

    internal static string Spelling(CXType type) => Take(LibClang.clang_getTypeSpelling(type));

    internal static string Usr(CXCursor cursor) => Take(LibClang.clang_getCursorUSR(cursor));

    internal static bool IsNull(CXCursor cursor) => LibClang.clang_Cursor_isNull(cursor) != 0;

    internal static bool IsFromMainFile(CXCursor cursor) =>
        LibClang.clang_Location_isFromMainFile(LibClang.clang_getCursorLocation(cursor)) != 0;

    /// <summary>1-based line of the cursor's expansion location.</summary>
    internal static int Line(CXCursor cursor)
    {
        uint line, column, offset;
        LibClang.clang_getExpansionLocation(LibClang.clang_getCursorLocation(cursor), null, &line, &column, &offset);
        return (int)line;
    }

    /// <summary>Byte offset of the cursor's expansion location in its file.</summary>
    internal static int Offset(CXCursor cursor)
    {
        uint line, column, offset;
        LibClang.clang_getExpansionLocation(LibClang.clang_getCursorLocation(cursor), null, &line, &column, &offset);
        return (int)offset;
    }

    /// <summary>Byte offset of the expansion location where the cursor's extent starts (for a declaration
    /// that begins with a macro, the place the macro is used).</summary>
    internal static int ExtentStartOffset(CXCursor cursor)
    {
        uint line, column, offset;
        CXSourceLocation start = LibClang.clang_getRangeStart(LibClang.clang_getCursorExtent(cursor));
        LibClang.clang_getExpansionLocation(start, null, &line, &column, &offset);
        return (int)offset;
    }

    /// <summary>The direct children of a cursor, in source order.</summary>
    internal static List<CXCursor> Children(CXCursor parent)
    {
        var children = new List<CXCursor>();
        GCHandle handle = GCHandle.Alloc(children);
        try
        {
            LibClang.clang_visitChildren(parent, &CollectChild, GCHandle.ToIntPtr(handle));
        }
        finally
        {
            handle.Free();
        }
        return children;
    }

    [UnmanagedCallersOnly]
    private static int CollectChild(CXCursor cursor, CXCursor parent, nint clientData)
    {
        var children = (List<CXCursor>)GCHandle.FromIntPtr(clientData).Target!;
        children.Add(cursor);
        return LibClang.ChildVisitContinue;
    }

    /// <summary>The tokens covering a cursor's extent (kind and spelling).</summary>
    internal static List<(CXTokenKind Kind, string Spelling)> Tokens(nint translationUnit, CXCursor cursor)
    {
        CXToken* tokens = null;
        uint count = 0;
        LibClang.clang_tokenize(translationUnit, LibClang.clang_getCursorExtent(cursor), &tokens, &count);
        var result = new List<(CXTokenKind, string)>((int)count);
        try
        {
            for (uint i = 0; i < count; i++)
            {
                result.Add((LibClang.clang_getTokenKind(tokens[i]), Take(LibClang.clang_getTokenSpelling(translationUnit, tokens[i]))));
            }
        }
        finally
        {
            if (tokens != null)
            {
                LibClang.clang_disposeTokens(translationUnit, tokens, count);
            }
        }
        return result;
    }
}
