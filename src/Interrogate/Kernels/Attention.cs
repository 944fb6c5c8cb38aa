using System.Numerics.Tensors;

namespace Interrogate.Kernels;

/// <summary>
/// Scaled dot-product attention for one (batch, head), forward and backward, all matrix work in
/// Gemm. Row-major: q [tq, d], k [tk, d], v [tk, dv], pattern p [tq, tk], out [tq, dv].
/// Query i may see key j when j ≤ tk − tq + i (causal, aligned to the end so a KV cache works) and
/// keyMask[j] ≠ 0; masked entries of the pattern are exactly 0, and a row that sees no key is all 0.
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
        bool causal, ReadOnlySpan<float> keyMask, Span<float> p)
    {
        for (int i0 = 0; i0 < tq; i0 += QueryBlock)
        {
            int rows = Math.Min(QueryBlock, tq - i0);
            var block = p.Slice(i0 * tk, rows * tk);
            int seen = ScoresBlock(q, k, i0, rows, tq, tk, d, scale, causal, keyMask, block);
            for (int r = 0; r < rows; r++) block.Slice(r * tk + seen, tk - seen).Clear();
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
        float scale, bool causal, ReadOnlySpan<float> keyMask, Span<float> p, bool keep, Span<float> output)
    {
        for (int i0 = 0; i0 < tq; i0 += QueryBlock)
        {
            int rows = Math.Min(QueryBlock, tq - i0);
            var block = keep ? p.Slice(i0 * tk, rows * tk) : p[..(rows * tk)];
            int seen = ScoresBlock(q, k, i0, rows, tq, tk, d, scale, causal, keyMask, block);
            if (keep)
                for (int r = 0; r < rows; r++) block.Slice(r * tk + seen, tk - seen).Clear();
            var outRows = output.Slice(i0 * dv, rows * dv);
            if (seen == 0) outRows.Clear();
            else Gemm.Multiply(false, false, rows, dv, seen, 1f, block, tk, v, dv, 0f, outRows, dv);
        }
    }

    // Softmax scores of query rows [i0, i0 + rows) into block [rows, tk) (leading dimension tk) over
    // keys [0, seen), seen = the last row's visible count, which it returns; entries past a row's
    // own visible keys or masked are 0, those at or past seen are left unwritten.
    private static int ScoresBlock(ReadOnlySpan<float> q, ReadOnlySpan<float> k, int i0, int rows, int tq, int tk, int d,
        float scale, bool causal, ReadOnlySpan<float> keyMask, Span<float> block)
    {
        int seen = Visible(i0 + rows - 1, tq, tk, causal);
        if (seen == 0) return 0;
        Gemm.Multiply(false, true, rows, seen, d, scale, q.Slice(i0 * d, rows * d), d, k, d, 0f, block, tk);
        for (int r = 0; r < rows; r++)
        {
            var row = block.Slice(r * tk, seen);
            int visible = Visible(i0 + r, tq, tk, causal);
            SoftmaxRow(row[..visible], keyMask);
            row[visible..].Clear();
        }
        return seen;
    }

    private static int Visible(int i, int tq, int tk, bool causal) => causal ? Math.Clamp(tk - tq + i + 1, 0, tk) : tk;

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
        int tq, int tk, int d, float scale, Span<float> dq, Span<float> dk)
    {
        // Softmax backward per row: dS = P ⊙ (dP − ⟨dP, P⟩); masked entries have P = 0, so dS = 0.
        for (int i = 0; i < tq; i++)
        {
            var pr = p.Slice(i * tk, tk);
            var dr = dp.Slice(i * tk, tk);
            float dot = TensorPrimitives.Dot(pr, dr);
            for (int j = 0; j < tk; j++) dr[j] = pr[j] * (dr[j] - dot);
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
        int tq, int tk, int d, int dv, double scale, bool causal, ReadOnlySpan<float> keyMask)
    {
        var output = new double[tq * dv];
        var w = new double[tk];
        for (int i = 0; i < tq; i++)
        {
            double max = double.NegativeInfinity;
            for (int j = 0; j < tk; j++)
            {
                bool seen = (!causal || j <= tk - tq + i) && (keyMask.IsEmpty || keyMask[j] != 0f);
                double s = 0;
                for (int c = 0; c < d; c++) s += (double)q[i * d + c] * k[j * d + c];
                w[j] = seen ? s * scale : double.NegativeInfinity;
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
