namespace Interrogate.Kernels.Reference;

/// <summary>
/// The naive matrix multiply every fast kernel is tested against, accumulated in double.
/// C[m, n] = alpha · Σ_k op(A)[m, k] · op(B)[k, n] + beta · C[m, n]; row-major, with leading
/// dimensions; op(X) is X or Xᵀ.
/// </summary>
public static class GemmReference
{
    public static void Multiply(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc)
    {
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int p = 0; p < k; p++)
                {
                    float av = transA ? a[p * lda + i] : a[i * lda + p];
                    float bv = transB ? b[j * ldb + p] : b[p * ldb + j];
                    sum += (double)av * bv;
                }
                double prior = beta == 0f ? 0.0 : (double)beta * c[i * ldc + j];
                c[i * ldc + j] = (float)(alpha * sum + prior);
            }
    }
}
