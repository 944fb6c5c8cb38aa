namespace Interrogate.Kernels;

/// <summary>
/// Single-precision matrix multiply, the engine's hot path. Row-major:
/// C[m, n] = alpha · op(A) · op(B) + beta · C, op(X) = X or Xᵀ, with leading dimensions lda/ldb/ldc.
/// With beta = 0, C is overwritten (NaNs in it are ignored).
/// </summary>
public static class Gemm
{
    public static void Multiply(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        // Placeholder until the packed kernel lands: correct, slow.
        GemmReference.Multiply(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    }

    /// <summary>Batched form: batch independent products, each operand advancing by its stride.</summary>
    public static void MultiplyBatched(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, int strideA, ReadOnlySpan<float> b, int ldb, int strideB,
        float beta, Span<float> c, int ldc, int strideC, int batch)
    {
        for (int i = 0; i < batch; i++)
            Multiply(transA, transB, m, n, k, alpha, a[(i * strideA)..], lda, b[(i * strideB)..], ldb, beta, c[(i * strideC)..], ldc);
    }
}
