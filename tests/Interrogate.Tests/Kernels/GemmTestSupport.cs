using Interrogate.Kernels;
using Interrogate.Kernels.Reference;

namespace Interrogate.Tests.Kernels;

/// <summary>
/// The GEMM tests change process-wide settings (kernel, thread count, backend), so they run
/// in one collection, one at a time, and each restores what it changed.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GemmSettingsCollection
{
    public const string Name = "Gemm settings";
}

/// <summary>Sets the kernel and thread count for one test, and puts them back on dispose.</summary>
internal sealed class GemmScope : IDisposable
{
    private readonly GemmKernelKind kernel = GemmKernel.Current;
    private readonly int threads = Parallelism.Threads;
    private readonly GemmBackend backend = Gemm.Backend;

    public GemmScope(GemmKernelKind kind, int threadCount, GemmBackend with = GemmBackend.Managed)
    {
        GemmKernel.Current = kind;
        Parallelism.Threads = threadCount;
        Gemm.Backend = with;
    }

    public void Dispose()
    {
        GemmKernel.Current = kernel;
        Parallelism.Threads = threads;
        Gemm.Backend = backend;
    }
}

/// <summary>One random GEMM problem, run through Gemm and GemmReference and compared.</summary>
internal static class GemmCheck
{
    /// <summary>
    /// Runs C = alpha·op(A)·op(B) + beta·C with operands padded by pad columns beyond their width,
    /// and returns the worst error divided by its tolerance (≤ 1 passes). The tolerance is the
    /// float dot-product bound, (k + 2)·2⁻²³ relative to Σ|alpha·a·b| + |beta·c| per element.
    /// </summary>
    public static double WorstRatio(bool transA, bool transB, int m, int n, int k,
        float alpha, float beta, int pad, int seed)
    {
        var rng = new Random(seed);
        int lda = Math.Max(1, transA ? m : k) + pad, ldb = Math.Max(1, transB ? k : n) + pad, ldc = n + pad;
        float[] a = Fill(rng, Math.Max(0, (transA ? k : m) * lda));
        float[] b = Fill(rng, Math.Max(0, (transB ? n : k) * ldb));
        float[] c = Fill(rng, m * ldc);
        // beta = 0 must overwrite: plant NaNs that would leak through a multiply by zero.
        if (beta == 0f) Array.Fill(c, float.NaN);
        float[] expected = (float[])c.Clone();
        GemmReference.Multiply(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, expected, ldc);
        Gemm.Multiply(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);

        double worst = 0;
        for (int i = 0; i < m; i++)
            for (int j = 0; j < ldc; j++)
            {
                int at = i * ldc + j;
                if (j >= n)
                {
                    // Padding beyond the width must be untouched.
                    if (!(c[at].Equals(expected[at]))) return double.PositiveInfinity;
                    continue;
                }
                double scale = 0;
                for (int p = 0; p < k; p++)
                    scale += Math.Abs((double)(transA ? a[p * lda + i] : a[i * lda + p]) * (transB ? b[j * ldb + p] : b[p * ldb + j]));
                scale = Math.Abs(alpha) * scale + (beta == 0f ? 0 : Math.Abs(beta * expected[at]));
                double tolerance = (k + 2) * Math.Pow(2, -23) * scale + 1e-30;
                double error = Math.Abs((double)c[at] - expected[at]);
                if (double.IsNaN(error)) return double.PositiveInfinity;
                worst = Math.Max(worst, error / tolerance);
            }
        return worst;
    }

    private static float[] Fill(Random rng, int count)
    {
        var x = new float[count];
        for (int i = 0; i < count; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        return x;
    }
}
