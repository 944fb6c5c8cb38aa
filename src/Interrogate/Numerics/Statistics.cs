using MathNet.Numerics.Distributions;

namespace Interrogate.Numerics;

/// <summary>Mean and two-sided confidence interval of a sample (Student t, n − 1 degrees of freedom).</summary>
/// <remarks>HalfWidth: NaN when fewer than two values: one seed says nothing about spread.</remarks>
public sealed record MeanInterval(double Mean, double HalfWidth, double StdDev, int Count)
{
    public double Low => Mean - HalfWidth;
    public double High => Mean + HalfWidth;
}

/// <summary>Welch's unequal-variance t-test of two samples: statistic, Welch–Satterthwaite df, two-sided p.</summary>
public sealed record WelchTest(double Difference, double T, double DegreesOfFreedom, double P);

/// <summary>The few statistics an experiment table needs, checked against textbook values in the tests.</summary>
public static class Statistics
{
    public static double Mean(IReadOnlyList<double> xs) => xs.Count == 0 ? double.NaN : xs.Sum() / xs.Count;

    /// <summary>Sample variance (n − 1 denominator); NaN below two values.</summary>
    public static double Variance(IReadOnlyList<double> xs)
    {
        if (xs.Count < 2) return double.NaN;
        double m = Mean(xs);
        return xs.Sum(x => (x - m) * (x - m)) / (xs.Count - 1);
    }

    /// <summary>The p-quantile of Student's t with df degrees of freedom (0.975, 2 → 4.303).</summary>
    public static double StudentTQuantile(double p, double df) => StudentT.InvCDF(0, 1, df, p);

    /// <summary>Mean ± half-width of the (1 − α) interval, α = 1 − level.</summary>
    public static MeanInterval Interval(IReadOnlyList<double> xs, double level = 0.95)
    {
        double mean = Mean(xs), sd = Math.Sqrt(Variance(xs));
        double half = xs.Count < 2 ? double.NaN : StudentTQuantile(1 - (1 - level) / 2, xs.Count - 1) * sd / Math.Sqrt(xs.Count);
        return new MeanInterval(mean, half, sd, xs.Count);
    }

    /// <summary>
    /// Welch's t-test of mean(a) − mean(b). NaN statistics when either sample has fewer than two
    /// values, or when both have zero variance (identical runs give no evidence either way).
    /// </summary>
    public static WelchTest Welch(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        double diff = Mean(a) - Mean(b);
        if (a.Count < 2 || b.Count < 2) return new WelchTest(diff, double.NaN, double.NaN, double.NaN);
        double va = Variance(a) / a.Count, vb = Variance(b) / b.Count;
        double se2 = va + vb;
        if (se2 <= 0) return new WelchTest(diff, double.NaN, double.NaN, double.NaN);
        double t = diff / Math.Sqrt(se2);
        double df = se2 * se2 / (va * va / (a.Count - 1) + vb * vb / (b.Count - 1));
        double p = 2 * StudentT.CDF(0, 1, df, -Math.Abs(t));
        return new WelchTest(diff, t, df, Math.Min(1, p));
    }
}
