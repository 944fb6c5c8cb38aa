using Interrogate.Subjects;
using Interrogate.Analysis.Redundancy;
using Interrogate.Models.Transformer;
using Interrogate.Tests.Models;

namespace Interrogate.Tests.Analysis.Redundancy;

public sealed class TransformerRedundancyTests
{
    [Fact]
    public void Run_Gpt2WithDuplicatedMlpNeuron_FoldsItWithoutChangingLoss()
    {
        var model = ModelKit.Gpt2();
        var mlp = (DenseMlp)model.Blocks[0].Mlp;
        int d = ModelKit.Gpt2Tiny.DModel;
        mlp.In.Weight.Span.Slice(3 * d, d).CopyTo(mlp.In.Weight.Span.Slice(7 * d, d));
        mlp.In.Bias!.Span[7] = mlp.In.Bias.Span[3];
        var ids = ModelKit.RandomIds(600, ModelKit.Gpt2Tiny.VocabSize, seed: 9);
        var subject = LanguageModelSubject.ForFits(model, ids[..400], ids[400..], ids[400..]);

        var result = new RedundancyPlanner(subject, new RedundancyOptions { MinR2 = 0.999 }).Run();

        Assert.Equal(["blocks.0.mlp.hook_post", "blocks.1.mlp.hook_post"], result.Layers.Select(l => l.Hook));
        Assert.Equal(400, result.FitRows);
        var twin = RedundancyKit.Find(result, 0, 3, 7);
        Assert.NotNull(twin);
        Assert.True(twin!.R2 > 1 - 1e-6, $"R² {twin.R2}");
        Assert.True(Math.Abs(result.After.Loss - result.Before.Loss) < 1e-5, $"Δloss {result.After.Loss - result.Before.Loss}");
        var removed = twin.Removed[0];
        Assert.All(Enumerable.Range(0, d), o => Assert.Equal(0f, mlp.Out.Weight.Span[o * mlp.Width + removed]));
    }
}
