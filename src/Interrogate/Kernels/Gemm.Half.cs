using System.Buffers;
using System.Numerics.Tensors;

namespace Interrogate.Kernels;

// The product with a 16-bit weight matrix kept as stored (x·Wᵀ, W [n, k] bfloat16 or float16).
// Every path computes from the same float32 values, in the same order, as the float32 product
// with W converted beforehand: the packed paths pack identical panels, the matrix-vector path
// takes the same dot products, and the rest converts W aside and runs the float32 code.
public static unsafe partial class Gemm
{
    // One converted row of W per thread for the matrix-vector path.
    [ThreadStatic] private static float[]? halfRow;

    /// <summary>
    /// C[m, n] = alpha · A · Bᵀ + beta · C with B a <see cref="HalfMatrix"/> [n, k]: A [m, lda] row-major,
    /// C [m, ldc]. Equals <see cref="Multiply"/> (transB) on B converted to float32, bit for bit.
    /// </summary>
    public static void MultiplyHalfTransposed(int m, float alpha, ReadOnlySpan<float> a, int lda, HalfMatrix b, float beta, Span<float> c, int ldc)
    {
        int n = b.Rows, k = b.Cols;
        Validate(false, true, m, n, k, a.Length, lda, (long)n * k, k, c.Length, ldc);
        if (m == 0 || n == 0) return;
        var kind = GemmKernel.Current;
        bool small = m == 1 || n == 1 || (long)m * n * k <= GemmSmall.TinyLimit;
        fixed (float* pa = a, pc = c)
        {
            if (k == 0 || alpha == 0f) { Scale(m, n, beta, pc, ldc); return; }
            if (m == 1 && n > 1 && backend == GemmBackend.Managed && kind != GemmKernelKind.Reference)
            {
                RowDots(n, k, alpha, b, pa, beta, pc, Parallelism.Threads);
                return;
            }
            if (!small && backend == GemmBackend.Managed && kind != GemmKernelKind.Reference)
            {
                GemmBlocked.Multiply(GemmKernel.Tiling(kind), false, true, m, n, k, alpha, pa, lda, null, k, beta, pc, ldc, Parallelism.Threads, b);
                return;
            }
        }
        // Tiny products, OpenBLAS and the reference kernel: W converted aside (W is small here, or the user chose that backend).
        var converted = ArrayPool<float>.Shared.Rent(n * k);
        try
        {
            for (int r = 0; r < n; r++) b.RowToSingle(r, 0, converted.AsSpan(r * k, k));
            Multiply(false, true, m, n, k, alpha, a, lda, converted.AsSpan(0, n * k), k, beta, c, ldc);
        }
        finally { ArrayPool<float>.Shared.Return(converted); }
    }

    // y[r] = alpha · W[r, :]·x + beta · y[r]: GemmSmall's matrix-vector product (the same dots and
    // the same split over threads) with each row of W converted just before its dot.
    private static void RowDots(int rows, int cols, float alpha, HalfMatrix w, float* x, float beta, float* y, int threads)
    {
        int parts = (int)Math.Clamp((long)rows * cols / (1 << 18), 1, Math.Min(threads, rows / 64 + 1));
        nint px = (nint)x, py = (nint)y;
        Parallelism.For(parts, parts, part =>
        {
            int r0 = (int)((long)rows * part / parts), r1 = (int)((long)rows * (part + 1) / parts);
            var row = halfRow is { } h && h.Length >= cols ? h : halfRow = new float[cols];
            var xs = new ReadOnlySpan<float>((float*)px, cols);
            for (int r = r0; r < r1; r++)
            {
                var converted = row.AsSpan(0, cols);
                w.RowToSingle(r, 0, converted);
                float value = alpha * TensorPrimitives.Dot(converted, xs);
                ((float*)py)[r] = beta == 0f ? value : value + beta * ((float*)py)[r];
            }
        });
    }
}
