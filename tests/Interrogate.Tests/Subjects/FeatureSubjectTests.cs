using Interrogate.Analysis.Redundancy;
using Interrogate.Features;
using Interrogate.Nn;
using Interrogate.Subjects;
using Interrogate.Tests.Analysis.Redundancy;
using Interrogate.Tests.Models;

namespace Interrogate.Tests.Subjects;

public sealed class FeatureSubjectTests
{
    private const string Hook = "blocks.0.hook_resid_post";

    /// <summary>
    /// An exact ReLU autoencoder on the residual stream (latents ±e_c, so x̂ = x) plus one planted duplicate:
    /// latent 2d reads exactly what latent 0 reads, and the two split latent 0's decoder column
    /// <paramref name="share"/> / 1 − share. The CLI tests plant the same dictionary.
    /// </summary>
    internal static SparseDictionary PlantedDuplicate(int d, float share = 0.3f)
    {
        var dict = new SparseDictionary(d, d, 2 * d + 1, DictionaryActivation.Relu, 0) { HookIn = Hook, HookOut = Hook, SubtractDecoderBias = false };
        for (int c = 0; c < d; c++)
        {
            dict.EncoderWeight[c * d + c] = dict.DecoderWeight[c * d + c] = 1f;
            dict.EncoderWeight[(d + c) * d + c] = dict.DecoderWeight[(d + c) * d + c] = -1f;
        }
        dict.EncoderWeight[2 * d * d] = 1f;       // latent 2d: the same encoder row as latent 0
        dict.DecoderWeight[0] = share;            // latent 0 writes share·e_0 …
        dict.DecoderWeight[2 * d * d] = 1 - share; // … and latent 2d the rest
        return dict;
    }

    private static double SplicedLoss(Interrogate.Models.Transformer.CausalLanguageModel model, SparseDictionary dict, int[] ids)
    {
        using var scope = new FeatureUnits(dict).Splice(new HookScope());
        return TextLoss.Measure(model, ids, batchSize: 4).MeanLoss;
    }

    [Fact]
    public void Redundancy_PlantedDuplicateFeature_FoldedToOneAndLossUnchanged()
    {
        var model = ModelKit.Gpt2();
        int d = ModelKit.Gpt2Tiny.DModel;
        var dict = PlantedDuplicate(d);
        var ids = ModelKit.RandomIds(600, ModelKit.Gpt2Tiny.VocabSize, seed: 9);
        var features = new FeatureSubject(dict, LanguageModelSubject.ForFits(model, ids[..400], ids[400..], ids[400..]));

        var result = new RedundancyPlanner(features, new RedundancyOptions { MinR2 = 0.999 }).Run();

        var twin = RedundancyKit.Find(result, 0, 0, 2 * d);
        Assert.NotNull(twin);
        Assert.True(twin!.R2 > 1 - 1e-6, $"R² {twin.R2}");
        Assert.True(Math.Abs(result.After.Loss - result.Before.Loss) < 1e-5, $"Δloss {result.After.Loss - result.Before.Loss}");
        var removed = result.Removed[0];
        var smaller = features.Smaller(removed);
        Assert.Equal(2 * d + 1 - removed.Length, smaller.Latents);
        var dir = Directory.CreateTempSubdirectory("interrogate-features-").FullName;
        try
        {
            SaeLensFormat.Save(smaller, dir);
            var loaded = SaeLensFormat.Load(dir);
            Assert.Equal(smaller.Latents, loaded.Latents);
            double before = SplicedLoss(model, dict, ids[400..]), after = SplicedLoss(model, loaded, ids[400..]);
            Assert.True(Math.Abs(after - before) < 1e-5, $"spliced loss {before} → {after}");
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Evaluate_NothingFoldedOrAblated_SameLossAsTheModel()
    {
        var model = ModelKit.Gpt2();
        var ids = ModelKit.RandomIds(300, ModelKit.Gpt2Tiny.VocabSize, seed: 4);
        var text = LanguageModelSubject.ForFits(model, ids[..200], ids[200..], ids[200..]);
        var features = new FeatureSubject(PlantedDuplicate(ModelKit.Gpt2Tiny.DModel), text);
        Assert.Equal(text.Evaluate().Loss, features.Evaluate().Loss);
    }

    [Fact]
    public void FeaturePruning_OneFeatureOfAPlantedDuplicate_RemovesOneAndKeepsTheEvaluationLoss()
    {
        var model = ModelKit.Gpt2();
        int d = ModelKit.Gpt2Tiny.DModel, v = ModelKit.Gpt2Tiny.VocabSize;
        var calibration = Enumerable.Range(0, 8).Select(i => ModelKit.RandomIds(12, v, 30 + (ulong)i)).ToList();
        var evaluation = Enumerable.Range(0, 4).Select(i => ModelKit.RandomIds(12, v, 60 + (ulong)i)).ToList();
        var text = new LanguageModelSubject(model, calibration, evaluation, batchSize: 4);

        var (smaller, report) = Interrogate.Analysis.Pruning.FeaturePruning.Run(PlantedDuplicate(d), text, 1.0 / (2 * d + 1));

        Assert.Equal(1, report.Removed);
        Assert.Equal(2 * d, smaller.Latents);
        Assert.Equal(44, report.Original.Count);   // reported on the 4 evaluation windows × 11 predictions, never the calibration ones
        Assert.True(Math.Abs(report.Pruned.Loss - report.Original.Loss) < 1e-5, $"loss {report.Original.Loss} → {report.Pruned.Loss}");
    }
}
