using Interrogate.Kernels.Reference;

namespace Interrogate.Kernels;

/// <summary>Which implementation <see cref="Gemm.Multiply"/> runs.</summary>
public enum GemmBackend
{
    /// <summary>Our packed, cache-blocked SIMD kernel (the default).</summary>
    Managed,
    /// <summary>The system OpenBLAS <c>cblas_sgemm</c> (see <see cref="OpenBlas"/>).</summary>
    OpenBlas,
}

/// <summary>
/// Single-precision matrix multiply, the engine's hot path. Row-major:
/// C[m, n] = alpha · op(A) · op(B) + beta · C, op(X) = X or Xᵀ, with leading dimensions lda/ldb/ldc.
/// With beta = 0, C is overwritten (NaNs in it are ignored).
/// </summary>
public static unsafe partial class Gemm
{
    private static GemmBackend backend =
        string.Equals(Environment.GetEnvironmentVariable("INTERROGATE_BLAS")?.Trim(), "openblas", StringComparison.OrdinalIgnoreCase)
            ? GemmBackend.OpenBlas : GemmBackend.Managed;

    /// <summary>
    /// The implementation in use: from <c>INTERROGATE_BLAS=openblas</c>, or set by the CLI's
    /// <c>--blas openblas</c>. Choosing OpenBLAS where it is not installed throws <see cref="InputException"/>.
    /// </summary>
    public static GemmBackend Backend
    {
        get => backend;
        set
        {
            if (value == GemmBackend.OpenBlas && !OpenBlas.IsAvailable) throw new InputException(OpenBlas.MissingMessage);
            backend = value;
        }
    }

    /// <summary>
    /// C = alpha · op(A) · op(B) + beta · C. Shapes: op(A) [m, k], stored as A [m, lda] (or
    /// [k, lda] when transA); op(B) [k, n], stored as B [k, ldb] (or [n, ldb] when transB);
    /// C [m, ldc], updated in place. Throws when a leading dimension or span is too small.
    /// </summary>
    public static void Multiply(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        fixed (float* pa = a, pb = b, pc = c)
            Core(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc, Parallelism.Threads);
    }

    /// <summary>
    /// As <see cref="Multiply(bool, bool, int, int, int, float, ReadOnlySpan{float}, int, ReadOnlySpan{float}, int, float, Span{float}, int)"/>
    /// on at most <paramref name="maxThreads"/> threads (1: on the calling thread only), for callers
    /// that already run one product per thread (a convolution, image by image).
    /// </summary>
    public static void MultiplyOnThreads(int maxThreads, bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxThreads, 1);
        Validate(transA, transB, m, n, k, a.Length, lda, b.Length, ldb, c.Length, ldc);
        fixed (float* pa = a, pb = b, pc = c)
            Core(transA, transB, m, n, k, alpha, pa, lda, pb, ldb, beta, pc, ldc, Math.Min(maxThreads, Parallelism.Threads));
    }

    /// <summary>
    /// Batched form: batch independent products, each operand advancing by its stride. Many small
    /// products (attention heads) run one per thread; a few large ones are each split across threads.
    /// </summary>
    public static void MultiplyBatched(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, int strideA, ReadOnlySpan<float> b, int ldb, int strideB,
        float beta, Span<float> c, int ldc, int strideC, int batch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        if (batch == 0) return;
        ArgumentOutOfRangeException.ThrowIfNegative(strideA);
        ArgumentOutOfRangeException.ThrowIfNegative(strideB);
        ArgumentOutOfRangeException.ThrowIfNegative(strideC);
        long last = batch - 1;
        // Check the last item of each operand; earlier items lie below it.
        Validate(transA, transB, m, n, k, Remaining(a.Length, last * strideA), lda,
            Remaining(b.Length, last * strideB), ldb, Remaining(c.Length, last * strideC), ldc);

        int threads = Parallelism.Threads;
        bool small = (long)m * n * k <= 1L << 22;
        fixed (float* pa = a, pb = b, pc = c)
        {
            if (threads == 1 || batch == 1 || (!small && batch < 2 * threads) || backend == GemmBackend.OpenBlas)
            {
                for (int i = 0; i < batch; i++)
                    Core(transA, transB, m, n, k, alpha, pa + (nint)i * strideA, lda, pb + (nint)i * strideB, ldb,
                        beta, pc + (nint)i * strideC, ldc, threads);
                return;
            }
            AcrossBatch(transA, transB, m, n, k, alpha, pa, lda, strideA, pb, ldb, strideB, beta, pc, ldc, strideC, batch, threads);
        }
    }

    // One product per thread at a time, each single-threaded. Apart from MultiplyBatched so that
    // the closure is only allocated on this path.
    private static void AcrossBatch(bool transA, bool transB, int m, int n, int k, float alpha,
        float* pa, int lda, int strideA, float* pb, int ldb, int strideB, float beta, float* pc, int ldc, int strideC,
        int batch, int threads)
    {
        nint a0 = (nint)pa, b0 = (nint)pb, c0 = (nint)pc;
        int parts = Math.Min(threads, batch);
        Parallelism.For(parts, parts, part =>
        {
            for (int i = batch * part / parts; i < batch * (part + 1) / parts; i++)
                Core(transA, transB, m, n, k, alpha, (float*)a0 + (nint)i * strideA, lda, (float*)b0 + (nint)i * strideB, ldb,
                    beta, (float*)c0 + (nint)i * strideC, ldc, 1);
        });
    }

    // Dispatch on pointers whose extents have been validated.
    private static void Core(bool transA, bool transB, int m, int n, int k, float alpha,
        float* a, int lda, float* b, int ldb, float beta, float* c, int ldc, int threads)
    {
        if (m == 0 || n == 0) return;
        if (backend == GemmBackend.OpenBlas)
        {
            OpenBlas.MatchThreads(threads);
            OpenBlas.Sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
            return;
        }
        var kind = GemmKernel.Current;
        if (kind == GemmKernelKind.Reference)
        {
            // The reference takes spans; rebuild them over the validated extents.
            GemmReference.Multiply(transA, transB, m, n, k, alpha,
                new ReadOnlySpan<float>(a, Extent(transA ? k : m, transA ? m : k, lda)), lda,
                new ReadOnlySpan<float>(b, Extent(transB ? n : k, transB ? k : n, ldb)), ldb,
                beta, new Span<float>(c, Extent(m, n, ldc)), ldc);
            return;
        }
        if (k == 0 || alpha == 0f)
        {
            Scale(m, n, beta, c, ldc);
            return;
        }
        if (m == 1 || n == 1 || (long)m * n * k <= GemmSmall.TinyLimit)
        {
            GemmSmall.Multiply(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, threads);
            return;
        }
        var tiling = GemmKernel.Tiling(kind);
        GemmBlocked.Multiply(tiling, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, threads);
    }

    // C = beta · C, where beta = 0 clears (NaNs included).
    private static void Scale(int m, int n, float beta, float* c, nint ldc)
    {
        for (int i = 0; i < m; i++)
        {
            var row = new Span<float>(c + i * ldc, n);
            if (beta == 0f) row.Clear();
            else if (beta != 1f) System.Numerics.Tensors.TensorPrimitives.Multiply(row, beta, row);
        }
    }

    private static void Validate(bool transA, bool transB, int m, int n, int k,
        long aLength, int lda, long bLength, int ldb, long cLength, int ldc)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(m);
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        ArgumentOutOfRangeException.ThrowIfNegative(k);
        Check("a", transA ? k : m, transA ? m : k, lda, aLength);
        Check("b", transB ? n : k, transB ? k : n, ldb, bLength);
        Check("c", m, n, ldc, cLength);
    }

    private static void Check(string name, int rows, int cols, int ld, long length)
    {
        if (ld < Math.Max(1, cols))
            throw new ArgumentOutOfRangeException("ld" + name, ld, $"leading dimension of {name} must be at least {Math.Max(1, cols)}");
        int need = Extent(rows, cols, ld);
        if (need > 0 && need > length)
            throw new ArgumentException($"{name} holds {Math.Max(0, length)} floats; a [{rows}, {cols}] matrix with leading dimension {ld} needs {need}", name);
    }

    private static int Extent(int rows, int cols, int ld) => rows == 0 || cols == 0 ? 0 : checked((rows - 1) * ld + cols);

    private static long Remaining(int length, long offset) => length - offset;
}
