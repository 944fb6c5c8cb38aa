using Interrogate.Tensors;

namespace Interrogate.Models.Transformer;

/// <summary>
/// Rotary position embedding in the Hugging Face "rotate_half" layout: dimension i is paired with
/// i + Dh/2 (not with its neighbour), at frequency θ^(−2i/Dh) for i &lt; Dh/2.
/// </summary>
public sealed class RotaryEmbedding
{
    private readonly double[] inverseFrequency;   // [Dh/2]

    public RotaryEmbedding(int headDim, double theta)
    {
        if (headDim % 2 != 0) throw new ArgumentException($"rotary embedding needs an even head size; got {headDim}");
        HeadDim = headDim;
        Theta = theta;
        inverseFrequency = new double[headDim / 2];
        for (int i = 0; i < inverseFrequency.Length; i++) inverseFrequency[i] = 1.0 / Math.Pow(theta, 2.0 * i / headDim);
    }

    public int HeadDim { get; }
    public double Theta { get; }

    /// <summary>positions: [B·T] → cos, sin: [B, T, 1, Dh], the angle of column i being that of column i mod Dh/2.</summary>
    public (Tensor Cos, Tensor Sin) Tables(int[] positions, int batch, int length)
    {
        int half = HeadDim / 2;
        var cos = Tensor.Zeros(batch, length, 1, HeadDim);
        var sin = Tensor.Zeros(batch, length, 1, HeadDim);
        for (int r = 0; r < positions.Length; r++)
        {
            for (int i = 0; i < half; i++)
            {
                double angle = positions[r] * inverseFrequency[i];
                float c = (float)Math.Cos(angle), s = (float)Math.Sin(angle);
                cos.Storage[r * HeadDim + i] = cos.Storage[r * HeadDim + half + i] = c;
                sin.Storage[r * HeadDim + i] = sin.Storage[r * HeadDim + half + i] = s;
            }
        }
        return (cos, sin);
    }

    /// <summary>x·cos + rotate_half(x)·sin, rotate_half(x) = [−x₂, x₁]. x: [B, T, H, Dh]; cos, sin: [B, T, 1, Dh]. Result: [B, T, H, Dh].</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        int half = x.Shape[^1] / 2;
        var halves = x.Split([half, half], -1);                      // 2 × [B, T, H, Dh/2]
        var rotated = Ops.Concat([halves[1].Neg(), halves[0]], -1);  // [B, T, H, Dh]
        return x.Mul(cos).Add(rotated.Mul(sin));
    }
}
