using System.Runtime.InteropServices;

namespace Interrogate.Store;

/// <summary>
/// Running per-neuron statistics of one hook point, in double: count, mean and variance (each batch
/// is reduced by two passes, then merged with Chan et al.'s parallel update, so the result matches
/// a two-pass computation over everything to ~1e-12 relative), min/max, fraction of positive values,
/// and a fixed-bin histogram for approximate quantiles.
/// <para>
/// Quantiles: the histogram's range is fixed after the first batch at its [min, max] widened by a
/// quarter of the span on each side, split into <see cref="Bins"/> equal bins, plus one bin below
/// and one above for later values outside it. A quantile is interpolated linearly inside its bin, so
/// inside the range its error is at most one bin width, (1.5·first-batch span)/Bins; in the outer
/// bins it is interpolated between the range edge and the observed min/max, and the error is bounded
/// only by that gap (exact at p = 0 and 1). The fixed range keeps the merge exact and the state small.
/// </para>
/// </summary>
public sealed partial class NeuronStatistics
{
    private readonly double[] mean, m2, min, max;
    private readonly long[] positives;
    private readonly long[] histogram;   // [width, Bins + 2]: below, Bins in-range bins, above
    private readonly double[] low, high;   // float values, widened (the state file holds doubles): the bins are computed in float

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

    /// <summary>
    /// Adds a batch of rows and counts them into the histogram once its range is set. Neurons are
    /// processed in packed blocks, in parallel (<see cref="NeuronBlocks"/>); each neuron still sees
    /// its values in row order, so the result does not depend on the blocking or the thread count.
    /// </summary>
    /// <param name="rows">[n, Width], row-major.</param>
    public void Add(ReadOnlySpan<float> rows) => Add(rows, null, 0);

    /// <summary>Adds a batch to these statistics and, in the same pass over each packed block, to a top-k.</summary>
    /// <param name="rows">[n, Width], row-major; row i is source token firstToken + i.</param>
    /// <param name="top">Also offered every value, when not null.</param>
    /// <param name="firstToken">Source position of the first row (for the top-k).</param>
    /// <param name="moments">Receives this batch's per-neuron means and M2 (for a shard's moments file), when not null.</param>
    internal void Add(ReadOnlySpan<float> rows, TopActivations? top, long firstToken, BatchMoments? moments = null)
    {
        int n = rows.Length / Width;
        if (n == 0) return;
        long before = Count;
        if (moments is not null) moments.Rows = n;
        NeuronBlocks.ForEach(rows, Width, (packed, rowCount, stride, first, count) =>
        {
            AddBlock(packed, rowCount, stride, before, first, count, moments);
            top?.AddBlock(packed, rowCount, stride, firstToken, first, count);
        });
        Count = before + n;
    }

    /// <summary>Fixes each neuron's histogram range from what has been seen so far (a recording's first chunk), rounded to float, in which the bins are computed.</summary>
    public void FixHistogramRange()
    {
        for (int j = 0; j < Width; j++)
        {
            double span = max[j] - min[j];
            if (!(span > 0)) span = Math.Max(1e-3, Math.Abs(max[j]) * 1e-2);
            low[j] = (float)(min[j] - span / 4);
            high[j] = (float)(max[j] + span / 4);
            if (!(high[j] > low[j])) high[j] = MathF.BitIncrement((float)low[j]);   // a span too small for float: one bin-width step
        }
        HasHistogramRange = true;
    }

    /// <summary>Counts rows into the histogram only (the range must be fixed), blocked and parallel like <see cref="Add(ReadOnlySpan{float})"/>.</summary>
    /// <param name="rows">[n, Width], row-major.</param>
    public void AddToHistogram(ReadOnlySpan<float> rows) => NeuronBlocks.ForEach(rows, Width, AddToHistogramBlock);

    /// <summary>Count of a neuron's histogram bin: 0 below the range, 1..Bins inside, Bins + 1 above.</summary>
    internal long HistogramCount(int neuron, int bin) => histogram[neuron * (Bins + 2) + bin];

    /// <summary>
    /// A neuron's histogram as counted: the edges of its in-range bins ([Bins + 1], increasing; empty
    /// before the range is fixed) and the counts [Bins + 2]: below the range, each bin, above it.
    /// </summary>
    public (double[] Edges, long[] Counts) Histogram(int neuron)
    {
        var counts = histogram.AsSpan(neuron * (Bins + 2), Bins + 2).ToArray();
        if (!HasHistogramRange) return ([], counts);
        double w = (high[neuron] - low[neuron]) / Bins;
        return ([.. Enumerable.Range(0, Bins + 1).Select(b => low[neuron] + b * w)], counts);
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

    /// <summary>Replays one recorded batch's moments (<see cref="BatchMoments"/>) exactly as <see cref="Add(ReadOnlySpan{float})"/> applied them; counts nothing else.</summary>
    internal void AddMoments(BatchMoments batch)
    {
        if (batch.Rows == 0) return;
        ApplyBatchMoments(batch.Mean, batch.M2, batch.Rows, Count, 0);
        Count += batch.Rows;
    }

    /// <summary>Takes another statistics' histogram range (a shard takes the range the store's first batch sets, wherever that batch is recorded).</summary>
    internal void CopyHistogramRange(NeuronStatistics from)
    {
        from.low.CopyTo(low, 0);
        from.high.CopyTo(high, 0);
        HasHistogramRange = from.HasHistogramRange;
    }

    /// <summary>
    /// Adds a later shard's order-free parts: extremes (replaced only when strictly beyond, as the
    /// recording does, so the earlier of equal values stays), positive counts and histogram counts.
    /// Means and M2 come from <see cref="AddMoments"/>; the histogram ranges must be the same.
    /// </summary>
    internal void MergeCountsAndExtremes(NeuronStatistics later)
    {
        if (later.Width != Width || later.Bins != Bins) throw new ArgumentException("statistics of different widths or bins");
        if (!later.low.AsSpan().SequenceEqual(low) || !later.high.AsSpan().SequenceEqual(high))
            throw new InvalidOperationException("shards with different histogram ranges");
        for (int j = 0; j < Width; j++)
        {
            if (later.min[j] < min[j]) min[j] = later.min[j];
            if (later.max[j] > max[j]) max[j] = later.max[j];
            positives[j] += later.positives[j];
        }
        for (int i = 0; i < histogram.Length; i++) histogram[i] += later.histogram[i];
    }

    /// <summary>True when every field (counts, moments, extremes, range, histogram) has the same bits as <paramref name="other"/>'s.</summary>
    public bool BitEquals(NeuronStatistics other) =>
        Width == other.Width && Bins == other.Bins && Count == other.Count && HasHistogramRange == other.HasHistogramRange
        && new[] { (mean, other.mean), (m2, other.m2), (min, other.min), (max, other.max), (low, other.low), (high, other.high) }
            .All(p => MemoryMarshal.AsBytes(p.Item1.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(p.Item2.AsSpan())))
        && positives.AsSpan().SequenceEqual(other.positives) && histogram.AsSpan().SequenceEqual(other.histogram);

    internal void Write(BinaryWriter w)
    {
        w.Write(Width); w.Write(Bins); w.Write(Count); w.Write(HasHistogramRange);
        foreach (var a in new[] { mean, m2, min, max, low, high }) w.Write(MemoryMarshal.AsBytes(a.AsSpan()));   // little-endian, as BinaryWriter writes
        w.Write(MemoryMarshal.AsBytes(positives.AsSpan()));
        w.Write(MemoryMarshal.AsBytes(histogram.AsSpan()));
    }

    internal static NeuronStatistics Read(BinaryReader r)
    {
        var s = new NeuronStatistics(r.ReadInt32(), r.ReadInt32()) { Count = r.ReadInt64(), HasHistogramRange = r.ReadBoolean() };
        foreach (var a in new[] { s.mean, s.m2, s.min, s.max, s.low, s.high }) StoreState.ReadExactly(r, MemoryMarshal.AsBytes(a.AsSpan()));
        StoreState.ReadExactly(r, MemoryMarshal.AsBytes(s.positives.AsSpan()));
        StoreState.ReadExactly(r, MemoryMarshal.AsBytes(s.histogram.AsSpan()));
        return s;
    }
}
