using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Interrogate.Analysis.Activations;

/// <summary>
/// The per-block kernels behind <see cref="NeuronStatistics.Add"/>. A block is
/// <see cref="BlockWidth"/> neighbouring neurons: its slice of a [n, Width] batch (256 bytes a row)
/// and its histograms (BlockWidth·(Bins + 2)·8 bytes) stay in cache while every row is visited,
/// where a row-by-row sweep over all neurons touches each neuron's histogram once per row. Inside a
/// block, eight neurons at a time walk the rows with their sums, extremes and counts in registers
/// (two Vector256 of double each); the leftover neurons take the same steps one at a time. Every
/// operation is the scalar one (float widened to double, add, compare, subtract, multiply, divide;
/// no fused multiply-add), applied to each neuron's values in row order, so the results are
/// bit-identical to a plain per-neuron loop whatever the blocking, vector width or thread count.
/// </summary>
public sealed partial class NeuronStatistics
{
    /// <summary>Neurons per block: the unit of work handed to a thread.</summary>
    internal const int BlockWidth = 64;

    private int BlockCount => (Width + BlockWidth - 1) / BlockWidth;

    /// <summary>Merges one block's batch mean and M2 (two passes over the batch) into the running moments (Chan et al.).</summary>
    /// <param name="rows">[n, Width], row-major.</param>
    /// <param name="n">Rows in the batch.</param>
    /// <param name="before">The count before this batch.</param>
    /// <param name="block">Which block: neurons [block·BlockWidth, (block + 1)·BlockWidth) ∩ [0, Width).</param>
    private void AddMomentsBlock(ReadOnlySpan<float> rows, int n, long before, int block)
    {
        int j0 = block * BlockWidth, j1 = Math.Min(Width, j0 + BlockWidth);
        Span<double> batchMean = stackalloc double[BlockWidth];
        Span<double> batchM2 = stackalloc double[BlockWidth];
        int j = j0;
        if (Vector256.IsHardwareAccelerated)
            for (; j + 8 <= j1; j += 8) MomentsOfEight(rows, n, j, batchMean[(j - j0)..], batchM2[(j - j0)..]);
        for (; j < j1; j++) MomentsOfOne(rows, n, j, out batchMean[j - j0], out batchM2[j - j0]);

        long total = before + n;
        for (j = j0; j < j1; j++)
        {
            double delta = batchMean[j - j0] - mean[j];
            mean[j] += delta * n / total;
            m2[j] += batchM2[j - j0] + delta * delta * ((double)before * n / total);
        }
    }

    /// <summary>Neurons j..j+7: batch sums, min/max and positives in one pass, then M2 about the batch mean in a second.</summary>
    private void MomentsOfEight(ReadOnlySpan<float> rows, int n, int j, Span<double> batchMean, Span<double> batchM2)
    {
        ref float first = ref MemoryMarshal.GetReference(rows);
        var sumLo = Vector256<double>.Zero; var sumHi = Vector256<double>.Zero;
        var minLo = Vector256.Create(min.AsSpan(j)); var minHi = Vector256.Create(min.AsSpan(j + 4));
        var maxLo = Vector256.Create(max.AsSpan(j)); var maxHi = Vector256.Create(max.AsSpan(j + 4));
        var posLo = Vector256<long>.Zero; var posHi = Vector256<long>.Zero;
        for (int r = 0; r < n; r++)
        {
            var (lo, hi) = Vector256.Widen(Vector256.LoadUnsafe(ref first, (nuint)((long)r * Width + j)));
            sumLo += lo; sumHi += hi;
            minLo = Vector256.ConditionalSelect(Vector256.LessThan(lo, minLo), lo, minLo);
            minHi = Vector256.ConditionalSelect(Vector256.LessThan(hi, minHi), hi, minHi);
            maxLo = Vector256.ConditionalSelect(Vector256.GreaterThan(lo, maxLo), lo, maxLo);
            maxHi = Vector256.ConditionalSelect(Vector256.GreaterThan(hi, maxHi), hi, maxHi);
            posLo -= Vector256.GreaterThan(lo, Vector256<double>.Zero).AsInt64();   // a true lane is all ones: −1
            posHi -= Vector256.GreaterThan(hi, Vector256<double>.Zero).AsInt64();
        }
        minLo.CopyTo(min.AsSpan(j)); minHi.CopyTo(min.AsSpan(j + 4));
        maxLo.CopyTo(max.AsSpan(j)); maxHi.CopyTo(max.AsSpan(j + 4));
        (Vector256.Create(positives.AsSpan(j)) + posLo).CopyTo(positives.AsSpan(j));
        (Vector256.Create(positives.AsSpan(j + 4)) + posHi).CopyTo(positives.AsSpan(j + 4));

        var count = Vector256.Create((double)n);
        var meanLo = sumLo / count; var meanHi = sumHi / count;
        var m2Lo = Vector256<double>.Zero; var m2Hi = Vector256<double>.Zero;
        for (int r = 0; r < n; r++)
        {
            var (lo, hi) = Vector256.Widen(Vector256.LoadUnsafe(ref first, (nuint)((long)r * Width + j)));
            var dLo = lo - meanLo; var dHi = hi - meanHi;
            m2Lo += dLo * dLo; m2Hi += dHi * dHi;
        }
        meanLo.CopyTo(batchMean); meanHi.CopyTo(batchMean[4..]);
        m2Lo.CopyTo(batchM2); m2Hi.CopyTo(batchM2[4..]);
    }

    /// <summary>The same two passes as <see cref="MomentsOfEight"/> for a single neuron.</summary>
    private void MomentsOfOne(ReadOnlySpan<float> rows, int n, int j, out double batchMean, out double batchM2)
    {
        double sum = 0, lo = min[j], hi = max[j];
        long pos = 0;
        for (int r = 0; r < n; r++)
        {
            double v = rows[r * Width + j];
            sum += v;
            if (v < lo) lo = v;
            if (v > hi) hi = v;
            if (v > 0) pos++;
        }
        (min[j], max[j]) = (lo, hi);
        positives[j] += pos;
        batchMean = sum / n;
        batchM2 = 0;
        for (int r = 0; r < n; r++) { double d = rows[r * Width + j] - batchMean; batchM2 += d * d; }
    }

    /// <summary>Counts one block's values into its neurons' histograms, one neuron's column at a time.</summary>
    /// <param name="rows">[n, Width], row-major.</param>
    /// <param name="n">Rows in the batch.</param>
    /// <param name="block">Which block of <see cref="BlockWidth"/> neurons.</param>
    private void AddToHistogramBlock(ReadOnlySpan<float> rows, int n, int block)
    {
        int j0 = block * BlockWidth, j1 = Math.Min(Width, j0 + BlockWidth), stride = Bins + 2;
        for (int j = j0; j < j1; j++)
        {
            var counts = histogram.AsSpan(j * stride, stride);
            double lo = low[j], hi = high[j], span = hi - lo;
            for (int r = 0; r < n; r++) counts[Bin(rows[r * Width + j], lo, hi, span)]++;
        }
    }

    /// <summary>0 below [lo, hi), Bins + 1 at or above it, else 1 + the in-range bin (the same arithmetic as ever, so counts never move).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Bin(double v, double lo, double hi, double span) =>
        v < lo ? 0 : v >= hi ? Bins + 1 : 1 + Math.Min(Bins - 1, (int)((v - lo) / span * Bins));
}
