namespace Interrogate.Analysis.Explanation;

/// <summary>
/// Least squares of y on an intercept plus indicator rules, with a ridge penalty on the rules only:
/// solves (XᵀX + λ·D) w = Xᵀy, D = diag(0, 1, …, 1), by Gaussian elimination with partial pivoting
/// (k ≤ a dozen rules, so the (k+1)² system is trivial; the O(n·k) pass over positions dominates).
/// </summary>
internal static class RidgeFit
{
    /// <param name="rules">The indicator rules (columns after the intercept).</param>
    /// <param name="lambda">Ridge penalty on each rule's weight.</param>
    /// <param name="positions">[n] facts per token.</param>
    /// <param name="y">[n] activations.</param>
    /// <returns>The intercept and one weight per rule.</returns>
    public static (double Intercept, double[] Weights) Fit(IReadOnlyList<ExplanationFeature> rules, TokenPosition[] positions, double[] y, double lambda)
    {
        int k = rules.Count + 1;
        var a = new double[k, k];
        var b = new double[k];
        var on = new List<int>(k);
        for (int i = 0; i < positions.Length; i++)
        {
            on.Clear();
            on.Add(0);
            for (int r = 0; r < rules.Count; r++) if (rules[r].Matches(positions[i])) on.Add(r + 1);
            foreach (var p in on)
            {
                b[p] += y[i];
                foreach (var q in on) a[p, q] += 1;
            }
        }
        for (int r = 1; r < k; r++) a[r, r] += lambda;
        var w = Solve(a, b);
        return (w[0], w[1..]);
    }

    private static double[] Solve(double[,] a, double[] b)
    {
        int n = b.Length;
        for (int c = 0; c < n; c++)
        {
            int pivot = c;
            for (int r = c + 1; r < n; r++) if (Math.Abs(a[r, c]) > Math.Abs(a[pivot, c])) pivot = r;
            if (pivot != c)
            {
                for (int j = 0; j < n; j++) (a[c, j], a[pivot, j]) = (a[pivot, j], a[c, j]);
                (b[c], b[pivot]) = (b[pivot], b[c]);
            }
            if (Math.Abs(a[c, c]) < 1e-12) continue;   // a rule identical to others and unpenalized: leave its weight 0
            for (int r = c + 1; r < n; r++)
            {
                double f = a[r, c] / a[c, c];
                if (f == 0) continue;
                for (int j = c; j < n; j++) a[r, j] -= f * a[c, j];
                b[r] -= f * b[c];
            }
        }
        var x = new double[n];
        for (int r = n - 1; r >= 0; r--)
        {
            if (Math.Abs(a[r, r]) < 1e-12) continue;
            double s = b[r];
            for (int j = r + 1; j < n; j++) s -= a[r, j] * x[j];
            x[r] = s / a[r, r];
        }
        return x;
    }
}
