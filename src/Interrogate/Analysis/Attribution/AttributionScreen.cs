using Interrogate.Models.Transformer;
using Interrogate.Nn;
using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Analysis.Attribution;

/// <summary>
/// Per-unit screening scores of one hook from <see cref="AttributionScreen"/>.
/// </summary>
/// <param name="Hook">A [batch, position, width] hook point.</param>
/// <param name="AtP">[width] AtP estimate of the change of the scored predictions' mean loss when the unit is mean-ablated (positive: the loss rises).</param>
/// <param name="GradDrop">[width] AtP*'s GradDrop score, (1/(L−1)) Σ_l |AtP with layer l's gradient dropped|; null when not computed.</param>
public sealed record UnitScreenScores(string Hook, double[] AtP, double[]? GradDrop)
{
    /// <summary>The score screening ranks by: GradDrop when computed (it resists cancellation), else |AtP|.</summary>
    public double Score(int unit) => GradDrop is { } gd ? gd[unit] : Math.Abs(AtP[unit]);
}

/// <summary>
/// Attribution patching for screening candidates (Nanda 2023; AtP*, Kramár et al. 2024): from one forward and
/// one backward pass per batch, the first-order estimate of every unit's mean-ablation effect on the mean loss of
/// chosen predictions (e.g. those of concept tokens), ΔL̂_j = Σ (μ_j − a_j) · ∂L/∂a_j.
/// <para>
/// AtP*'s cancellation fix, GradDrop: a unit's direct and indirect paths can cancel in the gradient although
/// ablating it does change the loss. For each block l the pass is repeated with the gradient through that block's
/// attention and MLP outputs dropped (they are detached; the residual stream still carries it), and the unit's
/// score is (1/(L−1)) Σ_l |ΔL̂_j with l dropped| (one more forward and backward per block). Its fix for attention
/// saturation (recomputing the softmax for query and key nodes) is not implemented: the units screened here are
/// MLP neurons and other [batch, position, width] activations, not query/key nodes (for attention heads see
/// Importance.HeadAttribution, which applies it to each head's query and keys). Estimates screen; verdicts
/// come from exact ablations on other windows.
/// </para>
/// </summary>
public static class AttributionScreen
{
    /// <param name="model">The model.</param>
    /// <param name="batches">Full windows, [B, T] each.</param>
    /// <param name="scored">Per batch, [B·T] whether the prediction made at each position (of the next token) counts.</param>
    /// <param name="hooks">[batch, position, width] hook points.</param>
    /// <param name="means">Per hook, [width] values the units are ablated to.</param>
    /// <param name="gradDrop">Also compute AtP*'s GradDrop scores (one more pass per block).</param>
    public static IReadOnlyList<UnitScreenScores> Estimate(CausalLanguageModel model, IReadOnlyList<TokenBatch> batches, IReadOnlyList<bool[]> scored,
        IReadOnlyList<string> hooks, IReadOnlyDictionary<string, float[]> means, bool gradDrop)
    {
        if (batches.Count != scored.Count) throw new ArgumentException("one scored mask per batch");
        long total = 0;
        var targets = new int[batches.Count][];
        for (int i = 0; i < batches.Count; i++)
        {
            var (b, t, ids) = (batches[i].Batch, batches[i].Length, batches[i].Ids);
            targets[i] = new int[b * t];
            for (int r = 0; r < b * t; r++)
            {
                bool counts = scored[i][r] && r % t < t - 1;
                targets[i][r] = counts ? ids[r + 1] : -100;
                if (counts) total++;
            }
        }
        int layers = model.Blocks.Count;
        var atp = hooks.ToDictionary(h => h, h => new double[means[h].Length]);
        var dropped = gradDrop ? Enumerable.Range(0, layers).Select(_ => hooks.ToDictionary(h => h, h => new double[means[h].Length])).ToArray() : [];
        if (total == 0) return [.. hooks.Select(h => new UnitScreenScores(h, atp[h], gradDrop ? new double[means[h].Length] : null))];
        for (int i = 0; i < batches.Count; i++)
        {
            double weight = targets[i].Count(x => x >= 0) / (double)total;
            if (weight == 0) continue;
            Accumulate(model, batches[i], targets[i], hooks, means, weight, drop: null, atp);
            for (int l = 0; l < dropped.Length; l++) Accumulate(model, batches[i], targets[i], hooks, means, weight, drop: l, dropped[l]);
        }
        return [.. hooks.Select(h => new UnitScreenScores(h, atp[h], gradDrop
            ? [.. Enumerable.Range(0, atp[h].Length).Select(j => dropped.Sum(d => Math.Abs(d[h][j])) / Math.Max(1, layers - 1))]
            : null))];
    }

    /// <summary>
    /// AtP estimates of every unit's mean-ablation effect on the mean next-token loss over token windows (every
    /// prediction counts), each unit ablated to its mean over the same windows: the cheap twin of an exact
    /// mean-ablation Δloss, per hook [width].
    /// </summary>
    /// <param name="model">The model.</param>
    /// <param name="windows">Token windows [n][T], all of one length T ≤ the context.</param>
    /// <param name="batchSize">Windows per forward/backward pass.</param>
    /// <param name="hooks">[batch, position, width] hook points.</param>
    public static IReadOnlyList<double[]> MeanAblationEstimates(CausalLanguageModel model, IReadOnlyList<int[]> windows, int batchSize, IReadOnlyList<string> hooks)
    {
        int t = windows[0].Length;
        var batches = new List<TokenBatch>();
        for (int at = 0; at < windows.Count; at += batchSize)
        {
            var part = windows.Skip(at).Take(batchSize).ToArray();
            batches.Add(new TokenBatch([.. part.SelectMany(w => w)], part.Length, t));
        }
        var means = AttributionPatching.Means(model, batches, hooks);
        var all = batches.Select(b => Enumerable.Repeat(true, b.Batch * b.Length).ToArray()).ToList();
        return [.. Estimate(model, batches, all, hooks, means, gradDrop: false).Select(s => s.AtP)];
    }

    /// <summary>One forward and backward of the scored predictions' mean loss; adds weight·Σ (μ − a)·∂L/∂a per unit.</summary>
    private static void Accumulate(CausalLanguageModel model, TokenBatch batch, int[] targets, IReadOnlyList<string> hooks,
        IReadOnlyDictionary<string, float[]> means, double weight, int? drop, Dictionary<string, double[]> into)
    {
        using var scope = new HookScope().KeepGradient([.. hooks]);
        // The gradient starts at the first block's input (a leaf), so it reaches the studied units even when the
        // model's weights are frozen (and goes no further down).
        scope.Edit(HookNames.Block(0, "hook_resid_pre"), x =>
        {
            var leaf = x.Detach();
            leaf.RequiresGrad = true;
            return leaf;
        });
        if (drop is int l)
        {
            // GradDrop: block l's branches keep their values but pass no gradient upstream.
            scope.Edit(HookNames.Block(l, "hook_attn_out"), a => a.Detach());
            scope.Edit(HookNames.Block(l, "hook_mlp_out"), a => a.Detach());
        }
        using var tape = new GradientTape();
        var loss = model.Forward(batch).CrossEntropy(targets);   // [], mean over the scored predictions
        tape.Backward(loss);
        foreach (var h in hooks)
        {
            if (!scope.Cached.TryGetValue(h, out var act) || act.Shape.Length != 3)
                throw new InputException($"--hook {h}: not a [batch, position, width] hook point of this model; `interrogate hooks` lists them");
            if (act.Grad is null) continue;   // the loss does not depend on it (e.g. its gradient was dropped)
            var mean = means[h];
            int width = act.Shape[^1];
            var a = act.ContiguousData().Span;
            var g = act.Grad.ContiguousData().Span;
            var e = into[h];
            for (int i = 0; i < a.Length; i++) e[i % width] += weight * (mean[i % width] - a[i]) * (double)g[i];
        }
    }
}
