using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Interrogate.Kernels;

/// <summary>
/// The cheap path for products too small or too thin to pay for packing: matrix-vector
/// (m = 1 or n = 1) and tiny matrices, done as dot products or axpy sweeps over contiguous rows.
/// </summary>
internal static unsafe class GemmSmall
{
    /// <summary>Below this many multiply-adds the packed path's fixed costs dominate.</summary>
    public const long TinyLimit = 1 << 15;

    /// <summary>Rows of C one at a time: C[i, :] = alpha · op(B)ᵀ · op(A)[i, :] + beta · C[i, :].</summary>
    public static void Multiply(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, nint lda, float* b, nint ldb, float beta, float* c, nint ldc, int threads)
    {
        if (n == 1 && m > 1)
        {
            // C[i, 0] = Σ_p op(A)[i, p] · op(B)[p, 0]: op(A) is the matrix, op(B)'s column the vector.
            Gemv(m, k, alpha, a, transA ? 1 : lda, transA ? lda : 1, b, transB ? 1 : ldb, beta, c, ldc, threads);
            return;
        }
        // Row i: the matrix is op(B)ᵀ (n × k), the vector op(A)[i, :].
        nint rs = transB ? ldb : 1, cs = transB ? 1 : ldb;
        for (int i = 0; i < m; i++)
            Gemv(n, k, alpha, b, rs, cs, transA ? a + i : a + i * lda, transA ? lda : 1, beta, c + i * ldc, 1, threads);
    }

    /// <summary>
    /// y[r·incy] = alpha · Σ_p M[r·rs + p·cs] · x[p·incx] + beta · y[r·incy], r &lt; rows, p &lt; cols.
    /// One of rs, cs is 1 (M is a view of a row-major operand), which picks dots or axpys.
    /// </summary>
    public static void Gemv(int rows, int cols, float alpha, float* mat, nint rs, nint cs,
        float* x, nint incx, float beta, float* y, nint incy, int threads)
    {
        float[]? rentedX = incx == 1 ? null : ArrayPool<float>.Shared.Rent(cols);
        try
        {
            fixed (float* gathered = rentedX)
            {
                float* xs = x;
                if (rentedX is not null)
                {
                    for (int p = 0; p < cols; p++) gathered[p] = x[p * incx];
                    xs = gathered;
                }
                // Big enough to be worth a second thread: split the output rows (memory-bound work).
                int parts = (int)Math.Clamp((long)rows * cols / (1 << 18), 1, Math.Min(threads, rows / 64 + 1));
                if (parts <= 1)
                {
                    GemvSerial(rows, cols, alpha, mat, rs, cs, xs, beta, y, incy);
                    return;
                }
                Split(rows, cols, alpha, mat, rs, cs, xs, beta, y, incy, parts);
            }
        }
        finally
        {
            if (rentedX is not null) ArrayPool<float>.Shared.Return(rentedX);
        }
    }

    // Apart from Gemv so that its closure is only allocated when threads are used.
    private static void Split(int rows, int cols, float alpha, float* mat, nint rs, nint cs,
        float* x, float beta, float* y, nint incy, int parts)
    {
        nint pm = (nint)mat, px = (nint)x, py = (nint)y;
        Parallelism.For(parts, parts, part =>
        {
            int r0 = (int)((long)rows * part / parts), r1 = (int)((long)rows * (part + 1) / parts);
            GemvSerial(r1 - r0, cols, alpha, (float*)pm + r0 * rs, rs, cs, (float*)px, beta, (float*)py + r0 * incy, incy);
        });
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void GemvSerial(int rows, int cols, float alpha, float* mat, nint rs, nint cs,
        float* x, float beta, float* y, nint incy)
    {
        var xs = new ReadOnlySpan<float>(x, cols);
        if (cs == 1)
        {
            for (int r = 0; r < rows; r++)
                Finish(ref y[r * incy], alpha * TensorPrimitives.Dot(new ReadOnlySpan<float>(mat + r * rs, cols), xs), beta);
            return;
        }
        // Columns of M are contiguous: accumulate acc += x[p] · M[:, p] over p.
        float[] rented = ArrayPool<float>.Shared.Rent(rows);
        var acc = rented.AsSpan(0, rows);
        acc.Clear();
        for (int p = 0; p < cols; p++)
            TensorPrimitives.MultiplyAdd(new ReadOnlySpan<float>(mat + p * cs, rows), x[p], acc, acc);
        for (int r = 0; r < rows; r++) Finish(ref y[r * incy], alpha * acc[r], beta);
        ArrayPool<float>.Shared.Return(rented);
    }

    private static void Finish(ref float y, float value, float beta) => y = beta == 0f ? value : value + beta * y;
}
