using System.Numerics.Tensors;

namespace Interrogate.Kernels;

/// <summary>
/// Causal self-attention for one (batch, head) read straight from the rows of a fused q|k|v
/// projection and written straight into the rows of the heads' concatenated output, so a training
/// step needs no split, permute or copy of q, k, v and z. Every matrix is row-major with its own
/// leading dimension: q [t, d] (ldq), k [t, d] (ldk), v [t, d] (ldv), output [t, d] (ldo); the
/// pattern p is [t, t] (leading dimension t). Query i sees keys 0..i.
/// Work runs in blocks of <see cref="QueryBlock"/> query rows, each only over the keys its last
/// row sees, so forward and backward skip most of the masked upper triangle.
/// All products run on the calling thread: callers parallelise over heads.
/// </summary>
public static class PackedAttention
{
    /// <summary>Query rows per block: a multiple of every micro-kernel's row tile (4, 6, 12).</summary>
    public const int QueryBlock = 48;

    /// <summary>
    /// output = softmax(scale·q·kᵀ, causal)·v. p: [t, t]; when <paramref name="keep"/> the pattern is
    /// written there for backward (entries a block never computes are left as they were and never
    /// read), else p is scratch of at least QueryBlock·t floats.
    /// </summary>
    public static void Forward(ReadOnlySpan<float> q, int ldq, ReadOnlySpan<float> k, int ldk, ReadOnlySpan<float> v, int ldv,
        int t, int d, float scale, Span<float> p, bool keep, Span<float> output, int ldo)
    {
        for (int i0 = 0; i0 < t; i0 += QueryBlock)
        {
            int rows = Math.Min(QueryBlock, t - i0), seen = i0 + rows;
            var block = keep ? p[(i0 * t)..] : p;
            Gemm.MultiplyOnThreads(1, false, true, rows, seen, d, scale, q[(i0 * ldq)..], ldq, k, ldk, 0f, block, t);
            for (int r = 0; r < rows; r++)
            {
                var row = block.Slice(r * t, seen);
                int visible = i0 + r + 1;
                Attention.SoftmaxRow(row[..visible], default);
                row[visible..].Clear();
            }
            Gemm.MultiplyOnThreads(1, false, false, rows, d, seen, 1f, block, t, v, ldv, 0f, output[(i0 * ldo)..], ldo);
        }
    }

    /// <summary>
    /// Backward of <see cref="Forward"/> given its kept pattern p and the output's gradient dOut
    /// [t, d] (lddo). dq [t, d] is overwritten when <paramref name="overwriteDq"/>, else added into;
    /// dk and dv [t, d] are always added into (callers zero them first when they own them).
    /// scratch: at least QueryBlock·t floats.
    /// </summary>
    public static void Backward(ReadOnlySpan<float> p, ReadOnlySpan<float> q, int ldq, ReadOnlySpan<float> k, int ldk,
        ReadOnlySpan<float> v, int ldv, ReadOnlySpan<float> dOut, int lddo, int t, int d, float scale,
        Span<float> dq, int lddq, bool overwriteDq, Span<float> dk, int lddk, Span<float> dv, int lddv, Span<float> scratch)
    {
        for (int i0 = 0; i0 < t; i0 += QueryBlock)
        {
            int rows = Math.Min(QueryBlock, t - i0), seen = i0 + rows;
            var pb = p[(i0 * t)..];
            var dOutRows = dOut[(i0 * lddo)..];
            // dv[:seen] += pᵀ·dOut; dP = dOut·v[:seen]ᵀ.
            Gemm.MultiplyOnThreads(1, true, false, seen, d, rows, 1f, pb, t, dOutRows, lddo, 1f, dv, lddv);
            Gemm.MultiplyOnThreads(1, false, true, rows, seen, d, 1f, dOutRows, lddo, v, ldv, 0f, scratch, t);
            // Softmax backward per row: dS = P ⊙ (dP − ⟨dP, P⟩); entries past a row's own keys have P = 0.
            for (int r = 0; r < rows; r++)
            {
                var pr = pb.Slice(r * t, seen);
                var dr = scratch.Slice(r * t, seen);
                float dot = TensorPrimitives.Dot(pr, dr);
                TensorPrimitives.Subtract(dr, dot, dr);
                TensorPrimitives.Multiply(dr, pr, dr);
            }
            Gemm.MultiplyOnThreads(1, false, false, rows, d, seen, scale, scratch, t, k, ldk, overwriteDq ? 0f : 1f, dq[(i0 * lddq)..], lddq);
            Gemm.MultiplyOnThreads(1, true, false, seen, d, rows, scale, scratch, t, q[(i0 * ldq)..], ldq, 1f, dk, lddk);
        }
    }
}
