namespace Interrogate.Analysis.Pruning;

/// <summary>A mean difference b − a over paired items with its 95% percentile-bootstrap interval.</summary>
public sealed record Difference(double Mean, double Low, double High)
{
    /// <summary>Whether the interval lies wholly above or wholly below zero.</summary>
    public bool ExcludesZero => Low > 0 || High < 0;
}

/// <summary>
/// Paired bootstrap over evaluation items (windows or samples): both measurements are on the same items,
/// so items are resampled together and the interval reflects only how the difference varies across
/// items. 2,000 resamples from a fixed seed, so a report is reproducible.
/// </summary>
public static class PairedDifference
{
    public const int Resamples = 2000;

    /// <summary>mean(b − a) and its 95% interval. a, b: one value per item, the same items in the same order.</summary>
    public static Difference Of(IReadOnlyList<double> a, IReadOnlyList<double> b, int seed = 12)
    {
        if (a.Count != b.Count) throw new ArgumentException($"paired samples differ in length ({a.Count} and {b.Count})");
        int n = a.Count;
        if (n == 0) return new Difference(double.NaN, double.NaN, double.NaN);
        var d = new double[n];
        for (int i = 0; i < n; i++) d[i] = b[i] - a[i];
        double mean = d.Average();
        var rng = new Random(seed);
        var means = new double[Resamples];
        for (int r = 0; r < Resamples; r++)
        {
            double s = 0;
            for (int i = 0; i < n; i++) s += d[rng.Next(n)];
            means[r] = s / n;
        }
        Array.Sort(means);
        return new Difference(mean, means[(int)(0.025 * (Resamples - 1))], means[(int)Math.Ceiling(0.975 * (Resamples - 1))]);
    }
}
