using Interrogate.Analysis.Verdicts;
using Interrogate.Demo;
using Interrogate.Tests.Analysis.Verdicts;
using Interrogate.Tests.Models;

namespace Interrogate.Tests.Demo;

public sealed class ConceptStageTests
{
    /// <summary>The demo's study is `neurons`' study at its defaults: same tokens and seed, same verdicts.</summary>
    [Fact]
    public void Options_FullDemo_AreTheNeuronsCommandDefaults()
    {
        var model = ModelKit.Gpt2();
        var demo = ConceptStage.Options(model, new DemoOptions { ModelDirectory = "m", OutputDirectory = "o", Seed = 4 });
        var neurons = new ConceptStudyOptions { Hooks = ConceptNeuronStudy.ResolveHooks(model, "blocks.*.mlp.hook_post"), RankTokens = 100_000, Seed = 4 };
        Assert.Equal(neurons.Hooks, demo.Hooks);
        Assert.Equal((neurons.Top, neurons.RandomNeurons, neurons.RandomSets, neurons.EvaluationWindows, neurons.MinPredictions, neurons.Method),
            (demo.Top, demo.RandomNeurons, demo.RandomSets, demo.EvaluationWindows, demo.MinPredictions, demo.Method));
        Assert.Equal((neurons.RankTokens, neurons.Seed, neurons.WindowLength, neurons.ProbeTokens, neurons.WindowsPerChunk),
            (demo.RankTokens, demo.Seed, demo.WindowLength, demo.ProbeTokens, demo.WindowsPerChunk));
        Assert.True(demo.RandomNeurons >= 200 && demo.MinPredictions >= 2000);
        // Both read the same held-out tokens.
        Assert.Equal(ConceptStudyOptions.TokensToRead(100_000, 24, null), ConceptStudyOptions.TokensToRead(100_000, 24, ConceptStage.EvaluationWindows(new DemoOptions { ModelDirectory = "m", OutputDirectory = "o" })));
    }

    [Fact]
    public void Study_SameDataAndOptionsTwice_IdenticalVerdictsAndEffects()
    {
        var model = PlantedKit.WithPlanted(2);
        var tokens = PlantedKit.Text(8192, rule: true, 902);
        var labels = tokens.Select(PlantedKit.IsConcept).ToArray();
        var a = PlantedKit.Study(model, tokens, labels, 3);
        var b = PlantedKit.Study(model, tokens, labels, 3);
        Assert.Equal(a.Candidates.Select(c => (c.Role, c.Unit, c.Verdict, c.Effect.Concept.Value, c.HolmPValue)),
            b.Candidates.Select(c => (c.Role, c.Unit, c.Verdict, c.Effect.Concept.Value, c.HolmPValue)));
        Assert.Contains(a.Candidates, c => c.Verdict == Verdict.Responsible);
    }
}
