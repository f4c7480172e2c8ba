namespace ReproKit;

/// <summary>Instruction-set paths of the CPU backend. Every ISA computes the same bits.</summary>
public enum CpuIsa
{
    /// <summary>The best ISA the CPU supports, or the one the <c>RK_ISA</c> environment variable names.</summary>
    Auto = 0,

    /// <summary>Portable scalar code: the reference path.</summary>
    Scalar = 1,

    /// <summary>x86-64 AVX2 with FMA.</summary>
    Avx2 = 2,

    /// <summary>x86-64 AVX-512 (F, DQ, BW, VL).</summary>
    Avx512 = 3,

    /// <summary>ARM64 NEON.</summary>
    Neon = 4,
}
