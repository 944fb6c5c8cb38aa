using Interrogate.Nn;
using System.Globalization;
using Interrogate.Analysis.Concepts;
using Interrogate.Analysis.Explanation;
using Interrogate.Analysis.Verdicts;
using Interrogate.Models.Transformer;
using Interrogate.Reports;
using Interrogate.Text;

namespace Interrogate.Demo;

/// <summary>"Which neurons are responsible for capitalization?": the `neurons` study at its defaults (quick mode shrinks it), in both roles.</summary>
internal static class ConceptStage
{
    /// <summary>Null at full size: the study's default evaluation (enough windows for its minimum of concept predictions), as `neurons`.</summary>
    public static int? EvaluationWindows(DemoOptions options) => options.Quick ? 8 : null;

    /// <summary>The study's options: `neurons`' defaults at full size, so both give the same verdicts on the same tokens and seed.</summary>
    public static ConceptStudyOptions Options(CausalLanguageModel model, DemoOptions options) => new()
    {
        Hooks = ConceptNeuronStudy.ResolveHooks(model, HookNames.AllMlpPost),
        RankTokens = options.ConceptTokens,
        EvaluationWindows = EvaluationWindows(options),
        Top = options.Quick ? 3 : new ConceptStudyOptions { Hooks = [] }.Top,
        RandomNeurons = options.Quick ? 12 : new ConceptStudyOptions { Hooks = [] }.RandomNeurons,
        RandomSets = options.Quick ? 12 : new ConceptStudyOptions { Hooks = [] }.RandomSets,
        ProbeTokens = options.Quick ? 2000 : new ConceptStudyOptions { Hooks = [] }.ProbeTokens,
        Seed = options.Seed,
    };

    public static (DemoSection Section, ConceptStudyResult Result) Run(CausalLanguageModel model, ITokenizer tokenizer, DemoOptions options,
        int[] heldOut, string source, Action<string, double> progress)
    {
        var concept = Concept.BuiltIn("capitalized");
        var labels = ConceptLabels.Label(heldOut, tokenizer.EosId, tokenizer.TokenText, concept);
        var result = ConceptNeuronStudy.Run(model, Path.GetFullPath(options.ModelDirectory), heldOut, labels, concept.Name, source,
            tokenizer.TokenText, Options(model, options) with { Facts = new TokenFacts(tokenizer) }, progress);
        var data = ConceptStudyReport.From(result, Path.GetFullPath(options.ModelDirectory), tokenizer);
        return (new DemoSection("capitalization", "Which neurons are responsible for capitalization?", Answer(result), result, report =>
        {
            NeuronReport.AppendTo(report, data);
            report.Table(["k neurons", "probe F1 (± sd, cross-validated)", "neurons"], result.Probe.Select(p =>
                (IReadOnlyList<string>)[p.K.ToString(CultureInfo.InvariantCulture), $"{p.F1:F3} ± {p.F1StdDev:F3}", string.Join(", ", p.Neurons)]));
        }), result);
    }

    /// <summary>One sentence per role, each built from the measured values and their intervals.</summary>
    public static string Answer(ConceptStudyResult r)
    {
        var parts = new List<string>
        {
            Invariant($"On {r.RankedTokens:N0} held-out tokens, {r.Candidates.Count} candidate tests (top by AUC in each role), judged against {r.RandomBaseline.Max(b => b.RandomNeurons.Count)} random neurons per layer with {r.AblationMethod}-ablation on {r.DetectorPredictions:N0} / {r.PredictorPredictions:N0} concept predictions (Holm-corrected)."),
        };
        foreach (var role in ConceptRoles.Both)
        {
            var mine = r.Candidates.Where(c => c.Role == role).ToList();
            var responsible = mine.Where(c => c.Verdict == Verdict.Responsible).ToList();
            double mde = r.RandomBaseline.Where(b => b.Role == role).Min(b => b.MinimumDetectableEffect);
            if (responsible.Count == 0)
            {
                var best = mine.OrderByDescending(c => c.Effect.Concept.Value).First();
                parts.Add(Invariant($"As {role.Name()}s, none passes as responsible ({string.Join(", ", mine.GroupBy(c => c.Verdict).Select(g => $"{g.Count()} {g.Key.Name()}"))}); the largest effect, {best.Unit}'s {ConceptStudyReport.Show(best.Effect.Concept)} nats, has Holm p {best.HolmPValue:0.###}; minimum detectable effect: ") + ConceptStudyReport.Effect(mde) + ".");
            }
            else
            {
                var best = responsible.OrderByDescending(c => c.Effect.Concept.Value).First();
                parts.Add(Invariant($"As {role.Name()}s, {responsible.Count} of {mine.Count} pass as responsible ({string.Join(", ", responsible.Select(c => c.Unit))}); the strongest, {best.Unit} (held-out AUC {best.Auc:F2}), raises the loss of its concept predictions by {ConceptStudyReport.Show(best.Effect.Concept)} nats when ablated, specificity {ConceptStudyReport.Show(best.Effect.Specificity)}."));
            }
            var set = r.SetAblations.First(s => s.Role == role);
            parts.Add(Invariant($"The top {set.Units.Count} {role.Name()}s together: {ConceptStudyReport.Show(set.Effect.Concept)} nats, against {set.RandomSetMean:+0.0000;-0.0000} for random sets of the same size ({(set.Passes ? "beats them" : "does not beat them")}, Holm p {set.HolmPValue:0.###})."));
        }
        return string.Join(" ", parts);
    }

    private static string Invariant(FormattableString s) => s.ToString(CultureInfo.InvariantCulture);
}
