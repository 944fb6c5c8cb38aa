using System.Numerics.Tensors;
using Interrogate.Tensors;

namespace Interrogate.Features;

/// <summary>Standard starting points for a dictionary: random unit decoder rows, tied encoder, b_dec at the data's centre.</summary>
public static class DictionaryInit
{
    /// <summary>
    /// Decoder rows: random unit directions. Encoder rows: the decoder rows for an autoencoder (Gao et
    /// al.'s tied start), fresh random unit directions for a transcoder. b_enc = 0; JumpReLU thresholds
    /// at <paramref name="threshold"/>; b_dec at the geometric median (or mean) of <paramref name="targets"/>.
    /// </summary>
    /// <param name="targets">[rows, OutputWidth] a sample of what the decoder reconstructs.</param>
    /// <param name="d">The dictionary, initialised in place.</param>
    /// <param name="rows">Number of rows.</param>
    /// <param name="geometricMedian">Geometric median (true) or mean (false).</param>
    /// <param name="threshold">JumpReLU starting threshold.</param>
    /// <param name="seed">Random seed of the directions.</param>
    public static void Apply(SparseDictionary d, ReadOnlySpan<float> targets, int rows, bool geometricMedian, float threshold, ulong seed)
    {
        var rng = new TensorRandom(seed);
        RandomUnitRows(d.DecoderWeight, d.Latents, d.OutputWidth, rng);
        if (d.InputWidth == d.OutputWidth) d.DecoderWeight.CopyTo(d.EncoderWeight, 0);
        else RandomUnitRows(d.EncoderWeight, d.Latents, d.InputWidth, rng);
        Array.Clear(d.EncoderBias);
        Array.Fill(d.Threshold, threshold);
        var centre = geometricMedian ? GeometricMedian(targets, rows, d.OutputWidth) : Mean(targets, rows, d.OutputWidth);
        centre.CopyTo(d.DecoderBias, 0);
    }

    private static void RandomUnitRows(float[] w, int rows, int width, TensorRandom rng)
    {
        for (int i = 0; i < w.Length; i++) w[i] = (float)rng.NextNormal();
        for (int j = 0; j < rows; j++)
        {
            var row = w.AsSpan(j * width, width);
            TensorPrimitives.Multiply(row, 1f / TensorPrimitives.Norm(row), row);
        }
    }

    /// <summary>Column means of x [rows, width].</summary>
    public static float[] Mean(ReadOnlySpan<float> x, int rows, int width)
    {
        var sum = new double[width];
        for (int i = 0; i < rows; i++)
            for (int c = 0; c < width; c++) sum[c] += x[i * width + c];
        return [.. sum.Select(s => (float)(s / rows))];
    }

    /// <summary>
    /// The geometric median of the rows of x [rows, width] (the point minimising the sum of Euclidean
    /// distances), by Weiszfeld's iteration from the mean, stopping when a step moves less than 1e-6 of
    /// the data's scale or after <paramref name="iterations"/>.
    /// </summary>
    public static float[] GeometricMedian(ReadOnlySpan<float> x, int rows, int width, int iterations = 100)
    {
        var y = Mean(x, rows, width).Select(v => (double)v).ToArray();
        double scale = 0;
        for (int i = 0; i < rows; i++) scale += Distance(x.Slice(i * width, width), y);
        scale = Math.Max(scale / Math.Max(rows, 1), 1e-12);
        var next = new double[width];
        for (int it = 0; it < iterations; it++)
        {
            Array.Clear(next);
            double weights = 0;
            for (int i = 0; i < rows; i++)
            {
                var row = x.Slice(i * width, width);
                double w = 1.0 / Math.Max(Distance(row, y), 1e-9 * scale);
                weights += w;
                for (int c = 0; c < width; c++) next[c] += w * row[c];
            }
            double moved = 0;
            for (int c = 0; c < width; c++) { double v = next[c] / weights; moved += (v - y[c]) * (v - y[c]); y[c] = v; }
            if (Math.Sqrt(moved) < 1e-6 * scale) break;
        }
        return [.. y.Select(v => (float)v)];
    }

    private static double Distance(ReadOnlySpan<float> row, double[] y)
    {
        double s = 0;
        for (int c = 0; c < row.Length; c++) { double d = row[c] - y[c]; s += d * d; }
        return Math.Sqrt(s);
    }
}
