using Interrogate.Analysis.Importance;
using Interrogate.Analysis.Redundancy;
using Interrogate.Subjects;

namespace Interrogate.Analysis.Pruning;

/// <summary>
/// `--method redundancy`: neurons whose activations are (held-out) affine functions of other neurons of the
/// same layer are folded into them (W_out[kept] += Aᵀ·W_out[removed], offsets into the bias) and removed,
/// best-explained first, until the fraction of all MLP neurons is reached (counts per layer follow the
/// fits, not a fixed share) or no neuron reaches <see cref="MinR2"/>. Fits use the calibration data only:
/// 3/4 to fit, 1/4 to check the fits and to score the refit; the driver's evaluation data is never seen.
/// </summary>
/// <param name="minR2">
/// Held-out R² a neuron's explanation needs. <see cref="Ranked"/> (the default, what `prune` uses) takes
/// neurons in order of R² with no floor, so any fraction is reached; <see cref="RedundancyOptions.MinR2"/>'s
/// default (0.99) removes only neurons that are redundant, and may stop short of the fraction.
/// </param>
/// <param name="split">
/// The subject the planner fits and checks on, from the analysed one: its calibration split (the default); a
/// dictionary's features pass their own (<see cref="FeatureUnitsPruning"/>).
/// </param>
public sealed class RedundancyPruningMethod(double minR2 = RedundancyPruningMethod.Ranked, Func<Subject, Subject>? split = null) : IPruningMethod
{
    /// <summary>A floor so low it only excludes constant fits: neurons are taken in order of R², however poor.</summary>
    public const double Ranked = 1e-9;

    public double MinR2 { get; } = minR2;
    public PruningMethod Method => PruningMethod.Redundancy;
    public string Label => MinR2 <= Ranked ? "redundancy (ranked by R²)" : $"redundancy (R² ≥ {MinR2.ToString(System.Globalization.CultureInfo.InvariantCulture)})";
    public string Description => "fold neurons that are affine functions of other neurons of their layer into them (held-out R², best first)";

    public IPruningDecision Analyse(Subject network, Action<string, double>? progress = null) => new Decision(MinR2, split ?? (s => s.CalibrationSplit()), progress);

    private sealed class Decision(double minR2, Func<Subject, Subject> split, Action<string, double>? progress) : IPruningDecision
    {
        // The merges of the largest fraction planned so far: a smaller fraction's are a prefix of them.
        private (double Fraction, IReadOnlyList<Merge> Merges)? planned;

        public int[][] Choose(Subject target, double fraction)
        {
            var result = Plan(target, fraction);
            planned = planned is { } p && p.Fraction >= fraction ? p : (fraction, result.Merges);
            return Group(result.Merges, target.Layers.Count);
        }

        /// <summary>
        /// The planner stops at the fraction and never measures a merge (no budget), so the merges for a
        /// smaller fraction are the first ceil(f·total) of a larger fraction's: answered from the plan
        /// without running it again when one exists.
        /// </summary>
        public int[][] ChooseOnly(Subject analysed, double fraction)
        {
            if (planned is not { } p || p.Fraction < fraction) return Choose(analysed.Clone(), fraction);
            int count = (int)Math.Ceiling(fraction * analysed.Widths.Sum());
            return Group([.. p.Merges.Take(count)], analysed.Layers.Count);
        }

        private RedundancyResult Plan(Subject target, double fraction)
        {
            var options = new RedundancyOptions
            {
                MinR2 = minR2, TargetFraction = fraction, MaxRounds = 64, MeasureEachMerge = false, MaxAblationGroups = 0,
            };
            return new RedundancyPlanner(split(target), options).Run(progress);
        }

        private static int[][] Group(IReadOnlyList<Merge> merges, int layers) =>
            [.. Enumerable.Range(0, layers).Select(l => merges.Where(m => m.Layer == l).SelectMany(m => m.Removed).Order().ToArray())];
    }
}
