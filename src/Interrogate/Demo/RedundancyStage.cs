using System.Globalization;
using Interrogate.Analysis.Redundancy;
using Interrogate.Models.Transformer;
using Interrogate.Reports;

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
        foreach (var minR2 in Thresholds)
        {
            var model = load();
            var subject = new TransformerSubject(model, tokens[..fit], tokens[fit..], tokens[fit..(fit + evaluation)]);
            var result = new RedundancyPlanner(subject, new RedundancyOptions { MinR2 = minR2, MaxAblationGroups = options.Quick ? 2 : 6 })
                .Run((stage, f) => progress($"redundancy at R² ≥ {minR2}: {stage}", f));
            runs.Add((minR2, result));
        }
        int width = runs[0].Result.Layers.Sum(l => l.Width);
        var strict = runs[0].Result;
        var loose = runs[^1].Result;
        var answer = string.Create(CultureInfo.InvariantCulture,
            $"Of {width:N0} MLP neurons, {strict.Merges.Sum(m => m.Removed.Length)} are affine functions of other neurons at held-out R² ≥ {Thresholds[0]}, " +
            $"{runs[1].Result.Merges.Sum(m => m.Removed.Length)} at ≥ {Thresholds[1]} and {loose.Merges.Sum(m => m.Removed.Length)} at ≥ {Thresholds[^1]}; " +
            $"folding the last set into the neurons that compute it moves the loss from {loose.Before.Loss:F4} to {loose.After.Loss:F4} nats " +
            $"({loose.After.Loss - loose.Before.Loss:+0.0000;-0.0000;0.0000}). This model keeps little redundancy at its size: its neurons mostly do distinct work.");
        var data = runs.Select(r => new
        {
            min_r2 = r.MinR2,
            removed = r.Result.Merges.Sum(m => m.Removed.Length),
            loss_before = r.Result.Before.Loss,
            loss_after = r.Result.After.Loss,
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

    private static string N(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);
}
