using System.Globalization;
using Interrogate.Analysis.Verdicts;
using Interrogate.Text;

namespace Interrogate.Reports;

/// <summary>Maps a concept study onto the HTML neuron report's plain values (the report computes nothing itself).</summary>
public static class ConceptStudyReport
{
    public static NeuronReportData From(ConceptStudyResult r, string model, ITokenizer tokenizer)
    {
        var baselines = r.RandomBaseline.ToDictionary(b => b.Hook);
        var cards = r.Candidates.Select((c, i) =>
        {
            var b = baselines[c.Hook];
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
                Ablations = [new AblationEffect(r.AblationMethod, c.AblationEffectConcept, c.AblationEffectControl,
                    new ValueRange(b.ConceptDelta.Mean, b.ConceptDelta.Percentile5, b.ConceptDelta.Percentile95),
                    new ValueRange(b.ControlDelta.Mean, b.ControlDelta.Percentile5, b.ControlDelta.Percentile95))],
                Explanation = c.Explanation,
                ExplanationScore = c.ExplanationHeldOut,
                Verdict = c.Verdict,
                Supported = c.Verdict switch { "responsible" => true, "contributes" => null, _ => false },
                Reasons =
                [
                    $"|AUC − 0.5| = {Math.Abs(c.Auc - 0.5):F3} {(Math.Abs(c.Auc - 0.5) >= t.AucDistance ? "≥" : "<")} {t.AucDistance:F3} (random neurons' p95)",
                    $"Δloss on concept tokens {c.AblationEffectConcept:+0.0000;-0.0000} {(c.AblationEffectConcept > t.ConceptDelta ? ">" : "≤")} {t.ConceptDelta:F4} nats",
                    $"specificity {c.Specificity:F1} {(c.Specificity >= t.Specificity ? "≥" : "<")} {t.Specificity:F1}",
                ],
            };
        }).ToList();
        return new NeuronReportData
        {
            Concept = r.Concept,
            Model = model,
            Cards = cards,
            Thresholds = [.. r.RandomBaseline.SelectMany(b => new[]
            {
                new ReportThreshold($"L{b.Layer} strong encoding", $"|AUC − 0.5| ≥ {b.Thresholds.AucDistance:F3}",
                    $"95th percentile over {b.RandomNeurons.Count} random neurons of the layer (at least {VerdictRules.MinAucDistance})"),
                new ReportThreshold($"L{b.Layer} causal effect", $"Δ concept > {b.Thresholds.ConceptDelta:F4} nats, specificity ≥ {b.Thresholds.Specificity:F1}",
                    $"random neurons' Δ: mean {b.ConceptDelta.Mean:F4}, 95% CI ({b.ConceptDelta.CiLow:F4}, {b.ConceptDelta.CiHigh:F4}), p95 {b.ConceptDelta.Percentile95:F4}"),
            })],
            Notes =
            [
                string.Create(CultureInfo.InvariantCulture, $"{r.RankedTokens:N0} held-out tokens ranked ({r.Source}); {r.ConceptRate:P1} are '{r.Concept}'."),
                $"{r.AblationMethod}-ablation on {r.EvaluationWindows} windows of {r.WindowLength} tokens: {r.EvaluationConceptTargets:N0} concept and {r.EvaluationControlTargets:N0} control predictions. {r.LossSemantics}.",
                "Random-neuron ranges on the ablation bars are the 5th–95th percentiles over the random neurons of the same layer.",
            ],
        };
    }
}
