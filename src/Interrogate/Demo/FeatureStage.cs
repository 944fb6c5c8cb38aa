using System.Globalization;
using Interrogate.Analysis.Concepts;
using Interrogate.Analysis.Explanation;
using Interrogate.Analysis.Verdicts;
using Interrogate.Features;
using Interrogate.Models.Transformer;
using Interrogate.Reports;
using Interrogate.Text;

namespace Interrogate.Demo;

/// <summary>What the feature section measured, for --json and result.json.</summary>
public sealed record FeatureComparison(string Hook, int Latents, int TrainingTokens, bool CachedDictionary, double VarianceExplained, double MeanL0,
    CandidateNeuron? BestNeuron, CandidateNeuron? BestFeature, string Better, ConceptStudyResult Study);

/// <summary>
/// "Is a dictionary feature a better unit of explanation than a neuron?": the capitalization study of
/// <see cref="ConceptStage"/> repeated on the features of a TopK dictionary (<see cref="DemoDictionary"/>)
/// on the same held-out tokens, with the same options, random features of the same dictionary as the
/// null; the best feature is set beside the best neuron and the comparison is worded from the numbers.
/// </summary>
internal static class FeatureStage
{
    public static DemoSection Run(CausalLanguageModel model, ITokenizer tokenizer, DemoOptions options, int[] heldOut, string source,
        ConceptStudyResult neurons, Action<string, double> progress)
    {
        var (dictionary, cached) = DemoDictionary.LoadOrTrain(model, tokenizer, options, progress);
        var features = FeatureHook.Attach(model, dictionary, "the demo's dictionary");
        try
        {
            var rows = HookRows.Collect(model, heldOut[..Math.Min(heldOut.Length, options.EvaluationTokens)], [dictionary.HookIn]);
            var heldOutRows = ActivationRows.FromArray(rows[dictionary.HookIn], dictionary.InputWidth);
            var quality = DictionaryEvaluation.Measure(dictionary, heldOutRows, heldOutRows);
            var concept = Concept.BuiltIn("capitalized");
            var labels = ConceptLabels.Label(heldOut, tokenizer.EosId, tokenizer.TokenText, concept);
            var study = ConceptNeuronStudy.Run(model, Path.GetFullPath(options.ModelDirectory), heldOut, labels, concept.Name, source, tokenizer.TokenText,
                ConceptStage.Options(model, options) with { Hooks = [features.Name], Facts = new TokenFacts(tokenizer) }, progress);
            var bestNeuron = Best(neurons.Candidates);
            var bestFeature = Best(study.Candidates);
            var (better, answer) = Compare(bestNeuron, bestFeature);
            var preface = Invariant($"A TopK dictionary of {dictionary.Latents:N0} features (k {dictionary.K}) on {dictionary.HookOut}, ") +
                (cached ? "loaded from an earlier demo, " : Invariant($"trained here on {DemoDictionary.Tokens(options):N0} train-split tokens ({DemoDictionary.Tokens(options) / 2e6:P0} of the 2M of the full-size target, to keep the demo short), ")) +
                Invariant($"explains {quality.VarianceExplained:P1} of the stream's variance on {quality.Rows:N0} held-out tokens (L0 {quality.MeanL0:F1}). ") +
                Invariant($"The capitalization study on its features used the same tokens, options and tests as the neurons', with random features of the same dictionary as the null. ");
            var data = new FeatureComparison(features.Name, dictionary.Latents, DemoDictionary.Tokens(options), cached, quality.VarianceExplained, quality.MeanL0,
                bestNeuron, bestFeature, better, study);
            var report = ConceptStudyReport.From(study, Path.GetFullPath(options.ModelDirectory), tokenizer);
            return new DemoSection("features", "Is a dictionary feature a better unit for capitalization than a neuron?", preface + answer, data, html =>
            {
                html.Table(["unit", "role", "held-out AUC", "Δloss concept (95% CI)", "specificity (95% CI)", "Holm p", "verdict"],
                    new[] { bestNeuron, bestFeature }.OfType<CandidateNeuron>().Select(c => (IReadOnlyList<string>)
                        [c.Unit, c.Role.Name(), Invariant($"{c.Auc:F3}"), ConceptStudyReport.Show(c.Effect.Concept), ConceptStudyReport.Show(c.Effect.Specificity), Invariant($"{c.HolmPValue:0.###}"), c.Verdict.Name()]));
                NeuronReport.AppendTo(html, report);
            });
        }
        finally
        {
            model.FindHookPoint(dictionary.HookOut)!.Attachments.Remove(features);   // later stages see the plain model
        }
    }

    /// <summary>The strongest candidate of a study: responsible ones first, then by the lower end of the concept effect's interval, then AUC.</summary>
    public static CandidateNeuron? Best(IEnumerable<CandidateNeuron> candidates) => candidates
        .OrderBy(c => Rank(c.Verdict)).ThenByDescending(c => c.Effect.Concept.Low).ThenByDescending(c => Math.Abs(c.Auc - 0.5)).FirstOrDefault();

    /// <summary>Responsible first, none last; a unit that encodes ranks above one that only contributes (the question is about explaining the concept).</summary>
    private static int Rank(Verdict v) => v switch { Verdict.Responsible => 0, Verdict.EncodesButUnused => 1, Verdict.Contributes => 2, _ => 3 };

    /// <summary>Which unit explains the concept better, and sentences that say why from the verdicts, the intervals and the AUCs.</summary>
    public static (string Better, string Answer) Compare(CandidateNeuron? neuron, CandidateNeuron? feature)
    {
        if (neuron is null || feature is null) return ("undecided", "One of the studies judged no candidate, so there is nothing to compare.");
        string Describe(string what, CandidateNeuron c) => Invariant($"The best {what}, {c.Unit} ({c.Role.Name()}), has held-out AUC {c.Auc:F3}, Δloss {ConceptStudyReport.Show(c.Effect.Concept)} nats when ablated, Holm p {c.HolmPValue:0.###}: {c.Verdict.Name()}.");
        var parts = new List<string> { Describe("neuron", neuron), Describe("feature", feature) };
        int verdict = Rank(neuron.Verdict).CompareTo(Rank(feature.Verdict));   // > 0: the feature's verdict is stronger
        int effect = feature.Effect.Concept.Low > neuron.Effect.Concept.High ? 1 : neuron.Effect.Concept.Low > feature.Effect.Concept.High ? -1 : 0;
        double aucGap = Math.Abs(feature.Auc - 0.5) - Math.Abs(neuron.Auc - 0.5);
        parts.Add(verdict == 0 ? $"Their verdicts are the same ({feature.Verdict.Name()})."
            : $"The {(verdict > 0 ? "feature" : "neuron")}'s verdict is the stronger ({(verdict > 0 ? feature : neuron).Verdict.Name()} against {(verdict > 0 ? neuron : feature).Verdict.Name()}).");
        parts.Add(effect == 0
            ? Invariant($"Their effect intervals overlap ({feature.Effect.Concept.Low:+0.0000;-0.0000} to {feature.Effect.Concept.High:+0.0000;-0.0000} against {neuron.Effect.Concept.Low:+0.0000;-0.0000} to {neuron.Effect.Concept.High:+0.0000;-0.0000}), so neither moves the loss clearly more.")
            : Invariant($"The {(effect > 0 ? "feature" : "neuron")}'s effect interval lies wholly above the other's (low end {(effect > 0 ? feature : neuron).Effect.Concept.Low:+0.0000;-0.0000} against high end {(effect > 0 ? neuron : feature).Effect.Concept.High:+0.0000;-0.0000}): it moves the loss {(effect > 0 ? feature : neuron).Effect.Concept.Value / Math.Max(1e-9, (effect > 0 ? neuron : feature).Effect.Concept.Value):0.#} times as much."));
        parts.Add(Invariant($"The feature's AUC is {(aucGap >= 0 ? "farther from" : "closer to")} chance than the neuron's by {Math.Abs(aucGap):F3}."));
        int score = verdict != 0 ? verdict : effect != 0 ? effect : Math.Sign(aucGap);
        string better = score > 0 ? "feature" : score < 0 ? "neuron" : "neither";
        parts.Add(better == "neither" ? "On these numbers neither is the better unit of explanation."
            : $"On these numbers the {better} is the better unit of explanation for capitalization on this model ({(verdict != 0 ? "by verdict" : effect != 0 ? "by effect, the verdicts being equal" : "by encoding only: the verdicts are equal and the effects overlap")}).");
        return (better, string.Join(" ", parts));
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
