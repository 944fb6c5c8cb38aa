using Interrogate.Analysis.Ablation;
using Interrogate.Models.Gpt2;
using Interrogate.Models.Transformer;
using Interrogate.Nn;
using Interrogate.Tensors.Autodiff;
using Interrogate.Tests.Models;

namespace Interrogate.Tests.Analysis.Ablation;

/// <summary>An independent oracle for the batched engine: zero- or mean-ablating an MLP neuron equals folding it into the output bias.</summary>
public sealed class FoldedWeightsTests
{
    private const int Windows = 5, Length = 12;
    private static readonly int[][] Ids = [.. Enumerable.Range(0, Windows).Select(w => ModelKit.RandomIds(Length, ModelKit.Gpt2Tiny.VocabSize, (ulong)(40 + w)))];
    // The "concept": token ids below 12 (about a third of the tokens).
    private static readonly bool[][] Labels = [.. Ids.Select(w => w.Select(id => id < 12).ToArray())];

    /// <summary>Mean Δloss over concept and control targets between a modified model and the clean one, by full forwards.</summary>
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
                if (Labels[w][t]) { concept += b[t - 1] - a[t - 1]; nc++; } else { control += b[t - 1] - a[t - 1]; nk++; }
        }
        return (concept / nc, control / nk);
    }

    /// <summary>The same from the batched engine, every position scored.</summary>
    private static (double Concept, double Control) Batched(UnitRef unit, AblationMethod method, float value)
    {
        int[][] all = [.. Ids.Select(_ => Enumerable.Range(0, Length - 1).ToArray())];
        var d = BatchedAblation.Run(ModelKit.Gpt2(), Ids, all, [new AblationJob("n", [unit])],
            new BatchedAblationOptions { Method = method, Means = _ => value, WindowsPerChunk = 2 }).Delta[0];
        double concept = 0, control = 0;
        int nc = 0, nk = 0;
        for (int w = 0; w < Windows; w++)
            for (int t = 1; t < Length; t++)
                if (Labels[w][t]) { concept += d[w][t - 1]; nc++; } else { control += d[w][t - 1]; nk++; }
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
        var (concept, control) = Batched(UnitRef.Mlp(0, 5), AblationMethod.Zero, 0f);
        var expected = DirectDelta(ModelKit.Gpt2(), WithNeuronFolded(0, 5, 0f));
        Assert.Equal(expected.Concept, concept, 5);
        Assert.Equal(expected.Control, control, 5);
        Assert.NotEqual(0, concept);
    }

    [Fact]
    public void MeanAblation_OneNeuron_EqualsFoldingTheMeanIntoTheBias()
    {
        var (concept, control) = Batched(UnitRef.Mlp(1, 7), AblationMethod.Mean, 0.37f);
        var expected = DirectDelta(ModelKit.Gpt2(), WithNeuronFolded(1, 7, 0.37f));
        Assert.Equal(expected.Concept, concept, 5);
        Assert.Equal(expected.Control, control, 5);
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
}
