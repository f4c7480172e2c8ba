// What the generator knows about the header, independent of libclang and of C# syntax.
// HeaderParser builds it (and rejects anything it cannot represent); CSharpEmitter prints it.
namespace ReproKit.BindingGen;

/// <summary>Blittable primitive types a C type can map to.</summary>
internal enum Primitive
{
    Void,
    Byte,
    SByte,
    Short,
    UShort,
    Int,
    UInt,
    Long,
    ULong,
    Float,
    Double,
    NInt,
    NUInt,
}

/// <summary>A C type the generator supports, in C terms (mapping to C# happens in the emitter).</summary>
internal abstract record TypeRef;

/// <summary>A primitive (fixed-width integer, float, double, size_t, ...; <c>char</c> is <see cref="Primitive.Byte"/>).</summary>
internal sealed record PrimitiveTypeRef(Primitive Kind) : TypeRef;

/// <summary>An enum declared in the header, by its C name (typedef name, else tag).</summary>
internal sealed record EnumTypeRef(string CName) : TypeRef;

/// <summary>A struct defined in the header, by its C name (typedef name, else tag).</summary>
internal sealed record StructTypeRef(string CName) : TypeRef;

/// <summary>A struct declared but never defined; only valid as a pointee.</summary>
internal sealed record OpaqueTypeRef(string CName) : TypeRef;

/// <summary>A pointer (qualifiers dropped).</summary>
internal sealed record PointerTypeRef(TypeRef Pointee) : TypeRef;

/// <summary>A fixed-size array of a primitive, as a struct field.</summary>
internal sealed record FixedArrayTypeRef(Primitive Element, long Length) : TypeRef;

/// <summary>A top-level declaration, in header order.</summary>
internal abstract record Declaration(string CName, string? Doc);

internal sealed record EnumMember(string CName, string? Doc, Int128 Value);

internal sealed record EnumDeclaration(string CName, string? Doc, Primitive UnderlyingType, IReadOnlyList<EnumMember> Members)
    : Declaration(CName, Doc);

internal sealed record FieldDeclaration(string CName, string? Doc, TypeRef Type, long Offset);

/// <summary>A struct with its layout as libclang computed it (bytes).</summary>
internal sealed record StructDeclaration(string CName, string? Doc, long Size, long Alignment, IReadOnlyList<FieldDeclaration> Fields)
    : Declaration(CName, Doc);

internal sealed record ParameterDeclaration(string CName, TypeRef Type);

internal sealed record FunctionDeclaration(string CName, string? Doc, TypeRef ReturnType, IReadOnlyList<ParameterDeclaration> Parameters)
    : Declaration(CName, Doc);

/// <summary>An object-like macro whose body is one integer literal.</summary>
internal sealed record ConstantDeclaration(string CName, string? Doc, Primitive Type, Int128 Value, bool Hexadecimal)
    : Declaration(CName, Doc);

/// <summary>The header: its declarations in source order.</summary>
internal sealed record HeaderModel(string HeaderDisplayPath, IReadOnlyList<Declaration> Declarations);

/// <summary>A failure with the process exit code it maps to (2: bad input/usage, 3: libclang missing).</summary>
internal sealed class GeneratorException(string message, int exitCode = 2) : Exception(message)
{
    internal int ExitCode { get; } = exitCode;
}
