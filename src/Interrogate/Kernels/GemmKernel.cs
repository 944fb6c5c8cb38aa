using System.Runtime.Intrinsics.X86;
using Interrogate.Kernels.Reference;

namespace Interrogate.Kernels;

/// <summary>Which inner loop the managed GEMM runs. Chosen once from the hardware; tests force each.</summary>
internal enum GemmKernelKind
{
    /// <summary>The double-accumulating naive loop (<see cref="GemmReference"/>): correct, slow.</summary>
    Reference,
    /// <summary>Portable <c>Vector&lt;float&gt;</c> micro-kernel, 4 × 2·W.</summary>
    Vector,
    /// <summary>Vector256 FMA micro-kernel, 6 × 16 (AVX2 + FMA).</summary>
    Avx2,
    /// <summary>Vector512 FMA micro-kernel, 12 × 32 (AVX-512F).</summary>
    Avx512,
}

/// <summary>
/// Selection of the micro-kernel: the best the processor supports, unless
/// <c>INTERROGATE_GEMM_KERNEL=avx512|avx2|vector|reference</c> or <see cref="Current"/> forces one.
/// A forced kernel the hardware lacks still runs (the Vector256/512 APIs fall back to software),
/// which is how the tests cover every path on any machine — slowly.
/// </summary>
internal static class GemmKernel
{
    private static GemmKernelKind current = FromEnvironment() ?? Best;

    public static GemmKernelKind Current { get => current; set => current = value; }

    // Avx512F rather than Vector512.IsHardwareAccelerated: the latter is false on Intel parts
    // that down-clock for 512-bit work, yet a GEMM still gains from twice the FMA width there.
    public static GemmKernelKind Best =>
        Avx512F.IsSupported ? GemmKernelKind.Avx512
        : Avx2.IsSupported && Fma.IsSupported ? GemmKernelKind.Avx2
        : GemmKernelKind.Vector;

    private static GemmKernelKind? FromEnvironment() =>
        Environment.GetEnvironmentVariable("INTERROGATE_GEMM_KERNEL")?.Trim().ToLowerInvariant() switch
        {
            "avx512" => GemmKernelKind.Avx512,
            "avx2" => GemmKernelKind.Avx2,
            "vector" => GemmKernelKind.Vector,
            "reference" => GemmKernelKind.Reference,
            _ => null,
        };

    /// <summary>Register-tile and cache-block sizes for a kernel, with its entry point.</summary>
    public static unsafe GemmTiling Tiling(GemmKernelKind kind) => kind switch
    {
        // KC·NR·4 bytes of packed B stay in L1 while MC·KC·4 bytes of packed A sit in L2.
        // AVX-512 parts have at least 1 MB of L2: a deep slice (KC 768, A block 576 KB) passes over
        // C (in L3 or memory at GPT-2's shapes) 3× less often; the 96 KB B micro-panel streams from
        // L2 at about 5 bytes a cycle, far below its bandwidth. Measured on Zen 4 (AMD EPYC), 2
        // threads, interleaved against KC 256: 0.92–1.25×, median 1.05× over nine GPT-2 shapes.
        GemmKernelKind.Avx512 => new GemmTiling(12, 32, 192, 768, 4096, &GemmMicroKernels.Avx512),
        GemmKernelKind.Avx2 => new GemmTiling(6, 16, 144, 256, 4080, &GemmMicroKernels.Avx2),
        _ => new GemmTiling(4, 2 * System.Numerics.Vector<float>.Count, 128, 256, 4096, &GemmMicroKernels.Portable),
    };
}

/// <summary>
/// A micro-kernel computes a full Mr × Nr tile: C = alpha · Apanel · Bpanel + beta · C, where the
/// panels are packed (A: Kc steps of Mr values, B: Kc steps of Nr values). beta = 0 never reads C.
/// </summary>
internal readonly unsafe struct GemmTiling(int mr, int nr, int mc, int kc, int nc,
    delegate*<int, float*, float*, float*, nint, float, float, void> kernel)
{
    public readonly int Mr = mr, Nr = nr, Mc = mc, Kc = kc, Nc = nc;
    public readonly delegate*<int, float*, float*, float*, nint, float, float, void> Kernel = kernel;
}
