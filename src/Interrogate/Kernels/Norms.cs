namespace Interrogate.Kernels;

/// <summary>
/// Row kernels for LayerNorm and RMSNorm over the last axis (length d). Statistics are accumulated
/// in double. Backward kernels add into the input gradient; weight/bias gradients are accumulated
/// by the caller across rows (see the Accumulate* methods).
/// </summary>
public static class Norms
{
    /// <summary>y = (x − mean)·rstd·w + b for one row; returns (mean, rstd). w, b: d values or empty (1 and 0).</summary>
    public static (float Mean, float Rstd) LayerNorm(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, float eps, Span<float> y)
    {
        double sum = 0;
        foreach (float v in x) sum += v;
        double mean = sum / x.Length, sq = 0;
        foreach (float v in x) sq += (v - mean) * (v - mean);
        float rstd = (float)(1.0 / Math.Sqrt(sq / x.Length + eps)), m = (float)mean;
        for (int i = 0; i < x.Length; i++)
        {
            float h = (x[i] - m) * rstd;
            y[i] = (w.IsEmpty ? h : h * w[i]) + (b.IsEmpty ? 0f : b[i]);
        }
        return (m, rstd);
    }

    /// <summary>
    /// gx += rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ⊙x̂)) with x̂ = (x − mean)·rstd and ĝ = g⊙w, for one row.
    /// </summary>
    public static void LayerNormBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, float mean, float rstd,
        ReadOnlySpan<float> g, Span<float> gx)
    {
        double sumG = 0, sumGX = 0;
        for (int i = 0; i < x.Length; i++)
        {
            double gh = w.IsEmpty ? g[i] : g[i] * w[i];
            sumG += gh;
            sumGX += gh * (x[i] - mean) * rstd;
        }
        float meanG = (float)(sumG / x.Length), meanGX = (float)(sumGX / x.Length);
        for (int i = 0; i < x.Length; i++)
        {
            float gh = w.IsEmpty ? g[i] : g[i] * w[i];
            gx[i] += rstd * (gh - meanG - (x[i] - mean) * rstd * meanGX);
        }
    }

    /// <summary>gw += g⊙x̂ and gb += g for one row (either may be empty to skip it).</summary>
    public static void AccumulateAffine(ReadOnlySpan<float> x, float mean, float rstd, ReadOnlySpan<float> g, Span<float> gw, Span<float> gb)
    {
        for (int i = 0; i < x.Length; i++)
        {
            if (!gw.IsEmpty) gw[i] += g[i] * (x[i] - mean) * rstd;
            if (!gb.IsEmpty) gb[i] += g[i];
        }
    }

    /// <summary>y = x·rrms·w with rrms = 1/√(mean(x²) + eps) for one row (Llama's RMSNorm); returns rrms.</summary>
    public static float RmsNorm(ReadOnlySpan<float> x, ReadOnlySpan<float> w, float eps, Span<float> y)
    {
        double sq = 0;
        foreach (float v in x) sq += (double)v * v;
        float rrms = (float)(1.0 / Math.Sqrt(sq / x.Length + eps));
        for (int i = 0; i < x.Length; i++) y[i] = x[i] * rrms * w[i];
        return rrms;
    }

    /// <summary>gx += rrms·(ĝ − x̂·mean(ĝ⊙x̂)) with x̂ = x·rrms and ĝ = g⊙w, for one row.</summary>
    public static void RmsNormBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, float rrms, ReadOnlySpan<float> g, Span<float> gx)
    {
        double sumGX = 0;
        for (int i = 0; i < x.Length; i++) sumGX += (double)g[i] * w[i] * x[i] * rrms;
        float meanGX = (float)(sumGX / x.Length);
        for (int i = 0; i < x.Length; i++) gx[i] += rrms * (g[i] * w[i] - x[i] * rrms * meanGX);
    }
}
