using Interrogate.Tensors;

namespace Interrogate.Models.Transformer;

/// <summary>
/// Rotary position embedding in the Hugging Face "rotate_half" layout over the first
/// <see cref="RotaryDims"/> dimensions of each head (all of them unless the rotary fraction is
/// partial, as in Pythia's rotary_pct): dimension i is paired with i + R/2 (not with its
/// neighbour), at frequency θ^(−2i/R) for i &lt; R/2, rescaled by an optional <see cref="RopeScaling"/>.
/// The remaining Dh − R dimensions pass through unrotated.
/// </summary>
public sealed class RotaryEmbedding
{
    private readonly double[] inverseFrequency;   // [R/2], unless dynamic scaling recomputes them per pass

    public RotaryEmbedding(int headDim, double theta, int? rotaryDims = null, RopeScaling? scaling = null)
    {
        int r = rotaryDims ?? headDim;
        if (r % 2 != 0 || r <= 0 || r > headDim)
            throw new ArgumentException($"rotary embedding needs an even number of rotated dimensions in 2..{headDim}; got {r}");
        HeadDim = headDim;
        RotaryDims = r;
        Theta = theta;
        Scaling = scaling;
        inverseFrequency = scaling?.InverseFrequencies(theta, r, 0) ?? PlainInverseFrequencies(theta, r);
    }

    public int HeadDim { get; }
    /// <summary>R: how many leading dimensions of each head rotate (even, ≤ Dh).</summary>
    public int RotaryDims { get; }
    public double Theta { get; }
    public RopeScaling? Scaling { get; }

    /// <summary>θ^(−2i/dims) for i &lt; dims/2, as Hugging Face's default rotary initialisation.</summary>
    public static double[] PlainInverseFrequencies(double theta, int dims)
    {
        var f = new double[dims / 2];
        for (int i = 0; i < f.Length; i++) f[i] = 1.0 / Math.Pow(theta, 2.0 * i / dims);
        return f;
    }

    /// <summary>
    /// positions: [B·T] → cos, sin: [B, T, 1, R], the angle of column i being that of column i mod R/2.
    /// Dynamic scaling reads each row's own length (its largest position + 1 in this pass), so a padded
    /// row gets the frequencies it would get alone; Hugging Face uses the batch's longest row.
    /// </summary>
    public (Tensor Cos, Tensor Sin) Tables(int[] positions, int batch, int length)
    {
        int r = RotaryDims, half = r / 2;
        double amplitude = Scaling?.CosSinScale ?? 1;
        var cos = Tensor.Zeros(batch, length, 1, r);
        var sin = Tensor.Zeros(batch, length, 1, r);
        var frequencies = inverseFrequency;
        for (int p = 0; p < positions.Length; p++)
        {
            if (p % length == 0 && Scaling is { Kind: RopeScalingKind.Dynamic } dynamic)
                frequencies = dynamic.InverseFrequencies(Theta, r, positions.AsSpan(p, length).ToArray().Max() + 1);
            for (int i = 0; i < half; i++)
            {
                double angle = positions[p] * frequencies[i];
                float c = (float)(Math.Cos(angle) * amplitude), s = (float)(Math.Sin(angle) * amplitude);
                cos.Storage[p * r + i] = cos.Storage[p * r + half + i] = c;
                sin.Storage[p * r + i] = sin.Storage[p * r + half + i] = s;
            }
        }
        return (cos, sin);
    }

    /// <summary>
    /// x·cos + rotate_half(x)·sin on the first R dimensions, rotate_half(x) = [−x₂, x₁]; the rest unchanged.
    /// x: [B, T, H, Dh]; cos, sin: [B, T, 1, R]. Result: [B, T, H, Dh].
    /// </summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        int dh = x.Shape[^1], r = cos.Shape[^1];
        if (r < dh)
        {
            var parts = x.Split([r, dh - r], -1);                        // [B, T, H, R], [B, T, H, Dh − R]
            return Ops.Concat([Apply(parts[0], cos, sin), parts[1]], -1);
        }
        int half = r / 2;
        var halves = x.Split([half, half], -1);                      // 2 × [B, T, H, R/2]
        var rotated = Ops.Concat([halves[1].Neg(), halves[0]], -1);  // [B, T, H, R]
        return x.Mul(cos).Add(rotated.Mul(sin));
    }
}
