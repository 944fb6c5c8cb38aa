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

    /// <summary>With --screen atp: per layer, how many units the screened ablation measured exactly and how AtP ranked them.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ScreeningLayer>? Screening { get; init; }

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
    /// are redundant), beside the ranking by R² that `prune` uses to reach any fraction. With
    /// <paramref name="screen"/> atp, ablation measures only attribution patching's shortlist.
    /// </summary>
    public static IReadOnlyList<IPruningMethod> Methods(IEnumerable<PruningMethod> methods, double minR2,
        PruningScreen screen = PruningScreen.None, double screenFactor = ScreenedAblationMethod.DefaultFactor) =>
        [.. methods.Distinct().SelectMany(m => m switch
        {
            PruningMethod.Redundancy => (IEnumerable<IPruningMethod>)[new RedundancyPruningMethod(), new RedundancyPruningMethod(minR2)],
            PruningMethod.Ablation when screen == PruningScreen.Atp => [new ScreenedAblationMethod(screenFactor)],
            _ => [PruningMethods.Get(m)],
        })];

    public static PruningComparisonResult Run(Subject network, IReadOnlyList<IPruningMethod> methods, IReadOnlyList<double> fractions,
        Action<string, double>? progress = null, CancellationToken cancel = default) =>
        Assemble(Measure(new NeuronComparisonSubject(network, progress), methods, fractions, null, progress, cancel));

    /// <summary>
    /// Measures the cells (method × fraction, method-major) of <paramref name="shard"/>'s contiguous block, or all
    /// of them. Every method with a cell in the block is analysed and asked for every fraction, largest first, as
    /// the whole run asks, so a shard's choices (and a screened or planned method's state) are the whole run's.
    /// </summary>
    public static ComparisonPart Measure(IComparisonSubject subject, IReadOnlyList<IPruningMethod> methods, IReadOnlyList<double> fractions,
        Sharding.ShardSpec? shard, Action<string, double>? progress = null, CancellationToken cancel = default)
    {
        Check(subject.Analysed, fractions);
        int cellCount = methods.Count * fractions.Count;
        var (start, end) = shard?.Range(cellCount) ?? (0, cellCount);
        var baseline = subject.Baseline();
        int total = subject.Analysed.Widths.Sum();
        var cells = new List<ComparisonCell>();
        var analyses = new List<MethodAnalysis>();
        for (int m = 0; m < methods.Count; m++)
        {
            if (m * fractions.Count >= end || (m + 1) * fractions.Count <= start) continue;
            var method = methods[m];
            var clock = Stopwatch.StartNew();
            var decision = method.Analyse(subject.Analysed, (what, f) => progress?.Invoke($"{method.Label}: {what}", f));
            double seconds = clock.Elapsed.TotalSeconds;
            // Largest fraction first, so a method can answer smaller ones from the same plan.
            foreach (int i in Enumerable.Range(0, fractions.Count).OrderByDescending(i => fractions[i]))
            {
                cancel.ThrowIfCancellationRequested();
                var removed = decision.ChooseOnly(subject.Analysed, fractions[i]);
                int cell = m * fractions.Count + i;
                if (cell < start || cell >= end) continue;
                progress?.Invoke($"{method.Label}: removing {fractions[i]:P0}", (double)(fractions.Count - i) / fractions.Count);
                double removedFraction = (double)removed.Sum(r => r.Length) / total;
                cells.Add(new ComparisonCell(m, i,
                    new PruningPoint(fractions[i], removedFraction, subject.Removed(removed, Compensation.MeanIntoBias)),
                    new PruningPoint(fractions[i], removedFraction, subject.Removed(removed, Compensation.LeastSquaresRefit))));
            }
            analyses.Add(new MethodAnalysis(m, seconds, (decision as ScreenedAblationDecision)?.Report()));
        }
        var curves = methods.Select(m => new ComparisonCurve(m.Method, m.Label, m is RedundancyPruningMethod r ? r.MinR2 : null)).ToList();
        return new ComparisonPart(baseline, subject.Analysed.Unit, subject.ChosenOn, subject.ReportedOn, subject.RefitRows, curves, [.. fractions],
            [.. cells.OrderBy(c => c.Method).ThenBy(c => c.Fraction)], analyses);
    }

    /// <summary>The comparison from a part holding every cell (one process's, or merged shards').</summary>
    public static PruningComparisonResult Assemble(ComparisonPart part)
    {
        int f = part.Fractions.Count;
        if (part.Cells.Count != part.Curves.Count * f) throw new InvalidOperationException($"{part.Cells.Count} of {part.Curves.Count * f} cells measured");
        var curves = new List<PruningCurve>();
        for (int m = 0; m < part.Curves.Count; m++)
        {
            var c = part.Curves[m];
            var cells = part.Cells.Where(x => x.Method == m).OrderBy(x => x.Fraction).ToList();
            double seconds = part.Analyses.Where(a => a.Method == m).Select(a => a.Seconds).DefaultIfEmpty(0).Max();
            curves.Add(new PruningCurve(c.Method, c.Label, c.MinR2, false, [.. cells.Select(x => x.Plain)], seconds));
            curves.Add(new PruningCurve(c.Method, c.Label, c.MinR2, true, [.. cells.Select(x => x.Refitted)], seconds));
        }
        var screening = part.Analyses.FirstOrDefault(a => a.Screening is not null)?.Screening;
        return new PruningComparisonResult(part.Baseline, part.Unit, part.ChosenOn, part.ReportedOn, part.RefitRows, curves) { Screening = screening };
    }
}
