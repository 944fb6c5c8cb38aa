using Interrogate.Nn;

namespace Interrogate.Analysis.Trace;

/// <summary>
/// A layer norm (or RMS norm) with its scale frozen at the value it took for one input vector, which
/// makes it affine: norm(x) = Σ_i Map(c_i) + Bias for any split x = Σ_i c_i of the residual stream.
/// This is the standard device of direct logit attribution: every component's share is read through
/// the same fixed linear map, so the shares add up exactly to what the model computed.
/// </summary>
internal sealed class FrozenNorm
{
    private readonly double scale;
    private readonly bool centers;
    private readonly float[] gamma;
    private readonly float[]? beta;

    /// <param name="norm">The model's normalisation module.</param>
    /// <param name="input">The vector it normalised for this position, [D].</param>
    public FrozenNorm(Normalization norm, ReadOnlySpan<float> input)
    {
        double mean = 0, meanSquare = 0;
        foreach (var v in input) { mean += v; meanSquare += (double)v * v; }
        mean /= input.Length;
        meanSquare /= input.Length;
        switch (norm)
        {
            case LayerNorm ln:
                centers = true;
                scale = 1.0 / Math.Sqrt(meanSquare - mean * mean + ln.Eps);
                gamma = ln.Weight.ToArray();
                beta = ln.Bias.ToArray();
                break;
            case RmsNorm rms:
                centers = false;
                scale = 1.0 / Math.Sqrt(meanSquare + rms.Eps);
                gamma = [.. rms.Weight.ToArray().Select(w => w + rms.Offset)];
                break;
            default:
                throw new NotSupportedException($"trace cannot freeze a {norm.GetType().Name}");
        }
    }

    /// <summary>The frozen linear part applied to one component of the residual, [D] → [D].</summary>
    public double[] Map(ReadOnlySpan<double> component)
    {
        double mean = 0;
        if (centers) { foreach (var v in component) mean += v; mean /= component.Length; }
        var result = new double[component.Length];
        for (int i = 0; i < component.Length; i++) result[i] = (component[i] - mean) * scale * gamma[i];
        return result;
    }

    /// <summary>The constant part (the shift β of a LayerNorm; zero for RMS norm), [D].</summary>
    public double[] Bias() => beta is null ? new double[gamma.Length] : [.. beta.Select(b => (double)b)];

    /// <summary>Dot product of a mapped component with a row of a weight matrix.</summary>
    public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<float> b)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++) s += a[i] * b[i];
        return s;
    }
}
