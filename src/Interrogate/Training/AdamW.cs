using Interrogate.Tensors;

namespace Interrogate.Training;

/// <summary>
/// Adam with decoupled weight decay (Loshchilov &amp; Hutter), as torch.optim.AdamW:
/// w -= lr·λ·w; m = β1·m + (1-β1)·g; v = β2·v + (1-β2)·g²; w -= lr·m̂ / (sqrt(v̂) + ε).
/// </summary>
public sealed class AdamW(IEnumerable<(string Name, Tensor Tensor)> parameters, float learningRate,
    float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f, float weightDecay = 0.01f,
    Func<string, bool>? decays = null) : Optimizer(parameters, learningRate)
{
    private readonly Dictionary<string, (float[] M, float[] V)> moments = [];
    // Which parameters take weight decay; by default all (callers usually exclude biases and norms).
    private readonly Func<string, bool> decays = decays ?? (_ => true);

    protected override void Update(string name, Span<float> w, ReadOnlySpan<float> g)
    {
        if (!moments.TryGetValue(name, out var state))
            moments[name] = state = (new float[w.Length], new float[w.Length]);
        var (m, v) = state;
        float lr = LearningRate;
        float b1 = beta1, b2 = beta2;
        float correction1 = 1f - MathF.Pow(b1, StepCount);
        float correction2 = 1f - MathF.Pow(b2, StepCount);
        float stepSize = lr / correction1;
        float sqrtCorrection2 = MathF.Sqrt(correction2);
        float decay = decays(name) ? 1f - lr * weightDecay : 1f;
        for (int i = 0; i < w.Length; i++)
        {
            float gi = g[i];
            float mi = m[i] = b1 * m[i] + (1f - b1) * gi;
            float vi = v[i] = b2 * v[i] + (1f - b2) * gi * gi;
            w[i] = w[i] * decay - stepSize * mi / (MathF.Sqrt(vi) / sqrtCorrection2 + epsilon);
        }
    }

    public override IEnumerable<(string Name, Tensor Tensor)> State()
    {
        foreach (var (name, (m, v)) in moments)
        {
            yield return ("exp_avg/" + name, new Tensor(m, m.Length));
            yield return ("exp_avg_sq/" + name, new Tensor(v, v.Length));
        }
    }

    public override void LoadState(IReadOnlyDictionary<string, Tensor> state, long stepCount)
    {
        moments.Clear();
        foreach (var (key, t) in state)
        {
            if (!key.StartsWith("exp_avg/", StringComparison.Ordinal)) continue;
            var name = key["exp_avg/".Length..];
            moments[name] = (t.ToArray(), state["exp_avg_sq/" + name].ToArray());
        }
        StepCount = stepCount;
    }
}
