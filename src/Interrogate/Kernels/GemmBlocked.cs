using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Interrogate.Kernels;

/// <summary>
/// The cache-blocked GEMM (Goto/BLIS loop order) on raw pointers, and its split across threads.
/// For each NC-wide column block and KC-deep slice, op(B) is packed once (it stays in L3, each
/// micro-panel in L1); for each MC-tall row block op(A) is packed (it stays in L2); then the
/// micro-kernel sweeps the Mr × Nr tiles. On several threads the packed blocks are shared
/// (<see cref="GemmShared"/>).
/// </summary>
internal static unsafe class GemmBlocked
{
    // Per-thread pack buffers, 64-byte aligned, grown on demand and kept for the thread's life:
    // the hot path never allocates.
    [ThreadStatic] private static float* packA;
    [ThreadStatic] private static nint packACapacity;
    [ThreadStatic] private static float* packB;
    [ThreadStatic] private static nint packBCapacity;
    [ThreadStatic] private static float* halfRows;
    [ThreadStatic] private static nint halfRowsCapacity;

    /// <summary>
    /// C[m, n] = alpha · op(A) · op(B) + beta · C on up to <paramref name="threads"/> threads. With
    /// <paramref name="halfB"/>, op(B) = halfBᵀ (b, ldb and transB are ignored) and its rows are
    /// converted to float32 while packing.
    /// </summary>
    public static void Multiply(in GemmTiling t, bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, nint lda, float* b, nint ldb, float beta, float* c, nint ldc, int threads, HalfMatrix? halfB = null)
    {
        // Each thread needs enough work to amortise the hand-off. Threads share columns when A is
        // one MC block (GemmShared), rows otherwise: no more threads than there are tiles to share.
        long flops = (long)m * n * k;
        int parts = (int)Math.Min(threads, Math.Max(1, flops / (1L << 21)));
        int extent = m <= t.Mc ? n : m, unit = m <= t.Mc ? t.Nr : t.Mr;
        parts = Math.Min(parts, (extent + unit - 1) / unit);
        if (parts <= 1)
        {
            Serial(t, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, halfB);
            return;
        }

        GemmShared.Multiply(t, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, parts, halfB);
    }

    /// <summary>The single-threaded blocked product; with <paramref name="halfB"/>, op(B)[p, j] = halfB[j, p].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Serial(in GemmTiling t, bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, nint lda, float* b, nint ldb, float beta, float* c, nint ldc, HalfMatrix? halfB = null)
    {
        int mr = t.Mr, nr = t.Nr;
        int kcStep = KcStep(t, k);
        int mcStep = RoundUp(CeilDiv(m, CeilDiv(m, t.Mc)), mr);
        // The packed B block (KC × NC) is sized for cache in bytes, so a shallow slice may be wider:
        // with k = 128 a 4,096-column product packs A once instead of twice.
        int ncLimit = (int)Math.Min((long)t.Nc * t.Kc / Math.Max(kcStep, 1), int.MaxValue / 2);
        int ncStep = RoundUp(CeilDiv(n, CeilDiv(n, ncLimit)), nr);
        int ncMax = Math.Min(ncStep, RoundUp(n, nr));
        float* bufA = Buffer(ref packA, ref packACapacity, (nint)mcStep * kcStep + GemmPacking.ASlack);
        float* bufB = Buffer(ref packB, ref packBCapacity, (nint)ncMax * kcStep);
        float* edge = stackalloc float[mr * nr];
        float* rowsAside = halfB is null ? null : Buffer(ref halfRows, ref halfRowsCapacity, (nint)nr * kcStep);

        for (int jc = 0; jc < n; jc += ncStep)
        {
            int nc = Math.Min(ncStep, n - jc);
            for (int pc = 0; pc < k; pc += kcStep)
            {
                int kc = Math.Min(kcStep, k - pc);
                // Later KC slices accumulate onto what the first one wrote.
                float betaHere = pc == 0 ? beta : 1f;
                if (halfB is null) GemmPacking.PackB(transB, transB ? b + jc * ldb + pc : b + pc * ldb + jc, ldb, kc, nc, nr, bufB);
                else GemmPacking.PackBHalf(halfB, jc, pc, kc, nc, nr, bufB, rowsAside);
                for (int ic = 0; ic < m; ic += mcStep)
                {
                    int mc = Math.Min(mcStep, m - ic);
                    GemmPacking.PackA(transA, transA ? a + pc * lda + ic : a + ic * lda + pc, lda, mc, kc, mr, bufA);
                    Macro(t, mc, nc, kc, alpha, bufA, bufB, betaHere, c + ic * ldc + jc, ldc, edge);
                }
            }
        }
    }

    // One packed MC × KC block of A against one packed KC × NC block of B.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Macro(in GemmTiling t, int mc, int nc, int kc, float alpha,
        float* bufA, float* bufB, float beta, float* c, nint ldc, float* edge)
    {
        int mr = t.Mr, nr = t.Nr;
        var kernel = t.Kernel;
        for (int jr = 0; jr < nc; jr += nr)
        {
            int cols = Math.Min(nr, nc - jr);
            float* pb = bufB + (nint)jr * kc;
            for (int ir = 0; ir < mc; ir += mr)
            {
                int rows = Math.Min(mr, mc - ir);
                float* pa = bufA + (nint)ir * kc;
                float* pc = c + ir * ldc + jr;
                if (rows == mr && cols == nr)
                {
                    kernel(kc, pa, pb, pc, ldc, alpha, beta);
                    continue;
                }
                // Edge tile: compute the whole padded tile aside, then merge the part that exists.
                kernel(kc, pa, pb, edge, nr, alpha, 0f);
                for (int i = 0; i < rows; i++)
                    for (int j = 0; j < cols; j++)
                    {
                        float v = edge[i * nr + j];
                        pc[i * ldc + j] = beta == 0f ? v : v + beta * pc[i * ldc + j];
                    }
            }
        }
    }

    /// <summary>
    /// The depth of each K slice for depth k: equal slices rather than full ones plus a sliver (k = 300 → 152 + 148,
    /// not 256 + 44), since a thin last slice pays the per-tile overhead for little work. Every route that must give
    /// this route's bits (<see cref="GemmShared"/>, <see cref="GemmPrepacked"/>) splits the sums with it.
    /// </summary>
    internal static int KcStep(in GemmTiling t, int k) => Math.Min(k, RoundUp(CeilDiv(k, CeilDiv(k, t.Kc)), 8));

    private static int RoundUp(int x, int multiple) => (x + multiple - 1) / multiple * multiple;

    private static int CeilDiv(int x, int y) => (x + y - 1) / y;

    internal static float* Buffer(ref float* buffer, ref nint capacity, nint floats)
    {
        if (capacity >= floats) return buffer;
        if (buffer != null) NativeMemory.AlignedFree(buffer);
        buffer = (float*)NativeMemory.AlignedAlloc((nuint)floats * sizeof(float), 64);
        capacity = floats;
        return buffer;
    }
}
