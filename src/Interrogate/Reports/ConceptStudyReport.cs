using System.Globalization;
using Interrogate.Analysis.Verdicts;
using Interrogate.Numerics;
using Interrogate.Text;

namespace Interrogate.Reports;

/// <summary>Maps a concept study onto the HTML neuron report's plain values (the report computes nothing itself); every sentence is built from the result's numbers.</summary>
public static class ConceptStudyReport
{
    public static NeuronReportData From(ConceptStudyResult r, string model, ITokenizer tokenizer)
    {
        var baselines = r.RandomBaseline.ToDictionary(b => (b.Hook, b.Role));
        var cards = r.Candidates.Select((c, i) =>
        {
            var b = baselines[(c.Hook, c.Role)];
            var t = b.Thresholds;
            var evidence = r.Evidence[i];
            return new NeuronCard
            {
                Layer = c.Layer,
                Neuron = c.Neuron,
                Auc = c.Auc,
                ConceptActivations = [.. evidence.ConceptSample.Select(v => (double)v)],
                ControlActivations = [.. evidence.ControlSample.Select(v => (double)v)],
                Contexts = [.. evidence.Contexts.Select(x => new ContextSnippet([.. x.Ids.Select(tokenizer.TokenText)], x.Activations, x.Focus))],
                Ablations = [new AblationEffect($"{r.AblationMethod} ({c.Role.Name()})", c.Effect.Concept.Value, c.Effect.Control.Value,
                    new ValueRange(b.ConceptDelta.Mean, b.ConceptDelta.Percentile5, b.ConceptDelta.Percentile95),
                    new ValueRange(b.ControlDelta.Mean, b.ControlDelta.Percentile5, b.ControlDelta.Percentile95))],
                Explanation = c.Explanation,
                ExplanationScore = c.ExplanationHeldOut,
                Verdict = $"{c.Verdict.Name()} ({c.Role.Name()})",
                Supported = c.Verdict switch { Verdict.Responsible => true, Verdict.Contributes => null, _ => false },
                Reasons = Reasons(c, t),
            };
        }).ToList();
        return new NeuronReportData
        {
            Concept = r.Concept,
            Model = model,
            Cards = cards,
            Thresholds = [.. r.RandomBaseline.Select(b => new ReportThreshold($"L{b.Layer} {b.Role.Name()}",
                Invariant($"|AUC − 0.5| ≥ {b.Thresholds.AucDistance:F3}; minimum detectable effect ") + Effect(b.MinimumDetectableEffect),
                Invariant($"{b.RandomNeurons.Count} random units of the layer: held-out |AUC − 0.5| p95 {b.AucDistance.Percentile95:F3}; concept Δ mean {b.ConceptDelta.Mean:+0.0000;-0.0000} (p5 {b.ConceptDelta.Percentile5:+0.0000;-0.0000}, p95 {b.ConceptDelta.Percentile95:+0.0000;-0.0000}); rank test needs Δ > {b.RankNeeded:+0.0000;-0.0000}, the interval ±{b.IntervalNeeded:0.0000}")))],
            Notes =
            [
                Invariant($"{r.RankedTokens:N0} held-out tokens ranked ({r.Source}); {r.ConceptRate:P1} are '{r.Concept}'."),
                Invariant($"{r.AblationMethod}-ablation on {r.EvaluationWindows} windows of {r.WindowLength} tokens: {r.DetectorPredictions:N0} predictions from concept tokens, {r.PredictorPredictions:N0} of concept tokens, {r.ControlPredictions:N0} control predictions (every {r.ControlStride}th without a concept token). {r.LossSemantics}."),
                .. r.SetAblations.Select(s => Invariant($"{s.Role.Name()} top {s.Units.Count} together: concept Δ {Show(s.Effect.Concept)}, specificity {Show(s.Effect.Specificity)}; {s.RandomSets} random sets of the same size from the same layers average {s.RandomSetMean:+0.0000;-0.0000} (p95 {s.RandomSetPercentile95:+0.0000;-0.0000}); rank p {s.PValue:0.###}, Holm {s.HolmPValue:0.###}: {(s.Passes ? "beats them" : "does not beat them")}.")),
                r.Correction + ".",
                "Random-unit ranges on the ablation bars are the 5th–95th percentiles over the random units of the same layer.",
            ],
        };
    }

    private static List<string> Reasons(CandidateNeuron c, VerdictThresholds t) =>
    [
        Invariant($"held-out |AUC − 0.5| = {Math.Abs(c.Auc - 0.5):F3} {(c.Encodes ? "≥" : "<")} {t.AucDistance:F3} (random units' p95; ranking AUC {c.RankingAuc:F3})"),
        Invariant($"Δloss on concept predictions {Show(c.Effect.Concept)}; control {Show(c.Effect.Control)}"),
        Invariant($"specificity (concept − control) {Show(c.Effect.Specificity)}"),
        Invariant($"rank p {c.PValue:0.####} among random units, Holm-adjusted {c.HolmPValue:0.####} {(c.HolmPValue <= t.Alpha ? "≤" : ">")} {t.Alpha}"),
    ];

    /// <summary>A minimum detectable effect in nats, or why there is none: with too few random units no rank p-value can pass the correction.</summary>
    public static string Effect(double nats) => double.IsPositiveInfinity(nats)
        ? "none (too few random units for any candidate to pass the corrected test)"
        : Invariant($"{nats:+0.0000;-0.0000;0.0000} nats");

    /// <summary>"+0.0123 (95% CI +0.0050, +0.0190)".</summary>
    public static string Show(Interval i) => Invariant($"{i.Value:+0.0000;-0.0000;0.0000} (95% CI {i.Low:+0.0000;-0.0000;0.0000}, {i.High:+0.0000;-0.0000;0.0000})");

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
