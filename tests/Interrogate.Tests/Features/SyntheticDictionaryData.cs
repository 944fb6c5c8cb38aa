using System.Numerics.Tensors;
using Interrogate.Tensors;

namespace Interrogate.Tests.Features;

/// <summary>
/// Ground truth for dictionary learning: rows x = Σ a_j·d_j over a few of many known unit directions
/// d_j (an overcomplete dictionary), each direction active with probability active/features and an
/// exponential magnitude.
/// </summary>
internal sealed class SyntheticDictionaryData
{
    public SyntheticDictionaryData(int features, int width, double active, int rows, ulong seed)
    {
        var rng = new TensorRandom(seed);
        (Features, Width, Rows) = (features, width, rows);
        Directions = new float[features * width];
        for (int i = 0; i < Directions.Length; i++) Directions[i] = (float)rng.NextNormal();
        for (int j = 0; j < features; j++)
        {
            var row = Directions.AsSpan(j * width, width);
            TensorPrimitives.Multiply(row, 1f / TensorPrimitives.Norm(row), row);
        }
        X = new float[rows * width];
        for (int i = 0; i < rows; i++)
            for (int n = Poisson(rng, active); n > 0; n--)
            {
                int j = rng.NextInt(features);   // a repeat adds to the same direction
                float a = (float)-Math.Log(1 - rng.NextDouble());
                TensorPrimitives.MultiplyAdd(Directions.AsSpan(j * width, width), a, X.AsSpan(i * width, width), X.AsSpan(i * width, width));
            }
    }

    // Knuth's product of uniforms; fine for small means.
    private static int Poisson(TensorRandom rng, double mean)
    {
        double limit = Math.Exp(-mean), p = 1;
        int n = -1;
        do { n++; p *= rng.NextDouble(); } while (p > limit);
        return n;
    }

    public int Features { get; }
    public int Width { get; }
    public int Rows { get; }
    /// <summary>[Features, Width] the true unit directions.</summary>
    public float[] Directions { get; }
    /// <summary>[Rows, Width].</summary>
    public float[] X { get; }

    /// <summary>Mean over true directions of the best |cosine| with any learned unit row of <paramref name="learned"/> [n, Width].</summary>
    public double MeanMaxCosine(float[] learned, int n)
    {
        double sum = 0;
        for (int j = 0; j < Features; j++)
        {
            var d = Directions.AsSpan(j * Width, Width);
            double best = 0;
            for (int t = 0; t < n; t++)
            {
                var w = learned.AsSpan(t * Width, Width);
                best = Math.Max(best, TensorPrimitives.Dot(d, w) / Math.Max(1e-12, TensorPrimitives.Norm(w)));
            }
            sum += best;
        }
        return sum / Features;
    }
}
