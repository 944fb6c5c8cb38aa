using System.Numerics.Tensors;
using Interrogate.Tensors.Autodiff;

namespace Interrogate.Tensors;

public static partial class Ops
{
    /// <summary>
    /// Inverted dropout: zeroes each element with probability p and scales the survivors by
    /// 1/(1−p), so evaluation needs no rescaling. Returns x itself when !training or p == 0.
    /// x: any shape; result: same shape. The mask is drawn from <paramref name="rng"/> in row-major order.
    /// </summary>
    public static Tensor Dropout(this Tensor x, float p, TensorRandom rng, bool training)
    {
        if (p < 0f || p > 1f) throw new ArgumentOutOfRangeException(nameof(p), $"dropout probability {p} is outside [0, 1]");
        if (!training || p == 0f) return x;
        float keep = p >= 1f ? 0f : 1f / (1f - p);
        var mask = new float[x.Size];
        for (int i = 0; i < mask.Length; i++) mask[i] = rng.NextDouble() < p ? 0f : keep;
        var y = Tensor.Zeros(x.Shape);
        TensorPrimitives.Multiply(x.ContiguousData().Span, mask, y.Span);
        if (GradientTape.ShouldRecord(x))
            GradientTape.Record(y, g => { var gx = x.GradSpan(); TensorPrimitives.MultiplyAdd(g.Span, mask, gx, gx); });
        return y;
    }
}
