// Header model extraction: parses the header with libclang and turns the main file's declarations
// into a HeaderModel. Everything the generator cannot represent exactly is rejected here, with the
// declaration and the C type named: the generator never guesses.
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace ReproKit.BindingGen;

internal sealed unsafe partial class HeaderParser
{
    /// <summary>Command-line arguments given to clang.</summary>
    internal static readonly string[] ClangArguments = ["-x", "c", "-std=c11"];

    /// <summary>The export macro that marks a function as part of the C API.</summary>
    internal const string ApiMacro = "RK_API";

    /// <summary>Typedefs from system headers that map to a C# primitive (with their C size in bytes; 0 = pointer-sized).</summary>
    private static readonly Dictionary<string, (Primitive Kind, int Size)> s_knownTypedefs = new()
    {
        ["int8_t"] = (Primitive.SByte, 1),
        ["uint8_t"] = (Primitive.Byte, 1),
        ["int16_t"] = (Primitive.Short, 2),
        ["uint16_t"] = (Primitive.UShort, 2),
        ["int32_t"] = (Primitive.Int, 4),
        ["uint32_t"] = (Primitive.UInt, 4),
        ["int64_t"] = (Primitive.Long, 8),
        ["uint64_t"] = (Primitive.ULong, 8),
        ["size_t"] = (Primitive.NUInt, 0),
        ["uintptr_t"] = (Primitive.NUInt, 0),
        ["ptrdiff_t"] = (Primitive.NInt, 0),
        ["intptr_t"] = (Primitive.NInt, 0),
    };

    /// <summary>Where a type appears; decides what is allowed (void, opaque structs, arrays).</summary>
    private enum Usage
    {
        Field,
        Parameter,
        Return,
        Pointee,
        ArrayElement,
    }

    private readonly TranslationUnit _unit;
    private readonly string _headerPath;
    private readonly byte[] _source;
    private readonly int _pointerSize;

    /// <summary>USR of a struct/enum tag → the typedef that names it (first one wins).</summary>
    private readonly Dictionary<string, (string Name, CXCursor Cursor)> _typedefOfTag = [];

    /// <summary>File offsets where <see cref="ApiMacro"/> is expanded in the header.</summary>
    private readonly HashSet<int> _apiMacroExpansions = [];

    private HeaderParser(TranslationUnit unit, string headerPath, byte[] source)
    {
        _unit = unit;
        _headerPath = headerPath;
        _source = source;
        _pointerSize = IntPtr.Size;
    }

    /// <summary>Parses the header. Throws <see cref="GeneratorException"/> on any diagnostic of
    /// severity warning or above and on any declaration the generator does not support.</summary>
    internal static HeaderModel Parse(string headerPath, string displayPath)
    {
        if (!File.Exists(headerPath))
        {
            throw new GeneratorException($"error: header not found: {headerPath}");
        }

        using TranslationUnit unit = TranslationUnit.Parse(
                headerPath, ClangArguments, LibClang.TranslationUnitDetailedPreprocessingRecord, out int errorCode)
            ?? throw new GeneratorException($"error: libclang could not parse {headerPath} (CXErrorCode {errorCode})");

        List<ClangDiagnostic> diagnostics = unit.Diagnostics();
        if (diagnostics.Any(d => d.Severity >= CXDiagnosticSeverity.Warning))
        {
            var message = new StringBuilder();
            foreach (ClangDiagnostic diagnostic in diagnostics)
            {
                message.AppendLine(diagnostic.Text);
            }
            message.Append(CultureInfo.InvariantCulture,
                $"error: {diagnostics.Count} diagnostic(s) while parsing {headerPath} with clang {string.Join(' ', ClangArguments)}; ")
                .Append("every warning or error fails the generation (a missing system header would otherwise silently change types)");
            throw new GeneratorException(message.ToString());
        }

        var parser = new HeaderParser(unit, headerPath, File.ReadAllBytes(headerPath));
        return new HeaderModel(displayPath, parser.Extract());
    }

    private List<Declaration> Extract()
    {
        List<CXCursor> cursors = Clang.Children(_unit.Cursor)
            .Where(Clang.IsFromMainFile)
            .OrderBy(Clang.Offset) // stable: header order
            .ToList();

        foreach (CXCursor cursor in cursors.Where(c => c.Kind == CXCursorKind.TypedefDecl))
        {
            CXType underlying = StripSugar(LibClang.clang_getTypedefDeclUnderlyingType(cursor));
            if (underlying.Kind is CXTypeKind.Record or CXTypeKind.Enum)
            {
                string usr = Clang.Usr(LibClang.clang_getTypeDeclaration(underlying));
                _typedefOfTag.TryAdd(usr, (Clang.Spelling(cursor), cursor));
            }
        }

        foreach (CXCursor cursor in cursors.Where(c => c.Kind == CXCursorKind.MacroExpansion && Clang.Spelling(c) == ApiMacro))
        {
            _apiMacroExpansions.Add(Clang.Offset(cursor));
        }

        var declarations = new List<Declaration>();
        var functionNames = new HashSet<string>(StringComparer.Ordinal);
        foreach (CXCursor cursor in cursors)
        {
            switch (cursor.Kind)
            {
                case CXCursorKind.EnumDecl when LibClang.clang_isCursorDefinition(cursor) != 0:
                    declarations.Add(ExtractEnum(cursor));
                    break;
                case CXCursorKind.StructDecl when LibClang.clang_isCursorDefinition(cursor) != 0:
                    declarations.Add(ExtractStruct(cursor));
                    break;
                case CXCursorKind.UnionDecl when LibClang.clang_isCursorDefinition(cursor) != 0:
                    throw Unsupported(cursor, $"union {Clang.Spelling(cursor)}", "unions are not supported");
                case CXCursorKind.VarDecl:
                    throw Unsupported(cursor, $"variable {Clang.Spelling(cursor)}", "global variables are not supported");
                case CXCursorKind.FunctionDecl:
                    if (ExtractFunction(cursor) is { } function && functionNames.Add(function.CName))
                    {
                        declarations.Add(function);
                    }
                    break;
                case CXCursorKind.MacroDefinition:
                    if (ExtractConstant(cursor) is { } constant)
                    {
                        declarations.Add(constant);
                    }
                    break;
                default:
                    // Forward declarations (opaque structs), typedefs (resolved where used),
                    // macro expansions and #include directives produce nothing by themselves.
                    break;
            }
        }
        return declarations;
    }

    private EnumDeclaration ExtractEnum(CXCursor cursor)
    {
        string name = TagName(cursor, "enum");
        CXType integerType = LibClang.clang_getCanonicalType(LibClang.clang_getEnumDeclIntegerType(cursor));
        Primitive underlying = EnumUnderlyingType(integerType)
            ?? throw Unsupported(cursor, $"enum {name}", $"underlying type '{Clang.Spelling(integerType)}' is not an integer type a C# enum can have");
        bool unsigned = underlying is Primitive.Byte or Primitive.UShort or Primitive.UInt or Primitive.ULong;

        var members = new List<EnumMember>();
        foreach (CXCursor child in Clang.Children(cursor).Where(c => c.Kind == CXCursorKind.EnumConstantDecl))
        {
            Int128 value = unsigned
                ? LibClang.clang_getEnumConstantDeclUnsignedValue(child)
                : LibClang.clang_getEnumConstantDeclValue(child);
            members.Add(new EnumMember(Clang.Spelling(child), DocComment(child), value));
        }
        return new EnumDeclaration(name, DocComment(cursor) ?? TypedefDocComment(cursor), underlying, members);
    }

    private StructDeclaration ExtractStruct(CXCursor cursor)
    {
        string name = TagName(cursor, "struct");
        CXType type = LibClang.clang_getCursorType(cursor);
        long size = LibClang.clang_Type_getSizeOf(type);
        long alignment = LibClang.clang_Type_getAlignOf(type);
        if (size <= 0 || alignment <= 0)
        {
            throw Unsupported(cursor, $"struct {name}", $"libclang reports no layout (sizeof {size}, alignof {alignment})");
        }

        var fields = new List<FieldDeclaration>();
        long naturalOffset = 0;
        long naturalAlignment = 1;
        foreach (CXCursor child in Clang.Children(cursor))
        {
            if (child.Kind is CXCursorKind.StructDecl or CXCursorKind.UnionDecl or CXCursorKind.EnumDecl)
            {
                throw Unsupported(child, $"struct {name}", "nested struct/union/enum definitions are not supported; declare them at file scope");
            }
            if (child.Kind != CXCursorKind.FieldDecl)
            {
                continue; // attributes; a non-natural layout they cause is caught below
            }

            string fieldName = Clang.Spelling(child);
            string site = $"field '{fieldName}' of struct {name}";
            CXType fieldType = LibClang.clang_getCursorType(child);
            if (fieldName.Length == 0 || LibClang.clang_Cursor_isAnonymous(child) != 0)
            {
                throw Unsupported(child, site, "anonymous members are not supported");
            }
            if (LibClang.clang_Cursor_isBitField(child) != 0)
            {
                throw Unsupported(child, site, $"bit-field of type '{Clang.Spelling(fieldType)}' is not supported");
            }

            TypeRef mapped = Resolve(child, fieldType, Usage.Field, site);
            long offsetBits;
            fixed (byte* fieldNameUtf8 = Encoding.UTF8.GetBytes(fieldName + "\0"))
            {
                offsetBits = LibClang.clang_Type_getOffsetOf(type, fieldNameUtf8);
            }
            if (offsetBits < 0 || offsetBits % 8 != 0)
            {
                throw Unsupported(child, site, $"libclang reports offset {offsetBits} bits");
            }

            // LayoutKind.Sequential reproduces the natural C layout; anything else (packed, aligned(N)) would not match.
            long fieldSize = LibClang.clang_Type_getSizeOf(fieldType);
            long fieldAlignment = LibClang.clang_Type_getAlignOf(fieldType);
            naturalOffset = AlignUp(naturalOffset, fieldAlignment);
            if (naturalOffset != offsetBits / 8)
            {
                throw Unsupported(child, site,
                    $"offset {offsetBits / 8} is not the natural offset {naturalOffset} (packed or aligned attribute?); LayoutKind.Sequential would not match");
            }
            naturalOffset += fieldSize;
            naturalAlignment = Math.Max(naturalAlignment, fieldAlignment);

            fields.Add(new FieldDeclaration(fieldName, DocComment(child), mapped, offsetBits / 8));
        }

        if (fields.Count == 0)
        {
            throw Unsupported(cursor, $"struct {name}", "empty structs have no C# equivalent");
        }
        if (AlignUp(naturalOffset, naturalAlignment) != size || naturalAlignment != alignment)
        {
            throw Unsupported(cursor, $"struct {name}",
                $"sizeof {size} / alignof {alignment} differ from the natural layout ({AlignUp(naturalOffset, naturalAlignment)} / {naturalAlignment}); LayoutKind.Sequential would not match");
        }
        return new StructDeclaration(name, DocComment(cursor) ?? TypedefDocComment(cursor), size, alignment, fields);
    }

    private FunctionDeclaration? ExtractFunction(CXCursor cursor)
    {
        string name = Clang.Spelling(cursor);
        bool exported = IsExported(cursor);
        if (!exported)
        {
            if (LibClang.clang_isCursorDefinition(cursor) != 0)
            {
                return null; // a static inline helper: not part of the library's exports
            }
            throw Unsupported(cursor, $"function {name}", $"declared without {ApiMacro}; every function of the C API must be exported");
        }

        CXType functionType = LibClang.clang_getCursorType(cursor);
        if (functionType.Kind == CXTypeKind.FunctionNoProto)
        {
            throw Unsupported(cursor, $"function {name}", "has no prototype; write an explicit (void) parameter list");
        }
        if (LibClang.clang_Cursor_isVariadic(cursor) != 0)
        {
            throw Unsupported(cursor, $"function {name}", "variadic functions are not supported");
        }

        TypeRef returnType = Resolve(cursor, LibClang.clang_getCursorResultType(cursor), Usage.Return, $"return type of function {name}");
        int count = LibClang.clang_Cursor_getNumArguments(cursor);
        var parameters = new List<ParameterDeclaration>(count);
        for (int i = 0; i < count; i++)
        {
            CXCursor argument = LibClang.clang_Cursor_getArgument(cursor, (uint)i);
            string parameterName = Clang.Spelling(argument);
            if (parameterName.Length == 0)
            {
                parameterName = "arg" + i.ToString(CultureInfo.InvariantCulture);
            }
            TypeRef type = Resolve(argument, LibClang.clang_getCursorType(argument), Usage.Parameter,
                $"parameter '{parameterName}' of function {name}");
            parameters.Add(new ParameterDeclaration(parameterName, type));
        }
        return new FunctionDeclaration(name, DocComment(cursor), returnType, parameters);
    }

    /// <summary>True when the declaration is prefixed by an expansion of <see cref="ApiMacro"/>. When the macro
    /// expands to something (an attribute) the declaration's extent starts at it; when it expands to nothing
    /// the extent starts after it, with only whitespace in between.</summary>
    private bool IsExported(CXCursor function)
    {
        int start = Clang.ExtentStartOffset(function);
        if (_apiMacroExpansions.Contains(start))
        {
            return true;
        }
        while (start > 0 && char.IsWhiteSpace((char)_source[start - 1]))
        {
            start--;
        }
        return _apiMacroExpansions.Contains(start - ApiMacro.Length);
    }

    /// <summary>An object-like macro whose body is exactly one integer literal; null for any other macro.</summary>
    private ConstantDeclaration? ExtractConstant(CXCursor cursor)
    {
        if (LibClang.clang_Cursor_isMacroBuiltin(cursor) != 0 || LibClang.clang_Cursor_isMacroFunctionLike(cursor) != 0)
        {
            return null;
        }
        string name = Clang.Spelling(cursor);
        List<(CXTokenKind Kind, string Spelling)> tokens = Clang.Tokens(_unit.Handle, cursor);
        if (tokens.Count != 2 || tokens[0].Spelling != name || tokens[1].Kind != CXTokenKind.Literal)
        {
            return null; // include guards, RK_API, expressions, ...
        }

        string literal = tokens[1].Spelling;
        Match match = IntegerLiteral().Match(literal);
        if (!match.Success)
        {
            bool looksInteger = char.IsAsciiDigit(literal[0])
                && !literal.Contains('.')
                && !(literal.StartsWith("0x", StringComparison.OrdinalIgnoreCase) ? literal.Contains('p', StringComparison.OrdinalIgnoreCase) : literal.Contains('e', StringComparison.OrdinalIgnoreCase));
            if (looksInteger)
            {
                throw Unsupported(cursor, $"macro {name}", $"integer literal '{literal}' has an unsupported form");
            }
            return null; // floating-point, character or string literal
        }

        string digits = match.Groups["digits"].Value;
        string suffix = match.Groups["suffix"].Value.ToUpperInvariant();
        bool hexadecimal = digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase);
        if (!TryParseDigits(digits, out UInt128 value) || value > ulong.MaxValue)
        {
            throw Unsupported(cursor, $"macro {name}", $"integer literal '{literal}' does not fit in 64 bits");
        }

        bool isUnsigned = suffix.Contains('U');
        bool isLong = suffix.Contains('L');
        Primitive type = (isUnsigned, isLong) switch
        {
            (true, true) => Primitive.ULong,
            (true, false) => value <= uint.MaxValue ? Primitive.UInt : Primitive.ULong,
            (false, true) => value <= long.MaxValue ? Primitive.Long : Primitive.ULong,
            _ => value <= int.MaxValue ? Primitive.Int : value <= long.MaxValue ? Primitive.Long : Primitive.ULong,
        };
        return new ConstantDeclaration(name, MacroDocComment(cursor), type, (Int128)value, hexadecimal);
    }

    /// <summary>Maps a C type to a <see cref="TypeRef"/> or throws naming <paramref name="site"/>.</summary>
    private TypeRef Resolve(CXCursor at, CXType type, Usage usage, string site)
    {
        switch (type.Kind)
        {
            case CXTypeKind.Elaborated:
                return Resolve(at, LibClang.clang_Type_getNamedType(type), usage, site);
            case CXTypeKind.Attributed:
                return Resolve(at, LibClang.clang_Type_getModifiedType(type), usage, site);
            case CXTypeKind.Typedef:
                return ResolveTypedef(at, type, usage, site);
            case CXTypeKind.Void:
                return usage is Usage.Return or Usage.Pointee
                    ? new PrimitiveTypeRef(Primitive.Void)
                    : throw Unsupported(at, site, type, "void is only valid as a return type or behind a pointer");
            case CXTypeKind.Pointer:
                CXType pointee = LibClang.clang_getPointeeType(type);
                if (LibClang.clang_getCanonicalType(pointee).Kind is CXTypeKind.FunctionProto or CXTypeKind.FunctionNoProto)
                {
                    throw Unsupported(at, site, type, "function pointers are not supported");
                }
                return new PointerTypeRef(Resolve(at, pointee, Usage.Pointee, site));
            case CXTypeKind.Enum:
                return new EnumTypeRef(TagNameOfType(at, type, site));
            case CXTypeKind.Record:
                return ResolveRecord(at, type, usage, site);
            case CXTypeKind.ConstantArray or CXTypeKind.IncompleteArray when usage == Usage.Parameter:
                // A C array parameter is a pointer: const uint32_t counter[4] -> uint*.
                return new PointerTypeRef(Resolve(at, LibClang.clang_getArrayElementType(type), Usage.Pointee, site));
            case CXTypeKind.ConstantArray when usage == Usage.Field:
                TypeRef element = Resolve(at, LibClang.clang_getArrayElementType(type), Usage.ArrayElement, site);
                return element is PrimitiveTypeRef { Kind: not (Primitive.Void or Primitive.NInt or Primitive.NUInt) } primitive
                    ? new FixedArrayTypeRef(primitive.Kind, LibClang.clang_getArraySize(type))
                    : throw Unsupported(at, site, type, "only arrays of fixed-width primitives can be fixed buffers");
            default:
                if (BuiltinPrimitive(type.Kind) is { } builtin)
                {
                    return new PrimitiveTypeRef(builtin);
                }
                string reason = type.Kind switch
                {
                    CXTypeKind.Long or CXTypeKind.ULong => "'long' is 32-bit on Windows and 64-bit elsewhere; use int32_t/int64_t",
                    CXTypeKind.Bool => "_Bool has no blittable C# equivalent; use uint8_t or int32_t",
                    CXTypeKind.ConstantArray or CXTypeKind.IncompleteArray or CXTypeKind.VariableArray => "arrays are only supported as parameters or fixed-size struct fields",
                    _ => $"type kind {type.Kind} is not supported",
                };
                throw Unsupported(at, site, type, reason);
        }
    }

    private TypeRef ResolveTypedef(CXCursor at, CXType type, Usage usage, string site)
    {
        CXCursor declaration = LibClang.clang_getTypeDeclaration(type);
        string name = Clang.Spelling(declaration);
        if (s_knownTypedefs.TryGetValue(name, out (Primitive Kind, int Size) known))
        {
            long size = LibClang.clang_Type_getSizeOf(type);
            int expected = known.Size == 0 ? _pointerSize : known.Size;
            return size == expected
                ? new PrimitiveTypeRef(known.Kind)
                : throw Unsupported(at, site, type, $"libclang says sizeof({name}) is {size}, expected {expected}");
        }
        if (Clang.IsFromMainFile(declaration))
        {
            return Resolve(at, LibClang.clang_getTypedefDeclUnderlyingType(declaration), usage, site);
        }
        throw Unsupported(at, site, type,
            $"typedef '{name}' is not one of the supported system typedefs ({string.Join(", ", s_knownTypedefs.Keys)})");
    }

    private TypeRef ResolveRecord(CXCursor at, CXType type, Usage usage, string site)
    {
        CXCursor declaration = LibClang.clang_getTypeDeclaration(type);
        if (declaration.Kind == CXCursorKind.UnionDecl)
        {
            throw Unsupported(at, site, type, "unions are not supported");
        }
        string name = TagNameOfType(at, type, site);
        if (Clang.IsNull(LibClang.clang_getCursorDefinition(declaration)))
        {
            return usage == Usage.Pointee
                ? new OpaqueTypeRef(name)
                : throw Unsupported(at, site, type, "an opaque struct can only be used through a pointer");
        }
        return usage == Usage.ArrayElement
            ? throw Unsupported(at, site, type, "arrays of structs are not supported as fixed buffers")
            : new StructTypeRef(name);
    }

    private static Primitive? BuiltinPrimitive(CXTypeKind kind) => kind switch
    {
        CXTypeKind.Char_S or CXTypeKind.Char_U or CXTypeKind.UChar => Primitive.Byte,
        CXTypeKind.SChar => Primitive.SByte,
        CXTypeKind.Short => Primitive.Short,
        CXTypeKind.UShort => Primitive.UShort,
        CXTypeKind.Int => Primitive.Int,
        CXTypeKind.UInt => Primitive.UInt,
        CXTypeKind.LongLong => Primitive.Long,
        CXTypeKind.ULongLong => Primitive.ULong,
        CXTypeKind.Float => Primitive.Float,
        CXTypeKind.Double => Primitive.Double,
        _ => null,
    };

    private static Primitive? EnumUnderlyingType(CXType canonical)
    {
        long size = LibClang.clang_Type_getSizeOf(canonical);
        return canonical.Kind switch
        {
            CXTypeKind.Char_S or CXTypeKind.SChar => Primitive.SByte,
            CXTypeKind.Char_U or CXTypeKind.UChar => Primitive.Byte,
            CXTypeKind.Short => Primitive.Short,
            CXTypeKind.UShort => Primitive.UShort,
            CXTypeKind.Int => Primitive.Int,
            CXTypeKind.UInt => Primitive.UInt,
            CXTypeKind.Long or CXTypeKind.LongLong => size == 8 ? Primitive.Long : Primitive.Int,
            CXTypeKind.ULong or CXTypeKind.ULongLong => size == 8 ? Primitive.ULong : Primitive.UInt,
            _ => null,
        };
    }

    /// <summary>Removes elaborated/attributed sugar (not typedefs).</summary>
    private static CXType StripSugar(CXType type)
    {
        while (true)
        {
            if (type.Kind == CXTypeKind.Elaborated)
            {
                type = LibClang.clang_Type_getNamedType(type);
            }
            else if (type.Kind == CXTypeKind.Attributed)
            {
                type = LibClang.clang_Type_getModifiedType(type);
            }
            else
            {
                return type;
            }
        }
    }

    /// <summary>The C name of a struct/enum: the typedef that names it, else its tag.</summary>
    private string TagName(CXCursor declaration, string what)
    {
        if (_typedefOfTag.TryGetValue(Clang.Usr(declaration), out (string Name, CXCursor Cursor) typedef))
        {
            return typedef.Name;
        }
        if (LibClang.clang_Cursor_isAnonymous(declaration) != 0)
        {
            throw Unsupported(declaration, $"anonymous {what}", "give it a typedef name");
        }
        return Clang.Spelling(declaration);
    }

    private string TagNameOfType(CXCursor at, CXType type, string site)
    {
        CXCursor declaration = LibClang.clang_getTypeDeclaration(type);
        if (!Clang.IsFromMainFile(declaration))
        {
            throw Unsupported(at, site, type, "only structs and enums declared in the header itself are supported");
        }
        return TagName(declaration, declaration.Kind == CXCursorKind.EnumDecl ? "enum" : "struct");
    }

    private string? TypedefDocComment(CXCursor tag) =>
        _typedefOfTag.TryGetValue(Clang.Usr(tag), out (string Name, CXCursor Cursor) typedef) ? DocComment(typedef.Cursor) : null;

    private static string? DocComment(CXCursor cursor) =>
        CommentText(Clang.Take(LibClang.clang_Cursor_getRawCommentText(cursor)));

    /// <summary>libclang attaches no comments to macros: take a <c>/** */</c> or <c>///</c> comment that
    /// directly precedes the <c>#define</c> line (only whitespace in between).</summary>
    private string? MacroDocComment(CXCursor cursor)
    {
        string before = Encoding.UTF8.GetString(_source, 0, Math.Min(Clang.Offset(cursor), _source.Length));
        int lineStart = before.LastIndexOf('\n') + 1; // start of the #define line
        string preceding = before[..lineStart].TrimEnd();
        if (preceding.EndsWith("*/", StringComparison.Ordinal))
        {
            int open = preceding.LastIndexOf("/*", preceding.Length - 2, StringComparison.Ordinal);
            string comment = open >= 0 ? preceding[open..] : "";
            return comment.StartsWith("/**", StringComparison.Ordinal) && comment != "/**/" || comment.StartsWith("/*!", StringComparison.Ordinal)
                ? CommentText(comment)
                : null;
        }

        var lines = new List<string>();
        foreach (string line in preceding.Split('\n').Reverse())
        {
            string trimmed = line.Trim();
            if (!trimmed.StartsWith("///", StringComparison.Ordinal) && !trimmed.StartsWith("//!", StringComparison.Ordinal))
            {
                break;
            }
            lines.Insert(0, trimmed);
        }
        return lines.Count > 0 ? CommentText(string.Join('\n', lines)) : null;
    }

    /// <summary>Comment text without markers, whitespace collapsed; null when empty.</summary>
    internal static string? CommentText(string raw)
    {
        var words = new StringBuilder();
        foreach (string rawLine in raw.Split('\n'))
        {
            string line = rawLine.Trim();
            foreach (string marker in (ReadOnlySpan<string>)["/**<", "///<", "//!<", "/**", "/*!", "///", "//!", "/*", "//"])
            {
                if (line.StartsWith(marker, StringComparison.Ordinal))
                {
                    line = line[marker.Length..];
                    break;
                }
            }
            if (line.EndsWith("*/", StringComparison.Ordinal))
            {
                line = line[..^2];
            }
            line = line.Trim().TrimStart('*');
            words.Append(' ').Append(line);
        }
        string text = Whitespace().Replace(words.ToString(), " ").Trim();
        return text.Length == 0 ? null : text;
    }

    private static bool TryParseDigits(string digits, out UInt128 value)
    {
        if (digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase))
        {
            return UInt128.TryParse(digits.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value);
        }
        if (digits.StartsWith("0b", StringComparison.OrdinalIgnoreCase))
        {
            return UInt128.TryParse(digits.AsSpan(2), NumberStyles.AllowBinarySpecifier, CultureInfo.InvariantCulture, out value);
        }
        if (digits.Length > 1 && digits[0] == '0')
        {
            value = 0;
            foreach (char digit in digits.AsSpan(1))
            {
                if (value > (UInt128.MaxValue >> 3))
                {
                    return false;
                }
                value = (value << 3) | (uint)(digit - '0');
            }
            return true;
        }
        return UInt128.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    private static long AlignUp(long value, long alignment) => (value + alignment - 1) / alignment * alignment;

    private GeneratorException Unsupported(CXCursor at, string site, CXType type, string reason) =>
        Unsupported(at, site, $"unsupported C type '{Clang.Spelling(type)}': {reason}");

    private GeneratorException Unsupported(CXCursor at, string site, string reason) =>
        new($"{_headerPath}:{Clang.Line(at)}: error: {site}: {reason}");

    [GeneratedRegex(@"^(?<digits>0[xX][0-9A-Fa-f]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)(?<suffix>[uU](ll|LL|l|L)?|(ll|LL|l|L)[uU]?)?$")]
    private static partial Regex IntegerLiteral();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();
}
