using Interrogate.Analysis.Concepts;
using Interrogate.Analysis.Verdicts;
using Interrogate.Tests.Models;
using Xunit.Abstractions;

namespace Interrogate.Tests.Analysis.Verdicts;

/// <summary>The verdicts recover planted ground truth, and do not find any in random labels.</summary>
public sealed class PlantedNeuronTests(ITestOutputHelper output)
{
    internal static (ConceptStudyResult Result, CandidateNeuron Planted, CandidateNeuron Twin) Run(ulong seed, ulong studySeed)
    {
        var model = PlantedKit.WithPlanted(seed);
        var tokens = PlantedKit.Text(8192, rule: true, seed + 900);
        var labels = tokens.Select(PlantedKit.IsConcept).ToArray();
        var result = PlantedKit.Study(model, tokens, labels, studySeed);
        var predictors = result.Candidates.Where(c => c.Role == ConceptRole.Predictor).ToList();
        return (result, predictors.Single(c => c.Neuron == PlantedKit.Planted), predictors.Single(c => c.Neuron == PlantedKit.Twin));
    }

    internal static string Describe(CandidateNeuron c) =>
        $"{c.Unit} {c.Role.Name()}: auc {c.Auc:F3} effect {c.Effect.Concept.Value:+0.0000} ({c.Effect.Concept.Low:+0.0000}, {c.Effect.Concept.High:+0.0000}) " +
        $"spec {c.Effect.Specificity.Low:+0.0000} p {c.PValue:0.####} holm {c.HolmPValue:0.####} → {c.Verdict.Name()}";

    [Fact]
    public void Study_PlantedPredictor_IsResponsibleAndItsTwinEncodesButUnused()
    {
        var (result, planted, twin) = Run(seed: 1, studySeed: 1);
        output.WriteLine(Describe(planted));
        output.WriteLine(Describe(twin));
        Assert.Equal(Verdict.Responsible, planted.Verdict);
        Assert.Equal(Verdict.EncodesButUnused, twin.Verdict);
        Assert.Equal(0, twin.Effect.Concept.Value, 6);                // zero output weights: exactly no effect
        Assert.Equal(planted.Auc, twin.Auc, 9);                       // it reads the same input
        Assert.True(result.PredictorPredictions >= 400, $"{result.PredictorPredictions}");
        Assert.True(planted.Effect.Concept.Value > 0.1, $"{planted.Effect.Concept.Value}");   // the rule is worth about a nat on concept predictions
    }

    [Fact]
    public void Study_OtherSeed_SameResponsibleSet()
    {
        var first = Run(seed: 1, studySeed: 1).Result;
        var second = Run(seed: 1, studySeed: 2).Result;
        static string[] Responsible(ConceptStudyResult r) => [.. r.Candidates.Where(c => c.Verdict == Verdict.Responsible).Select(c => $"{c.Role.Name()} {c.Unit}").Order()];
        Assert.NotEmpty(Responsible(first));
        Assert.Equal(Responsible(first), Responsible(second));
        Assert.NotEqual(first.RandomBaseline[0].RandomNeurons, second.RandomBaseline[0].RandomNeurons);   // the null was drawn again
    }
}

/// <summary>The 5-seed planted recovery and the 20-seed calibration of issue #12 (run by .ci/run).</summary>
[Trait("Category", "Slow")]
public sealed class VerdictCalibrationTests(ITestOutputHelper output)
{
    [Fact]
    public void Study_PlantedFiveSeeds_AllRecovered()
    {
        for (ulong seed = 1; seed <= 5; seed++)
        {
            var (_, planted, twin) = PlantedNeuronTests.Run(seed, studySeed: seed);
            output.WriteLine($"seed {seed}: {PlantedNeuronTests.Describe(planted)}; twin {twin.Verdict.Name()}");
            Assert.Equal(Verdict.Responsible, planted.Verdict);
            Assert.Equal(Verdict.EncodesButUnused, twin.Verdict);
        }
    }

    [Fact]
    public void Study_RandomLabelsTwentySeeds_AtMostFivePercentResponsible()
    {
        var model = PlantedKit.WithPlanted(1);
        var tokens = PlantedKit.Text(8192, rule: true, 901);
        double rate = tokens.Count(PlantedKit.IsConcept) / (double)tokens.Length;
        int judged = 0, responsible = 0, causal = 0;
        using var temp = new TempDir();
        for (ulong seed = 1; seed <= 20; seed++)
        {
            // A labels file with no structure: each token is in with the concept's rate, independently.
            var rng = new Interrogate.Tensors.TensorRandom(seed * 7919);
            var path = Path.Combine(temp.Path, $"labels{seed}.jsonl");
            File.WriteAllLines(path, Enumerable.Range(0, tokens.Length).Where(_ => rng.NextDouble() < rate)
                .Select(t => $"{{\"document\": 0, \"token\": {t}, \"label\": true}}"));
            var labels = ConceptLabels.Label(tokens, null, i => $" t{i}", new LabelsFile(path));
            var result = PlantedKit.Study(model, tokens, labels, seed);
            judged += result.Candidates.Count;
            responsible += result.Candidates.Count(c => c.Verdict == Verdict.Responsible);
            causal += result.Candidates.Count(c => c.Causal);
        }
        output.WriteLine($"{judged} candidates judged over 20 random-label seeds: {responsible} responsible, {causal} passed the causal test");
        Assert.True(responsible <= 0.05 * judged, $"{responsible} of {judged} responsible");
        Assert.True(causal <= 0.05 * judged, $"{causal} of {judged} passed the causal test");
    }
}
