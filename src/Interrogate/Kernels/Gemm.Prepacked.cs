namespace Interrogate.Kernels;

public static unsafe partial class Gemm
{
    /// <summary>
    /// C[m, w.N] (leading dimension ldc) = A[m, w.K] (leading dimension lda) · Wᵀ for a weight
    /// packed once (<see cref="PackedMatrix"/>): the same bits as <see cref="Multiply"/> with
    /// transB, alpha 1 and beta 0 on W itself.
    /// </summary>
    internal static void MultiplyPrepacked(PackedMatrix w, int m, ReadOnlySpan<float> a, int lda, Span<float> c, int ldc)
    {
        Validate(false, true, m, w.N, w.K, a.Length, lda, (long)w.N * w.K, w.K, c.Length, ldc);
        fixed (float* pa = a, pc = c)
            GemmPrepacked.Multiply(w, m, pa, lda, pc, ldc, Parallelism.Threads);
    }
}
