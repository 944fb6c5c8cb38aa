namespace Interrogate.Numerics;

/// <summary>
/// Cholesky factorisation and solve for the small symmetric positive-definite normal equations of
/// the redundancy fits (a ridge term keeps them definite). Double precision throughout.
/// </summary>
internal static class Cholesky
{
    /// <summary>
    /// Row prefixes at least this long are reduced with a SIMD dot product (another summation order):
    /// the set-to-set fits of a whole layer (3,072 kept neurons at GPT-2 small: ~4.5 G multiply-adds)
    /// then run several times faster, while the small fits of the merge search (k ≤ a few dozen)
    /// keep the plain loop and their exact bits.
    /// </summary>
    public const int VectorFrom = 64;

    /// <summary>Lower factor L with A = L·Lᵀ. a: [n, n], row-major, symmetric. Result: [n, n], upper triangle zero.</summary>
    public static double[] Factor(ReadOnlySpan<double> a, int n)
    {
        var l = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j <= i; j++)
            {
                double s = a[i * n + j];
                if (j < VectorFrom)
                    for (int k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
                else s -= System.Numerics.Tensors.TensorPrimitives.Dot(l.AsSpan(i * n, j), l.AsSpan(j * n, j));
                if (i == j)
                {
                    // A pivot lost to rounding (inputs that are exact copies) is clamped rather than thrown:
                    // the ridge already made the system solvable in exact arithmetic.
                    l[i * n + i] = Math.Sqrt(Math.Max(s, 1e-300));
                }
                else l[i * n + j] = s / l[j * n + j];
            }
        return l;
    }

    /// <summary>Solves L·Lᵀ·x = b. l: [n, n] from <see cref="Factor"/>; b, x: [n].</summary>
    public static void Solve(ReadOnlySpan<double> l, int n, ReadOnlySpan<double> b, Span<double> x)
    {
        Span<double> y = n <= 256 ? stackalloc double[n] : new double[n];
        for (int i = 0; i < n; i++)
        {
            double s = b[i];
            for (int k = 0; k < i; k++) s -= l[i * n + k] * y[k];
            y[i] = s / l[i * n + i];
        }
        for (int i = n - 1; i >= 0; i--)
        {
            double s = y[i];
            for (int k = i + 1; k < n; k++) s -= l[k * n + i] * x[k];
            x[i] = s / l[i * n + i];
        }
    }
}
