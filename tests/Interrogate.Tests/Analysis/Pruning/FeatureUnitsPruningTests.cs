using Interrogate.Analysis.Pruning;
using Interrogate.Subjects;
using Interrogate.Tests.Models;
using Interrogate.Tests.Subjects;
using Xunit.Abstractions;

namespace Interrogate.Tests.Analysis.Pruning;

public sealed class FeatureUnitsPruningTests(ITestOutputHelper output)
{
    private static readonly int D = ModelKit.Gpt2Tiny.DModel;

    private static LanguageModelSubject Text()
    {
        int v = ModelKit.Gpt2Tiny.VocabSize;
        var calibration = Enumerable.Range(0, 8).Select(i => ModelKit.RandomIds(12, v, 30 + (ulong)i)).ToList();
        var evaluation = Enumerable.Range(0, 4).Select(i => ModelKit.RandomIds(12, v, 60 + (ulong)i)).ToList();
        return new LanguageModelSubject(ModelKit.Gpt2(), calibration, evaluation, batchSize: 4);
    }

    [Fact]
    public void Magnitude_PlantedDuplicate_RemovesTheSmallerHalfAndOnlyTheRefitKeepsTheLoss()
    {
        // Latent 0 writes 0.3·e_0, its duplicate 2d the other 0.7: magnitude (1 × decoder norm) scores latent 0 lowest.
        var text = Text();
        var units = new FeatureUnitsPruning(FeatureSubjectTests.PlantedDuplicate(D, 0.3f), text);
        var comparison = PruningComparison.Assemble(PruningComparison.Measure(new FeatureComparisonSubject(units, text),
            [units.Method(PruningMethod.Magnitude), units.Method(PruningMethod.Taylor), units.Method(PruningMethod.Wanda)], [1.0 / (2 * D + 1)], null));
        double baseline = comparison.Baseline.Loss;
        Assert.Equal(text.Evaluate().Loss, baseline);   // nothing removed: the model as it is
        Assert.Equal([0], units.Method(PruningMethod.Magnitude).Analyse(units.Analysed).ChooseOnly(units.Analysed, 1.0 / (2 * D + 1))[0]);
        double refit = comparison.Curve("magnitude", true).Loss[0], means = comparison.Curve("magnitude", false).Loss[0];
        output.WriteLine($"baseline {baseline:F6}; magnitude: means into b_dec {means:F6}, refit {refit:F6}; taylor {comparison.Curve("taylor", false).Loss[0]:F6}/{comparison.Curve("taylor", true).Loss[0]:F6}");
        Assert.True(Math.Abs(refit - baseline) < 1e-5, $"refit {refit} vs {baseline}");   // the duplicate takes over exactly
        Assert.True(Math.Abs(means - baseline) > 1e-4, $"means {means} vs {baseline}");
        Assert.Equal(6, comparison.Curves.Count);
    }

    [Fact]
    public void Ablation_ScreenedByAtp_SameChoiceAsExactAndSavesASmallerDictionary()
    {
        var text = Text();
        var dict = FeatureSubjectTests.PlantedDuplicate(D, 0.3f);
        double fraction = 0.25;
        var (exactDict, exact) = FeaturePruning.Run(dict, text, PruningMethod.Ablation, fraction);
        var (screenedDict, screened) = FeaturePruning.Run(dict, text, PruningMethod.Ablation, fraction, PruningScreen.Atp);
        int removed = PruningMethods.CountFor(2 * D + 1, fraction);
        Assert.Equal(removed, exact.Removed);
        Assert.Equal(2 * D + 1 - removed, screenedDict.Latents);
        Assert.Equal(exactDict.DecoderWeight, screenedDict.DecoderWeight);
        Assert.Equal(exact.Pruned.Loss, screened.Pruned.Loss);
        var layer = Assert.Single(screened.Screening!);
        output.WriteLine($"{layer.Measured} of {layer.Units} features measured exactly; Spearman over them {layer.Spearman:F3}; loss {exact.Original.Loss:F6} → {exact.Pruned.Loss:F6}");
        Assert.True(layer.Measured < layer.Units);
        // Every method runs on features and removes the same count.
        foreach (var m in new[] { PruningMethod.Magnitude, PruningMethod.Wanda, PruningMethod.Taylor })
            Assert.Equal(2 * D + 1 - removed, FeaturePruning.Run(dict, text, m, fraction).Smaller.Latents);
    }
}
