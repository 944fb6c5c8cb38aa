using Interrogate.Models.Mlp;
using Interrogate.Nn;
using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Subjects;

/// <summary>Mean ablation of many hidden units of an MLP classifier at once, from the layer's activations.</summary>
internal static class ClassifierAblation
{
    /// <summary>
    /// The hidden activations of the layer are computed once; each unit gets a copy with its column set to
    /// its mean, and only the later layers run, many units per pass. x: [N, features]; y: [N]. Returns each unit's summed loss.
    /// </summary>
    public static double[] MeanAblatedLossSums(MlpClassifier model, UnitLayer layer, Tensor x, int[] y, IReadOnlyList<int> units, float[] means)
    {
        int n = y.Length, w = layer.Width;
        using var _ = GradientTape.NoGrad();
        float[] post;
        using (var hooks = new HookScope().Cache(layer.ActivationHook))
        {
            model.Forward(x);
            post = hooks.Cached[layer.ActivationHook].ContiguousData().Span.ToArray();   // [N, W]
        }
        int chunk = Math.Max(1, 4_000_000 / (n * w));
        var result = new double[units.Count];
        for (int start = 0; start < units.Count; start += chunk)
        {
            int k = Math.Min(chunk, units.Count - start);
            var h = new float[k * n * w];   // [k·N, W]
            for (int c = 0; c < k; c++)
            {
                int j = units[start + c];
                post.CopyTo(h, c * n * w);
                for (int r = 0; r < n; r++) h[(c * n + r) * w + j] = means[j];
            }
            var hidden = new Tensor(h, k * n, w);
            for (int i = layer.Index + 1; i < model.HiddenLayers.Count; i++)
                hidden = Activation.Apply(model.Config.Activation, model.HiddenLayers[i].Forward(hidden));
            var logits = model.Output.Forward(hidden).ContiguousData().Span;   // [k·N, C]
            int classes = model.Config.NumClasses;
            for (int c = 0; c < k; c++)
                for (int r = 0; r < n; r++)
                    result[start + c] += Subject.RowLoss(logits.Slice((c * n + r) * classes, classes), y[r]);
        }
        return result;
    }
}
