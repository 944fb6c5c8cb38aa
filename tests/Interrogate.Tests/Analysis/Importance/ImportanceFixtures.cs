using Interrogate.Analysis.Importance;
using Interrogate.Data;
using Interrogate.Models.Mlp;
using Interrogate.Tensors;
using Interrogate.Tests.Models;
using Interrogate.Subjects;

namespace Interrogate.Tests.Analysis.Importance;

/// <summary>Tiny networks with data for importance and pruning tests.</summary>
internal static class ImportanceFixtures
{
    /// <summary>Random 2×3 "images" (6 features) with labels in 0..2.</summary>
    public static LabelledImages Images(int count, ulong seed)
    {
        var rng = new TensorRandom(seed);
        var pixels = new float[count * 6];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (float)rng.NextDouble();
        return new LabelledImages(pixels, [.. Enumerable.Range(0, count).Select(_ => rng.NextInt(3))], 3, 2, 3);
    }

    /// <summary>
    /// A 6-5-4-3 ReLU classifier with random weights in which hidden neuron 2 of layer 0 is dead: its
    /// incoming weights are zero and its bias −1, so it outputs 0 on every input.
    /// </summary>
    public static ClassifierSubject Classifier(ulong seed = 3, int batchSize = 7)
    {
        var model = new MlpClassifier(new MlpConfig { InputSize = 6, HiddenSizes = [5, 4], NumClasses = 3 }, seed);
        var rng = new TensorRandom(seed + 50);
        foreach (var (_, p) in model.NamedParameters())
        {
            var s = p.Span;
            for (int i = 0; i < s.Length; i++) s[i] = (float)(0.8 * rng.NextNormal());
        }
        var first = model.HiddenLayers[0];
        first.Weight.Span.Slice(2 * 6, 6).Clear();
        first.Bias!.Span[2] = -1f;
        return new ClassifierSubject(model, Images(20, seed + 1), Images(15, seed + 2), Images(40, seed + 3), batchSize, trainBatchSize: 8, seed);
    }

    /// <summary>A random tiny GPT-2 (ModelKit's) with random token windows.</summary>
    public static LanguageModelSubject Gpt2(int windows = 3, int length = 10, ulong seed = 1) =>
        new(ModelKit.Gpt2(seed: seed), Windows(windows, length, 37, seed + 10), Windows(windows, length, 37, seed + 20), batchSize: 2);

    public static LanguageModelSubject Llama(ulong seed = 1) =>
        new(ModelKit.Llama(seed: seed), Windows(3, 10, 41, seed + 10), Windows(3, 10, 41, seed + 20), batchSize: 2);

    public static List<int[]> Windows(int count, int length, int vocab, ulong seed) =>
        [.. Enumerable.Range(0, count).Select(i => ModelKit.RandomIds(length, vocab, seed + (ulong)i))];
}
