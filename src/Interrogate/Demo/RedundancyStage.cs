using System.Globalization;
using Interrogate.Analysis.Importance;
using Interrogate.Analysis.Pruning;
using Interrogate.Analysis.Redundancy;
using Interrogate.Models.Transformer;
using Interrogate.Reports;
using Interrogate.Subjects;

namespace Interrogate.Demo;

/// <summary>
/// "Which neurons are redundant because others already compute them?": held-out affine fits of every MLP
/// neuron on the others, folded away one merge at a time with the loss measured after each.
/// </summary>
internal static class RedundancyStage
{
    public static readonly double[] Thresholds = [0.99, 0.9, 0.8];

    /// <param name="load">Loads a fresh copy of the model (folding edits weights in place).</param>
    /// <param name="tokens">[n] held-out tokens: the first 80% fit, the rest checks the fits and measures the loss.</param>
    /// <param name="options">Token counts (quick or full).</param>
    /// <param name="progress">(stage, fraction) as work proceeds.</param>
    public static DemoSection Run(Func<CausalLanguageModel> load, int[] tokens, DemoOptions options, Action<string, double> progress)
    {
        int fit = tokens.Length * 4 / 5;
        int evaluation = Math.Min(options.EvaluationTokens, tokens.Length - fit);
        var runs = new List<(double MinR2, RedundancyResult Result)>();
        var evaluationTokens = tokens[fit..(fit + evaluation)];
        var original = load();
        CausalLanguageModel? loosest = null;
        foreach (var minR2 in Thresholds)
        {
            var model = load();
            var subject = LanguageModelSubject.ForFits(model, tokens[..fit], tokens[fit..], evaluationTokens);
            var result = new RedundancyPlanner(subject, new RedundancyOptions { MinR2 = minR2, MaxAblationGroups = options.Quick ? 2 : 6 })
                .Run((stage, f) => progress($"redundancy at R² ≥ {minR2}: {stage}", f));
            runs.Add((minR2, result));
            loosest = model;   // folded in place: the last run's model is the loosest threshold's
        }
        int width = runs[0].Result.Layers.Sum(l => l.Width);
        var loose = runs[^1].Result;
        var change = FoldingCost(original, loosest!, evaluationTokens);
        var answer = Describe(runs, width, loose, change);
        var data = runs.Select(r => new
        {
            min_r2 = r.MinR2,
            removed = r.Result.Merges.Sum(m => m.Removed.Length),
            loss_before = r.Result.Before.Loss,
            loss_after = r.Result.After.Loss,
            windows_delta = r.Result == loose ? change.Delta : null,
            merges = r.Result.Merges.Select(m => new { m.Layer, m.Kind, removed = m.Removed, kept = m.Kept, r2 = m.R2, bound = m.Bound, delta_loss = m.DeltaLoss, single_ablation = m.SingleAblation, joint_ablation = m.JointAblation }),
        }).ToList();
        return new DemoSection("redundancy", "Which neurons are redundant because another set already does their job?", answer, data, report =>
        {
            report.Table(["held-out R² ≥", "neurons folded away", "loss before", "loss after", "Δ"], runs.Select(r => (IReadOnlyList<string>)[
                N(r.MinR2, "0.00"), r.Result.Merges.Sum(m => m.Removed.Length).ToString(CultureInfo.InvariantCulture),
                N(r.Result.Before.Loss, "F4"), N(r.Result.After.Loss, "F4"), N(r.Result.After.Loss - r.Result.Before.Loss, "+0.0000;-0.0000;0.0000")]));
            report.Table(["layer", "kind", "removed", "kept (folded into)", "R²", "output-change bound", "Δloss", "single ablations", "joint ablation"],
                loose.Merges.Select(m => (IReadOnlyList<string>)[
                    m.Layer.ToString(CultureInfo.InvariantCulture), m.Kind, string.Join(" ", m.Removed), string.Join(" ", m.Kept), N(m.R2, "F3"), N(m.Bound, "F3"),
                    m.DeltaLoss is double d ? N(d, "+0.00000;-0.00000;0.00000") : "—",
                    m.SingleAblation is { } s ? string.Join(" ", s.Select(v => N(v, "+0.0000;-0.0000;0.0000"))) : "—",
                    m.JointAblation is double j ? N(j, "+0.0000;-0.0000;0.0000") : "—"]));
            report.Paragraph("Single-unit ablation misses redundancy: when one twin is ablated the other still carries the signal, so the joint ablation of a group is shown beside its members' single ablations.", note: true);
            report.Charts(SvgBarChart.Render("Neurons folded away per layer (loosest threshold)", "neurons",
                [.. loose.Layers.Select(l => new Bar($"layer {l.Layer}", l.Removed))], yMin: 0));
        });
    }

    /// <summary>
    /// Loss change of the folded model against the original on the same evaluation windows (context-length,
    /// non-overlapping), paired per window, with its bootstrap interval.
    /// </summary>
    private static (Difference Delta, int Windows) FoldingCost(CausalLanguageModel original, CausalLanguageModel folded, int[] tokens)
    {
        int length = Math.Min(original.Dimensions.ContextLength, tokens.Length);
        List<int[]> windows = [.. Enumerable.Range(0, tokens.Length / length).Select(i => tokens[(i * length)..((i + 1) * length)])];
        var before = new LanguageModelSubject(original, windows, windows).Evaluate().ItemLosses!;
        var after = new LanguageModelSubject(folded, windows, windows).Evaluate().ItemLosses!;
        return (PairedDifference.Of(before, after), windows.Count);
    }

    /// <summary>The answer, every clause from the counts and the measured change.</summary>
    private static string Describe(List<(double MinR2, RedundancyResult Result)> runs, int width, RedundancyResult loose, (Difference Delta, int Windows) change)
    {
        var inv = CultureInfo.InvariantCulture;
        int Removed(RedundancyResult r) => r.Merges.Sum(m => m.Removed.Length);
        var counts = string.Join(", ", runs.Select(r => string.Create(inv, $"{Removed(r.Result)} ({(double)Removed(r.Result) / width:P1}) at R² ≥ {r.MinR2}")));
        var s = string.Create(inv, $"Of {width:N0} MLP neurons, the number that are affine functions of other neurons of their layer on held-out tokens is {counts}. ");
        int n = Removed(loose);
        if (n == 0)
            return s + string.Create(inv, $"None reaches R² ≥ {runs[^1].MinR2}, so nothing is folded: at this threshold the fits find no redundancy in this model.");
        var d = change.Delta;
        s += string.Create(inv, $"Folding the {n} found at R² ≥ {runs[^1].MinR2} into the neurons that compute them moves the loss from {loose.Before.Loss:F4} to {loose.After.Loss:F4} nats " +
            $"(paired over {change.Windows} windows: {d.Mean:+0.0000;-0.0000;0.0000} [{d.Low:+0.0000;-0.0000;0.0000}, {d.High:+0.0000;-0.0000;0.0000}]); ");
        s += !d.ExcludesZero ? "the interval includes zero, so removing them costs nothing this data can detect."
            : d.Mean > 0 ? "the interval is above zero: they are only approximately redundant, and removing them has a measurable cost."
            : "the interval is below zero: folding them even lowers the loss.";
        return s;
    }

    private static string N(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);
}
