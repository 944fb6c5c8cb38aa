namespace Interrogate.Numerics;

/// <summary>Permutation-style p-values against a sample of null values, and the Holm correction for testing many at once.</summary>
public static class MultipleComparisons
{
    /// <summary>
    /// One-sided rank p-value of <paramref name="value"/> against <paramref name="nulls"/>: (1 + #{null ≥ value}) / (1 + N).
    /// Valid (never below its nominal level) when the value and the nulls are exchangeable under the null hypothesis;
    /// its smallest possible value is 1 / (N + 1).
    /// </summary>
    public static double RankPValue(double value, IReadOnlyList<double> nulls)
    {
        if (nulls.Count == 0) throw new ArgumentException("a rank p-value needs at least one null value");
        int above = 0;
        foreach (var x in nulls) if (x >= value || double.IsNaN(value)) above++;
        return (1.0 + above) / (1.0 + nulls.Count);
    }

    /// <summary>
    /// Holm–Bonferroni adjusted p-values (step-down, controls the family-wise error rate under any
    /// dependence): sort ascending, adjusted p(i) = max over j ≤ i of min(1, (m − j)·p(j)).
    /// A test passes at level α when its adjusted p ≤ α. Result in the input order.
    /// </summary>
    public static double[] Holm(IReadOnlyList<double> pValues)
    {
        int m = pValues.Count;
        var order = Enumerable.Range(0, m).OrderBy(i => pValues[i]).ThenBy(i => i).ToArray();
        var adjusted = new double[m];
        double running = 0;
        for (int rank = 0; rank < m; rank++)
        {
            running = Math.Max(running, Math.Min(1, (m - rank) * pValues[order[rank]]));
            adjusted[order[rank]] = running;
        }
        return adjusted;
    }

    /// <summary>
    /// The smallest value that can reach rank p ≤ <paramref name="level"/> against <paramref name="nulls"/>:
    /// just above the (k+1)-th largest null, k = ⌊level·(N+1)⌋ − 1; +∞ when even beating every null is not enough.
    /// </summary>
    public static double SmallestPassing(IReadOnlyList<double> nulls, double level)
    {
        int k = (int)Math.Floor(level * (nulls.Count + 1) + 1e-9) - 1;
        if (k < 0) return double.PositiveInfinity;
        if (k >= nulls.Count) return double.NegativeInfinity;
        return nulls.OrderDescending().ElementAt(k);
    }
}
