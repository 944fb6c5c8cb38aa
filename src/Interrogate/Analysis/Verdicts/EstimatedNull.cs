using Interrogate.Numerics;
using MathNet.Numerics.Distributions;

namespace Interrogate.Analysis.Verdicts;

/// <summary>
/// How well attribution patching predicts exact ablation in one null (a layer in a role, or a role's random sets),
/// from the units ablated exactly: the least-squares line exact ≈ Intercept + Slope · AtP, its residual spread, the
/// upper 95% confidence bound of that spread used in the test, the window-sampling spread added because the
/// calibration ran on fewer windows than the candidates, and the Spearman rank correlation of AtP with exact.
/// </summary>
public sealed record NullCalibration(int ExactUnits, int EstimatedUnits, int Windows, double Intercept, double Slope, double RankCorrelation,
    double ResidualSd, double InflatedResidualSd, double SamplingSd, int DegreesOfFreedom);

/// <summary>
/// A null distribution measured partly exactly and partly estimated. m units were ablated exactly (on the
/// calibration windows) and have AtP estimates x_j and exact effects y_j; the other units have only x_i. Each
/// unit's effect on the full evaluation windows, Y, is uncertain: for an estimated unit its predictive distribution
/// is a Student t with m − 2 degrees of freedom around a + b·x_i, of scale
/// √(σ̂²_up·(1 + 1/m + (x_i − x̄)²/Sxx) + σ²_w), where σ̂_up is the 95% upper confidence bound of the residual
/// standard deviation (χ² with m − 2 degrees of freedom) and σ²_w the window-sampling variance of a calibration
/// effect; an exactly ablated unit is N(y_j, σ²_w) (a point when the calibration used every window).
/// The rank p-value of a value c is then (1 + Σ_units P(Y ≥ c)) / (N + 1): the exact rank p-value when everything is
/// exact, and never below what the expected number of null units at or above c gives with the inflated spreads
/// (so the estimate's error widens each estimated unit's reach into the candidate's tail rather than vanishing).
/// </summary>
public sealed class EstimatedNull
{
    private readonly double[] exact, estimatedAtp, predicted, scale;
    private readonly double samplingSd;
    private readonly int df;

    public NullCalibration Calibration { get; }

    /// <param name="calibrationAtp">[m] AtP estimates of the exactly ablated units.</param>
    /// <param name="calibrationExact">[m] their exact effects (on the calibration windows).</param>
    /// <param name="otherAtp">AtP estimates of the units not ablated.</param>
    /// <param name="samplingVariance">Variance of a calibration unit's effect around its value on every evaluation window (0 when the calibration used them all).</param>
    /// <param name="windows">Calibration windows, for the record.</param>
    public EstimatedNull(IReadOnlyList<double> calibrationAtp, IReadOnlyList<double> calibrationExact, IReadOnlyList<double> otherAtp, double samplingVariance, int windows)
    {
        int m = calibrationAtp.Count;
        if (m < 4 || calibrationExact.Count != m) throw new ArgumentException("an estimated null needs at least 4 exactly ablated units, one AtP estimate each");
        exact = [.. calibrationExact];
        estimatedAtp = [.. otherAtp];
        double mx = calibrationAtp.Average(), my = exact.Average(), sxx = 0, sxy = 0;
        for (int j = 0; j < m; j++) { sxx += (calibrationAtp[j] - mx) * (calibrationAtp[j] - mx); sxy += (calibrationAtp[j] - mx) * (exact[j] - my); }
        double slope = sxx > 0 ? sxy / sxx : 0, intercept = my - slope * mx;
        df = m - 2;
        double rss = 0;
        for (int j = 0; j < m; j++) { double r = exact[j] - intercept - slope * calibrationAtp[j]; rss += r * r; }
        double sd = Math.Sqrt(rss / df);
        double inflated = sd * Math.Sqrt(df / ChiSquared.InvCDF(df, 0.05));
        samplingSd = Math.Sqrt(Math.Max(0, samplingVariance));
        predicted = [.. estimatedAtp.Select(x => intercept + slope * x)];
        scale = [.. estimatedAtp.Select(x => Math.Sqrt(inflated * inflated * (1 + 1.0 / m + (sxx > 0 ? (x - mx) * (x - mx) / sxx : 0)) + samplingVariance))];
        Calibration = new NullCalibration(m, estimatedAtp.Length, windows, intercept, slope, RankCorrelation.Spearman(calibrationAtp, exact), sd, inflated, samplingSd, df);
    }

    /// <summary>Every null unit's central value: exact effects first, then the estimated ones' predictions (for display and percentiles).</summary>
    public double[] PointValues => [.. exact, .. predicted];

    public int Count => exact.Length + predicted.Length;

    /// <summary>Expected number of null units whose full-window effect is at least <paramref name="value"/> (see the class).</summary>
    public double ExpectedAtOrAbove(double value)
    {
        if (double.IsNaN(value)) return Count;
        double sum = 0;
        foreach (var y in exact) sum += samplingSd > 0 ? 1 - Normal.CDF(y, samplingSd, value) : y >= value ? 1 : 0;
        for (int i = 0; i < predicted.Length; i++)
            sum += scale[i] > 0 ? 1 - StudentT.CDF(predicted[i], scale[i], df, value) : predicted[i] >= value ? 1 : 0;
        return sum;
    }

    /// <summary>(1 + expected count at or above) / (N + 1); equals the exact rank p-value when no unit is uncertain.</summary>
    public double PValue(double value) => (1 + ExpectedAtOrAbove(value)) / (Count + 1.0);

    /// <summary>The smallest value whose p-value is at most <paramref name="level"/> (bisection; p falls as the value grows); +∞ when none can.</summary>
    public double SmallestPassing(double level)
    {
        if (1.0 / (Count + 1) > level) return double.PositiveInfinity;
        var all = PointValues;
        double spread = Math.Max(scale.DefaultIfEmpty(0).Max(), samplingSd);
        double lo = all.Min() - 1, hi = all.Max() + 1e-12;
        while (PValue(hi) > level) hi += (hi - lo) + 10 * spread + 1e-9;
        for (int k = 0; k < 100; k++)
        {
            double mid = 0.5 * (lo + hi);
            if (PValue(mid) <= level) hi = mid; else lo = mid;
        }
        return hi;
    }
}
