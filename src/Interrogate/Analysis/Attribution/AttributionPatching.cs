using Interrogate.Analysis.Ablation;
using Interrogate.Models.Transformer;
using Interrogate.Nn;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Analysis.Attribution;

/// <summary>
/// The estimated mean-ablation effects of every neuron of one hook point.
/// </summary>
/// <param name="Hook">A [batch, position, width] hook point, e.g. blocks.2.mlp.hook_post.</param>
/// <param name="Means">[width]: the value each neuron is ablated to.</param>
/// <param name="Effects">[width]: estimated change of the mean next-token loss when the neuron is set to its mean at every position (positive: the loss rises, the neuron helps).</param>
public sealed record HookEffectEstimates(string Hook, float[] Means, double[] Effects);

/// <summary>Estimates for every studied hook, with the clean loss they are relative to.</summary>
/// <param name="Hooks">One entry per hook, in the order asked.</param>
/// <param name="CleanLoss">Mean next-token loss of the unablated model over the batches.</param>
/// <param name="Predictions">Next-token predictions the loss averages over.</param>
public sealed record AttributionPatchingResult(IReadOnlyList<HookEffectEstimates> Hooks, double CleanLoss, long Predictions)
{
    /// <summary>Every unit with its estimate, largest |estimate| first: the screening order.</summary>
    public IReadOnlyList<(UnitRef Unit, double Effect)> Ranked() =>
        [.. Hooks.SelectMany(h => h.Effects.Select((e, j) => (Unit: new UnitRef(h.Hook, j), Effect: e))).OrderByDescending(x => Math.Abs(x.Effect))];
}

/// <summary>
/// Attribution patching (AtP; Nanda 2023, Kramár et al. 2024): a first-order estimate of what
/// mean-ablating each neuron would do to the mean next-token loss, for every neuron of the studied
/// hooks at once, from one forward and one backward pass per batch:
/// ΔL̂_j = Σ_(b,t) (μ_j − a_btj) · ∂L/∂a_btj, with L the batch's mean loss weighted by its share of
/// the predictions. Exact ablation (<see cref="ExactEffect"/>) costs one forward per neuron per
/// batch, so AtP screens and exact ablation decides: rank units by |estimate|, ablate the top ones.
/// <para>
/// Of AtP*'s two fixes, the one for attention saturation (recomputing the softmax for query/key
/// nodes) concerns attention-pattern nodes and has nothing to act on for MLP neurons, whose
/// estimate is linear in their own activation. The fix for cancellation (GradDrop: one extra
/// backward per layer with that layer's residual gradient dropped) is not implemented here; the
/// linear estimate's error shows up in the test against exact ablation (rank correlation over the
/// top 100 units). All windows of a batch must be full (no padding).
/// </para>
/// <code>
/// var means = AttributionPatching.Means(model, batches, hooks);
/// var atp = AttributionPatching.Estimate(model, batches, hooks, means);
/// foreach (var (unit, effect) in atp.Ranked().Take(100)) { /* exact ablation for these */ }
/// </code>
/// </summary>
public static class AttributionPatching
{
    /// <summary>Each hook's per-neuron mean over every position of the batches (one no-grad forward per batch).</summary>
    /// <param name="model">The model.</param>
    /// <param name="batches">Full windows, [B, T] each.</param>
    /// <param name="hooks">[batch, position, width] hook points.</param>
    public static Dictionary<string, float[]> Means(CausalLanguageModel model, IReadOnlyList<TokenBatch> batches, IReadOnlyList<string> hooks)
    {
        var sums = new Dictionary<string, double[]>();
        long rows = 0;
        using var _ = GradientTape.NoGrad();
        foreach (var batch in CheckBatches(batches))
        {
            using var scope = new HookScope().Cache([.. hooks]);
            model.Forward(batch);
            foreach (var h in hooks)
            {
                var act = Activation(scope, h);
                int width = act.Shape[^1];
                var sum = sums.TryGetValue(h, out var s) ? s : sums[h] = new double[width];
                var data = act.ContiguousData().Span;
                for (int i = 0; i < data.Length; i++) sum[i % width] += data[i];
            }
            rows += batch.Batch * batch.Length;
        }
        return hooks.ToDictionary(h => h, h => sums[h].Select(x => (float)(x / rows)).ToArray());
    }

    /// <summary>AtP estimates of every neuron's mean-ablation effect on the mean next-token loss.</summary>
    /// <param name="model">The model.</param>
    /// <param name="batches">Full windows, [B, T] each.</param>
    /// <param name="hooks">[batch, position, width] hook points to study.</param>
    /// <param name="means">Per hook, [width] values to ablate to (e.g. from <see cref="Means"/> or an activation store's statistics).</param>
    public static AttributionPatchingResult Estimate(CausalLanguageModel model, IReadOnlyList<TokenBatch> batches, IReadOnlyList<string> hooks,
        IReadOnlyDictionary<string, float[]> means)
    {
        long total = CheckBatches(batches).Sum(Predictions);
        var effects = hooks.ToDictionary(h => h, h => new double[means[h].Length]);
        double clean = 0;
        foreach (var batch in batches)
        {
            double weight = (double)Predictions(batch) / total;
            using var scope = new HookScope().KeepGradient([.. hooks]);
            using var tape = new GradientTape();
            var loss = CausalLanguageModel.NextTokenLoss(model.Forward(batch), batch);   // [], this batch's mean
            tape.Backward(loss);
            clean += weight * loss.Item();
            foreach (var h in hooks)
            {
                var act = Activation(scope, h);
                var mean = means[h];
                int width = act.Shape[^1];
                if (mean.Length != width) throw new ArgumentException($"{h}: {mean.Length} means for {width} neurons");
                var a = act.ContiguousData().Span;
                if (act.Grad is null) continue;   // the loss does not depend on this hook
                var g = act.Grad.ContiguousData().Span;
                var e = effects[h];
                for (int i = 0; i < a.Length; i++) e[i % width] += weight * (mean[i % width] - a[i]) * (double)g[i];
            }
        }
        return new AttributionPatchingResult([.. hooks.Select(h => new HookEffectEstimates(h, means[h], effects[h]))], clean, total);
    }

    /// <summary>The exact mean-ablation effect of one neuron: mean loss with it set to <paramref name="mean"/> at every position, minus the clean loss (one forward per batch, plus the clean ones).</summary>
    /// <param name="model">The model.</param>
    /// <param name="batches">Full windows, [B, T] each.</param>
    /// <param name="unit">The neuron.</param>
    /// <param name="mean">Its ablation value.</param>
    /// <param name="cleanLoss">The clean mean loss over the same batches from <see cref="MeanLoss"/> (the same no-grad arithmetic as the ablated runs), or null to compute it.</param>
    public static double ExactEffect(CausalLanguageModel model, IReadOnlyList<TokenBatch> batches, UnitRef unit, float mean, double? cleanLoss = null)
    {
        long total = CheckBatches(batches).Sum(Predictions);
        double ablated = 0, clean = 0;
        using var _ = GradientTape.NoGrad();
        foreach (var batch in batches)
        {
            double weight = (double)Predictions(batch) / total;
            using (NeuronEdits.SetConstant(new HookScope(), [unit], _ => mean))
                ablated += weight * CausalLanguageModel.NextTokenLoss(model.Forward(batch), batch).Item();
            if (cleanLoss is null) clean += weight * CausalLanguageModel.NextTokenLoss(model.Forward(batch), batch).Item();
        }
        return ablated - (cleanLoss ?? clean);
    }

    /// <summary>The clean mean next-token loss over the batches (no-grad), weighted by predictions as in <see cref="Estimate"/>.</summary>
    /// <param name="model">The model.</param>
    /// <param name="batches">Full windows, [B, T] each.</param>
    public static double MeanLoss(CausalLanguageModel model, IReadOnlyList<TokenBatch> batches)
    {
        long total = CheckBatches(batches).Sum(Predictions);
        using var _ = GradientTape.NoGrad();
        return batches.Sum(b => (double)Predictions(b) / total * CausalLanguageModel.NextTokenLoss(model.Forward(b), b).Item());
    }

    private static long Predictions(TokenBatch batch) => (long)batch.Batch * (batch.Length - 1);

    private static IReadOnlyList<TokenBatch> CheckBatches(IReadOnlyList<TokenBatch> batches)
    {
        if (batches.Count == 0) throw new ArgumentException("attribution patching needs at least one batch");
        foreach (var b in batches)
            for (int i = 0; i < b.Batch; i++)
                for (int t = 0; t < b.Length; t++)
                    if (!b.IsReal(i, t)) throw new ArgumentException("attribution patching takes full windows only (no padding)");
        return batches;
    }

    private static Tensors.Tensor Activation(HookScope scope, string hook) =>
        scope.Cached.TryGetValue(hook, out var act) && act.Shape.Length == 3 ? act
            : throw new InputException($"--hook {hook}: not a [batch, position, width] hook point of this model; `interrogate hooks` lists them");
}
