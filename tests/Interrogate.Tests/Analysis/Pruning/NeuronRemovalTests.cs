using Interrogate.Analysis.Importance;
using Interrogate.Analysis.Pruning;
using Interrogate.Models.Gpt2;
using Interrogate.Models.Llama;
using Interrogate.Models.Transformer;
using Interrogate.Tests.Analysis.Importance;
using Interrogate.Tests.Models;
using Interrogate.Subjects;

namespace Interrogate.Tests.Analysis.Pruning;

public sealed class NeuronRemovalTests
{
    private static readonly int[][] Removed = [[1, 4, 7, 20], [0, 2, 3, 11, 12, 13, 23]];

    [Fact]
    public void Remove_Gpt2WithMeans_ComputesWhatTheMeanAblatedOriginalDoes()
    {
        var net = ImportanceFixtures.Gpt2();
        var means = CalibrationStatistics.Measure(net).Select(s => s.Mean).ToList();
        var pruned = NeuronRemoval.Remove(net, Removed, means);
        Assert.Equal([20, 17], pruned.Widths);
        Assert.Equal([20, 17], ((Gpt2Model)((LanguageModelSubject)pruned).Model).Config.InnerPerLayer!);
        Assert.Equal(PruningRun.EvaluateAblated(net, Removed, means).Loss, pruned.Evaluate().Loss, 4);
        Assert.NotEqual(net.Evaluate().Loss, pruned.Evaluate().Loss, 3);
    }

    [Fact]
    public void Remove_LlamaWithoutMlpBias_IsZeroAblation()
    {
        var net = ImportanceFixtures.Llama();
        int[][] removed = [[0, 5, 6], [19]];
        var zeros = net.Layers.Select(l => new float[l.Width]).ToList();
        var pruned = NeuronRemoval.Remove(net, removed, CalibrationStatistics.Measure(net).Select(s => s.Mean).ToList());
        Assert.Equal([17, 19], pruned.Widths);
        Assert.Equal(PruningRun.EvaluateAblated(net, removed, zeros).Loss, pruned.Evaluate().Loss, 4);
    }

    [Fact]
    public void Remove_ClassifierBothLayers_ShrinksRowsAndColumnsAndMatchesAblation()
    {
        var net = ImportanceFixtures.Classifier();
        var means = CalibrationStatistics.Measure(net).Select(s => s.Mean).ToList();
        int[][] removed = [[2, 3], [1]];
        var pruned = (ClassifierSubject)NeuronRemoval.Remove(net, removed, means);
        Assert.Equal([3, 3], pruned.Model.Config.HiddenSizes);
        Assert.Equal([3, 3], pruned.Model.HiddenLayers[1].Weight.Shape);
        // Row 0 of the second layer keeps input columns 0, 1, 4 of the original.
        var original = net.Model.HiddenLayers[1].Weight;
        Assert.Equal([original[0, 0], original[0, 1], original[0, 4]], pruned.Model.HiddenLayers[1].Weight.ToArray()[..3]);
        Assert.Equal(PruningRun.EvaluateAblated(net, removed, means).Loss, pruned.Evaluate().Loss, 4);
        Assert.Equal(net.Model.ParameterCount() - (2 * 6 + 2 + 2 * 4) - (1 * 3 + 1 + 1 * 3), pruned.Model.ParameterCount());
    }

    [Fact]
    public void Remove_EveryNeuronOfALayer_IsAnInputError()
    {
        var net = ImportanceFixtures.Classifier();
        var e = Assert.Throws<InputException>(() => NeuronRemoval.Remove(net, [[0, 1, 2, 3, 4], []]));
        Assert.Contains("empty layer layers.0", e.Message);
    }

    [Fact]
    public void SaveAndLoad_PrunedGpt2_KeepsPerLayerWidthsAndLogits()
    {
        using var dir = new TempDir();
        var net = ImportanceFixtures.Gpt2();
        var pruned = (LanguageModelSubject)NeuronRemoval.Remove(net, Removed);
        pruned.Save(dir.Path, perLayerWidths: true);
        Assert.Contains("\"n_inner_per_layer\"", File.ReadAllText(dir.File("config.json")));
        var loaded = TransformerLoader.FromDirectory(dir.Path);
        Assert.Equal([20, 17], loaded.Dimensions.MlpWidths);
        var ids = ModelKit.RandomIds(8, 37, 9);
        Assert.Equal(0f, ModelKit.MaxAbsDiff(pruned.Model.Forward(ids).ToArray(), loaded.Forward(ids).ToArray()), 5);
    }

    [Fact]
    public void SaveAndLoad_PrunedGpt2ByDefault_PaddedToOneWidthWithSameLogits()
    {
        using var dir = new TempDir();
        var pruned = (LanguageModelSubject)NeuronRemoval.Remove(ImportanceFixtures.Gpt2(), Removed);
        pruned.Save(dir.Path);
        Assert.DoesNotContain("n_inner_per_layer", File.ReadAllText(dir.File("config.json")));
        var loaded = TransformerLoader.FromDirectory(dir.Path);
        Assert.Equal([20, 20], loaded.Dimensions.MlpWidths);
        var ids = ModelKit.RandomIds(8, 37, 9);
        Assert.Equal(0f, ModelKit.MaxAbsDiff(pruned.Model.Forward(ids).ToArray(), loaded.Forward(ids).ToArray()), 5);
    }

    [Fact]
    public void SaveAndLoad_UniformlyPrunedLlama_WritesPlainIntermediateSize()
    {
        using var dir = new TempDir();
        var pruned = (LanguageModelSubject)NeuronRemoval.Remove(ImportanceFixtures.Llama(), [[0, 1], [2, 3]]);
        pruned.Save(dir.Path);
        var config = ((LlamaModel)TransformerLoader.FromDirectory(dir.Path)).Config;
        Assert.Equal(18, config.Intermediate);
        Assert.Null(config.IntermediatePerLayer);
    }
}
