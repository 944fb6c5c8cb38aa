using Interrogate.Features;
using Interrogate.Models.Transformer;
using Interrogate.Nn;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Tests.Features;

/// <summary>Tiny dictionaries for a model, initialised on its own activations, with one feature that never fires.</summary>
internal static class FeatureKit
{
    /// <summary>The feature whose encoder row is zero and bias −1000: it is zero at every position.</summary>
    public const int Silent = 3;

    /// <summary>
    /// A TopK dictionary from <paramref name="hookIn"/> to <paramref name="hookOut"/> (an autoencoder when equal), decoder
    /// bias at the mean of the output hook over <paramref name="ids"/>, random unit directions, feature <see cref="Silent"/> silenced.
    /// </summary>
    public static SparseDictionary Dictionary(CausalLanguageModel model, int[][] ids, string hookIn, string hookOut, int latents = 24, int k = 4, ulong seed = 5)
    {
        var rows = new List<float>();
        using (GradientTape.NoGrad())
            foreach (var w in ids)
            {
                using var scope = new HookScope().Cache(hookOut);
                model.Forward(w);
                rows.AddRange(scope.Cached[hookOut].ContiguousData().ToArray());
            }
        var shapes = model.DescribeHookPoints(1, 1).ToDictionary(h => h.Name, h => h.Shape[^1]);
        var d = new SparseDictionary(shapes[hookIn], shapes[hookOut], latents, DictionaryActivation.TopK, k) { HookIn = hookIn, HookOut = hookOut };
        d.SubtractDecoderBias = hookIn == hookOut;
        DictionaryInit.Apply(d, rows.ToArray(), rows.Count / shapes[hookOut], geometricMedian: false, threshold: 0f, seed: seed);
        Array.Clear(d.EncoderWeight, Silent * d.InputWidth, d.InputWidth);
        d.EncoderBias[Silent] = -1000f;
        return d;
    }
}
