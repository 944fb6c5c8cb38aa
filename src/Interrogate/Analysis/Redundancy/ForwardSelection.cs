using Interrogate.Numerics;

namespace Interrogate.Analysis.Redundancy;

/// <summary>
/// Greedy forward selection (orthogonal matching pursuit on second moments): picks, one at a time,
/// the regressor that most reduces the target's residual variance given those already picked, up to
/// a cap. Works on a dense moment matrix only, so a step over w candidates costs O(w·k²).
/// </summary>
public static class ForwardSelection
{
    /// <summary>
    /// Regressors for <paramref name="target"/> in the order they were chosen, at most <paramref name="maxSet"/>.
    /// moments: [width, width], the covariance (or, for fits without intercept, E[xxᵀ]) of the layer.
    /// allowed: [width], which neurons may be regressors. Candidates nearly collinear with the chosen
    /// ones, or constant, are skipped; selection stops early when nothing reduces the residual.
    /// </summary>
    public static int[] Select(ReadOnlySpan<double> moments, int width, int target, ReadOnlySpan<bool> allowed, int maxSet)
    {
        var chosen = new List<int>();
        var inverse = Array.Empty<double>();   // [k, k], (M_SS)⁻¹
        double targetVariance = moments[target * width + target];
        if (!(targetVariance > 0)) return [];
        Span<double> beta = stackalloc double[Math.Max(1, maxSet)];
        Span<double> projection = stackalloc double[Math.Max(1, maxSet)];
        while (chosen.Count < maxSet)
        {
            int k = chosen.Count;
            // β = M_SS⁻¹ · M_S,target, the current fit
            for (int a = 0; a < k; a++)
            {
                double s = 0;
                for (int b = 0; b < k; b++) s += inverse[a * k + b] * moments[chosen[b] * width + target];
                beta[a] = s;
            }
            int best = -1;
            double bestGain = 1e-12 * targetVariance;
            for (int i = 0; i < width; i++)
            {
                if (i == target || !allowed[i] || chosen.Contains(i)) continue;
                double own = moments[i * width + i];
                if (!(own > 0)) continue;
                // residual covariance Cov(r, x_i) and conditional variance Var(x_i | S)
                double residual = moments[i * width + target];
                double conditional = own;
                for (int a = 0; a < k; a++)
                {
                    double p = 0;
                    for (int b = 0; b < k; b++) p += inverse[a * k + b] * moments[chosen[b] * width + i];
                    projection[a] = p;
                    residual -= beta[a] * moments[chosen[a] * width + i];
                }
                for (int a = 0; a < k; a++) conditional -= projection[a] * moments[chosen[a] * width + i];
                if (conditional <= 1e-9 * own) continue;
                double gain = residual * residual / conditional;
                if (gain > bestGain) { bestGain = gain; best = i; }
            }
            if (best < 0) break;
            chosen.Add(best);
            inverse = Invert(moments, width, chosen);
        }
        return [.. chosen];
    }

    /// <summary>(M_SS)⁻¹ for the chosen indices, by Cholesky solves against the identity. Result: [k, k].</summary>
    private static double[] Invert(ReadOnlySpan<double> moments, int width, List<int> chosen)
    {
        int k = chosen.Count;
        var block = new double[k * k];
        for (int a = 0; a < k; a++)
            for (int b = 0; b < k; b++) block[a * k + b] = moments[chosen[a] * width + chosen[b]];
        var factor = Cholesky.Factor(block, k);
        var inverse = new double[k * k];
        var unit = new double[k];
        var column = new double[k];
        for (int c = 0; c < k; c++)
        {
            Array.Clear(unit);
            unit[c] = 1;
            Cholesky.Solve(factor, k, unit, column);
            for (int r = 0; r < k; r++) inverse[r * k + c] = column[r];
        }
        return inverse;
    }
}
