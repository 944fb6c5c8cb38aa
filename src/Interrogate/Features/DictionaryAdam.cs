using System.Numerics.Tensors;
using Interrogate.Kernels;

namespace Interrogate.Features;

/// <summary>
/// Adam (Kingma and Ba 2015) over flat float arrays, fused with clearing the gradient: one pass
/// per parameter reads p, g, m, v and writes p, m, v and g = 0. Split into blocks across threads.
/// </summary>
public sealed class DictionaryAdam(float beta1 = 0.9f, float beta2 = 0.999f, float epsilon = 1e-8f)
{
    private const int Block = 1 << 14;

    /// <summary>Steps taken so far (the bias correction's t).</summary>
    public long Steps { get; set; }

    /// <summary>Moments of one parameter array: [first, second], each the parameter's length.</summary>
    public sealed record Moments(float[] First, float[] Second)
    {
        public static Moments For(int length) => new(new float[length], new float[length]);
    }

    /// <summary>Call once per step before <see cref="Update"/>s.</summary>
    public void Tick() => Steps++;

    /// <summary>p −= lr · m̂ / (√v̂ + ε); g is cleared.</summary>
    /// <param name="p">[n] parameter.</param>
    /// <param name="g">[n] gradient, zeroed on return.</param>
    /// <param name="moments">The parameter's Adam moments.</param>
    /// <param name="lr">Learning rate of this step.</param>
    public void Update(float[] p, float[] g, Moments moments, float lr)
    {
        float c1 = 1f - MathF.Pow(beta1, Steps), c2 = 1f - MathF.Pow(beta2, Steps);
        float step = lr / c1, rootC2 = MathF.Sqrt(c2);
        var (m, v) = (moments.First, moments.Second);
        int blocks = (p.Length + Block - 1) / Block;
        Parallelism.For(blocks, b =>
        {
            int from = b * Block, n = Math.Min(Block, p.Length - from);
            Span<float> pb = p.AsSpan(from, n), gb = g.AsSpan(from, n), mb = m.AsSpan(from, n), vb = v.AsSpan(from, n);
            // m = β1 m + (1 − β1) g; v = β2 v + (1 − β2) g²
            TensorPrimitives.Multiply(mb, beta1, mb);
            TensorPrimitives.MultiplyAdd(gb, 1f - beta1, mb, mb);
            TensorPrimitives.Multiply(vb, beta2, vb);
            TensorPrimitives.Multiply(gb, gb, gb);
            TensorPrimitives.MultiplyAdd(gb, 1f - beta2, vb, vb);
            // p −= step · m / (√v / √c2 + ε), reusing g as scratch, then clear it.
            TensorPrimitives.Sqrt(vb, gb);
            TensorPrimitives.Multiply(gb, 1f / rootC2, gb);
            TensorPrimitives.Add(gb, epsilon, gb);
            TensorPrimitives.Divide(mb, gb, gb);
            TensorPrimitives.MultiplyAdd(gb, -step, pb, pb);
            gb.Clear();
        });
    }
}
