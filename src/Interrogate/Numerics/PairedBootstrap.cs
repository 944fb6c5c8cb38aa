using Interrogate.Tensors;

namespace Interrogate.Numerics;

/// <summary>An estimate with its 95% confidence interval.</summary>
public sealed record Interval(double Value, double Low, double High)
{
    /// <summary>Half the interval's width: a standard error times 1.96 when the bootstrap is near normal.</summary>
    public double HalfWidth => (High - Low) / 2;
}

/// <summary>
/// Percentile bootstrap over clusters (evaluation windows). One set of resampled cluster indices is
/// drawn once and shared by every quantity, so differences (ablated − clean, concept − control,
/// candidate − candidate) are paired: each resample sees the same windows for all of them.
/// </summary>
public sealed class PairedBootstrap
{
    /// <summary>Resamples used unless told otherwise.</summary>
    public const int DefaultResamples = 1000;
    private readonly int[][] draws;   // [resamples][clusters] resampled cluster indices

    /// <param name="clusters">Number of clusters (windows), at least 1.</param>
    /// <param name="resamples">Bootstrap resamples.</param>
    /// <param name="seed">Fixes the draws.</param>
    public PairedBootstrap(int clusters, int resamples = DefaultResamples, ulong seed = 0)
    {
        if (clusters < 1) throw new ArgumentException("a bootstrap needs at least one cluster");
        var rng = new TensorRandom(seed);
        draws = new int[resamples][];
        for (int r = 0; r < resamples; r++)
        {
            draws[r] = new int[clusters];
            for (int i = 0; i < clusters; i++) draws[r][i] = rng.NextInt(clusters);
        }
    }

    public int Clusters => draws[0].Length;

    /// <summary>
    /// The ratio Σ sums / Σ counts (a mean over all items of all clusters) with its 95% percentile
    /// interval. sums, counts: [clusters] per-cluster totals. A resample with no items is skipped.
    /// </summary>
    public Interval Ratio(IReadOnlyList<double> sums, IReadOnlyList<double> counts) => Difference(sums, counts, null, null);

    /// <summary>
    /// Σa/Σna − Σb/Σnb (b omitted: just the first ratio) with its 95% percentile interval, both ratios
    /// computed on the same resampled clusters. All arrays: [clusters].
    /// </summary>
    public Interval Difference(IReadOnlyList<double> a, IReadOnlyList<double> na, IReadOnlyList<double>? b, IReadOnlyList<double>? nb)
    {
        double value = Ratio(a, na, Identity) - (b is null ? 0 : Ratio(b, nb!, Identity));
        var stats = new List<double>(draws.Length);
        foreach (var draw in draws)
        {
            double x = Ratio(a, na, draw), y = b is null ? 0 : Ratio(b, nb!, draw);
            if (double.IsFinite(x) && double.IsFinite(y)) stats.Add(x - y);
        }
        if (stats.Count == 0) return new Interval(value, double.NaN, double.NaN);
        var sorted = stats.Order().ToArray();
        return new Interval(value, Quantile(sorted, 0.025), Quantile(sorted, 0.975));
    }

    private int[] Identity => identity ??= [.. Enumerable.Range(0, Clusters)];
    private int[]? identity;

    private static double Ratio(IReadOnlyList<double> sums, IReadOnlyList<double> counts, int[] draw)
    {
        double s = 0, n = 0;
        foreach (var i in draw) { s += sums[i]; n += counts[i]; }
        return n == 0 ? double.NaN : s / n;
    }

    /// <summary>Linear interpolation between order statistics (type 7, NumPy's default).</summary>
    public static double Quantile(double[] sorted, double p)
    {
        double h = (sorted.Length - 1) * p;
        int lo = (int)Math.Floor(h);
        int hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }
}
