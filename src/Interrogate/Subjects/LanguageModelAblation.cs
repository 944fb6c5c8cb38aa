using Interrogate.Kernels;
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
    public static double[] MeanAblatedLossSums(CausalLanguageModel model, UnitLayer layer, TokenBatch tokens, IReadOnlyList<int> units, float[] means) =>
        MeanAblatedLossSums(model, [layer], tokens, [units], [means])[0];

    /// <summary>
    /// <see cref="MeanAblatedLossSums(CausalLanguageModel, UnitLayer, TokenBatch, IReadOnlyList{int}, float[])"/> for
    /// several layers from one clean pass: the residual after every listed layer and its activations are cached by a
    /// single forward (not one forward per layer), then each layer's units run from there. Equal bits to the one-layer call.
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="layers">The layers whose units are ablated.</param>
    /// <param name="tokens">One unpadded calibration batch.</param>
    /// <param name="units">Per entry of <paramref name="layers"/>, the units to ablate (an empty list skips the layer).</param>
    /// <param name="means">Per entry of <paramref name="layers"/>, [width] replacement values.</param>
    /// <param name="progress">Called after each layer with the fraction of layers done.</param>
    public static double[][] MeanAblatedLossSums(CausalLanguageModel model, IReadOnlyList<UnitLayer> layers, TokenBatch tokens,
        IReadOnlyList<IReadOnlyList<int>> units, IReadOnlyList<float[]> means, Action<double>? progress = null)
    {
        var wanted = Enumerable.Range(0, layers.Count).Where(i => units[i].Count > 0).ToArray();
        var result = units.Select(u => new double[u.Count]).ToArray();
        if (wanted.Length == 0) return result;
        using var _ = GradientTape.NoGrad();
        var names = wanted.SelectMany(i => new[] { HookNames.ResidPost(layers[i].Index), layers[i].ActivationHook }).Distinct().ToArray();
        var cached = new Dictionary<string, float[]>();
        using (var hooks = new HookScope().Cache(names))
        {
            // Only the blocks up to the last listed layer are needed: no final norm, no logits.
            model.ForwardBlocks(tokens, wanted.Max(i => layers[i].Index) + 1);
            foreach (var name in names) cached[name] = hooks.Cached[name].ContiguousData().Span.ToArray();
        }
        // One logits buffer for every pass of the batch: at GPT-2's vocabulary a fresh [k·B, T, V] array per pass
        // (206 MB for one 1,024-token window) cost more in page faults than its loss took to compute.
        var logits = GC.AllocateUninitializedArray<float>(UnitsPerPass(model, tokens) * tokens.Batch * tokens.Length * model.Dimensions.VocabSize);
        for (int n = 0; n < wanted.Length; n++)
        {
            int i = wanted[n];
            result[i] = Ablate(model, layers[i], tokens, units[i], means[i],
                cached[HookNames.ResidPost(layers[i].Index)], cached[layers[i].ActivationHook], logits);
            progress?.Invoke((n + 1.0) / wanted.Length);
        }
        return result;
    }

    /// <summary>Each unit's summed ablated loss, from resid ([B, T, D], the clean stream after the layer's block) and post ([B, T, W], its clean activations).</summary>
    private static double[] Ablate(CausalLanguageModel model, UnitLayer layer, TokenBatch tokens, IReadOnlyList<int> units, float[] means, float[] resid, float[] post, float[] logits)
    {
        int b = tokens.Batch, t = tokens.Length, d = model.Dimensions.DModel, w = layer.Width;
        var wOut = layer.Outgoing.Weight.Span;   // [D, W]
        int chunk = UnitsPerPass(model, tokens);
        var result = new double[units.Count];
        var column = new float[d];
        for (int start = 0; start < units.Count; start += chunk)
        {
            int k = Math.Min(chunk, units.Count - start);
            var x = new float[k * b * t * d];   // [k·B, T, D]
            for (int c = 0; c < k; c++)
            {
                int j = units[start + c];
                for (int e = 0; e < d; e++) column[e] = wOut[e * w + j];
                resid.CopyTo(x, c * b * t * d);
                for (int p = 0; p < b * t; p++)
                {
                    float delta = means[j] - post[p * w + j];
                    var row = x.AsSpan((c * b * t + p) * d, d);
                    for (int e = 0; e < d; e++) row[e] += delta * column[e];
                }
            }
            var ids = new int[k * b * t];
            for (int c = 0; c < k; c++) tokens.Ids.CopyTo(ids, c * b * t);
            var copies = new TokenBatch(ids, k * b, t);
            var scores = Suffix(model, new Tensor(x, k * b, t, d), copies, layer.Index + 1, logits);
            var sums = WindowedTokens.RowLossSums(model, scores.ContiguousData().Span, copies);
            for (int c = 0; c < k; c++)
                for (int r = 0; r < b; r++) result[start + c] += sums[c * b + r];
        }
        return result;
    }

    /// <summary>Units stacked in one pass: as many as fit about 16M logits, at least one.</summary>
    private static int UnitsPerPass(CausalLanguageModel model, TokenBatch tokens) =>
        Math.Max(1, 16_000_000 / (tokens.Batch * tokens.Length * model.Dimensions.VocabSize));

    /// <summary>
    /// Runs blocks from <paramref name="firstBlock"/> on, the final norm and the unembedding, as <see cref="CausalLanguageModel.Forward(TokenBatch, KeyValueCache?)"/>
    /// does (the same products, so the same bits). x: [B, T, D] → logits [B, T, V], written into the front of <paramref name="buffer"/> (a last, shorter pass uses part of it).
    /// </summary>
    private static Tensor Suffix(CausalLanguageModel model, Tensor x, TokenBatch batch, int firstBlock, float[] buffer)
    {
        var ctx = ForwardContext.Create(batch, null, model.Dimensions.ContextLength);
        for (int l = firstBlock; l < model.Blocks.Count; l++) x = model.Blocks[l].Forward(x, ctx);
        var normalized = model.LnFinal.Forward(x);
        var logits = new Tensor(buffer, [.. normalized.Shape[..^1], model.Dimensions.VocabSize]);
        Ops.LinearInto(normalized, model.UnembedWeight, null, logits);
        return model.FinalSoftCap is { } cap ? logits.Mul(1f / cap).Tanh().Mul(cap) : logits;
    }
}
