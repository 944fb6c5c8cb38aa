using Interrogate.Kernels;

namespace Interrogate.Features;

/// <summary>
/// Reconstruction and sparsity of a dictionary on held-out rows, as SAEBench reports them.
/// </summary>
/// <param name="Rows">Rows measured.</param>
/// <param name="VarianceExplained">1 − Σ‖ŷ − y‖² / Σ‖y − ȳ‖².</param>
/// <param name="MeanL0">Active latents per row.</param>
/// <param name="Dead">Latents that never fired on these rows.</param>
/// <param name="Dense">Latents firing on more than <see cref="DenseThreshold"/> of the rows.</param>
/// <param name="Frequency">[latents] fraction of rows on which each latent fired.</param>
public sealed record DictionaryQuality(long Rows, double VarianceExplained, double MeanL0, int Dead, int Dense, double[] Frequency)
{
    public const double DenseThreshold = 0.1;

    /// <summary>
    /// Feature-density histogram: counts of live latents by log10 of firing frequency, bins of
    /// width 0.5 from <paramref name="low"/> up to 0 (the first bin also takes anything below).
    /// </summary>
    public DensityBin[] DensityHistogram(double low = -6)
    {
        int bins = (int)Math.Ceiling(-low / 0.5);
        var counts = new int[bins];
        foreach (var f in Frequency.Where(f => f > 0))
            counts[Math.Clamp((int)Math.Floor((Math.Log10(f) - low) / 0.5), 0, bins - 1)]++;
        return [.. Enumerable.Range(0, bins).Select(b => new DensityBin(low + 0.5 * b, low + 0.5 * (b + 1), counts[b]))];
    }
}

/// <summary>Live latents whose log10 firing frequency lies in [From, To).</summary>
public sealed record DensityBin(double From, double To, int Count);

/// <summary>Measures <see cref="DictionaryQuality"/>.</summary>
public static class DictionaryEvaluation
{
    /// <summary>Reads up to maxRows rows of inputs (and row-aligned targets) in batches and measures the dictionary on them.</summary>
    public static DictionaryQuality Measure(SparseDictionary d, IActivationRows inputs, IActivationRows targets, long maxRows = long.MaxValue, int batch = 4096)
    {
        long rows = Math.Min(maxRows, inputs.Count);
        var fired = new long[d.Latents];
        var x = new float[batch * d.InputWidth];
        var y = ReferenceEquals(inputs, targets) ? x : new float[batch * d.OutputWidth];
        double sse = 0, active = 0;
        var sum = new double[d.OutputWidth];
        var sumSq = new double[d.OutputWidth];
        for (long start = 0; start < rows; start += batch)
        {
            int n = (int)Math.Min(batch, rows - start);
            inputs.Read(start, n, x);
            if (!ReferenceEquals(x, y)) targets.Read(start, n, y);
            var codes = d.Encode(x.AsSpan(0, n * d.InputWidth), n);
            var yHat = d.Decode(codes);
            for (int i = 0; i < n * d.OutputWidth; i++)
            {
                double e = yHat[i] - y[i];
                sse += e * e;
                sum[i % d.OutputWidth] += y[i];
                sumSq[i % d.OutputWidth] += (double)y[i] * y[i];
            }
            for (int e = 0; e < codes.Count; e++)
                if (codes.Value[e] > 0f) { fired[codes.Index[e]]++; active++; }
        }
        double total = 0;
        for (int c = 0; c < d.OutputWidth; c++) total += sumSq[c] - sum[c] * sum[c] / rows;
        var frequency = fired.Select(f => (double)f / rows).ToArray();
        return new DictionaryQuality(rows, 1 - sse / total, active / rows, frequency.Count(f => f == 0),
            frequency.Count(f => f > DictionaryQuality.DenseThreshold), frequency);
    }

    /// <summary>Mean row of up to maxRows rows (for mean ablation).</summary>
    public static float[] MeanRow(IActivationRows rows, long maxRows = long.MaxValue)
    {
        long n = Math.Min(maxRows, rows.Count);
        var sum = new double[rows.Width];
        var buffer = new float[4096 * rows.Width];
        for (long start = 0; start < n; start += 4096)
        {
            int k = (int)Math.Min(4096, n - start);
            rows.Read(start, k, buffer);
            for (int i = 0; i < k * rows.Width; i++) sum[i % rows.Width] += buffer[i];
        }
        return [.. sum.Select(s => (float)(s / n))];
    }
}
