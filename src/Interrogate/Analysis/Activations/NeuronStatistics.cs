namespace Interrogate.Analysis.Activations;

/// <summary>
/// Running per-neuron statistics of one hook point, in double: count, mean and variance (each batch
/// is reduced by two passes, then merged with Chan et al.'s parallel update, so the result matches
/// a two-pass computation over everything to ~1e-12 relative), min/max, fraction of positive values,
/// and a fixed-bin histogram for approximate quantiles.
/// <para>
/// Quantiles: the histogram's range is fixed after the first chunk at its [min, max] widened by a
/// quarter of the span on each side, split into <see cref="Bins"/> equal bins, plus one bin below
/// and one above for later values outside it. A quantile is interpolated linearly inside its bin, so
/// inside the range its error is at most one bin width, (1.5·first-chunk span)/Bins; in the outer
/// bins it is interpolated between the range edge and the observed min/max, and the error is bounded
/// only by that gap (exact at p = 0 and 1). The fixed range keeps the merge exact and the state small.
/// </para>
/// </summary>
public sealed class NeuronStatistics
{
    private readonly double[] mean, m2, min, max;
    private readonly long[] positives;
    private readonly long[] histogram;   // [width, Bins + 2]: below, Bins in-range bins, above
    private readonly double[] low, high;

    public NeuronStatistics(int width, int bins)
    {
        Width = width;
        Bins = bins;
        mean = new double[width];
        m2 = new double[width];
        min = new double[width];
        max = new double[width];
        Array.Fill(min, double.PositiveInfinity);
        Array.Fill(max, double.NegativeInfinity);
        positives = new long[width];
        histogram = new long[width * (bins + 2)];
        low = new double[width];
        high = new double[width];
    }

    public int Width { get; }
    public int Bins { get; }
    public long Count { get; private set; }
    public bool HasHistogramRange { get; private set; }

    public double Mean(int neuron) => mean[neuron];
    /// <summary>Population variance (divides by the count).</summary>
    public double Variance(int neuron) => Count == 0 ? double.NaN : m2[neuron] / Count;
    public double Min(int neuron) => min[neuron];
    public double Max(int neuron) => max[neuron];
    public double FractionPositive(int neuron) => Count == 0 ? double.NaN : (double)positives[neuron] / Count;

    /// <summary>Adds a batch of rows and counts them into the histogram once its range is set.</summary>
    /// <param name="rows">[n, Width], row-major.</param>
    public void Add(ReadOnlySpan<float> rows)
    {
        int n = rows.Length / Width;
        if (n == 0) return;
        var batchMean = new double[Width];
        var batchM2 = new double[Width];
        for (int r = 0; r < n; r++)
        {
            var row = rows.Slice(r * Width, Width);
            for (int j = 0; j < Width; j++)
            {
                double v = row[j];
                batchMean[j] += v;
                if (v < min[j]) min[j] = v;
                if (v > max[j]) max[j] = v;
                if (v > 0) positives[j]++;
            }
        }
        for (int j = 0; j < Width; j++) batchMean[j] /= n;
        for (int r = 0; r < n; r++)
        {
            var row = rows.Slice(r * Width, Width);
            for (int j = 0; j < Width; j++) { double d = row[j] - batchMean[j]; batchM2[j] += d * d; }
        }
        long total = Count + n;
        for (int j = 0; j < Width; j++)
        {
            double delta = batchMean[j] - mean[j];
            mean[j] += delta * n / total;
            m2[j] += batchM2[j] + delta * delta * ((double)Count * n / total);
        }
        Count = total;
        if (HasHistogramRange) AddToHistogram(rows);
    }

    /// <summary>Fixes each neuron's histogram range from what has been seen so far (the first chunk).</summary>
    public void FixHistogramRange()
    {
        for (int j = 0; j < Width; j++)
        {
            double span = max[j] - min[j];
            if (!(span > 0)) span = Math.Max(1e-3, Math.Abs(max[j]) * 1e-2);
            low[j] = min[j] - span / 4;
            high[j] = max[j] + span / 4;
        }
        HasHistogramRange = true;
    }

    /// <param name="rows">[n, Width], row-major.</param>
    public void AddToHistogram(ReadOnlySpan<float> rows)
    {
        int stride = Bins + 2;
        for (int r = 0; r < rows.Length / Width; r++)
            for (int j = 0; j < Width; j++)
            {
                double v = rows[r * Width + j];
                int bin = v < low[j] ? 0 : v >= high[j] ? Bins + 1 : 1 + Math.Min(Bins - 1, (int)((v - low[j]) / (high[j] - low[j]) * Bins));
                histogram[j * stride + bin]++;
            }
    }

    /// <summary>Approximate p-quantile (0 ≤ p ≤ 1) of a neuron from its histogram; error bound in the type's remarks.</summary>
    public double Quantile(int neuron, double p)
    {
        if (Count == 0 || !HasHistogramRange) return double.NaN;
        if (p <= 0) return min[neuron];
        if (p >= 1) return max[neuron];
        int stride = Bins + 2;
        var counts = histogram.AsSpan(neuron * stride, stride);
        double target = p * Count, cumulative = 0, w = (high[neuron] - low[neuron]) / Bins;
        for (int b = 0; b < stride; b++)
        {
            if (counts[b] == 0 || cumulative + counts[b] < target) { cumulative += counts[b]; continue; }
            double lower = b == 0 ? min[neuron] : b == stride - 1 ? high[neuron] : low[neuron] + (b - 1) * w;
            double upper = b == 0 ? low[neuron] : b == stride - 1 ? max[neuron] : lower + w;
            double q = lower + (target - cumulative) / counts[b] * (upper - lower);
            return Math.Clamp(q, min[neuron], max[neuron]);
        }
        return max[neuron];
    }

    internal void Write(BinaryWriter w)
    {
        w.Write(Width); w.Write(Bins); w.Write(Count); w.Write(HasHistogramRange);
        foreach (var a in new[] { mean, m2, min, max, low, high }) foreach (var v in a) w.Write(v);
        foreach (var v in positives) w.Write(v);
        foreach (var v in histogram) w.Write(v);
    }

    internal static NeuronStatistics Read(BinaryReader r)
    {
        var s = new NeuronStatistics(r.ReadInt32(), r.ReadInt32()) { Count = r.ReadInt64(), HasHistogramRange = r.ReadBoolean() };
        foreach (var a in new[] { s.mean, s.m2, s.min, s.max, s.low, s.high }) for (int i = 0; i < a.Length; i++) a[i] = r.ReadDouble();
        for (int i = 0; i < s.positives.Length; i++) s.positives[i] = r.ReadInt64();
        for (int i = 0; i < s.histogram.Length; i++) s.histogram[i] = r.ReadInt64();
        return s;
    }
}
