using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace Interrogate.Kernels;

/// <summary>
/// Row-wise top-k selection of <c>x[j] + bias[j]</c>: the TopK activation of a sparse autoencoder
/// without materialising the biased row. A min-heap of k entries is kept and whole blocks of 8 are
/// skipped with one vector comparison against its root, so after the first few hundred columns a row
/// costs about one load, add and compare per column. Ties keep the earlier column. Output order is
/// unspecified (heap order).
/// </summary>
public static class RowTopK
{
    /// <summary>
    /// Selects the k largest values of row + bias.
    /// </summary>
    /// <param name="row">[n] one row of pre-activations.</param>
    /// <param name="bias">[n] added to the row before comparing (all zeros for a plain top-k).</param>
    /// <param name="k">How many to keep, 1..n.</param>
    /// <param name="indices">[k] receives the selected columns.</param>
    /// <param name="values">[k] receives row[j] + bias[j] of the selected columns.</param>
    public static void Select(ReadOnlySpan<float> row, ReadOnlySpan<float> bias, int k, Span<int> indices, Span<float> values)
    {
        int n = row.Length;
        if (bias.Length != n || k < 1 || k > n || indices.Length < k || values.Length < k)
            throw new ArgumentException($"RowTopK.Select: row {n}, bias {bias.Length}, k {k}, outputs {indices.Length}/{values.Length}");
        for (int j = 0; j < k; j++) { values[j] = row[j] + bias[j]; indices[j] = j; }
        for (int j = k / 2 - 1; j >= 0; j--) SiftDown(values, indices, j, k);
        int c = k;
        if (Vector256.IsHardwareAccelerated)
        {
            ref float r = ref MemoryMarshal.GetReference(row), b = ref MemoryMarshal.GetReference(bias);
            for (; c + 8 <= n; c += 8)
            {
                var v = Vector256.LoadUnsafe(ref r, (nuint)c) + Vector256.LoadUnsafe(ref b, (nuint)c);
                if (Vector256.GreaterThanAny(v, Vector256.Create(values[0])))
                    for (int t = 0; t < 8; t++) Offer(values, indices, k, v.GetElement(t), c + t);
            }
        }
        for (; c < n; c++) Offer(values, indices, k, row[c] + bias[c], c);
    }

    /// <summary>
    /// As <see cref="Select(ReadOnlySpan{float}, ReadOnlySpan{float}, int, Span{int}, Span{float})"/>
    /// over a subset of columns only (e.g. the dead latents of AuxK); returns how many were kept
    /// (min(k, candidates.Length)).
    /// </summary>
    /// <param name="candidates">Column indices to consider, each in [0, row.Length).</param>
    /// <param name="row">[n] one row of pre-activations.</param>
    /// <param name="bias">[n] added to the row before comparing.</param>
    /// <param name="k">How many to keep.</param>
    /// <param name="indices">[k] receives the selected columns.</param>
    /// <param name="values">[k] receives their biased values.</param>
    public static int SelectAmong(ReadOnlySpan<float> row, ReadOnlySpan<float> bias, ReadOnlySpan<int> candidates, int k, Span<int> indices, Span<float> values)
    {
        int kept = Math.Min(k, candidates.Length);
        if (kept == 0) return 0;
        for (int t = 0; t < kept; t++) { int j = candidates[t]; values[t] = row[j] + bias[j]; indices[t] = j; }
        for (int t = kept / 2 - 1; t >= 0; t--) SiftDown(values, indices, t, kept);
        for (int t = kept; t < candidates.Length; t++) { int j = candidates[t]; Offer(values, indices, kept, row[j] + bias[j], j); }
        return kept;
    }

    private static void Offer(Span<float> values, Span<int> indices, int k, float v, int j)
    {
        if (!(v > values[0])) return;
        values[0] = v;
        indices[0] = j;
        SiftDown(values, indices, 0, k);
    }

    // Min-heap on values; among equal values the later column sits nearer the root so it leaves first.
    private static void SiftDown(Span<float> values, Span<int> indices, int i, int n)
    {
        while (true)
        {
            int l = 2 * i + 1, smallest = i;
            if (l < n && Less(values, indices, l, smallest)) smallest = l;
            if (l + 1 < n && Less(values, indices, l + 1, smallest)) smallest = l + 1;
            if (smallest == i) return;
            (values[i], values[smallest]) = (values[smallest], values[i]);
            (indices[i], indices[smallest]) = (indices[smallest], indices[i]);
            i = smallest;
        }
    }

    private static bool Less(Span<float> values, Span<int> indices, int a, int b) =>
        values[a] < values[b] || (values[a] == values[b] && indices[a] > indices[b]);
}
