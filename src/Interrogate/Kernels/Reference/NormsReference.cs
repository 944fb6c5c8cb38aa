namespace Interrogate.Kernels.Reference;

/// <summary>
/// The naive double-precision twin of <see cref="Norms"/>: statistics by their definitions, backward as
/// the full Jacobian–vector product (O(d²)) and the affine gradients by the chain rule, element by element.
/// </summary>
public static class NormsReference
{
    /// <summary>A normalised row and the statistics the fast kernel returns.</summary>
    /// <param name="Y">[d] output.</param>
    /// <param name="Center">LayerNorm: the mean; RMSNorm: 0.</param>
    /// <param name="Scale">1/√(variance + eps) for LayerNorm, 1/√(mean(x²) + eps) for RMSNorm.</param>
    public sealed record Result(double[] Y, double Center, double Scale);

    /// <summary>y = (x − mean)/√(var + eps)·w + b, population variance. x: [d]; w, b: [d] or empty (1 and 0).</summary>
    public static Result LayerNorm(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, double eps)
    {
        int d = x.Length;
        double mean = 0, variance = 0;
        foreach (float v in x) mean += v;
        mean /= d;
        foreach (float v in x) variance += (v - mean) * (v - mean);
        variance /= d;
        double rstd = 1 / Math.Sqrt(variance + eps);
        var y = new double[d];
        for (int i = 0; i < d; i++) y[i] = (x[i] - mean) * rstd * (w.IsEmpty ? 1 : w[i]) + (b.IsEmpty ? 0 : b[i]);
        return new Result(y, mean, rstd);
    }

    /// <summary>
    /// gx_j = Σ_i g_i ∂y_i/∂x_j with ∂y_i/∂x_j = w_i·rstd·(δ_ij − 1/d − x̂_i x̂_j / d), x̂ = (x − mean)·rstd.
    /// x, g: [d]; w: [d] or empty; returns gx [d].
    /// </summary>
    public static double[] LayerNormBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> g, double eps)
    {
        int d = x.Length;
        var r = LayerNorm(x, [], [], eps);   // x̂ with no affine part
        var gx = new double[d];
        for (int j = 0; j < d; j++)
            for (int i = 0; i < d; i++)
                gx[j] += g[i] * (w.IsEmpty ? 1 : w[i]) * r.Scale * ((i == j ? 1 : 0) - 1.0 / d - r.Y[i] * r.Y[j] / d);
        return gx;
    }

    /// <summary>∂L/∂w_i = g_i·x̂_i and ∂L/∂b_i = g_i for one row. x, g: [d]; returns ([d], [d]).</summary>
    public static (double[] Gw, double[] Gb) LayerNormAffineGradients(ReadOnlySpan<float> x, ReadOnlySpan<float> g, double eps)
    {
        var r = LayerNorm(x, [], [], eps);
        var gw = new double[x.Length];
        var gb = new double[x.Length];
        for (int i = 0; i < x.Length; i++) (gw[i], gb[i]) = (g[i] * r.Y[i], g[i]);
        return (gw, gb);
    }

    /// <summary>y = x/√(mean(x²) + eps)·w (Llama's RMSNorm). x, w: [d].</summary>
    public static Result RmsNorm(ReadOnlySpan<float> x, ReadOnlySpan<float> w, double eps)
    {
        double sq = 0;
        foreach (float v in x) sq += (double)v * v;
        double rrms = 1 / Math.Sqrt(sq / x.Length + eps);
        var y = new double[x.Length];
        for (int i = 0; i < x.Length; i++) y[i] = x[i] * rrms * w[i];
        return new Result(y, 0, rrms);
    }

    /// <summary>gx_j = Σ_i g_i ∂y_i/∂x_j with ∂y_i/∂x_j = w_i·rrms·(δ_ij − x̂_i x̂_j / d), x̂ = x·rrms. x, w, g: [d]; returns [d].</summary>
    public static double[] RmsNormBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> g, double eps)
    {
        int d = x.Length;
        double rrms = RmsNorm(x, w, eps).Scale;
        var gx = new double[d];
        for (int j = 0; j < d; j++)
            for (int i = 0; i < d; i++)
                gx[j] += g[i] * w[i] * rrms * ((i == j ? 1 : 0) - x[i] * rrms * x[j] * rrms / d);
        return gx;
    }
}
