using Interrogate.Models.Transformer;
using Interrogate.Nn;
using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Subjects;

/// <summary>Mean ablation of many MLP units of a language model at once, from the residual stream after their block.</summary>
internal static class LanguageModelAblation
{
    /// <summary>
    /// Ablating unit j changes the MLP output by (mean_j − a_j)·W_out[:, j] at each position and changes
    /// nothing before it, so the residual after the block is computed once; each unit's copy of it gets
    /// its own correction and only the later blocks, the final norm and the unembedding run per unit,
    /// as many units per pass as fit about 16M logits. Returns each unit's summed loss over the batch.
    /// </summary>
    public static double[] MeanAblatedLossSums(CausalLanguageModel model, UnitLayer layer, TokenBatch tokens, IReadOnlyList<int> units, float[] means)
    {
        int b = tokens.Batch, t = tokens.Length, d = model.Dimensions.DModel, w = layer.Width;
        var residName = HookNames.ResidPost(layer.Index);
        using var _ = GradientTape.NoGrad();
        float[] resid, post;
        using (var hooks = new HookScope().Cache(residName, layer.ActivationHook))
        {
            model.Forward(tokens);
            resid = hooks.Cached[residName].ContiguousData().Span.ToArray();           // [B, T, D]
            post = hooks.Cached[layer.ActivationHook].ContiguousData().Span.ToArray();  // [B, T, W]
        }
        var wOut = layer.Outgoing.Weight.Span;   // [D, W]
        int chunk = Math.Max(1, 16_000_000 / (b * t * model.Dimensions.VocabSize));
        var result = new double[units.Count];
        for (int start = 0; start < units.Count; start += chunk)
        {
            int k = Math.Min(chunk, units.Count - start);
            var x = new float[k * b * t * d];   // [k·B, T, D]
            for (int c = 0; c < k; c++)
            {
                int j = units[start + c];
                resid.CopyTo(x, c * b * t * d);
                for (int p = 0; p < b * t; p++)
                {
                    float delta = means[j] - post[p * w + j];
                    var row = x.AsSpan((c * b * t + p) * d, d);
                    for (int e = 0; e < d; e++) row[e] += delta * wOut[e * w + j];
                }
            }
            var ids = new int[k * b * t];
            for (int c = 0; c < k; c++) tokens.Ids.CopyTo(ids, c * b * t);
            var copies = new TokenBatch(ids, k * b, t);
            var logits = Suffix(model, new Tensor(x, k * b, t, d), copies, layer.Index + 1);
            var sums = WindowedTokens.RowLossSums(model, logits.ContiguousData().Span, copies);
            for (int c = 0; c < k; c++)
                for (int r = 0; r < b; r++) result[start + c] += sums[c * b + r];
        }
        return result;
    }

    /// <summary>Runs blocks from <paramref name="firstBlock"/> on, the final norm and the unembedding. x: [B, T, D] → logits [B, T, V].</summary>
    private static Tensor Suffix(CausalLanguageModel model, Tensor x, TokenBatch batch, int firstBlock)
    {
        var ctx = ForwardContext.Create(batch, null, model.Dimensions.ContextLength);
        for (int l = firstBlock; l < model.Blocks.Count; l++) x = model.Blocks[l].Forward(x, ctx);
        return model.LnFinal.Forward(x).Linear(model.UnembedWeight);
    }
}
