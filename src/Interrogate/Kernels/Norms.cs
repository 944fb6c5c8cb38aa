using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Interrogate.Kernels;

/// <summary>
/// Row kernels for LayerNorm and RMSNorm over the last axis (length d). LayerNorm's run in float
/// vectors (8-lane partial sums); RMSNorm's statistics are accumulated in double. Backward kernels add into the input gradient; weight/bias gradients are accumulated
/// by the caller across rows (see the Accumulate* methods).
/// </summary>
public static class Norms
{
    /// <summary>
    /// y = (x − mean)·rstd·w + b for one row; returns (mean, rstd). w, b: d values or empty (1 and 0).
    /// Vectorised, two passes for the statistics (the variance sums squared deviations, so a large
    /// mean costs no precision).
    /// </summary>
    public static (float Mean, float Rstd) LayerNorm(ReadOnlySpan<float> x, ReadOnlySpan<float> w, ReadOnlySpan<float> b, float eps, Span<float> y)
    {
        int d = x.Length;
        float mean = TensorPrimitives.Sum(x) / d;
        float rstd = 1f / MathF.Sqrt(SumSquaredDeviations(x, mean) / d + eps);
        // y = (x − mean)·rstd, then ⊙ w, then + b.
        TensorPrimitives.Subtract(x, mean, y);
        TensorPrimitives.Multiply(y[..d], rstd, y);
        if (!w.IsEmpty) TensorPrimitives.Multiply(y[..d], w, y);
        if (!b.IsEmpty) TensorPrimitives.Add(y[..d], b, y);
        return (mean, rstd);
    }

    /// <summary>
    /// gx += rstd·(ĝ − mean(ĝ) − x̂·mean(ĝ⊙x̂)) with x̂ = (x − mean)·rstd and ĝ = g⊙w, for one row. Vectorised.
    /// </summary>
    public static void LayerNormBackward(ReadOnlySpan<float> x, ReadOnlySpan<float> w, float mean, float rstd,
        ReadOnlySpan<float> g, Span<float> gx)
    {
        int d = x.Length, i = 0;
        float sumG = 0f, sumGX = 0f;
        ref float xr = ref MemoryMarshal.GetReference(x), gr = ref MemoryMarshal.GetReference(g), wr = ref MemoryMarshal.GetReference(w);
        bool scaled = !w.IsEmpty;
        if (Vector256.IsHardwareAccelerated && d >= 8)
        {
            var accG = Vector256<float>.Zero;
            var accGX = Vector256<float>.Zero;
            var m = Vector256.Create(mean);
            for (; i + 8 <= d; i += 8)
            {
                var gh = Vector256.LoadUnsafe(ref gr, (nuint)i);
                if (scaled) gh *= Vector256.LoadUnsafe(ref wr, (nuint)i);
                accG += gh;
                accGX += gh * (Vector256.LoadUnsafe(ref xr, (nuint)i) - m);
            }
            sumG = Vector256.Sum(accG);
            sumGX = Vector256.Sum(accGX);
        }
        for (; i < d; i++)
        {
            float gh = scaled ? g[i] * w[i] : g[i];
            sumG += gh;
            sumGX += gh * (x[i] - mean);
        }
        float meanG = sumG / d, meanGX = sumGX * rstd / d;
        // gx += rstd·ĝ − rstd·meanG − (x − mean)·rstd²·meanGX
        float c = rstd * rstd * meanGX, offset = -rstd * meanG + mean * c;
        i = 0;
        ref float dr = ref MemoryMarshal.GetReference(gx);
        if (Vector256.IsHardwareAccelerated)
        {
            var vr = Vector256.Create(rstd);
            var vc = Vector256.Create(c);
            var vo = Vector256.Create(offset);
            for (; i + 8 <= d; i += 8)
            {
                var gh = Vector256.LoadUnsafe(ref gr, (nuint)i);
                if (scaled) gh *= Vector256.LoadUnsafe(ref wr, (nuint)i);
                var add = vr * gh - vc * Vector256.LoadUnsafe(ref xr, (nuint)i) + vo;
                (Vector256.LoadUnsafe(ref dr, (nuint)i) + add).StoreUnsafe(ref dr, (nuint)i);
            }
        }
        for (; i < d; i++)
        {
            float gh = scaled ? g[i] * w[i] : g[i];
            gx[i] += rstd * gh - c * x[i] + offset;
        }
    }

    /// <summary>gw += g⊙x̂ and gb += g for one row (either may be empty to skip it).</summary>
    public static void AccumulateAffine(ReadOnlySpan<float> x, float mean, float rstd, ReadOnlySpan<float> g, Span<float> gw, Span<float> gb)
    {
        // g⊙x̂ = (g⊙x)·rstd − g·mean·rstd
        if (!gw.IsEmpty)
        {
            int i = 0, d = x.Length;
            ref float xr = ref MemoryMarshal.GetReference(x), gr = ref MemoryMarshal.GetReference(g), wr = ref MemoryMarshal.GetReference(gw);
            if (Vector256.IsHardwareAccelerated)
            {
                var vr = Vector256.Create(rstd);
                var vm = Vector256.Create(mean);
                for (; i + 8 <= d; i += 8)
                {
                    var add = Vector256.LoadUnsafe(ref gr, (nuint)i) * (Vector256.LoadUnsafe(ref xr, (nuint)i) - vm) * vr;
                    (Vector256.LoadUnsafe(ref wr, (nuint)i) + add).StoreUnsafe(ref wr, (nuint)i);
                }
            }
            for (; i < d; i++) gw[i] += g[i] * (x[i] - mean) * rstd;
        }
        if (!gb.IsEmpty) TensorPrimitives.Add(gb, g, gb);
    }

    // Σ (x − mean)², vectorised.
    private static float SumSquaredDeviations(ReadOnlySpan<float> x, float mean)
    {
        int i = 0;
        float sum = 0f;
        ref float xr = ref MemoryMarshal.GetReference(x);
        if (Vector256.IsHardwareAccelerated && x.Length >= 8)
        {
            var acc = Vector256<float>.Zero;
            var m = Vector256.Create(mean);
            for (; i + 8 <= x.Length; i += 8)
            {
                var dev = Vector256.LoadUnsafe(ref xr, (nuint)i) - m;
                acc += dev * dev;
            }
            sum = Vector256.Sum(acc);
        }
        for (; i < x.Length; i++) sum += (x[i] - mean) * (x[i] - mean);
        return sum;
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
