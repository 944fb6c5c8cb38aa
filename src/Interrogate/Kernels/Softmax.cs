using System.Numerics.Tensors;

namespace Interrogate.Kernels;

/// <summary>
/// Row kernels for softmax, log-softmax and cross-entropy. Every row subtracts its maximum before
/// exponentiating, so large logits never overflow. Backward kernels add into the gradient.
/// </summary>
public static class Softmax
{
    /// <summary>y = exp(x − max) / Σ exp(x − max). x, y: one row of the same length (may alias).</summary>
    public static void Forward(ReadOnlySpan<float> x, Span<float> y)
    {
        float max = TensorPrimitives.Max(x);
        TensorPrimitives.Subtract(x, max, y);
        TensorPrimitives.Exp(y, y);
        TensorPrimitives.Multiply(y, 1f / TensorPrimitives.Sum(y), y);
    }

    /// <summary>gx += y ⊙ (g − ⟨g, y⟩), the softmax backward from its output. y, g, gx: one row each.</summary>
    public static void Backward(ReadOnlySpan<float> y, ReadOnlySpan<float> g, Span<float> gx)
    {
        float dot = TensorPrimitives.Dot(g, y);
        for (int i = 0; i < y.Length; i++) gx[i] += y[i] * (g[i] - dot);
    }

    /// <summary>log Σ exp(x), stably. x: one row; scratch: at least as long, overwritten.</summary>
    public static float LogSumExp(ReadOnlySpan<float> x, Span<float> scratch)
    {
        float max = TensorPrimitives.Max(x);
        if (float.IsNegativeInfinity(max)) return max;
        var s = scratch[..x.Length];
        TensorPrimitives.Subtract(x, max, s);
        TensorPrimitives.Exp(s, s);
        return max + MathF.Log(TensorPrimitives.Sum(s));
    }

    /// <summary>y = x − logΣexp(x). x, y: one row of the same length (may alias).</summary>
    public static void LogForward(ReadOnlySpan<float> x, Span<float> y)
    {
        float lse = LogSumExp(x, y);
        TensorPrimitives.Subtract(x, lse, y);
    }

    /// <summary>gx += g − exp(y)·Σg, the log-softmax backward from its output. y, g, gx: one row each.</summary>
    public static void LogBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> g, Span<float> gx)
    {
        float sum = TensorPrimitives.Sum(g);
        for (int i = 0; i < y.Length; i++) gx[i] += g[i] - MathF.Exp(y[i]) * sum;
    }

    /// <summary>
    /// Adds scale·(softmax(x) − onehot(target)) to gx: the cross-entropy gradient of one row whose
    /// log-sum-exp <paramref name="lse"/> the forward pass saved.
    /// </summary>
    public static void CrossEntropyBackward(ReadOnlySpan<float> x, float lse, int target, float scale, Span<float> gx, Span<float> scratch)
    {
        var p = scratch[..x.Length];
        TensorPrimitives.Subtract(x, lse, p);
        TensorPrimitives.Exp(p, p);
        TensorPrimitives.MultiplyAdd(p, scale, gx, gx);
        gx[target] -= scale;
    }
}
