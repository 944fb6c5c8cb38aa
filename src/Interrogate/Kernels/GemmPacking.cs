using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Interrogate.Kernels;

/// <summary>
/// Copies blocks of op(A) and op(B) into the panel layout the micro-kernels stream through:
/// contiguous, in k-step order, zero-padded to whole panels so edge tiles need no special case
/// inside the kernel. Transposition is absorbed here, so the kernels only ever see one layout.
/// </summary>
internal static unsafe class GemmPacking
{
    /// <summary>
    /// Packs op(A)[0..mc, 0..kc] (a points at its first element) into ceil(mc/mr) panels; panel q
    /// holds, for each p, the mr values op(A)[q·mr + r, p].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackA(bool transA, float* a, nint lda, int mc, int kc, int mr, float* dst)
    {
        for (int i0 = 0; i0 < mc; i0 += mr)
        {
            int rows = Math.Min(mr, mc - i0);
            if (transA)
            {
                // op(A)[i, p] = A[p, i]: each k step is a contiguous run of the stored row.
                float* src = a + i0;
                if (rows == mr)
                    for (int p = 0; p < kc; p++, src += lda, dst += mr) CopyRun(src, dst, mr);
                else
                    for (int p = 0; p < kc; p++, src += lda, dst += mr)
                    {
                        int r = 0;
                        for (; r < rows; r++) dst[r] = src[r];
                        for (; r < mr; r++) dst[r] = 0f;
                    }
            }
            else if (rows == mr && mr <= 8 && Avx.IsSupported)
            {
                PackARows(a + i0 * lda, lda, kc, mr, dst);
                dst += kc * mr;
            }
            else if (rows == mr && mr > 8 && mr % 4 == 0 && Avx.IsSupported)
            {
                PackAWideRows(a + i0 * lda, lda, kc, mr, dst);
                dst += kc * mr;
            }
            else
            {
                // Row-wise reads, strided writes: each stored row fills one lane of the panel.
                for (int r = 0; r < mr; r++)
                {
                    float* d = dst + r;
                    if (r < rows)
                    {
                        float* src = a + (i0 + r) * lda;
                        for (int p = 0; p < kc; p++) d[p * mr] = src[p];
                    }
                    else
                    {
                        for (int p = 0; p < kc; p++) d[p * mr] = 0f;
                    }
                }
                dst += kc * mr;
            }
        }
    }

    /// <summary>Extra floats the A buffer needs past its end: <see cref="PackARows"/> stores whole vectors.</summary>
    public const int ASlack = 8;

    // A full panel of mr ≤ 8 stored rows, 8 k steps at a time: an 8 × 8 transpose turns 8 row
    // loads into 8 k-step vectors. Each 8-wide store also writes 8 − mr lanes of the next k
    // step; stores go in ascending address order, so the next store puts the right values there
    // (the last one spills into the next panel, written later, or into ASlack).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackARows(float* a, nint lda, int kc, int mr, float* dst)
    {
        int p = 0;
        for (; p + 8 <= kc; p += 8) Transpose8x8(a + p, lda, mr, dst + p * mr, mr);
        for (; p < kc; p++)
            for (int r = 0; r < mr; r++) dst[p * mr + r] = a[r * lda + p];
    }

    // A full panel of mr = 8·q + 4·r stored rows (12 for the AVX-512 kernel), 8 k steps at a time:
    // 8 × 8 transposes for each group of 8 rows, a 4 × 4 transpose pair for the last 4. Each store
    // writes exactly its lanes, so nothing spills. The scalar row-by-row loop this replaces cost
    // about 7% of a product with N = 768 (K = 3,072: A is 4× the size of B's share per tile),
    // and was the whole gap to OpenBLAS at GPT-2's mlp_out on Zen 5, one thread.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackAWideRows(float* a, nint lda, int kc, int mr, float* dst)
    {
        int p = 0;
        for (; p + 8 <= kc; p += 8)
        {
            int r = 0;
            for (; r + 8 <= mr; r += 8) Transpose8x8(a + r * lda + p, lda, 8, dst + p * mr + r, mr);
            for (; r < mr; r += 4)
            {
                Transpose4x4(a + r * lda + p, lda, dst + p * mr + r, mr);
                Transpose4x4(a + r * lda + p + 4, lda, dst + (p + 4) * mr + r, mr);
            }
        }
        for (; p < kc; p++)
            for (int r = 0; r < mr; r++) dst[p * mr + r] = a[r * lda + p];
    }

    // Rows 0..3 of a 4-wide block at stride lds, written as 4 rows at stride ldd.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Transpose4x4(float* src, nint lds, float* dst, nint ldd)
    {
        var r0 = Vector128.Load(src); var r1 = Vector128.Load(src + lds);
        var r2 = Vector128.Load(src + 2 * lds); var r3 = Vector128.Load(src + 3 * lds);
        var t0 = Sse.UnpackLow(r0, r1); var t1 = Sse.UnpackHigh(r0, r1);
        var t2 = Sse.UnpackLow(r2, r3); var t3 = Sse.UnpackHigh(r2, r3);
        Vector128.Store(Sse.MoveLowToHigh(t0, t2), dst);
        Vector128.Store(Sse.MoveHighToLow(t2, t0), dst + ldd);
        Vector128.Store(Sse.MoveLowToHigh(t1, t3), dst + 2 * ldd);
        Vector128.Store(Sse.MoveHighToLow(t3, t1), dst + 3 * ldd);
    }

    /// <summary>
    /// Packs op(B)[0..kc, 0..nc] (b points at its first element) into ceil(nc/nr) panels; panel q
    /// holds, for each p, the nr values op(B)[p, q·nr + j].
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackB(bool transB, float* b, nint ldb, int kc, int nc, int nr, float* dst)
    {
        for (int j0 = 0; j0 < nc; j0 += nr)
        {
            int cols = Math.Min(nr, nc - j0);
            if (transB)
                PackBTransposed(b + j0 * ldb, ldb, kc, cols, nr, dst);
            else if (cols == nr)
            {
                float* src = b + j0;
                for (int p = 0; p < kc; p++, src += ldb, dst += nr) Copy(src, dst, nr);
                continue;
            }
            else
            {
                float* src = b + j0;
                for (int p = 0; p < kc; p++, src += ldb, dst += nr)
                {
                    int j = 0;
                    for (; j < cols; j++) dst[j] = src[j];
                    for (; j < nr; j++) dst[j] = 0f;
                }
                continue;
            }
            dst += kc * nr;
        }
    }

    /// <summary>
    /// As <see cref="PackB"/> with transB for a 16-bit matrix: op(B)[p, j] = B[firstRow + j, firstCol + p].
    /// Each panel's rows are converted to float32 into <paramref name="scratch"/> (nr · kc floats) and
    /// packed from there exactly as float32 rows would be, so the panel holds the same floats.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void PackBHalf(HalfMatrix b, int firstRow, int firstCol, int kc, int nc, int nr, float* dst, float* scratch)
    {
        for (int j0 = 0; j0 < nc; j0 += nr)
        {
            int cols = Math.Min(nr, nc - j0);
            for (int j = 0; j < cols; j++) b.RowToSingle(firstRow + j0 + j, firstCol, new Span<float>(scratch + (nint)j * kc, kc));
            PackBTransposed(scratch, kc, kc, cols, nr, dst);
            dst += kc * nr;
        }
    }

    // op(B)[p, j] = B[j, p]: every column of the panel is a contiguous stored row. Eight rows are
    // transposed at a time as 8 × 8 blocks so the panel is written in whole vectors.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void PackBTransposed(float* b, nint ldb, int kc, int cols, int nr, float* dst)
    {
        int j = 0;
        if (Avx.IsSupported)
            for (; j + 8 <= cols; j += 8)
            {
                float* src = b + j * ldb;
                int p = 0;
                for (; p + 8 <= kc; p += 8) Transpose8x8(src + p, ldb, 8, dst + p * nr + j, nr);
                for (; p < kc; p++)
                    for (int jj = 0; jj < 8; jj++) dst[p * nr + j + jj] = src[jj * ldb + p];
            }
        for (; j < cols; j++)
        {
            float* src = b + j * ldb;
            for (int p = 0; p < kc; p++) dst[p * nr + j] = src[p];
        }
        for (; j < nr; j++)
            for (int p = 0; p < kc; p++) dst[p * nr + j] = 0f;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    // Rows 0..rows-1 of an 8-wide block at stride lds, written as 8 rows at stride ldd; missing
    // rows (rows < 8) repeat the last real one, so nothing past the matrix is read.
    private static void Transpose8x8(float* src, nint lds, int rows, float* dst, nint ldd)
    {
        var r0 = Vector256.Load(src); var r1 = Vector256.Load(src + Math.Min(1, rows - 1) * lds);
        var r2 = Vector256.Load(src + Math.Min(2, rows - 1) * lds); var r3 = Vector256.Load(src + Math.Min(3, rows - 1) * lds);
        var r4 = Vector256.Load(src + Math.Min(4, rows - 1) * lds); var r5 = Vector256.Load(src + Math.Min(5, rows - 1) * lds);
        var r6 = Vector256.Load(src + Math.Min(6, rows - 1) * lds); var r7 = Vector256.Load(src + Math.Min(7, rows - 1) * lds);
        // Stage 1: interleave pairs of rows.
        var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1);
        var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
        var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5);
        var t6 = Avx.UnpackLow(r6, r7); var t7 = Avx.UnpackHigh(r6, r7);
        // Stage 2: 64-bit interleave gives 4 × 4 transposes inside each 128-bit half.
        var s0 = Avx.Shuffle(t0, t2, 0b01_00_01_00); var s1 = Avx.Shuffle(t0, t2, 0b11_10_11_10);
        var s2 = Avx.Shuffle(t1, t3, 0b01_00_01_00); var s3 = Avx.Shuffle(t1, t3, 0b11_10_11_10);
        var s4 = Avx.Shuffle(t4, t6, 0b01_00_01_00); var s5 = Avx.Shuffle(t4, t6, 0b11_10_11_10);
        var s6 = Avx.Shuffle(t5, t7, 0b01_00_01_00); var s7 = Avx.Shuffle(t5, t7, 0b11_10_11_10);
        // Stage 3: swap 128-bit halves.
        Vector256.Store(Vector256.Create(s0.GetLower(), s4.GetLower()), dst);
        Vector256.Store(Vector256.Create(s1.GetLower(), s5.GetLower()), dst + ldd);
        Vector256.Store(Vector256.Create(s2.GetLower(), s6.GetLower()), dst + 2 * ldd);
        Vector256.Store(Vector256.Create(s3.GetLower(), s7.GetLower()), dst + 3 * ldd);
        Vector256.Store(Vector256.Create(s0.GetUpper(), s4.GetUpper()), dst + 4 * ldd);
        Vector256.Store(Vector256.Create(s1.GetUpper(), s5.GetUpper()), dst + 5 * ldd);
        Vector256.Store(Vector256.Create(s2.GetUpper(), s6.GetUpper()), dst + 6 * ldd);
        Vector256.Store(Vector256.Create(s3.GetUpper(), s7.GetUpper()), dst + 7 * ldd);
    }

    // A short run (one k step of a transposed A panel: mr = 4, 6, 12) in whole 4-wide vectors and a
    // scalar tail: never reads past the run, so the last row of a matrix is safe.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void CopyRun(float* src, float* dst, int count)
    {
        int r = 0;
        for (; r + 4 <= count; r += 4) Vector128.Store(Vector128.Load(src + r), dst + r);
        for (; r < count; r++) dst[r] = src[r];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Copy(float* src, float* dst, int count) =>
        new ReadOnlySpan<float>(src, count).CopyTo(new Span<float>(dst, count));
}
