using Interrogate.Numerics;
using Interrogate.Kernels;

namespace Interrogate.Analysis.Redundancy;

/// <summary>
/// Finds, for every neuron still present in a layer, its most parsimonious held-out explanation by
/// the others: forward selection on the fit moments proposes regressors (none: a constant; one: a
/// pair; more: a set), and each prefix is refitted with ridge and scored on the held-out moments.
/// The smallest prefix within a small tolerance of the best R² wins; neurons whose best R² is below
/// the threshold get no candidate.
/// </summary>
public static class MergeSearch
{
    /// <summary>Candidate merges of one layer, one per neuron that has an explanation with held-out R² ≥ minR2. present: [width], false for neurons already removed (never regressors, never targets).</summary>
    public static List<Merge> Candidates(LayerStatistics stats, ReadOnlySpan<bool> present, double minR2, int maxSet, int round, double ridge = LinearFit.DefaultRidge)
    {
        int width = stats.Layer.Width;
        var allowed = present.ToArray();
        var found = new Merge?[width];
        double tolerance = Math.Clamp(0.1 * (1 - minR2), 1e-4, 1e-2);
        Parallelism.For(width, j =>
        {
            if (allowed[j]) found[j] = Best(stats, j, allowed, minR2, maxSet, round, ridge, tolerance);
        });
        return [.. found.Where(m => m is not null).Select(m => m!)];
    }

    private static Merge? Best(LayerStatistics stats, int target, bool[] allowed, double minR2, int maxSet, int round, double ridge, double tolerance)
    {
        var path = ForwardSelection.Select(stats.Matrix, stats.Layer.Width, target, allowed, maxSet);
        var fits = new (LinearMap Map, FitScore Score)[path.Length + 1];
        double best = double.NegativeInfinity;
        for (int k = 0; k <= path.Length; k++)
        {
            var map = LinearFit.Fit(stats.Fit, path[..k], [target], stats.Intercept, ridge);
            fits[k] = (map, LinearFit.Score(map, stats.HeldOut, stats.VarianceFloor));
            best = Math.Max(best, fits[k].Score.OverallR2);
        }
        if (best < minR2) return null;
        var (chosen, score) = fits.First(f => f.Score.OverallR2 >= Math.Max(minR2, best - tolerance));
        return Create(stats, chosen, score, round);
    }

    /// <summary>A merge record for a fitted map (removed = its outputs, kept = its inputs), with its bound and CKA.</summary>
    public static Merge Create(LayerStatistics stats, LinearMap map, FitScore score, int round)
    {
        double bound = 0;
        for (int o = 0; o < map.Outputs.Length; o++) bound += score.ResidualRms[o] * stats.Layer.ColumnNorm(map.Outputs[o]);
        double cka = map.Inputs.Length == 0 ? 0 : LinearCka.Between(stats.Fit, map.Outputs, map.Inputs);
        return new Merge(stats.Layer.Index, map.Outputs, map.Inputs, map.Coefficients, map.Offsets, score.OverallR2, bound, cka, round);
    }
}
