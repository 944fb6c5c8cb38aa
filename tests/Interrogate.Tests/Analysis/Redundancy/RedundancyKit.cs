using Interrogate.Subjects;
using Interrogate.Analysis.Redundancy;
using Interrogate.Data;
using Interrogate.Models.Mlp;
using Interrogate.Tensors;

namespace Interrogate.Tests.Analysis.Redundancy;

/// <summary>Small MLP classifiers with planted redundancy and random data for the redundancy tests.</summary>
internal static class RedundancyKit
{
    /// <summary>count images of `features` values uniform in [low, high], random labels of `classes`.</summary>
    public static LabelledImages RandomImages(int count, int features, int classes, ulong seed, float low = 0f, float high = 1f)
    {
        var rng = new TensorRandom(seed);
        var pixels = new float[count * features];
        for (int i = 0; i < pixels.Length; i++) pixels[i] = (float)(low + (high - low) * rng.NextDouble());
        var labels = Enumerable.Range(0, count).Select(_ => rng.NextInt(classes)).ToArray();
        return new LabelledImages(pixels, labels, features, 1, classes);
    }

    public static MlpClassifier Mlp(int input, int[] hidden, int classes, ulong seed) =>
        new(new MlpConfig { InputSize = input, HiddenSizes = hidden, NumClasses = classes }, seed);

    /// <summary>Makes hidden neuron `copy` of layer `layer` compute scale · neuron `source` (ReLU is positively homogeneous).</summary>
    public static void Copy(MlpClassifier model, int layer, int source, int copy, float scale)
    {
        var linear = model.HiddenLayers[layer];
        var w = linear.Weight.Span;
        int inputs = linear.InFeatures;
        for (int i = 0; i < inputs; i++) w[copy * inputs + i] = scale * w[source * inputs + i];
        linear.Bias!.Span[copy] = scale * linear.Bias.Span[source];
    }

    public static ClassifierSubject Subject(MlpClassifier model, int features, int classes, ulong seed, float low = 0f, float high = 1f) =>
        ClassifierSubject.ForFits(model, RandomImages(600, features, classes, seed, low, high), RandomImages(300, features, classes, seed + 1, low, high),
            RandomImages(300, features, classes, seed + 2, low, high));

    /// <summary>The merge whose members are exactly these neurons, in any role.</summary>
    public static Merge? Find(RedundancyResult result, int layer, params int[] members) =>
        result.Merges.SingleOrDefault(m => m.Layer == layer && m.Members.Order().SequenceEqual(members.Order()));
}
