using System.Numerics.Tensors;

namespace Interrogate.Kernels;

/// <summary>
/// Scaled dot-product attention for one (batch, head), forward and backward, all matrix work in
/// Gemm. Row-major: q [tq, d], k [tk, d], v [tk, dv], pattern p [tq, tk], out [tq, dv].
/// Query i may see key j when j ≤ tk − tq + i (causal, aligned to the end so a KV cache works) and
/// keyMask[j] ≠ 0; masked entries of the pattern are exactly 0, and a row that sees no key is all 0.
/// Two options (Gemma 2): a sliding <c>window</c> W &gt; 0 also hides keys j ≤ tk − tq + i − W (causal
/// only), and a <c>softCap</c> c &gt; 0 replaces each score s by c·tanh(s / c) before the softmax.
/// Backward kernels add into the gradients they are given (never assign).
/// </summary>
public static class Attention
{
    /// <summary>
    /// Query rows per block: a multiple of every micro-kernel's row tile (4, 6, 12), small enough
    /// that a block's scores stay in L2 and a causal block wastes little on its masked corner.
    /// </summary>
    public const int QueryBlock = 96;

    /// <summary>
    /// p = softmax(scale·q·kᵀ) over the visible keys of each row. q: [tq, d]; k: [tk, d];
    /// keyMask: tk values (1 = attend, 0 = padding) or empty for none; p: [tq, tk], overwritten.
    /// </summary>
    public static void Pattern(ReadOnlySpan<float> q, ReadOnlySpan<float> k, int tq, int tk, int d, float scale,
        bool causal, ReadOnlySpan<float> keyMask, Span<float> p, float softCap = 0f, int window = 0)
    {
        CheckWindow(causal, window);
        for (int i0 = 0; i0 < tq; i0 += QueryBlock)
        {
            int rows = Math.Min(QueryBlock, tq - i0);
            var block = p.Slice(i0 * tk, rows * tk);
            var (from, seen) = ScoresBlock(q, k, i0, rows, tq, tk, d, scale, causal, keyMask, block, softCap, window);
            for (int r = 0; r < rows; r++)
            {
                block.Slice(r * tk, from).Clear();
                block.Slice(r * tk + seen, tk - seen).Clear();
            }
        }
    }

    /// <summary>
    /// out = softmax(scale·q·kᵀ)·v, <see cref="QueryBlock"/> query rows at a time. Each block's
    /// scores are computed only up to its last visible key, so under a causal mask both products
    /// skip the upper triangle and still run at GEMM speed. Shapes as in <see cref="Pattern"/>,
    /// v: [tk, dv], output: [tq, dv] (overwritten). p: the full pattern [tq, tk] (filled, for a
    /// backward pass) when <paramref name="keep"/>, else scratch of min(tq, QueryBlock)·tk floats.
    /// </summary>
    public static void Forward(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v, int tq, int tk, int d, int dv,
        float scale, bool causal, ReadOnlySpan<float> keyMask, Span<float> p, bool keep, Span<float> output, float softCap = 0f, int window = 0)
    {
        CheckWindow(causal, window);
        for (int i0 = 0; i0 < tq; i0 += QueryBlock)
        {
            int rows = Math.Min(QueryBlock, tq - i0);
            var block = keep ? p.Slice(i0 * tk, rows * tk) : p[..(rows * tk)];
            var (from, seen) = ScoresBlock(q, k, i0, rows, tq, tk, d, scale, causal, keyMask, block, softCap, window);
            if (keep)
                for (int r = 0; r < rows; r++)
                {
                    block.Slice(r * tk, from).Clear();
                    block.Slice(r * tk + seen, tk - seen).Clear();
                }
            var outRows = output.Slice(i0 * dv, rows * dv);
            if (seen == from) outRows.Clear();
            else Gemm.Multiply(false, false, rows, dv, seen - from, 1f, block[from..], tk, v[(from * dv)..], dv, 0f, outRows, dv);
        }
    }

    // Softmax scores of query rows [i0, i0 + rows) into block [rows, tk) (leading dimension tk) over
    // keys [from, seen): from = the first row's first key inside the window (0 without one), seen = the
    // last row's visible count; it returns both. Entries in that range that a row does not see are 0;
    // those outside it are left unwritten, so a sliding window costs O(rows · (W + rows)), not O(rows · tk).
    private static (int From, int Seen) ScoresBlock(ReadOnlySpan<float> q, ReadOnlySpan<float> k, int i0, int rows, int tq, int tk, int d,
        float scale, bool causal, ReadOnlySpan<float> keyMask, Span<float> block, float softCap, int window)
    {
        int seen = Visible(i0 + rows - 1, tq, tk, causal);
        int from = Math.Min(First(i0, tq, tk, window), seen);
        if (seen == from) return (from, seen);
        Gemm.Multiply(false, true, rows, seen - from, d, scale, q.Slice(i0 * d, rows * d), d, k[(from * d)..], d, 0f, block[from..], tk);
        for (int r = 0; r < rows; r++)
        {
            var row = block.Slice(r * tk, seen);
            int visible = Visible(i0 + r, tq, tk, causal), first = Math.Min(First(i0 + r, tq, tk, window), visible);
            var seenRow = row[first..visible];
            if (softCap > 0f)
            {
                TensorPrimitives.Multiply(seenRow, 1f / softCap, seenRow);
                TensorPrimitives.Tanh(seenRow, seenRow);
                TensorPrimitives.Multiply(seenRow, softCap, seenRow);
            }
            SoftmaxRow(seenRow, keyMask.IsEmpty ? keyMask : keyMask[first..visible]);
            row[from..first].Clear();
            row[visible..].Clear();
        }
        return (from, seen);
    }

    private static int Visible(int i, int tq, int tk, bool causal) => causal ? Math.Clamp(tk - tq + i + 1, 0, tk) : tk;

    // The first key query i sees through a sliding window of W positions (0 without one).
    private static int First(int i, int tq, int tk, int window) => window > 0 ? Math.Max(0, tk - tq + i + 1 - window) : 0;

    private static void CheckWindow(bool causal, int window)
    {
        if (window < 0 || (window > 0 && !causal)) throw new ArgumentException($"a sliding window ({window}) must be positive and causal", nameof(window));
    }

    // Softmax over the unmasked entries of a row; masked ones become 0, and a row with none is all 0.
    internal static void SoftmaxRow(Span<float> row, ReadOnlySpan<float> keyMask)
    {
        if (row.IsEmpty) return;
        float max;
        if (keyMask.IsEmpty) max = TensorPrimitives.Max(row);
        else
        {
            max = float.NegativeInfinity;
            for (int j = 0; j < row.Length; j++)
                if (keyMask[j] != 0f) max = MathF.Max(max, row[j]);
            if (float.IsNegativeInfinity(max)) { row.Clear(); return; }
        }
        TensorPrimitives.Subtract(row, max, row);
        TensorPrimitives.Exp(row, row);
        if (!keyMask.IsEmpty)
            for (int j = 0; j < row.Length; j++)
                if (keyMask[j] == 0f) row[j] = 0f;
        TensorPrimitives.Multiply(row, 1f / TensorPrimitives.Sum(row), row);
    }

    /// <summary>
    /// Backward of <see cref="Pattern"/>. dp [tq, tk] holds the pattern's gradient on entry and
    /// is overwritten with the scores' gradient. dq [tq, d] and dk [tk, d] are added into; pass an
    /// empty span to skip one.
    /// </summary>
    public static void PatternBackward(ReadOnlySpan<float> p, Span<float> dp, ReadOnlySpan<float> q, ReadOnlySpan<float> k,
        int tq, int tk, int d, float scale, Span<float> dq, Span<float> dk, float softCap = 0f)
    {
        // Softmax backward per row: dS = P ⊙ (dP − ⟨dP, P⟩); masked entries have P = 0, so dS = 0.
        for (int i = 0; i < tq; i++)
        {
            var pr = p.Slice(i * tk, tk);
            var dr = dp.Slice(i * tk, tk);
            float dot = TensorPrimitives.Dot(pr, dr);
            for (int j = 0; j < tk; j++) dr[j] = pr[j] * (dr[j] - dot);
        }
        if (softCap > 0f)
        {
            // Through the cap: d(c·tanh(s/c))/ds = 1 − tanh²(s/c), with s recomputed (the capped scores are not kept).
            var raw = new float[tq * tk];
            Gemm.Multiply(false, true, tq, tk, d, scale / softCap, q, d, k, d, 0f, raw, tk);
            TensorPrimitives.Tanh(raw, raw);
            for (int e = 0; e < raw.Length; e++) dp[e] *= 1f - raw[e] * raw[e];
        }
        if (!dq.IsEmpty) Gemm.Multiply(false, false, tq, d, tk, scale, dp, tk, k, d, 1f, dq, d);
        if (!dk.IsEmpty) Gemm.Multiply(true, false, tk, d, tq, scale, dp, tk, q, d, 1f, dk, d);
    }

    /// <summary>out = p·v.</summary>
    public static void Apply(ReadOnlySpan<float> p, ReadOnlySpan<float> v, int tq, int tk, int dv, Span<float> output) =>
        Gemm.Multiply(false, false, tq, dv, tk, 1f, p, tk, v, dv, 0f, output, dv);

    /// <summary>
    /// Backward of <see cref="Apply"/>: dp += dOut·vᵀ and dv += pᵀ·dOut, each skipped when its span is empty.
    /// </summary>
    public static void ApplyBackward(ReadOnlySpan<float> p, ReadOnlySpan<float> v, ReadOnlySpan<float> dOut,
        int tq, int tk, int dvSize, Span<float> dp, Span<float> dv)
    {
        if (!dp.IsEmpty) Gemm.Multiply(false, true, tq, tk, dvSize, 1f, dOut, dvSize, v, dvSize, 1f, dp, tk);
        if (!dv.IsEmpty) Gemm.Multiply(true, false, tk, dvSize, tq, 1f, p, tk, dOut, dvSize, 1f, dv, dvSize);
    }

    /// <summary>
    /// Reference attention in double, straight from the definition, for tests: returns out [tq, dv].
    /// </summary>
    public static double[] Reference(ReadOnlySpan<float> q, ReadOnlySpan<float> k, ReadOnlySpan<float> v,
        int tq, int tk, int d, int dv, double scale, bool causal, ReadOnlySpan<float> keyMask, double softCap = 0, int window = 0)
    {
        var output = new double[tq * dv];
        var w = new double[tk];
        for (int i = 0; i < tq; i++)
        {
            double max = double.NegativeInfinity;
            for (int j = 0; j < tk; j++)
            {
                bool seen = (!causal || j <= tk - tq + i) && (window == 0 || j > tk - tq + i - window) && (keyMask.IsEmpty || keyMask[j] != 0f);
                double s = 0;
                for (int c = 0; c < d; c++) s += (double)q[i * d + c] * k[j * d + c];
                s *= scale;
                if (softCap > 0) s = softCap * Math.Tanh(s / softCap);
                w[j] = seen ? s : double.NegativeInfinity;
                max = Math.Max(max, w[j]);
            }
            if (double.IsNegativeInfinity(max)) continue;
            double sum = 0;
            for (int j = 0; j < tk; j++) { w[j] = Math.Exp(w[j] - max); sum += w[j]; }
            for (int j = 0; j < tk; j++)
                for (int c = 0; c < dv; c++) output[i * dv + c] += w[j] / sum * v[j * dv + c];
        }
        return output;
    }
}
