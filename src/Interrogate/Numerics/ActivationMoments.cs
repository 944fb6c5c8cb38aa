using Interrogate.Kernels;

namespace Interrogate.Numerics;

/// <summary>
/// First and second moments of one layer's neurons over a stream of activation rows: the count, the
/// means and the full covariance, accumulated chunk by chunk so every regression afterwards reads
/// only this [width, width] summary and never the raw activations again (memory is O(width²)).
/// <para>
/// Each chunk's Gram matrix XᵀX is computed in float32 <see cref="Gemm"/> calls and then added into
/// double sums. Only the upper triangle is formed (the Gram is symmetric): one product per band of
/// <see cref="Band"/> rows, from the band's diagonal block rightwards, which does about half the
/// multiply-adds of the full product (at GPT-2 small's 3,072 neurons per layer this product costs as
/// much as the forward pass that produced the rows). Rows are shifted by the first chunk's means before the product, so the covariance
/// (E[xxᵀ] − μμᵀ) does not cancel catastrophically for neurons with large means and small spread.
/// </para>
/// </summary>
public sealed class ActivationMoments
{
    /// <summary>Rows of the Gram per band product: wide enough for an efficient GEMM, narrow enough to skip most of the lower triangle.</summary>
    public const int Band = 256;

    private readonly double[] gram;     // [width, width], Σ (x − shift)(x − shift)ᵀ; upper triangle (j ≥ i) only
    private readonly double[] sum;      // [width], Σ (x − shift)
    private float[]? shift;             // [width], the first chunk's means
    private float[] buffer = [];        // [rows, width], a shifted chunk
    private float[] chunkGram = [];     // [width, width]

    public ActivationMoments(int width)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(width, 1);
        Width = width;
        gram = new double[width * width];
        sum = new double[width];
    }

    public int Width { get; }

    /// <summary>Rows seen so far.</summary>
    public long Count { get; private set; }

    /// <summary>Adds activation rows. rows: [n, width], row-major.</summary>
    public void Add(ReadOnlySpan<float> rows)
    {
        if (rows.Length % Width != 0) throw new ArgumentException($"rows hold {rows.Length} values, not a multiple of the width {Width}");
        int n = rows.Length / Width;
        if (n == 0) return;
        shift ??= ColumnMeans(rows, n);
        if (buffer.Length < rows.Length) buffer = new float[rows.Length];
        if (chunkGram.Length == 0) chunkGram = new float[Width * Width];
        var x = buffer.AsSpan(0, rows.Length);
        for (int r = 0; r < n; r++)
        {
            var src = rows.Slice(r * Width, Width);
            var dst = x.Slice(r * Width, Width);
            System.Numerics.Tensors.TensorPrimitives.Subtract(src, shift, dst);
            for (int i = 0; i < Width; i++) sum[i] += dst[i];
        }
        AddUpperGram(x, n);
        Count += n;
    }

    /// <summary>
    /// gram[i, j] += Σ_r x[r, i]·x[r, j] for j ≥ i: per band of rows i0..i1, chunkGram[i0..i1, i0..] =
    /// x[:, i0..i1]ᵀ [band, n] · x[:, i0..] [n, width − i0], then added in double. x: [n, width].
    /// </summary>
    private void AddUpperGram(ReadOnlySpan<float> x, int n)
    {
        for (int i0 = 0; i0 < Width; i0 += Band)
        {
            int rows = Math.Min(Band, Width - i0), cols = Width - i0;
            Gemm.Multiply(true, false, rows, cols, n, 1f, x[i0..], Width, x[i0..], Width, 0f, chunkGram.AsSpan(i0 * Width + i0), Width);
            for (int i = i0; i < i0 + rows; i++)
            {
                var source = chunkGram.AsSpan(i * Width + i, Width - i);
                var target = gram.AsSpan(i * Width + i, Width - i);
                for (int j = 0; j < source.Length; j++) target[j] += source[j];
            }
        }
    }

    /// <summary>Mean of neuron i.</summary>
    public double Mean(int i) => (shift is null ? 0 : shift[i]) + (Count == 0 ? 0 : sum[i] / Count);

    /// <summary>Population covariance of neurons i and j (divides by the count).</summary>
    public double Covariance(int i, int j)
    {
        if (Count == 0) return 0;
        double mi = sum[i] / Count, mj = sum[j] / Count;
        return (i <= j ? gram[i * Width + j] : gram[j * Width + i]) / Count - mi * mj;
    }

    public double Variance(int i) => Math.Max(0, Covariance(i, i));

    /// <summary>Mean of every neuron. Result: [width].</summary>
    public double[] Means() => [.. Enumerable.Range(0, Width).Select(Mean)];

    /// <summary>The covariance block rows × cols. Result: [rows.Length, cols.Length], row-major.</summary>
    public double[] Block(ReadOnlySpan<int> rows, ReadOnlySpan<int> cols)
    {
        var block = new double[rows.Length * cols.Length];
        for (int a = 0; a < rows.Length; a++)
            for (int b = 0; b < cols.Length; b++)
                block[a * cols.Length + b] = Covariance(rows[a], cols[b]);
        return block;
    }

    private float[] ColumnMeans(ReadOnlySpan<float> rows, int n)
    {
        var means = new double[Width];
        for (int r = 0; r < n; r++)
            for (int i = 0; i < Width; i++) means[i] += rows[r * Width + i];
        return [.. means.Select(m => (float)(m / n))];
    }
}
