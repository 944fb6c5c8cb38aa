using System.Globalization;
using Interrogate.Analysis.Concepts;
using Interrogate.Analysis.Explanation;
using Interrogate.Analysis.Verdicts;
using Interrogate.Models.Transformer;
using Interrogate.Reports;
using Interrogate.Text;

namespace Interrogate.Demo;

/// <summary>"Which neurons encode capitalization?": AUC ranking, probes, ablation against random neurons, verdicts.</summary>
internal static class ConceptStage
{
    public static (DemoSection Section, ConceptStudyResult Result) Run(CausalLanguageModel model, ITokenizer tokenizer, DemoOptions options,
        int[] heldOut, string source, Action<string, double> progress)
    {
        var concept = Concept.BuiltIn("capitalized");
        var labels = ConceptLabels.Label(heldOut, tokenizer.EosId, tokenizer.TokenText, concept);
        var studyOptions = new ConceptStudyOptions
        {
            Hooks = ConceptNeuronStudy.ResolveHooks(model, "blocks.*.mlp.hook_post"),
            Top = options.Quick ? 4 : 8,
            RankTokens = options.ConceptTokens,
            EvaluationWindows = options.Quick ? 8 : 48,
            RandomNeurons = options.Quick ? 6 : 24,
            ProbeTokens = options.Quick ? 2000 : 8000,
            Seed = options.Seed,
            Facts = new TokenFacts(tokenizer),
        };
        var result = ConceptNeuronStudy.Run(model, Path.GetFullPath(options.ModelDirectory), heldOut, labels, concept.Name, source,
            tokenizer.TokenText, studyOptions, progress);
        var data = ConceptStudyReport.From(result, Path.GetFullPath(options.ModelDirectory), tokenizer);
        var responsible = result.Candidates.Where(c => c.Verdict == "responsible").ToList();
        string answer = responsible.Count == 0
            ? string.Create(CultureInfo.InvariantCulture,
                $"No neuron passes as responsible: of the top {result.Candidates.Count} by AUC on {result.RankedTokens:N0} held-out tokens, none both encodes capitalization and, when mean-ablated, hurts capitalized tokens specifically (thresholds from {studyOptions.RandomNeurons} random neurons per layer).")
            : Answer(responsible, result);
        return (new DemoSection("capitalization", "Which neurons are responsible for capitalization?", answer, result, report =>
        {
            NeuronReport.AppendTo(report, data);
            report.Table(["k neurons", "probe F1 (± sd, cross-validated)", "neurons"], result.Probe.Select(p =>
                (IReadOnlyList<string>)[p.K.ToString(CultureInfo.InvariantCulture), $"{p.F1:F3} ± {p.F1StdDev:F3}", string.Join(", ", p.Neurons)]));
        }), result);
    }

    private static string Answer(IReadOnlyList<CandidateNeuron> responsible, ConceptStudyResult r)
    {
        var best = responsible.OrderByDescending(c => c.AblationEffectConcept).First();
        var names = string.Join(", ", responsible.Select(c => $"L{c.Layer}.N{c.Neuron}"));
        return string.Create(CultureInfo.InvariantCulture,
            $"{responsible.Count} neuron{(responsible.Count == 1 ? "" : "s")} ({names}) pass as responsible on {r.RankedTokens:N0} held-out tokens. " +
            $"The strongest, L{best.Layer}.N{best.Neuron} (AUC {best.Auc:F2}), raises the loss of predicting capitalized tokens by {best.AblationEffectConcept:+0.0000;-0.0000;0.0000} nats " +
            $"when mean-ablated, against {best.AblationEffectControl:+0.0000;-0.0000;0.0000} on all other tokens; ablating the top {r.SetAblation.Neurons.Count} together costs " +
            $"{r.SetAblation.ConceptDelta:+0.000;-0.000;0.000} vs {r.SetAblation.ControlDelta:+0.000;-0.000;0.000} nats. Random neurons of the same layer: see the thresholds.");
    }
}
