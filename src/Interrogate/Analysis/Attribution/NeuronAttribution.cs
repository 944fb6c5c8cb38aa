using Interrogate.Models.Transformer;
using Interrogate.Nn;
using Interrogate.Tensors;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Analysis.Attribution;

/// <summary>
/// Gradient-based attribution of one prediction's log-probability to MLP neurons.
/// <list type="bullet">
/// <item>Gradient×activation: a first-order estimate of what zeroing each neuron would do; one backward pass for every hook.</item>
/// <item>Integrated gradients (Sundararajan et al. 2017): the hook's activation is moved along the straight
/// line from a baseline (zero or the neurons' means) to its clean value, the downstream model runs as
/// usual, and gradients are averaged over <c>steps</c> midpoints. The scores then sum to
/// f(x) − f(baseline) up to the quadrature error (completeness), which the result reports.</item>
/// </list>
/// </summary>
public static class NeuronAttribution
{
    /// <summary>Σ over positions of ∂f/∂a · a for every neuron of each hook, from one forward and one backward pass.</summary>
    public static IReadOnlyList<HookAttribution> GradientTimesActivation(CausalLanguageModel model, AttributionTarget target, IReadOnlyList<string> hooks)
    {
        int position = target.ResolvedPosition;
        using var scope = new HookScope().KeepGradient([.. hooks]);
        using var tape = new GradientTape();
        var f = TargetLogProb(model.Forward(target.Ids), position, target.Token);   // []
        tape.Backward(f);
        double value = f.Item();
        return [.. hooks.Select(h =>
        {
            if (!scope.Cached.TryGetValue(h, out var act)) throw new InputException($"--hook {h}: this model has no such hook point; `interrogate hooks` lists them");
            var scores = SumOverPositions(act.ToArray(), act.Grad?.ToArray() ?? new float[act.Size], null, act.Shape[^1], 1);
            return new HookAttribution(h, scores, scores.Sum(x => (double)x), value, null, null, 1);
        })];
    }

    /// <summary>Integrated gradients of the target log-probability w.r.t. one hook's neurons.</summary>
    /// <param name="model">The model.</param>
    /// <param name="target">Prompt, position and token.</param>
    /// <param name="hook">A [batch, position, width] hook point, e.g. blocks.2.mlp.hook_post.</param>
    /// <param name="baseline">[width] per-neuron baseline (e.g. means), or null for zero.</param>
    /// <param name="steps">Midpoint-rule steps; all run as one batch.</param>
    public static HookAttribution IntegratedGradients(CausalLanguageModel model, AttributionTarget target, string hook, float[]? baseline = null, int steps = 32)
    {
        if (steps < 1) throw new InputException($"--steps {steps}: must be at least 1");
        int position = target.ResolvedPosition, length = target.Ids.Length;
        double fx, fb;
        Tensor clean;
        using (GradientTape.NoGrad())
        {
            using (var scope = new HookScope().Cache(hook))
            {
                fx = TargetLogProb(model.Forward(target.Ids), position, target.Token).Item();
                if (!scope.Cached.TryGetValue(hook, out var act)) throw new InputException($"--hook {hook}: this model has no such hook point; `interrogate hooks` lists them");
                clean = act.Clone();   // [1, T, width]
            }
            using (new HookScope().Edit(hook, a => Interpolate(a, baseline, Tensor.Zeros(1, 1, 1))))
                fb = TargetLogProb(model.Forward(target.Ids), position, target.Token).Item();
        }
        int width = clean.Shape[2];
        if (baseline is not null && baseline.Length != width) throw new ArgumentException($"baseline has {baseline.Length} values; {hook} has {width} neurons");
        var alphas = new float[steps];
        for (int k = 0; k < steps; k++) alphas[k] = (k + 0.5f) / steps;
        var ids = new int[steps * length];
        for (int k = 0; k < steps; k++) target.Ids.CopyTo(ids, k * length);
        float[] grad;
        using (var scope = new HookScope().Edit(hook, a => Interpolate(a, baseline, new Tensor(alphas, steps, 1, 1))).KeepGradient(hook))
        using (var tape = new GradientTape())
        {
            var f = TargetLogProb(model.Forward(new TokenBatch(ids, steps, length)), position, target.Token);   // Σ over steps
            tape.Backward(f);
            grad = scope.Cached[hook].Grad?.ToArray() ?? new float[steps * length * width];   // [steps, T, width]
        }
        var scores = SumOverPositions(clean.ToArray(), grad, baseline, width, steps);
        double sum = scores.Sum(x => (double)x);
        return new HookAttribution(hook, scores, sum, fx, fb, sum - (fx - fb), steps);
    }

    /// <summary>baseline + α·(a − baseline). a: [S, T, width]; alpha: [S, 1, 1] (or [1, 1, 1]); baseline: [width] or null for 0.</summary>
    private static Tensor Interpolate(Tensor a, float[]? baseline, Tensor alpha)
    {
        if (baseline is null) return a.Mul(alpha);
        var b = new Tensor(baseline, baseline.Length);
        return a.Sub(b).Mul(alpha).Add(b);
    }

    /// <summary>log softmax(logits[:, position])[token], summed over rows. logits: [S, T, V]; result: [].</summary>
    private static Tensor TargetLogProb(Tensor logits, int position, int token)
    {
        int v = logits.Shape[2];
        if ((uint)token >= (uint)v) throw new InputException($"target token id {token} is outside the vocabulary of {v}");
        var pick = new float[v];
        pick[token] = 1f;
        return logits.Slice(1, position, 1).LogSoftmax(-1).Mul(new Tensor(pick, 1, 1, v)).Sum();
    }

    /// <summary>
    /// Scores[j] = Σ_t (x − b)[t, j] · mean_k grad[k, t, j]. x: [1, T, width]; grad: [steps, T, width];
    /// baseline: [width] or null for 0.
    /// </summary>
    private static float[] SumOverPositions(float[] x, float[] grad, float[]? baseline, int width, int steps)
    {
        int t = x.Length / width;
        var scores = new double[width];
        for (int p = 0; p < t; p++)
            for (int j = 0; j < width; j++)
            {
                double g = 0;
                for (int k = 0; k < steps; k++) g += grad[(k * t + p) * width + j];
                scores[j] += (x[p * width + j] - (baseline?[j] ?? 0f)) * g / steps;
            }
        return [.. scores.Select(s => (float)s)];
    }
}
