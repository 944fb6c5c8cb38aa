using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Interrogate.Store;

/// <summary>
/// The per-block kernels behind <see cref="NeuronStatistics.Add(ReadOnlySpan{float})"/>, over a block's values packed by
/// <see cref="NeuronBlocks"/> ([n, stride], count ≤ 16 neurons a row). Eight neurons at a time walk the rows with
/// their sums, extremes and counts in registers (two Vector256 of double each); leftover neurons take
/// the same steps one at a time. Every operation is the scalar one (float widened to double, add,
/// compare, subtract, multiply, divide; no fused multiply-add), applied to each neuron's values in
/// row order, so the results are bit-identical to a plain per-neuron loop whatever the blocking,
/// vector width or thread count.
/// </summary>
public sealed partial class NeuronStatistics
{
    /// <summary>Adds a batch's moments (and histogram counts once the range is fixed) for one block of neurons.</summary>
    /// <param name="packed">[n, stride], row-major: columns 0..count−1 are neurons first..first+count−1.</param>
    /// <param name="n">Rows in the batch.</param>
    /// <param name="stride">Floats from one row to the next.</param>
    /// <param name="before">The count before this batch.</param>
    /// <param name="first">The block's first neuron.</param>
    /// <param name="count">Neurons in the block.</param>
    /// <param name="moments">Also receives the block's batch moments, when not null.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void AddBlock(ReadOnlySpan<float> packed, int n, int stride, long before, int first, int count, BatchMoments? moments = null)
    {
        Span<double> batchMean = stackalloc double[count];
        Span<double> batchM2 = stackalloc double[count];
        int k = 0;
        if (Vector256.IsHardwareAccelerated)
            for (; k + 8 <= count; k += 8) MomentsOfEight(packed, n, stride, k, first + k, batchMean[k..], batchM2[k..]);
        for (; k < count; k++) MomentsOfOne(packed, n, stride, k, first + k, out batchMean[k], out batchM2[k]);

        ApplyBatchMoments(batchMean, batchM2, n, before, first);
        if (moments is not null)
        {
            batchMean.CopyTo(moments.Mean.AsSpan(first));
            batchM2.CopyTo(moments.M2.AsSpan(first));
        }
        if (HasHistogramRange) AddToHistogramBlock(packed, n, stride, first, count);
    }

    /// <summary>
    /// Chan et al.'s update of neurons first.. with one batch's means and M2 about them, the one
    /// place it is written: recording and <see cref="AddMoments"/> (the shard merge's replay) both
    /// call it, so a replay of the same batches in the same order gives the same bits.
    /// </summary>
    private void ApplyBatchMoments(ReadOnlySpan<double> batchMean, ReadOnlySpan<double> batchM2, int n, long before, int first)
    {
        long total = before + n;
        for (int k = 0; k < batchMean.Length; k++)
        {
            int j = first + k;
            double delta = batchMean[k] - mean[j];
            mean[j] += delta * n / total;
            m2[j] += batchM2[k] + delta * delta * ((double)before * n / total);
        }
    }

    /// <summary>
    /// Columns k..k+7 (neurons j..j+7): batch sums (in double), min/max and positives (in float and
    /// int32 lanes: exact, as a float's extremes and sign are the same widened) in one pass, then M2
    /// about the batch mean in a second.
    /// </summary>
    private void MomentsOfEight(ReadOnlySpan<float> packed, int n, int stride, int k, int j, Span<double> batchMean, Span<double> batchM2)
    {
        ref float first = ref MemoryMarshal.GetReference(packed);
        var sumLo = Vector256<double>.Zero; var sumHi = Vector256<double>.Zero;
        var low = Vector256.Create(float.PositiveInfinity); var high = Vector256.Create(float.NegativeInfinity);
        var pos = Vector256<int>.Zero;
        for (int r = 0; r < n; r++)
        {
            var v = Vector256.LoadUnsafe(ref first, (nuint)(r * stride + k));
            var (lo, hi) = Vector256.Widen(v);
            sumLo += lo; sumHi += hi;
            low = Vector256.ConditionalSelect(Vector256.LessThan(v, low), v, low);   // a NaN never replaces an extreme, as in the scalar loop
            high = Vector256.ConditionalSelect(Vector256.GreaterThan(v, high), v, high);
            pos -= Vector256.GreaterThan(v, Vector256<float>.Zero).AsInt32();   // a true lane is all ones: −1
        }
        var (lowLo, lowHi) = Vector256.Widen(low);
        var (highLo, highHi) = Vector256.Widen(high);
        var (posLo, posHi) = Vector256.Widen(pos);
        Merge(min.AsSpan(j), lowLo, lower: true); Merge(min.AsSpan(j + 4), lowHi, lower: true);
        Merge(max.AsSpan(j), highLo, lower: false); Merge(max.AsSpan(j + 4), highHi, lower: false);
        (Vector256.Create(positives.AsSpan(j)) + posLo).CopyTo(positives.AsSpan(j));
        (Vector256.Create(positives.AsSpan(j + 4)) + posHi).CopyTo(positives.AsSpan(j + 4));

        var rows = Vector256.Create((double)n);
        var meanLo = sumLo / rows; var meanHi = sumHi / rows;
        var m2Lo = Vector256<double>.Zero; var m2Hi = Vector256<double>.Zero;
        for (int r = 0; r < n; r++)
        {
            var (lo, hi) = Vector256.Widen(Vector256.LoadUnsafe(ref first, (nuint)(r * stride + k)));
            var dLo = lo - meanLo; var dHi = hi - meanHi;
            m2Lo += dLo * dLo; m2Hi += dHi * dHi;
        }
        meanLo.CopyTo(batchMean); meanHi.CopyTo(batchMean[4..]);
        m2Lo.CopyTo(batchM2); m2Hi.CopyTo(batchM2[4..]);
    }

    /// <summary>
    /// Replaces a stored extreme by the batch's only when strictly beyond it, as the scalar loop's
    /// compare does (so −0 never replaces +0, or the reverse, and the first of equal values stays).
    /// </summary>
    private static void Merge(Span<double> stored, Vector256<double> batch, bool lower)
    {
        var kept = Vector256.Create(stored);
        var beyond = lower ? Vector256.LessThan(batch, kept) : Vector256.GreaterThan(batch, kept);
        Vector256.ConditionalSelect(beyond, batch, kept).CopyTo(stored);
    }

    /// <summary>The same two passes as <see cref="MomentsOfEight"/> for column k (neuron j) alone.</summary>
    private void MomentsOfOne(ReadOnlySpan<float> packed, int n, int stride, int k, int j, out double batchMean, out double batchM2)
    {
        double sum = 0, lo = min[j], hi = max[j];
        long pos = 0;
        for (int r = 0; r < n; r++)
        {
            double v = packed[r * stride + k];
            sum += v;
            if (v < lo) lo = v;
            if (v > hi) hi = v;
            if (v > 0) pos++;
        }
        (min[j], max[j]) = (lo, hi);
        positives[j] += pos;
        batchMean = sum / n;
        batchM2 = 0;
        for (int r = 0; r < n; r++) { double d = packed[r * stride + k] - batchMean; batchM2 += d * d; }
    }

    /// <summary>
    /// Counts one block's values into its neurons' histograms. Bins are computed eight neurons at a
    /// time in float vectors with the scalar arithmetic of <see cref="Bin(float, float, float, float)"/>
    /// ((v − low)·scale, truncated by the saturating conversion, clamped), so counts match it
    /// exactly; each value then bumps an int32 counter of a block-local table ([Bins + 2, 16], a few
    /// KB in L1) that is added to the neurons' histograms once per batch.
    /// </summary>
    /// <param name="packed">[n, stride], row-major: columns 0..count−1 are neurons first..first+count−1.</param>
    /// <param name="n">Rows in the batch.</param>
    /// <param name="stride">Floats from one row to the next.</param>
    /// <param name="first">The block's first neuron.</param>
    /// <param name="count">Neurons in the block.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal void AddToHistogramBlock(ReadOnlySpan<float> packed, int n, int stride, int first, int count)
    {
        const int Lanes = NeuronBlocks.Width, LaneShift = 4;   // Lanes = 1 << LaneShift
        int bins2 = Bins + 2, k = 0;
        if (localCounts is null || localCounts.Length < bins2 * Lanes) localCounts = new int[bins2 * Lanes];
        ref int counts = ref MemoryMarshal.GetArrayDataReference(localCounts);   // [Bins + 2, Lanes]: counts[bin * Lanes + k]
        if (Vector256.IsHardwareAccelerated)
        {
            Span<int> at = stackalloc int[8];
            ref int slot = ref MemoryMarshal.GetReference(at);
            var last = Vector256.Create(Bins - 1);
            var above = Vector256.Create(Bins);
            var below = Vector256.Create(-1);
            ref float start = ref MemoryMarshal.GetReference(packed);
            for (; k + 8 <= count; k += 8)
            {
                int j = first + k;
                var lowV = Vector256.Narrow(Vector256.Create(low.AsSpan(j)), Vector256.Create(low.AsSpan(j + 4)));   // exact: the range is float values
                var highV = Vector256.Narrow(Vector256.Create(high.AsSpan(j)), Vector256.Create(high.AsSpan(j + 4)));
                var scaleV = Vector256.Create((float)Bins) / (highV - lowV);
                var lane = Vector256.Create(Lanes + k) + Vector256.Create(0, 1, 2, 3, 4, 5, 6, 7);   // bin b → (b + 1)·Lanes + k + lane
                for (int r = 0; r < n; r++)
                {
                    var v = Vector256.LoadUnsafe(ref start, (nuint)(r * stride + k));
                    var bin = Vector256.Min(Vector256.ConvertToInt32((v - lowV) * scaleV), last);
                    bin = Vector256.ConditionalSelect(Vector256.GreaterThanOrEqual(v, highV).AsInt32(), above, bin);
                    bin = Vector256.ConditionalSelect(Vector256.LessThan(v, lowV).AsInt32(), below, bin);
                    (Vector256.ShiftLeft(bin, LaneShift) + lane).StoreUnsafe(ref slot);
                    Unsafe.Add(ref counts, slot)++; Unsafe.Add(ref counts, Unsafe.Add(ref slot, 1))++;
                    Unsafe.Add(ref counts, Unsafe.Add(ref slot, 2))++; Unsafe.Add(ref counts, Unsafe.Add(ref slot, 3))++;
                    Unsafe.Add(ref counts, Unsafe.Add(ref slot, 4))++; Unsafe.Add(ref counts, Unsafe.Add(ref slot, 5))++;
                    Unsafe.Add(ref counts, Unsafe.Add(ref slot, 6))++; Unsafe.Add(ref counts, Unsafe.Add(ref slot, 7))++;
                }
            }
        }
        for (; k < count; k++)
        {
            int j = first + k;
            float lo = (float)low[j], hi = (float)high[j], scale = Bins / (hi - lo);
            for (int r = 0; r < n; r++) localCounts[Bin(packed[r * stride + k], lo, hi, scale) * Lanes + k]++;
        }
        for (k = 0; k < count; k++)
        {
            var target = histogram.AsSpan((first + k) * bins2, bins2);
            for (int bin = 0; bin < bins2; bin++)
            {
                target[bin] += Unsafe.Add(ref counts, bin * Lanes + k);
                Unsafe.Add(ref counts, bin * Lanes + k) = 0;
            }
        }
    }

    /// <summary>Per-thread block table for <see cref="AddToHistogramBlock"/>, all zeros between calls.</summary>
    [ThreadStatic] private static int[]? localCounts;

    /// <summary>
    /// 0 below [lo, hi), Bins + 1 at or above it, else 1 + min(Bins − 1, (int)((v − lo)·scale)) in
    /// float arithmetic (scale = Bins / (hi − lo)); NaN counts in bin 1, as the saturating cast gives 0.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal int Bin(float v, float lo, float hi, float scale) =>
        v < lo ? 0 : v >= hi ? Bins + 1 : 1 + Math.Min(Bins - 1, (int)((v - lo) * scale));
}
