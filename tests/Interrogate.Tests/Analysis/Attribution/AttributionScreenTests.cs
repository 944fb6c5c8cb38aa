using Interrogate.Analysis.Attribution;
using Interrogate.Analysis.Verdicts;
using Interrogate.Models.Transformer;
using Interrogate.Tests.Analysis.Verdicts;
using Xunit.Abstractions;

namespace Interrogate.Tests.Analysis.Attribution;

/// <summary>Attribution-patching screens (AtP and AtP* GradDrop) find a unit planted to predict the concept, and a study screened by them judges it exactly.</summary>
public sealed class AttributionScreenTests(ITestOutputHelper output)
{
    [Fact]
    public void Estimate_PlantedPredictor_RanksFirstWithPositiveEffect()
    {
        var model = PlantedKit.WithPlanted(1);
        var tokens = PlantedKit.Text(2048, rule: true, 901);
        var labels = tokens.Select(PlantedKit.IsConcept).ToArray();
        int window = model.Dimensions.ContextLength;
        int windows = tokens.Length / window;
        var batch = new TokenBatch(tokens[..(windows * window)], windows, window);
        var scored = Enumerable.Range(0, windows * window).Select(i => i + 1 < labels.Length && labels[i + 1]).ToArray();   // predictions of concept tokens
        var means = AttributionPatching.Means(model, [batch], [PlantedKit.Hook]);
        var s = AttributionScreen.Estimate(model, [batch], [scored], [PlantedKit.Hook], means, gradDrop: true).Single();
        var byAtp = Enumerable.Range(0, s.AtP.Length).OrderByDescending(j => Math.Abs(s.AtP[j])).ToArray();
        var byGradDrop = Enumerable.Range(0, s.AtP.Length).OrderByDescending(j => s.GradDrop![j]).ToArray();
        output.WriteLine($"planted AtP {s.AtP[PlantedKit.Planted]:+0.0000} GradDrop {s.GradDrop![PlantedKit.Planted]:0.0000}; next AtP {s.AtP[byAtp[1]]:+0.0000}; twin AtP {s.AtP[PlantedKit.Twin]}");
        Assert.Equal(PlantedKit.Planted, byAtp[0]);
        Assert.Equal(PlantedKit.Planted, byGradDrop[0]);
        Assert.True(s.AtP[PlantedKit.Planted] > 0.1, $"{s.AtP[PlantedKit.Planted]}");   // ablating it raises the concept loss by about a nat
        Assert.Equal(0, s.AtP[PlantedKit.Twin]);                                           // zero output weights: no gradient reaches it
        // Block 1's own gradient is dropped in one of the L passes: its units score over the other L − 1 = 1 pass(es) only.
        Assert.True(s.GradDrop[PlantedKit.Planted] > 0);
    }

    [Fact]
    public void Study_ScreenAtp_ChoosesThePlantedUnitAndJudgesItResponsible()
    {
        var model = PlantedKit.WithPlanted(1);
        var tokens = PlantedKit.Text(8192, rule: true, 901);
        var labels = tokens.Select(PlantedKit.IsConcept).ToArray();
        var result = ConceptNeuronStudy.Run(model, "planted", tokens, labels, "planted-concept", "synthetic", i => $" t{i}", new ConceptStudyOptions
        {
            Hooks = [PlantedKit.Hook], Top = 1, RankTokens = 4096, MinPredictions = 400, RandomNeurons = 150, RandomSets = 20,
            ProbeTokens = 600, ProbeKs = [1], EvidenceSamples = 20, Seed = 1, Screen = CandidateScreen.Atp, ScreenTokens = 2048,
        });
        foreach (var c in result.Candidates) output.WriteLine($"{c.Role.Name()} {c.Unit} by {c.ChosenBy}: {c.Effect.Concept.Value:+0.0000} holm {c.HolmPValue:0.###} {c.Verdict.Name()}");
        var planted = result.Candidates.Single(c => c.Role == ConceptRole.Predictor && c.Neuron == PlantedKit.Planted);
        Assert.Equal("atp", planted.ChosenBy);
        Assert.Equal(Verdict.Responsible, planted.Verdict);
        Assert.All(result.Candidates, c => Assert.Equal("atp", c.ChosenBy));
    }
}
