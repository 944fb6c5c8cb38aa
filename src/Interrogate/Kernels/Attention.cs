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
    /// p = softmax(scale·q·kᵀ) over the visible keys of each row. q: [tq, d]; k: [tk, d];
    /// keyMask: tk values (1 = attend, 0 = padding) or empty for none; p: [tq, tk], overwritten.
    /// </summary>
    public static void Pattern(ReadOnlySpan<float> q, ReadOnlySpan<float> k, int tq, int tk, int d, float scale,
        bool causal, ReadOnlySpan<float> keyMask, Span<float> p)
    {
        Gemm.Multiply(false, true, tq, tk, d, scale, q, d, k, d, 0f, p, tk);
        for (int i = 0; i < tq; i++)
        {
            var row = p.Slice(i * tk, tk);
            int visible = causal ? Math.Min(tk, tk - tq + i + 1) : tk;
            float max = float.NegativeInfinity;
            for (int j = 0; j < visible; j++)
                if (keyMask.IsEmpty || keyMask[j] != 0f) max = MathF.Max(max, row[j]);
            if (float.IsNegativeInfinity(max)) { row.Clear(); continue; }
            float sum = 0f;
            for (int j = 0; j < tk; j++)
            {
                bool seen = j < visible && (keyMask.IsEmpty || keyMask[j] != 0f);
                float e = seen ? MathF.Exp(row[j] - max) : 0f;
                row[j] = e;
                sum += e;
            }
            float inv = 1f / sum;
            for (int j = 0; j < tk; j++) row[j] *= inv;
        }
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
            float dot = System.Numerics.Tensors.TensorPrimitives.Dot(pr, dr);
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
