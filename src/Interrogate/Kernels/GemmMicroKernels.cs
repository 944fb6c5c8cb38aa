using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Interrogate.Kernels;

/// <summary>
/// Register-tile inner loops of the packed GEMM (see <see cref="GemmTiling"/> for the contract).
/// Each keeps its whole C tile in registers: per k step it loads one row of packed B as
/// vectors, broadcasts each packed A value, and does one FMA per accumulator. The bodies are
/// written out (generated once, not by hand) because the JIT only enregisters plain locals.
/// </summary>
internal static unsafe class GemmMicroKernels
{
    /// <summary>12 × 32 with Vector512: 24 zmm accumulators + 2 for B + 1 broadcast, out of 32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Avx512(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta)
    {
        Vector512<float> c00 = default, c01 = default;
        Vector512<float> c10 = default, c11 = default;
        Vector512<float> c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default;
        Vector512<float> c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default;
        Vector512<float> c70 = default, c71 = default;
        Vector512<float> c80 = default, c81 = default;
        Vector512<float> c90 = default, c91 = default;
        Vector512<float> c100 = default, c101 = default;
        Vector512<float> c110 = default, c111 = default;
        PrefetchTile(c, ldc, 12, 32);
        for (int p = 0; p < kc; p++)
        {
            Vector512<float> b0 = Vector512.Load(b), b1 = Vector512.Load(b + 16);
            var a0 = Vector512.Create(a[0]);
            c00 = Vector512.FusedMultiplyAdd(a0, b0, c00); c01 = Vector512.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector512.Create(a[1]);
            c10 = Vector512.FusedMultiplyAdd(a1, b0, c10); c11 = Vector512.FusedMultiplyAdd(a1, b1, c11);
            a0 = Vector512.Create(a[2]);
            c20 = Vector512.FusedMultiplyAdd(a0, b0, c20); c21 = Vector512.FusedMultiplyAdd(a0, b1, c21);
            a1 = Vector512.Create(a[3]);
            c30 = Vector512.FusedMultiplyAdd(a1, b0, c30); c31 = Vector512.FusedMultiplyAdd(a1, b1, c31);
            a0 = Vector512.Create(a[4]);
            c40 = Vector512.FusedMultiplyAdd(a0, b0, c40); c41 = Vector512.FusedMultiplyAdd(a0, b1, c41);
            a1 = Vector512.Create(a[5]);
            c50 = Vector512.FusedMultiplyAdd(a1, b0, c50); c51 = Vector512.FusedMultiplyAdd(a1, b1, c51);
            a0 = Vector512.Create(a[6]);
            c60 = Vector512.FusedMultiplyAdd(a0, b0, c60); c61 = Vector512.FusedMultiplyAdd(a0, b1, c61);
            a1 = Vector512.Create(a[7]);
            c70 = Vector512.FusedMultiplyAdd(a1, b0, c70); c71 = Vector512.FusedMultiplyAdd(a1, b1, c71);
            a0 = Vector512.Create(a[8]);
            c80 = Vector512.FusedMultiplyAdd(a0, b0, c80); c81 = Vector512.FusedMultiplyAdd(a0, b1, c81);
            a1 = Vector512.Create(a[9]);
            c90 = Vector512.FusedMultiplyAdd(a1, b0, c90); c91 = Vector512.FusedMultiplyAdd(a1, b1, c91);
            a0 = Vector512.Create(a[10]);
            c100 = Vector512.FusedMultiplyAdd(a0, b0, c100); c101 = Vector512.FusedMultiplyAdd(a0, b1, c101);
            a1 = Vector512.Create(a[11]);
            c110 = Vector512.FusedMultiplyAdd(a1, b0, c110); c111 = Vector512.FusedMultiplyAdd(a1, b1, c111);
            a += 12;
            b += 32;
        }
        var va = Vector512.Create(alpha);
        var vb = Vector512.Create(beta);
        bool overwrite = beta == 0f;
        Store(c, c00, va, vb, overwrite); Store(c + 16, c01, va, vb, overwrite); c += ldc;
        Store(c, c10, va, vb, overwrite); Store(c + 16, c11, va, vb, overwrite); c += ldc;
        Store(c, c20, va, vb, overwrite); Store(c + 16, c21, va, vb, overwrite); c += ldc;
        Store(c, c30, va, vb, overwrite); Store(c + 16, c31, va, vb, overwrite); c += ldc;
        Store(c, c40, va, vb, overwrite); Store(c + 16, c41, va, vb, overwrite); c += ldc;
        Store(c, c50, va, vb, overwrite); Store(c + 16, c51, va, vb, overwrite); c += ldc;
        Store(c, c60, va, vb, overwrite); Store(c + 16, c61, va, vb, overwrite); c += ldc;
        Store(c, c70, va, vb, overwrite); Store(c + 16, c71, va, vb, overwrite); c += ldc;
        Store(c, c80, va, vb, overwrite); Store(c + 16, c81, va, vb, overwrite); c += ldc;
        Store(c, c90, va, vb, overwrite); Store(c + 16, c91, va, vb, overwrite); c += ldc;
        Store(c, c100, va, vb, overwrite); Store(c + 16, c101, va, vb, overwrite); c += ldc;
        Store(c, c110, va, vb, overwrite); Store(c + 16, c111, va, vb, overwrite);
    }

    /// <summary>6 × 16 with Vector256: 12 ymm accumulators + 2 for B + 1 broadcast, out of 16.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Avx2(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta)
    {
        Vector256<float> c00 = default, c01 = default;
        Vector256<float> c10 = default, c11 = default;
        Vector256<float> c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default;
        Vector256<float> c40 = default, c41 = default;
        Vector256<float> c50 = default, c51 = default;
        PrefetchTile(c, ldc, 6, 16);
        for (int p = 0; p < kc; p++)
        {
            Vector256<float> b0 = Vector256.Load(b), b1 = Vector256.Load(b + 8);
            var a0 = Vector256.Create(a[0]);
            c00 = Vector256.FusedMultiplyAdd(a0, b0, c00); c01 = Vector256.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector256.Create(a[1]);
            c10 = Vector256.FusedMultiplyAdd(a1, b0, c10); c11 = Vector256.FusedMultiplyAdd(a1, b1, c11);
            a0 = Vector256.Create(a[2]);
            c20 = Vector256.FusedMultiplyAdd(a0, b0, c20); c21 = Vector256.FusedMultiplyAdd(a0, b1, c21);
            a1 = Vector256.Create(a[3]);
            c30 = Vector256.FusedMultiplyAdd(a1, b0, c30); c31 = Vector256.FusedMultiplyAdd(a1, b1, c31);
            a0 = Vector256.Create(a[4]);
            c40 = Vector256.FusedMultiplyAdd(a0, b0, c40); c41 = Vector256.FusedMultiplyAdd(a0, b1, c41);
            a1 = Vector256.Create(a[5]);
            c50 = Vector256.FusedMultiplyAdd(a1, b0, c50); c51 = Vector256.FusedMultiplyAdd(a1, b1, c51);
            a += 6;
            b += 16;
        }
        var va = Vector256.Create(alpha);
        var vb = Vector256.Create(beta);
        bool overwrite = beta == 0f;
        Store(c, c00, va, vb, overwrite); Store(c + 8, c01, va, vb, overwrite); c += ldc;
        Store(c, c10, va, vb, overwrite); Store(c + 8, c11, va, vb, overwrite); c += ldc;
        Store(c, c20, va, vb, overwrite); Store(c + 8, c21, va, vb, overwrite); c += ldc;
        Store(c, c30, va, vb, overwrite); Store(c + 8, c31, va, vb, overwrite); c += ldc;
        Store(c, c40, va, vb, overwrite); Store(c + 8, c41, va, vb, overwrite); c += ldc;
        Store(c, c50, va, vb, overwrite); Store(c + 8, c51, va, vb, overwrite);
    }

    /// <summary>4 × 2·W with <c>Vector&lt;float&gt;</c> (W lanes): 8 accumulators fit any SIMD register file.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Portable(int kc, float* a, float* b, float* c, nint ldc, float alpha, float beta)
    {
        int w = Vector<float>.Count;
        Vector<float> c00 = default, c01 = default, c10 = default, c11 = default;
        Vector<float> c20 = default, c21 = default, c30 = default, c31 = default;
        for (int p = 0; p < kc; p++)
        {
            Vector<float> b0 = Vector.Load(b), b1 = Vector.Load(b + w);
            var a0 = new Vector<float>(a[0]);
            c00 = Vector.FusedMultiplyAdd(a0, b0, c00); c01 = Vector.FusedMultiplyAdd(a0, b1, c01);
            a0 = new Vector<float>(a[1]);
            c10 = Vector.FusedMultiplyAdd(a0, b0, c10); c11 = Vector.FusedMultiplyAdd(a0, b1, c11);
            a0 = new Vector<float>(a[2]);
            c20 = Vector.FusedMultiplyAdd(a0, b0, c20); c21 = Vector.FusedMultiplyAdd(a0, b1, c21);
            a0 = new Vector<float>(a[3]);
            c30 = Vector.FusedMultiplyAdd(a0, b0, c30); c31 = Vector.FusedMultiplyAdd(a0, b1, c31);
            a += 4;
            b += 2 * w;
        }
        var va = new Vector<float>(alpha);
        var vb = new Vector<float>(beta);
        bool overwrite = beta == 0f;
        Store(c, c00, va, vb, overwrite); Store(c + w, c01, va, vb, overwrite); c += ldc;
        Store(c, c10, va, vb, overwrite); Store(c + w, c11, va, vb, overwrite); c += ldc;
        Store(c, c20, va, vb, overwrite); Store(c + w, c21, va, vb, overwrite); c += ldc;
        Store(c, c30, va, vb, overwrite); Store(c + w, c31, va, vb, overwrite);
    }


    // The C tile is written once per KC slice and has usually left L1 since: start fetching its
    // lines now so they arrive during the k loop rather than stalling the stores at the end.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PrefetchTile(float* c, nint ldc, int rows, int cols)
    {
        if (!Sse.IsSupported) return;
        for (int i = 0; i < rows; i++, c += ldc)
        {
            Sse.Prefetch0(c);
            Sse.Prefetch0(c + cols - 1);
        }
    }

    // c = alpha·acc (+ beta·c unless overwriting, so NaNs in an overwritten C never leak in).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, Vector512<float> acc, Vector512<float> alpha, Vector512<float> beta, bool overwrite) =>
        Vector512.Store(overwrite ? acc * alpha : Vector512.FusedMultiplyAdd(Vector512.Load(c), beta, acc * alpha), c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, Vector256<float> acc, Vector256<float> alpha, Vector256<float> beta, bool overwrite) =>
        Vector256.Store(overwrite ? acc * alpha : Vector256.FusedMultiplyAdd(Vector256.Load(c), beta, acc * alpha), c);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(float* c, Vector<float> acc, Vector<float> alpha, Vector<float> beta, bool overwrite) =>
        Vector.Store(overwrite ? acc * alpha : Vector.FusedMultiplyAdd(Vector.Load(c), beta, acc * alpha), c);
}
