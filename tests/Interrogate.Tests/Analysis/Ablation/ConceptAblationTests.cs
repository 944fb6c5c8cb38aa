using Interrogate.Nn;
using Interrogate.Analysis.Ablation;
using Interrogate.Models.Gpt2;
using Interrogate.Models.Transformer;
using Interrogate.Tensors.Autodiff;
using Interrogate.Tests.Models;

namespace Interrogate.Tests.Analysis.Ablation;

public sealed class ConceptAblationTests
{
    private const int Windows = 5, Length = 12;
    private static readonly int[][] Ids = [.. Enumerable.Range(0, Windows).Select(w => ModelKit.RandomIds(Length, ModelKit.Gpt2Tiny.VocabSize, (ulong)(40 + w)))];
    // The "concept": token ids below 12 (about a third of the tokens).
    private static readonly EvaluationWindows Eval = new(Ids, [.. Ids.Select(w => w.Select(id => id < 12).ToArray())]);

    /// <summary>Mean Δloss over concept and control targets between a modified model and the clean one, computed independently.</summary>
    private static (double Concept, double Control) DirectDelta(Gpt2Model clean, Gpt2Model modified)
    {
        double concept = 0, control = 0;
        int nc = 0, nk = 0;
        using var _ = GradientTape.NoGrad();
        for (int w = 0; w < Windows; w++)
        {
            var a = TokenLosses.NextToken(clean.Forward(Ids[w]), Ids[w]);
            var b = TokenLosses.NextToken(modified.Forward(Ids[w]), Ids[w]);
            for (int t = 1; t < Length; t++)
                if (Eval.Labels[w][t]) { concept += b[t - 1] - a[t - 1]; nc++; } else { control += b[t - 1] - a[t - 1]; nk++; }
        }
        return (concept / nc, control / nk);
    }

    /// <summary>Zero- and mean-ablating neuron n of block L is the same as editing that block's output weights.</summary>
    private static Gpt2Model WithNeuronFolded(int layer, int neuron, float value)
    {
        var m = ModelKit.Gpt2();
        var mlp = (DenseMlp)m.Blocks[layer].Mlp;
        var w = mlp.Out.Weight;   // [D, d_mlp]
        int d = w.Shape[0], width = w.Shape[1];
        for (int i = 0; i < d; i++)
        {
            mlp.Out.Bias!.Span[i] += value * w.Span[i * width + neuron];
            w.Span[i * width + neuron] = 0f;
        }
        return m;
    }

    [Fact]
    public void ZeroAblation_OneNeuron_EqualsZeroingItsOutputWeights()
    {
        var effect = ConceptAblation.Measure(ModelKit.Gpt2(), Eval, [new NeuronSet("n", [UnitRef.Mlp(0, 5)])],
            new AblationOptions { Method = AblationMethod.Zero, BatchSize = 2 })[0];
        var (concept, control) = DirectDelta(ModelKit.Gpt2(), WithNeuronFolded(0, 5, 0f));
        Assert.Equal(concept, effect.ConceptDelta, 5);
        Assert.Equal(control, effect.ControlDelta, 5);
        Assert.NotEqual(0, effect.ConceptDelta);
        Assert.Equal(Eval.Labels.Sum(w => w.Skip(1).Count(l => l)), effect.ConceptTargets);
        Assert.Equal(Windows * (Length - 1), effect.ConceptTargets + effect.ControlTargets);
    }

    [Fact]
    public void MeanAblation_OneNeuron_EqualsFoldingTheMeanIntoTheBias()
    {
        var effect = ConceptAblation.Measure(ModelKit.Gpt2(), Eval, [new NeuronSet("n", [UnitRef.Mlp(1, 7)])],
            new AblationOptions { Method = AblationMethod.Mean, Means = _ => 0.37f, BatchSize = 3 })[0];
        var (concept, control) = DirectDelta(ModelKit.Gpt2(), WithNeuronFolded(1, 7, 0.37f));
        Assert.Equal(concept, effect.ConceptDelta, 5);
        Assert.Equal(control, effect.ControlDelta, 5);
        Assert.Equal(effect.ConceptDelta / Math.Max(effect.ControlDelta, ConceptAblation.SpecificityFloor), effect.Specificity, 12);
    }

    [Fact]
    public void ZeroAblation_NeuronWithNoOutputWeights_HasNoEffect()
    {
        var model = WithNeuronFolded(0, 2, 0f);
        var effect = ConceptAblation.Measure(model, Eval, [new NeuronSet("dead", [UnitRef.Mlp(0, 2)])], new AblationOptions { Method = AblationMethod.Zero })[0];
        Assert.Equal(0, effect.ConceptDelta, 6);
        Assert.Equal(0, effect.ControlDelta, 6);
    }

    [Fact]
    public void Measure_SeveralSets_EachEqualsItsOwnRun()
    {
        var sets = new List<NeuronSet> { new("a", [UnitRef.Mlp(0, 1)]), new("ab", [UnitRef.Mlp(0, 1), UnitRef.Mlp(1, 3)]) };
        var options = new AblationOptions { Method = AblationMethod.Zero, BatchSize = 2 };
        var together = ConceptAblation.Measure(ModelKit.Gpt2(), Eval, sets, options);
        var alone = ConceptAblation.Measure(ModelKit.Gpt2(), Eval, [sets[1]], options)[0];
        Assert.Equal(alone.ConceptDelta, together[1].ConceptDelta, 9);
        Assert.Equal(alone.ControlDelta, together[1].ControlDelta, 9);
        Assert.NotEqual(together[0].ConceptDelta, together[1].ConceptDelta);
    }

    [Fact]
    public void ResampleAblation_IdenticalWindows_HasNoEffect()
    {
        var same = new EvaluationWindows([.. Enumerable.Repeat(Ids[0], 4)], [.. Enumerable.Repeat(Eval.Labels[0], 4)]);
        var effect = ConceptAblation.Measure(ModelKit.Gpt2(), same, [new NeuronSet("n", [UnitRef.Mlp(0, 4), UnitRef.Mlp(1, 9)])],
            new AblationOptions { Method = AblationMethod.Resample, BatchSize = 3, Seed = 3 })[0];
        Assert.Equal(0, effect.ConceptDelta, 9);
        Assert.Equal(0, effect.ControlDelta, 9);
    }

    [Fact]
    public void ResampleAblation_DifferentWindows_ChangesLoss()
    {
        var effect = ConceptAblation.Measure(ModelKit.Gpt2(), Eval, [new NeuronSet("n", [UnitRef.Mlp(0, 4)])],
            new AblationOptions { Method = AblationMethod.Resample, BatchSize = 2, Seed = 3 })[0];
        Assert.True(Math.Abs(effect.ConceptDelta) > 1e-5 && Math.Abs(effect.ControlDelta) > 1e-5, $"{effect}");
    }

    [Fact]
    public void Measure_NeuronOutOfRange_IsInputError()
    {
        var e = Assert.Throws<InputException>(() => ConceptAblation.Measure(ModelKit.Gpt2(), Eval, [new NeuronSet("n", [UnitRef.Mlp(0, 99)])],
            new AblationOptions { Method = AblationMethod.Zero }));
        Assert.Contains("99", e.Message);
    }

    [Fact]
    public void TokenLosses_Mean_EqualsModelNextTokenLoss()
    {
        var model = ModelKit.Gpt2();
        using var _ = GradientTape.NoGrad();
        var logits = model.Forward(Ids[1]);
        var expected = CausalLanguageModel.NextTokenLoss(logits, TokenBatch.Single(Ids[1])).Item();
        Assert.Equal(expected, TokenLosses.NextToken(logits, Ids[1]).Average(), 5);
    }

    [Fact]
    public void UnitRef_Layer_ParsesBlockNumber()
    {
        Assert.Equal(3, UnitRef.Mlp(3, 10).Layer);
        Assert.Equal("blocks.3.mlp.hook_post", UnitRef.Mlp(3, 10).Hook);
        Assert.Equal(-1, new UnitRef("hook_embed", 0).Layer);
        Assert.Equal("L3.N10", UnitRef.Mlp(3, 10).ToString());
    }
}
