using Interrogate.Analysis.Ablation;
using Interrogate.Analysis.Patching;
using Interrogate.Models.Transformer;
using Interrogate.Nn;
using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;
using Interrogate.Tests.Models;

namespace Interrogate.Tests.Analysis.Patching;

public sealed class NeuronPatchingTests
{
    private static readonly int[] Clean = [3, 14, 15, 9, 26, 5];
    private static readonly int[] Corrupted = [3, 14, 15, 9, 27, 5];   // one token differs
    private static readonly PatchingMetric Metric = new(-1, Target: 8, Distractor: 20);

    private static double Score(CausalLanguageModel model, int[] ids, Func<Tensor, Tensor>? edit = null, string hook = "")
    {
        using var _ = GradientTape.NoGrad();
        using var scope = new HookScope();
        if (edit is not null) scope.Edit(hook, edit);
        var logits = model.Forward(ids).ToArray();
        int v = model.Dimensions.VocabSize;
        return Metric.Score(logits.AsSpan((ids.Length - 1) * v, v));
    }

    private static Tensor CleanActivation(CausalLanguageModel model, string hook)
    {
        using var _ = GradientTape.NoGrad();
        using var scope = new HookScope().Cache(hook);
        model.Forward(Clean);
        return scope.Cached[hook].Clone();
    }

    [Fact]
    public void Patch_WholeLayer_EqualsReplacingTheActivation()
    {
        var model = ModelKit.Gpt2();
        const string hook = "blocks.1.mlp.hook_post";
        var all = Enumerable.Range(0, ModelKit.Gpt2Tiny.Inner!.Value).Select(n => new UnitRef(hook, n)).ToList();
        var result = NeuronPatching.Patch(model, Clean, Corrupted, Metric, [all]);
        var donor = CleanActivation(model, hook);
        double expected = Score(model, Corrupted, _ => donor, hook);
        Assert.Equal(Score(model, Clean), result.CleanScore, 5);
        Assert.Equal(Score(model, Corrupted), result.CorruptedScore, 5);
        Assert.Equal(expected, result.Sets[0].Score, 4);
        Assert.Equal((expected - result.CorruptedScore) / (result.CleanScore - result.CorruptedScore), result.Sets[0].RecoveredFraction, 4);
    }

    [Fact]
    public void SweepHook_Batched_EqualsOneNeuronAtATime()
    {
        var model = ModelKit.Gpt2();
        const string hook = "blocks.0.mlp.hook_post";
        var sweep = NeuronPatching.SweepHook(model, Clean, Corrupted, Metric, hook, batchSize: 7);
        Assert.Equal(ModelKit.Gpt2Tiny.Inner!.Value, sweep.Sets.Count);
        var donor = CleanActivation(model, hook).ToArray();
        int width = ModelKit.Gpt2Tiny.Inner!.Value;
        foreach (int n in new[] { 0, 9, 23 })
        {
            double expected = Score(model, Corrupted, a => NeuronEdits.Overwrite(a, [n], (row, _) => donor[row * width + n]), hook);
            Assert.Equal(expected, sweep.Sets[n].Score, 4);
            Assert.Equal(n, sweep.Sets[n].Neurons[0].Index);
        }
        Assert.Contains(sweep.Sets, s => Math.Abs(s.RecoveredFraction) > 1e-3);
    }

    [Fact]
    public void Patch_CorruptedIntoClean_FractionMeasuresTheDamage()
    {
        var model = ModelKit.Gpt2();
        const string hook = "blocks.0.mlp.hook_post";
        var all = Enumerable.Range(0, ModelKit.Gpt2Tiny.Inner!.Value).Select(n => new UnitRef(hook, n)).ToList();
        var r = NeuronPatching.Patch(model, Clean, Corrupted, Metric, [all, [new UnitRef(hook, 3)]], PatchDirection.CorruptedIntoClean);
        foreach (var s in r.Sets)
            Assert.Equal((r.CleanScore - s.Score) / (r.CleanScore - r.CorruptedScore), s.RecoveredFraction, 9);
        Assert.NotEqual(r.Sets[0].Score, r.CleanScore);
    }

    [Fact]
    public void Patch_SamePrompt_FractionIsNaN()
    {
        var r = NeuronPatching.Patch(ModelKit.Gpt2(), Clean, Clean, Metric, [[UnitRef.Mlp(0, 1)]]);
        Assert.True(double.IsNaN(r.Sets[0].RecoveredFraction));
        Assert.Equal(r.CleanScore, r.Sets[0].Score, 5);
    }

    [Fact]
    public void Patch_DifferentLengths_IsInputError()
    {
        var e = Assert.Throws<InputException>(() => NeuronPatching.Patch(ModelKit.Gpt2(), Clean, Clean[..4], Metric, [[UnitRef.Mlp(0, 1)]]));
        Assert.Contains("same number of tokens", e.Message);
    }

    [Fact]
    public void Metric_WithoutDistractor_IsLogProbability()
    {
        float[] logits = [1f, 2f, 3f];
        double expected = 2 - Math.Log(Math.Exp(1) + Math.Exp(2) + Math.Exp(3));
        Assert.Equal(expected, new PatchingMetric(0, 1).Score(logits), 5);
        Assert.Equal(-2, new PatchingMetric(0, 0, 2).Score(logits), 6);
    }
}
