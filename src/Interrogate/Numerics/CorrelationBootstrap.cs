namespace Interrogate.Numerics;

/// <summary>A point estimate and its percentile-bootstrap interval.</summary>
/// <param name="Estimate">The statistic on the data as they are.</param>
/// <param name="Low">Lower end of the interval (NaN when fewer than 2 blocks leave nothing to resample).</param>
/// <param name="High">Upper end of the interval (NaN likewise).</param>
/// <param name="Blocks">Blocks resampled.</param>
public sealed record BootstrapInterval(double Estimate, double Low, double High, int Blocks);

/// <summary>
/// Paired block bootstrap for how much better one prediction correlates with the truth than another:
/// r(a, y) − r(b, y). Whole blocks (text windows) are resampled with replacement, so tokens that share
/// a context stay together and both predictions are judged on the same resampled text. Each block is
/// reduced to its nine sums once, so a replicate costs O(blocks), not O(tokens).
/// </summary>
public static class CorrelationBootstrap
{
    /// <param name="a">[n] the prediction whose gain is measured.</param>
    /// <param name="b">[n] the prediction it is compared against.</param>
    /// <param name="y">[n] the truth.</param>
    /// <param name="blockLength">Tokens per block (the last block may be shorter).</param>
    /// <param name="resamples">Bootstrap replicates.</param>
    /// <param name="seed">Fixes the draw.</param>
    /// <param name="level">Coverage of the interval, in (0, 1).</param>
    public static BootstrapInterval Difference(ReadOnlySpan<double> a, ReadOnlySpan<double> b, ReadOnlySpan<double> y, int blockLength,
        int resamples = 2000, int seed = 0, double level = 0.95)
    {
        int n = y.Length;
        if (a.Length != n || b.Length != n) throw new ArgumentException($"{a.Length}, {b.Length} and {n} values: the series must have one length");
        ArgumentOutOfRangeException.ThrowIfLessThan(blockLength, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(resamples, 1);
        if (!(level > 0 && level < 1)) throw new ArgumentOutOfRangeException(nameof(level), "level must lie in (0, 1)");
        int blocks = (n + blockLength - 1) / blockLength;
        // Centre on the overall means first so the per-block sums do not cancel catastrophically.
        double ma = Mean(a), mb = Mean(b), my = Mean(y);
        var sums = new Sums[blocks];
        for (int i = 0; i < n; i++) sums[i / blockLength].Add(a[i] - ma, b[i] - mb, y[i] - my);
        var all = new Sums();
        foreach (var s in sums) all.Add(s);
        double estimate = all.DifferenceOfCorrelations();
        if (blocks < 2) return new BootstrapInterval(estimate, double.NaN, double.NaN, blocks);

        var random = new Random(seed);
        var replicates = new double[resamples];
        for (int r = 0; r < resamples; r++)
        {
            var draw = new Sums();
            for (int k = 0; k < blocks; k++) draw.Add(sums[random.Next(blocks)]);
            replicates[r] = draw.DifferenceOfCorrelations();
        }
        Array.Sort(replicates);
        double tail = (1 - level) / 2;
        return new BootstrapInterval(estimate, Quantile(replicates, tail), Quantile(replicates, 1 - tail), blocks);
    }

    private static double Mean(ReadOnlySpan<double> xs)
    {
        double s = 0;
        foreach (var x in xs) s += x;
        return xs.Length == 0 ? 0 : s / xs.Length;
    }

    /// <summary>Linear interpolation between order statistics (type 7, as R and NumPy default).</summary>
    private static double Quantile(double[] sorted, double p)
    {
        double h = (sorted.Length - 1) * p;
        int lo = (int)Math.Floor(h);
        int hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }

    /// <summary>The nine sums two correlations with one truth need.</summary>
    private struct Sums
    {
        private double n, sa, sb, sy, saa, sbb, syy, say, sby;

        public void Add(double a, double b, double y)
        {
            n++; sa += a; sb += b; sy += y;
            saa += a * a; sbb += b * b; syy += y * y; say += a * y; sby += b * y;
        }

        public void Add(in Sums o)
        {
            n += o.n; sa += o.sa; sb += o.sb; sy += o.sy;
            saa += o.saa; sbb += o.sbb; syy += o.syy; say += o.say; sby += o.sby;
        }

        public readonly double DifferenceOfCorrelations() => Correlation(sa, saa, say) - Correlation(sb, sbb, sby);

        /// <summary>Pearson r of a prediction with y from sums; 0 when either is constant (it predicts nothing).</summary>
        private readonly double Correlation(double sp, double spp, double spy)
        {
            double cov = spy - sp * sy / n, vp = spp - sp * sp / n, vy = syy - sy * sy / n;
            return vp <= 1e-300 || vy <= 1e-300 ? 0 : cov / Math.Sqrt(vp * vy);
        }
    }
}
