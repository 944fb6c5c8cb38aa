using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
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
        int i = 0;
        if (Vector256.IsHardwareAccelerated && g.Length >= w.Length)
        {
            // The scalar loop's exact operations, 8 lanes at a time (no fused multiply-adds), so
            // results are bit-identical to it and a resumed run reproduces an uninterrupted one.
            var (vb1, vb2, vc1, vc2) = (Vector256.Create(b1), Vector256.Create(b2), Vector256.Create(1f - b1), Vector256.Create(1f - b2));
            var (vDecay, vStep, vSqrt2, vEps) = (Vector256.Create(decay), Vector256.Create(stepSize), Vector256.Create(sqrtCorrection2), Vector256.Create(epsilon));
            ref float wr = ref MemoryMarshal.GetReference(w), gr = ref MemoryMarshal.GetReference(g);
            ref float mr = ref MemoryMarshal.GetArrayDataReference(m), vr = ref MemoryMarshal.GetArrayDataReference(v);
            for (; i + 8 <= w.Length; i += 8)
            {
                var gi = Vector256.LoadUnsafe(ref gr, (nuint)i);
                var mi = vb1 * Vector256.LoadUnsafe(ref mr, (nuint)i) + vc1 * gi;
                var vi = vb2 * Vector256.LoadUnsafe(ref vr, (nuint)i) + vc2 * gi * gi;
                mi.StoreUnsafe(ref mr, (nuint)i);
                vi.StoreUnsafe(ref vr, (nuint)i);
                var wi = Vector256.LoadUnsafe(ref wr, (nuint)i) * vDecay - vStep * mi / (Vector256.Sqrt(vi) / vSqrt2 + vEps);
                wi.StoreUnsafe(ref wr, (nuint)i);
            }
        }
        for (; i < w.Length; i++)
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
