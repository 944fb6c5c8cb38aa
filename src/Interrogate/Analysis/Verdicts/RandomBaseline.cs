using Interrogate.Tensors;

namespace Interrogate.Analysis.Verdicts;

/// <summary>
/// A measurement over randomly drawn neurons: its mean with a 95% percentile-bootstrap confidence
/// interval of that mean, and the 5th and 95th percentiles of the values themselves (what a single random
/// neuron rarely exceeds).
/// </summary>
public sealed record RandomBaseline(int Count, double Mean, double CiLow, double CiHigh, double Percentile5, double Percentile95)
{
    public const int Resamples = 2000;

    /// <param name="values">One value per random neuron (at least 2).</param>
    /// <param name="seed">Fixes the bootstrap draws.</param>
    public static RandomBaseline Of(IReadOnlyList<double> values, ulong seed = 0)
    {
        if (values.Count < 2) throw new InputException($"a random baseline needs at least 2 random neurons, got {values.Count}");
        var rng = new TensorRandom(seed);
        var means = new double[Resamples];
        for (int r = 0; r < Resamples; r++)
        {
            double sum = 0;
            for (int i = 0; i < values.Count; i++) sum += values[rng.NextInt(values.Count)];
            means[r] = sum / values.Count;
        }
        Array.Sort(means);
        var sorted = values.Order().ToArray();
        return new RandomBaseline(values.Count, values.Average(), Quantile(means, 0.025), Quantile(means, 0.975), Quantile(sorted, 0.05), Quantile(sorted, 0.95));
    }

    /// <summary>Linear interpolation between order statistics (type 7, as NumPy's default).</summary>
    public static double Quantile(double[] sorted, double p)
    {
        double h = (sorted.Length - 1) * p;
        int lo = (int)Math.Floor(h);
        int hi = Math.Min(lo + 1, sorted.Length - 1);
        return sorted[lo] + (h - lo) * (sorted[hi] - sorted[lo]);
    }
}
