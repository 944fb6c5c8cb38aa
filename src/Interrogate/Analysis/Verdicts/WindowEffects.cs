using Interrogate.Numerics;

namespace Interrogate.Analysis.Verdicts;

/// <summary>
/// Per-window sums of Δloss of one ablation over the prediction categories of an <see cref="EvaluationPlan"/>,
/// and the effects (means over all predictions of a category) with paired-bootstrap intervals.
/// </summary>
internal sealed class WindowEffects
{
    private enum Category { Detector, Predictor, Control, After }
    private readonly double[][] sums;     // [category][window]
    private readonly double[][] counts;   // [category][window]

    private WindowEffects(double[][] sums, double[][] counts) => (this.sums, this.counts) = (sums, counts);

    /// <summary>For each window, the index into its scored positions of every position of each category: [category][window][i].</summary>
    public static int[][][] Indices(EvaluationPlan plan)
    {
        var result = new int[4][][];
        var lists = new[] { plan.Detector, plan.Predictor, plan.Control, plan.After };
        for (int c = 0; c < 4; c++) result[c] = new int[plan.Windows][];
        for (int w = 0; w < plan.Windows; w++)
        {
            var scored = plan.Scored(w);
            var at = new Dictionary<int, int>();
            for (int k = 0; k < scored.Length; k++) at[scored[k]] = k;
            for (int c = 0; c < 4; c++) result[c][w] = [.. lists[c][w].Select(p => at[p])];
        }
        return result;
    }

    /// <param name="values">[windows][scored] Δloss (or clean loss) at each scored position.</param>
    /// <param name="indices">From <see cref="Indices"/>.</param>
    public static WindowEffects Of(float[][] values, int[][][] indices)
    {
        var sums = new double[4][];
        var counts = new double[4][];
        for (int c = 0; c < 4; c++)
        {
            sums[c] = new double[values.Length];
            counts[c] = new double[values.Length];
            for (int w = 0; w < values.Length; w++)
            {
                foreach (var k in indices[c][w]) sums[c][w] += values[w][k];
                counts[c][w] = indices[c][w].Length;
            }
        }
        return new WindowEffects(sums, counts);
    }

    /// <summary>The mean over a role's concept predictions (no interval: for the random units' null).</summary>
    public double Concept(ConceptRole role) => Mean(RoleCategory(role));
    public double Control => Mean(Category.Control);

    /// <summary>Concept, control, specificity and (detector) after-effects with their intervals.</summary>
    public RoleEffect Effect(ConceptRole role, PairedBootstrap bootstrap)
    {
        int c = (int)RoleCategory(role), k = (int)Category.Control, a = (int)Category.After;
        return new RoleEffect(bootstrap.Ratio(sums[c], counts[c]), bootstrap.Ratio(sums[k], counts[k]),
            bootstrap.Difference(sums[c], counts[c], sums[k], counts[k]),
            role == ConceptRole.Detector ? bootstrap.Ratio(sums[a], counts[a]) : null);
    }

    /// <summary>
    /// Variance of <see cref="Concept"/> as a ratio of window sums over these windows, drawn from a larger pool:
    /// n/(n−1)·Σ_w (s_w − R·n_w)² / (Σ_w n_w)² (the delta method; windows are the sampling unit, as in the bootstrap).
    /// </summary>
    public double ConceptVariance(ConceptRole role)
    {
        var (s, n) = (sums[(int)RoleCategory(role)], counts[(int)RoleCategory(role)]);
        double total = n.Sum(), r = Concept(role), sq = 0;
        if (s.Length < 2 || total == 0) return 0;
        for (int w = 0; w < s.Length; w++) sq += (s[w] - r * n[w]) * (s[w] - r * n[w]);
        return s.Length / (s.Length - 1.0) * sq / (total * total);
    }

    private static Category RoleCategory(ConceptRole role) => role == ConceptRole.Detector ? Category.Detector : Category.Predictor;

    private double Mean(Category category)
    {
        double s = 0, n = 0;
        for (int w = 0; w < sums[(int)category].Length; w++) { s += sums[(int)category][w]; n += counts[(int)category][w]; }
        return n == 0 ? double.NaN : s / n;
    }
}
