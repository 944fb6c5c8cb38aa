using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

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

    /// <summary>y = x − logΣexp(x). x, y: one row of the same length (may alias).</summary>
    public static void LogForward(ReadOnlySpan<float> x, Span<float> y)
    {
        float lse = LogSumExp(x);
        TensorPrimitives.Subtract(x, lse, y);
    }

    /// <summary>gx += g − exp(y)·Σg, the log-softmax backward from its output. y, g, gx: one row each.</summary>
    public static void LogBackward(ReadOnlySpan<float> y, ReadOnlySpan<float> g, Span<float> gx)
    {
        float sum = TensorPrimitives.Sum(g);
        for (int i = 0; i < y.Length; i++) gx[i] += g[i] - MathF.Exp(y[i]) * sum;
    }

    /// <summary>
    /// scale·(softmax(x) − onehot(target)) into gx: added when <paramref name="accumulate"/>, else
    /// written over whatever gx held. The cross-entropy gradient of one row whose log-sum-exp
    /// <paramref name="lse"/> the forward pass saved; one vectorised pass, no scratch.
    /// </summary>
    public static void CrossEntropyBackward(ReadOnlySpan<float> x, float lse, int target, float scale, Span<float> gx, bool accumulate)
    {
        if (gx.Length < x.Length) throw new ArgumentException("CrossEntropyBackward: gx is shorter than x");
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            ref float xr = ref MemoryMarshal.GetReference(x), dr = ref MemoryMarshal.GetReference(gx);
            var shift = Vector256.Create(lse);
            var s = Vector256.Create(scale);
            for (; i + 8 <= x.Length; i += 8)
            {
                var p = s * Vector256.Exp(Vector256.LoadUnsafe(ref xr, (nuint)i) - shift);
                (accumulate ? Vector256.LoadUnsafe(ref dr, (nuint)i) + p : p).StoreUnsafe(ref dr, (nuint)i);
            }
        }
        for (; i < x.Length; i++)
        {
            float p = scale * MathF.Exp(x[i] - lse);
            gx[i] = accumulate ? gx[i] + p : p;
        }
        gx[target] -= scale;
    }

    /// <summary>log Σ exp(x), stably, in two vectorised passes (maximum, then the sum of exponentials) with no scratch. x: one row.</summary>
    public static float LogSumExp(ReadOnlySpan<float> x)
    {
        if (x.IsEmpty) return float.NegativeInfinity;
        float max = TensorPrimitives.Max(x);
        if (float.IsNegativeInfinity(max) || float.IsNaN(max)) return max;
        int i = 0;
        float sum = 0f;
        if (Vector256.IsHardwareAccelerated && x.Length >= 8)
        {
            ref float xr = ref MemoryMarshal.GetReference(x);
            var shift = Vector256.Create(max);
            var acc = Vector256<float>.Zero;
            for (; i + 8 <= x.Length; i += 8) acc += Vector256.Exp(Vector256.LoadUnsafe(ref xr, (nuint)i) - shift);
            sum = Vector256.Sum(acc);
        }
        for (; i < x.Length; i++) sum += MathF.Exp(x[i] - max);
        return max + MathF.Log(sum);
    }
}
