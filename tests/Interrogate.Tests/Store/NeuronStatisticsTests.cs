using Interrogate.Store;

namespace Interrogate.Tests.Analysis.Activations;

/// <summary>
/// The blocked, vectorised, parallel statistics and top-k against the naive per-neuron loops they
/// replaced. Width 203 covers full 64-neuron blocks, eight-neuron vector groups and the scalar tail.
/// </summary>
public sealed class NeuronStatisticsTests
{
    private const int Width = 203, Bins = 16;
    private static readonly int[] BatchRows = [37, 1, 50, 64];

    /// <summary>Batches of [rows, Width] with negatives, exact zeros, −0, repeats and a wider later range.</summary>
    private static List<float[]> Batches()
    {
        var random = new Random(11);
        return [.. BatchRows.Select((n, b) => Enumerable.Range(0, n * Width).Select(i => (i % 17) switch
        {
            0 => 0f,
            1 => -0f,
            2 => 0.5f,
            _ => (float)((random.NextDouble() - 0.4) * (b + 1) * (1 + i % Width / 50.0)),
        }).ToArray())];
    }

    /// <summary>The per-neuron reference: the loops NeuronStatistics.Add ran before it was blocked.</summary>
    private sealed class Naive(int width, int bins)
    {
        public readonly double[] Mean = new double[width], M2 = new double[width], Low = new double[width], High = new double[width];
        public readonly double[] Min = Enumerable.Repeat(double.PositiveInfinity, width).ToArray(), Max = Enumerable.Repeat(double.NegativeInfinity, width).ToArray();
        public readonly long[] Positives = new long[width];
        public readonly long[,] Histogram = new long[width, bins + 2];
        public long Count;
        public bool HasRange;

        public void Add(float[] rows)
        {
            int n = rows.Length / width;
            for (int j = 0; j < width; j++)
            {
                double sum = 0, m2 = 0;
                for (int r = 0; r < n; r++)
                {
                    double v = rows[r * width + j];
                    sum += v;
                    if (v < Min[j]) Min[j] = v;
                    if (v > Max[j]) Max[j] = v;
                    if (v > 0) Positives[j]++;
                }
                double batchMean = sum / n;
                for (int r = 0; r < n; r++) { double d = rows[r * width + j] - batchMean; m2 += d * d; }
                double delta = batchMean - Mean[j];
                long total = Count + n;
                Mean[j] += delta * n / total;
                M2[j] += m2 + delta * delta * ((double)Count * n / total);
            }
            Count += n;
            if (HasRange) AddToHistogram(rows);
        }

        public void FixRange()
        {
            for (int j = 0; j < width; j++)
            {
                double span = Max[j] - Min[j];
                if (!(span > 0)) span = Math.Max(1e-3, Math.Abs(Max[j]) * 1e-2);
                (Low[j], High[j]) = ((float)(Min[j] - span / 4), (float)(Max[j] + span / 4));   // the range is kept in float, as the bins are computed
            }
            HasRange = true;
        }

        public void AddToHistogram(float[] rows)
        {
            for (int r = 0; r < rows.Length / width; r++)
                for (int j = 0; j < width; j++)
                {
                    float v = rows[r * width + j], low = (float)Low[j], high = (float)High[j], scale = bins / (high - low);
                    Histogram[j, v < low ? 0 : v >= high ? bins + 1 : 1 + Math.Min(bins - 1, (int)((v - low) * scale))]++;
                }
        }
    }

    [Fact]
    public void Add_BlockedParallel_BitIdenticalToNaivePerNeuronLoops()
    {
        var batches = Batches();
        var stats = new NeuronStatistics(Width, Bins);
        var naive = new Naive(Width, Bins);
        for (int b = 0; b < batches.Count; b++)
        {
            stats.Add(batches[b]);
            naive.Add(batches[b]);
            if (b == 0)
            {
                stats.FixHistogramRange();
                naive.FixRange();
                stats.AddToHistogram(batches[0]);
                naive.AddToHistogram(batches[0]);
            }
        }
        Assert.Equal(naive.Count, stats.Count);
        for (int j = 0; j < Width; j++)
        {
            Assert.Equal(naive.Mean[j], stats.Mean(j));
            Assert.Equal(naive.M2[j] / naive.Count, stats.Variance(j));
            Assert.Equal(BitConverter.DoubleToInt64Bits(naive.Min[j]), BitConverter.DoubleToInt64Bits(stats.Min(j)));   // bits: −0 and +0 too
            Assert.Equal(BitConverter.DoubleToInt64Bits(naive.Max[j]), BitConverter.DoubleToInt64Bits(stats.Max(j)));
            Assert.Equal((double)naive.Positives[j] / naive.Count, stats.FractionPositive(j));
            for (int bin = 0; bin < Bins + 2; bin++) Assert.Equal(naive.Histogram[j, bin], stats.HistogramCount(j, bin));
        }
        Assert.True(stats.HistogramCount(7, 0) + stats.HistogramCount(7, Bins + 1) > 0, "later batches should fall outside the first batch's range");
    }

    [Fact]
    public void TopActivationsAdd_ScreenedParallel_EqualsBruteForceWithTies()
    {
        var batches = Batches().Select(b => b.Select(v => MathF.Round(v * 4) / 4).ToArray()).ToList();   // coarse values: many ties
        AssertTopSixEqualsBruteForce(batches);
    }

    [Fact]
    public void Add_ManyRowsNarrowPanels_BitIdenticalToNaive()
    {
        const int width = 37, rows = 4100;   // 4,100 rows: panels narrow to one 16-neuron block
        var random = new Random(5);
        var first = Enumerable.Range(0, 50 * width).Select(_ => (float)random.NextDouble()).ToArray();
        var second = Enumerable.Range(0, rows * width).Select(i => (float)(random.NextDouble() * 2 - 0.5)).ToArray();   // [−0.5, 1.5) over a range of about [−0.25, 1.25)
        var stats = new NeuronStatistics(width, Bins);
        var naive = new Naive(width, Bins);
        stats.Add(first); naive.Add(first);
        stats.FixHistogramRange(); naive.FixRange();
        stats.Add(second); naive.Add(second);
        for (int j = 0; j < width; j++)
        {
            Assert.Equal(naive.Mean[j], stats.Mean(j));
            Assert.Equal(naive.M2[j] / naive.Count, stats.Variance(j));
            for (int bin = 0; bin < Bins + 2; bin++) Assert.Equal(naive.Histogram[j, bin], stats.HistogramCount(j, bin));
        }
        double expectedBelow = Enumerable.Range(0, width).Sum(j => rows * (naive.Low[j] + 0.5) / 2);   // uniform on [−0.5, 1.5): the share under each range's low end
        Assert.Equal(expectedBelow, Enumerable.Range(0, width).Sum(j => stats.HistogramCount(j, 0)), 0.01 * rows * width);
    }

    [Fact]
    public void AddToHistogram_EdgesInfinitiesAndNaN_CountedAsTheScalarFormula()
    {
        const int width = 9;   // eight in vectors, one scalar
        var range = Enumerable.Range(0, 2 * width).Select(i => (float)(i / width)).ToArray();   // every neuron sees 0 and 1
        var stats = new NeuronStatistics(width, Bins);
        var naive = new Naive(width, Bins);
        stats.Add(range); naive.Add(range);
        stats.FixHistogramRange(); naive.FixRange();   // [−0.25, 1.25)
        float[] specials = [float.NaN, float.PositiveInfinity, float.NegativeInfinity, -0.25f, 1.25f, 1.2499999f, -0.2500001f, 0.5f];
        var edges = Enumerable.Range(0, Bins + 1).Select(b => (float)(-0.25 + 1.5 * b / Bins));
        var values = specials.Concat(edges).SelectMany(v => new[] { v, MathF.BitIncrement(v), MathF.BitDecrement(v) }).ToArray();
        var rows = values.SelectMany(v => Enumerable.Repeat(v, width)).ToArray();   // [values, width]: each value in every neuron
        stats.AddToHistogram(rows);
        naive.AddToHistogram(rows);
        for (int j = 0; j < width; j++)
            for (int bin = 0; bin < Bins + 2; bin++) Assert.Equal(naive.Histogram[j, bin], stats.HistogramCount(j, bin));
        Assert.Equal(8, stats.HistogramCount(0, Bins + 1));   // +∞, its neighbours (+∞, MaxValue); 1.25 twice, its own and 1.2499999's next float up; the last edge (1.25) and its next up
        Assert.Equal(8, stats.HistogramCount(0, 0));          // −∞ and its neighbours; the float below −0.25 (twice, as an edge too); −0.2500001 (3 floats below −0.25) and both its neighbours
    }

    [Fact]
    public void TopActivationsAdd_BatchesLongEnoughForTheFloor_EqualsBruteForceWithTiesAndNaN()
    {
        var random = new Random(3);
        int[] batchRows = [400, 37, 700, 200];   // 400 and 700 rows: 25 and 43 groups of 16, over 2k = 12, so fresh heaps use the floor
        var batches = batchRows.Select(n => Enumerable.Range(0, n * Width).Select(i =>
            i % 101 == 0 ? float.NaN : MathF.Round((float)(random.NextDouble() * (1 + i % Width / 40.0)) * 8) / 8).ToArray()).ToList();
        AssertTopSixEqualsBruteForce(batches);
    }

    /// <summary>Feeds the batches to a top-6 in order and compares every neuron with sorting all its values (NaN never enters).</summary>
    private static void AssertTopSixEqualsBruteForce(List<float[]> batches)
    {
        var top = new TopActivations(Width, k: 6);
        long first = 0;
        foreach (var batch in batches)
        {
            top.Add(batch, first);
            first += batch.Length / Width;
        }
        var all = batches.SelectMany(b => b).ToArray();
        for (int j = 0; j < Width; j++)
        {
            var expected = Enumerable.Range(0, (int)first).Where(i => !float.IsNaN(all[i * Width + j])).Select(i => new TopActivation(i, all[i * Width + j]))
                .OrderByDescending(t => t.Value).ThenBy(t => t.Token).Take(6);
            Assert.Equal(expected, top.For(j));
        }
    }
}
