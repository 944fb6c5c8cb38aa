using System.Diagnostics;
using System.Text.Json.Serialization;
using Interrogate.Analysis.Importance;
using Interrogate.Subjects;

namespace Interrogate.Analysis.Pruning;

/// <summary>One measured point: the fraction asked for, the fraction actually removed (a thresholded method may stop short) and the evaluation.</summary>
public sealed record PruningPoint(double Fraction, double RemovedFraction, SubjectEvaluation Evaluation);

/// <summary>One method's choices under one compensation, at each fraction, without fine-tuning.</summary>
public sealed record PruningCurve(PruningMethod Method, string Label, double? MinR2, bool Refit, IReadOnlyList<PruningPoint> Points, double AnalysisSeconds)
{
    public IReadOnlyList<double> Fractions => [.. Points.Select(p => p.Fraction)];
    public IReadOnlyList<double> Loss => [.. Points.Select(p => p.Evaluation.Loss)];
    public IReadOnlyList<double?> Accuracy => [.. Points.Select(p => p.Evaluation.Accuracy)];

    /// <summary>Whether the method has an R² floor and so may remove less than asked (its points then say how much it removed).</summary>
    public bool MayStopShort => MinR2 is double floor && floor > RedundancyPruningMethod.Ranked;
}

/// <summary>One row of `prune compare --json`: a method (and, for redundancy, its R² floor), refit or not, a fraction and what it cost.</summary>
public sealed record PruningComparisonRow(PruningMethod Method, double? MinR2, bool Refit, double Fraction, double RemovedFraction, double Loss, double? Accuracy);

/// <summary>What `prune compare` measured: the unpruned baseline and two curves per method (means into the bias; least-squares refit), all on the same evaluation data.</summary>
public sealed record PruningComparisonResult(SubjectEvaluation Baseline, string Unit, string ChosenOn, string ReportedOn, long RefitRows,
    [property: JsonIgnore] IReadOnlyList<PruningCurve> Curves)
{
    public IReadOnlyList<PruningComparisonRow> Rows => [.. Curves.SelectMany(c => c.Points.Select(p =>
        new PruningComparisonRow(c.Method, c.MinR2, c.Refit, p.Fraction, p.RemovedFraction, p.Evaluation.Loss, p.Evaluation.Accuracy)))];

    /// <summary>The curve of <paramref name="label"/> with or without refit.</summary>
    public PruningCurve Curve(string label, bool refit) => Curves.Single(c => c.Label == label && c.Refit == refit);
}

/// <summary>
/// Loss-versus-fraction-removed curves for several methods on one network, changing one thing at a time:
/// each method analyses the network once and chooses the neurons for every fraction; each choice is then
/// removed twice, once with the removed neurons' means folded into the next bias and once with the
/// least-squares refit of the kept neurons that redundancy uses (<see cref="Refit"/>), and measured on the
/// evaluation data. Choosing and refitting use the calibration data only.
/// </summary>
public static class PruningComparison
{
    /// <summary>Every fraction must lie in (0, 1) and leave every layer at least one neuron.</summary>
    public static void Check(Subject network, IReadOnlyList<double> fractions)
    {
        var widths = network.Widths;
        foreach (var f in fractions)
        {
            if (!(f > 0 && f < 1)) throw new InputException($"--fractions: {f} is outside (0, 1)");
            for (int l = 0; l < widths.Length; l++)
                if (PruningMethods.CountFor(widths[l], f) >= widths[l])
                    throw new InputException($"--fractions: {f} removes all {widths[l]} neurons of {network.Layers[l].Name}");
        }
    }

    /// <summary>
    /// The methods `prune compare` runs for the given names: each as `prune` runs it, and redundancy also
    /// with the R² floor <paramref name="minR2"/> (the `redundancy` command's default: only neurons that
    /// are redundant), beside the ranking by R² that `prune` uses to reach any fraction.
    /// </summary>
    public static IReadOnlyList<IPruningMethod> Methods(IEnumerable<PruningMethod> methods, double minR2) =>
        [.. methods.Distinct().SelectMany(m => m == PruningMethod.Redundancy
            ? (IEnumerable<IPruningMethod>)[new RedundancyPruningMethod(), new RedundancyPruningMethod(minR2)]
            : [PruningMethods.Get(m)])];

    public static PruningComparisonResult Run(Subject network, IReadOnlyList<IPruningMethod> methods, IReadOnlyList<double> fractions,
        Action<string, double>? progress = null, CancellationToken cancel = default)
    {
        Check(network, fractions);
        var baseline = network.Evaluate();
        var means = CalibrationStatistics.Measure(network).Select(s => s.Mean).ToList();
        progress?.Invoke("refit statistics", 0);
        var refit = new Refit(network, means);
        int total = network.Widths.Sum();
        var curves = new List<PruningCurve>();
        foreach (var method in methods)
        {
            var clock = Stopwatch.StartNew();
            var decision = method.Analyse(network, (what, f) => progress?.Invoke($"{method.Label}: {what}", f));
            double seconds = clock.Elapsed.TotalSeconds;
            var plain = new PruningPoint[fractions.Count];
            var refitted = new PruningPoint[fractions.Count];
            // Largest fraction first, so a method can answer smaller ones from the same plan.
            foreach (int i in Enumerable.Range(0, fractions.Count).OrderByDescending(i => fractions[i]))
            {
                cancel.ThrowIfCancellationRequested();
                progress?.Invoke($"{method.Label}: removing {fractions[i]:P0}", (double)(fractions.Count - i) / fractions.Count);
                var removed = decision.ChooseOnly(network, fractions[i]);
                double removedFraction = (double)removed.Sum(r => r.Length) / total;
                plain[i] = new PruningPoint(fractions[i], removedFraction, refit.Remove(removed, Compensation.MeanIntoBias).Evaluate());
                refitted[i] = new PruningPoint(fractions[i], removedFraction, refit.Remove(removed, Compensation.LeastSquaresRefit).Evaluate());
            }
            double? minR2 = method is RedundancyPruningMethod r ? r.MinR2 : null;
            curves.Add(new PruningCurve(method.Method, method.Label, minR2, false, plain, seconds));
            curves.Add(new PruningCurve(method.Method, method.Label, minR2, true, refitted, seconds));
        }
        return new PruningComparisonResult(baseline, network.Unit, network.Describe(DataPart.Calibration), network.Describe(DataPart.Evaluation), refit.FitRows, curves);
    }
}
